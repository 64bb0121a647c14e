"""A delivery that lost a race to a concurrent transaction is run again at once (chassis
`workflow.run_event`, `db.lost_a_race`); any other failure goes straight to the retry delays."""
from __future__ import annotations

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import Column, Integer, MetaData, Table, create_engine, insert
from sqlalchemy.exc import IntegrityError, OperationalError

from propdesk.chassis.db import lost_a_race
from propdesk.chassis.workflow import CONFLICT_RERUNS, run_event
from propdesk.contracts.envelope import Actor, Envelope, new_id, utcnow


class _PgError(Exception):
    def __init__(self, pgcode):
        super().__init__(f"pg {pgcode}")
        self.pgcode = pgcode


def _sqlite_error(statement: str):
    meta = MetaData()
    t = Table("t", meta, Column("id", Integer, primary_key=True), Column("n", Integer, nullable=False))
    engine = create_engine("sqlite://")
    meta.create_all(engine)
    with engine.begin() as c:
        c.execute(insert(t).values(id=1, n=1))
    try:
        with engine.begin() as c:
            c.exec_driver_sql(statement)
    except Exception as exc:  # noqa: BLE001 - the error is what is tested
        return exc
    raise AssertionError("no error")


def test_what_counts_as_a_lost_race():
    assert lost_a_race(_sqlite_error("INSERT INTO t (id, n) VALUES (1, 2)"))          # unique: raced
    assert not lost_a_race(_sqlite_error("INSERT INTO t (id, n) VALUES (2, NULL)"))   # NOT NULL: a bug
    assert lost_a_race(IntegrityError("INSERT", {}, _PgError("23505")))               # unique violation
    assert lost_a_race(OperationalError("UPDATE", {}, _PgError("40P01")))             # deadlock detected
    assert lost_a_race(OperationalError("UPDATE", {}, _PgError("40001")))             # serialization failure
    assert not lost_a_race(IntegrityError("INSERT", {}, _PgError("23503")))           # foreign key: a bug
    assert not lost_a_race(ValueError("no"))


class _Db:
    """A unit-of-work factory that counts what was opened and committed."""

    def __init__(self):
        self.opened = self.committed = 0

    def __call__(self):
        db = self

        class _Uow:
            def __enter__(self):
                db.opened += 1
                return self

            def __exit__(self, *exc):
                return False

            def commit(self):
                db.committed += 1

        return _Uow()


def _event() -> Envelope:
    return Envelope(event_id=new_id(), event_type="toy.happened", version=1, occurred_at=utcnow(),
                    producer="test", correlation_id=new_id(), causation_id=None, actor=Actor.system("test"),
                    payload={})


def _reruns(handler: str) -> float:
    return REGISTRY.get_sample_value("propdesk_handler_conflict_reruns_total",
                                     {"service": "toy", "handler": handler}) or 0


def test_a_lost_race_is_run_again_at_once_and_counted():
    db, calls = _Db(), []

    def on_toy_raced(event, uow):
        calls.append(event.event_id)
        if len(calls) == 1:
            raise IntegrityError("INSERT", {}, _PgError("23505"))

    before = _reruns("on_toy_raced")
    run_event(db, on_toy_raced, _event(), "toy")
    assert len(calls) == 2 and db.committed == 1
    assert _reruns("on_toy_raced") == before + 1


def test_a_race_lost_every_time_fails_after_the_reruns():
    db = _Db()

    def on_toy_always_raced(event, uow):
        raise OperationalError("UPDATE", {}, _PgError("40P01"))

    with pytest.raises(OperationalError):
        run_event(db, on_toy_always_raced, _event(), "toy")
    assert db.opened == CONFLICT_RERUNS + 1 and db.committed == 0


def test_any_other_failure_is_not_run_again():
    db = _Db()

    def on_toy_broken(event, uow):
        raise KeyError("unit_id")

    with pytest.raises(KeyError):
        run_event(db, on_toy_broken, _event(), "toy")
    assert db.opened == 1 and db.committed == 0
