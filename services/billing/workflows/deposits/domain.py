"""Deposits (押金: renovation, tenant, key), pure domain logic (issue #10 §4; domain.md §2.6's
DEPOSIT_REFUND is finance's record of the same money).

held → refund_requested (the client hands in the 《退还押金申请表》) → deductions, each with its
reason (a violation, damage to common parts, a lost key, unpaid fees) → refunded (what is left,
possibly nothing). Deductions are recorded only once a refund is requested (they are assessed
when the client leaves or the renovation is inspected), and never exceed what is left: a deposit
can never go negative. Plain Python: no nameko, no SQL, no I/O.
"""
from __future__ import annotations

from decimal import Decimal

from propdesk.contracts.vocab import DEPOSIT_DEDUCTION_REASONS, DEPOSIT_KINDS, MAX_AMOUNT, PAYMENT_METHODS
from propdesk.domain import blank
from propdesk.errors import Conflict, Problem, ValidationError
from propdesk.money import CENT
from propdesk_services.billing.workflows.fee_schedules.domain import decimal_problem

HELD, REFUND_REQUESTED, REFUNDED = "held", "refund_requested", "refunded"
#: The number series of deposits (押金收据).
SERIES = "DP"


def validate_deposit(data: dict, unit_known: bool) -> Decimal:
    """A deposit taken: every problem at once (unit_id/unknown_unit, kind/one_of, amount (required,
    decimal, positive_amount, max_amount, max_2_decimals), method/one_of, payer_name/required)."""
    problems: list[Problem] = []
    if not unit_known:
        problems.append(Problem("unit_id", "unknown_unit", "billing has no fee account for this unit"))
    if data.get("kind") not in DEPOSIT_KINDS:
        problems.append(Problem("kind", "one_of", "kind: " + ", ".join(DEPOSIT_KINDS.codes)))
    amount = decimal_problem(data.get("amount"), "amount", places=2, maximum=MAX_AMOUNT, positive=True,
                             problems=problems)
    if data.get("method") not in PAYMENT_METHODS:
        problems.append(Problem("method", "one_of", "method: " + ", ".join(PAYMENT_METHODS.codes)))
    if blank(data.get("payer_name")):
        problems.append(Problem("payer_name", "required", "who paid the deposit"))
    if problems:
        raise ValidationError(problems)
    return amount


def remaining(amount, deductions) -> Decimal:
    """What is left of a deposit after its deductions."""
    return (Decimal(amount) - sum((Decimal(d.amount) for d in deductions), Decimal("0"))).quantize(CENT)


def check_request(deposit) -> None:
    if deposit.state != HELD:
        raise Conflict(f"deposit {deposit.deposit_no} is {deposit.state}; a refund is requested once, while held",
                       field="state", rule="not_held")


def check_deduction(deposit, deductions, data: dict) -> Decimal:
    """A deduction: only once a refund is requested (Conflict state/not_refund_requested); every
    problem at once: reason_kind/one_of, reason/required, amount (decimal rules), amount/exceeds_deposit
    (more than what is left: a deposit never goes negative)."""
    if deposit.state != REFUND_REQUESTED:
        raise Conflict(f"deposit {deposit.deposit_no} is {deposit.state}; deductions are recorded when a refund "
                       "is requested", field="state", rule="not_refund_requested")
    problems: list[Problem] = []
    if data.get("reason_kind") not in DEPOSIT_DEDUCTION_REASONS:
        problems.append(Problem("reason_kind", "one_of", "reason: " + ", ".join(DEPOSIT_DEDUCTION_REASONS.codes)))
    if blank(data.get("reason")):
        problems.append(Problem("reason", "required", "say what the deduction is for"))
    amount = decimal_problem(data.get("amount"), "amount", places=2, maximum=MAX_AMOUNT, positive=True,
                             problems=problems)
    if amount is not None and amount > remaining(deposit.amount, deductions):
        problems.append(Problem("amount", "exceeds_deposit",
                                f"only {remaining(deposit.amount, deductions)} is left of the deposit"))
    if problems:
        raise ValidationError(problems)
    return amount


def check_refund(deposit, method) -> None:
    if deposit.state != REFUND_REQUESTED:
        raise Conflict(f"deposit {deposit.deposit_no} is {deposit.state}; it is refunded after the application",
                       field="state", rule="not_refund_requested")
    if method not in PAYMENT_METHODS:
        raise ValidationError.one("method", "one_of", "method: " + ", ".join(PAYMENT_METHODS.codes))


def next_commands(deposit) -> list[str]:
    return {HELD: ["request_deposit_refund"],
            REFUND_REQUESTED: ["deduct_from_deposit", "refund_deposit"]}.get(deposit.state, [])
