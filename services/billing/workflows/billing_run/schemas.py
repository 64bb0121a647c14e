"""The billing run's edge: command shapes (the domain names the rules) and what the desk shows."""
from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from propdesk.chassis.edge import OptionalText, RecordId
from propdesk.contracts.rpc.common import UtcDateTime
from propdesk.contracts.vocab import (BILLING_RUN_STATES, CHARGE_SOURCES, ESTATES, FEE_BASES, FEE_ITEMS,
                                      FEE_NOTICE_STATES)


def label(zh: str, en: str, **more) -> dict:
    return {"label": {"zh": zh, "en": en}, **more}


class StartBillingRunSchema(Schema):
    """开始月度计费: draft every billed unit's 《缴费通知单》 for a month (once per month and estate)."""

    class Meta:
        unknown = RAISE
        label = {"zh": "开始月度计费", "en": "Start a billing run"}

    period = fields.String(required=True, metadata=label("计费月份", "Period (YYYY-MM)"))
    estate = fields.String(required=True, metadata=label("管理处", "Estate", choices=ESTATES.codes))


class ReviewBillingRunSchema(Schema):
    """审核计费数据 (25日): approve (locked) or order corrections."""

    class Meta:
        unknown = RAISE
        label = {"zh": "审核计费数据", "en": "Review the billing data"}

    run_id = RecordId(max_len=40, metadata=label("计费批次", "Billing run"))
    decision = fields.String(required=True, metadata=label("审核结论", "Decision", choices=("approve", "corrections")))
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500),
                         metadata=label("审核意见/更正要求", "Note / corrections to make"))


class RunIdSchema(Schema):
    class Meta:
        unknown = RAISE

    run_id = RecordId(max_len=40, metadata=label("计费批次", "Billing run"))


class RedraftBillingRunSchema(RunIdSchema):
    """重新起草: draft every notice again (after corrections)."""

    class Meta:
        unknown = RAISE
        label = {"zh": "重新起草", "en": "Draft again"}


class IssueBillingRunSchema(RunIdSchema):
    """开具缴费通知单 (26日前): number and issue every approved notice; CS delivers them."""

    class Meta:
        unknown = RAISE
        label = {"zh": "开具缴费通知单", "en": "Issue the notices"}


class ConfirmNoticeDeliverySchema(Schema):
    """送达签收: the client signed for the notice."""

    class Meta:
        unknown = RAISE
        label = {"zh": "送达签收", "en": "Confirm delivery"}

    notice_id = RecordId(max_len=40, metadata=label("通知单", "Notice"))
    signed_by = fields.String(required=True, validate=validate.Length(min=1, max=64), metadata=label("签收人", "Signed by"))
    signed_at = fields.AwareDateTime(load_default=None, allow_none=True, metadata=label("签收时间", "Signed at"))


class BillingRunSchema(Schema):
    run_id = fields.String(metadata=label("编号", "Id"))
    run_no = fields.String(metadata=label("批次号", "Run no."))
    period = fields.String(metadata=label("计费月份", "Period"))
    estate = fields.String(metadata=label("管理处", "Estate", vocab=ESTATES))
    state = fields.String(metadata=label("状态", "State", vocab=BILLING_RUN_STATES))
    round = fields.Integer(metadata=label("起草轮次", "Round"))
    progress = fields.Integer(metadata=label("进度(%)", "Progress (%)"))
    total_units = fields.Integer(metadata=label("计费单元数", "Units"))
    drafted_units = fields.Integer(metadata=label("已起草单元", "Units drafted"))
    notice_count = fields.Integer(metadata=label("通知单数", "Notices"))
    issued_count = fields.Integer(metadata=label("已开具", "Issued"))
    total_amount = fields.Decimal(places=2, as_string=True, metadata=label("应收合计", "Total billed"))
    started_by = fields.String(metadata=label("发起人", "Started by"))
    started_at = UtcDateTime(metadata=label("发起时间", "Started at"))
    drafted_at = UtcDateTime(allow_none=True, metadata=label("起草完成", "Drafted at"))
    reviewed_by = fields.String(allow_none=True, metadata=label("审核人", "Reviewed by"))
    reviewed_at = UtcDateTime(allow_none=True, metadata=label("审核时间", "Reviewed at"))
    review_note = fields.String(allow_none=True, metadata=label("审核意见", "Review note"))
    issued_by = fields.String(allow_none=True, metadata=label("开具人", "Issued by"))
    issued_at = UtcDateTime(allow_none=True, metadata=label("开具完成", "Issued at"))


