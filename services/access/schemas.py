"""Marshmallow schemas of the access RPCs' inputs, validated at the edge.

What access answers (the release slip, the held release) is defined once in
`propdesk.contracts.rpc`, shared with the gateway's OpenAPI document.
"""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from propdesk.contracts.rpc import SLIP_STATUSES


class ReleaseAtGateSchema(Schema):
    slip_no = fields.String(required=True, validate=validate.Length(min=1, max=32))


class ListReleaseSlipsSchema(Schema):
    status = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(SLIP_STATUSES))


class MoveOutIdSchema(Schema):
    move_out_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
