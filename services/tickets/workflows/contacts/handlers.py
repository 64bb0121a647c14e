"""The contact log's handlers (来电来访登记, domain.md §2.1): commands, queries, queues, subscriptions.

Plain functions of (message, uow) / (args, reader): load, call `domain`, add rows, events, audit
rows and deadlines to the unit of work. Who may give a command is `propdesk.policy`; who may act on
one contact (its owner, or a CS supervisor and above: 首问负责制) is `domain.check_owner`.

    register_contact   -> contact.registered (+ contact.closed when answered at once: FCR)
    arrange_reply      -> contact.reply_arranged; deadline "contact.reply" at the agreed time
    answer_contact     -> contact.closed; the deadline met (or met late after its breach)
    close_contact      -> contact.closed (a procedure)
    hand_over_contact  -> contact.handed_over; the pending reply deadline moves to the new owner
    repair.reported / complaint.registered naming a contact -> the ticket linked; contact.closed
                          (TICKET_OPENED) when the contact was open; its deadlines cancelled
    sweep (chassis)    -> contact.reply_overdue once the agreed reply time passed unanswered

Contact ids are ``CT-<yyyymmdd>-<nnnn>`` (chassis numbering, by office day) and are the readable
number too; every event and audit row of a contact carries it as its correlation id.

Estates: a contact has its unit's estate (`propdesk.demo.estate_of`) or, for a common area, the
estate given (or the one the person works for, when they work for one). Another estate's contact
answers exactly as an unknown one (NotFound contact_id/exists); lists and queues show the asker's
estates only. The ticket events are not scoped (departments trust each other's events).
"""
from __future__ import annotations

import logging
from datetime import datetime, time, timedelta

from sqlalchemy import or_, select

from propdesk import demo, policy
from propdesk.chassis.calendar import OFFICE_TZ
from propdesk.chassis.db import aware
from propdesk.chassis.estates import visible, within
from propdesk.contracts.envelope import Envelope
from propdesk.contracts.rpc import ContactSchema, FcrRateSchema
from propdesk.errors import NotFound, ValidationError
from propdesk.privacy import mask
from propdesk_services.tickets.workflows.contacts import domain
from propdesk_services.tickets.workflows.contacts.models import ContactRecord

log = logging.getLogger(__name__)

#: The number series of contacts (来电来访登记).
SERIES = "CT"
#: The deadline rule of an agreed reply time (messages.DEADLINES) and the record type it names.
REPLY_RULE = "contact.reply"
RECORD = "contact"

#: Who sees the queue of their own open contacts: everyone who may register one.
CONTACT_ROLES = policy.roles_for("tickets", "register_contact")
#: Who sees every inquiry awaiting a reply: a CS supervisor and above (who may act on any contact).
SUPERVISOR_ROLES = domain.SUPERVISORS

_CONTACT = ContactSchema()
_FCR = FcrRateSchema()
_VIEW_ATTRS = ("contact_id", "channel", "classification", "caller_name", "caller_phone", "unit_id", "estate",
               "summary", "received_by", "received_at", "owner", "state", "outcome", "referred_to", "expert",
               "reply_due_at", "replied_late", "ticket_type", "ticket_id", "ticket_no", "repeat_of", "repeat_calls",
               "fcr", "closed_by", "closed_at")


# --- reading ---------------------------------------------------------------------------------------
def _aware_row(contact: ContactRecord) -> ContactRecord:
    """SQLite gives stored UTC times back without their zone: the domain compares aware times."""
    for attr in ("received_at", "reply_due_at", "closed_at"):
        value = getattr(contact, attr)
        if value is not None and value.tzinfo is None:
            setattr(contact, attr, aware(value))
    return contact


def contact_view(contact: ContactRecord, now: datetime, *, masked: bool = False) -> dict:
    view = {attr: getattr(contact, attr) for attr in _VIEW_ATTRS}
    view.update(contact_no=contact.contact_id, handovers=list(contact.handovers or []),
                received_at=aware(contact.received_at), reply_due_at=aware(contact.reply_due_at),
                closed_at=aware(contact.closed_at), reply_overdue=_overdue(contact, now))
    if masked:
        view = mask({**view, "caller_phone": domain.masked_phone(contact.caller_phone)})
    return _CONTACT.dump(view)


def _overdue(contact: ContactRecord, now: datetime) -> bool:
    return contact.state == domain.AWAITING_REPLY and aware(contact.reply_due_at) <= now


