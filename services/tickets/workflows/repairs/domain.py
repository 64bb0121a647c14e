"""Repairs (报修) and engineering work orders (工程维修单 QR-001FW), pure domain logic (domain.md §2.2).

States (codes and labels: `propdesk.contracts.vocab.REPAIR_STATES`)::

    REPORTED --request_quote--> QUOTING --price--> AWAITING_CONSENT --consent--> REPORTED (consented)
                                                                    --declined--> CANCELLED
    REPORTED --price (from the 维修项目收费标准)--> AWAITING_CONSENT
    REPORTED --dispatch (WO issued; a paid repair only after consent)--> DISPATCHED
    DISPATCHED | RESCHEDULED --reschedule (owner contacted, new time agreed)--> RESCHEDULED
    DISPATCHED | RESCHEDULED | REOPENED --start (technician attends)--> IN_PROGRESS
    DISPATCHED | RESCHEDULED | IN_PROGRESS --mismatch confirmed by the 分管助理 (order cancelled,
        reason, signature)--> MISMATCH --re-issued by supervisor level or above (new WO linked)--> DISPATCHED
    IN_PROGRESS --complete (a paid repair: the client signs; charge requested)--> COMPLETED
    COMPLETED --CS acceptance failed (返单)--> REOPENED --start--> IN_PROGRESS ...
    COMPLETED --CS acceptance passed--> RETURN_VISIT (repair.accepted: a return visit is due)
    RETURN_VISIT --APP rating < 3--> ESCALATED (group hotline 95059)
    RETURN_VISIT | ESCALATED --return visit satisfied / APP rating >= 3--> CLOSED (闭单)
    RETURN_VISIT | ESCALATED --return visit dissatisfied--> REOPENED (rectification)
    (open states) --dispute (the other party refuses)--> DISPUTED --resolved (party decided)--> REPORTED
    (open states) --liaison note to the developer, owner's permission--> CLOSED, follow-up open

Functions take the repair (the `RepairOrder` row, or any object with its attributes) and the
time, change it, and return the events caused. They raise `propdesk.errors` naming field and rule.
Plain Python: no nameko, no SQL, no clock.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Callable
from decimal import Decimal, InvalidOperation

from propdesk.contracts import vocab
from propdesk.domain import Event, blank
from propdesk.errors import Conflict, Forbidden, Problem, ValidationError
from propdesk.money import money

S = vocab.REPAIR_STATES
REPORTED, QUOTING, AWAITING_CONSENT, DISPATCHED, RESCHEDULED, IN_PROGRESS, MISMATCH, DISPUTED, \
    COMPLETED, REOPENED, RETURN_VISIT, ESCALATED, CLOSED, CANCELLED = S.codes
OPEN_STATES = vocab.REPAIR_OPEN_STATES
FINAL_STATES = (CLOSED, CANCELLED)

#: list_repairs' coarse status (kept from the read-only list): "open", "closed", "cancelled".
STATUS_OPEN, STATUS_CLOSED, STATUS_CANCELLED = "open", "closed", "cancelled"

#: Channels a repair arrives by: entered at the desk, from a registered contact, the owner APP.
CHANNELS = ("desk", "contact", "app")

#: The attendance time when none is agreed at dispatch (domain.md §5: "within the set time", no
#: value given, configurable (inferred)): the next day, wall-clock (see docs/workflows/tickets-repairs.md).
DEFAULT_ATTENDANCE = timedelta(hours=24)
#: An APP rating below this escalates to the group hotline 95059 (domain.md §5).
ESCALATION_BELOW = 3
GROUP_HOTLINE = "95059"
MAX_TEXT = 500

#: States from which the technician may start (attend) the job.
STARTABLE = (DISPATCHED, RESCHEDULED, REOPENED)
#: States in which a work order is out with engineering (a mismatch may be found).
ON_ORDER = (DISPATCHED, RESCHEDULED, IN_PROGRESS)
#: States a dispute may be raised from (the responsible party refuses before the work is done).
DISPUTABLE = (REPORTED, QUOTING, AWAITING_CONSENT, DISPATCHED, RESCHEDULED, IN_PROGRESS)


def status_of(state: str) -> str:
    if state == CLOSED:
        return STATUS_CLOSED
    if state == CANCELLED:
        return STATUS_CANCELLED
    return STATUS_OPEN


def _set(repair, state: str, now: datetime) -> None:
    repair.state = state
    repair.status = status_of(state)
    repair.updated_at = now


def _conflict(repair, allowed: tuple[str, ...], what: str, rule: str = "wrong_state") -> None:
    if repair.state not in allowed:
        raise Conflict(f"repair {repair.repair_no} is {repair.state}: cannot {what} "
                       f"(only when {', '.join(allowed)})", field="repair_id", rule=rule)


def _text(problems: list[Problem], field: str, value, rule: str, message: str, required: bool = True) -> str | None:
    if blank(value):
        if required:
            problems.append(Problem(field, rule, message))
        return None
    text = str(value).strip()
    if len(text) > MAX_TEXT:
        problems.append(Problem(field, "too_long", f"at most {MAX_TEXT} characters"))
    return text


def _raise(problems: list[Problem]) -> None:
    if problems:
        raise ValidationError(problems)


def _step(repair, event_type: str, **extra) -> Event:
    return Event(event_type, {"repair_id": repair.repair_id, "repair_no": repair.repair_no,
                              "work_order_no": repair.work_order_no, "unit_id": repair.unit_id,
                              "estate": repair.estate, "state": repair.state, **extra})


# --- report ----------------------------------------------------------------------------------------
def validate_report(*, unit_id, unit_estate, location, category, responsible, summary, paid, channel) -> dict:
    """The checked fields of a new repair, or ValidationError naming every problem: a unit or a
    common-area location (``unit_or_location``), a known unit (``unknown_unit``: `unit_estate` is
    None), category (REPAIR_CATEGORIES), responsible party (REPAIR_RESPONSIBLE_PARTIES), summary
    (required); a paid repair is in a unit (``paid_repair_needs_unit``: billing charges a unit)."""
    problems: list[Problem] = []
    if blank(unit_id) and blank(location):
        problems.append(Problem("unit_id", "unit_or_location", "name the unit, or the common-area location"))
    elif not blank(unit_id) and unit_estate is None:
        problems.append(Problem("unit_id", "unknown_unit", f"no unit {unit_id}"))
    if category not in vocab.REPAIR_CATEGORIES:
        problems.append(Problem("category", "one_of", f"one of {', '.join(vocab.REPAIR_CATEGORIES.codes)}"))
    if responsible not in vocab.REPAIR_RESPONSIBLE_PARTIES:
        problems.append(Problem("responsible", "one_of",
                                f"one of {', '.join(vocab.REPAIR_RESPONSIBLE_PARTIES.codes)}"))
    text = _text(problems, "summary", summary, "required", "what is to be repaired (报修内容)")
    if paid and blank(unit_id):
        problems.append(Problem("paid", "paid_repair_needs_unit", "a paid repair is charged to a unit"))
    if channel not in CHANNELS:
        problems.append(Problem("channel", "one_of", f"one of {', '.join(CHANNELS)}"))
    _raise(problems)
    return {"unit_id": None if blank(unit_id) else str(unit_id).strip(),
            "location": (str(location).strip() if not blank(location) else str(unit_id).strip())[:128],
            "category": category, "responsible": responsible, "summary": text, "paid": bool(paid)}


def report(repair, now: datetime) -> list[Event]:
    """A new repair is REPORTED: emits ``repair.reported``."""
    _set(repair, REPORTED, now)
    repair.created_at = now
    repair.reported_on = now.date()
    repair.reopen_count = 0
    return [Event("repair.reported", {"repair_id": repair.repair_id, "repair_no": repair.repair_no,
                                      "contact_id": repair.contact_id, "unit_id": repair.unit_id,
                                      "estate": repair.estate, "category": repair.category,
                                      "summary": repair.summary})]


# --- paid repairs (有偿维修) ----------------------------------------------------------------------
def request_quote(repair, now: datetime) -> list[Event]:
    """The item is not on the 维修项目收费标准: engineering quotes it (QUOTING)."""
    _conflict(repair, (REPORTED,), "ask engineering for a quote")
    if repair.consent_at is not None:
        raise Conflict(f"repair {repair.repair_no}: the owner already agreed to a price", field="repair_id",
                       rule="already_consented")
    repair.paid = True
    _set(repair, QUOTING, now)
    return [_step(repair, "repair.quote_requested")]


def price(repair, now: datetime, *, source: str, item=None, quantity=None, amount=None, role: str) -> list[Event]:
    """Price a paid repair: from a 维修项目收费标准 item (`item`: {code, name, price}) times
    `quantity`, or an engineering quote (`amount`, given by engineering only: ``quote_by_engineering``).
    REPORTED or QUOTING -> AWAITING_CONSENT; emits ``repair.quote_issued``."""
    _conflict(repair, (REPORTED, QUOTING), "price the repair")
    if repair.consent_at is not None:
        raise Conflict(f"repair {repair.repair_no}: the owner already agreed to a price", field="repair_id",
                       rule="already_consented")
    if repair.unit_id is None:
        raise ValidationError.one("repair_id", "paid_repair_needs_unit", "a paid repair is charged to a unit")
    problems: list[Problem] = []
    if source == "standard":
        if item is None:
            problems.append(Problem("price_item", "unknown_price_item", "an item of the 维修项目收费标准"))
        qty = _decimal(problems, "quantity", 1 if quantity is None else quantity, positive=True)
        _raise(problems)
        total = Decimal(item["price"]) * qty
        repair.price_item = item["code"]
        description = f"{item['name']} x {qty.normalize()}"
    elif source == "engineering_quote":
        if role != "engineering":
            raise Forbidden("items not on the 维修项目收费标准 are quoted by engineering",
                            field="price_source", rule="quote_by_engineering")
        total = _decimal(problems, "amount", amount, positive=True)
        _raise(problems)
        repair.price_item = None
        description = repair.summary
    else:
        raise ValidationError.one("price_source", "one_of", "standard or engineering_quote")
    if total > vocab.MAX_AMOUNT:
        raise ValidationError.one("amount", "range", "too large")
    repair.paid, repair.price_source = True, source
    repair.amount = total.quantize(Decimal("0.01"))
    repair.charge_description = description[:200]
    _set(repair, AWAITING_CONSENT, now)
    return [_step(repair, "repair.quote_issued", price_source=source, amount=money(repair.amount))]


def _decimal(problems, field, value, positive=False) -> Decimal:
    try:
        d = Decimal(str(value))
        if not d.is_finite():
            raise InvalidOperation
    except (InvalidOperation, ValueError, TypeError):
        problems.append(Problem(field, "number", "a number"))
        return Decimal(0)
    if positive and d <= 0:
        problems.append(Problem(field, "positive", "more than zero"))
    if d.as_tuple().exponent < -2:
        problems.append(Problem(field, "cents", "at most two decimals"))
    return d


def record_consent(repair, now: datetime, *, consented: bool, consented_by, note=None) -> list[Event]:
    """The owner was told the charge standard and agrees to pay (-> REPORTED, ready for dispatch)
    or declines (-> CANCELLED, rule of record ``consent_declined``). `consented_by` (the client's
    name) is required either way (``consented_by``, required)."""
    _conflict(repair, (AWAITING_CONSENT,), "record the owner's consent")
    problems: list[Problem] = []
    who = _text(problems, "consented_by", consented_by, "required", "the client who agreed or declined")
    _raise(problems)
    repair.consent_by = who
    if consented:
        repair.consent_at = now
        _set(repair, REPORTED, now)
        return [_step(repair, "repair.consent_given", amount=money(repair.amount), consented_by=who)]
    repair.cancel_reason = f"consent_declined: {note.strip()}" if not blank(note) else "consent_declined"
    _set(repair, CANCELLED, now)
    repair.closed_at = now
    return [_step(repair, "repair.cancelled", reason=repair.cancel_reason)]


# --- dispatch, attendance, reschedule -------------------------------------------------------------
def attendance_due(now: datetime, agreed: datetime | None) -> datetime:
    """The attendance deadline: the agreed time (预约维修时间), else `DEFAULT_ATTENDANCE` from now."""
    return agreed if agreed is not None else now + DEFAULT_ATTENDANCE


def validate_dispatch(*, team, follow_up, due_at: datetime | None, now: datetime, category=None) -> None:
    """The team (REPAIR_TEAMS), the follow-up assistant (required), an agreed time still to come,
    and, when the desk sets it now, the category (REPAIR_CATEGORIES)."""
    problems: list[Problem] = []
    if category is not None and category not in vocab.REPAIR_CATEGORIES:
        problems.append(Problem("category", "one_of", f"one of {', '.join(vocab.REPAIR_CATEGORIES.codes)}"))
    if team not in vocab.REPAIR_TEAMS:
        problems.append(Problem("team", "one_of", f"one of {', '.join(vocab.REPAIR_TEAMS.codes)}"))
    _text(problems, "follow_up", follow_up, "required", "the CS assistant who follows the repair up (by area)")
    if due_at is not None and due_at <= now:
        problems.append(Problem("attend_by", "in_future", "the agreed time is still to come"))
    _raise(problems)


def dispatch(repair, now: datetime, *, number: Callable[[], str], team: str, follow_up: str,
             due_at: datetime) -> list[Event]:
    """Issue the 工程维修单 (REPORTED -> DISPATCHED) under the number `number()` draws once the
    dispatch is allowed. A paid repair only after the owner's consent (Conflict ``no_dispatch_before_consent``)."""
    if repair.state in (QUOTING, AWAITING_CONSENT) or (repair.paid and repair.consent_at is None):
        raise Conflict(f"repair {repair.repair_no} is paid: the owner's consent comes before dispatch",
                       field="repair_id", rule="no_dispatch_before_consent")
    _conflict(repair, (REPORTED,), "dispatch")
    return _issue(repair, now, number(), team, follow_up, due_at, "repair.dispatched")


