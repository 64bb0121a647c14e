"""A service's own database and the unit of work around one command or event.

`Database(metadata)` is a nameko DependencyProvider. It builds the engine in `setup()` (never at
import), starts the outbox relay with the container, and gives each worker a `UnitOfWork` factory:

    with self.db(actor=actor, correlation_id=case_id) as uow:   # an RPC command
        uow.session.add(row)
        uow.emit("move_out.requested", {...})     # outbox row, same transaction
        uow.audit("move_out.accept", "move_out", row.move_out_id)
        uow.commit()

    with self.db() as uow:                         # inside an @subscribe handler
        ...                                        # inbox row, correlation and causation are automatic

    with self.db(actor=actor) as uow:              # a command with an idempotency key
        replay = uow.idempotent(idempotency_key, "record_payment", data)
        if replay is not None:
            return replay.result                   # the first result; nothing written again
        ...
        return uow.commit(result=answer)           # the key and the answer in the same commit

Leaving the block without `commit()` rolls everything back. In an event handler, entering the
block for an event this handler already processed raises `AlreadyProcessed`, which the entrypoint
acks as a duplicate; the inbox row's primary key makes the race between two deliveries safe too.

SQLite under eventlet: a write transaction must not yield to the hub (no RPC or sleep inside the
block), or another greenthread waiting on the SQLite lock blocks the whole process.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timezone

from nameko.extensions import DependencyProvider
from sqlalchemy import and_, bindparam, create_engine, event, insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from propdesk.chassis import audit_chain, deadlines, idempotency, metrics, numbering
from propdesk.chassis.clock import SYSTEM_CLOCK, clock_from_env
from propdesk.chassis.tables import AuditRow, InboxRow, OutboxRow
from propdesk.config import Settings
from propdesk.contracts import registry
from propdesk.contracts.envelope import Actor, Envelope, new_id, utcnow
from propdesk.privacy import mask

log = logging.getLogger(__name__)


class AlreadyProcessed(Exception):
    """This handler already processed this event id: skip it (the entrypoint acks it)."""


#: PostgreSQL's codes for a transaction that lost a race: unique violation (two created the same
#: row), serialization failure, deadlock detected.
_RACE_CODES = {"23505", "40001", "40P01"}


def lost_a_race(exc: BaseException) -> bool:
    """Whether `exc` ended a transaction only because a concurrent one got there first (a unique
    row created by both, a deadlock, SQLite's write lock held past its wait): the transaction rolled
    back whole and running it again may well succeed. Any other error is the handler's own."""
    orig = getattr(exc, "orig", None)
    if orig is None:
        return False
    code = getattr(orig, "pgcode", None)
    if code is not None:
        return code in _RACE_CODES
    text = str(orig)
    return ((isinstance(exc, IntegrityError) and "UNIQUE constraint failed" in text)
            or "database is locked" in text)


def write_lock_first(session: Session) -> None:
    """SQLite: begin the unit of work with the database's write lock (``BEGIN IMMEDIATE``), so what
    it reads is what it writes on. pysqlite otherwise reads outside any transaction until the first
    write: two processes of one service on one database file (``propdesk run --scale``) each read
    a case, then the second writes over the first's change (``SELECT ... FOR UPDATE`` locks nothing
    there). One process loses nothing by it (its units of work never yield to each other inside);
    another process' unit of work waits for the lock (the busy timeout). PostgreSQL: row locks do it.
    A connection already in a transaction (the test harness's one shared in-memory connection)
    is left as it is."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return
    if not connection.connection.dbapi_connection.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def settings_of(config: dict) -> Settings:
    return config.get("PROPDESK") or Settings.from_env()


def make_engine(url: str, pool_size: int = 10) -> Engine:
    """An engine for a service database. SQLite gets WAL, a busy timeout and foreign keys."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 15})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        return engine
    if url.startswith("postgresql"):
        green_psycopg2()
        # every stored time is UTC: `timestamp` columns receive aware datetimes converted to UTC
        return create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True,
                             connect_args={"options": "-c timezone=UTC"})
    return create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)


