"""Field types every department's RPC contracts share: money and UTC times as they cross the wire."""
from __future__ import annotations

from datetime import datetime, timezone

from marshmallow import fields

from propdesk.money import money


class Money(fields.String):
    """An amount in yuan (元) as a string with two decimals, e.g. "1234.50"."""

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {}).setdefault("example", "1234.50")
        super().__init__(**kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else money(value)


class UtcDateTime(fields.DateTime):
    """A time as an ISO 8601 string with its offset. A naive time is UTC (SQLite drops the zone of
    the UTC times stored); an ISO string (as an event carries it) is passed on as the same time."""

    def _serialize(self, value, attr, obj, **kwargs):
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        if isinstance(value, datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return super()._serialize(value, attr, obj, **kwargs)
