"""The deposits' edge (commands, query arguments) and what the desk shows of a deposit."""
from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from propdesk.chassis.edge import OptionalText, RecordId
from propdesk.contracts.rpc.common import Money, UtcDateTime
from propdesk.contracts.vocab import DEPOSIT_DEDUCTION_REASONS, DEPOSIT_KINDS, DEPOSIT_STATES, ESTATES, PAYMENT_METHODS


def label(zh: str, en: str, **more) -> dict:
    return {"label": {"zh": zh, "en": en}, **more}


def _text(zh, en, max_len=200, required=False):
    if required:
        return fields.String(required=True, validate=validate.Length(max=max_len), metadata=label(zh, en))
    return fields.String(load_default=None, allow_none=True, validate=validate.Length(max=max_len), metadata=label(zh, en))


class TakeDepositSchema(Schema):
    class Meta:
        unknown = RAISE
        label = {"zh": "收取押金", "en": "Take a deposit"}

    unit_id = RecordId(max_len=32, metadata=label("单元", "Unit"))
    kind = fields.String(required=True, metadata=label("押金类型", "Kind", choices=DEPOSIT_KINDS.codes))
    amount = fields.Raw(required=True, metadata=label("金额", "Amount", format="decimal"))
    method = fields.String(required=True, metadata=label("缴费方式", "Method", choices=PAYMENT_METHODS.codes))
    payer_name = _text("缴款人", "Paid by", 100, required=True)
    party_id = _text("缴款人编号", "Party id", 64)
    purpose = _text("事由(如装修工程)", "What for (e.g. the renovation)")


class RequestRefundSchema(Schema):
    class Meta:
        unknown = RAISE
        label = {"zh": "退还押金申请", "en": "Request the refund"}

    deposit_id = RecordId(max_len=40, metadata=label("押金", "Deposit"))
    applicant_name = _text("申请人", "Applicant", 100, required=True)
    refund_account = _text("退款账户", "Refund to (account)", 100)
    reason = _text("申请事由", "Reason", 200, required=True)


class DeductSchema(Schema):
    class Meta:
        unknown = RAISE
        label = {"zh": "押金扣款", "en": "Deduct from the deposit"}

    deposit_id = RecordId(max_len=40, metadata=label("押金", "Deposit"))
    reason_kind = fields.String(required=True,
                                metadata=label("扣款原因", "Reason", choices=DEPOSIT_DEDUCTION_REASONS.codes))
    reason = _text("扣款说明", "Details", 200, required=True)
    amount = fields.Raw(required=True, metadata=label("扣款金额", "Amount", format="decimal"))
    reference = _text("依据(违章单/维修单号)", "Reference (violation, work order)", 64)


class RefundSchema(Schema):
    class Meta:
        unknown = RAISE
        label = {"zh": "退还押金", "en": "Refund the deposit"}

    deposit_id = RecordId(max_len=40, metadata=label("押金", "Deposit"))
    method = fields.String(required=True, metadata=label("退款方式", "Method", choices=PAYMENT_METHODS.codes))


class DeductionSchema(Schema):
    reason_kind = fields.String(metadata=label("扣款原因", "Reason", vocab=DEPOSIT_DEDUCTION_REASONS))
    reason = fields.String(metadata=label("扣款说明", "Details"))
    reference = fields.String(allow_none=True, metadata=label("依据", "Reference"))
    amount = Money(metadata=label("扣款金额", "Amount"))
    recorded_by = fields.String(metadata=label("经办人", "Recorded by"))
    recorded_at = UtcDateTime(metadata=label("时间", "At"))


class DepositSchema(Schema):
    """A deposit as the desk shows it and the 《退还押金申请表》 prints it."""

    deposit_id = fields.String()
    deposit_no = fields.String(metadata=label("押金编号", "Deposit no."))
    unit_id = fields.String(metadata=label("单元", "Unit"))
    estate = fields.String(metadata=label("管理处", "Estate", vocab=ESTATES))
    kind = fields.String(metadata=label("押金类型", "Kind", vocab=DEPOSIT_KINDS))
    state = fields.String(metadata=label("状态", "State", vocab=DEPOSIT_STATES))
    payer_name = fields.String(metadata=label("缴款人", "Paid by"))
    party_id = fields.String(allow_none=True, metadata=label("缴款人编号", "Party id"))
    amount = Money(metadata=label("押金金额", "Amount"))
    method = fields.String(metadata=label("缴费方式", "Method", vocab=PAYMENT_METHODS))
    receipt_no = fields.String(metadata=label("收据号", "Receipt no."))
    received_at = UtcDateTime(metadata=label("收取时间", "Received at"))
    received_by = fields.String(metadata=label("收款人", "Received by"))
    purpose = fields.String(allow_none=True, metadata=label("事由", "What for"))
    applicant_name = fields.String(allow_none=True, metadata=label("申请人", "Applicant"))
    refund_account = fields.String(allow_none=True, metadata=label("退款账户", "Refund to"))
    refund_reason = fields.String(allow_none=True, metadata=label("申请事由", "Reason"))
    requested_at = UtcDateTime(allow_none=True, metadata=label("申请时间", "Requested at"))
    deducted = Money(metadata=label("扣款合计", "Deducted"))
    remaining = Money(metadata=label("应退金额", "To refund"))
    refunded_amount = Money(allow_none=True, metadata=label("实退金额", "Refunded"))
    refund_method = fields.String(allow_none=True, metadata=label("退款方式", "Refund method", vocab=PAYMENT_METHODS))
    refunded_by = fields.String(allow_none=True, metadata=label("经办人", "Refunded by"))
    refunded_at = UtcDateTime(allow_none=True, metadata=label("退还时间", "Refunded at"))
    deductions = fields.List(fields.Nested(DeductionSchema), metadata=label("扣款明细", "Deductions"))


class DepositIdArgs(Schema):
    deposit_id = RecordId(max_len=40)


class ListDepositsArgs(Schema):
    unit_id = OptionalText(max_len=32, metadata=label("单元", "Unit"))
    kind = OptionalText(choices=DEPOSIT_KINDS.codes, metadata=label("押金类型", "Kind"))
    state = OptionalText(choices=DEPOSIT_STATES.codes, metadata=label("状态", "State"))