def green_psycopg2() -> None:
    """Make psycopg2 wait for the server through eventlet's hub, not in C: a slow query then
    blocks only its own greenthread, never nameko's AMQP heartbeats or the other workers
    (tests/postgres/test_driver.py). psycogreen's few lines; process-wide, idempotent, harmless
    outside eventlet (the hub still waits on the socket)."""
    import psycopg2
    from psycopg2 import extensions

    if extensions.get_wait_callback() is not None:
        return
    from eventlet.hubs import trampoline

    def wait(conn, timeout=None):
        while True:
            state = conn.poll()
            if state == extensions.POLL_OK:
                return
            if state == extensions.POLL_READ:
                trampoline(conn.fileno(), read=True)
            elif state == extensions.POLL_WRITE:
                trampoline(conn.fileno(), write=True)
            else:
                raise psycopg2.OperationalError(f"bad state from poll: {state}")

    extensions.set_wait_callback(wait)


#: How often a service refreshes its database's planner statistics (SQLite; PostgreSQL's autovacuum does it).
STATISTICS_EVERY_S = 3600


def refresh_statistics(engine: Engine) -> None:
    """Give SQLite's query planner what it needs to pick the selective index (a queue's state, a
    unit) over a merely present one (the estate, which most rows share): ANALYZE the first time,
    then ``PRAGMA optimize`` (re-analyzes what changed). Without it the desk's queues scan a whole
    estate once a table grows (bench T1). Nothing to do on PostgreSQL."""
    if engine.dialect.name != "sqlite":
        return
    with engine.connect() as conn:
        analyzed = conn.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'").first()
        conn.exec_driver_sql("PRAGMA optimize" if analyzed else "ANALYZE")
        conn.commit()


@dataclass(frozen=True)
class Replay:
    """A command already done under this idempotency key: its first result, to answer again."""

    result: object


@dataclass(frozen=True)
class _Claim:
    key: str
    command: str
    digest: str


# The chassis' own rows (inbox mark, outbox, audit) are collected as plain values and written with
# Core statements built once, in `commit()` just before the session flushes the domain rows, in the
# same transaction. As ORM objects each cost its own unit-of-work flush: bench S1 measured
# 1.77 -> 1.36 ms CPU per producer command and 1.67 -> 1.30 ms per consumed event with this.
_INBOX_SEEN = select(InboxRow.event_id).where(
    and_(InboxRow.handler == bindparam("handler"), InboxRow.event_id == bindparam("event_id")))
_INBOX_INSERT = insert(InboxRow.__table__)
_OUTBOX_INSERT = insert(OutboxRow.__table__)
_AUDIT_INSERT = insert(AuditRow.__table__)


