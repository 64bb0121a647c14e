"""What every department's pure domain shares: the typed event a rule causes, and small helpers.

A domain function that changes a record returns the events it caused as `Event`s; the handler
adds them to its unit of work (`uow.emit_all(events)`), which checks each payload against its
contract. Payloads are JSON-ready (dates as ISO strings, money as "1234.50").
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import NamedTuple


class Event(NamedTuple):
    """A fact a domain rule caused: its type (a contract in `propdesk.contracts`) and payload."""

    type: str
    payload: dict


def blank(value: object) -> bool:
    """None, or a string of nothing but spaces."""
    return value is None or (isinstance(value, str) and not value.strip())


def as_utc(moment: datetime) -> datetime:
    """A stored time read back from SQLite has lost its zone; every stored time is UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)
