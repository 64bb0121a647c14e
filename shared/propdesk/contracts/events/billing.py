"""The events billing announces (billing: fee clearance and payments (费用结清, 收费)): one contract per (type, version).

Who consumes them is not written here: it is read from the subscription tables
(`messages.SUBSCRIPTIONS`) into docs/events.md."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from propdesk.contracts import vocab
from propdesk.contracts.events._fields import Estate, Money
from propdesk.contracts.registry import contract


class _ClearanceV1(Schema):
    unit_id = fields.String(required=True)
    estate = Estate()  # the unit's (管理处); optional: added in place
    party_id = fields.String(required=True, allow_none=True)
    move_out_id = fields.String(required=True, allow_none=True)
    outstanding_amount = Money(required=True)
    as_of = fields.AwareDateTime(required=True)


@contract("billing.clearance_confirmed", 1, producer="billing")
class ClearanceConfirmedV1(_ClearanceV1):
    """Finance confirms the unit owes nothing (费用结清): a release slip may be issued."""


@contract("billing.clearance_failed", 1, producer="billing")
class ClearanceFailedV1(_ClearanceV1):
    """Finance found fees outstanding: no release slip until they are paid (WI/FW-020)."""


@contract("payment.received", 1, producer="billing")
class PaymentReceivedV1(Schema):
    """A payment was taken at the counter or matched from the bank (`prepaid_amount`: its prepayment, 预收款)."""

    payment_id = fields.String(required=True)
    party_id = fields.String(required=True, allow_none=True)
    unit_id = fields.String(required=True)
    estate = Estate()  # the fee account's (管理处); optional: added in place
    amount = Money(required=True)
    method = fields.String(required=True, validate=validate.OneOf(vocab.PAYMENT_METHODS.codes))
    receipt_no = fields.String(required=True)
    matched_bank_slip = fields.String(load_default=None, allow_none=True)
    #: the part of `amount` beyond what the unit owed (预收款/预交物业费); added in place (optional):
    #: a payment announced without it prepaid nothing
    prepaid_amount = Money(load_default="0.00")
