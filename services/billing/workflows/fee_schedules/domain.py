"""Fee schedules (收费标准) and the units billing bills, pure domain logic (domain.md §2.5 "What is
billed", §1.3: fee standards come from the management contract; the CS department may not set its
own, so only finance's supervisor changes a schedule, and every change is audited).

A schedule says, for the units of one kind in one estate, how one fee item is worked out from a
period on (and until one, e.g. a heating season):

=============  ====================================  ===============================
basis          amount for a unit and a month         items
=============  ====================================  ===============================
per_area       area_m2 × unit_price                  物业服务费, heating, rent
per_reading    consumption × unit_price (tariff)     water, electricity (only these)
per_space      parking_spaces × unit_price           parking
fixed          unit_price                            any item but water/electricity
=============  ====================================  ===============================

Amounts are rounded to the fen half-up (四舍五入), once per line. Periods are ``YYYY-MM``.
Plain Python: no nameko, no SQL, no I/O.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Iterable

from propdesk.contracts.vocab import BILLED_UNIT_KINDS, ESTATES, FEE_BASES, FEE_ITEMS, METER_KINDS
from propdesk.domain import blank
from propdesk.errors import Problem, ValidationError
from propdesk.money import CENT

_PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
#: A reading more than this many times the previous month's consumption is held (unless the
#: tariff's schedule names its own factor).
DEFAULT_JUMP_FACTOR = Decimal("3")
#: The largest unit price a schedule keeps (yuan, four places: tariffs such as ¥0.5283/kWh).
MAX_UNIT_PRICE = Decimal("99999999.9999")
METERED_ITEMS = METER_KINDS.codes  # water, electricity: billed from readings only


# --- periods ---------------------------------------------------------------------------------------
def is_period(value) -> bool:
    return isinstance(value, str) and _PERIOD.match(value) is not None


def check_period(value, field: str = "period") -> str:
    """A ``YYYY-MM`` period, else ValidationError (field, period_format)."""
    if not is_period(value):
        raise ValidationError.one(field, "period_format", "a period is a month as YYYY-MM, e.g. 2026-11")
    return value


def period_of(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def split_period(period: str) -> tuple[int, int]:
    year, month = period.split("-")
    return int(year), int(month)


def next_period(period: str) -> str:
    year, month = split_period(period)
    return period_of(year + month // 12, month % 12 + 1)


def previous_period(period: str) -> str:
    year, month = split_period(period)
    return period_of(year - (month == 1), 12 if month == 1 else month - 1)


# --- numbers ---------------------------------------------------------------------------------------
def decimal_problem(value, field: str, *, places: int, maximum: Decimal, positive: bool = False,
                    problems: list[Problem]) -> Decimal | None:
    """`value` as a Decimal, or None with its problem appended: required, decimal, not_negative /
    positive_amount, max_amount, max_<n>_decimals."""
    if blank(value):
        problems.append(Problem(field, "required", "a number is required"))
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal)):
        problems.append(Problem(field, "decimal", "a number, e.g. 2.50"))
        return None
    try:
        number = Decimal(str(value).strip())
        if not number.is_finite():
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        problems.append(Problem(field, "decimal", "a number, e.g. 2.50"))
        return None
    if positive and number <= 0:
        problems.append(Problem(field, "positive_amount", "must be more than zero"))
        return None
    if number < 0:
        problems.append(Problem(field, "not_negative", "may not be negative"))
        return None
    if number > maximum:
        problems.append(Problem(field, "max_amount", f"at most {maximum:,}"))
        return None
    if number != number.quantize(Decimal(1).scaleb(-places)):
        problems.append(Problem(field, f"max_{places}_decimals", f"at most {places} decimal places"))
        return None
    return number


def line_amount(quantity: Decimal, unit_price: Decimal) -> Decimal:
    """quantity × unit price, to the fen, half-up (四舍五入)."""
    return (Decimal(quantity) * Decimal(unit_price)).quantize(CENT, rounding=ROUND_HALF_UP)


# --- schedules -------------------------------------------------------------------------------------
@dataclass
class Schedule:
    estate: str
    unit_kind: str
    item: str
    basis: str
    unit_price: Decimal
    effective_from: str
    effective_to: str | None = None
    jump_factor: Decimal | None = None
    note: str | None = None
    schedule_id: str | None = None


def validate_schedule(data: dict, estates: Iterable[str] | None) -> Schedule:
    """A schedule as finance sets it; every problem at once (ValidationError):

    ==============  =====================  ==============================================
    field           rule                   when
    ==============  =====================  ==============================================
    estate          one_of                 not an estate (vocab.ESTATES)
    estate          not_your_estate        an estate the person does not work for
    unit_kind       one_of                 not a unit kind (vocab.BILLED_UNIT_KINDS)
    item            one_of                 not a fee item (vocab.FEE_ITEMS)
    basis           one_of                 not a basis (vocab.FEE_BASES)
    basis           metered_item           water/electricity not per_reading, or per_reading
                                           for another item
    unit_price      required, decimal, not_negative, max_amount, max_4_decimals
    effective_from  period_format          not YYYY-MM
    effective_to    period_format, ends_before_start
    jump_factor     decimal, min_factor    not more than 1; only for per_reading
    ==============  =====================  ==============================================
    """
    problems: list[Problem] = []
    estate, kind, item, basis = (data.get(k) for k in ("estate", "unit_kind", "item", "basis"))
    if estate not in ESTATES:
        problems.append(Problem("estate", "one_of", "estate must be one of: " + ", ".join(ESTATES.codes)))
    elif estates is not None and estate not in estates:
        problems.append(Problem("estate", "not_your_estate", "you do not work for this estate"))
    if kind not in BILLED_UNIT_KINDS:
        problems.append(Problem("unit_kind", "one_of", "unit_kind must be one of: " + ", ".join(BILLED_UNIT_KINDS.codes)))
    if item not in FEE_ITEMS:
        problems.append(Problem("item", "one_of", "item must be one of: " + ", ".join(FEE_ITEMS.codes)))
    if basis not in FEE_BASES:
        problems.append(Problem("basis", "one_of", "basis must be one of: " + ", ".join(FEE_BASES.codes)))
    elif item in FEE_ITEMS and (item in METERED_ITEMS) != (basis == "per_reading"):
        problems.append(Problem("basis", "metered_item",
                                "water and electricity are billed per reading, and only they are"))
    price = decimal_problem(data.get("unit_price"), "unit_price", places=4, maximum=MAX_UNIT_PRICE, problems=problems)
    start, end = data.get("effective_from"), data.get("effective_to")
    if not is_period(start):
        problems.append(Problem("effective_from", "period_format", "a month as YYYY-MM, e.g. 2026-11"))
    if not blank(end):
        if not is_period(end):
            problems.append(Problem("effective_to", "period_format", "a month as YYYY-MM, e.g. 2027-03"))
        elif is_period(start) and end < start:
            problems.append(Problem("effective_to", "ends_before_start", "the last month is before the first"))
    factor = None
    if not blank(data.get("jump_factor")):
        factor = decimal_problem(data.get("jump_factor"), "jump_factor", places=2, maximum=Decimal("1000"),
                                 problems=problems)
        if factor is not None and basis != "per_reading":
            problems.append(Problem("jump_factor", "per_reading_only", "a jump factor checks meter readings only"))
        elif factor is not None and factor <= 1:
            problems.append(Problem("jump_factor", "min_factor", "the factor must be more than 1"))
    if problems:
        raise ValidationError(problems)
    return Schedule(estate=estate, unit_kind=kind, item=item, basis=basis, unit_price=price,
                    effective_from=start, effective_to=None if blank(end) else end, jump_factor=factor,
                    note=(data.get("note") or "").strip() or None)


def in_force(schedule, period: str) -> bool:
    return schedule.effective_from <= period and (schedule.effective_to is None or period <= schedule.effective_to)


def applicable(schedules: Iterable, estate: str, unit_kind: str, period: str) -> dict[str, object]:
    """item -> the schedule in force for the estate's units of `unit_kind` in `period` (the latest
    effective_from not after it, still in force)."""
    best: dict[str, object] = {}
    for s in schedules:
        if s.estate != estate or s.unit_kind != unit_kind or s.effective_from > period:
            continue
        if s.item not in best or s.effective_from > best[s.item].effective_from:
            best[s.item] = s
    return {item: s for item, s in best.items() if in_force(s, period)}


def jump_factor(schedule) -> Decimal:
    """The factor beyond which a reading is held (the tariff's own, else DEFAULT_JUMP_FACTOR)."""
    return Decimal(schedule.jump_factor) if schedule is not None and schedule.jump_factor else DEFAULT_JUMP_FACTOR


# --- billed units ----------------------------------------------------------------------------------
@dataclass
class BilledUnit:
    unit_id: str
    estate: str
    kind: str
    area_m2: Decimal
    parking_spaces: int = 0
    payer_party_id: str | None = None
    active: bool = True


def validate_billed_unit(data: dict, estates: Iterable[str] | None) -> BilledUnit:
    """A unit's billing basis; every problem at once: unit_id required; estate one_of /
    not_your_estate; kind one_of; area_m2 (positive_amount, max_2_decimals, ...); parking_spaces
    not_negative."""
    problems: list[Problem] = []
    unit_id = (data.get("unit_id") or "").strip()
    if not unit_id:
        problems.append(Problem("unit_id", "required", "give the unit"))
    estate = data.get("estate")
    if estate not in ESTATES:
        problems.append(Problem("estate", "one_of", "estate must be one of: " + ", ".join(ESTATES.codes)))
    elif estates is not None and estate not in estates:
        problems.append(Problem("estate", "not_your_estate", "you do not work for this estate"))
    if data.get("kind") not in BILLED_UNIT_KINDS:
        problems.append(Problem("kind", "one_of", "kind must be one of: " + ", ".join(BILLED_UNIT_KINDS.codes)))
    area = decimal_problem(data.get("area_m2"), "area_m2", places=2, maximum=Decimal("99999999.99"), positive=True,
                           problems=problems)
    spaces = data.get("parking_spaces") or 0
    if not isinstance(spaces, int) or isinstance(spaces, bool) or spaces < 0 or spaces > 1000:
        problems.append(Problem("parking_spaces", "not_negative", "a whole number of spaces, 0 or more"))
    if problems:
        raise ValidationError(problems)
    return BilledUnit(unit_id=unit_id, estate=estate, kind=data["kind"], area_m2=area, parking_spaces=spaces,
                      payer_party_id=(data.get("payer_party_id") or "").strip() or None,
                      active=data.get("active", True) is not False)
