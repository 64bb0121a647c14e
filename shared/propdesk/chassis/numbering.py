"""The desk's readable numbers: ``<SERIES>-<yyyymmdd>-<nnnn>`` by office day (Asia/Shanghai).

One scheme for every number a person reads or says: move-outs (``MO-20261122-0001``), work orders
(``WO-``), release slips (物品放行条, ``FX-``), and every
number later workflows need (receipts, notices, passes). A service's numbers come from its own
`number_sequence` table (a chassis table, in every service's database), in the SAME transaction as
the record that carries the number: a rolled-back command gives its number back, so numbers have
no gaps from failures and never repeat.

Safe under concurrent requests and several processes, on SQLite and PostgreSQL: the counter is
bumped with one ``UPDATE ... SET last = last + 1 ... RETURNING last``, which takes the row's write
lock (PostgreSQL waits on the row; SQLite on the database's write lock), so two transactions can
never read the same value. The first number of a day inserts the row; two first numbers at once
collide on the primary key inside a savepoint, and the loser bumps the row the winner inserted.

A block of numbers (`next_numbers`: a billing run numbering a thousand notices in one batch) is
one ``UPDATE ... SET last = last + n ... RETURNING last`` under the same lock: the block is
``last - n + 1 .. last``, contiguous, never shared with another transaction.

Four digits a day per series are the office's format; a 10,000th number of a day widens to five
digits rather than fail (still unique, still sorted within the day).
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import insert, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from propdesk.chassis.tables import NumberSequence

_TABLE = NumberSequence.__table__


def format_number(series: str, day: date, seq: int) -> str:
    return f"{_prefix(series, day)}{seq:04d}"


def _prefix(series: str, day: date) -> str:
    return f"{series}-{day:%Y%m%d}-"


def next_number(session: Session, series: str, day: date) -> str:
    """The next number of `series` on office day `day`, counted in `session`'s transaction."""
    return format_number(series, day, _take(session, series, day, 1))


def next_numbers(session: Session, series: str, day: date, n: int) -> list[str]:
    """The next `n` numbers of `series` on office day `day`, in order, counted in `session`'s
    transaction with one statement (as `next_number`: race-safe, given back on rollback)."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError(f"a block of numbers is a count >= 0: {n!r}")
    if n == 0:
        return []
    last = _take(session, series, day, n)
    prefix = _prefix(series, day)  # once a block (a billing run numbers 2,000 at a time)
    return [f"{prefix}{seq:04d}" for seq in range(last - n + 1, last + 1)]


def next_block(session: Session, series: str, day: date, n: int) -> tuple[str, int]:
    """The next `n` numbers of `series` on office day `day` as (prefix, first count): numbers
    ``prefix + number_sql(first .. first + n - 1)`` for the database to write itself (a billing run
    numbering its notices by one UPDATE); counted as `next_numbers`, race-safe, given back on rollback."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"a block of numbers is a count >= 1: {n!r}")
    return _prefix(series, day), _take(session, series, day, n) - n + 1


def number_sql(dialect: str, seq: str) -> str:
    """SQL formatting the integer expression `seq` as `format_number` does after its prefix: four
    digits at least, wider past 9,999 (never cut)."""
    if dialect == "sqlite":
        return f"printf('%04d', {seq})"
    return f"CASE WHEN {seq} < 10000 THEN lpad(CAST({seq} AS TEXT), 4, '0') ELSE CAST({seq} AS TEXT) END"


def _take(session: Session, series: str, day: date, n: int) -> int:
    """Bump the (series, day) counter by `n`; the new last number."""
    if not series.isalnum() or not series.isupper():
        raise ValueError(f"a number series is upper-case letters and digits: {series!r}")
    key = day.strftime("%Y%m%d")
    bump = (update(_TABLE).where(_TABLE.c.series == series, _TABLE.c.day == key)
            .values(last=_TABLE.c.last + n).returning(_TABLE.c.last))
    seq = session.execute(bump).scalar()
    if seq is None:
        try:
            with session.begin_nested():
                session.execute(insert(_TABLE).values(series=series, day=key, last=n))
            seq = n
        except IntegrityError:  # another transaction took the day's first number meanwhile
            seq = session.execute(bump).scalar_one()
    return seq