class UnitOfWork:
    """One transaction: domain rows, the events they cause, the audit trail, the inbox mark."""

    def __init__(self, db: "Database", *, actor: Actor | None, correlation_id: str | None,
                 event: Envelope | None, handler: str | None, clock=None, address: str | None = None,
                 estates: tuple[str, ...] | None = None):
        self._db = db
        #: the estates the acting person works for (None: not scoped, or a service acting)
        self.estates = estates
        #: the estate this unit of work's records belong to: a handler sets it once it has loaded its
        #: record (``uow.estate = case.estate``); every audit row then carries it (see `audit`)
        self.estate: str | None = None
        #: the client's address (the gateway's caller) when a person gave the command: every audit
        #: row of this unit of work carries it as ``details["from"]``
        self.address = address
        self.clock = clock or getattr(db, "clock", None) or SYSTEM_CLOCK
        self.event = event
        self.handler = handler
        self.actor = actor or (Actor.system(db.service_name))
        self.correlation_id = correlation_id or (event.correlation_id if event else new_id())
        self.session: Session | None = None
        self._committed = False
        self.emitted: list[Envelope] = []
        self.audited: list[str] = []
        self._outbox_rows: list[dict] = []
        self._audit_rows: list[dict] = []
        self._claim: _Claim | None = None

    def __enter__(self) -> "UnitOfWork":
        self.session = self._db.Session()
        write_lock_first(self.session)
        if self.event is not None and self._inbox_has_event(self.session):
            self.session.close()
            raise AlreadyProcessed(self.event.event_id)
        return self

    def _inbox_has_event(self, session: Session) -> bool:
        params = {"handler": self.handler, "event_id": self.event.event_id}
        return session.connection().execute(_INBOX_SEEN, params).first() is not None

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if not self._committed:
                self.session.rollback()
        finally:
            self.session.close()

    def now(self) -> datetime:
        """The time this unit of work runs at (the service's clock; a test's `FakeClock`)."""
        return self.clock.now()

    def today(self):
        """The office day (Asia/Shanghai) of `now()`."""
        return self.clock.today()

    @property
    def calendar(self):
        """China's working days (`propdesk.chassis.calendar.WorkingCalendar`, shared per process)."""
        from propdesk.chassis.calendar import process_calendar

        return process_calendar()

    def set_deadline(self, rule: str, record_type: str, record_id: str, due_at: datetime, *,
                     responsible: str | None = None, estate: str | None = None, summary: str | None = None) -> None:
        """A pending deadline on a record, in this transaction (`propdesk.chassis.deadlines`)."""
        deadlines.set_deadline(self, rule, record_type, record_id, due_at, responsible=responsible,
                               estate=estate, summary=summary)

    def meet_deadline(self, rule: str, record_type: str, record_id: str) -> bool:
        """The record's pending `rule` deadline is met now: True in time, False otherwise."""
        return deadlines.meet_deadline(self, rule, record_type, record_id)

    def cancel_deadlines(self, record_type: str, record_id: str, rule: str | None = None) -> int:
        """The record's pending deadlines (of `rule`, or all) are no longer needed."""
        return deadlines.cancel_deadlines(self, record_type, record_id, rule)

    def next_number(self, series: str) -> str:
        """The next readable number of `series` today (``MO-20261122-0001``), in this transaction."""
        return numbering.next_number(self.session, series, self.today())

    def next_numbers(self, series: str, n: int) -> list[str]:
        """The next `n` readable numbers of `series` today, in order, with one statement (a batch
        numbering many records), in this transaction."""
        return numbering.next_numbers(self.session, series, self.today(), n)

    def next_block(self, series: str, n: int) -> tuple[str, int]:
        """The next `n` numbers of `series` today as (prefix, first count), for the database to
        format (`numbering.number_sql`), in this transaction."""
        return numbering.next_block(self.session, series, self.today(), n)

    def emit(self, event_type: str, payload: dict, *, version: int | None = None,
             correlation_id: str | None = None, causation_id: str | None = None) -> Envelope:
        """Add an event to the outbox of this transaction. The payload is checked against its contract.

        `causation_id` is the event this one was caused by: automatic inside an event handler;
        given explicitly when the cause was recorded earlier (a timer delivering what an event asked for)."""
        version = version or registry.latest_version(event_type)
        envelope = Envelope(
            event_id=new_id(),
            event_type=event_type,
            version=version,
            occurred_at=self.now(),
            producer=self._db.service_name,
            correlation_id=correlation_id or self.correlation_id,
            causation_id=causation_id or (self.event.event_id if self.event else None),
            actor=self.actor,
            # personal numbers typed into free text never travel beyond the record (propdesk.privacy)
            payload=mask(registry.validate_payload(event_type, version, payload)),
        )
        self._outbox_rows.append({
            "event_id": envelope.event_id,
            "event_type": event_type,
            "correlation_id": envelope.correlation_id,
            "body": json.dumps(envelope.to_json_dict(), ensure_ascii=False),
            "created_at": envelope.occurred_at,
            "published_at": None,
        })
        self.emitted.append(envelope)
        return envelope

    def emit_all(self, events, *, correlation_id: str | None = None) -> list[Envelope]:
        """Emit the `propdesk.domain.Event`s a domain rule returned, in order."""
        return [self.emit(e.type, e.payload, correlation_id=correlation_id) for e in events]

    def audit(self, action: str, object_type: str, object_id: str, details: dict | None = None, *,
              correlation_id: str | None = None, estate: str | None = None) -> None:
        """Record who did what to which record, in this transaction. `correlation_id` overrides the
        unit of work's, like `emit`'s (one command touching several business cases).

        From where: when a person gave the command through the gateway, ``details["from"]`` is the
        client's address (`address`); the key is the chassis', a handler's details do not use it.

        Which estate (管理处): `estate`, else the one the rows of this unit of work belong to, decided
        at the commit (`estate_of_work`)."""
        if self.address is not None:
            details = {**(details or {}), "from": self.address}
        self._audit_rows.append({
            "at": self.now(), "actor_id": self.actor.id, "actor_role": self.actor.role, "action": action,
            "object_type": object_type, "object_id": str(object_id),
            "correlation_id": correlation_id or self.correlation_id,
            "details": json.dumps(mask(details or {}), ensure_ascii=False, default=str),
            "estate": estate,
        })
        self.audited.append(f"{action} {object_type}:{object_id}")

    def idempotent(self, key, command: str, request) -> Replay | None:
        """Claim an idempotency key for this command (see `propdesk.chassis.idempotency`).

        No key (None): nothing to do, None. A key seen before with the same command, request and
        actor: its first result as a `Replay` (answer it, write nothing). Seen with anything else:
        Conflict naming ``idempotency_key`` and ``reused_with_different_request``. A new key: its
        row is inserted now, before any effect, so a concurrent submission with the same key waits
        for this transaction or fails on the primary key and answers this one's result; None, and
        `commit(result=...)` stores the result in the same transaction."""
        key = idempotency.checked_key(key)
        if key is None:
            return None
        table = self._key_table()
        digest = idempotency.request_hash(command, request, self.actor)
        row = self.session.execute(table.select().where(table.c.key == key)).first()
        if row is not None:
            return Replay(idempotency.replay_of(row, key, digest))
        try:
            self.session.execute(table.insert().values(
                idempotency.new_row(key, command, digest, self.actor, None, self.now())))
        except IntegrityError:  # a concurrent submission committed the key meanwhile
            self.session.rollback()
            with self._db.Session() as s:
                row = s.execute(table.select().where(table.c.key == key)).one()
            log.info("idempotency key %s was stored by a concurrent submission: answering its result", key,
                     extra={"correlation_id": self.correlation_id})
            return Replay(idempotency.replay_of(row, key, digest))
        self._claim = _Claim(key, command, digest)
        return None

    def _key_table(self):
        table = self._db.metadata.tables.get(idempotency.TABLE) if self._db.metadata is not None else None
        if table is None:
            raise RuntimeError(f"{self._db.service_name} keeps no idempotency keys: "
                               "add idempotency_table(Base.metadata) to its models and a migration")
        return table

    def commit(self, result=None):
        """Commit everything and return `result`; with a claimed idempotency key, `result` is
        stored with the key in this same commit (it is what a repeated submission answers)."""
        if self._claim is not None:
            table = self._key_table()
            self.session.execute(table.update().where(table.c.key == self._claim.key)
                                 .values(result=idempotency.result_text(result)))
        try:
            self._write_chassis_rows()
            self.session.commit()
        except IntegrityError:
            self.session.rollback()
            if self.event is not None and self._seen_meanwhile():
                raise AlreadyProcessed(self.event.event_id) from None
            raise
        self._committed = True
        if self.emitted or self.audited:
            log.info("committed %s; events: %s", "; ".join(self.audited) or "no state change",
                     ", ".join(e.event_type for e in self.emitted) or "none",
                     extra={"correlation_id": self.correlation_id, "actor": f"{self.actor.role}:{self.actor.id}",
                            "event_id": self.event.event_id if self.event else None,
                            "event_type": self.event.event_type if self.event else None})
        if self.emitted:
            self._db.wake_relay()
        return result

    def commit_and_refuse(self, error: Exception):
        """Keep what this unit of work holds, then refuse: the one kind of rejection that writes
        (a failed sign-in keeps its audit row and its failure count). Raises `error`."""
        self.commit()
        raise error

    def estate_of_work(self) -> str | None:
        """The estate this unit of work's audit rows belong to, first that is known: the one the
        handler set (`estate`); the estate of the first event it emitted that names one; the
        estate of the event it handles; the acting person's, when they work for exactly one. None
        when none says (a row a person reads only if they work for every estate)."""
        if self.estate is not None:
            return self.estate
        for envelope in self.emitted:
            if isinstance(envelope.payload, dict) and envelope.payload.get("estate"):
                return envelope.payload["estate"]
        if self.event is not None and isinstance(self.event.payload, dict) and self.event.payload.get("estate"):
            return self.event.payload["estate"]
        if self.estates is not None and len(self.estates) == 1:
            return self.estates[0]
        return None

    def _write_chassis_rows(self) -> None:
        """The inbox mark, the outbox rows (in emit order) and the audit rows of this transaction."""
        conn = self.session.connection()
        if self.event is not None:
            conn.execute(_INBOX_INSERT, {"handler": self.handler, "event_id": self.event.event_id,
                                         "event_type": self.event.event_type, "processed_at": self.now()})
        if self._outbox_rows:
            conn.execute(_OUTBOX_INSERT, self._outbox_rows)
        if self._audit_rows:
            estate = self.estate_of_work()
            for row in self._audit_rows:
                if row["estate"] is None:
                    row["estate"] = estate
            audit_chain.chain(conn, self._audit_rows)
            conn.execute(_AUDIT_INSERT, self._audit_rows)

    def _seen_meanwhile(self) -> bool:
        with self._db.Session() as s:
            return self._inbox_has_event(s)


