"""Charges outside the fee schedules (domain.md §2.5 "What is billed"): paid repairs (有偿维修: the
client signed for the work, tickets asks billing to charge it) and one-off fees finance adds. Each
goes on the unit's fee account at once, names its basis ("fixed"), its source ("repair", "one_off")
and its reference (the repair's id, the one-off fee's number), and is shown on the period's fee
notice without being charged again. A repair is charged once however often it is announced.
Plain Python: no nameko, no SQL, no I/O."""
from __future__ import annotations

from decimal import Decimal

from propdesk.contracts.vocab import MAX_AMOUNT
from propdesk.domain import blank
from propdesk.errors import Problem, ValidationError
from propdesk_services.billing.workflows.fee_schedules.domain import decimal_problem, is_period

REPAIR, ONE_OFF = "repair", "one_off"
#: The number series of one-off fees.
ONE_OFF_SERIES = "OC"


def validate_one_off(data: dict, unit_known: bool, default_period: str) -> tuple[Decimal, str, str]:
    """A one-off fee: (amount, period, description); every problem at once: unit_id/unknown_unit,
    amount (required, decimal, positive_amount, max_amount, max_2_decimals), period/period_format,
    description/required."""
    problems: list[Problem] = []
    if not unit_known:
        problems.append(Problem("unit_id", "unknown_unit", "billing has no fee account for this unit"))
    amount = decimal_problem(data.get("amount"), "amount", places=2, maximum=MAX_AMOUNT, positive=True,
                             problems=problems)
    period = data.get("period") or default_period
    if not is_period(period):
        problems.append(Problem("period", "period_format", "a month as YYYY-MM"))
    if blank(data.get("description")):
        problems.append(Problem("description", "required", "say what the fee is for"))
    if problems:
        raise ValidationError(problems)
    return amount, period, data["description"].strip()
