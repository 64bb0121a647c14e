"""The move-out inspection's handlers (工程维修单 / 单元验收移交记录表, domain.md §2.6 and §8).

Plain functions of (message, uow): load, call `domain`, add rows, events and audit rows to the unit
of work. Who may give a command is `propdesk.policy` (engineering records the inspection); the
entrypoint (chassis) has checked the role, the request's shape and the idempotency key before a
command handler runs, and commits after it returns.

As events::

    move_out.requested (residents)   -> a work order WO-<yyyymmdd>-<nnnn>, move_out.inspection_opened
    record_inspection (command)      -> move_out.inspection_completed (passed, or defects with the
                                        违约处理单 number); a re-inspection after defects is allowed
    record_supply_cut (command)      -> unit.supply_cut (the final meter readings, the supplies cut;
                                        once per move-out)
    move_out.withdrawn (residents)   -> an unfinished work order is cancelled (audited; no event)

Every event and audit row of a work order carries the move-out id as its correlation id.

Estates (管理处): a work order keeps the unit's estate from the move-out's events. A person sees
and records only the work orders of their estates (`reader.estates`, `cmd.estates`): another
estate's answers as if there were none (NotFound move_out_id/exists).
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from propdesk.chassis.estates import visible, within
from propdesk.contracts.envelope import Envelope
from propdesk.errors import NotFound
from propdesk_services.tickets.workflows.move_out_inspection import domain
from propdesk_services.tickets.workflows.move_out_inspection.models import InspectionWorkOrder
from propdesk_services.tickets.workflows.move_out_inspection.schemas import WorkOrderSchema

#: The number series of engineering work orders (工程维修单).
SERIES = "WO"

_WORK_ORDER = WorkOrderSchema()
_WORK_ORDERS = WorkOrderSchema(many=True)


# --- reading ---------------------------------------------------------------------------------------
def work_order_of(session: Session, move_out_id: str, lock: bool = False) -> InspectionWorkOrder | None:
    stmt = select(InspectionWorkOrder).where(InspectionWorkOrder.move_out_id == move_out_id)
    if lock:
        stmt = stmt.with_for_update()
    return session.scalars(stmt).one_or_none()


def _required(session: Session, move_out_id: str, estates=None, lock: bool = False) -> InspectionWorkOrder:
    """The move-out's work order; NotFound (move_out_id, exists) when there is none or it is of an
    estate outside `estates` (None: not scoped): the same answer for both."""
    wo = work_order_of(session, move_out_id, lock=lock)
    if wo is None or not visible(estates, wo.estate):
        raise NotFound(f"no inspection work order for move-out {move_out_id}", field="move_out_id", rule="exists")
    return wo


def possible_actions(move_out_id: str, reader) -> list[str]:
    """What the move-out's inspection work order allows next (ACTIONS row "move_out_inspection")."""
    return domain.next_commands(_required(reader.session, move_out_id, reader.estates))


def get_inspection(args: dict, reader) -> dict:
    """The inspection work order of one move-out (NotFound: move_out_id, exists)."""
    return _WORK_ORDER.dump(_required(reader.session, args["move_out_id"], reader.estates))


def list_work_orders(args: dict, reader) -> list[dict]:
    """Inspection work orders of the estates of the person asking, newest first; only those in
    `status` when given (one of `propdesk.contracts.vocab.WORK_ORDER_STATUSES`: open, passed,
    defects_found, cancelled)."""
    stmt = within(select(InspectionWorkOrder), InspectionWorkOrder.estate, reader.estates).order_by(
        InspectionWorkOrder.created_at.desc(), InspectionWorkOrder.work_order_no.desc())
    if args["status"] is not None:
        stmt = stmt.where(InspectionWorkOrder.status == args["status"])
    return _WORK_ORDERS.dump(reader.session.scalars(stmt).all())


