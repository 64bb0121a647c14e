"""What reports answers over RPC (reports: read models). See `propdesk.contracts.rpc`."""
from __future__ import annotations

from marshmallow import Schema, fields

from propdesk.contracts.envelope import ActorSchema
from propdesk.contracts.rpc.common import UtcDateTime


class TimelineEntrySchema(Schema):
    """One event of a business case, as the desk reads it. `reports.timeline`."""

    event_id = fields.String()
    event_type = fields.String()
    occurred_at = UtcDateTime()
    producer = fields.String()
    actor = fields.Nested(ActorSchema)
    summary = fields.String(metadata={"description": "one line for the desk"})
    payload = fields.Dict()


class RecentEventSchema(TimelineEntrySchema):
    """A timeline entry with the case it belongs to. `reports.recent_events`."""

    correlation_id = fields.String()


class MoveOutCountsSchema(Schema):
    """Move-out cases by state (every known state, 0 when none) and in total. `reports.move_out_counts`."""

    by_state = fields.Dict(keys=fields.String(), values=fields.Integer())
    total = fields.Integer()
