"""The event log's edge: the arguments of its queries (marshmallow).

What the desk is shown (a timeline entry) is a contract shared with the gateway:
`propdesk.contracts.rpc` (`TimelineEntrySchema`, `RecentEventSchema`).
"""
from __future__ import annotations

from marshmallow import Schema, fields, validate

#: The most events `recent_events` answers at once.
MAX_RECENT = 500


class TimelineArgs(Schema):
    """`timeline(correlation_id)`."""

    correlation_id = fields.String(required=True, validate=validate.Length(min=1, max=64))


class RecentEventsArgs(Schema):
    """`recent_events(limit=50)`."""

    limit = fields.Integer(load_default=50, strict=True, validate=validate.Range(min=1, max=MAX_RECENT))