# --- commands --------------------------------------------------------------------------------------
def record_inspection(cmd, uow) -> dict:
    """Engineering records the move-out inspection (单元验收移交记录表): passed, or the defects
    found (CS then issues the 违约处理单). Emits ``move_out.inspection_completed`` on the move-out's
    correlation id; answers the work order as `get_inspection`.

    A re-inspection after defects is allowed. NotFound (move_out_id, exists) without a work order;
    Conflict on a passed one (passed, passed_is_final: the result is final) or a cancelled one
    (move_out_id, work_order_cancelled: the move-out was withdrawn); ValidationError naming every
    broken rule of `domain.record_result` at once."""
    data = cmd.data
    move_out_id = data["move_out_id"]
    uow.correlation_id = move_out_id
    wo = _required(uow.session, move_out_id, cmd.estates, lock=True)
    events = domain.record_result(wo, data["passed"], data["defects"], cmd.actor.id)
    wo.updated_at = uow.now()
    uow.emit_all(events)
    uow.audit("work_order.inspect", "work_order", wo.work_order_no,
              {"move_out_id": move_out_id, "passed": data["passed"], "defects": wo.defects,
               "breach_notice_id": events[0].payload["breach_notice_id"]})
    return _WORK_ORDER.dump(wo)


def record_supply_cut(cmd, uow) -> dict:
    """Engineering records the final meter readings as of the exit and the supplies it cut
    (抄表、断水断电停空调, domain.md §2.6 METERS_READ_AND_CUT) on the move-out's work order. Emits
    ``unit.supply_cut`` on the move-out's correlation id (billing bills the final readings at once
    and decides the fee check; residents records the step); answers the work order.

    Once per move-out. NotFound (move_out_id, exists) without a work order; Conflict
    (move_out_id, work_order_cancelled / supply_already_cut); ValidationError naming every broken
    rule of `domain.record_supply_cut` at once. Audited ``work_order.supply_cut``."""
    data = cmd.data
    move_out_id = data["move_out_id"]
    uow.correlation_id = move_out_id
    wo = _required(uow.session, move_out_id, cmd.estates, lock=True)
    events = domain.record_supply_cut(wo, data["supplies"], cmd.actor.id, uow.now())
    wo.updated_at = uow.now()
    uow.emit_all(events)
    uow.audit("work_order.supply_cut", "work_order", wo.work_order_no,
              {"move_out_id": move_out_id, "unit_id": wo.unit_id, "utilities": wo.utilities_cut,
               "final_readings": wo.final_readings})
    return _WORK_ORDER.dump(wo)


# --- events ----------------------------------------------------------------------------------------
def on_move_out_requested(event: Envelope, uow) -> None:
    """Open the inspection work order (工程维修单) for a move-out; one per move-out (the move-out
    announced again opens nothing)."""
    p = event.payload
    move_out_id, unit_id = p["move_out_id"], p["unit_id"]
    known = work_order_of(uow.session, move_out_id)
    if known is not None:  # already opened: only the inbox mark is written (and the estate, if it lacked one)
        known.estate = known.estate or p.get("estate")
        return
    now = uow.now()
    wo = InspectionWorkOrder(work_order_no=uow.next_number(SERIES), move_out_id=move_out_id, unit_id=unit_id,
                             estate=p.get("estate"), created_at=now, updated_at=now)
    events = domain.open_inspection(wo)
    uow.session.add(wo)
    uow.emit_all(events)
    uow.audit("work_order.open", "work_order", wo.work_order_no,
              {"move_out_id": move_out_id, "unit_id": unit_id, "estate": wo.estate, "kind": "move_out_inspection"})


def on_move_out_withdrawn(event: Envelope, uow) -> None:
    """The desk withdrew the move-out before release (撤回): engineering cancels the inspection it
    has not finished (open, or a re-inspection pending after defects); audited, nothing emitted
    (residents closed the case itself). A passed or already cancelled order stays as it is.

    No work order for the move-out yet (its ``move_out.requested`` is still on its way, on another
    queue): the work order is opened cancelled, so the late request opens nothing and engineering
    never gets an inspection for a case that is over (access opens its hold closed likewise)."""
    p = event.payload
    wo = work_order_of(uow.session, p["move_out_id"], lock=True)
    if wo is None:
        now = uow.now()
        wo = InspectionWorkOrder(work_order_no=uow.next_number(SERIES), move_out_id=p["move_out_id"],
                                 unit_id=p["unit_id"], estate=p.get("estate"), created_at=now, updated_at=now)
        domain.open_inspection(wo)  # its inspection_opened is not announced: it is cancelled at once
        uow.session.add(wo)
    wo.estate = wo.estate or p.get("estate")
    before = wo.status
    if not domain.cancel(wo):
        return
    wo.updated_at = uow.now()
    uow.audit("work_order.cancel", "work_order", wo.work_order_no,
              {"move_out_id": wo.move_out_id, "reason": p["reason"], "withdrawn_at": p["withdrawn_at"],
               "from": before, "event_id": event.event_id, "by": event.actor.as_dict()})
