"""Two transactions racing on one idempotency key, as two processes of a service would, on
PostgreSQL (where their transactions really overlap; on SQLite the write lock taken at the start of
every unit of work makes the second wait for the first)."""
from __future__ import annotations

import pytest
from sqlalchemy import insert

from propdesk.chassis import idempotency
from tests.chassis.test_idempotency import log_parcel, parcels, toy_database, unit_of_work


@pytest.fixture
def db(pg_url):
    toy = toy_database(pg_url)
    yield toy
    toy.database.engine.dispose()


def test_the_loser_of_a_race_on_one_key_answers_the_winners_result(db, monkeypatch):
    """The winner commits between the loser's look-up of the key (not there yet) and its insert:
    the insert fails on the primary key, the loser rolls back and answers the winner's result."""
    first, second = unit_of_work(db), unit_of_work(db)
    real_new_row = idempotency.new_row
    with first, second:
        assert first.idempotent("k-1", "log_parcel", {"name": "P-1"}) is None
        first.session.execute(insert(db.parcels).values(name="P-1"))

        def winner_commits_first(*args, **kwargs):
            monkeypatch.setattr(idempotency, "new_row", real_new_row)
            first.commit(result={"logged": "P-1"})
            return real_new_row(*args, **kwargs)

        monkeypatch.setattr(idempotency, "new_row", winner_commits_first)
        replay = second.idempotent("k-1", "log_parcel", {"name": "P-1"})
    assert replay is not None and replay.result == {"logged": "P-1"}
    assert parcels(db) == 1
    assert log_parcel(db, "k-1", "P-1") == {"logged": "P-1"} and parcels(db) == 1


