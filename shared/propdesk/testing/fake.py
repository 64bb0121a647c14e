"""Unit-testing handlers without a broker or a database server (conventions §5, cosmicpython).

`FakeDatabase` is what a `UnitOfWork` needs of a service's `Database` (a session factory, the
service's metadata, a clock), over an in-memory SQLite database holding the service's tables and
the chassis' (outbox, inbox, audit, idempotency keys, numbers). A `FakeUnitOfWork` is the real
`UnitOfWork` on it: the same commit/rollback, inbox, idempotency and numbering code, with the
events it emits kept in the outbox table for the test to read. Nothing is published.

`ServiceHarness` runs a service's tables through the same pipelines as its nameko entrypoints
(`propdesk.chassis.workflow`): policy, edge schema, idempotency, unit of work, audit.

    app = ServiceHarness(ResidentsService, clock=FakeClock())
    case = app.command("request_move_out", {...}, actor={"id": "fd-wang", "role": "front_desk"})
    app.deliver(app.event("move_out.inspection_completed", {...}))
    assert [e.event_type for e in app.events()] == ["move_out.requested", "move_out.release_approved"]
    app.clock.advance(minutes=31); app.tick("deliver_due")

Estates: a command's `actor` and a query's ``actor=`` may carry ``"estates": [...]`` (and
``"address"``) as the gateway sends them; without them the call is not scoped, as a service's.
"""
from __future__ import annotations

import json

from sqlalchemy import create_engine, select
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import StaticPool

from propdesk.chassis.clock import FakeClock
from propdesk.chassis.db import AlreadyProcessed, UnitOfWork, UnitOfWorkFactory
from propdesk.chassis.tables import AuditRow, ChassisBase, OutboxRow
from propdesk.chassis.workflow import (bind_arguments, queries_of, run_command, run_event, run_query, timers_of,
                                       subscriptions_by_handler)
from propdesk.contracts import registry
from propdesk.contracts.envelope import Actor, Envelope, new_id


def topic_matches(pattern: str, routing_key: str) -> bool:
    """RabbitMQ's topic match: ``*`` is one word, ``#`` zero or more (words split on dots)."""
    def match(p: list[str], k: list[str]) -> bool:
        if not p:
            return not k
        if p[0] == "#":
            return any(match(p[1:], k[i:]) for i in range(len(k) + 1))
        return bool(k) and (p[0] == "*" or p[0] == k[0]) and match(p[1:], k[1:])

    return match(pattern.split("."), routing_key.split("."))