def _issue(repair, now, work_order_no, team, follow_up, due_at, event_type, **extra) -> list[Event]:
    repair.work_order_no, repair.team, repair.follow_up = work_order_no, team, str(follow_up).strip()
    repair.attend_by = due_at
    repair.dispatched_at = now
    _set(repair, DISPATCHED, now)
    return [_step(repair, event_type, team=team, follow_up=repair.follow_up, due_at=due_at.isoformat(), **extra)]


def reschedule(repair, now: datetime, *, owner_contacted: bool, new_time: datetime | None, agreed_with) -> list[Event]:
    """The set time cannot be met: the owner is contacted first (``owner_contacted_first``) and a
    new time agreed (``new_time`` in_future; ``agreed_with`` required) -> RESCHEDULED; the
    attendance deadline moves to the new time."""
    _conflict(repair, (DISPATCHED, RESCHEDULED), "reschedule")
    problems: list[Problem] = []
    if not owner_contacted:
        problems.append(Problem("owner_contacted", "owner_contacted_first",
                                "contact the owner before changing the time"))
    if new_time is None:
        problems.append(Problem("new_time", "required", "the new time agreed with the owner"))
    elif new_time <= now:
        problems.append(Problem("new_time", "in_future", "the new time is still to come"))
    who = _text(problems, "agreed_with", agreed_with, "required", "who agreed the new time")
    _raise(problems)
    repair.attend_by = new_time
    repair.reschedule_count = (repair.reschedule_count or 0) + 1
    _set(repair, RESCHEDULED, now)
    return [_step(repair, "repair.rescheduled", new_time=new_time.isoformat(), agreed_with=who)]


