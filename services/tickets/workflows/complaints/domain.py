"""Complaints (投诉, 投诉处理表 QR-002FW), pure domain logic: domain.md §2.3 and §5.

Every complaint is logged centrally by the service centre, whatever the channel [004 WI/FW-011],
and triaged into one kind (`vocab.COMPLAINT_KINDS`), each with its path::

    RECEIVED --set_measures (ordinary, <=30 min)--> MEASURES_SET --record_handling--> HANDLING
    RECEIVED --escalate (major: 管理处主任, reply time agreed; written: 收文 up to leadership)--> ESCALATED
    ESCALATED --record_handling (major: the director only)--> HANDLING
    HANDLING --report_result--> RESULT_REPORTED --reply (written: in writing)--> REPLIED
    RECEIVED --explain (unreasonable; out of scope: the proper route named)--> EXPLAINED
    REPLIED | EXPLAINED --return visit satisfied / close--> CLOSED
    REPLIED | EXPLAINED | CLOSED --return visit dissatisfied / second complaint--> REOPENED (二次投诉)
    REOPENED --root-cause review (检讨分析原因) + corrective measures--> HANDLING
    any state but CLOSED --void (registered in error, never deleted)--> VOIDED

Time limits (the workflow's deadlines; the chassis sweeps them):

- ``complaint.measures``: an ordinary (or not yet triaged, or major) complaint's handling is
  decided within 30 minutes of receipt [000]: set_measures (ordinary) or escalate (major) meet it.
  Wall-clock: the service centre is never unattended [004 WI/FW-001] and the complainant waits in
  minutes, whatever the day.
- ``complaint.reply``: the complainant is told the outcome within 3 days of receipt, else a
  progress notice is due [004 WI/FW-006 #18, -011, -015 #3]; a progress notice or a reopening
  starts the next 3 days. Wall-clock 72 hours: the seeds say 3天, not 3 working days (where they
  mean working days they say so: archives ≤1 working day, dunning on the 11th working day).
- ``complaint.agreed_reply``: the reply time agreed with the complainant of a major complaint
  (or given for a written one), tracked until the reply.

Whoever a complaint is about may not edit or destroy it [004 WI/FW-015 #5]: every command on a
complaint is refused to the staff member it names (`guard_not_about`).

Plain Python: no nameko, no SQL, no I/O, no clock (times are arguments). Codes come from
`propdesk.contracts.vocab`. The service stores a `Complaint` as a model with the same attribute
names and passes it in.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from propdesk.contracts.vocab import (
    COMPLAINT_APOLOGY_CAUSES,
    COMPLAINT_CATEGORIES,
    COMPLAINT_KINDS,
    COMPLAINT_OPEN_STATES,
    COMPLAINT_REPLY_CHANNELS,
    COMPLAINT_STATES,
    STAFF_DEPARTMENTS,
)
from propdesk.domain import Event, as_utc
from propdesk.errors import Conflict, Forbidden, Problem, ValidationError

RECEIVED, MEASURES_SET, ESCALATED, REOPENED = "RECEIVED", "MEASURES_SET", "ESCALATED", "REOPENED"
HANDLING, RESULT_REPORTED, REPLIED, EXPLAINED = "HANDLING", "RESULT_REPORTED", "REPLIED", "EXPLAINED"
CLOSED, VOIDED = "CLOSED", "VOIDED"
assert all(s in COMPLAINT_STATES for s in (RECEIVED, MEASURES_SET, ESCALATED, REOPENED, HANDLING,
                                           RESULT_REPORTED, REPLIED, EXPLAINED, CLOSED, VOIDED))
ORDINARY, MAJOR, WRITTEN, UNREASONABLE, OUT_OF_SCOPE = "ordinary", "major", "written", "unreasonable", "out_of_scope"
assert all(k in COMPLAINT_KINDS for k in (ORDINARY, MAJOR, WRITTEN, UNREASONABLE, OUT_OF_SCOPE))

#: The rules' names in `messages.DEADLINES`.
MEASURES_RULE = "complaint.measures"
REPLY_RULE = "complaint.reply"
AGREED_REPLY_RULE = "complaint.agreed_reply"

#: Ordinary complaints: handling measures decided within 30 minutes of receipt [000] (wall-clock).
MEASURES_WITHIN = timedelta(minutes=30)
#: The complainant told the outcome within 3 days of receipt, else a progress notice [004] (wall-clock).
REPLY_WITHIN = timedelta(days=3)

#: Kinds whose handling must be decided within 30 minutes (a major one: escalated; untriaged: both).
MEASURES_KINDS = (None, ORDINARY, MAJOR)
#: Kinds answered by an explanation, not by handling (§2.3: EXPLAINED/REDIRECTED -> RECORDED -> RETURN_VISIT).
EXPLAINED_KINDS = (UNREASONABLE, OUT_OF_SCOPE)
#: Kinds escalated to leadership before handling.
ESCALATED_KINDS = (MAJOR, WRITTEN)
#: Who handles a major complaint: the 管理处主任 (domain.md §1.1: receives major or difficult complaints).
MAJOR_HANDLERS = frozenset({"director"})
#: The role a major complaint is escalated to (the breach of its agreed reply time is told to them).
MAJOR_LEVEL = "director"

#: The states a complaint's record may still be amended in (not closed, not voided).
AMENDABLE = (RECEIVED, MEASURES_SET, ESCALATED, REOPENED, HANDLING, RESULT_REPORTED, REPLIED, EXPLAINED)
#: The states in which the complainant has been told and a return visit is due.
TOLD = (REPLIED, EXPLAINED)

MAX_TEXT = 2000


@dataclass
class Complaint:
    """投诉处理表 QR-002FW: who complained, about what and whom, and how it was handled.

    The service's model has these attribute names (and more columns the domain does not read)."""

    complaint_id: str
    unit_id: str | None
    estate: str | None
    complainant: str
    summary: str
    received_at: datetime
    received_by: str
    kind: str | None = None
    category: str | None = None
    channel: str | None = None
    complainant_phone: str | None = None
    contact_id: str | None = None
    about_staff: str | None = None
    about_department: str | None = None
    about: str | None = None
    doc_ref: str | None = None
    state: str = RECEIVED
    measures: str | None = None
    measures_at: datetime | None = None
    reply_due: datetime | None = None
    escalated_at: datetime | None = None
    remedial: str | None = None
    corrective: str | None = None
    handling_due: datetime | None = None
    handled_by: str | None = None
    result: str | None = None
    reply_channel: str | None = None
    reply_text: str | None = None
    reply_ref: str | None = None
    replied_at: datetime | None = None
    within_3_days: bool | None = None
    explanation: str | None = None
    redirected_to: str | None = None
    progress_notices: int = 0
    clock_from: datetime | None = None
    second_complaints: int = 0
    reopen_reason: str | None = None
    reopened_at: datetime | None = None
    root_cause: str | None = None
    apology_cause: str | None = None
    apology_ref: str | None = None
    apology_issuer: str | None = None
    feedback: str | None = None
    satisfaction: str | None = None
    closed_at: datetime | None = None
    void_reason: str | None = None


