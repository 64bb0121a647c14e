"""The payments' edge: what `record_payment` may carry and the queries' arguments (marshmallow).

What billing answers (balance, payment, clearance, arrears) is defined once in
`propdesk.contracts.rpc`, shared with the gateway's OpenAPI document.

The payment's amount, method and receipt number pass the edge as given and are judged by
`domain.validate_payment`, which reports every problem with its rule (positive_amount,
max_2_decimals, ...); the schema checks the shape (unit_id present, strings, no unknown fields).
Labels (zh-CN, en) are for the desk's forms.
"""
from __future__ import annotations

from marshmallow import RAISE, Schema, fields

from propdesk.chassis.edge import RecordId
from propdesk.contracts.vocab import PAYMENT_METHODS


def label(zh: str, en: str) -> dict:
    return {"label": {"zh": zh, "en": en}}


class RecordPaymentSchema(Schema):
    """收费: a payment taken at the counter or matched from the bank, with its receipt (收费票据)."""

    class Meta:
        unknown = RAISE

    unit_id = fields.String(required=True, metadata=label("单元", "Unit"))
    amount = fields.Raw(allow_none=True, load_default=None, metadata=label("金额", "Amount"))
    method = fields.String(allow_none=True, load_default=None,
                           metadata={**label("缴费方式", "Method"), "choices": PAYMENT_METHODS.codes})
    receipt_no = fields.String(allow_none=True, load_default=None, metadata=label("收费票据号", "Receipt no."))
    party_id = fields.String(allow_none=True, load_default=None, metadata=label("缴款人", "Paid by"))


# --- query arguments ------------------------------------------------------------------------------
class UnitIdArgs(Schema):
    unit_id = RecordId(max_len=32)


class NoArgs(Schema):
    """A query without arguments."""
