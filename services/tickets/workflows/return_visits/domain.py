"""Return visits (回访, 回访记录表 QR-003FW; domain.md §2.4), pure domain logic.

A return visit is a task with an appointment (`due_at`) and a method (phone / in person / email /
written). It is planned after an accepted repair (``repair.accepted``) or a resolved complaint
(``complaint.resolved``), by hand (``plan_return_visit``: a survey, an ad-hoc visit), on a
standing round (周期回访: every 7 days by phone, monthly by phone or in person), or as the next
visit promised to a dissatisfied owner. States (codes and labels: `vocab.RETURN_VISIT_STATES`)::

    PLANNED --record(satisfied | fairly_satisfied)--> CLOSED
    PLANNED --record(dissatisfied)--> DISSATISFIED
    DISSATISFIED --order_rectification(department, deadline)--> RECTIFICATION_ORDERED
    RECTIFICATION_ORDERED --confirm_rectification--> CLOSED
    DISSATISFIED --explain(explanation, next visit)--> EXPLAINED   (+ a new PLANNED visit, follow_up)
    PLANNED --reschedule(new appointment)--> PLANNED
    PLANNED --cancel(reason)--> CANCELLED

Time limits (the chassis' DEADLINES, swept by the service):
- ``return_visit.due``: a planned visit is overdue `RECORD_GRACE` (1 hour) after its appointment
  unless it was recorded (wall-clock: the appointment is a time agreed with the owner);
- ``return_visit.rectification``: the deadline the supervisor set for the responsible department
  (wall-clock, as ordered).
A visit planned from an event is due at `AUTO_DUE_TIME` on the `AUTO_DUE_WORKING_DAYS`-th working
day after it (working days: the office makes its visits on working days, none on public holidays).

Plain Python: no nameko, no SQL, no I/O, no clock (times are arguments). Functions judge a
`ReturnVisit` (or the mapped row with the same attributes) and return the typed events.
"""
from __future__ import annotations

import calendar as _calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from propdesk.chassis.calendar import OFFICE_TZ
from propdesk.contracts.vocab import (
    RETURN_VISIT_CADENCES, RETURN_VISIT_DEPARTMENTS, RETURN_VISIT_METHODS, RETURN_VISIT_OCCASIONS,
    RETURN_VISIT_OPINIONS, RETURN_VISIT_SIGNED_METHODS, RETURN_VISIT_STATES,
)
from propdesk.domain import Event, as_utc
from propdesk.errors import Conflict, Problem, ValidationError

PLANNED = "PLANNED"
DISSATISFIED = "DISSATISFIED"
RECTIFICATION_ORDERED = "RECTIFICATION_ORDERED"
EXPLAINED = "EXPLAINED"
CLOSED = "CLOSED"
CANCELLED = "CANCELLED"
assert all(s in RETURN_VISIT_STATES for s in (PLANNED, DISSATISFIED, RECTIFICATION_ORDERED, EXPLAINED,
                                              CLOSED, CANCELLED))

SATISFIED, FAIRLY_SATISFIED, DISSATISFIED_OPINION = RETURN_VISIT_OPINIONS.codes
#: Opinions that count as satisfied in the satisfaction rate (满意 + 较满意, domain.md §4 inferred).
CONTENT = (SATISFIED, FAIRLY_SATISFIED)

#: A planned visit is overdue this long after its appointment unless recorded (the visit is made at
#: the appointment and written down right after it).
RECORD_GRACE = timedelta(hours=1)
#: A visit planned from an accepted repair or a resolved complaint: due at this office time ...
AUTO_DUE_TIME = time(17, 0)
#: ... on this working day after the event (inferred: well inside the 7-day phone cycle of §2.4).
AUTO_DUE_WORKING_DAYS = 2
#: How long free text may be.
MAX_TEXT = 500

DUE_RULE = "return_visit.due"
RECTIFICATION_RULE = "return_visit.rectification"


@dataclass
class ReturnVisit:
    """One return visit (a row of 回访记录表 QR-003FW). `subject_type`/`subject_id`: the repair or
    complaint it follows up (None for a cadence or survey visit); `round_id`: the standing round
    (周期回访) it belongs to; `previous_id`: the dissatisfied visit it follows up."""

    return_visit_id: str
    return_visit_no: str
    unit_id: str | None
    estate: str | None
    occasion: str
    method: str
    due_at: datetime
    state: str = PLANNED
    subject_type: str | None = None
    subject_id: str | None = None
    subject_no: str | None = None
    client_name: str | None = None
    assignee: str | None = None
    round_id: str | None = None
    previous_id: str | None = None
    # the visit (QR-003FW)
    visited_at: datetime | None = None
    visited_by: str | None = None
    punctuality: str | None = None
    attitude: str | None = None
    quality: str | None = None
    overall: str | None = None
    suggestions: str | None = None
    content: str | None = None
    respondent: str | None = None
    signed_by: str | None = None
    # a dissatisfied visit's follow-up
    department: str | None = None
    measures: str | None = None
    rectification_due_at: datetime | None = None
    rectified_at: datetime | None = None
    rectification_result: str | None = None
    explanation: str | None = None
    next_visit_id: str | None = None
    cancel_reason: str | None = None