def start(repair, now: datetime, *, technician: str) -> list[Event]:
    """The technician attends (draws material, starts): -> IN_PROGRESS."""
    _conflict(repair, STARTABLE, "start the work")
    repair.technician = technician
    repair.started_at = now
    _set(repair, IN_PROGRESS, now)
    return [_step(repair, "repair.started", technician=technician)]


# --- mismatch (单实不符) --------------------------------------------------------------------------
def cancel_mismatched(repair, now: datetime, *, reason, signature, confirmed_by: str) -> list[Event]:
    """The 分管助理 confirms the job differs from the order: the work order is cancelled with a
    reason and a signature (both required) -> MISMATCH, awaiting re-issue."""
    _conflict(repair, ON_ORDER, "cancel the work order as mismatched")
    problems: list[Problem] = []
    why = _text(problems, "reason", reason, "required", "why the order does not match the job")
    sign = _text(problems, "signature", signature, "signature_required", "the 分管助理's signature")
    _raise(problems)
    repair.cancel_reason, repair.cancel_signature, repair.mismatch_confirmed_by = why, sign, confirmed_by
    _set(repair, MISMATCH, now)
    return [_step(repair, "repair.order_cancelled", reason=why, confirmed_by=confirmed_by)]


def reissue(repair, now: datetime, *, number: Callable[[], str], team: str, follow_up: str, due_at: datetime,
            reissued_by: str, summary=None) -> list[Event]:
    """Supervisor level or above re-issues the order (the policy table refuses anyone else):
    MISMATCH -> DISPATCHED with a new work order number, linked to the cancelled one."""
    _conflict(repair, (MISMATCH,), "re-issue the work order", rule="mismatch_confirmed_first")
    old = repair.work_order_no
    if not blank(summary):
        repair.summary = str(summary).strip()[:MAX_TEXT]
    return _issue(repair, now, number(), team, follow_up, due_at, "repair.order_reissued",
                  old_work_order_no=old, reissued_by=reissued_by)


