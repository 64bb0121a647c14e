"""What access answers about its key board (钥匙, domain.md §2.8; QR-006FW, QR-007FW): a key, a
loan register entry, and the counts (keys in custody, on loan, overdue). See `propdesk.contracts.rpc`."""
from __future__ import annotations

from marshmallow import Schema, fields

from propdesk.contracts import vocab
from propdesk.contracts.rpc.common import UtcDateTime


def _l(zh: str, en: str, **more) -> dict:
    return {"label": {"zh": zh, "en": en}, **more}


class KeySchema(Schema):
    """A key on the board: classified, numbered, with its custodian. `access.get_key`, `list_keys`."""

    key_no = fields.String(metadata=_l("钥匙编号", "Key no."))
    kind = fields.String(metadata=_l("类型", "Kind", vocab=vocab.KEY_KINDS))
    category = fields.String(metadata=_l("类别", "Category", vocab=vocab.KEY_CATEGORIES))
    label = fields.String(metadata=_l("钥匙牌号", "Tag label"))
    copies = fields.Integer(metadata=_l("把数", "Copies"))
    unit_id = fields.String(metadata=_l("单元", "Unit"))
    estate = fields.String(allow_none=True, metadata=_l("管理处", "Estate", vocab=vocab.ESTATES))
    custodian = fields.String(metadata=_l("保管人", "Custodian"))
    state = fields.String(metadata=_l("状态", "State", vocab=vocab.KEY_STATES))
    owner_name = fields.String(allow_none=True, metadata=_l("委托业主", "Owner (entrusted)"))
    entrustment_ref = fields.String(allow_none=True, metadata=_l("托管声明", "Owner's statement"))
    current_loan_no = fields.String(allow_none=True, metadata=_l("当前领用", "Current loan"))
    registered_by = fields.String(metadata=_l("登记人", "Registered by"))
    registered_at = UtcDateTime(metadata=_l("登记时间", "Registered at"))
    withdrawn_at = UtcDateTime(allow_none=True, metadata=_l("退还业主时间", "Given back at"))
    withdrawn_by = fields.String(allow_none=True, metadata=_l("经办人", "Given back by"))
    withdrawn_to = fields.String(allow_none=True, metadata=_l("领回人", "Received by"))


class KeyLoanSchema(Schema):
    """An entry of the loan register (钥匙领用登记表 / QR-007FW). `access.get_key_loan`, `list_key_loans`."""

    loan_no = fields.String(metadata=_l("领用编号", "Loan no."))
    key_no = fields.String(metadata=_l("钥匙编号", "Key no."))
    unit_id = fields.String(metadata=_l("单元", "Unit"))
    estate = fields.String(allow_none=True, metadata=_l("管理处", "Estate", vocab=vocab.ESTATES))
    borrower = fields.String(metadata=_l("领用人", "Borrower"))
    department = fields.String(metadata=_l("部门", "Department", vocab=vocab.KEY_BORROWER_DEPARTMENTS))
    purpose = fields.String(metadata=_l("用途", "Purpose"))
    owner_authorisation_ref = fields.String(allow_none=True, metadata=_l("业主授权", "Owner's authorisation"))
    lent_by = fields.String(metadata=_l("借出经办人", "Lent by"))
    out_at = UtcDateTime(metadata=_l("借出时间", "Out at"))
    expected_back_at = UtcDateTime(metadata=_l("预计归还", "Expected back"))
    returned_at = UtcDateTime(allow_none=True, metadata=_l("归还时间", "Returned at"))
    returned_by = fields.String(allow_none=True, metadata=_l("注销人", "Cancelled by"))
    overdue = fields.Boolean(metadata=_l("逾期", "Overdue"))


class KeyCountsSchema(Schema):
    """The key board in numbers (`access.key_counts`): keys by state and kind, loans open and overdue."""

    in_custody = fields.Integer()
    on_loan = fields.Integer()
    withdrawn = fields.Integer()
    vacant = fields.Integer()
    entrusted = fields.Integer()
    loans_open = fields.Integer()
    loans_overdue = fields.Integer()
