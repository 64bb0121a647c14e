"""The repairs' queries (报修, domain.md §2.2). Today the repairs are the demo's open list
(`demo.py`); logging, dispatching and closing a repair are workflows still to come."""
from __future__ import annotations

from sqlalchemy import select

from propdesk.chassis.estates import within
from propdesk.contracts.rpc import RepairSchema
from propdesk_services.tickets.workflows.repairs.models import RepairOrder

_REPAIRS = RepairSchema(many=True)


def list_repairs(args: dict, reader) -> list[dict]:
    """Repairs (报修) of the estates of the person asking, oldest report first; optionally only
    those in one `status` (e.g. "open")."""
    stmt = within(select(RepairOrder), RepairOrder.estate, reader.estates).order_by(
        RepairOrder.reported_on, RepairOrder.repair_id)
    if args["status"] is not None:
        stmt = stmt.where(RepairOrder.status == args["status"])
    return _REPAIRS.dump(reader.session.scalars(stmt).all())