def _contact(session, contact_id: str, estates=None, *, lock: bool = False) -> ContactRecord:
    """The contact; NotFound (contact_id, exists) when there is none or it is of an estate outside
    `estates` (None: not scoped): the same answer for both."""
    contact = session.get(ContactRecord, contact_id, with_for_update=lock)
    if contact is None or not visible(estates, contact.estate):
        raise NotFound(f"no contact {contact_id}", field="contact_id", rule="exists")
    return _aware_row(contact)


def get_contact(args: dict, reader) -> dict:
    """One contact (来电来访记录), the caller's number in full (for the callback)."""
    return contact_view(_contact(reader.session, args["contact_id"], reader.estates), reader.now())


def _office_start(day) -> datetime:
    return datetime.combine(day, time(0), tzinfo=OFFICE_TZ)


def list_contacts(args: dict, reader) -> list[dict]:
    """Contacts of the asker's estates, newest first (at most `limit`), filtered by class, state,
    channel, unit, office days received (`since`..`until`, inclusive) and `q` (number, caller, issue,
    unit, or the caller's number as typed: finding the earlier contact of a repeat call).
    Phone numbers and personal numbers in the text are masked."""
    C = ContactRecord
    stmt = within(select(C), C.estate, reader.estates)
    for name in ("classification", "state", "channel", "unit_id"):
        if args.get(name) is not None:
            stmt = stmt.where(getattr(C, name) == args[name])
    if args.get("since") is not None:
        stmt = stmt.where(C.received_at >= _office_start(args["since"]))
    if args.get("until") is not None:
        stmt = stmt.where(C.received_at < _office_start(args["until"] + timedelta(days=1)))
    if args.get("q"):
        like = f"%{args['q'].strip()}%"
        stmt = stmt.where(or_(C.contact_id.ilike(like), C.caller_name.ilike(like), C.summary.ilike(like),
                              C.unit_id.ilike(like), C.caller_phone.ilike(like)))
    stmt = stmt.order_by(C.received_at.desc(), C.contact_id.desc()).limit(args.get("limit") or 200)
    now = reader.now()
    return [contact_view(_aware_row(c), now, masked=True) for c in reader.session.scalars(stmt)]


def possible_actions(contact_id: str, reader) -> list[str]:
    """What the contact's state allows next (ACTIONS row "contact"), and to whom: when a person asks
    (`reader.actor`), nothing unless it is theirs or they are a CS supervisor or above (首问负责制),
    so the desk offers exactly what the command would accept."""
    contact = _contact(reader.session, contact_id, reader.estates)
    actor = reader.actor
    if actor is not None and actor.id != contact.owner and actor.role not in domain.SUPERVISORS:
        return []
    return domain.next_commands(contact)


def contact_fcr_rate(args: dict, reader) -> dict:
    """First-contact resolution (一次性解决问题的呼叫率, domain.md §4) of the contacts received in the
    office days `since`..`until` (inclusive), in `estate` (or every estate the asker works for):
    counts and rates per class, over every closed contact and over inquiries and procedures alone;
    the contacts per channel (呼叫业务量) and the agreed replies given in time (反馈及时率)."""
    if args["until"] < args["since"]:
        raise ValidationError.one("until", "not_before_since", "the period ends on or after its first day")
    C = ContactRecord
    stmt = within(select(C.classification, C.state, C.fcr, C.channel, C.replied_late), C.estate,
                  reader.estates).where(
        C.received_at >= _office_start(args["since"]),
        C.received_at < _office_start(args["until"] + timedelta(days=1)))
    if args.get("estate") is not None:
        stmt = stmt.where(C.estate == args["estate"])
    rates = domain.fcr_rate(reader.session.execute(stmt).all())
    return _FCR.dump({"since": args["since"], "until": args["until"], "estate": args.get("estate"), **rates})


# --- the desk's queues ----------------------------------------------------------------------------
def _item(contact: ContactRecord, now: datetime) -> dict:
    """A contact as a queue item: its unit (none for a common area) and caller, what it is about;
    its class is the item's ``fields`` (said in the words of `ContactSchema`'s classification,
    vocab CONTACT_CLASSES), not words of one language in its text."""
    cls = contact.classification
    due = aware(contact.reply_due_at) if contact.state == domain.AWAITING_REPLY else None
    return {"record": RECORD, "id": contact.contact_id, "number": contact.contact_id,
            "title": mask(f"{contact.unit_id or ''} {contact.caller_name or ''}".strip()),
            "detail": mask(contact.summary[:120]), "since": aware(contact.received_at), "due_at": due,
            "overdue": due is not None and due <= now, "owner": contact.owner, "classification": cls,
            "state": contact.state, "fields": {"classification": cls}}


