"""Idempotency keys on commands: the same key and request answers the first result again.

A caller (the desk, through the gateway's ``Idempotency-Key`` header) may send a key with a
command. The owning service keeps the key, a hash of the command, the canonical request and the
actor, and the command's result in its own database, in the SAME transaction as the command's
effect (`UnitOfWork.idempotent` / `UnitOfWork.commit(result=...)`), so a crash cannot keep one
without the other:

- the same key with the same request (same actor) -> the stored result, and no second effect;
- the same key with another request (or another actor, or another command) -> `Conflict` naming
  the field and the rule ``reused_with_different_request``; nothing changes;
- two submissions with one key at once -> one effect: the key row is inserted before the effect,
  so the second submission waits for the first transaction (row or database lock) and then fails
  on the primary key; it rolls back and answers the first one's result.

Only services with commands keep keys: their models call `idempotency_table(Base.metadata)` and
their migration calls `schema_ops.create_idempotency_table()`. Keys are kept as long as the
records their commands made (see docs/architecture.md, "Idempotency keys").
"""
from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime

from sqlalchemy import Column, DateTime, MetaData, String, Table, Text

from propdesk.contracts.envelope import Actor
from propdesk.errors import Conflict, ValidationError

TABLE = "idempotency_key"

#: What a key may be: letters, digits and . _ : - ; a UUID fits, and so does "pay-1-1-702-R0001".
KEY_PATTERN = re.compile(r"[A-Za-z0-9._:\-]+")
KEY_MAX_LENGTH = 128

#: The rule a reused key breaks, as the desk sees it in the Conflict's message.
REUSED_RULE = "reused_with_different_request"


def idempotency_table(metadata: MetaData) -> Table:
    """The key table in a service's own metadata (only services with commands have one)."""
    return Table(
        TABLE, metadata,
        Column("key", String(KEY_MAX_LENGTH), primary_key=True),
        Column("command", String(128), nullable=False),
        Column("request_hash", String(64), nullable=False),
        Column("actor_id", String(64), nullable=False),
        Column("result", Text, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False),
    )


def checked_key(key, field: str = "idempotency_key") -> str | None:
    """The key as given, or None when none was sent; ValidationError naming `field` otherwise."""
    if key is None:
        return None
    if not isinstance(key, str):
        raise ValidationError.one(field, "type", "an idempotency key is a string")
    if not 1 <= len(key) <= KEY_MAX_LENGTH:
        raise ValidationError.one(field, "length", f"an idempotency key is 1 to {KEY_MAX_LENGTH} characters")
    if not KEY_PATTERN.fullmatch(key):
        raise ValidationError.one(field, "charset", "an idempotency key is letters, digits and . _ : - only")
    return key


def request_hash(command: str, request, actor: Actor) -> str:
    """SHA-256 of the command, the request (canonical JSON: sorted keys, no spaces) and the actor."""
    canonical = json.dumps({"command": command, "request": request, "actor": actor.as_dict()},
                           sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def reused(key: str, field: str = "idempotency_key") -> Conflict:
    """The Conflict for a key already used for another request; names the field and the rule."""
    return Conflict(f"key {key} was already used for a different request (another command, body or staff "
                    "member); send a new key for a new request", field=field, rule=REUSED_RULE)


def replay_of(row, key: str, digest: str):
    """The stored result when `row` holds the same request; Conflict when it holds another."""
    if row.request_hash != digest:
        raise reused(key)
    return json.loads(row.result)


def result_text(result) -> str:
    """The result as stored: JSON, as nameko would send it."""
    return json.dumps(result, ensure_ascii=False, default=str)


def new_row(key: str, command: str, digest: str, actor: Actor, result, at: datetime) -> dict:
    """The values of a key row for `Table.insert()` (the result is filled in at commit)."""
    return {"key": key, "command": command, "request_hash": digest, "actor_id": actor.id[:64],
            "result": result_text(result), "created_at": at}