class Database(DependencyProvider):
    """The service's database, its outbox relay, and a unit-of-work factory for workers."""

    def __init__(self, metadata=None, clock=None):
        self.metadata = metadata
        self.clock = clock or SYSTEM_CLOCK
        self.engine: Engine | None = None
        self.Session = None
        self.relay = None

    @property
    def service_name(self) -> str:
        return self.container.service_name

    def setup(self) -> None:
        from propdesk.chassis.relay import OutboxRelay

        settings = settings_of(self.container.config)
        if self.clock is SYSTEM_CLOCK:  # a system test may move the time of every process
            self.clock = clock_from_env()
        self.engine = make_engine(settings.db_url(self.service_name),
                                  pool_size=max(10, self.container.max_workers))
        self.Session = sessionmaker(self.engine, expire_on_commit=False)
        self.relay = OutboxRelay(self.engine, settings.amqp_uri, self.service_name,
                                 poll_s=settings.relay_poll_s)
        metrics.declare_service(self.service_name)
        messages = getattr(self.container.service_cls, "messages", None)
        metrics.register_gauges(self.service_name, self.engine, getattr(messages, "GAUGES", {}), self.clock)

    def start(self) -> None:
        self.container.spawn_managed_thread(self.relay.run, identifier=f"{self.service_name}.outbox_relay")
        self.container.spawn_managed_thread(self._statistics, identifier=f"{self.service_name}.statistics")

    def _statistics(self) -> None:
        """At start and every `STATISTICS_EVERY_S`: `refresh_statistics` (a failure is logged, and
        tried again next time; it never stops the service)."""
        import eventlet

        while True:
            try:
                refresh_statistics(self.engine)
            except Exception:
                log.exception("refreshing the planner statistics of %s failed", self.service_name)
            eventlet.sleep(STATISTICS_EVERY_S)

    def stop(self) -> None:
        self.relay.stop()

    def kill(self) -> None:
        self.relay.stop()

    def wake_relay(self) -> None:
        if self.relay is not None:
            self.relay.wake()

    def get_dependency(self, worker_ctx) -> "UnitOfWorkFactory":
        entrypoint = worker_ctx.entrypoint
        event = worker_ctx.args[0] if getattr(entrypoint, "is_event_subscriber", False) else None
        return UnitOfWorkFactory(self, event, entrypoint.queue_name if event is not None else None)