# --- completion, CS acceptance ----------------------------------------------------------------------
def complete(repair, now: datetime, *, completed_by: str, client_signature, materials=None) -> list[Event]:
    """Engineering returns the order (copies 1 and 4): IN_PROGRESS -> COMPLETED. A paid repair is
    signed by the client (``client_signature_required``) and its charge is requested from billing."""
    _conflict(repair, (IN_PROGRESS,), "complete the work")
    problems: list[Problem] = []
    sign = _text(problems, "client_signature", client_signature, "client_signature_required",
                 "the client signs to accept the paid work", required=bool(repair.paid))
    _raise(problems)
    repair.completed_at, repair.completed_by = now, completed_by
    repair.client_signed_by = sign
    repair.materials = None if blank(materials) else str(materials).strip()[:MAX_TEXT]
    _set(repair, COMPLETED, now)
    events = [_step(repair, "repair.completed", completed_by=completed_by)]
    if repair.paid and not repair.charge_requested:
        repair.charge_requested = True
        events.append(Event("repair.charge_requested", {
            "repair_id": repair.repair_id, "work_order_no": repair.work_order_no, "unit_id": repair.unit_id,
            "estate": repair.estate, "amount": money(repair.amount),
            "description": f"{repair.work_order_no} {repair.charge_description or repair.summary}"[:200],
            "signed_by": sign}))
    return events


