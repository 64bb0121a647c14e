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
    return f"{series}-{day:%Y%m%d}-{seq:04d}"


def next_number(session: Session, series: str, day: date) -> str:
    """The next number of `series` on office day `day`, counted in `session`'s transaction."""
    if not series.isalnum() or not series.isupper():
        raise ValueError(f"a number series is upper-case letters and digits: {series!r}")
    key = day.strftime("%Y%m%d")
    bump = (update(_TABLE).where(_TABLE.c.series == series, _TABLE.c.day == key)
            .values(last=_TABLE.c.last + 1).returning(_TABLE.c.last))
    seq = session.execute(bump).scalar()
    if seq is None:
        try:
            with session.begin_nested():
                session.execute(insert(_TABLE).values(series=series, day=key, last=1))
            seq = 1
        except IntegrityError:  # another transaction took the day's first number meanwhile
            seq = session.execute(bump).scalar_one()
    return format_number(series, day, seq)
