"""The two services benchmark S1 runs (bench/pipeline.py), built only from the propdesk chassis,
like tests/chassis/toy.py: every event goes domain commit -> outbox -> relay -> broker ->
`@subscribe` -> the consumer's unit of work (effect row + inbox row, one commit).

- `bench_producer` lets units (one `Lease` row, one audit row and one `bench.unit_let` event per
  unit of work, as a desk command does). Its `LoadGenerator` commits units of work as fast as the
  process can while the backlog -- events committed by the producer but not yet committed by the
  consumer: outbox + queue + in flight -- is below `BENCH_S1_MAX_LAG`. It learns how far the
  consumer got from the consumer's database (file or, S1-pg, PostgreSQL URL: a bench shortcut; services never read each
  other's tables). So the producer never runs away from the consumer, and the consumer's commit
  rate is the pipeline's sustained rate.
- `bench_consumer` records each event in a `Seen` row through its inbox.

Run each in its own process with `python -m bench.pipeline_worker NAME` (eventlet-patched).
"""
from __future__ import annotations

import os
import sqlite3
import time

import propdesk  # noqa: F401  (first: quiets eventlet's deprecation notice)
import eventlet
from marshmallow import Schema, fields
from nameko.extensions import DependencyProvider
from sqlalchemy import Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from propdesk.chassis.db import Database, UnitOfWorkFactory
from propdesk.chassis.messaging import subscribe
from propdesk.chassis.service import PropdeskService
from propdesk.contracts.envelope import Actor, Envelope
from propdesk.contracts.registry import contract

EVENT = "bench.unit_let"


@contract(EVENT, 1, producer="bench_producer")
class UnitLetV1(Schema):
    """A unit was let (bench only)."""

    lease_id = fields.String(required=True)
    unit_id = fields.String(required=True)
    tenant = fields.String(required=True)
    monthly_rent = fields.String(required=True)
    starts_on = fields.String(required=True)


class ProducerBase(DeclarativeBase):
    pass


class Lease(ProducerBase):
    __tablename__ = "lease"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    lease_id: Mapped[str] = mapped_column(String(32), unique=True)
    unit_id: Mapped[str] = mapped_column(String(32))


class ConsumerBase(DeclarativeBase):
    pass


class Seen(ConsumerBase):
    __tablename__ = "seen"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    lease_id: Mapped[str] = mapped_column(String(32))
    event_id: Mapped[str] = mapped_column(String(64))


_ENGINES: dict = {}


def query_scalar(db: str, sql: str) -> int:
    """One number from a service's database, read from outside: ``db`` is a SQLite file path or
    (S1-pg) a PostgreSQL SQLAlchemy URL (one small engine per URL, kept for the process)."""
    if "://" not in db:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            return conn.execute(sql).fetchone()[0]
        finally:
            conn.close()
    from sqlalchemy import text

    from propdesk.chassis.db import make_engine

    engine = _ENGINES.get(db)
    if engine is None:
        engine = _ENGINES[db] = make_engine(db, pool_size=1)
    with engine.connect() as conn:
        return conn.execute(text(sql)).scalar()


def committed_count(db: str, table: str) -> int:
    """Rows committed to ``table`` (ids are autoincrement and never deleted, so max(id))."""
    from sqlalchemy.exc import DBAPIError

    try:
        return query_scalar(db, f"SELECT coalesce(max(id), 0) FROM {table}")  # noqa: S608
    except (sqlite3.OperationalError, DBAPIError):  # table not there yet
        return 0


class LoadGenerator(DependencyProvider):
    """Commits units of work in a managed greenthread while the backlog is below the limit."""

    BATCH = 20   # units of work between yields to the hub (the relay and HTTP run in between)

    def setup(self) -> None:
        self.consumer_db = os.environ["BENCH_S1_CONSUMER_DB"]
        self.max_lag = int(os.environ.get("BENCH_S1_MAX_LAG", "2000"))
        self.database = next(d for d in self.container.extensions if isinstance(d, Database))
        self.produced = 0
        self._stopped = False

    def start(self) -> None:
        self.container.spawn_managed_thread(self._run, identifier="bench_producer.load")

    def stop(self) -> None:
        self._stopped = True

    kill = stop

    def _run(self) -> None:
        uow_factory = UnitOfWorkFactory(self.database, None, None)
        actor = Actor("S-FD-01", "front_desk")
        while not self._stopped:
            room = self.max_lag - (self.produced - committed_count(self.consumer_db, "seen"))
            if room <= 0:
                eventlet.sleep(0.005)
                continue
            for _ in range(min(room, self.BATCH)):
                self._let_unit(uow_factory, actor)
            eventlet.sleep(0)

    def _let_unit(self, uow_factory: UnitOfWorkFactory, actor: Actor) -> None:
        n = self.produced + 1
        lease_id, unit_id = f"L-{os.getpid()}-{n}", f"A-{n % 40 + 1}-{n % 997:04d}"
        with uow_factory(actor=actor, correlation_id=lease_id) as uow:
            uow.session.add(Lease(lease_id=lease_id, unit_id=unit_id))
            uow.emit(EVENT, {"lease_id": lease_id, "unit_id": unit_id, "tenant": "张三 Zhang San",
                             "monthly_rent": "4800.00", "starts_on": time.strftime("%Y-%m-%d")})
            uow.audit("lease.let", "lease", lease_id)
            uow.commit()
        self.produced = n

    def get_dependency(self, worker_ctx):
        return self.produced


class BenchProducer(PropdeskService):
    name = "bench_producer"
    db = Database(ProducerBase.metadata)
    load = LoadGenerator()


class BenchConsumer(PropdeskService):
    name = "bench_consumer"
    db = Database(ConsumerBase.metadata)

    @subscribe(EVENT)
    def on_unit_let(self, event: Envelope) -> None:
        with self.db() as uow:
            uow.session.add(Seen(lease_id=event.payload["lease_id"], event_id=event.event_id))
            uow.commit()


SERVICES = {cls.name: cls for cls in (BenchProducer, BenchConsumer)}
