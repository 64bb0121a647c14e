"""The contact log (来电来访登记, domain.md §2.1), pure domain logic: no nameko, no SQL, no I/O, no clock.

Every call, visit, letter, email, walkie-talkie call, owner-APP submission or patrol/department
finding is registered in 《来电来访记录表》 and put into exactly one of four classes [000]:
咨询 inquiry, 办手续 procedure, 报修 repair, 投诉 complaint. The states (codes and words:
`propdesk.contracts.vocab.CONTACT_STATES`)::

    register_contact ─┬─ inquiry/procedure answered at once ──────────────► CLOSED (FCR)
                      ├─ inquiry/procedure ─► RECEIVED ─┬─ answer_contact / close_contact ─► CLOSED
                      │                                 └─ arrange_reply (inquiry: needs an expert,
                      │                                    reply time agreed) ─► AWAITING_REPLY
                      │                                      └─ answer_contact ─► CLOSED (not FCR)
                      └─ repair/complaint ─► AWAITING_TICKET ─(repair.reported /
                                                               complaint.registered)─► TICKET_OPENED

First-contact ownership (首问负责制, §1.3 [004 WI/FW-009, WI/FW-015 #2]): whoever received the
contact owns it until it is closed. Only the owner, or a CS supervisor or above, may answer,
close or hand it over; a hand-over names the new owner (and why), and the new owner answers for
it from then on.

First-contact resolution (FCR, §4 "一次性解决问题的呼叫率": resolved with no repeat call from the
caller and no callback from the agent) is recorded on every contact when it ends: true when the
receiver resolved it themselves at the first contact — answered or done in the registration, or
by the receiver within `FIRST_CONTACT_MINUTES` of receipt (the same call or visit), never handed
over, with no reply arranged and no repeat call *(inferred)*; false for a reply given later, a
hand-over, a repair or complaint (the matter goes on as a ticket), and a contact the caller called
again about (a later contact registered with ``repeat_of``: its FCR is withdrawn).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from propdesk.chassis.calendar import OFFICE_TZ
from propdesk.contracts.vocab import CONTACT_CHANNELS, CONTACT_CLASSES, CONTACT_CLOSED, CONTACT_STATES, ESTATES
from propdesk.domain import Event, as_utc, blank
from propdesk.errors import Conflict, Forbidden, Problem, ValidationError
from propdesk.privacy import mask_text

# --- states and classes (codes and labels: propdesk.contracts.vocab) --------------------------------
RECEIVED = "RECEIVED"
AWAITING_REPLY = "AWAITING_REPLY"
AWAITING_TICKET = "AWAITING_TICKET"
TICKET_OPENED = "TICKET_OPENED"
CLOSED = "CLOSED"
STATES: tuple[str, ...] = CONTACT_STATES.codes
assert all(s in STATES for s in (RECEIVED, AWAITING_REPLY, AWAITING_TICKET, TICKET_OPENED, CLOSED))
OPEN_STATES: tuple[str, ...] = tuple(s for s in STATES if s not in CONTACT_CLOSED)

INQUIRY, PROCEDURE, REPAIR, COMPLAINT = "inquiry", "procedure", "repair", "complaint"
assert CONTACT_CLASSES.codes == (INQUIRY, PROCEDURE, REPAIR, COMPLAINT)
#: Classes whose contact becomes a ticket of its own (§2.1: REPAIR spawns 2.2, COMPLAINT 2.3).
TICKET_CLASSES = (REPAIR, COMPLAINT)
#: The channel of a patrol or department finding: staff found it, nobody called (no caller required).
FINDING = "finding"

#: Roles that may act on a contact they do not own (首问负责制: "CS supervisor and above").
SUPERVISORS = frozenset({"cs_supervisor", "cs_manager", "director"})

#: How long after receipt the receiver may still record an answer as given at the first contact (the
#: same call or visit: registered first, answered while the caller waits). (inferred)
FIRST_CONTACT_MINUTES = 30
#: An agreed reply time is at most this far after receipt: "限时服务制 … 天内必需给明确回复"
#: [004 WI/FW-006 #5] with the number of days missing, defaulted to 3 (domain.md §9.2). Wall clock:
#: the time is agreed with the caller as a moment, not counted in working days.
MAX_REPLY_DAYS = 3

MAX_NAME = 64
MAX_SUMMARY = 1000
MAX_TEXT = 1000
MAX_UNIT_ID = 32
MAX_STAFF_ID = 64
_UNIT_ID = re.compile(r"^[0-9A-Za-z][0-9A-Za-z\-]*$")
_PHONE = re.compile(r"^\+?[0-9][0-9 \-]{4,23}$")


@dataclass(kw_only=True)
class Contact:
    """One entry of 《来电来访记录表》: time, place (unit), name, contact number, issue, class [000]."""

    contact_id: str
    channel: str
    classification: str
    caller_name: str | None
    caller_phone: str | None = None
    unit_id: str | None = None
    estate: str
    summary: str
    received_by: str
    received_at: datetime
    #: who answers for it now (首问负责人: the receiver until a hand-over)
    owner: str
    state: str = RECEIVED
    #: the answer given (inquiry) or what was done (procedure)
    outcome: str | None = None
    #: where a procedure was passed on (the owning workflow: release slip, pass, renovation, payment…)
    referred_to: str | None = None
    #: an inquiry that needs an expert: who is consulted, and the reply time agreed with the caller
    expert: str | None = None
    reply_due_at: datetime | None = None
    replied_late: bool | None = None
    ticket_type: str | None = None
    ticket_id: str | None = None
    ticket_no: str | None = None
    handovers: list[dict] = field(default_factory=list)
    #: the earlier contact this one calls again about (a repeat call), and how many repeat calls this
    #: one has had: a contact the caller had to call again about was not resolved at the first contact
    repeat_of: str | None = None
    repeat_calls: int = 0
    fcr: bool | None = None
    closed_by: str | None = None
    closed_at: datetime | None = None


# --- helpers ------------------------------------------------------------------------------------------
def is_open(contact) -> bool:
    return contact.state not in CONTACT_CLOSED


def masked_phone(phone: str | None) -> str | None:
    """A contact number as lists and events show it: a mobile as 138****5678, any other number
    with only its last four digits (a landline is personal too)."""
    if blank(phone):
        return None
    phone = phone.strip()
    masked = mask_text(phone)
    if masked != phone:
        return masked
    digits = sum(c.isdigit() for c in phone)
    keep, seen, out = 4, 0, []
    for c in reversed(phone):
        if c.isdigit():
            seen += 1
            out.append(c if seen <= keep or digits <= keep else "*")
        else:
            out.append(c)
    return "".join(reversed(out))


def _moment(value: str) -> datetime | None:
    """An ISO time; one without an offset is office time (Asia/Shanghai: the desk's datetime field)."""
    value = value.strip()
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=OFFICE_TZ)