# --- helpers ---------------------------------------------------------------------------------------
def _text(value) -> str | None:
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def _need(problems: list[Problem], field: str, value, what: str) -> str | None:
    text = _text(value)
    if text is None:
        problems.append(Problem(field, "required", what))
    elif len(text) > MAX_TEXT:
        problems.append(Problem(field, "too_long", f"at most {MAX_TEXT} characters"))
    return text


def _raise(problems: list[Problem]) -> None:
    if problems:
        raise ValidationError(problems)


def _state(c: Complaint, allowed: tuple[str, ...], action: str) -> None:
    if c.state in allowed:
        return
    if c.state == REOPENED:
        raise Conflict(f"complaint {c.complaint_id} was reopened (二次投诉): its root cause must be reviewed "
                       f"(检讨分析原因) before it is {action}", field="complaint_id", rule="root_cause_review_required")
    if c.state == VOIDED:
        raise Conflict(f"complaint {c.complaint_id} was voided", field="complaint_id", rule="complaint_voided")
    if c.state == CLOSED:
        raise Conflict(f"complaint {c.complaint_id} is closed", field="complaint_id", rule="complaint_closed")
    raise Conflict(f"complaint {c.complaint_id} is {COMPLAINT_STATES.label(c.state, 'en')}; it cannot be {action} now",
                   field="complaint_id", rule="wrong_state")


