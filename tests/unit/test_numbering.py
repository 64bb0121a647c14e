"""The desk's readable numbers (propdesk.chassis.numbering): ``<SERIES>-<yyyymmdd>-<nnnn>``, counted
per series and office day in the same transaction as the record that carries the number."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from datetime import date

import pytest
from sqlalchemy.orm import Session

from propdesk.chassis.db import make_engine
from propdesk.chassis.numbering import format_number, next_number, next_numbers
from propdesk.chassis.tables import ChassisBase

DAY = date(2026, 11, 23)


@pytest.fixture
def engine(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'numbers.db'}")
    ChassisBase.metadata.create_all(engine)
    yield engine
    engine.dispose()


def take(engine, series: str, day: date, commit: bool = True) -> str:
    with Session(engine) as s:
        number = next_number(s, series, day)
        if commit:
            s.commit()
        else:
            s.rollback()
        return number


def test_numbers_count_up_per_series_and_day(engine):
    assert [take(engine, "WO", DAY) for _ in range(3)] == ["WO-20261123-0001", "WO-20261123-0002", "WO-20261123-0003"]
    assert take(engine, "MO", DAY) == "MO-20261123-0001"  # each series counts on its own
    assert take(engine, "WO", DAY) == "WO-20261123-0004"


def test_the_next_day_starts_again_at_one(engine):
    take(engine, "WO", DAY)
    take(engine, "WO", DAY)
    assert take(engine, "WO", date(2026, 11, 24)) == "WO-20261124-0001"
    assert take(engine, "WO", DAY) == "WO-20261123-0003"  # the day before keeps its own count


def test_a_rolled_back_transaction_gives_its_number_back(engine):
    assert take(engine, "WO", DAY) == "WO-20261123-0001"
    assert take(engine, "WO", DAY, commit=False) == "WO-20261123-0002"
    assert take(engine, "WO", DAY) == "WO-20261123-0002"
    # the day's first number too (the row is inserted, then rolled back)
    assert take(engine, "WO", date(2026, 11, 25), commit=False) == "WO-20261125-0001"
    assert take(engine, "WO", date(2026, 11, 25)) == "WO-20261125-0001"


def test_the_format_and_the_series_rule(engine):
    assert format_number("FX", date(2027, 1, 5), 7) == "FX-20270105-0007"
    assert format_number("WO", DAY, 10000) == "WO-20261123-10000"  # widens rather than fail
    for bad in ("wo", "W-O", "", "W O"):
        with Session(engine) as s, pytest.raises(ValueError):
            next_number(s, bad, DAY)


def test_a_block_of_numbers_is_contiguous_and_shares_the_day_count(engine):
    with Session(engine) as s:  # the day's first numbers, as a block
        assert next_numbers(s, "FN", DAY, 3) == ["FN-20261123-0001", "FN-20261123-0002", "FN-20261123-0003"]
        s.commit()
    assert take(engine, "FN", DAY) == "FN-20261123-0004"
    with Session(engine) as s:
        assert next_numbers(s, "FN", DAY, 2) == ["FN-20261123-0005", "FN-20261123-0006"]
        assert next_numbers(s, "FN", DAY, 0) == []
        s.rollback()  # a rolled-back block is given back whole
    with Session(engine) as s:
        assert next_numbers(s, "FN", DAY, 1) == ["FN-20261123-0005"]
        for bad in (-1, 1.5, True, "2"):
            with pytest.raises(ValueError):
                next_numbers(s, "FN", DAY, bad)
        with pytest.raises(ValueError):
            next_numbers(s, "fn", DAY, 2)


_TAKER = textwrap.dedent("""
    import json, sys
    from datetime import date
    from sqlalchemy.orm import Session
    from propdesk.chassis.db import make_engine
    from propdesk.chassis.numbering import next_number, next_numbers

    url, count, block = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else 0
    engine = make_engine(url)
    print("ready", flush=True)
    sys.stdin.readline()                      # start together
    numbers = []
    for _ in range(count):
        with Session(engine) as s:
            if block:
                numbers.extend(next_numbers(s, "WO", date(2026, 11, 23), block))
            else:
                numbers.append(next_number(s, "WO", date(2026, 11, 23)))
            s.commit()
    print(json.dumps(numbers), flush=True)
""")


@pytest.mark.parametrize("block", [0, 7], ids=["one_by_one", "blocks_of_7"])
def test_two_sessions_on_one_sqlite_file_never_get_the_same_number(engine, block):
    """Two processes (two connections, as two service replicas or workers) take numbers (one at a
    time, or in blocks) from one database file at the same moment, starting on an empty day: every
    number once, none skipped."""
    url, count = str(engine.url), 40
    procs = [subprocess.Popen([sys.executable, "-c", _TAKER, url, str(count), str(block)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True) for _ in range(2)]
    try:
        for p in procs:
            assert p.stdout.readline().strip() == "ready"
        for p in procs:
            p.stdin.write("go\n")
            p.stdin.flush()
        taken = [json.loads(p.communicate(timeout=60)[0]) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    assert all(p.returncode == 0 for p in procs)
    every = taken[0] + taken[1]
    assert sorted(every) == [format_number("WO", DAY, n) for n in range(1, 2 * count * max(block, 1) + 1)]
    assert all(numbers == sorted(numbers) for numbers in taken)  # each session's own numbers count up


def test_a_block_the_database_formats_is_the_numbers_next_numbers_would_give(engine):
    from sqlalchemy import text

    from propdesk.chassis.numbering import next_block, number_sql

    with Session(engine) as s:
        assert next_numbers(s, "FN", DAY, 2) == ["FN-20261123-0001", "FN-20261123-0002"]
        prefix, first = next_block(s, "FN", DAY, 3)
        assert (prefix, first) == ("FN-20261123-", 3)
        assert next_numbers(s, "FN", DAY, 1) == ["FN-20261123-0006"]  # the block's three are taken
        formatted = [s.execute(text(f"SELECT :p || {number_sql('sqlite', ':n')}"), {"p": prefix, "n": n}).scalar()
                     for n in (1, 3, 9999, 10000, 123456)]
    assert formatted == [format_number("FN", DAY, n) for n in (1, 3, 9999, 10000, 123456)]
    with pytest.raises(ValueError):
        next_block(Session(engine), "FN", DAY, 0)
