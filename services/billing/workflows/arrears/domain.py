"""Arrears reports for the finance supervisor (issue #10 §4), pure logic.

- 月份欠费情况明细表: every unpaid charge by unit, period, fee item and age. What is unpaid is the
  ledger's (`payments.domain.open_items`: allocations first, other money oldest first).
- Age (账龄): days from the 1st of the month after the charge's period (the month's notice is
  issued on the 26th and due by the month's end; inferred), banded as vocab.ARREARS_AGES.
- 月份催缴欠费情况统计表: for a period's dunning notices, how many units and how much was dunned,
  delivered, paid since, still owing.
- Collection rate by fee item for a period, with both denominators stated: households charged
  (户数) and amount charged (金额) — domain.md §6 warns the office's own figures mix them.
Plain Python: no nameko, no SQL, no I/O.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from propdesk.money import CENT

ZERO = Decimal("0.00")


def due_date(period: str) -> date:
    year, month = map(int, period.split("-"))
    return date(year + month // 12, month % 12 + 1, 1)


def age_days(period: str, today: date) -> int:
    return (today - due_date(period)).days


def age_band(days: int) -> str:
    if days < 0:
        return "current"
    if days <= 30:
        return "d1_30"
    if days <= 90:
        return "d31_90"
    if days <= 180:
        return "d91_180"
    if days <= 365:
        return "d181_365"
    return "over_365"


@dataclass
class Rate:
    item: str
    households_charged: int
    households_paid: int
    amount_charged: Decimal
    amount_collected: Decimal

    @property
    def rate_by_households(self) -> Decimal | None:
        return None if not self.households_charged else (
            Decimal(self.households_paid) / self.households_charged * 100).quantize(CENT)

    @property
    def rate_by_amount(self) -> Decimal | None:
        return None if not self.amount_charged else (self.amount_collected / self.amount_charged * 100).quantize(CENT)


def collection_rates(period_items) -> list[Rate]:
    """`period_items`: the period's charges as OpenItem (charge amount and what is left open).
    One Rate per fee item: a household counts as paid when every charge of that item is settled."""
    by_item: dict[str, dict[str, list]] = {}
    for i in period_items:
        by_item.setdefault(i.item, {}).setdefault(i.unit_id, []).append(i)
    out = []
    for item in sorted(by_item):
        units = by_item[item]
        charged = sum((i.amount for xs in units.values() for i in xs), Decimal(0))
        open_ = sum((i.open for xs in units.values() for i in xs), Decimal(0))
        paid = sum(1 for xs in units.values() if all(i.open <= 0 for i in xs))
        out.append(Rate(item, len(units), paid, charged.quantize(CENT), (charged - open_).quantize(CENT)))
    return out
