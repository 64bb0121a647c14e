"""The bank statements' edge and what the desk shows of a statement and its lines."""
from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from propdesk.chassis.edge import OptionalText, RecordId
from propdesk.contracts.rpc.common import Money, UtcDateTime
from propdesk.contracts.vocab import BANK_FORMATS, BANK_LINE_REASONS, BANK_LINE_STATES, ESTATES


def label(zh: str, en: str, **more) -> dict:
    return {"label": {"zh": zh, "en": en}, **more}


class ImportBankStatementSchema(Schema):
    """导入银行对账单: the file's content in the request (base64 for XLSX or a CSV as saved; text for a CSV)."""

    class Meta:
        unknown = RAISE
        label = {"zh": "导入银行对账单", "en": "Import a bank statement"}

    estate = fields.String(required=True, validate=validate.OneOf(ESTATES.codes),
                           metadata=label("管理处(收款账户)", "Estate (account)", choices=ESTATES.codes))
    filename = fields.String(required=True, validate=validate.Length(min=1, max=200), metadata=label("文件名", "File name"))
    content = fields.String(required=True, validate=validate.Length(min=1, max=20_000_000),
                            metadata=label("文件内容", "File content", format="file"))
    encoding = fields.String(load_default="base64", validate=validate.OneOf(("base64", "text")),
                             metadata=label("内容编码", "Content encoding", choices=("base64", "text")))


class BookBankLineSchema(Schema):
    class Meta:
        unknown = RAISE
        label = {"zh": "人工入账", "en": "Book on a unit"}

    line_id = RecordId(max_len=40, metadata=label("银行流水", "Bank line"))
    unit_id = RecordId(max_len=32, metadata=label("单元", "Unit"))
    charge_ids = fields.List(fields.Integer(strict=True), allow_none=True, load_default=None,
                             validate=validate.Length(max=200), metadata=label("指定冲销的费用", "Charges to pay"))
    note = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=200),
                         metadata=label("备注", "Note"))


class DismissBankLineSchema(Schema):
    class Meta:
        unknown = RAISE
        label = {"zh": "非收费款项", "en": "Set aside (no fee payment)"}

    line_id = RecordId(max_len=40, metadata=label("银行流水", "Bank line"))
    #: what the cashier types (kept as the line's ``note``, apart from the system's ``reason`` code);
    #: named ``reason`` as the desk's form and callers have always sent it
    reason = fields.String(required=True, validate=[validate.Length(min=1, max=200), validate.Regexp(r".*\S")],
                           metadata=label("原因", "Reason"))


class BankLineSchema(Schema):
    line_id = fields.String()
    statement_id = fields.String()
    estate = fields.String(metadata=label("管理处", "Estate", vocab=ESTATES))
    value_date = fields.Date(metadata=label("交易日", "Date"))
    amount = Money(metadata=label("金额", "Amount"))
    payer_name = fields.String(allow_none=True, metadata=label("付款人", "Payer"))
    payer_account = fields.String(allow_none=True, metadata=label("付款账号", "Payer's account"))
    reference = fields.String(allow_none=True, metadata=label("摘要/附言", "Reference"))
    serial = fields.String(allow_none=True, metadata=label("流水号", "Bank serial"))
    state = fields.String(metadata=label("状态", "State", vocab=BANK_LINE_STATES))
    reason = fields.String(allow_none=True, metadata=label("未匹配原因", "Why unmatched", vocab=BANK_LINE_REASONS))
    note = fields.String(allow_none=True, metadata=label("出纳说明", "Cashier's note"))
    notice_id = fields.String(allow_none=True, metadata=label("缴费通知单", "Fee notice"))
    unit_id = fields.String(allow_none=True, metadata=label("单元", "Unit"))
    payment_id = fields.String(allow_none=True, metadata=label("收费票据", "Receipt"))
    settled_by = fields.String(allow_none=True, metadata=label("经办人", "By"))
    settled_at = UtcDateTime(allow_none=True, metadata=label("处理时间", "At"))


class BankStatementSchema(Schema):
    statement_id = fields.String()
    statement_no = fields.String(metadata=label("对账单编号", "Statement no."))
    estate = fields.String(metadata=label("管理处", "Estate", vocab=ESTATES))
    bank_format = fields.String(metadata=label("格式", "Layout", vocab=BANK_FORMATS))
    filename = fields.String(metadata=label("文件名", "File"))
    imported_by = fields.String(metadata=label("导入人", "Imported by"))
    imported_at = UtcDateTime(metadata=label("导入时间", "Imported at"))
    credit_lines = fields.Integer(metadata=label("收入笔数", "Credit lines"))
    new_lines = fields.Integer(metadata=label("新流水", "New lines"))
    repeated_lines = fields.Integer(metadata=label("已导入过", "Already imported"))
    matched_lines = fields.Integer(metadata=label("自动入账", "Matched"))
    unmatched_lines = fields.Integer(metadata=label("待处理", "Unmatched"))
    lines = fields.List(fields.Nested(BankLineSchema), metadata=label("流水", "Lines"))


class StatementIdArgs(Schema):
    statement_id = RecordId(max_len=40)


class LineIdArgs(Schema):
    line_id = RecordId(max_len=40)


class ListBankStatementsArgs(Schema):
    """No filters: the latest statements."""


class ListBankLinesArgs(Schema):
    state = OptionalText(choices=BANK_LINE_STATES.codes, metadata=label("状态", "State"))
    statement_id = OptionalText(max_len=40, metadata=label("对账单", "Statement"))
