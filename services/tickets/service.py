"""Tickets (工程/客服工单): engineering work orders for the move-out inspection and the open repairs.

On ``move_out.requested`` engineering gets an inspection work order (工程维修单) for the unit;
engineering records the result (单元验收移交记录表) with `record_inspection`, which emits
``move_out.inspection_completed`` on the move-out's correlation id (domain.md §2.6, §8).
"""
from __future__ import annotations


from nameko.rpc import rpc
from sqlalchemy import func, select

from propdesk.chassis.calendar import office_day
from propdesk.chassis.db import Database
from propdesk.chassis.edge import command_actor, load_or_reject, optional_text, record_id
from propdesk.chassis.idempotency import checked_key
from propdesk.chassis.messaging import subscribe
from propdesk.chassis.service import PropdeskService
from propdesk.contracts.envelope import utcnow
from propdesk.contracts.rpc import RepairSchema
from propdesk.errors import NotFound, ValidationError
from propdesk_services.tickets import demo, domain, models
from propdesk_services.tickets.schemas import InspectionResultSchema, WorkOrderSchema

#: Work order numbers carry the office's local date.


class TicketsService(PropdeskService):
    name = "tickets"
    http_port = 9102
    db = Database(models.Base.metadata)

    @staticmethod
    def load_demo(session) -> str:
        return demo.load(session)

    # -- events ----------------------------------------------------------------------------
    @subscribe("move_out.requested")
    def on_move_out_requested(self, event):
        """Open the inspection work order (工程维修单) for a move-out; one per move-out."""
        move_out_id, unit_id = event.payload["move_out_id"], event.payload["unit_id"]
        with self.db() as uow:
            s = uow.session
            if s.scalar(select(models.InspectionWorkOrder.work_order_no)
                        .where(models.InspectionWorkOrder.move_out_id == move_out_id)) is not None:
                uow.commit()  # already opened (e.g. the move-out was announced twice): inbox only
                return
            now = utcnow()
            today = office_day(now)
            prefix = domain.work_order_no_for(1, today)[:-4]
            # the range on the primary key counts only today's numbers (LIKE alone scans them all)
            opened_today = s.scalar(select(func.count()).select_from(models.InspectionWorkOrder)
                                    .where(models.InspectionWorkOrder.work_order_no.between(prefix, prefix + "9999"),
                                           models.InspectionWorkOrder.work_order_no.like(prefix + "%")))
            wo = models.InspectionWorkOrder(
                work_order_no=domain.work_order_no_for(opened_today + 1, today), move_out_id=move_out_id,
                unit_id=unit_id, status="open", defects=[], inspector=None, created_at=now, updated_at=now)
            s.add(wo)
            uow.emit("move_out.inspection_opened",
                     {"move_out_id": move_out_id, "work_order_no": wo.work_order_no, "unit_id": unit_id})
            uow.audit("work_order.open", "work_order", wo.work_order_no,
                      {"move_out_id": move_out_id, "unit_id": unit_id, "kind": "move_out_inspection"})
            uow.commit()

    # -- commands --------------------------------------------------------------------------
    @rpc
    def record_inspection(self, move_out_id: str, result: dict, actor: dict, idempotency_key: str | None = None) -> dict:
        """Engineering records the move-out inspection (单元验收移交记录表): passed, or the defects
        found (CS then issues the 违约处理单). A re-inspection after defects is allowed; a passed
        result is final (Conflict). `idempotency_key`: the same key and result answers the first
        answer again and records nothing twice (chassis/idempotency.py)."""
        actor = command_actor(actor, allowed_roles={"engineering"})
        move_out_id = record_id("move_out_id", move_out_id)
        data = load_or_reject(InspectionResultSchema(), result)
        checked_key(idempotency_key)
        with self.db(actor=actor, correlation_id=move_out_id) as uow:
            replay = uow.idempotent(idempotency_key, "record_inspection", {"move_out_id": move_out_id, "result": data})
            if replay is not None:
                return replay.result
            wo = uow.session.scalars(select(models.InspectionWorkOrder)
                                     .where(models.InspectionWorkOrder.move_out_id == move_out_id)).one_or_none()
            if wo is None:
                raise NotFound(f"no inspection work order for move-out {move_out_id}", field="move_out_id",
                               rule="exists")
            events = domain.record_result(wo, data["passed"], data["defects"], actor.id)
            wo.updated_at = utcnow()
            for event_type, payload in events:
                uow.emit(event_type, payload)
            uow.audit("work_order.inspect", "work_order", wo.work_order_no,
                      {"move_out_id": move_out_id, "passed": data["passed"], "defects": wo.defects,
                       "breach_notice_id": events[0][1]["breach_notice_id"]})
            return uow.commit(result=WorkOrderSchema().dump(wo))

    # -- reads -----------------------------------------------------------------------------
    @rpc
    def get_inspection(self, move_out_id: str) -> dict:
        """The inspection work order of one move-out."""
        move_out_id = record_id("move_out_id", move_out_id)
        with self.db.session() as s:
            wo = s.scalars(select(models.InspectionWorkOrder)
                           .where(models.InspectionWorkOrder.move_out_id == move_out_id)).one_or_none()
            if wo is None:
                raise NotFound(f"no inspection work order for move-out {move_out_id}", field="move_out_id",
                               rule="exists")
            return WorkOrderSchema().dump(wo)

    @rpc
    def list_work_orders(self, status: str | None = None) -> list[dict]:
        """Inspection work orders, newest first; `status` one of open, defects_found, passed."""
        status = optional_text("status", status)
        stmt = select(models.InspectionWorkOrder).order_by(models.InspectionWorkOrder.created_at.desc(),
                                                           models.InspectionWorkOrder.work_order_no.desc())
        if status is not None:
            if status not in domain.STATUSES:
                raise ValidationError.one("status", "one_of", "status must be one of " + ", ".join(domain.STATUSES))
            stmt = stmt.where(models.InspectionWorkOrder.status == status)
        with self.db.session() as s:
            return WorkOrderSchema(many=True).dump(s.scalars(stmt).all())

    @rpc
    def list_repairs(self, status: str | None = None) -> list[dict]:
        """Repairs (报修), oldest report first; optionally only those in one `status` (e.g. "open")."""
        status = optional_text("status", status)
        stmt = select(models.RepairOrder).order_by(models.RepairOrder.reported_on, models.RepairOrder.repair_id)
        if status is not None:
            stmt = stmt.where(models.RepairOrder.status == status)
        with self.db.session() as s:
            return RepairSchema(many=True).dump(s.scalars(stmt).all())
