"""The payments' edge: what `record_payment` may carry and the queries' arguments (marshmallow).

What billing answers (balance, payment, clearance, arrears) is defined once in
`propdesk.contracts.rpc`, shared with the gateway's OpenAPI document.

The payment's amount, method and receipt number pass the edge as given and are judged by
`domain.validate_payment`, which reports every problem with its rule (positive_amount,
max_2_decimals, ...); the schema checks the shape (unit_id present, strings, no unknown fields).
Labels (zh-CN, en) are for the desk's forms.
"""
from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from propdesk.chassis.edge import OptionalText, RecordId
from propdesk.contracts.rpc.common import Money, UtcDateTime
from propdesk.contracts.vocab import ESTATES, FEE_ITEMS, PAYMENT_METHODS, RECEIPT_STATES


def label(zh: str, en: str) -> dict:
    return {"label": {"zh": zh, "en": en}}


class RecordPaymentSchema(Schema):
    """收费: a payment taken at the counter or matched from the bank, with its receipt (收费票据)."""

    class Meta:
        unknown = RAISE
        label = {"zh": "收费", "en": "Record a payment"}

    unit_id = fields.String(required=True, metadata=label("单元", "Unit"))
    amount = fields.Raw(allow_none=True, load_default=None, metadata=label("金额", "Amount"))
    method = fields.String(allow_none=True, load_default=None,
                           metadata={**label("缴费方式", "Method"), "choices": PAYMENT_METHODS.codes})
    receipt_no = fields.String(allow_none=True, load_default=None,
                               metadata=label("收费票据号(空则自动编号)", "Receipt no. (blank: numbered)"))
    party_id = fields.String(allow_none=True, load_default=None, metadata=label("缴款人", "Paid by"))
    txn_no = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=64),
                           metadata=label("交易单号/支票号", "Transaction / cheque no."))
    cheque_date = fields.Date(allow_none=True, load_default=None, metadata=label("出票日期", "Cheque date"))
    cheque_amount = fields.Raw(allow_none=True, load_default=None, metadata=label("支票金额", "Amount on the cheque"))
    seal_checked = fields.Boolean(allow_none=True, load_default=None, truthy={True}, falsy={False},
                                  metadata=label("印鉴已核对", "Seal checked"))
    charge_ids = fields.List(fields.Integer(strict=True), allow_none=True, load_default=None,
                             validate=validate.Length(max=200),
                             metadata=label("指定冲销的费用(默认先欠先冲)", "Charges to pay (default: oldest first)"))
    note = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=200),
                         metadata=label("备注", "Note"))


class ReversePaymentSchema(Schema):
    """红冲: reverse a payment by a new, negative entry."""

    class Meta:
        unknown = RAISE
        label = {"zh": "红冲收费", "en": "Reverse a payment"}

    payment_id = RecordId(max_len=40, metadata=label("收费记录", "Payment"))
    reason = fields.String(required=True, validate=[validate.Length(min=1, max=200), validate.Regexp(r".*\S")],
                           metadata=label("红冲原因", "Reason"))


class AllocationLineSchema(Schema):
    charge_id = fields.Integer(metadata=label("费用", "Charge"))
    period = fields.String(allow_none=True, metadata=label("月份", "Period"))
    item = fields.String(allow_none=True, metadata={**label("收费项目", "Fee item"), "vocab": FEE_ITEMS})
    amount = Money(metadata=label("冲销金额", "Amount"))


class ReceiptSchema(Schema):
    """A receipt (收费票据): one payment, what it paid, in words; a reversal is a receipt of its own."""

    payment_id = fields.String()
    receipt_no = fields.String(metadata=label("票据号", "Receipt no."))
    unit_id = fields.String(metadata=label("单元", "Unit"))
    estate = fields.String(metadata={**label("管理处", "Estate"), "vocab": ESTATES})
    party_id = fields.String(allow_none=True, metadata=label("缴款人", "Paid by"))
    amount = Money(metadata=label("金额", "Amount"))
    amount_in_words = fields.String(metadata=label("金额大写", "Amount in words"))
    method = fields.String(metadata={**label("缴费方式", "Method"), "vocab": PAYMENT_METHODS})
    txn_no = fields.String(allow_none=True, metadata=label("交易单号/支票号", "Transaction / cheque no."))
    cheque_date = fields.Date(allow_none=True, metadata=label("出票日期", "Cheque date"))
    received_at = UtcDateTime(metadata=label("收款时间", "Received at"))
    recorded_by = fields.String(metadata=label("收款人", "Received by"))
    prepaid_amount = Money(metadata=label("预收款", "Prepayment"))
    note = fields.String(allow_none=True, metadata=label("备注", "Note"))
    reverses = fields.String(allow_none=True, metadata=label("红冲的收费", "Reverses"))
    reverses_receipt_no = fields.String(allow_none=True, metadata=label("原票据号", "Reversed receipt"))
    reversed_by_receipt_no = fields.String(allow_none=True, metadata=label("红冲票据号", "Reversed by"))
    bank_line_id = fields.String(allow_none=True, metadata=label("银行流水", "Bank line"))
    state = fields.String(metadata={**label("状态", "State"), "vocab": RECEIPT_STATES})
    lines = fields.List(fields.Nested(AllocationLineSchema), metadata=label("冲销明细", "What it paid"))


# --- query arguments ------------------------------------------------------------------------------
class UnitIdArgs(Schema):
    unit_id = RecordId(max_len=32)


class NoArgs(Schema):
    """A query without arguments."""


class ReceiptIdArgs(Schema):
    payment_id = RecordId(max_len=40)


class ListReceiptsArgs(Schema):
    unit_id = OptionalText(max_len=32, metadata=label("单元", "Unit"))
    method = OptionalText(choices=PAYMENT_METHODS.codes, metadata=label("缴费方式", "Method"))
    receipt_no = OptionalText(max_len=64, metadata=label("票据号", "Receipt no."))