def _text(value) -> str | None:
    return None if blank(value) else value.strip()


def _too_long(problems: list[Problem], name: str, value: str | None, limit: int) -> None:
    if value is not None and len(value) > limit:
        problems.append(Problem(name, "length", f"at most {limit} characters"))


# --- registering ----------------------------------------------------------------------------------------
def validate_registration(data: dict, *, unit_estate: str | None, scope: tuple[str, ...] | None) -> dict:
    """Check a contact to register and answer it normalised (stripped, the estate settled); report
    every broken rule at once (ValidationError).

    ==================  ============================  ==============================================
    field               rule                          when
    ==================  ============================  ==============================================
    channel             required / one_of             missing / not a CONTACT_CHANNELS code
    classification      required / one_of             missing / not a CONTACT_CLASSES code (exactly one)
    caller_name         required                      blank, unless the channel is a finding
    caller_phone        phone                         not a telephone number
    unit_id             format                        not a unit id (e.g. 1-1-401, T1-24F)
    unit_id             unknown_unit                  a unit of an estate the person does not work for
    estate              one_of                        not an ESTATES code
    estate              not_the_units_estate          given and not the unit's estate
    estate              required_without_unit         no unit, no estate, and not one estate to assume
    estate              outside_your_estates          an estate the person does not work for
    summary             required / length             blank / too long
    answer              not_for_tickets               an answer given for a repair or complaint
    ==================  ============================  ==============================================

    `unit_estate` is the unit's estate (propdesk.demo.estate_of), `scope` the estates of the person
    registering (None: not scoped)."""
    problems: list[Problem] = []
    channel = _text(data.get("channel"))
    if channel is None:
        problems.append(Problem("channel", "required", "say how the contact came in"))
    elif channel not in CONTACT_CHANNELS:
        problems.append(Problem("channel", "one_of", f"one of {', '.join(CONTACT_CHANNELS.codes)}"))
    classification = _text(data.get("classification"))
    if classification is None:
        problems.append(Problem("classification", "required",
                                "classify the contact: inquiry, procedure, repair or complaint (咨询/办手续/报修/投诉)"))
    elif classification not in CONTACT_CLASSES:
        problems.append(Problem("classification", "one_of", f"one of {', '.join(CONTACT_CLASSES.codes)}"))

    caller_name = _text(data.get("caller_name"))
    if caller_name is None and channel != FINDING:
        problems.append(Problem("caller_name", "required", "name the caller or visitor"))
    _too_long(problems, "caller_name", caller_name, MAX_NAME)
    caller_phone = _text(data.get("caller_phone"))
    if caller_phone is not None and not _PHONE.match(caller_phone):
        problems.append(Problem("caller_phone", "phone", "a telephone number: digits, spaces and dashes, 5 to 24"))

    unit_id = _text(data.get("unit_id"))
    if unit_id is not None and (len(unit_id) > MAX_UNIT_ID or not _UNIT_ID.match(unit_id)):
        problems.append(Problem("unit_id", "format", "a unit id such as 1-1-401 or T1-24F (none for a common area)"))
        unit_id = None
    estate = _text(data.get("estate"))
    if estate is not None and estate not in ESTATES:
        problems.append(Problem("estate", "one_of", f"one of {', '.join(ESTATES.codes)}"))
        estate = None
    elif unit_id is not None:
        if scope is not None and unit_estate not in scope:
            problems.append(Problem("unit_id", "unknown_unit", f"no unit {unit_id} in your estates"))
        elif estate is not None and estate != unit_estate:
            problems.append(Problem("estate", "not_the_units_estate", f"unit {unit_id} is in estate {unit_estate}"))
        estate = unit_estate
    elif estate is None:
        if scope is not None and len(scope) == 1:
            estate = scope[0]
        else:
            problems.append(Problem("estate", "required_without_unit",
                                    "a contact about a common area names its estate (管理处)"))
    if estate is not None and unit_id is None and scope is not None and estate not in scope:
        problems.append(Problem("estate", "outside_your_estates", f"you do not work for estate {estate}"))

    summary = _text(data.get("summary"))
    if summary is None:
        problems.append(Problem("summary", "required", "what the contact is about (事由)"))
    _too_long(problems, "summary", summary, MAX_SUMMARY)
    repeat_of = _text(data.get("repeat_of"))
    _too_long(problems, "repeat_of", repeat_of, MAX_UNIT_ID)
    answer = _text(data.get("answer"))
    if answer is not None and classification in TICKET_CLASSES:
        problems.append(Problem("answer", "not_for_tickets",
                                "a repair or complaint is not answered here: it opens its ticket"))
    _too_long(problems, "answer", answer, MAX_TEXT)
    if problems:
        raise ValidationError(problems)
    return {"repeat_of": repeat_of, "channel": channel, "classification": classification, "caller_name": caller_name,
            "caller_phone": caller_phone, "unit_id": unit_id, "estate": estate, "summary": summary, "answer": answer}