def _blank(value) -> bool:
    return value is None or not str(value).strip()


def _text(problems: list[Problem], name: str, value, required: bool = False) -> str | None:
    if _blank(value):
        if required:
            problems.append(Problem(name, "required", f"{name} is required"))
        return None
    value = str(value).strip()
    if len(value) > MAX_TEXT:
        problems.append(Problem(name, "length", f"at most {MAX_TEXT} characters"))
    return value


def _one_of(problems: list[Problem], name: str, value, terms, required: bool = True) -> None:
    if value is None:
        if required:
            problems.append(Problem(name, "required", f"{name} is required"))
    elif value not in terms:
        problems.append(Problem(name, "one_of", f"one of {', '.join(terms.codes)}"))


def overdue_at(due_at: datetime) -> datetime:
    """When a planned visit becomes overdue (the ``return_visit.due`` deadline)."""
    return due_at + RECORD_GRACE


def auto_due_at(event_at: datetime, cal) -> datetime:
    """The appointment of a visit planned from an event: `AUTO_DUE_TIME` (office time) on the
    `AUTO_DUE_WORKING_DAYS`-th working day after the event's office day."""
    day = cal.add_working_days(event_at.astimezone(OFFICE_TZ).date(), AUTO_DUE_WORKING_DAYS)
    return datetime.combine(day, AUTO_DUE_TIME, OFFICE_TZ).astimezone(timezone.utc)


def add_period(moment: datetime, cadence: str) -> datetime:
    """The next date of a round: 7 days later (weekly), or the same day of the next month (monthly;
    the month's last day when it is shorter), at the same office time."""
    local = moment.astimezone(OFFICE_TZ)
    if cadence == "weekly":
        return (local + timedelta(days=7)).astimezone(timezone.utc)
    year, month = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
    day = min(local.day, _calendar.monthrange(year, month)[1])
    return local.replace(year=year, month=month, day=day).astimezone(timezone.utc)


def on_working_day(moment: datetime, cal) -> datetime:
    """The same office time on the first working day on or after `moment`'s office day (no visits
    on public holidays or weekends)."""
    local = moment.astimezone(OFFICE_TZ)
    day = local.date()
    while not cal.is_working_day(day):
        day += timedelta(days=1)
    return datetime.combine(day, local.timetz()).astimezone(timezone.utc)


def check_plan(unit_id, method, due_at: datetime | None, now: datetime, cadence: str | None = None) -> None:
    """A visit (or a round) planned by hand: a unit, a known method, an appointment not in the past.
    A weekly round is by phone (每七天电话回访); a monthly one by phone or in person (§2.4)."""
    problems: list[Problem] = []
    if _blank(unit_id):
        problems.append(Problem("unit_id", "required", "the unit to visit"))
    _one_of(problems, "method", method, RETURN_VISIT_METHODS)
    if due_at is None:
        problems.append(Problem("due_at", "required", "the appointment (date and time)"))
    elif due_at < now:
        problems.append(Problem("due_at", "not_in_past", "the appointment is booked in advance"))
    if cadence is not None:
        _one_of(problems, "cadence", cadence, RETURN_VISIT_CADENCES)
        if cadence == "weekly" and method not in (None, "phone"):
            problems.append(Problem("method", "weekly_by_phone", "the 7-day visits are made by phone"))
        if cadence == "monthly" and method not in (None, "phone", "in_person"):
            problems.append(Problem("method", "monthly_phone_or_in_person",
                                    "the monthly visits are made by phone or in person"))
    if problems:
        raise ValidationError(problems)


def plan(visit: ReturnVisit) -> list[Event]:
    """A new visit: PLANNED; emits ``return_visit.planned``."""
    if visit.occasion not in RETURN_VISIT_OCCASIONS:
        raise ValidationError.one("occasion", "one_of", f"one of {', '.join(RETURN_VISIT_OCCASIONS.codes)}")
    visit.state = PLANNED
    return [Event("return_visit.planned", {
        "return_visit_id": visit.return_visit_id, "return_visit_no": visit.return_visit_no,
        "subject_type": visit.subject_type, "subject_id": visit.subject_id, "unit_id": visit.unit_id,
        "estate": visit.estate, "occasion": visit.occasion, "method": visit.method,
        "due_at": as_utc(visit.due_at).isoformat(), "assignee": visit.assignee,
        "previous_return_visit_id": visit.previous_id})]


