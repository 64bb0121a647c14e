"""The register's queries: the units of the estates with their owners and tenants. A person sees
the units of the estates they work for only (`reader.estates`); another estate's unit answers as if
it were not registered."""
from __future__ import annotations

from sqlalchemy import select

from propdesk.chassis.estates import within
from propdesk.contracts.rpc import UnitDetailSchema, UnitSchema
from propdesk.errors import NotFound
from propdesk_services.residents.workflows.move_out.handlers import open_move_out_id
from propdesk_services.residents.workflows.register.models import Unit
from propdesk_services.residents.workflows.register.views import unit_of, unit_views

_UNITS = UnitSchema(many=True)
_UNIT_DETAIL = UnitDetailSchema()


def list_units(args: dict, reader) -> list[dict]:
    """The unit register with owner and tenant names; only let units when `leased_only`; only the
    estates of the person asking."""
    stmt = within(select(Unit).order_by(Unit.unit_id), Unit.estate, reader.estates)
    if args["leased_only"]:
        stmt = stmt.where(Unit.tenant_party_id.is_not(None))
    return _UNITS.dump(unit_views(reader.session, list(reader.session.scalars(stmt))))


def get_unit(args: dict, reader) -> dict:
    """One unit with owner and tenant names and its open move-out (open_move_out_id), if any."""
    unit = unit_of(reader.session, args["unit_id"], reader.estates)
    if unit is None:
        raise NotFound(f"no unit {args['unit_id']}", field="unit_id", rule="exists")
    view = unit_views(reader.session, [unit])[0]
    return _UNIT_DETAIL.dump({**view, "open_move_out_id": open_move_out_id(reader.session, unit.unit_id)})