def register(contact_id: str, data: dict, received_by: str, at: datetime) -> tuple[Contact, list[Event]]:
    """A new contact from `validate_registration`'s answer, received by `received_by` at `at`, and
    the events it causes: ``contact.registered`` (repairs and complaints open their tickets from
    it), and ``contact.closed`` too when it was answered or done at once (FCR)."""
    cls = data["classification"]
    contact = Contact(
        contact_id=contact_id, channel=data["channel"], classification=cls, caller_name=data["caller_name"],
        caller_phone=data["caller_phone"], unit_id=data["unit_id"], estate=data["estate"], summary=data["summary"],
        received_by=received_by, received_at=at, owner=received_by,
        state=AWAITING_TICKET if cls in TICKET_CLASSES else RECEIVED, handovers=[],
        repeat_of=data.get("repeat_of"), repeat_calls=0,
    )
    events = [Event("contact.registered", registered_payload(contact))]
    if data["answer"] is not None:
        contact.outcome = data["answer"]
        events += _close(contact, CLOSED, received_by, at, fcr=True)
    return contact, events


def registered_payload(contact) -> dict:
    return {
        "contact_id": contact.contact_id, "contact_no": contact.contact_id, "channel": contact.channel,
        "classification": contact.classification, "unit_id": contact.unit_id, "estate": contact.estate,
        "caller": contact.caller_name, "caller_phone": masked_phone(contact.caller_phone),
        "summary": contact.summary, "received_by": contact.received_by,
        "received_at": as_utc(contact.received_at).isoformat(), "repeat_of": contact.repeat_of,
    }