def _require(visit: ReturnVisit, states: tuple[str, ...], rule: str) -> None:
    if visit.state not in states:
        raise Conflict(f"return visit {visit.return_visit_no} is {RETURN_VISIT_STATES.label(visit.state, 'en')}",
                       field="return_visit_id", rule=rule)


def record(visit: ReturnVisit, data: dict, by: str, now: datetime) -> list[Event]:
    """Record the visit (回访记录表 QR-003FW): ratings on 守时 punctuality, 态度 attitude and 质量
    quality (each optional: not every visit can judge every one), the overall opinion (required),
    expectations and suggestions, and who answered.

    Signature rule: in person or written, the owner signs (`signed_by`, rule
    ``signature_required``); by phone or email nobody can sign, so the visitor names who answered
    (`respondent`, rule ``respondent_required``). `visited_at` (default now) may not be in the
    future (``not_in_future``). Satisfied / fairly satisfied closes the visit; dissatisfied waits for
    the follow-up (rectification or explanation). Conflict ``planned_only`` unless PLANNED.
    Emits ``return_visit.completed``."""
    _require(visit, (PLANNED,), "planned_only")
    problems: list[Problem] = []
    method = data.get("method") or visit.method
    _one_of(problems, "method", method, RETURN_VISIT_METHODS)
    _one_of(problems, "overall", data.get("overall"), RETURN_VISIT_OPINIONS)
    for name in ("punctuality", "attitude", "quality"):
        _one_of(problems, name, data.get(name), RETURN_VISIT_OPINIONS, required=False)
    suggestions = _text(problems, "suggestions", data.get("suggestions"))
    content = _text(problems, "content", data.get("content"))
    signed_by = _text(problems, "signed_by", data.get("signed_by"))
    respondent = _text(problems, "respondent", data.get("respondent"))
    if method in RETURN_VISIT_SIGNED_METHODS and signed_by is None:
        problems.append(Problem("signed_by", "signature_required",
                                "in person or in writing the owner signs the record (业主/住户签名)"))
    if method in RETURN_VISIT_METHODS and method not in RETURN_VISIT_SIGNED_METHODS and respondent is None:
        problems.append(Problem("respondent", "respondent_required",
                                "by phone or email, name who answered (nobody can sign)"))
    visited_at = data.get("visited_at") or now
    if visited_at > now:
        problems.append(Problem("visited_at", "not_in_future", "a visit is recorded after it was made"))
    if problems:
        raise ValidationError(problems)

    visit.method = method
    visit.visited_at, visit.visited_by = visited_at, by
    visit.punctuality, visit.attitude, visit.quality = data.get("punctuality"), data.get("attitude"), data.get("quality")
    visit.overall, visit.suggestions, visit.content = data["overall"], suggestions, content
    visit.signed_by, visit.respondent = signed_by, respondent or signed_by
    visit.state = CLOSED if visit.overall in CONTENT else DISSATISFIED
    return [Event("return_visit.completed", {
        "return_visit_id": visit.return_visit_id, "return_visit_no": visit.return_visit_no,
        "subject_type": visit.subject_type, "subject_id": visit.subject_id, "unit_id": visit.unit_id,
        "estate": visit.estate, "overall": visit.overall, "method": visit.method,
        "punctuality": visit.punctuality, "attitude": visit.attitude, "quality": visit.quality,
        "visited_by": by, "visited_at": visited_at.isoformat()})]


def order_rectification(visit: ReturnVisit, department, deadline: datetime | None, measures, now: datetime) -> list[Event]:
    """A dissatisfied owner: rectification ordered to a responsible department (责任部门) with what
    is to be done and a deadline after now (件件有落实). Conflict ``dissatisfied_only``.
    Emits ``return_visit.rectification_ordered``."""
    _require(visit, (DISSATISFIED,), "dissatisfied_only")
    problems: list[Problem] = []
    _one_of(problems, "department", department, RETURN_VISIT_DEPARTMENTS)
    measures = _text(problems, "measures", measures, required=True)
    if deadline is None:
        problems.append(Problem("deadline", "required", "when the rectification is due"))
    elif deadline <= now:
        problems.append(Problem("deadline", "after_now", "the deadline is still to come"))
    if problems:
        raise ValidationError(problems)
    visit.department, visit.measures, visit.rectification_due_at = department, measures, deadline
    visit.state = RECTIFICATION_ORDERED
    return [Event("return_visit.rectification_ordered", {
        "return_visit_id": visit.return_visit_id, "return_visit_no": visit.return_visit_no,
        "subject_type": visit.subject_type, "subject_id": visit.subject_id, "unit_id": visit.unit_id,
        "estate": visit.estate, "department": department, "measures": measures,
        "deadline": deadline.isoformat()})]