class FakeDatabase:
    """An in-memory stand-in for `propdesk.chassis.db.Database` (no relay, no server)."""

    def __init__(self, metadata, service_name: str, clock=None, engine=None):
        self.metadata = metadata
        self.service_name = service_name
        self.clock = clock or FakeClock()
        if engine is None:
            engine = create_engine("sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False})
            ChassisBase.metadata.create_all(engine)
            if metadata is not None:
                metadata.create_all(engine)
        self.engine = engine
        self.Session = sessionmaker(self.engine, expire_on_commit=False)

    def wake_relay(self) -> None:
        """Nothing to wake: the events stay in the outbox for the test to read."""

    def factory(self, event: Envelope | None = None, handler: str | None = None) -> UnitOfWorkFactory:
        return UnitOfWorkFactory(self, event, handler)

    def unit_of_work(self, actor: Actor | None = None, event: Envelope | None = None,
                     handler: str | None = None, correlation_id: str | None = None) -> "FakeUnitOfWork":
        return FakeUnitOfWork(self, actor=actor, correlation_id=correlation_id, event=event, handler=handler)


class FakeUnitOfWork(UnitOfWork):
    """The chassis' `UnitOfWork` on a `FakeDatabase`: a handler under test gets exactly what it
    gets in a service, and its emitted events and audit rows are `emitted` / `audited`."""


class ServiceHarness:
    """A service's tables run in-process on a `FakeDatabase` and a `FakeClock`.

    With `engine` (a migrated service database) and the system clock, the same runs a service's
    commands on its real database without the service running: the CLI's administrative commands
    (`propdesk staff ...`) do that, through the same policy, audit and outbox (the events are
    published when the service next runs its relay)."""

    def __init__(self, service_cls, clock=None, demo: bool = False, engine=None):
        self.service_cls = service_cls
        self.name = service_cls.name
        self.messages = service_cls.messages
        self.clock = clock or FakeClock()
        self.db = FakeDatabase(service_cls.db.metadata, self.name, self.clock, engine=engine)
        self._handlers = subscriptions_by_handler(self.messages)
        if demo:
            from propdesk.chassis.demo_loading import load_demo

            with self.db.Session() as s:
                load_demo(service_cls, s, self.clock)  # a demo that takes the clock ends on its today
                s.commit()

    # -- driving it ------------------------------------------------------------------------------
    def command(self, name: str, request, actor, idempotency_key=None):
        row = self.messages.COMMANDS[name]
        return run_command(self.db.factory(), self.name, name, row, request, actor, idempotency_key)

    def query(self, name: str, *args, actor=None, **kwargs):
        """A query as its RPC takes it; `actor` (``{"id", "role", "estates"}``) scopes it to the
        estates of the person asking, None asks as a service (not scoped)."""
        row = queries_of(self.messages, self.name)[name]
        return run_query(self.db.factory(), row, bind_arguments(name, row, args, kwargs), actor)

    def deliver(self, event: Envelope) -> list[str]:
        """Deliver an event to every handler subscribed to its type, as the broker would (each in
        its own unit of work, a duplicate absorbed by the inbox). Returns the handlers that acted."""
        acted = []
        for method_name, (types, handler) in self._handlers.items():
            if not any(topic_matches(t, event.event_type) for t in types):
                continue
            try:
                run_event(self.db.factory(event, f"{self.name}.{method_name}"), handler, event)
                acted.append(method_name)
            except AlreadyProcessed:
                pass
        return acted

    def gauges(self) -> dict[str, dict[tuple, float]]:
        """The service's domain gauges (``messages.GAUGES``) as a scrape would read them now."""
        from propdesk.chassis.metrics import read_gauges

        with self.db.Session() as s:
            return read_gauges(getattr(self.messages, "GAUGES", {}), s, self.clock.now())

    def tick(self, name: str):
        """Run a timer once, now (move `clock` first)."""
        return timers_of(self.messages, self.name)[name].handler(self.db.factory())

    def event(self, event_type: str, payload: dict, *, correlation_id: str | None = None,
              actor: Actor | None = None, producer: str = "test", occurred_at=None,
              causation_id: str | None = None) -> Envelope:
        """An envelope as another service would send it, its payload checked against its contract."""
        version = registry.latest_version(event_type)
        return Envelope(
            event_id=new_id(), event_type=event_type, version=version,
            occurred_at=occurred_at or self.clock.now(), producer=producer,
            correlation_id=correlation_id or new_id(), causation_id=causation_id,
            actor=actor or Actor.system(producer),
            payload=registry.validate_payload(event_type, version, payload),
        )

    # -- reading what happened -------------------------------------------------------------------
    def session(self):
        return self.db.Session()

    def events(self, event_type: str | None = None) -> list[Envelope]:
        """The events committed to the outbox, in order (what the relay would publish)."""
        with self.db.Session() as s:
            bodies = s.scalars(select(OutboxRow.body).order_by(OutboxRow.id)).all()
        out = [Envelope.from_json_dict(json.loads(b)) for b in bodies]
        return [e for e in out if event_type is None or e.event_type == event_type]

    def audit(self, action: str | None = None) -> list[AuditRow]:
        with self.db.Session() as s:
            stmt = select(AuditRow).order_by(AuditRow.id)
            if action is not None:
                stmt = stmt.where(AuditRow.action == action)
            return list(s.scalars(stmt))
