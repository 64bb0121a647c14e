"""Meter readings (抄表: water, electricity), pure domain logic (domain.md §2.5: readings are part
of the billing data the finance supervisor checks on the 25th).

A reading is checked against the unit's last billable reading of the same meter (an earlier
period, state ok/accepted/billed):

- no earlier reading: a baseline, "ok", bills nothing (`consumption` None);
- lower than the last (rule ``lower_than_last``: a meter replaced, a typing error): "held";
- its consumption more than `factor` times the last month's (rule ``jump_beyond_factor``; the
  tariff schedule's `jump_factor`, default 3; not checked when the last consumption was 0 or
  unknown): "held";
- otherwise "ok".

A held reading is not billed until the finance supervisor accepts it as read ("accepted") or it
is corrected (re-checked). A billed reading never changes. A reading for a period before the
meter's latest one is refused (it would change a consumption already worked out), and so is the
acceptance or correction of a held one the meter has a later reading than (the later one counted
from the reading before it: its consumption would be billed twice). Such a held reading, passed by
the meter, is set aside by the supervisor as "superseded" (`supersede`): never billed, never
counted, never changed again; the later reading bills the consumption once.
Plain Python: no nameko, no SQL, no I/O.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from propdesk.contracts.vocab import METER_KINDS
from propdesk.domain import blank
from propdesk.errors import Conflict, Problem, ValidationError
from propdesk_services.billing.workflows.fee_schedules.domain import decimal_problem, is_period

OK, HELD, ACCEPTED, BILLED, SUPERSEDED = "ok", "held", "accepted", "billed", "superseded"
#: Readings that count as "the last reading" for the next one.
COUNTED = (OK, ACCEPTED, BILLED)
MAX_READING = Decimal("999999999999.99")
#: What a meter column may say in an imported file, -> vocab.METER_KINDS code.
METER_WORDS = {"water": "water", "水": "water", "水表": "water", "水费": "water",
               "electricity": "electricity", "electric": "electricity", "电": "electricity", "电表": "electricity",
               "电费": "electricity"}


@dataclass(frozen=True)
class Check:
    state: str
    hold_rule: str | None
    previous: Decimal | None
    consumption: Decimal | None


def check(reading: Decimal, previous: Decimal | None, previous_consumption: Decimal | None,
          factor: Decimal) -> Check:
    """The state a new reading takes (see the module doc)."""
    if previous is None:
        return Check(OK, None, None, None)
    consumption = Decimal(reading) - Decimal(previous)
    if consumption < 0:
        return Check(HELD, "lower_than_last", previous, consumption)
    if previous_consumption is not None and previous_consumption > 0 and consumption > factor * previous_consumption:
        return Check(HELD, "jump_beyond_factor", previous, consumption)
    return Check(OK, None, previous, consumption)


@dataclass(frozen=True)
class Entry:
    unit_id: str
    meter: str
    period: str
    reading: Decimal
    read_on: date


def validate_entry(data: dict, today: date, prefix: str = "") -> Entry:
    """A reading as entered or as one row of a file; every problem at once, fields prefixed with
    `prefix` (``rows[3].``): unit_id required; meter one_of; period period_format; reading
    required/decimal/not_negative/max_2_decimals; read_on date_format / not_in_future."""
    problems: list[Problem] = []
    unit_id = str(data.get("unit_id") or "").strip()
    if not unit_id:
        problems.append(Problem(prefix + "unit_id", "required", "give the unit"))
    meter = METER_WORDS.get(str(data.get("meter") or "").strip().lower())
    if meter not in METER_KINDS:
        problems.append(Problem(prefix + "meter", "one_of", "meter must be water or electricity (水/电)"))
    period = str(data.get("period") or "").strip()
    if not is_period(period):
        problems.append(Problem(prefix + "period", "period_format", "a month as YYYY-MM, e.g. 2026-11"))
    value = decimal_problem(data.get("reading"), prefix + "reading", places=2, maximum=MAX_READING, problems=problems)
    read_on = today
    raw = data.get("read_on")
    if isinstance(raw, date):
        read_on = raw
    elif not blank(raw):
        try:
            read_on = date.fromisoformat(str(raw).strip()[:10])
        except ValueError:
            problems.append(Problem(prefix + "read_on", "date_format", "a date as YYYY-MM-DD"))
    if read_on > today:
        problems.append(Problem(prefix + "read_on", "not_in_future", "a meter cannot be read in the future"))
    if problems:
        raise ValidationError(problems)
    return Entry(unit_id=unit_id, meter=meter, period=period, reading=value, read_on=read_on)


def check_not_before_latest(latest_period: str | None, period: str) -> None:
    """Conflict (period, later_reading_exists) when the meter already has a reading of a later period."""
    if latest_period is not None and latest_period > period:
        raise Conflict(f"the meter already has a reading for {latest_period}; readings go forward month by month",
                       field="period", rule="later_reading_exists")


def check_correctable(row) -> None:
    """Conflict (reading_id, reading_billed) for a reading already billed (on an issued notice, or
    a final reading charged at move-out); (reading_id, reading_superseded) for one set aside as
    superseded (a later reading bills its consumption)."""
    if row.state == BILLED:
        on = f"notice {row.notice_no}" if row.notice_no else "the ledger (final reading)"
        raise Conflict(f"reading {row.reading_no} is billed on {on} and is not changed any more",
                       field="reading_id", rule="reading_billed")
    if row.state == SUPERSEDED:
        raise Conflict(f"reading {row.reading_no} was set aside as superseded by a later reading",
                       field="reading_id", rule="reading_superseded")


#: A final reading (move-out) is recorded with this source; it bills at once (`final_charge`).
FINAL = "final"


def check_final(entry: Entry, given_read_on: bool) -> None:
    """A final reading names the exit date it was read as of (read_on/required), and is the
    reading of that date's month (period/not_exit_month)."""
    if not given_read_on:
        raise ValidationError.one("read_on", "required", "the date the meter was read at move-out (the exit date)")
    if entry.period != f"{entry.read_on:%Y-%m}":
        raise ValidationError.one("period", "not_exit_month", f"a final reading is for {entry.read_on:%Y-%m}, the exit month")