def repeat_call(earlier, contact_id: str) -> bool:
    """The caller called again (`contact_id`) about `earlier` (§4: FCR means no repeat call from the
    caller): it was not resolved at the first contact. Its FCR becomes false if it was true, and an
    open one can no longer be closed as FCR. Returns whether a recorded FCR was withdrawn.
    ValidationError (repeat_of, not_itself) for the contact itself."""
    if earlier.contact_id == contact_id:
        raise ValidationError.one("repeat_of", "not_itself", "a contact is not a repeat of itself")
    earlier.repeat_calls = (earlier.repeat_calls or 0) + 1
    withdrawn = earlier.fcr is True
    if withdrawn:
        earlier.fcr = False
    return withdrawn


# --- who may act ------------------------------------------------------------------------------------------
def check_owner(contact, actor_id: str, role: str) -> None:
    """首问负责制: only the contact's owner, or a CS supervisor or above, acts on it (Forbidden
    contact_id/first_contact_owner)."""
    if actor_id == contact.owner or role in SUPERVISORS:
        return
    raise Forbidden(f"contact {contact.contact_id} is owned by {contact.owner} (首问负责制): only the owner "
                    "or a CS supervisor or above may act on it", field="contact_id", rule="first_contact_owner")


def _require_state(contact, states: tuple[str, ...], what: str) -> None:
    if contact.state not in states:
        raise Conflict(f"contact {contact.contact_id} is {contact.state}: {what}", field="contact_id", rule="state")


def _require_class(contact, cls: str, what: str) -> None:
    if contact.classification != cls:
        raise Conflict(f"contact {contact.contact_id} is a {contact.classification}: {what}",
                       field="contact_id", rule=f"{cls}_only")


def first_contact(contact, by: str, at: datetime) -> bool:
    """Whether closing now, by `by`, is resolution at the first contact (see the module doc)."""
    return (contact.state == RECEIVED and not contact.handovers and not contact.repeat_calls
            and by == contact.received_by
            and as_utc(at) - as_utc(contact.received_at) <= timedelta(minutes=FIRST_CONTACT_MINUTES))


# --- what happens to a contact ------------------------------------------------------------------------------
def answer(contact, text: str | None, by: str, at: datetime) -> list[Event]:
    """The inquiry is answered (咨询 → 答复): from RECEIVED or AWAITING_REPLY to CLOSED. A reply
    after the agreed time is recorded as late (`replied_late`)."""
    _require_class(contact, INQUIRY, "only an inquiry is answered (a procedure is closed with close_contact)")
    _require_state(contact, (RECEIVED, AWAITING_REPLY), "only an open inquiry is answered")
    text = _text(text)
    if text is None:
        raise ValidationError.one("answer", "required", "the answer given to the caller")
    if len(text) > MAX_TEXT:
        raise ValidationError.one("answer", "length", f"at most {MAX_TEXT} characters")
    fcr = first_contact(contact, by, at)
    if contact.state == AWAITING_REPLY:
        contact.replied_late = as_utc(at) > as_utc(contact.reply_due_at)
    contact.outcome = text
    return _close(contact, CLOSED, by, at, fcr=fcr)


