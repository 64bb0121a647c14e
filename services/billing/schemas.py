"""Marshmallow schemas of the billing service's RPC inputs (validated at the edge).

What billing answers (balance, payment, clearance, arrears) is defined once in
`propdesk.contracts.rpc`, shared with the gateway's OpenAPI document.

The payment's amount, method and receipt number pass the edge as given and are judged by
`domain.validate_payment`, which reports every problem with its rule (positive_amount,
max_2_decimals, ...); the schema checks the shape (unit_id present, strings, no unknown fields).
"""
from __future__ import annotations

from marshmallow import Schema, fields


class RecordPaymentSchema(Schema):
    unit_id = fields.String(required=True)
    amount = fields.Raw(allow_none=True, load_default=None)
    method = fields.String(allow_none=True, load_default=None)
    receipt_no = fields.String(allow_none=True, load_default=None)
    party_id = fields.String(allow_none=True, load_default=None)
