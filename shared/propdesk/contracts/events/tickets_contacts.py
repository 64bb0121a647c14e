"""The events of tickets' contact log (来电来访登记, domain.md §2.1): one contract per (type, version).

Who consumes them is read from the subscription tables into docs/events.md. A caller's phone number
travels masked (``138****5678``; another number keeps its last four digits); free text is masked
by the chassis (propdesk.privacy)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from propdesk.contracts.events._fields import DeadlineBreach, Estate
from propdesk.contracts.registry import contract
from propdesk.contracts.vocab import CONTACT_CHANNELS, CONTACT_CLASSES, CONTACT_STATES


@contract("contact.registered", 1, producer="tickets")
class ContactRegisteredV1(Schema):
    """A contact was registered in 《来电来访记录表》 and classified (咨询/办手续/报修/投诉). A repair or
    complaint contact opens its ticket from this (tickets' repairs and complaints); the ticket's own
    event carries the contact_id back."""

    contact_id = fields.String(required=True)
    contact_no = fields.String(required=True)  # the readable number CT-yyyymmdd-nnnn (the id itself)
    channel = fields.String(required=True, validate=validate.OneOf(CONTACT_CHANNELS.codes))
    classification = fields.String(required=True, validate=validate.OneOf(CONTACT_CLASSES.codes))
    unit_id = fields.String(required=True, allow_none=True)  # None: a common area
    estate = Estate()
    caller = fields.String(required=True, allow_none=True)  # the caller's name (None: a staff finding)
    caller_phone = fields.String(load_default=None, allow_none=True)  # masked
    summary = fields.String(required=True)
    received_by = fields.String(required=True)  # a staff id: the first-contact owner (首问负责人)
    received_at = fields.String(required=True)  # ISO 8601 with its offset
    # a repeat call: the earlier contact the caller calls again about (its FCR is withdrawn)
    repeat_of = fields.String(load_default=None, allow_none=True)


@contract("contact.reply_arranged", 1, producer="tickets")
class ContactReplyArrangedV1(Schema):
    """An inquiry needs an expert: the reply time agreed with the caller (a deadline, contact.reply)."""

    contact_id = fields.String(required=True)
    contact_no = fields.String(required=True)
    unit_id = fields.String(required=True, allow_none=True)
    estate = Estate()
    owner = fields.String(required=True)
    expert = fields.String(required=True)
    reply_due_at = fields.String(required=True)


@contract("contact.handed_over", 1, producer="tickets")
class ContactHandedOverV1(Schema):
    """The contact's owner (首问负责人) handed it to another staff member, who owns it from now on."""

    contact_id = fields.String(required=True)
    contact_no = fields.String(required=True)
    estate = Estate()
    from_owner = fields.String(required=True)
    to_owner = fields.String(required=True)
    reason = fields.String(required=True)
    by = fields.String(required=True)


@contract("contact.closed", 1, producer="tickets")
class ContactClosedV1(Schema):
    """A contact ended: answered or done (CLOSED), or its ticket opened (TICKET_OPENED). `fcr`:
    resolved at the first contact (一次性解决, domain.md §4)."""

    contact_id = fields.String(required=True)
    contact_no = fields.String(required=True)
    channel = fields.String(required=True, validate=validate.OneOf(CONTACT_CHANNELS.codes))
    classification = fields.String(required=True, validate=validate.OneOf(CONTACT_CLASSES.codes))
    unit_id = fields.String(required=True, allow_none=True)
    estate = Estate()
    state = fields.String(required=True, validate=validate.OneOf(CONTACT_STATES.codes))
    fcr = fields.Boolean(required=True)
    outcome = fields.String(required=True, allow_none=True)
    replied_late = fields.Boolean(required=True, allow_none=True)  # None: no reply time was agreed
    ticket_type = fields.String(required=True, allow_none=True)  # "repair" | "complaint"
    ticket_id = fields.String(required=True, allow_none=True)
    ticket_no = fields.String(required=True, allow_none=True)
    received_by = fields.String(required=True)
    closed_by = fields.String(required=True)
    received_at = fields.String(required=True)
    closed_at = fields.String(required=True)


@contract("contact.reply_overdue", 1, producer="tickets")
class ContactReplyOverdueV1(DeadlineBreach):
    """The reply time agreed with a caller for an inquiry passed without an answer (domain.md §2.1
    NEEDS_EXPERT, §5 "reply to an owner request"): the owner and the CS supervisor are told."""
