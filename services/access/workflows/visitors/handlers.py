"""The visitor register's handlers (来访登记): register at the counter or the gate, sign out.

Numbers ``FK-yyyymmdd-nnnn`` (访客). Nothing is announced: a visit is the register's own record
(no department consumes it yet). The queue "visitors still in" shows who has not signed out,
overdue once the office day they came in is over."""
from __future__ import annotations

from sqlalchemy import select

from propdesk.chassis import records
from propdesk.chassis.calendar import office_day
from propdesk.chassis.estates import within
from propdesk_services.access.workflows.registers import aware, end_of_office_day, estate_for, queue_item
from propdesk_services.access.workflows.visitors import domain
from propdesk_services.access.workflows.visitors.models import Visitor
from propdesk_services.access.workflows.visitors.schemas import VisitorSchema

SERIES = "FK"
_VISITOR = VisitorSchema()
LIST_LIMIT = 200


def _visitor(session, visitor_no: str, estates, *, lock: bool = False) -> Visitor:
    return records.one(session, Visitor.visitor_no, visitor_no, estates, what="visitor", field="visitor_no", lock=lock)


def get_visitor(args: dict, reader) -> dict:
    """One entry of the visitor register."""
    return _VISITOR.dump(_visitor(reader.session, args["visitor_no"], reader.estates))


def list_visitors(args: dict, reader) -> list[dict]:
    """The visitor register of the asker's estates, newest first (at most 200)."""
    rows = records.listing(reader, Visitor, args, equals=("state", "unit_id"),
                           search=(Visitor.visitor_name, Visitor.visitor_no, Visitor.host_name,), newest=(Visitor.id,), limit=LIST_LIMIT)
    return _VISITOR.dump(rows, many=True)


def possible_actions(visitor_no: str, reader) -> list[str]:
    return domain.next_commands(_visitor(reader.session, visitor_no, reader.estates))


def visitors_in(args: dict, reader) -> list[dict]:
    """Visitors who have not signed out, oldest first; overdue once their office day is over."""
    now = reader.now()
    stmt = within(select(Visitor), Visitor.estate, reader.estates).where(Visitor.state == domain.IN)
    return [queue_item("visitor", v.visitor_no, v.visitor_name, f"{v.unit_id or v.place} · {v.host_name}",
                       v.time_in, end_of_office_day(office_day(aware(v.time_in))), now, v.registered_by)
            for v in reader.session.scalars(stmt.order_by(Visitor.time_in, Visitor.id).limit(LIST_LIMIT))]


def register_visitor(cmd, uow) -> dict:
    """来访登记: the visitor's name, whom they visit (unit or place, and a name), time in now. The
    visitor's ID and phone numbers are kept masked; no owner's details are asked or stored."""
    data = cmd.data
    domain.validate_visit(data)
    estate = estate_for(cmd, data.get("unit_id"), data.get("estate"))
    number, now = uow.next_number(SERIES), uow.now()
    uow.correlation_id = number
    row = Visitor(visitor_no=number, estate=estate, visitor_name=data["visitor_name"].strip(),
                  id_type=data.get("id_type") if data.get("id_number") else None,
                  id_number_masked=domain.kept_private(data.get("id_number")),
                  phone_masked=domain.kept_private(data.get("phone")), headcount=data["headcount"],
                  unit_id=data.get("unit_id"), place=data.get("place"), host_name=data["host_name"].strip(),
                  purpose=data.get("purpose"), state=domain.IN, time_in=now, registered_by=cmd.actor.id)
    uow.session.add(row)
    uow.audit("visitor.register", "visitor", number, {"unit_id": row.unit_id, "place": row.place})
    uow.session.flush()
    return _VISITOR.dump(row)


def sign_out_visitor(cmd, uow) -> dict:
    """访客离开: time out now. Conflict (visitor_no, visitor_in) when already signed out."""
    row = _visitor(uow.session, cmd.data["visitor_no"], cmd.estates, lock=True)
    uow.correlation_id = row.visitor_no
    domain.sign_out(row, uow.now())
    row.signed_out_by = cmd.actor.id
    uow.audit("visitor.sign_out", "visitor", row.visitor_no, {})
    return _VISITOR.dump(row)
