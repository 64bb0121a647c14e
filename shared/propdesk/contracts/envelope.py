"""The event envelope every propdesk event travels in (conventions §3.4, domain.md §8).

```
{event_id, event_type, version, occurred_at, producer, correlation_id, causation_id,
 actor: {id, role}, payload: {...}}
```
`correlation_id` is one per business case (one move-out); `causation_id` is the event id (or
command id) that caused this one. Consumers ignore unknown fields (marshmallow EXCLUDE).
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone

from marshmallow import EXCLUDE, Schema, fields, validate


def new_id() -> str:
    return uuid.uuid4().hex


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class Actor:
    """Who did it: a staff member (id + role), a resident, or a service acting on its own."""

    id: str
    role: str

    @classmethod
    def system(cls, service: str) -> "Actor":
        return cls(id=service, role="system")

    def as_dict(self) -> dict:
        return {"id": self.id, "role": self.role}


class ActorSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    role = fields.String(required=True, validate=validate.Length(min=1, max=64))


class EnvelopeSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    event_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    event_type = fields.String(required=True, validate=validate.Length(min=1, max=128))
    version = fields.Integer(required=True, validate=validate.Range(min=1))
    occurred_at = fields.AwareDateTime(required=True, default_timezone=timezone.utc)
    producer = fields.String(required=True)
    correlation_id = fields.String(required=True)
    causation_id = fields.String(required=True, allow_none=True)
    actor = fields.Nested(ActorSchema, required=True)
    payload = fields.Dict(required=True)


@dataclass(frozen=True)
class Envelope:
    event_id: str
    event_type: str
    version: int
    occurred_at: datetime
    producer: str
    correlation_id: str
    causation_id: str | None
    actor: Actor
    payload: dict = field(default_factory=dict)

    def to_json_dict(self) -> dict:
        return {
            "event_id": self.event_id,
            "event_type": self.event_type,
            "version": self.version,
            "occurred_at": self.occurred_at.isoformat(),
            "producer": self.producer,
            "correlation_id": self.correlation_id,
            "causation_id": self.causation_id,
            "actor": self.actor.as_dict(),
            "payload": self.payload,
        }

    @classmethod
    def from_json_dict(cls, data: dict) -> "Envelope":
        """Validate a received envelope; raises marshmallow.ValidationError when malformed."""
        loaded = _ENVELOPE_SCHEMA.load(data)
        return cls(
            event_id=loaded["event_id"],
            event_type=loaded["event_type"],
            version=loaded["version"],
            occurred_at=loaded["occurred_at"],
            producer=loaded["producer"],
            correlation_id=loaded["correlation_id"],
            causation_id=loaded.get("causation_id"),
            actor=Actor(**loaded["actor"]),
            payload=loaded["payload"],
        )


#: one instance for every received envelope (a schema holds no per-load state; building one per
#: message was a measurable share of a consumer's time, bench S1)
_ENVELOPE_SCHEMA = EnvelopeSchema()
