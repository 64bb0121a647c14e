"""Estates (管理处): what a scoped reader or command may see (issue #8 §1 "Estates").

A property company runs several estates (`propdesk.contracts.vocab.ESTATES`); every unit belongs
to one, and staff see and act only within the estates they work for. The gateway passes the
person's estates with every RPC (``actor={"id", "role", "estates", "address"}``); the chassis
checks them (`edge.command_actor` / `edge.query_actor`) and hands them to the handler as
`CommandMessage.estates` / `Reader.estates`:

- ``None``: not scoped (a service acting on its own, another department's RPC, the CLI, a test);
- a tuple of codes, possibly empty: only records of those estates exist for this caller. A record
  of another estate answers **exactly as if it were absent** (the same NotFound, field and rule
  as an unknown id), and lists leave it out.

Each department keeps the estate of its own records (from the unit, or from the event that
created the record) and filters with these helpers::

    stmt = within(select(MoveOutCase), MoveOutCase.estate, reader.estates)
    case = session.get(MoveOutCase, move_out_id)
    if case is None or not visible(reader.estates, case.estate):
        raise NotFound(...)                       # the same answer for both
"""
from __future__ import annotations

from typing import Iterable


def visible(estates: Iterable[str] | None, estate: str | None) -> bool:
    """Whether a record of `estate` exists for a caller scoped to `estates` (None: not scoped,
    everything is visible). A record whose estate is unknown (None) is visible unscoped only."""
    if estates is None:
        return True
    return estate is not None and estate in estates


def within(stmt, column, estates: Iterable[str] | None):
    """`stmt` limited to rows whose `column` is one of `estates` (unchanged when not scoped)."""
    if estates is None:
        return stmt
    return stmt.where(column.in_(tuple(estates)))