def record_acceptance(repair, now: datetime, *, passed: bool, defects, inspector: str) -> list[Event]:
    """CS acceptance on the next patrol: passed -> RETURN_VISIT (``repair.accepted``: a return
    visit is due); failed -> REOPENED (返单, the defects listed: ``defects_required``)."""
    _conflict(repair, (COMPLETED,), "record the CS acceptance")
    if passed:
        repair.accepted_by, repair.accepted_at = inspector, now
        repair.defects = None
        _set(repair, RETURN_VISIT, now)
        return [Event("repair.accepted", {"repair_id": repair.repair_id, "repair_no": repair.repair_no,
                                          "unit_id": repair.unit_id, "estate": repair.estate,
                                          "owner": repair.client_name})]
    problems: list[Problem] = []
    what = _text(problems, "defects", defects, "defects_required", "what is still wrong (返单)")
    _raise(problems)
    return _reopen(repair, now, what, "acceptance_failed", inspector)


def _reopen(repair, now, defects, reason, by) -> list[Event]:
    """返单: back to engineering on the same work order, to be attended again within
    `DEFAULT_ATTENDANCE` (the repair's attendance deadline is set anew)."""
    repair.defects = defects
    repair.reopen_count = (repair.reopen_count or 0) + 1
    repair.attend_by = now + DEFAULT_ATTENDANCE
    _set(repair, REOPENED, now)
    return [_step(repair, "repair.reopened", reason=reason, defects=defects, by=by)]


