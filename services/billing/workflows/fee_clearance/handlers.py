"""Fee clearance (费用结清): finance's answer to a move-out, and its re-check after a payment.
Plain functions on a unit of work (no nameko); the rules are `domain`'s."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from propdesk.contracts.envelope import Envelope
from propdesk.money import money
from propdesk_services.billing.workflows.fee_clearance import domain
from propdesk_services.billing.workflows.fee_clearance.models import ClearanceRequest
from propdesk_services.billing.workflows.payments import domain as payments
from propdesk_services.billing.workflows.payments.views import charges_of, payments_of


def on_move_out_requested(event: Envelope, uow) -> None:
    """Check the unit's fees for a move-out (费用结清) and answer confirmed or failed; once per
    move-out. A unit with no fee account owes nothing and is confirmed."""
    p = event.payload
    move_out_id, unit_id, tenant_id = p["move_out_id"], p["unit_id"], p["tenant_id"]
    s = uow.session
    if s.get(ClearanceRequest, move_out_id) is not None:
        return  # already checked (the move-out was announced twice): the inbox mark only
    charges = charges_of(s, unit_id, lock=True)
    owed = payments.outstanding(charges, payments_of(s, unit_id))
    # the move-out's estate; else the fee account's (an event announced before estates were recorded)
    estate = p.get("estate") or (charges[0].estate if charges else None)
    clearance, answer = domain.check(move_out_id, unit_id, tenant_id, owed, uow.now(), estate)
    s.add(ClearanceRequest(**vars(clearance)))
    uow.emit_all([answer])
    uow.audit("clearance.check", "clearance", move_out_id,
              {"unit_id": unit_id, "outstanding": money(owed), "status": clearance.status})


def on_move_out_withdrawn(event: Envelope, uow) -> None:
    """The desk withdrew the move-out: its pending fee check is closed, so a later payment on the
    unit confirms nothing for it. A withdrawal that overtakes the request (another queue) closes
    the check before it is made: the late request then checks and announces nothing."""
    p = event.payload
    s, now = uow.session, uow.now()
    row = s.get(ClearanceRequest, p["move_out_id"], with_for_update=True)
    if row is None:
        row = ClearanceRequest(move_out_id=p["move_out_id"], unit_id=p["unit_id"], party_id=None,
                               estate=p.get("estate"), status=domain.WITHDRAWN, last_outstanding=0, created_at=now, updated_at=now)
        s.add(row)
    elif not domain.withdraw(row, now):
        return
    uow.audit("clearance.withdraw", "clearance", row.move_out_id,
              {"unit_id": row.unit_id, "reason": p["reason"], "withdrawn_at": p["withdrawn_at"]})


def pending_clearances(session: Session, unit_id: str) -> list[ClearanceRequest]:
    """The unit's clearances still pending, oldest first, locked until the transaction ends."""
    return list(session.scalars(
        select(ClearanceRequest)
        .where(ClearanceRequest.unit_id == unit_id, ClearanceRequest.status == domain.PENDING)
        .order_by(ClearanceRequest.created_at, ClearanceRequest.move_out_id)
        .with_for_update()))


def recheck_after_payment(uow, pending: list[ClearanceRequest], balance: Decimal, payment_id: str) -> None:
    """After a payment, in its unit of work: re-check each pending clearance against the unit's
    new balance. Settled: confirmed and announced (audit ``clearance.confirm``). Still owing: the
    new amount is stored, nothing announced (audit ``clearance.recheck``)."""
    now = uow.now()
    for clearance in pending:
        events = domain.recheck(clearance, balance, now)
        uow.emit_all(events, correlation_id=clearance.move_out_id)
        uow.audit("clearance.confirm" if clearance.status == domain.CONFIRMED else "clearance.recheck",
                  "clearance", clearance.move_out_id, {"payment_id": payment_id, "outstanding": money(balance)},
                  correlation_id=clearance.move_out_id)
