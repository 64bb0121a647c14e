"""The idempotency key in the unit of work, without a broker: a key reused with another request,
and a rollback that must not keep the key. Two transactions racing on one key (as two processes
of a service would) are raced on PostgreSQL (tests/postgres/test_idempotency_race.py): on SQLite
every unit of work begins with the write lock, so the second cannot look the key up before the
first has committed it."""
from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select
from sqlalchemy.orm import sessionmaker

from propdesk.chassis import idempotency
from propdesk.chassis.db import Database, make_engine
from propdesk.chassis.idempotency import idempotency_table
from propdesk.chassis.tables import ChassisBase
from propdesk.contracts.envelope import Actor
from propdesk.errors import Conflict

CLERK = Actor("fd-01", "front_desk")


def toy_database(url: str) -> SimpleNamespace:
    """A toy service database at `url`: the chassis tables, idempotency keys and parcels."""
    metadata = MetaData()
    idempotency_table(metadata)
    parcels = Table("parcel", metadata, Column("id", Integer, primary_key=True), Column("name", String(32)))
    engine = make_engine(url)
    ChassisBase.metadata.create_all(engine)
    metadata.create_all(engine)
    database = Database(metadata)
    database.container = SimpleNamespace(service_name="toy")
    database.engine, database.Session = engine, sessionmaker(engine, expire_on_commit=False)
    return SimpleNamespace(database=database, parcels=parcels)


@pytest.fixture
def db(tmp_path):
    return toy_database(f"sqlite:///{tmp_path / 'toy.db'}")


def unit_of_work(db):
    from propdesk.chassis.db import UnitOfWork

    return UnitOfWork(db.database, actor=CLERK, correlation_id="c-1", event=None, handler=None)


def parcels(db) -> int:
    with db.database.Session() as s:
        return s.scalar(select(func.count()).select_from(db.parcels))


def log_parcel(db, key: str, name: str):
    with unit_of_work(db) as uow:
        replay = uow.idempotent(key, "log_parcel", {"name": name})
        if replay is not None:
            return replay.result
        uow.session.execute(insert(db.parcels).values(name=name))
        return uow.commit(result={"logged": name})


def test_a_race_on_one_key_with_another_request_is_a_conflict(db):
    assert log_parcel(db, "k-2", "P-2") == {"logged": "P-2"}
    with pytest.raises(Conflict) as err:
        log_parcel(db, "k-2", "P-3")
    assert (err.value.field, err.value.rule) == ("idempotency_key", "reused_with_different_request")
    assert parcels(db) == 1


def test_a_command_that_fails_keeps_no_key(db):
    with pytest.raises(RuntimeError):
        with unit_of_work(db) as uow:
            uow.idempotent("k-4", "log_parcel", {"name": "P-4"})
            raise RuntimeError("the domain refused")
    assert log_parcel(db, "k-4", "P-4") == {"logged": "P-4"}  # the key is free: the retry acts
    assert log_parcel(db, "k-4", "P-4") == {"logged": "P-4"}
    assert parcels(db) == 1


def test_a_service_without_a_key_table_says_so():
    database = Database(MetaData())
    database.container = SimpleNamespace(service_name="reports")
    from propdesk.chassis.db import UnitOfWork

    uow = UnitOfWork(database, actor=CLERK, correlation_id=None, event=None, handler=None)
    with pytest.raises(RuntimeError, match="keeps no idempotency keys"):
        uow.idempotent("k-5", "anything", {})