def arrange_reply(contact, expert: str | None, reply_due_at: datetime | str | None, at: datetime) -> list[Event]:
    """The inquiry needs an expert (专业人员): who is consulted, and the reply time agreed with the
    caller (RECEIVED → AWAITING_REPLY). The time is after now and at most `MAX_REPLY_DAYS` days after
    receipt (domain.md §9.2). A time without an offset (the desk's datetime field) is office time."""
    _require_class(contact, INQUIRY, "only an inquiry waits for an expert's reply")
    _require_state(contact, (RECEIVED,), "a reply is arranged once, for a received inquiry")
    problems: list[Problem] = []
    expert = _text(expert)
    if expert is None:
        problems.append(Problem("expert", "required", "who is consulted (专业人员/部门)"))
    _too_long(problems, "expert", expert, MAX_NAME * 2)
    due, unreadable = reply_due_at, False
    if isinstance(due, str):
        due = _moment(due) if due.strip() else None
        unreadable = due is None and bool(reply_due_at.strip())
    elif isinstance(due, datetime) and due.tzinfo is None:
        due = due.replace(tzinfo=OFFICE_TZ)
    if unreadable:
        problems.append(Problem("reply_due_at", "iso_datetime",
                                "a time such as 2026-11-30T16:00 (office time) or 2026-11-30T08:00:00+00:00"))
    elif due is None:
        problems.append(Problem("reply_due_at", "required", "the reply time agreed with the caller"))
    elif due <= as_utc(at):
        problems.append(Problem("reply_due_at", "in_the_future", "the agreed reply time is still to come"))
    elif due > as_utc(contact.received_at) + timedelta(days=MAX_REPLY_DAYS):
        problems.append(Problem("reply_due_at", f"within_{MAX_REPLY_DAYS}_days",
                                f"a clear reply is due within {MAX_REPLY_DAYS} days of the contact (限时服务制)"))
    if problems:
        raise ValidationError(problems)
    reply_due_at = due.astimezone(as_utc(at).tzinfo)
    contact.expert, contact.reply_due_at, contact.state = expert, reply_due_at, AWAITING_REPLY
    return [Event("contact.reply_arranged", {
        "contact_id": contact.contact_id, "contact_no": contact.contact_id, "unit_id": contact.unit_id,
        "estate": contact.estate, "owner": contact.owner, "expert": expert,
        "reply_due_at": as_utc(reply_due_at).isoformat(),
    })]


def close_procedure(contact, outcome: str | None, referred_to: str | None, by: str, at: datetime) -> list[Event]:
    """The procedure (办手续) is recorded and done, or passed to the workflow that owns it
    (`referred_to`: release slip, pass, move-in, renovation, payment…): RECEIVED → CLOSED."""
    _require_class(contact, PROCEDURE, "only a procedure is closed here (an inquiry is answered)")
    _require_state(contact, (RECEIVED,), "only a received procedure is closed")
    problems: list[Problem] = []
    outcome, referred_to = _text(outcome), _text(referred_to)
    if outcome is None:
        problems.append(Problem("outcome", "required", "what was done (办理结果)"))
    _too_long(problems, "outcome", outcome, MAX_TEXT)
    _too_long(problems, "referred_to", referred_to, MAX_NAME * 2)
    if problems:
        raise ValidationError(problems)
    fcr = first_contact(contact, by, at)
    contact.outcome, contact.referred_to = outcome, referred_to
    return _close(contact, CLOSED, by, at, fcr=fcr)


def hand_over(contact, new_owner: str | None, reason: str | None, by: str, at: datetime) -> list[Event]:
    """The owner hands the open contact to another staff member, who owns it from now on (首问负责制:
    the hand-over names the new owner and why)."""
    _require_state(contact, OPEN_STATES, "a closed contact is not handed over")
    problems: list[Problem] = []
    new_owner, reason = _text(new_owner), _text(reason)
    if new_owner is None:
        problems.append(Problem("new_owner", "required", "the staff member who takes the contact over"))
    elif new_owner == contact.owner:
        problems.append(Problem("new_owner", "another_person", f"{new_owner} owns the contact already"))
    _too_long(problems, "new_owner", new_owner, MAX_STAFF_ID)
    if reason is None:
        problems.append(Problem("reason", "required", "why it is handed over"))
    _too_long(problems, "reason", reason, MAX_TEXT)
    if problems:
        raise ValidationError(problems)
    before = contact.owner
    contact.owner = new_owner
    contact.handovers = [*(contact.handovers or []),
                         {"at": as_utc(at).isoformat(), "from": before, "to": new_owner, "by": by, "reason": reason}]
    return [Event("contact.handed_over", {
        "contact_id": contact.contact_id, "contact_no": contact.contact_id, "estate": contact.estate,
        "from_owner": before, "to_owner": new_owner, "reason": reason, "by": by,
    })]


