"""Payments (收费) on a unit's fee account, pure domain logic: the balance, what a payment must be,
and the part of a payment that is a prepayment (预收款/预交物业费).

domain.md §2.5 (billing cycle: charges per period, cash/cheque/bank payments with a receipt,
开具收费票据), §8 (``payment.received``). Plain Python: no nameko, no SQL, no I/O. The stored rows
(`models.Charge`, `models.Payment`) have the attributes of the dataclasses below, so every rule
takes either.

Money is `Decimal`; in event payloads and answers it travels as a string with two decimals
("1234.50"). Payment methods and the largest amount are the office's vocabulary
(`propdesk.contracts.vocab.PAYMENT_METHODS`, `MAX_AMOUNT`), never a copy here.

Prepayments. A unit may pay more than it owes, or pay while it owes nothing (预交物业费): finance
takes the money and records the part beyond what was owed as a prepayment, explicitly: on the
payment (`prepaid_amount`), in ``payment.received``, in the audit row, and as the account's
`credit` (预收款) until later charges use it up. The account's `outstanding` stays the net figure
(charged minus paid; negative while in credit), as the contracts always said.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Iterable

from propdesk.contracts.vocab import MAX_AMOUNT, PAYMENT_METHODS
from propdesk.domain import Event, blank
from propdesk.errors import Problem, ValidationError
from propdesk.money import CENT, money

ZERO = Decimal("0.00")


@dataclass
class Charge:
    """A fee charged to a unit for a period, e.g. 物业服务费 2026-10 (item "property_fee")."""

    unit_id: str
    amount: Decimal
    period: str  # "YYYY-MM"
    item: str  # "property_fee", "water", "electricity", ...
    estate: str | None = None  # the unit's estate (管理处, vocab.ESTATES)


@dataclass
class Payment:
    """A payment recorded against a unit (开具收费票据: receipt number). `prepaid_amount` is the
    part of it beyond what the unit owed when it was taken (预收款)."""

    unit_id: str
    amount: Decimal
    period: str | None = None
    item: str | None = None
    method: str = "bank"
    receipt_no: str = ""
    prepaid_amount: Decimal = ZERO
    payment_id: str | None = None
    party_id: str | None = None
    estate: str | None = None  # the unit's estate (管理处)


# --- the account ----------------------------------------------------------------------------------
def outstanding(charges: Iterable[Charge], payments: Iterable[Payment]) -> Decimal:
    """What is owed: total charged minus total paid, to the cent (negative = credit).

    Pass one account's charges and payments (e.g. one unit's); nothing is filtered here."""
    total = sum((Decimal(c.amount) for c in charges), Decimal("0")) - sum(
        (Decimal(p.amount) for p in payments), Decimal("0")
    )
    return total.quantize(CENT)


def credit(owed: Decimal) -> Decimal:
    """The account's prepaid money not yet used by charges (预收款): what was paid beyond the
    charges, 0.00 while the unit owes anything."""
    return max(-Decimal(owed), Decimal("0")).quantize(CENT) + ZERO


def prepaid_part(owed_before: Decimal, amount: Decimal) -> Decimal:
    """The part of a payment of `amount` beyond what the unit owed before it (`owed_before`,
    negative when already in credit): the prepayment it makes (预收款). 0.00 when it pays only
    what is owed; the whole amount when nothing was owed."""
    amount, owed_before = Decimal(amount), Decimal(owed_before)
    return min(amount, max(amount - owed_before, Decimal("0"))).quantize(CENT) + ZERO


# --- a payment ------------------------------------------------------------------------------------
def validate_payment(unit_known: bool, amount: Decimal | str | int | float | None, method: str | None, receipt_no: str | None) -> Decimal:
    """Check a payment before it is recorded; report every problem at once.

    ==========  ================  ============================================
    field       rule              when
    ==========  ================  ============================================
    unit_id     unknown_unit      the unit is not known (it has no fee account)
    amount      required          missing
    amount      decimal           not a number
    amount      positive_amount   zero or negative
    amount      max_amount        more than vocab.MAX_AMOUNT (what the ledger keeps)
    amount      max_2_decimals    more than two decimal places (yuan and fen)
    method      one_of            not one of vocab.PAYMENT_METHODS (cash, cheque, bank)
    receipt_no  required          blank (开具收费票据)
    ==========  ================  ============================================

    A payment larger than what is owed is *not* a problem: its excess is a prepayment
    (`prepaid_part`). Returns the amount as a `Decimal` with two places; raises `ValidationError`
    otherwise.
    """
    problems: list[Problem] = []
    if not unit_known:
        problems.append(Problem("unit_id", "unknown_unit", "no such unit in the register"))

    value: Decimal | None = None
    if blank(amount):
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

    if not isinstance(method, str) or method not in PAYMENT_METHODS:
        problems.append(Problem("method", "one_of", "method must be one of: " + ", ".join(PAYMENT_METHODS.codes)))
    if blank(receipt_no):
        problems.append(Problem("receipt_no", "required", "give the receipt number (收费票据号)"))

    if problems:
        raise ValidationError(problems)
    assert value is not None
    return value.quantize(CENT)


def duplicate_receipt(receipt_no: str) -> ValidationError:
    """A receipt (收费票据) is recorded once: the same number again is refused, whatever its amount."""
    return ValidationError.one("receipt_no", "duplicate_receipt",
                               f"receipt {receipt_no} is already recorded; a payment is recorded once")


def check_receipt_unused(receipt_no: str, already_recorded: bool) -> None:
    """ValidationError (receipt_no, duplicate_receipt) when the receipt is already recorded."""
    if already_recorded:
        raise duplicate_receipt(receipt_no)


def payment_received(payment) -> Event:
    """``payment.received`` for a recorded payment (a `Payment` or its stored row)."""
    return Event("payment.received", {
        "payment_id": payment.payment_id, "party_id": payment.party_id, "unit_id": payment.unit_id,
        "estate": payment.estate, "amount": money(payment.amount), "method": payment.method, "receipt_no": payment.receipt_no,
        "matched_bank_slip": None, "prepaid_amount": money(payment.prepaid_amount),
    })