class UnitOfWorkFactory:
    """What a worker sees as `self.db`: call it for a unit of work; `session()` for reads."""

    __slots__ = ("_db", "_event", "_handler")

    def __init__(self, db: Database, event: Envelope | None, handler: str | None):
        self._db, self._event, self._handler = db, event, handler

    def __call__(self, actor: Actor | None = None, correlation_id: str | None = None,
                 address: str | None = None, estates: tuple[str, ...] | None = None) -> UnitOfWork:
        return UnitOfWork(self._db, actor=actor, correlation_id=correlation_id, event=self._event,
                          handler=self._handler, address=address, estates=estates)

    def session(self) -> Session:
        return self._db.Session()

    @property
    def clock(self):
        return self._db.clock


def audit_trail(session: Session, object_id: str | None = None, correlation_id: str | None = None) -> list[dict]:
    """Audit rows for one record or one business case, oldest first."""
    stmt = select(AuditRow).order_by(AuditRow.id)
    if object_id is not None:
        stmt = stmt.where(AuditRow.object_id == object_id)
    if correlation_id is not None:
        stmt = stmt.where(AuditRow.correlation_id == correlation_id)
    return [
        {"at": aware(r.at).isoformat(), "actor": {"id": r.actor_id, "role": r.actor_role},
         "action": r.action, "object_type": r.object_type, "object_id": r.object_id,
         "details": json.loads(r.details)}
        for r in session.scalars(stmt)
    ]


def aware(dt: datetime | None) -> datetime | None:
    """SQLite drops tzinfo; every stored time is UTC."""
    if dt is None or dt.tzinfo is not None:
        return dt
    return dt.replace(tzinfo=timezone.utc)