def _ref(c: Complaint) -> dict:
    return {"complaint_id": c.complaint_id, "complaint_no": c.complaint_id, "unit_id": c.unit_id, "estate": c.estate}


def guard_not_about(c: Complaint, actor_id: str) -> None:
    """Whoever the complaint is about may not edit or destroy it [004 WI/FW-015 #5]."""
    if c.about_staff and actor_id == c.about_staff:
        raise Forbidden(f"complaint {c.complaint_id} is about {actor_id}: the person complained about may not "
                        "edit or delete it", field="actor.id", rule="complained_about_may_not_edit")


def reply_due_at(c: Complaint) -> datetime:
    """When the complainant must have been told the outcome (3 days from receipt, or from the last
    progress notice or reopening)."""
    return as_utc(c.clock_from or c.received_at) + REPLY_WITHIN


def told_in_time(c: Complaint, at: datetime) -> bool | None:
    """Whether the complainant was told the outcome within 3 days of *receipt* (the KPI 投诉解决回复率;
    a progress notice moves the next deadline, not this). A reopened complaint keeps what its
    first reply was."""
    if c.second_complaints:
        return c.within_3_days
    return at <= as_utc(c.received_at) + REPLY_WITHIN


def measures_due_at(c: Complaint) -> datetime:
    """When an ordinary complaint's measures must have been decided (30 minutes from receipt)."""
    return as_utc(c.received_at) + MEASURES_WITHIN


#: A stored time read back without its zone is UTC.
aware = as_utc


# --- registration ----------------------------------------------------------------------------------
def validate_registration(data: dict) -> dict:
    """The fields of a new complaint, cleaned, or a ValidationError naming every broken rule:
    ``complainant``, ``summary`` required; ``unit_id`` required (a complaint is logged with the
    building/unit number [004 WI/FW-011]); ``kind`` / ``category`` / ``about_department`` from their
    vocabularies; a written complaint carries its 收文 number (``doc_ref``, rule ``written_needs_doc_ref``)."""
    problems: list[Problem] = []
    out = {
        "complainant": _need(problems, "complainant", data.get("complainant"), "who complains (投诉人)"),
        "summary": _need(problems, "summary", data.get("summary"), "what the complaint is about and what is asked (投诉事由及要求)"),
        "unit_id": _text(data.get("unit_id")),
        "complainant_phone": _text(data.get("complainant_phone")),
        "channel": _text(data.get("channel")),
        "about_staff": _text(data.get("about_staff")),
        "about": _text(data.get("about")),
        "doc_ref": _text(data.get("doc_ref")),
    }
    if out["unit_id"] is None:
        problems.append(Problem("unit_id", "required", "the complainant's unit (楼座号)"))
    kind = _text(data.get("kind"))
    if kind is not None and kind not in COMPLAINT_KINDS:
        problems.append(Problem("kind", "one_of", f"one of {', '.join(COMPLAINT_KINDS.codes)}"))
    category = _text(data.get("category"))
    if category is not None and category not in COMPLAINT_CATEGORIES:
        problems.append(Problem("category", "one_of", f"one of {', '.join(COMPLAINT_CATEGORIES.codes)}"))
    dept = _text(data.get("about_department"))
    if dept is not None and dept not in STAFF_DEPARTMENTS:
        problems.append(Problem("about_department", "one_of", f"one of {', '.join(STAFF_DEPARTMENTS.codes)}"))
    if kind == WRITTEN and out["doc_ref"] is None:
        problems.append(Problem("doc_ref", "written_needs_doc_ref",
                                "a written complaint is registered as 收文: give its 收文记录 number"))
    _raise(problems)
    return {**out, "kind": kind, "category": category, "about_department": dept}


