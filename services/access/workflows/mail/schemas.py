"""The mail desk's edge (shape only) and what access answers about a mail item."""
from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from propdesk.chassis.edge import OptionalText, RecordId
from propdesk.contracts.rpc.common import UtcDateTime
from propdesk.contracts.vocab import ESTATES, MAIL_KINDS, MAIL_STATES
from propdesk_services.access.workflows.registers import label

_OPT = dict(load_default=None, allow_none=True)


class RegisterMailSchema(Schema):
    """邮件/包裹登记: sorted by unit; important mail and parcel notices signed for by staff."""

    class Meta:
        unknown = RAISE
        label = {"zh": "邮件包裹登记", "en": "Register mail"}

    kind = fields.String(required=True, validate=validate.OneOf(MAIL_KINDS.codes),
                         metadata=label("类别", "Kind", choices=MAIL_KINDS.codes))
    unit_id = fields.String(**_OPT, validate=validate.Length(max=32), metadata=label("单元", "Unit"))
    recipient_name = fields.String(required=True, validate=validate.Length(min=1, max=64), metadata=label("收件人", "Recipient"))
    sender = fields.String(**_OPT, validate=validate.Length(max=128), metadata=label("寄件方/投递方", "Sender / carrier"))
    tracking_ref = fields.String(**_OPT, validate=validate.Length(max=64), metadata=label("单号", "Tracking no."))
    description = fields.String(**_OPT, validate=validate.Length(max=200), metadata=label("说明", "Description"))
    signed_for_by_staff = fields.Boolean(load_default=False, metadata=label("管理处人员已签收", "Signed for by staff"))


class CollectMailSchema(Schema):
    """领取: the recipient or their nominee signs."""

    class Meta:
        unknown = RAISE
        label = {"zh": "邮件领取", "en": "Mail collected"}

    mail_no = RecordId(metadata=label("邮件编号", "Mail no."))
    collector_name = fields.String(required=True, validate=validate.Length(min=1, max=64), metadata=label("领取人", "Collector"))
    collector_signed = fields.Boolean(load_default=False, metadata=label("领取人已签字", "Collector signed"))


class MailSchema(Schema):
    mail_no = fields.String(metadata=label("邮件编号", "Mail no."))
    kind = fields.String(metadata=label("类别", "Kind", vocab=MAIL_KINDS))
    state = fields.String(metadata=label("状态", "State", vocab=MAIL_STATES))
    estate = fields.String(metadata=label("管理处", "Estate", vocab=ESTATES))
    unit_id = fields.String(metadata=label("单元", "Unit"))
    recipient_name = fields.String(metadata=label("收件人", "Recipient"))
    sender = fields.String(allow_none=True, metadata=label("寄件方/投递方", "Sender / carrier"))
    tracking_ref = fields.String(allow_none=True, metadata=label("单号", "Tracking no."))
    description = fields.String(allow_none=True, metadata=label("说明", "Description"))
    received_at = UtcDateTime(metadata=label("收到时间", "Received at"))
    signed_by = fields.String(allow_none=True, metadata=label("签收人", "Signed for by"))
    received_by = fields.String(metadata=label("登记人", "Logged by"))
    collected_at = UtcDateTime(allow_none=True, metadata=label("领取时间", "Collected at"))
    collector_name = fields.String(allow_none=True, metadata=label("领取人", "Collector"))
    handed_over_by = fields.String(allow_none=True, metadata=label("经办人(领取)", "Handed over by"))


class MailNoArgs(Schema):
    mail_no = RecordId()


class ListMailArgs(Schema):
    kind = OptionalText(choices=MAIL_KINDS.codes, metadata=label("类别", "Kind"))
    state = OptionalText(choices=MAIL_STATES.codes, metadata=label("状态", "State"))
    unit_id = OptionalText(max_len=32, metadata=label("单元", "Unit"))
    q = OptionalText(max_len=64, metadata=label("搜索(收件人/编号)", "Search (recipient, no.)"))
