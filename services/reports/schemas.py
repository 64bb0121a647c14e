"""Marshmallow schemas of the reports RPCs (inputs)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

MAX_RECENT = 500


class TimelineSchema(Schema):
    correlation_id = fields.String(required=True, validate=validate.Length(min=1, max=64))


class RecentEventsSchema(Schema):
    limit = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=MAX_RECENT))