def register(c: Complaint) -> list[Event]:
    """A new complaint in RECEIVED; emits ``complaint.registered``."""
    c.state = RECEIVED
    c.clock_from = c.received_at
    return [Event("complaint.registered", {**_ref(c), "contact_id": c.contact_id, "kind": c.kind,
                                           "received_at": c.received_at.isoformat(), "received_by": c.received_by})]


def needs_measures(c: Complaint) -> bool:
    """Whether the 30-minute rule runs for the complaint as it is now."""
    return c.state == RECEIVED and c.kind in MEASURES_KINDS


def triage(c: Complaint, kind: str, doc_ref: str | None = None) -> None:
    """Triage a received complaint into its kind (分类); only while RECEIVED."""
    _state(c, (RECEIVED,), "triaged")
    problems: list[Problem] = []
    if kind not in COMPLAINT_KINDS:
        problems.append(Problem("kind", "one_of", f"one of {', '.join(COMPLAINT_KINDS.codes)}"))
    doc_ref = _text(doc_ref) or c.doc_ref
    if kind == WRITTEN and doc_ref is None:
        problems.append(Problem("doc_ref", "written_needs_doc_ref",
                                "a written complaint is registered as 收文: give its 收文记录 number"))
    _raise(problems)
    c.kind, c.doc_ref = kind, doc_ref


# --- the ordinary path -----------------------------------------------------------------------------
def set_measures(c: Complaint, measures: str, at: datetime) -> list[Event]:
    """An ordinary complaint's handling measures, decided (within 30 minutes of receipt)."""
    _state(c, (RECEIVED,), "given measures")
    if c.kind is None:
        raise Conflict("triage the complaint first (kind)", field="kind", rule="triage_first")
    if c.kind != ORDINARY:
        raise Conflict(f"a {c.kind} complaint is not handled by measures at the service centre",
                       field="kind", rule="ordinary_only")
    problems: list[Problem] = []
    text = _need(problems, "measures", measures, "the handling measures decided")
    _raise(problems)
    c.measures, c.measures_at, c.state = text, at, MEASURES_SET
    return []


def escalate(c: Complaint, reply_due: datetime | None, at: datetime) -> list[Event]:
    """A major complaint to the 管理处主任 with the reply time agreed with the complainant
    (required, in the future: rule ``reply_time_agreed``); a written one (收文) up to leadership
    (a reply time optional)."""
    _state(c, (RECEIVED,), "escalated")
    if c.kind not in ESCALATED_KINDS:
        raise Conflict("only a major or written complaint is escalated", field="kind", rule="major_or_written_only")
    if c.kind == MAJOR and reply_due is None:
        raise ValidationError.one("reply_due", "reply_time_agreed",
                                  "agree a reply time with the complainant of a major complaint")
    if reply_due is not None and reply_due <= at:
        raise ValidationError.one("reply_due", "in_future", "the agreed reply time is in the future")
    c.reply_due, c.escalated_at, c.state = reply_due, at, ESCALATED
    return [Event("complaint.escalated", {**_ref(c), "kind": c.kind, "level": MAJOR_LEVEL,
                                          "reply_due": reply_due.isoformat() if reply_due else None})]


def record_handling(c: Complaint, remedial: str | None, corrective: str | None, due: datetime | None,
                    role: str, actor_id: str) -> list[Event]:
    """The investigation done and the remedial (补救) and corrective (纠正) measures under way,
    with a due time. A major complaint is handled by the 管理处主任 (rule ``major_handled_by_director``)."""
    _state(c, (MEASURES_SET, ESCALATED), "handled")
    if c.kind == MAJOR and role not in MAJOR_HANDLERS:
        raise Forbidden(f"a major complaint is handled by the management-office director, not {role}",
                        field="actor.role", rule="major_handled_by_director")
    problems: list[Problem] = []
    remedial, corrective = _text(remedial), _text(corrective)
    if remedial is None and corrective is None:
        problems.append(Problem("remedial", "measures_required", "the remedial or corrective measures taken"))
    _raise(problems)
    c.remedial, c.corrective, c.handling_due, c.handled_by, c.state = remedial, corrective, due, actor_id, HANDLING
    return []


