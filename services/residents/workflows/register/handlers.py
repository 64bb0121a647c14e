"""The register's queries: the units of the estates with their owners and tenants. A person sees
the units of the estates they work for only (`reader.estates`); another estate's unit answers as if
it were not registered."""
from __future__ import annotations

from sqlalchemy import func, select

from propdesk.chassis.estates import within
from propdesk.contracts.rpc import UnitDetailSchema, UnitSchema
from propdesk.errors import NotFound
from propdesk_services.residents.workflows.move_out.handlers import open_move_out_id
from propdesk_services.residents.workflows.register.models import Unit
from propdesk_services.residents.workflows.register.views import matching_parties, unit_of, unit_views

_UNITS = UnitSchema(many=True)
_UNIT_DETAIL = UnitDetailSchema()


#: A search answers at most this many units (the desk shows the first ones; narrow the search).
SEARCH_LIMIT = 200


def list_units(args: dict, reader) -> list[dict]:
    """The unit register with owner and tenant names and phones (masked); only let units when
    `leased_only`; only the estates of the person asking. `q` searches it: a part of the unit
    number, of an owner's or tenant's name or party id, or 4 or more digits of their phone number
    (the first `SEARCH_LIMIT` units that match)."""
    stmt = within(select(Unit).order_by(Unit.unit_id), Unit.estate, reader.estates)
    if args["leased_only"]:
        stmt = stmt.where(Unit.tenant_party_id.is_not(None))
    q = " ".join((args.get("q") or "").split())
    if q:
        people = matching_parties(reader.session, q)
        stmt = stmt.where(func.lower(Unit.unit_id).like(f"%{q.lower()}%") | Unit.owner_party_id.in_(people)
                          | Unit.tenant_party_id.in_(people)).limit(SEARCH_LIMIT)
    return _UNITS.dump(unit_views(reader.session, list(reader.session.scalars(stmt))))


def get_unit(args: dict, reader) -> dict:
    """One unit with owner and tenant names and its open move-out (open_move_out_id), if any."""
    unit = unit_of(reader.session, args["unit_id"], reader.estates)
    if unit is None:
        raise NotFound(f"no unit {args['unit_id']}", field="unit_id", rule="exists")
    view = unit_views(reader.session, [unit], masked=False)[0]  # its own page (chassis masks per role)
    return _UNIT_DETAIL.dump({**view, "open_move_out_id": open_move_out_id(reader.session, unit.unit_id)})
