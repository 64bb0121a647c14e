"""What tickets' contact log (来电来访记录表, domain.md §2.1) answers over RPC. See `propdesk.contracts.rpc`."""
from __future__ import annotations

from marshmallow import Schema, fields

from propdesk.contracts import vocab
from propdesk.contracts.rpc.common import UtcDateTime


def _l(zh: str, en: str, **more) -> dict:
    return {"label": {"zh": zh, "en": en}, **more}


class ContactSchema(Schema):
    """One contact (来电来访记录). `tickets.get_contact` shows the caller's number in full (for the
    callback); `list_contacts` and the queues show it masked."""

    contact_id = fields.String(metadata=_l("登记编号", "Contact no."))
    contact_no = fields.String(metadata=_l("登记编号", "Contact no."))
    channel = fields.String(metadata=_l("来源", "Channel", vocab=vocab.CONTACT_CHANNELS,
                                        enum=list(vocab.CONTACT_CHANNELS.codes)))
    classification = fields.String(metadata=_l("类别", "Class", vocab=vocab.CONTACT_CLASSES,
                                               enum=list(vocab.CONTACT_CLASSES.codes)))
    caller_name = fields.String(allow_none=True, metadata=_l("来电来访人", "Caller"))
    caller_phone = fields.String(allow_none=True, metadata=_l("联系电话", "Contact number"))
    unit_id = fields.String(allow_none=True, metadata=_l("单元", "Unit", description="null for a common area"))
    estate = fields.String(metadata=_l("管理处", "Estate", vocab=vocab.ESTATES))
    summary = fields.String(metadata=_l("事由", "Issue"))
    received_by = fields.String(metadata=_l("接待人", "Received by"))
    received_at = UtcDateTime(metadata=_l("时间", "Received at"))
    owner = fields.String(metadata=_l("首问负责人", "Owner"))
    state = fields.String(metadata=_l("状态", "State", vocab=vocab.CONTACT_STATES,
                                      enum=list(vocab.CONTACT_STATES.codes)))
    outcome = fields.String(allow_none=True, metadata=_l("答复/办理结果", "Answer / outcome"))
    referred_to = fields.String(allow_none=True, metadata=_l("转交", "Passed to"))
    expert = fields.String(allow_none=True, metadata=_l("咨询专业人员", "Expert consulted"))
    reply_due_at = UtcDateTime(allow_none=True, metadata=_l("约定答复时间", "Reply due"))
    reply_overdue = fields.Boolean(metadata=_l("答复超时", "Reply overdue"))
    replied_late = fields.Boolean(allow_none=True, metadata=_l("逾时答复", "Replied late"))
    ticket_type = fields.String(allow_none=True, metadata=_l("工单类型", "Ticket type"))
    ticket_id = fields.String(allow_none=True, metadata=_l("工单", "Ticket"))
    ticket_no = fields.String(allow_none=True, metadata=_l("工单编号", "Ticket no."))
    handovers = fields.List(fields.Dict(), metadata=_l("移交记录", "Hand-overs"))
    repeat_of = fields.String(allow_none=True, metadata=_l("再次来电（前次登记）", "Repeat of"))
    repeat_calls = fields.Integer(metadata=_l("再次来电次数", "Repeat calls"))
    fcr = fields.Boolean(allow_none=True, metadata=_l("首次解决", "Resolved at first contact"))
    closed_by = fields.String(allow_none=True, metadata=_l("办结人", "Closed by"))
    closed_at = UtcDateTime(allow_none=True, metadata=_l("办结时间", "Closed at"))


class FcrRateSchema(Schema):
    """First-contact resolution (一次性解决问题的呼叫率, domain.md §4) for a period and estate:
    `tickets.contact_fcr_rate`. Rates are strings with four decimals (0.8125), null with nothing closed."""

    since = fields.Date()
    until = fields.Date()
    estate = fields.String(allow_none=True)
    received = fields.Integer()
    closed = fields.Integer()
    fcr = fields.Integer()
    rate = fields.String(allow_none=True)
    resolvable = fields.Dict(metadata={"description": "inquiries and procedures only: received, closed, fcr, rate"})
    by_class = fields.Dict(metadata={"description": "per class (vocab.CONTACT_CLASSES): received, closed, fcr, rate"})
    by_channel = fields.Dict(metadata={"description": "contacts received per channel (vocab.CONTACT_CHANNELS): "
                                                      "the call volume, 呼叫业务量"})
    replies = fields.Dict(metadata={"description": "replies given after a reply time was agreed: answered, "
                                                   "in_time, rate (客户意见反馈及时率)"})
