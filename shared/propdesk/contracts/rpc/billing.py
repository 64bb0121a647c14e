"""What billing answers over RPC (billing: fee accounts, payments (收费) and fee clearance (费用结清)). See `propdesk.contracts.rpc`."""
from __future__ import annotations

from marshmallow import Schema, fields

from propdesk.contracts.rpc.common import Money, UtcDateTime


class OutstandingSchema(Schema):
    """What a unit owes (欠费), to the cent; negative is a credit. `billing.list_arrears` (units that
    owe something) and the balance in `record_payment`'s answer."""

    unit_id = fields.String()
    estate = fields.String(metadata={"description": "the unit's estate (管理处): a code of vocab.ESTATES"})
    outstanding = Money()


class ChargeSchema(Schema):
    """One charge on a unit's fee account (a month's management fee, ...)."""

    period = fields.String(metadata={"example": "2026-10"})
    item = fields.String()
    amount = Money()


class PaymentSchema(Schema):
    """A payment taken at the counter or matched from the bank, with its receipt (收费票据)."""

    payment_id = fields.String()
    unit_id = fields.String()
    party_id = fields.String(allow_none=True, metadata={"description": "who paid, when given"})
    amount = Money()
    method = fields.String(metadata={"description": "cash | cheque | bank"})
    receipt_no = fields.String(metadata={"description": "receipt number (收费票据号)"})
    received_at = UtcDateTime()
    recorded_by = fields.String(metadata={"description": "the staff id that recorded it"})
    period = fields.String(allow_none=True)
    item = fields.String(allow_none=True)


class ClearanceSchema(Schema):
    """A move-out's fee clearance (费用结清) as billing keeps it."""

    move_out_id = fields.String()
    unit_id = fields.String()
    party_id = fields.String(allow_none=True)
    status = fields.String(metadata={"description": "pending | confirmed"})
    outstanding = Money(attribute="last_outstanding", metadata={"description": "owed at the last check"})
    updated_at = UtcDateTime()


class BalanceSchema(Schema):
    """A unit's fee account (费用余额): what it owes, its prepaid money (预收款), its charges by
    period, its payments (oldest first). `billing.get_balance`."""

    unit_id = fields.String()
    estate = fields.String(metadata={"description": "the unit's estate (管理处): a code of vocab.ESTATES"})
    outstanding = Money(metadata={"description": "charged minus paid; negative while the unit is in credit"})
    credit = Money(metadata={"label": {"zh": "预收款", "en": "Prepaid (credit)"},
                             "description": "paid beyond the charges, not yet used by them (预收款); "
                                            "\"0.00\" while the unit owes anything"})
    charges = fields.List(fields.Nested(ChargeSchema))
    payments = fields.List(fields.Nested(PaymentSchema))


class PaymentResultSchema(Schema):
    """A recorded payment with the unit's new balance and the move-out clearances it re-checked.
    `billing.record_payment`."""

    payment = fields.Nested(PaymentSchema)
    balance = fields.Nested(OutstandingSchema)
    clearances = fields.List(fields.Nested(ClearanceSchema),
                             metadata={"description": "the unit's pending clearances, confirmed when settled"})
    prepaid_amount = Money(metadata={"label": {"zh": "预收款", "en": "Prepayment"},
                                     "description": "the part of this payment beyond what the unit owed "
                                                    "(预收款/预交物业费); \"0.00\" when none"})
    credit = Money(metadata={"label": {"zh": "预收款余额", "en": "Credit"},
                             "description": "the unit's prepaid money after this payment (as in get_balance)"})
