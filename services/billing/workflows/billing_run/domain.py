"""The monthly billing run and its fee notices (《缴费通知单》), pure domain logic (domain.md §2.5).

The cycle, for one estate and one period (a month, ``YYYY-MM``):

====================  =================================  ============================================
state                 how it gets there                  next
====================  =================================  ============================================
drafting              start_billing_run (finance)        the timer drafts every billed unit's notice
                                                         in batches, then awaiting_review
awaiting_review       every unit drafted                 review_billing_run: approve -> approved;
                                                         corrections -> corrections_ordered;
                                                         redraft_billing_run -> drafting
corrections_ordered   the supervisor ordered corrections redraft_billing_run -> drafting (round + 1)
approved (locked)     the supervisor approved            issue_billing_run (cashier) -> issuing
issuing               the cashier issues                 the timer numbers (FN-) and posts each
                                                         notice's charges in batches, then issued
issued                every notice issued                CS delivers each notice (signed for)
====================  =================================  ============================================

Time limits (domain.md §5, [000]): the finance supervisor reviews by the **25th** of the period's
month, the cashier issues by the **26th** ("26日前"): calendar days, not working days, as the
office's calendar names dates, not counts; each is due at the end of that day in the office's zone
(Asia/Shanghai). A run started after its day is overdue at once (the breach tells the supervisor).

What a notice bills for a unit (`draft_lines`): each fee schedule in force for the unit's estate,
kind and period (`fee_schedules.domain.applicable`): per_area area × price, per_space spaces ×
price, fixed the price; water and electricity from the unit's billable readings of the period
(consumption × the tariff in force; a held reading bills nothing until reviewed); the charges
already on the ledger for the period that no schedule makes (paid repairs, one-off fees), shown on
the notice, not charged twice. Zero lines are left out; a unit with no line gets no notice.
Plain Python: no nameko, no SQL, no I/O.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Iterable

from propdesk.chassis.calendar import OFFICE_TZ
from propdesk.domain import blank
from propdesk.errors import Conflict, ValidationError
from propdesk_services.billing.workflows.fee_schedules import domain as schedules

DRAFTING, AWAITING_REVIEW, CORRECTIONS_ORDERED = "drafting", "awaiting_review", "corrections_ordered"
APPROVED, ISSUING, ISSUED = "approved", "issuing", "issued"
#: a notice's states (vocab.FEE_NOTICE_STATES)
DRAFT, NOTICE_APPROVED, NOTICE_ISSUED, DELIVERED = "draft", "approved", "issued", "delivered"

REVIEW_DAY, ISSUE_DAY = 25, 26
REVIEW_RULE, ISSUE_RULE = "billing.review", "billing.issue"
DECISIONS = ("approve", "corrections")
#: The number series: billing runs, fee notices (缴费通知单).
RUN_SERIES, NOTICE_SERIES = "BR", "FN"


# --- the run -------------------------------------------------------------------------------------------
def check_start(period: str, today: date) -> None:
    """A run bills a month up to the next one (notices go out before the month they are for at the
    latest): ValidationError (period, period_format / period_too_far)."""
    schedules.check_period(period)
    current = schedules.period_of(today.year, today.month)
    if period > schedules.next_period(current):
        raise ValidationError.one("period", "period_too_far", f"a run bills up to {schedules.next_period(current)}")


def end_of_day(period: str, day: int) -> datetime:
    """The end of `day` of the period's month at the office (the next day's 00:00, Asia/Shanghai),
    in UTC (what the deadline table keeps: SQLite drops the offset and reads UTC back)."""
    year, month = schedules.split_period(period)
    return datetime.combine(date(year, month, day) + timedelta(days=1), time(0), tzinfo=OFFICE_TZ).astimezone(timezone.utc)


def review_due(period: str) -> datetime:
    return end_of_day(period, REVIEW_DAY)


def issue_due(period: str) -> datetime:
    return end_of_day(period, ISSUE_DAY)


def _conflict(run, rule: str, message: str) -> Conflict:
    return Conflict(f"run {run.run_no} ({run.state}): {message}", field="run_id", rule=rule)


def finish_drafting(run, at: datetime) -> None:
    run.state, run.drafted_at, run.cursor = AWAITING_REVIEW, at, ""


def review(run, decision: str, note: str | None, by: str, at: datetime) -> None:
    """The finance supervisor's review (25th): approve locks the run; corrections sends it back
    with what to correct. Conflict (run_id, not_awaiting_review); ValidationError (decision,
    one_of), (note, required) for corrections without what to correct."""
    if decision not in DECISIONS:
        raise ValidationError.one("decision", "one_of", "decision must be approve or corrections")
    if decision == "corrections" and blank(note):
        raise ValidationError.one("note", "required", "say what is to be corrected")
    if run.state != AWAITING_REVIEW:
        raise _conflict(run, "not_awaiting_review", "only a drafted run waiting for review is reviewed")
    run.state = APPROVED if decision == "approve" else CORRECTIONS_ORDERED
    run.reviewed_by, run.reviewed_at, run.review_note = by, at, (note or "").strip() or None


def redraft(run) -> None:
    """Draft again (after corrections, or new readings before the review): every draft of the run
    is dropped and drafted anew. Conflict (run_id, locked) once approved or issued; (run_id,
    still_drafting) while drafting."""
    if run.state in (APPROVED, ISSUING, ISSUED):
        raise _conflict(run, "locked", "an approved run is locked")
    if run.state == DRAFTING:
        raise _conflict(run, "still_drafting", "the run is being drafted")
    run.state, run.cursor, run.round = DRAFTING, "", run.round + 1
    run.drafted_units = run.notice_count = 0
    run.total_amount = Decimal("0.00")
    run.drafted_at = None


def issue(run, by: str, at: datetime) -> None:
    """The cashier issues the approved run's notices. Conflict (run_id, not_approved) otherwise."""
    if run.state != APPROVED:
        raise _conflict(run, "not_approved", "only an approved run is issued")
    run.state, run.issued_by, run.issue_started_at, run.cursor = ISSUING, by, at, ""