def link_ticket(contact, ticket_type: str, ticket_id: str, ticket_no: str | None, at: datetime) -> list[Event]:
    """A repair or complaint was opened from the contact: the link is noted; an open contact ends
    TICKET_OPENED (the ticket carries the matter on; not FCR). The same ticket again changes nothing."""
    if contact.ticket_type == ticket_type and contact.ticket_id == ticket_id:
        return []
    contact.ticket_type, contact.ticket_id, contact.ticket_no = ticket_type, ticket_id, ticket_no
    if not is_open(contact):
        return []
    return _close(contact, TICKET_OPENED, contact.owner, at, fcr=False)


def _close(contact, state: str, by: str, at: datetime, *, fcr: bool) -> list[Event]:
    contact.state, contact.fcr, contact.closed_by, contact.closed_at = state, fcr, by, at
    return [Event("contact.closed", {
        "contact_id": contact.contact_id, "contact_no": contact.contact_id, "channel": contact.channel,
        "classification": contact.classification, "unit_id": contact.unit_id, "estate": contact.estate,
        "state": state, "fcr": fcr, "outcome": contact.outcome, "replied_late": contact.replied_late,
        "ticket_type": contact.ticket_type, "ticket_id": contact.ticket_id, "ticket_no": contact.ticket_no,
        "received_by": contact.received_by, "closed_by": by,
        "received_at": as_utc(contact.received_at).isoformat(), "closed_at": as_utc(at).isoformat(),
    })]


# --- what the desk may do next ----------------------------------------------------------------------------
def next_commands(contact) -> list[str]:
    """The commands the contact's state allows now (ACTIONS row "contact"; the owner rule is
    checked when one is given)."""
    if contact.state == RECEIVED and contact.classification == INQUIRY:
        return ["answer_contact", "arrange_reply", "hand_over_contact"]
    if contact.state == RECEIVED:
        return ["close_contact", "hand_over_contact"]
    if contact.state == AWAITING_REPLY:
        return ["answer_contact", "hand_over_contact"]
    if contact.state == AWAITING_TICKET:
        return ["hand_over_contact"]
    return []


# --- first-contact resolution (KPI, domain.md §4) -----------------------------------------------------------
def fcr_rate(rows) -> dict:
    """FCR over the contacts `rows` (objects with `classification`, `state`, `fcr`): counts per
    class and the rates — over every closed contact, and over the inquiries and procedures alone
    (the contacts the desk can resolve on the call; a repair or complaint never is). Open contacts
    count as received, not in a rate (their outcome is not known yet).

    With `channel` and `replied_late` on the rows, also the call volume per channel (§4 呼叫业务量)
    and the timeliness of agreed replies (§4 客户意见反馈及时率, inferred: replies given by the agreed
    time ÷ replies given after a reply time was agreed)."""
    by_class = {c: {"received": 0, "closed": 0, "fcr": 0} for c in CONTACT_CLASSES.codes}
    by_channel = {c: 0 for c in CONTACT_CHANNELS.codes}
    replies = {"answered": 0, "in_time": 0}
    for r in rows:
        b = by_class[r.classification]
        b["received"] += 1
        if r.state in CONTACT_CLOSED:
            b["closed"] += 1
            b["fcr"] += 1 if r.fcr else 0
        channel = getattr(r, "channel", None)
        if channel in by_channel:
            by_channel[channel] += 1
        late = getattr(r, "replied_late", None)
        if late is not None:
            replies["answered"] += 1
            replies["in_time"] += 0 if late else 1

    def rate(fcr: int, closed: int) -> str | None:
        return None if closed == 0 else f"{fcr / closed:.4f}"

    total = {k: sum(b[k] for b in by_class.values()) for k in ("received", "closed", "fcr")}
    resolvable = {k: by_class[INQUIRY][k] + by_class[PROCEDURE][k] for k in ("received", "closed", "fcr")}
    for b in (*by_class.values(), total, resolvable):
        b["rate"] = rate(b["fcr"], b["closed"])
    replies["rate"] = rate(replies["in_time"], replies["answered"])
    return {**total, "resolvable": resolvable, "by_class": by_class, "by_channel": by_channel, "replies": replies}