# --- return visit, APP rating, closing --------------------------------------------------------------
def visited(repair, now: datetime, *, overall: str, visit_id: str) -> list[Event]:
    """A return visit of this repair was recorded: satisfied / fairly satisfied -> CLOSED (闭单);
    dissatisfied -> REOPENED (rectification). Outside RETURN_VISIT / ESCALATED nothing changes
    (returns no events; the caller audits it)."""
    if repair.state not in (RETURN_VISIT, ESCALATED):
        return []
    if overall == "dissatisfied":
        return _reopen(repair, now, "回访不满意 dissatisfied at return visit", "return_visit_dissatisfied", visit_id)
    return close(repair, now, confirmed_by=visit_id, how="return_visit")


def close(repair, now: datetime, *, confirmed_by: str, how: str) -> list[Event]:
    repair.closed_at = now
    _set(repair, CLOSED, now)
    return [_step(repair, "repair.closed", how=how, confirmed_by=confirmed_by,
                  follow_up_open=bool(repair.follow_up_open))]


def rate(repair, now: datetime, *, rating, comment=None) -> list[Event]:
    """The owner rates the repair in the APP (1-5): below 3 -> ESCALATED to the group hotline 95059
    (``repair.escalated``); otherwise the return visit is done -> CLOSED."""
    _conflict(repair, (RETURN_VISIT,), "rate the repair", rule="rated_after_acceptance")
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise ValidationError.one("rating", "range", "a whole number from 1 to 5")
    repair.rating = rating
    repair.rating_comment = None if blank(comment) else str(comment).strip()[:MAX_TEXT]
    repair.rated_at = now
    if rating < ESCALATION_BELOW:
        repair.escalated_at = now
        _set(repair, ESCALATED, now)
        return [_step(repair, "repair.escalated", rating=rating, comment=repair.rating_comment,
                      hotline=GROUP_HOTLINE)]
    return close(repair, now, confirmed_by="app_rating", how="app_rating")


# --- disputes, quality defects (工作联系单) -----------------------------------------------------------
def dispute(repair, now: datetime, *, other_party, reason) -> list[Event]:
    """The responsible party refuses or responsibility is disputed -> DISPUTED (the order, if out,
    is held; its attendance deadline no longer runs)."""
    _conflict(repair, DISPUTABLE, "mark the repair disputed")
    problems: list[Problem] = []
    if other_party not in vocab.REPAIR_RESPONSIBLE_PARTIES:
        problems.append(Problem("other_party", "one_of",
                                f"one of {', '.join(vocab.REPAIR_RESPONSIBLE_PARTIES.codes)}"))
    why = _text(problems, "reason", reason, "required", "what is disputed")
    _raise(problems)
    repair.disputed_with, repair.dispute_reason, repair.state_before_dispute = other_party, why, repair.state
    _set(repair, DISPUTED, now)
    return [_step(repair, "repair.disputed", other_party=other_party, reason=why)]