def finish_issuing(run, at: datetime) -> None:
    run.state, run.issued_at, run.cursor = ISSUED, at, ""


def next_commands(run) -> list[str]:
    return {AWAITING_REVIEW: ["review_billing_run", "redraft_billing_run"],
            CORRECTIONS_ORDERED: ["redraft_billing_run"], APPROVED: ["issue_billing_run"]}.get(run.state, [])


def progress(run) -> int:
    """Percent done of the current phase (drafting: units drafted; issuing: notices issued)."""
    if run.state == DRAFTING:
        done, total = run.drafted_units, run.total_units
    elif run.state == ISSUING:
        done, total = run.issued_count, run.notice_count
    else:
        return 100 if run.state in (AWAITING_REVIEW, APPROVED, ISSUED, CORRECTIONS_ORDERED) else 0
    return 100 if not total else min(100, done * 100 // total)


# --- what a notice bills ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Line:
    item: str
    basis: str
    source: str
    source_ref: str | None
    quantity: Decimal | None
    unit_price: Decimal | None
    amount: Decimal
    description: str | None = None
    charge_id: int | None = None


def draft_lines(unit, in_force: dict, readings: Iterable, ledger_charges: Iterable) -> list[Line]:
    """The lines of a unit's notice (see the module doc). `in_force`: item -> schedule in force;
    `readings`: the unit's billable readings of the period; `ledger_charges`: its charges of the
    period already on the ledger from outside the schedules (paid repairs, one-off fees)."""
    return schedule_lines(unit, in_force) + usage_lines(in_force, readings, ledger_charges)


def schedule_lines(unit, in_force: dict) -> list[Line]:
    """The lines the schedules make (per area, per space, fixed): they depend only on the unit's
    area and parking spaces, so units alike share them (the run drafts each shape once a batch)."""
    lines: list[Line] = []
    for item, s in sorted(in_force.items()):
        price = Decimal(s.unit_price)
        if s.basis == "per_area":
            qty = Decimal(unit.area_m2)
        elif s.basis == "per_space":
            qty = Decimal(unit.parking_spaces or 0)
        elif s.basis == "fixed":
            qty = Decimal(1)
        else:
            continue  # per_reading: from the readings below
        amount = schedules.line_amount(qty, price)
        if amount > 0:
            lines.append(Line(item, s.basis, "schedule", s.schedule_id, qty, price, amount))
    return lines


def billed_readings(in_force: dict, readings: Iterable) -> list[tuple]:
    """(reading, its tariff) for each reading a notice bills, by meter: one with a tariff in force
    and a consumption above nothing."""
    return [(r, in_force[r.meter]) for r in sorted(readings, key=lambda r: r.meter)
            if r.meter in in_force and r.consumption is not None and Decimal(r.consumption) > 0]


def usage_lines(in_force: dict, readings: Iterable, ledger_charges: Iterable) -> list[Line]:
    """The lines from the unit's readings (consumption × tariff) and its ledger charges of the period."""
    lines: list[Line] = []
    for r, tariff in billed_readings(in_force, readings):
        qty, price = Decimal(r.consumption), Decimal(tariff.unit_price)
        lines.append(Line(r.meter, "per_reading", "meter", r.reading_id, qty, price, schedules.line_amount(qty, price),
                          f"{r.previous} → {r.reading}"))
    for c in ledger_charges:
        lines.append(Line(c.item, c.basis or "fixed", c.source, c.source_ref, None, None, Decimal(c.amount),
                          None, c.id))
    return lines


# --- delivery ----------------------------------------------------------------------------------------
def confirm_delivery(record, signed_by, signed_at: datetime | None, by: str, now: datetime,
                     id_field: str, issued_state: str = NOTICE_ISSUED) -> datetime:
    """CS handed the notice over and the client signed (签收): who signed and when (default now).
    Conflict (<id_field>, already_delivered / not_issued); ValidationError (signed_by, required),
    (signed_at, not_in_future / before_issue). Returns the signing time."""
    if record.state == DELIVERED:
        raise Conflict(f"already signed for by {record.signed_by}", field=id_field, rule="already_delivered")
    if record.state != issued_state:
        raise Conflict("only an issued notice is delivered", field=id_field, rule="not_issued")
    if blank(signed_by):
        raise ValidationError.one("signed_by", "required", "who signed for it (签收人)")
    at = signed_at or now
    if at > now:
        raise ValidationError.one("signed_at", "not_in_future", "a signature is not in the future")
    issued_at = record.issued_at if record.issued_at.tzinfo else record.issued_at.replace(tzinfo=now.tzinfo)
    if at < issued_at:
        raise ValidationError.one("signed_at", "before_issue", "signed before the notice was issued")
    record.state, record.signed_by, record.signed_at, record.delivered_by = DELIVERED, signed_by.strip(), at, by
    return at