def report_result(c: Complaint, result: str) -> list[Event]:
    """The department's result is back at the service centre (RESULT_TO_SERVICE_CENTRE)."""
    _state(c, (HANDLING,), "given a result")
    problems: list[Problem] = []
    c.result = _need(problems, "result", result, "the handling result")
    _raise(problems)
    c.state = RESULT_REPORTED
    return []


def reply(c: Complaint, channel: str, text: str | None, reply_ref: str | None, at: datetime) -> list[Event]:
    """The complainant is told the process and the result (复清楚): REPLIED, a return visit is due;
    emits ``complaint.resolved``. A written complaint is answered only in writing: channel
    ``written`` and the reply's reference (rule ``written_reply_required``)."""
    _state(c, (RESULT_REPORTED,), "replied")
    problems: list[Problem] = []
    if channel not in COMPLAINT_REPLY_CHANNELS:
        problems.append(Problem("channel", "one_of", f"one of {', '.join(COMPLAINT_REPLY_CHANNELS.codes)}"))
    reply_ref = _text(reply_ref)
    if c.kind == WRITTEN and (channel != "written" or reply_ref is None):
        problems.append(Problem("reply_ref", "written_reply_required",
                                "a written complaint is closed only with a written reply: channel written and its reference"))
    _raise(problems)
    c.reply_channel, c.reply_text, c.reply_ref, c.replied_at = channel, _text(text), reply_ref, at
    c.within_3_days = told_in_time(c, at)
    c.state = REPLIED
    return [_resolved(c)]


def _resolved(c: Complaint) -> Event:
    return Event("complaint.resolved", {**_ref(c), "kind": c.kind, "within_3_days": c.within_3_days,
                                        "second_complaints": c.second_complaints})


# --- unreasonable, out of scope ----------------------------------------------------------------------
def explain(c: Complaint, explanation: str, redirected_to: str | None, at: datetime) -> list[Event]:
    """An unreasonable complaint explained clearly (understanding asked for); an out-of-scope one
    pointed to the proper route or authority (``redirected_to``, rule ``route_required``: never a
    bare refusal [004 WI/FW-006 #17]). EXPLAINED, a return visit is due; emits ``complaint.resolved``."""
    _state(c, (RECEIVED,), "explained")
    if c.kind not in EXPLAINED_KINDS:
        raise Conflict("only an unreasonable or out-of-scope complaint is answered by an explanation",
                       field="kind", rule="unreasonable_or_out_of_scope_only")
    problems: list[Problem] = []
    text = _need(problems, "explanation", explanation, "what was explained to the complainant")
    route = _text(redirected_to)
    if c.kind == OUT_OF_SCOPE and route is None:
        problems.append(Problem("redirected_to", "route_required",
                                "tell the complainant which body or route handles it (do not just refuse)"))
    _raise(problems)
    c.explanation, c.redirected_to, c.replied_at = text, route, at
    c.within_3_days = told_in_time(c, at)
    c.state = EXPLAINED
    return [_resolved(c)]


# --- progress, reopening, review, closing ------------------------------------------------------------
def progress_notice(c: Complaint, channel: str, at: datetime) -> list[Event]:
    """The complainant is sent a progress notice (the outcome takes longer than 3 days): the next
    3 days start now. Only while the complainant has not been told the outcome."""
    _state(c, COMPLAINT_OPEN_STATES, "sent a progress notice")
    if channel not in COMPLAINT_REPLY_CHANNELS:
        raise ValidationError.one("channel", "one_of", f"one of {', '.join(COMPLAINT_REPLY_CHANNELS.codes)}")
    c.progress_notices += 1
    c.clock_from = at
    return [Event("complaint.progress_notified", {**_ref(c), "channel": channel,
                                                  "next_due": reply_due_at(c).isoformat()})]