def my_open_contacts(args: dict, reader) -> list[dict]:
    """The asker's open contacts (首问负责制: each person's own), oldest first."""
    if reader.actor is None:
        return []
    C = ContactRecord
    stmt = within(select(C), C.estate, reader.estates).where(
        C.owner == reader.actor.id, C.state.in_(domain.OPEN_STATES)).order_by(C.received_at, C.contact_id)
    now = reader.now()
    return [_item(c, now) for c in reader.session.scalars(stmt)]


def contacts_awaiting_reply(args: dict, reader) -> list[dict]:
    """Every inquiry of the asker's estates waiting for an expert's reply, the soonest due first
    (overdue ones on top), whoever owns it: the supervisors' view."""
    C = ContactRecord
    stmt = within(select(C), C.estate, reader.estates).where(C.state == domain.AWAITING_REPLY).order_by(
        C.reply_due_at, C.contact_id)
    now = reader.now()
    return [_item(c, now) for c in reader.session.scalars(stmt)]


# --- commands --------------------------------------------------------------------------------------
def _summary(contact) -> str:
    return f"{contact.contact_id} {contact.unit_id or '公共区域'} {contact.caller_name or ''}".strip()


def register_contact(cmd, uow) -> dict:
    """Register a call, visit, letter, email, radio call, APP submission or finding in
    《来电来访记录表》 and classify it (咨询/办手续/报修/投诉); the receiver owns it (首问负责制).
    With an answer (inquiry or procedure resolved now) it is closed at once (FCR). Emits
    ``contact.registered``; a repair or complaint waits for its ticket. Answers the contact.

    ValidationError: every broken rule at once (`domain.validate_registration`)."""
    data = cmd.data
    unit_id = (data.get("unit_id") or "").strip() or None
    checked = domain.validate_registration(data, unit_estate=demo.estate_of(unit_id), scope=cmd.estates)
    earlier = None
    if checked["repeat_of"] is not None:
        earlier = uow.session.get(ContactRecord, checked["repeat_of"], with_for_update=True)
        if earlier is None or not visible(cmd.estates, earlier.estate):
            raise ValidationError.one("repeat_of", "unknown_contact", f"no contact {checked['repeat_of']}")
    contact_id = uow.next_number(SERIES)
    uow.correlation_id = contact_id
    contact, events = domain.register(contact_id, checked, cmd.actor.id, uow.now())
    if earlier is not None:
        withdrawn = domain.repeat_call(earlier, contact_id)
        uow.audit("contact.repeat_call", RECORD, earlier.contact_id,
                  {"repeat": contact_id, "repeat_calls": earlier.repeat_calls, "fcr_withdrawn": withdrawn},
                  correlation_id=earlier.contact_id)
    row = ContactRecord(**{attr: getattr(contact, attr) for attr in _VIEW_ATTRS if attr != "contact_id"},
                        contact_id=contact_id, handovers=[])
    uow.session.add(row)
    uow.session.flush()
    uow.emit_all(events)
    uow.audit("contact.registered", RECORD, contact_id, {
        "channel": row.channel, "classification": row.classification, "unit_id": row.unit_id, "estate": row.estate,
        "caller": row.caller_name, "caller_phone": domain.masked_phone(row.caller_phone), "state": row.state,
        "fcr": row.fcr, "repeat_of": row.repeat_of})
    return contact_view(row, uow.now())


def _act(cmd, uow, act, action: str, details) -> dict:
    """One command on one contact: found in the person's estates, theirs to act on (首问负责制), the
    domain's change, its events and an audit row naming the state before and after."""
    contact = _contact(uow.session, cmd.data["contact_id"], cmd.estates, lock=True)
    uow.correlation_id = contact.contact_id
    domain.check_owner(contact, cmd.actor.id, cmd.actor.role)
    before = contact.state
    events = act(contact, uow.now())
    uow.emit_all(events)
    uow.audit(action, RECORD, contact.contact_id,
              {**(details(contact) if callable(details) else details), "state_before": before, "state": contact.state})
    return contact_view(contact, uow.now())


