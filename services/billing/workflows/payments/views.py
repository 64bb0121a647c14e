"""How the fee account is read: a unit's charges and payments, in the order the desk shows them.
Shared by the payments' handlers and the fee clearance (which checks a unit's balance)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from propdesk.chassis.estates import visible
from propdesk_services.billing.workflows.payments.models import Charge, Payment


def charges_of(session: Session, unit_id: str, lock: bool = False) -> list[Charge]:
    """The unit's charges by period. None: billing does not know the unit (no fee account).

    `lock`: the rows are locked until the transaction ends (PostgreSQL; SQLite ignores it), so
    a payment and a fee check of the same unit see each other's effects: both read the balance
    after taking the lock."""
    stmt = select(Charge).where(Charge.unit_id == unit_id).order_by(Charge.period, Charge.item, Charge.id)
    if lock:
        stmt = stmt.with_for_update()
    return list(session.scalars(stmt))


def fee_account(session: Session, unit_id: str, estates=None, lock: bool = False) -> list[Charge]:
    """The unit's charges as `charges_of`, or none when its fee account belongs to an estate outside
    `estates` (None: not scoped): another estate's unit answers as one billing does not know."""
    charges = charges_of(session, unit_id, lock=lock)
    if charges and not visible(estates, charges[0].estate):
        return []
    return charges


def payments_of(session: Session, unit_id: str) -> list[Payment]:
    """The unit's payments, oldest first."""
    return list(session.scalars(select(Payment).where(Payment.unit_id == unit_id)
                                .order_by(Payment.received_at, Payment.receipt_no)))


def receipt_recorded(session: Session, receipt_no: str) -> bool:
    return session.scalar(select(Payment.payment_id).where(Payment.receipt_no == receipt_no)) is not None
