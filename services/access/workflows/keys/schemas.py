"""The key board's edge: what its commands and queries may carry (marshmallow). Shape only; the
rules are `domain`'s. A time without its offset (the desk's date-time field) is office time
(Asia/Shanghai). What access answers is a contract: `propdesk.contracts.rpc.access_keys`."""
from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from propdesk.chassis.calendar import OFFICE_TZ
from propdesk.chassis.edge import Flag, OptionalText, RecordId
from propdesk.contracts.rpc.access_keys import KeyLoanSchema, KeySchema  # noqa: F401  (RECORDS fields)
from propdesk.contracts.vocab import KEY_BORROWER_DEPARTMENTS, KEY_CATEGORIES, KEY_KINDS, KEY_STATES


def _label(zh: str, en: str, **more) -> dict:
    return {"label": {"zh": zh, "en": en}, **more}


def _text(zh: str, en: str, max_len: int = 64):
    return fields.String(load_default=None, allow_none=True, validate=validate.Length(max=max_len),
                         metadata=_label(zh, en))


class RegisterKeySchema(Schema):
    """空置单元钥匙登记: a vacant unit's key on the board, classified, numbered, with its custodian."""

    class Meta:
        unknown = RAISE
        label = {"zh": "登记空置单元钥匙", "en": "Register a vacant-unit key"}

    unit_id = _text("单元", "Unit", 32)
    category = OptionalText(choices=KEY_CATEGORIES.codes, metadata=_label("钥匙类别", "Category",
                                                                          choices=KEY_CATEGORIES.codes))
    label = _text("钥匙牌号", "Tag label")
    copies = fields.Integer(load_default=1, strict=True, validate=validate.Range(min=1, max=99),
                            metadata=_label("把数", "Copies"))
    custodian = _text("保管人(员工号,默认本人)", "Custodian (staff id; default: you)")


class EntrustKeySchema(RegisterKeySchema):
    """业主委托管理处保管钥匙 (QR-006FW): the owner leaves keys with the office at handover."""

    class Meta:
        unknown = RAISE
        label = {"zh": "业主委托保管钥匙", "en": "Key entrusted by the owner"}

    owner_name = _text("业主姓名", "Owner")
    entrustment_ref = _text("托管声明/QR-006FW编号", "Owner's statement ref. (QR-006FW)")


class _KeySchema(Schema):
    class Meta:
        unknown = RAISE

    key_no = RecordId(max_len=32, metadata=_label("钥匙编号", "Key no."))


class LoanKeySchema(_KeySchema):
    """钥匙领用登记: a department borrows the key for its work."""

    class Meta:
        unknown = RAISE
        label = {"zh": "钥匙领用登记", "en": "Lend the key"}

    borrower = _text("领用人", "Borrower")
    department = OptionalText(choices=KEY_BORROWER_DEPARTMENTS.codes,
                              metadata=_label("部门", "Department", choices=KEY_BORROWER_DEPARTMENTS.codes))
    purpose = _text("用途", "Purpose", 256)
    expected_back_at = fields.AwareDateTime(load_default=None, allow_none=True, default_timezone=OFFICE_TZ,
                                            metadata=_label("预计归还时间", "Expected back at", format="datetime"))
    owner_authorisation_ref = _text("业主授权(委托保管钥匙)", "Owner's authorisation (entrusted key)", 128)


class ReturnKeySchema(Schema):
    """钥匙归还注销: the key came back; the register entry is cancelled. Give the key or the loan."""

    class Meta:
        unknown = RAISE
        label = {"zh": "钥匙归还", "en": "Key returned"}

    key_no = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=32),
                           metadata=_label("钥匙编号", "Key no."))
    loan_no = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=32),
                            metadata=_label("领用登记编号", "Loan no."))


class WithdrawKeySchema(_KeySchema):
    """退还业主: an entrusted key is given back to its owner."""

    class Meta:
        unknown = RAISE
        label = {"zh": "钥匙退还业主", "en": "Give the key back to the owner"}

    received_by = _text("领回人(业主/受托人)", "Received by (owner or agent)")


class HandOverCustodySchema(_KeySchema):
    """保管人交接: another CS staff member holds the key."""

    class Meta:
        unknown = RAISE
        label = {"zh": "保管人交接", "en": "Hand over custody"}

    custodian = _text("新保管人(员工号)", "New custodian (staff id)")


# --- query arguments ------------------------------------------------------------------------------
class KeyNoArgs(Schema):
    key_no = RecordId(max_len=32)


class LoanNoArgs(Schema):
    loan_no = RecordId(max_len=32)


class ListKeysArgs(Schema):
    state = OptionalText(choices=KEY_STATES.codes, metadata=_label("状态", "State"))
    kind = OptionalText(choices=KEY_KINDS.codes, metadata=_label("类型", "Kind"))
    unit_id = OptionalText(max_len=32, metadata=_label("单元", "Unit"))
    q = OptionalText(max_len=64, metadata=_label("搜索", "Search"))


class ListLoansArgs(Schema):
    open = Flag(load_default=None, allow_none=True, metadata=_label("未归还", "Not returned"))
    overdue = Flag(load_default=None, allow_none=True, metadata=_label("逾期", "Overdue"))
    key_no = OptionalText(max_len=32, metadata=_label("钥匙编号", "Key no."))
    q = OptionalText(max_len=64, metadata=_label("搜索", "Search"))


class NoArgs(Schema):
    pass