def reopen(c: Complaint, reason: str, at: datetime) -> list[Event]:
    """A dissatisfied return visit or a second complaint on the same matter: REOPENED, counted as
    二次投诉, the complainant's next 3 days start now. Only once the complainant had been told the
    outcome (while it is still being handled, a call again is a chase: send a progress notice;
    rule ``not_told_yet``)."""
    if c.state == VOIDED:
        _state(c, (), "reopened")  # Conflict complaint_voided
    if c.state not in (*TOLD, CLOSED):
        raise Conflict(f"complaint {c.complaint_id} is still being handled: send a progress notice instead",
                       field="complaint_id", rule="not_told_yet")
    c.second_complaints += 1
    c.reopen_reason, c.reopened_at, c.clock_from = reason, at, at
    c.root_cause = None
    c.closed_at = None
    c.state = REOPENED
    return [Event("complaint.reopened", {**_ref(c), "reason": reason, "second_complaints": c.second_complaints})]


def review_root_cause(c: Complaint, root_cause: str, corrective: str, actor_id: str) -> list[Event]:
    """检讨分析原因: why the first handling did not satisfy, and the corrective measures now taken:
    a reopened complaint goes back to HANDLING."""
    if c.state != REOPENED:
        raise Conflict("only a reopened complaint has its root cause reviewed", field="complaint_id",
                       rule="not_reopened")
    problems: list[Problem] = []
    cause = _need(problems, "root_cause", root_cause, "the root cause found (检讨分析原因)")
    corrective = _need(problems, "corrective", corrective, "the corrective measures now taken")
    _raise(problems)
    c.root_cause, c.corrective, c.handled_by, c.state = cause, corrective, actor_id, HANDLING
    return []


def close(c: Complaint, feedback: str | None, satisfaction: str | None, at: datetime) -> list[Event]:
    """Process, result and the complainant's feedback recorded; filed (立卷备查). Only after the
    complainant was told (REPLIED / EXPLAINED); a reopened one needs its root-cause review first."""
    _state(c, TOLD, "closed")
    problems: list[Problem] = []
    c.feedback = _need(problems, "feedback", feedback, "the complainant's feedback (回访结果)")
    _raise(problems)
    c.satisfaction, c.closed_at, c.state = satisfaction, at, CLOSED
    return [Event("complaint.closed", {**_ref(c), "kind": c.kind, "within_3_days": c.within_3_days,
                                       "satisfaction": satisfaction, "second_complaints": c.second_complaints})]


# --- the record itself ---------------------------------------------------------------------------------
AMENDABLE_FIELDS = ("complainant", "complainant_phone", "summary", "category", "about_staff",
                    "about_department", "about")


def amend(c: Complaint, changes: dict) -> dict:
    """Correct the record (a wrong name, phone, summary, who it is about); answers {field: [before,
    after]} of what changed. Not on a closed or voided complaint."""
    _state(c, AMENDABLE, "amended")
    problems: list[Problem] = []
    cleaned = {}
    for name, value in changes.items():
        if name not in AMENDABLE_FIELDS:
            continue
        value = _text(value)
        if name in ("complainant", "summary") and value is None:
            problems.append(Problem(name, "required", "cannot be blanked"))
        elif name == "category" and value is not None and value not in COMPLAINT_CATEGORIES:
            problems.append(Problem(name, "one_of", f"one of {', '.join(COMPLAINT_CATEGORIES.codes)}"))
        elif name == "about_department" and value is not None and value not in STAFF_DEPARTMENTS:
            problems.append(Problem(name, "one_of", f"one of {', '.join(STAFF_DEPARTMENTS.codes)}"))
        cleaned[name] = value
    _raise(problems)
    changed = {}
    for name, value in cleaned.items():
        before = getattr(c, name)
        if before != value:
            setattr(c, name, value)
            changed[name] = [before, value]
    return changed