class FeeNoticeLineSchema(Schema):
    item = fields.String(metadata=label("收费项目", "Item", vocab=FEE_ITEMS))
    period = fields.String(metadata=label("月份", "Period"))
    basis = fields.String(metadata=label("计费依据", "Basis", vocab=FEE_BASES))
    source = fields.String(metadata=label("来源", "Source", vocab=CHARGE_SOURCES))
    source_ref = fields.String(allow_none=True, metadata=label("来源编号", "Source ref."))
    quantity = fields.Decimal(as_string=True, allow_none=True, metadata=label("数量", "Quantity"))
    unit_price = fields.Decimal(places=4, as_string=True, allow_none=True, metadata=label("单价", "Unit price"))
    amount = fields.Decimal(places=2, as_string=True, metadata=label("金额", "Amount"))
    description = fields.String(allow_none=True, metadata=label("说明", "Description"))
    charge_id = fields.Integer(allow_none=True, metadata=label("账目", "Ledger charge"))


class FeeNoticeSchema(Schema):
    notice_id = fields.String(metadata=label("编号", "Id"))
    notice_no = fields.String(allow_none=True, metadata=label("通知单号", "Notice no."))
    run_id = fields.String(metadata=label("计费批次", "Billing run"))
    period = fields.String(metadata=label("计费月份", "Period"))
    unit_id = fields.String(metadata=label("单元", "Unit"))
    estate = fields.String(metadata=label("管理处", "Estate", vocab=ESTATES))
    payer_party_id = fields.String(allow_none=True, metadata=label("缴费人", "Payer"))
    state = fields.String(metadata=label("状态", "State", vocab=FEE_NOTICE_STATES))
    amount = fields.Decimal(places=2, as_string=True, metadata=label("本期应缴", "Amount this period"))
    arrears_before = fields.Decimal(places=2, as_string=True, metadata=label("往期欠费", "Arrears brought forward"))
    issued_at = UtcDateTime(allow_none=True, metadata=label("开具时间", "Issued at"))
    issued_by = fields.String(allow_none=True, metadata=label("开具人", "Issued by"))
    signed_by = fields.String(allow_none=True, metadata=label("签收人", "Signed by"))
    signed_at = UtcDateTime(allow_none=True, metadata=label("签收时间", "Signed at"))
    delivered_by = fields.String(allow_none=True, metadata=label("送达人", "Delivered by"))
    lines = fields.List(fields.Nested(FeeNoticeLineSchema), metadata=label("收费明细", "Lines"))


# --- query arguments ------------------------------------------------------------------------------
class RunIdArgs(Schema):
    run_id = RecordId(max_len=40)


class ListBillingRunsArgs(Schema):
    period = OptionalText(max_len=7, metadata=label("计费月份", "Period"))
    state = OptionalText(choices=BILLING_RUN_STATES.codes, metadata=label("状态", "State"))


class NoticeIdArgs(Schema):
    notice_id = RecordId(max_len=40)


class ListFeeNoticesArgs(Schema):
    run_id = OptionalText(max_len=40, metadata=label("计费批次", "Billing run"))
    period = OptionalText(max_len=7, metadata=label("计费月份", "Period"))
    state = OptionalText(choices=FEE_NOTICE_STATES.codes, metadata=label("状态", "State"))
    unit_id = OptionalText(max_len=32, metadata=label("单元", "Unit"))
