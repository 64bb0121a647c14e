"""Dunning (催款, 《催款通知单》), pure domain logic (domain.md §2.5: "11th working day: issue a
dunning notice to everyone who has not paid"; then CS delivers it and gets a signature).

- The day: the **11th working day** of the month after the notices' period, counted on China's
  working-day calendar (`propdesk.chassis.calendar.WorkingCalendar`: statutory holidays off, 调休
  make-up weekend days on; a year its data does not know falls back to Monday-Friday with one
  loud warning per year, never a crash). October 2026 (National Day week): the 21st. February
  2026 (Spring Festival, make-up Saturday the 14th): Saturday the 14th.
- From that day on (a timer that missed the day catches up the next), every unit of the period's
  issued run that still owes anything gets one notice: once per unit and period, however often the
  timer runs or how many processes run it.
- What it says: the amount still open on the ledger and the months it is for, oldest first, as the
  ledger reads it (`payments.domain.open_items`: a payment's allocations first, one that names its
  month settles that month, any other money the oldest charges first); `unpaid_periods` is that
  last rule alone, for an account whose payments name nothing.
Plain Python: no nameko, no SQL, no I/O (the calendar is given).
"""
from __future__ import annotations

import logging
from datetime import date
from decimal import Decimal

from propdesk.money import CENT
from propdesk_services.billing.workflows.fee_schedules.domain import next_period, period_of, previous_period, split_period

log = logging.getLogger(__name__)

NTH_WORKING_DAY = 11
ISSUED, DELIVERED = "issued", "delivered"
#: The number series of dunning notices (催款通知单).
SERIES = "DN"


def dunning_day(calendar, period: str) -> date:
    """The 11th working day of the month after `period`. A month with fewer working days (never in
    China's calendar; only a misconfigured override file) falls back to the month's last day,
    logged as an error."""
    year, month = split_period(next_period(period))
    try:
        return calendar.nth_working_day(year, month, NTH_WORKING_DAY)
    except ValueError as exc:
        log.error("dunning day of %s: %s; the last day of the month is used", period, exc)
        return _last_day(year, month)


def _last_day(year: int, month: int) -> date:
    nxt = date(year + month // 12, month % 12 + 1, 1)
    return date.fromordinal(nxt.toordinal() - 1)


def period_due(today: date, calendar) -> str | None:
    """The period whose dunning is due on `today`: last month's, from its dunning day on; None
    before it."""
    period = previous_period(period_of(today.year, today.month))
    return period if today >= dunning_day(calendar, period) else None


def unpaid_periods(charged: dict[str, Decimal], paid: Decimal) -> list[tuple[str, Decimal]]:
    """The months still unpaid with what is left of each, oldest first: `paid` (all payments
    into the account) settles the oldest charges first."""
    left = Decimal(paid)
    out = []
    for period in sorted(charged):
        amount = Decimal(charged[period])
        settled = min(max(left, Decimal(0)), amount)
        left -= settled
        if amount - settled > 0:
            out.append((period, (amount - settled).quantize(CENT)))
    return out


def unpaid_by_period(open_items) -> list[tuple[str, Decimal]]:
    """The months with something left to pay and how much, oldest first, from the ledger's open
    items (`payments.domain.open_items`: one per charge, with what is left of it)."""
    left: dict[str, Decimal] = {}
    for item in open_items:
        if item.open > 0:
            left[item.period] = left.get(item.period, Decimal("0")) + item.open
    return [(period, amount.quantize(CENT)) for period, amount in sorted(left.items())]


def next_commands(notice) -> list[str]:
    return ["confirm_dunning_delivery"] if notice.state == ISSUED else []