def answer_contact(cmd, uow) -> dict:
    """The inquiry is answered (答复) and closed: at the first contact (FCR) or after the expert
    (the agreed reply deadline met, or recorded as late). Conflict (contact_id, inquiry_only / state);
    Forbidden (contact_id, first_contact_owner) for anyone but its owner or a supervisor."""
    def act(contact, at):
        awaiting = contact.state == domain.AWAITING_REPLY
        events = domain.answer(contact, cmd.data["answer"], cmd.actor.id, at)
        if awaiting:
            uow.meet_deadline(REPLY_RULE, RECORD, contact.contact_id)
        return events

    return _act(cmd, uow, act, "contact.answered",
                lambda c: {"answer": c.outcome, "fcr": c.fcr, "replied_late": c.replied_late})


def arrange_reply(cmd, uow) -> dict:
    """The inquiry needs an expert (需专业人员答复): who is consulted and the reply time agreed with
    the caller; the deadline ``contact.reply`` holds the owner to it (breach: contact.reply_overdue
    to the owner and the CS supervisor). ValidationError (reply_due_at: in_the_future, within_3_days)."""
    def act(contact, at):
        events = domain.arrange_reply(contact, cmd.data["expert"], cmd.data["reply_due_at"], at)
        uow.set_deadline(REPLY_RULE, RECORD, contact.contact_id, contact.reply_due_at, responsible=contact.owner,
                         estate=contact.estate, summary=_summary(contact))
        return events

    return _act(cmd, uow, act, "contact.reply_arranged",
                lambda c: {"expert": c.expert, "reply_due_at": aware(c.reply_due_at).isoformat()})


def close_contact(cmd, uow) -> dict:
    """The procedure (办手续) is done, or passed to the workflow that owns it: closed. Conflict
    (contact_id, procedure_only / state)."""
    return _act(cmd, uow,
                lambda contact, at: domain.close_procedure(contact, cmd.data["outcome"], cmd.data["referred_to"],
                                                           cmd.actor.id, at),
                "contact.closed", lambda c: {"outcome": c.outcome, "referred_to": c.referred_to, "fcr": c.fcr})


def hand_over_contact(cmd, uow) -> dict:
    """Hand the open contact to another staff member (移交), who owns it from now on; a pending
    reply deadline is theirs too. ValidationError (new_owner: required, another_person; reason)."""
    def act(contact, at):
        events = domain.hand_over(contact, cmd.data["new_owner"], cmd.data["reason"], cmd.actor.id, at)
        if contact.state == domain.AWAITING_REPLY:
            uow.set_deadline(REPLY_RULE, RECORD, contact.contact_id, contact.reply_due_at,
                             responsible=contact.owner, estate=contact.estate, summary=_summary(contact))
        return events

    return _act(cmd, uow, act, "contact.handed_over",
                lambda c: {"from_owner": c.handovers[-1]["from"], "to_owner": c.owner,
                           "reason": c.handovers[-1]["reason"]})


# --- tickets opened from a contact ----------------------------------------------------------------
def _link(uow, event: Envelope, ticket_type: str, ticket_id: str, ticket_no: str | None) -> None:
    contact_id = event.payload.get("contact_id")
    if not contact_id:
        return  # a ticket entered directly (the desk, the owner APP): no contact to link
    contact = uow.session.get(ContactRecord, contact_id, with_for_update=True)
    if contact is None:
        # a contact id tickets never issued: nothing to link, and retrying would not make one
        log.warning("%s %s names unknown contact %s: not linked", event.event_type, ticket_id, contact_id,
                    extra={"correlation_id": event.correlation_id})
        return
    _aware_row(contact)
    if contact.ticket_type == ticket_type and contact.ticket_id == ticket_id:
        return  # linked already (the same ticket announced again)
    uow.correlation_id = contact.contact_id
    before = contact.state
    events = domain.link_ticket(contact, ticket_type, ticket_id, ticket_no, uow.now())
    if events:
        uow.cancel_deadlines(RECORD, contact.contact_id)
    uow.emit_all(events)
    uow.audit("contact.ticket_linked", RECORD, contact.contact_id, {
        "ticket_type": ticket_type, "ticket_id": ticket_id, "ticket_no": ticket_no, "event_id": event.event_id,
        "state_before": before, "state": contact.state})


def on_repair_reported(event: Envelope, uow) -> None:
    """A repair (报修) was opened; when it came from a contact, link it (the contact ends TICKET_OPENED)."""
    p = event.payload
    _link(uow, event, "repair", p["repair_id"], p.get("repair_no"))


def on_complaint_registered(event: Envelope, uow) -> None:
    """A complaint (投诉) was registered; when it came from a contact, link it (the contact ends TICKET_OPENED)."""
    p = event.payload
    _link(uow, event, "complaint", p["complaint_id"], p.get("complaint_no"))
