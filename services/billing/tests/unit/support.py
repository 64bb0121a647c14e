"""What billing's unit tests share: the service on a `ServiceHarness` with the demo data, the people
acting, and readers of what a command or an event left behind."""
from __future__ import annotations

from sqlalchemy import delete, func, select

from propdesk import demo
from propdesk.chassis.db import audit_trail
from propdesk.chassis.tables import AuditRow, InboxRow, OutboxRow
from propdesk.errors import ValidationError
from propdesk_services.billing.models import IDEMPOTENCY_KEYS
from propdesk_services.billing.workflows.fee_clearance.models import ClearanceRequest
from propdesk_services.billing.workflows.payments.models import Payment

CASHIER = {"id": "fin-03", "role": "cashier"}
ARREARS_UNIT, ARREARS_TENANT = demo.DEMO_ARREARS_UNIT, demo.DEMO_ARREARS_TENANT
ARREARS = f"{demo.DEMO_ARREARS_AMOUNT:.2f}"  # both months unpaid: "392.60"
HAPPY_UNIT, HAPPY_TENANT = demo.DEMO_HAPPY_UNIT, demo.DEMO_HAPPY_TENANT
CLEARANCE_EVENTS = ("billing.clearance_confirmed", "billing.clearance_failed")


def payment(amount="392.60", receipt_no="SK-T-0001", unit_id=ARREARS_UNIT, **extra) -> dict:
    return {"unit_id": unit_id, "amount": amount, "method": "cash", "receipt_no": receipt_no, **extra}


def move_out_requested(app, move_out_id: str, unit_id: str = ARREARS_UNIT, tenant_id: str = ARREARS_TENANT):
    return app.event("move_out.requested",
                     {"move_out_id": move_out_id, "unit_id": unit_id, "tenant_id": tenant_id,
                      "owner_id": f"OWN-{unit_id}", "owner_consent_doc": "DOC-1", "exit_date": "2026-11-30",
                      "fitout_disposition": "restore"},
                     correlation_id=move_out_id, producer="residents")


def request_clearance(app, move_out_id: str, unit_id: str = ARREARS_UNIT, tenant_id: str = ARREARS_TENANT):
    app.deliver(move_out_requested(app, move_out_id, unit_id, tenant_id))
    return clearance(app, move_out_id)


def without_metered_tariffs(app):
    """The harness's estates collect no water or electricity (no metered tariff in force): a
    move-out's fee check is decided at once on the request, as before issue #10's wait."""
    from propdesk.contracts.vocab import METER_KINDS
    from propdesk_services.billing.workflows.fee_schedules.models import FeeSchedule

    with app.session() as s:
        s.execute(delete(FeeSchedule).where(FeeSchedule.item.in_(METER_KINDS.codes)))
        s.commit()
    return app


def supply_cut(app, move_out_id: str, unit_id: str = ARREARS_UNIT, readings: dict | None = None, estate: str = "E1"):
    """Engineering's ``unit.supply_cut`` for the move-out: `readings` meter -> final reading (none: only
    the A/C is cut, no meter read)."""
    at = app.clock.now().isoformat()
    readings = readings or {}
    return app.event("unit.supply_cut",
                     {"move_out_id": move_out_id, "work_order_no": "WO-20261210-0001", "unit_id": unit_id,
                      "estate": estate, "utilities": [*readings, "ac"], "at": at,
                      "final_readings": [{"meter": m, "reading": v, "read_at": at} for m, v in readings.items()]},
                     correlation_id=move_out_id, producer="tickets")


def clearance(app, move_out_id: str) -> ClearanceRequest | None:
    with app.session() as s:
        return s.get(ClearanceRequest, move_out_id)


def outbox(app, correlation_id: str) -> list[str]:
    return [e.event_type for e in app.events() if e.correlation_id == correlation_id]


def trail(app, object_id: str | None = None, correlation_id: str | None = None) -> list[dict]:
    with app.session() as s:
        return audit_trail(s, object_id=object_id, correlation_id=correlation_id)


def count(app, table) -> int:
    with app.session() as s:
        return s.scalar(select(func.count()).select_from(table))


def snapshot(app) -> tuple:
    """Everything a command or an event may change: payments, events, audit rows, inbox marks,
    idempotency keys, and the clearances as they stand."""
    with app.session() as s:
        return (count(app, Payment), count(app, OutboxRow), count(app, AuditRow), count(app, InboxRow),
                count(app, IDEMPOTENCY_KEYS),
                tuple((c.move_out_id, c.status, c.last_outstanding)
                      for c in s.scalars(select(ClearanceRequest).order_by(ClearanceRequest.move_out_id))))


def problems(exc: ValidationError) -> set[tuple[str, str]]:
    return {(p.field, p.rule) for p in exc.problems}