def final_charge(row, tariff) -> Decimal | None:
    """What a final reading bills at once: its consumption × the tariff in force (None: nothing to
    bill — held, a baseline, no consumption or no tariff; a held one bills once accepted or corrected)."""
    if row.state not in (OK, ACCEPTED) or tariff is None or row.consumption is None or Decimal(row.consumption) <= 0:
        return None
    from propdesk_services.billing.workflows.fee_schedules.domain import line_amount

    return line_amount(Decimal(row.consumption), Decimal(tariff.unit_price))


def check_not_locked(run_no: str | None) -> None:
    """Conflict (reading_id, run_locked) when the reading is on a notice of an approved run (the
    supervisor approved the billing data as it stands: a correction now would not reach the notice)."""
    if run_no is not None:
        raise Conflict(f"the reading is billed by run {run_no}, approved and locked", field="reading_id",
                       rule="run_locked")


def accept(row) -> None:
    """The finance supervisor accepts a held reading as read. Conflict (reading_id, not_held) otherwise."""
    if row.state != HELD:
        raise Conflict(f"reading {row.reading_no} is not held for review", field="reading_id", rule="not_held")
    row.state, row.hold_rule = ACCEPTED, None


def supersede(row, later_period: str | None) -> None:
    """The finance supervisor sets a held reading aside as superseded: the meter has a later
    month's reading (`later_period`), which counted from the reading before this one, so this one
    can be neither accepted nor corrected and its consumption is billed once, in the later one.
    Conflict (reading_id, not_held) for a reading that is not held; (period, no_later_reading)
    while the meter has no later reading (accept or correct it instead)."""
    if row.state != HELD:
        raise Conflict(f"reading {row.reading_no} is not held for review", field="reading_id", rule="not_held")
    if later_period is None or later_period <= row.period:
        raise Conflict(f"the meter has no reading after {row.period}: accept or correct {row.reading_no} instead",
                       field="period", rule="no_later_reading")
    row.state = SUPERSEDED


def next_commands(row, passed: bool = False) -> list[str]:
    """What may be done next to a reading; `passed`: the meter has a later month's reading (a held
    one can then only be set aside as superseded)."""
    if row.state == HELD:
        return ["supersede_meter_reading"] if passed else ["accept_meter_reading", "correct_meter_reading"]
    if row.state in (OK, ACCEPTED):
        return ["correct_meter_reading"]
    return []
