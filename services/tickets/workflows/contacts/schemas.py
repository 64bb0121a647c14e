"""The contact log's edge: what its commands and queries may carry (marshmallow).

The command schemas check only the *shape* (known keys, strings, lengths): the rules of a contact
(exactly one class, the caller named unless staff found it, the unit's estate, the agreed reply
time within 3 days, first-contact ownership) are `domain`'s, which reports every broken rule at once
by name. Labels (zh-CN, en) and choices are for the desk's forms.

What the desk and other systems are shown is `propdesk.contracts.rpc.ContactSchema`.
"""
from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from propdesk.chassis.edge import OptionalText, RecordId
from propdesk.contracts.rpc import ContactSchema  # noqa: F401  (what get/list answer: RECORDS fields)
from propdesk.contracts.vocab import CONTACT_CHANNELS, CONTACT_CLASSES, CONTACT_STATES, ESTATES


def label(zh: str, en: str, **more) -> dict:
    return {"label": {"zh": zh, "en": en}, **more}


def _text(zh: str, en: str, max_len: int, **more):
    # twice the domain's limit at the edge: the domain names the rule (length) when it is exceeded
    return fields.String(load_default=None, allow_none=True, validate=validate.Length(max=max_len * 2),
                         metadata=label(zh, en, **more))


class RegisterContactSchema(Schema):
    """来电来访登记: who called or came, about what, and which of the four classes it is."""

    class Meta:
        unknown = RAISE
        label = {"zh": "来电来访登记", "en": "Register a contact"}

    channel = _text("来源", "Channel", 16, choices=CONTACT_CHANNELS.codes, vocab=CONTACT_CHANNELS)
    classification = _text("类别", "Class", 16, choices=CONTACT_CLASSES.codes, vocab=CONTACT_CLASSES)
    caller_name = _text("来电来访人", "Caller", 64)
    caller_phone = _text("联系电话", "Contact number", 24)
    unit_id = _text("单元（公共区域不填）", "Unit (none for a common area)", 32)
    estate = _text("管理处（公共区域）", "Estate (for a common area)", 8, choices=ESTATES.codes, vocab=ESTATES)
    summary = _text("事由", "Issue", 1000)
    answer = _text("当场答复/办理结果（如已解决）", "Answer given now (if resolved)", 1000)
    repeat_of = _text("再次来电：前次登记编号", "Calling again about (contact no.)", 32)


class AnswerContactSchema(Schema):
    """答复: the answer given to the inquiry."""

    class Meta:
        unknown = RAISE
        label = {"zh": "答复", "en": "Answer"}

    contact_id = RecordId(metadata=label("登记编号", "Contact no."))
    answer = _text("答复内容", "Answer", 1000)


class ArrangeReplySchema(Schema):
    """需专业人员答复: who is consulted and the reply time agreed with the caller."""

    class Meta:
        unknown = RAISE
        label = {"zh": "约定答复时间", "en": "Agree a reply time"}

    contact_id = RecordId(metadata=label("登记编号", "Contact no."))
    expert = _text("咨询专业人员/部门", "Expert consulted", 128)
    # an ISO time; without an offset it is office time (the desk's datetime field): the domain reads it
    reply_due_at = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64),
                                 metadata=label("约定答复时间", "Reply due at", format="datetime"))


class CloseContactSchema(Schema):
    """办结: the procedure done, or passed to the workflow that owns it."""

    class Meta:
        unknown = RAISE
        label = {"zh": "办结", "en": "Close"}

    contact_id = RecordId(metadata=label("登记编号", "Contact no."))
    outcome = _text("办理结果", "Outcome", 1000)
    referred_to = _text("转交（如放行条、出入证、装修、缴费）", "Passed to (release slip, pass, renovation, payment…)", 128)


class HandOverContactSchema(Schema):
    """移交: the contact to another staff member, who owns it from now on (首问负责制)."""

    class Meta:
        unknown = RAISE
        label = {"zh": "移交", "en": "Hand over"}

    contact_id = RecordId(metadata=label("登记编号", "Contact no."))
    new_owner = _text("接手人（员工编号）", "New owner (staff id)", 64)
    reason = _text("移交原因", "Reason", 1000)


# --- query arguments ------------------------------------------------------------------------------
class ContactIdArgs(Schema):
    contact_id = RecordId()


class ListContactsArgs(Schema):
    classification = OptionalText(choices=CONTACT_CLASSES.codes, metadata=label("类别", "Class", vocab=CONTACT_CLASSES))
    state = OptionalText(choices=CONTACT_STATES.codes, metadata=label("状态", "State", vocab=CONTACT_STATES))
    channel = OptionalText(choices=CONTACT_CHANNELS.codes, metadata=label("来源", "Channel", vocab=CONTACT_CHANNELS))
    since = fields.Date(load_default=None, allow_none=True, metadata=label("自（日期）", "From (date)"))
    until = fields.Date(load_default=None, allow_none=True, metadata=label("至（日期）", "To (date)"))
    unit_id = OptionalText(max_len=32, metadata=label("单元", "Unit"))
    q = OptionalText(max_len=64, metadata=label("搜索", "Search"))
    limit = fields.Integer(load_default=200, validate=validate.Range(min=1, max=500), metadata=label("条数", "Rows"))


class FcrRateArgs(Schema):
    since = fields.Date(required=True, metadata=label("自（日期）", "From (date)"))
    until = fields.Date(required=True, metadata=label("至（日期）", "To (date)"))
    estate = OptionalText(max_len=8, choices=ESTATES.codes, metadata=label("管理处", "Estate", vocab=ESTATES))
