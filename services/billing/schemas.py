"""Marshmallow schemas of the billing service: RPC inputs (validated at the edge) and outputs.

The payment's amount, method and receipt number pass the edge as given and are judged by
`domain.validate_payment`, which reports every problem with its rule (positive_amount,
max_2_decimals, ...); the schema checks the shape (unit_id present, strings, no unknown fields).
"""
from __future__ import annotations

from marshmallow import Schema, fields

from propdesk.chassis.db import aware
from propdesk_services.billing import domain


class RecordPaymentSchema(Schema):
    unit_id = fields.String(required=True)
    amount = fields.Raw(allow_none=True, load_default=None)
    method = fields.String(allow_none=True, load_default=None)
    receipt_no = fields.String(allow_none=True, load_default=None)
    party_id = fields.String(allow_none=True, load_default=None)


def _money(attr: str):
    return fields.Function(lambda row: domain.money(getattr(row, attr)))


def _iso(attr: str):
    return fields.Function(lambda row: aware(getattr(row, attr)).isoformat())


class ChargeSchema(Schema):
    period = fields.String()
    item = fields.String()
    amount = _money("amount")


class PaymentSchema(Schema):
    payment_id = fields.String()
    unit_id = fields.String()
    party_id = fields.String(allow_none=True)
    amount = _money("amount")
    method = fields.String()
    receipt_no = fields.String()
    received_at = _iso("received_at")
    recorded_by = fields.String()
    period = fields.String(allow_none=True)
    item = fields.String(allow_none=True)


class ClearanceSchema(Schema):
    move_out_id = fields.String()
    unit_id = fields.String()
    party_id = fields.String(allow_none=True)
    status = fields.String()
    outstanding = _money("last_outstanding")
    updated_at = _iso("updated_at")
