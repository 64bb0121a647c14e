"""Billing: account balance, payments and fee clearance (费用结清), pure domain logic.

domain.md §2.5 (billing cycle: charges per period, cash/cheque/bank payments with a receipt),
§2.6/§2.7 and [004 WI/FW-020] (fees must be settled before a goods release slip is issued at
move-out), §8 (``payment.received``, ``billing.clearance_confirmed`` / ``billing.clearance_failed``).

Money is `Decimal`; in event payloads it travels as a string with two decimals ("1234.50").
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Iterable

from propdesk.errors import Problem, ValidationError
from propdesk.money import CENT, money

Event = tuple[str, dict]


#: The largest amount the ledger keeps: `models.Payment.amount` is Numeric(12, 2). A larger one
#: would not round-trip (SQLite keeps it as a float) or not fit (PostgreSQL).
MAX_AMOUNT = Decimal("9999999999.99")

#: Payment methods (§8 payment.received: method{cash,cheque,bank}; §2.5: 现金/支票 at the counter,
#: 银行划账 matched by the cashier).
PAYMENT_METHODS = ("cash", "cheque", "bank")


@dataclass
class Charge:
    """A fee charged to a unit for a period, e.g. 物业服务费 2026-10 (item "property_fee")."""

    unit_id: str
    amount: Decimal
    period: str  # "YYYY-MM"
    item: str  # "property_fee", "water", "electricity", ...


@dataclass
class Payment:
    """A payment recorded against a unit (开具收费票据: receipt number)."""

    unit_id: str
    amount: Decimal
    period: str
    item: str
    method: str = "bank"
    receipt_no: str = ""


def outstanding(charges: Iterable[Charge], payments: Iterable[Payment]) -> Decimal:
    """What is owed: total charged minus total paid, to the cent (negative = credit).

    Pass one account's charges and payments (e.g. one unit's); nothing is filtered here."""
    total = sum((Decimal(c.amount) for c in charges), Decimal("0")) - sum(
        (Decimal(p.amount) for p in payments), Decimal("0")
    )
    return total.quantize(CENT)


def validate_payment(unit_known: bool, amount: Decimal | str | int | float | None, method: str | None, receipt_no: str | None) -> Decimal:
    """Check a payment before it is recorded; report every problem at once.

    ==========  ================  ============================================
    field       rule              when
    ==========  ================  ============================================
    unit_id     unknown_unit      the unit is not known
    amount      required          missing
    amount      decimal           not a number
    amount      positive_amount   zero or negative
    amount      max_amount        more than 9,999,999,999.99 (what the ledger keeps)
    amount      max_2_decimals    more than two decimal places (yuan and fen)
    method      one_of            not cash, cheque or bank
    receipt_no  required          blank (开具收费票据)
    ==========  ================  ============================================

    Returns the amount as a `Decimal` with two places; raises `ValidationError` otherwise.
    """
    problems: list[Problem] = []
    if not unit_known:
        problems.append(Problem("unit_id", "unknown_unit", "no such unit in the register"))

    value: Decimal | None = None
    if amount is None or (isinstance(amount, str) and not amount.strip()):
        problems.append(Problem("amount", "required", "give the amount paid"))
    elif isinstance(amount, bool):
        problems.append(Problem("amount", "decimal", "amount as a number, e.g. 1234.50"))
    else:
        try:
            value = Decimal(str(amount).strip())
            if not value.is_finite():
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            value = None
            problems.append(Problem("amount", "decimal", "amount as a number, e.g. 1234.50"))
    if value is not None:
        if value <= 0:
            problems.append(Problem("amount", "positive_amount", "a payment is a positive amount"))
        if value > MAX_AMOUNT:
            problems.append(Problem("amount", "max_amount", f"a payment is at most {MAX_AMOUNT:,}"))
        elif value.copy_abs() <= MAX_AMOUNT and value != value.quantize(CENT):
            problems.append(Problem("amount", "max_2_decimals", "at most two decimal places (元.角分)"))

    if method not in PAYMENT_METHODS:
        problems.append(Problem("method", "one_of", "method must be one of: " + ", ".join(PAYMENT_METHODS)))
    if receipt_no is None or not str(receipt_no).strip():
        problems.append(Problem("receipt_no", "required", "give the receipt number (收费票据号)"))

    if problems:
        raise ValidationError(problems)
    assert value is not None
    return value.quantize(CENT)


def clearance_event(
    unit_id: str,
    party_id: str | None,
    outstanding: Decimal,
    move_out_id: str | None,
    as_of: datetime,
) -> Event:
    """Finance's fee-clearance answer (费用结清 check, [004 WI/FW-020]).

    ``billing.clearance_confirmed`` when `outstanding` <= 0, else ``billing.clearance_failed``.
    Payload: unit_id, party_id, move_out_id, outstanding_amount ("1234.50"; negative for a
    credit), as_of (ISO 8601; must be timezone-aware: ValidationError as_of/timezone_aware).
    """
    if as_of.tzinfo is None or as_of.tzinfo.utcoffset(as_of) is None:
        raise ValidationError.one("as_of", "timezone_aware", "as_of must carry a timezone")
    amount = Decimal(outstanding).quantize(CENT)
    event_type = "billing.clearance_confirmed" if amount <= 0 else "billing.clearance_failed"
    return (
        event_type,
        {
            "unit_id": unit_id,
            "party_id": party_id,
            "move_out_id": move_out_id,
            "outstanding_amount": money(amount),
            "as_of": as_of.isoformat(),
        },
    )