def resolve_dispute(repair, now: datetime, *, responsible) -> list[Event]:
    """The dispute is settled: the responsible party decided -> REPORTED, to be dispatched again
    (a work order out before is superseded by the new dispatch)."""
    _conflict(repair, (DISPUTED,), "settle the dispute")
    if responsible not in vocab.REPAIR_RESPONSIBLE_PARTIES:
        raise ValidationError.one("responsible", "one_of",
                                  f"one of {', '.join(vocab.REPAIR_RESPONSIBLE_PARTIES.codes)}")
    repair.responsible = responsible
    repair.attend_by = None
    _set(repair, REPORTED, now)
    return [_step(repair, "repair.dispute_resolved", responsible=responsible)]


def close_with_liaison(repair, now: datetime, *, number: Callable[[], str], note, owner_permission: bool,
                       by: str) -> list[Event]:
    """A quality defect of a fitted-out unit (精装) that cannot be fixed quickly: a 工作联系单 goes
    to the developer (the real-estate department) and the repair is closed with the owner's
    permission (``owner_permission_required``), its follow-up left open."""
    _conflict(repair, OPEN_STATES, "close with a liaison note")
    problems: list[Problem] = []
    if not owner_permission:
        problems.append(Problem("owner_permission", "owner_permission_required",
                                "the owner permits closing while the developer follows up"))
    text = _text(problems, "note", note, "required", "the defect and what the developer is asked to do")
    _raise(problems)
    liaison_no = number()
    repair.liaison_no, repair.liaison_note = liaison_no, text
    repair.responsible = "developer"
    repair.follow_up_open = True
    events = [_step(repair, "repair.liaison_sent", liaison_no=liaison_no, note=text)]
    return events + close(repair, now, confirmed_by=by, how="owner_permission")


def settle_follow_up(repair, now: datetime, *, outcome) -> list[Event]:
    """The developer's follow-up of a repair closed with a liaison note is done."""
    if not repair.follow_up_open:
        raise Conflict(f"repair {repair.repair_no} has no open follow-up", field="repair_id", rule="no_follow_up_open")
    problems: list[Problem] = []
    text = _text(problems, "outcome", outcome, "required", "what the developer did")
    _raise(problems)
    repair.follow_up_open = False
    repair.follow_up_outcome = text
    repair.updated_at = now
    return [_step(repair, "repair.follow_up_settled", outcome=text)]


# --- what may be done next --------------------------------------------------------------------------
def next_commands(repair) -> list[str]:
    s = repair.state
    out: list[str] = []
    if s == REPORTED:
        out += ["dispatch_repair"] if (not repair.paid or repair.consent_at is not None) else []
        out += ["request_quote", "price_repair"] if repair.consent_at is None and repair.unit_id else []
    if s == QUOTING:
        out.append("price_repair")
    if s == AWAITING_CONSENT:
        out.append("record_consent")
    if s in (DISPATCHED, RESCHEDULED):
        out.append("reschedule_repair")
    if s in STARTABLE:
        out.append("start_repair")
    if s in ON_ORDER:
        out.append("cancel_mismatched_order")
    if s == MISMATCH:
        out.append("reissue_work_order")
    if s == IN_PROGRESS:
        out.append("complete_repair")
    if s == COMPLETED:
        out.append("record_acceptance")
    if s == RETURN_VISIT:
        out.append("rate_repair")
    if s in DISPUTABLE:
        out.append("dispute_repair")
    if s == DISPUTED:
        out.append("resolve_dispute")
    if s in OPEN_STATES:
        out.append("close_with_liaison")
    if repair.follow_up_open:
        out.append("settle_follow_up")
    return out
