"""The audit trail, chained by hash: an edited, inserted or deleted audit row is detected.

Every service's `audit_log` rows form one chain: each row stores the hash of the row before it
(`prev_hash`) and its own (`row_hash` = SHA-256 of its content and `prev_hash`). The chain's head
(`audit_chain_head`: the last hash and the number of rows) is moved in the same transaction as the
rows, with one ``UPDATE ... RETURNING`` that takes the head's row lock, so concurrent transactions
(PostgreSQL) or processes append one after another and the chain never forks; SQLite's write lock
does the same.

`verify(session)` walks the chain: a row whose content no longer gives its hash was edited; a row
whose `prev_hash` is not its predecessor's hash follows a deleted (or inserted) row; a head that
does not name the last row, or counts other than the rows there are, means rows were cut off the
end. `propdesk audit verify` runs it on every service database.

This detects tampering by anyone who cannot also recompute the chain and the head (someone with
write access to the database and this code can); an off-site copy of each head, taken by the
operator, closes that gap (docs/operations.md).
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timezone

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from propdesk.chassis.tables import AuditChainHead, AuditRow

GENESIS = "0" * 64
_HEAD = AuditChainHead.__table__


def _iso(at: datetime) -> str:
    at = at if at.tzinfo is not None else at.replace(tzinfo=timezone.utc)
    return at.astimezone(timezone.utc).isoformat()


def row_hash(row: dict, prev_hash: str) -> str:
    """The hash of one audit row's content (as stored) chained to the row before it."""
    content = [_iso(row["at"]), row["actor_id"], row["actor_role"], row["action"], row["object_type"],
               row["object_id"], row["correlation_id"], row["details"], prev_hash]
    if row.get("estate") is not None:  # rows from before estates were audited hash as they did
        content.append(row["estate"])
    return hashlib.sha256(json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode()).hexdigest()


def chain(conn, rows: list[dict]) -> None:
    """Give `rows` (about to be inserted, in order) their place in the chain, and move the head.
    Call inside the transaction that inserts them."""
    if not rows:
        return
    bump = (update(_HEAD).where(_HEAD.c.id == 1).values(rows=_HEAD.c.rows + len(rows))
            .returning(_HEAD.c.last_hash))
    prev = conn.execute(bump).scalar()
    if prev is None:
        try:
            with conn.begin_nested():
                conn.execute(insert(_HEAD).values(id=1, last_hash=GENESIS, rows=len(rows)))
            prev = GENESIS
        except IntegrityError:  # another transaction started the chain meanwhile
            prev = conn.execute(bump).scalar_one()
    for row in rows:
        row["prev_hash"] = prev
        row["row_hash"] = prev = row_hash(row, prev)
    conn.execute(update(_HEAD).where(_HEAD.c.id == 1).values(last_hash=prev))


@dataclass
class Verdict:
    rows: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(session) -> Verdict:
    """Walk the whole chain of one service database (see the module doc)."""
    verdict = Verdict()
    prev, last_id = GENESIS, None
    for r in session.execute(select(AuditRow.__table__).order_by(AuditRow.id)).mappings():
        verdict.rows += 1
        if r["prev_hash"] != prev:
            verdict.problems.append(f"audit row {r['id']}: the row before it is not the one it was chained to "
                                    f"(a row was deleted or inserted after audit row {last_id})")
        if row_hash(dict(r), r["prev_hash"] or "") != r["row_hash"]:
            verdict.problems.append(f"audit row {r['id']} ({r['action']} {r['object_type']}:{r['object_id']}) "
                                    "was edited: its content no longer gives its hash")
        prev, last_id = r["row_hash"], r["id"]
    head = session.execute(select(_HEAD).where(_HEAD.c.id == 1)).first()
    if head is None:
        if verdict.rows:
            verdict.problems.append("the chain's head is missing")
    else:
        if head.last_hash != prev:
            verdict.problems.append(f"the chain's head does not name the last row (audit row {last_id}): "
                                    "rows were removed from the end")
        if head.rows != verdict.rows:
            verdict.problems.append(f"the chain counts {head.rows} rows, the table has {verdict.rows}")
    return verdict


def verify_all(settings, names=None) -> dict[str, Verdict]:
    """`verify` every service database there is (all discovered services, or `names`)."""
    from pathlib import Path

    from sqlalchemy import inspect
    from sqlalchemy.exc import OperationalError
    from sqlalchemy.orm import Session

    from propdesk import plugins
    from propdesk.chassis import migrate
    from propdesk.chassis.db import make_engine

    out: dict[str, Verdict] = {}
    for name, cls in plugins.service_classes(names).items():
        if not migrate.has_database(cls):
            continue
        url = settings.db_url(name)
        if url.startswith("sqlite:///") and not Path(url[len("sqlite:///"):]).exists():
            continue  # never migrated here: nothing to verify
        engine = make_engine(url)
        try:
            try:
                migrated = inspect(engine).has_table("audit_log")
            except OperationalError:  # a server database never created for this service
                migrated = False
            if not migrated:
                continue  # never migrated here: nothing to verify
            with Session(engine) as s:
                out[name] = verify(s)
        finally:
            engine.dispose()
    return out