def void(c: Complaint, reason: str) -> None:
    """A complaint registered in error is voided with the reason; records are never deleted."""
    _state(c, AMENDABLE, "voided")
    problems: list[Problem] = []
    c.void_reason = _need(problems, "reason", reason, "why the complaint is voided")
    _raise(problems)
    c.state = VOIDED


def record_apology(c: Complaint, cause: str, letter_ref: str, issuer: str) -> None:
    """An apology letter in the management office's name (`issuer`), when the complaint came from a
    misunderstanding or an employee's mistake [000]; one per complaint."""
    _state(c, (MEASURES_SET, ESCALATED, REOPENED, HANDLING, RESULT_REPORTED, REPLIED, EXPLAINED, CLOSED),
           "given an apology letter")
    problems: list[Problem] = []
    if cause not in COMPLAINT_APOLOGY_CAUSES:
        problems.append(Problem("cause", "misunderstanding_or_mistake_only",
                                "an apology letter is sent when the cause was a misunderstanding or an "
                                "employee's mistake"))
    ref = _need(problems, "letter_ref", letter_ref, "the apology letter's reference")
    _raise(problems)
    if c.apology_ref is not None:
        raise Conflict("an apology letter is already recorded", field="letter_ref", rule="apology_already_recorded")
    c.apology_cause, c.apology_ref, c.apology_issuer = cause, ref, issuer


# --- monthly statistics (投诉统计表, domain.md §2.3 periodic work, §4) ----------------------------------
def statistics(rows) -> dict:
    """Counts of complaints (rows with kind, category, state, within_3_days, second_complaints):
    total; by kind, category and state; told within 3 days of receipt over those told; second
    complaints (二次投诉); resolution rate (closed over received, voided left out)."""
    rows = [r for r in rows if r.state != VOIDED]
    kinds: dict[str, int] = {}
    categories: dict[str, int] = {}
    states: dict[str, int] = {}
    for r in rows:
        kinds[r.kind or "untriaged"] = kinds.get(r.kind or "untriaged", 0) + 1
        categories[r.category or "other"] = categories.get(r.category or "other", 0) + 1
        states[r.state] = states.get(r.state, 0) + 1
    told = [r for r in rows if r.within_3_days is not None]
    closed = sum(1 for r in rows if r.state == CLOSED)
    return {
        "total": len(rows),
        "by_kind": kinds, "by_category": categories, "by_state": states,
        "told": len(told), "told_within_3_days": sum(1 for r in told if r.within_3_days),
        "second_complaints": sum(1 for r in rows if r.second_complaints),
        "closed": closed,
        "resolution_rate": round(closed / len(rows), 4) if rows else None,
    }


# --- what may be done next -------------------------------------------------------------------------------
def next_commands(c: Complaint) -> list[str]:
    """The commands the complaint's state allows now, in the desk's order."""
    s, k = c.state, c.kind
    out: list[str] = []
    if s == RECEIVED:
        out.append("triage_complaint")
        if k == ORDINARY:
            out.append("set_complaint_measures")
        if k in ESCALATED_KINDS:
            out.append("escalate_complaint")
        if k in EXPLAINED_KINDS:
            out.append("explain_complaint")
    elif s in (MEASURES_SET, ESCALATED):
        out.append("record_complaint_handling")
    elif s == HANDLING:
        out.append("report_complaint_result")
    elif s == RESULT_REPORTED:
        out.append("reply_to_complainant")
    elif s == REOPENED:
        out.append("review_complaint_cause")
    elif s in TOLD:
        out += ["close_complaint", "record_second_complaint"]
    elif s == CLOSED:
        out.append("record_second_complaint")
    if s in COMPLAINT_OPEN_STATES:
        out.append("send_progress_notice")
    if s not in (RECEIVED, VOIDED) and c.apology_ref is None:
        out.append("record_apology_letter")
    if s in AMENDABLE:
        out += ["amend_complaint", "void_complaint"]
    return out