def confirm_rectification(visit: ReturnVisit, result, now: datetime) -> list[Event]:
    """The rectification was done and checked (事事有回音): the visit is CLOSED. `result` says what
    was done (required). Conflict ``rectification_ordered_only``. Emits ``return_visit.rectified``
    with whether it was on time."""
    _require(visit, (RECTIFICATION_ORDERED,), "rectification_ordered_only")
    problems: list[Problem] = []
    result = _text(problems, "result", result, required=True)
    if problems:
        raise ValidationError(problems)
    visit.rectification_result, visit.rectified_at, visit.state = result, now, CLOSED
    return [Event("return_visit.rectified", {
        "return_visit_id": visit.return_visit_id, "return_visit_no": visit.return_visit_no,
        "subject_type": visit.subject_type, "subject_id": visit.subject_id, "unit_id": visit.unit_id,
        "estate": visit.estate, "department": visit.department,
        "on_time": now <= as_utc(visit.rectification_due_at), "rectified_at": now.isoformat()})]


def explain(visit: ReturnVisit, explanation, next_due_at: datetime | None, next_method, now: datetime) -> None:
    """It cannot be fixed now: the owner was given the reasons (`explanation`, required) and the next
    visit is booked (`next_due_at` after now; `next_method`, default the visit's). The visit becomes
    EXPLAINED; the handler plans the next visit (occasion follow_up). Conflict ``dissatisfied_only``."""
    _require(visit, (DISSATISFIED,), "dissatisfied_only")
    problems: list[Problem] = []
    explanation = _text(problems, "explanation", explanation, required=True)
    _one_of(problems, "next_method", next_method or visit.method, RETURN_VISIT_METHODS)
    if next_due_at is None:
        problems.append(Problem("next_due_at", "required", "the next visit's appointment"))
    elif next_due_at <= now:
        problems.append(Problem("next_due_at", "after_now", "the next visit is still to come"))
    if problems:
        raise ValidationError(problems)
    visit.explanation, visit.state = explanation, EXPLAINED


def reschedule(visit: ReturnVisit, due_at: datetime, method, now: datetime) -> None:
    """A new appointment agreed with the owner (预约): PLANNED only (``planned_only``), not in the
    past (``not_in_past``); the method may change too."""
    _require(visit, (PLANNED,), "planned_only")
    problems: list[Problem] = []
    if due_at < now:
        problems.append(Problem("due_at", "not_in_past", "the appointment is booked in advance"))
    _one_of(problems, "method", method or visit.method, RETURN_VISIT_METHODS)
    if problems:
        raise ValidationError(problems)
    visit.due_at, visit.method = due_at, method or visit.method


def cancel(visit: ReturnVisit, reason) -> None:
    """A planned visit that will not be made (the owner declines, the unit is vacated): CANCELLED
    with a reason (required). Conflict ``planned_only``."""
    _require(visit, (PLANNED,), "planned_only")
    problems: list[Problem] = []
    visit.cancel_reason = _text(problems, "reason", reason, required=True)
    if problems:
        raise ValidationError(problems)
    visit.state = CANCELLED


def next_commands(visit: ReturnVisit) -> list[str]:
    """What the visit's state allows now (ACTIONS row "return_visit")."""
    return {
        PLANNED: ["record_return_visit", "reschedule_return_visit", "cancel_return_visit"],
        DISSATISFIED: ["order_rectification", "explain_return_visit"],
        RECTIFICATION_ORDERED: ["confirm_rectification"],
    }.get(visit.state, [])


# --- KPIs (domain.md §4) --------------------------------------------------------------------------
def satisfaction_deduction(rate) -> int | None:
    """The points deducted for a satisfaction (or return-visit) rate, by the bands of domain.md §4
    (100%→0, 95–100%→1, 80–95%→2, 75–80%→3, below 75%→5; the seed's bands overlap at their ends,
    read here as half-open, each lower bound included)."""
    if rate is None:
        return None
    if rate >= 1:
        return 0
    if rate >= 0.95:
        return 1
    if rate >= 0.80:
        return 2
    if rate >= 0.75:
        return 3
    return 5


def office_window(date_from: date, date_to: date) -> tuple[datetime, datetime]:
    """The UTC-aware bounds [start, end) of the office days date_from..date_to (inclusive)."""
    return (datetime.combine(date_from, time(0), OFFICE_TZ),
            datetime.combine(date_to + timedelta(days=1), time(0), OFFICE_TZ))
