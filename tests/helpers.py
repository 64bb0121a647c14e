"""Small helpers shared by the tests (waiting without timing assertions, reading queues)."""
from __future__ import annotations

import json
import time

import eventlet
from kombu import Connection


def wait_for(predicate, timeout: float = 20.0, interval: float = 0.05, what: str = "condition"):
    """Poll until predicate() is truthy; fail with `what` after timeout. Returns the value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        eventlet.sleep(interval)


def queue_messages(amqp_uri: str, queue: str) -> list:
    """Peek at every message in a queue (they are requeued when the channel closes)."""
    out = []
    with Connection(amqp_uri) as conn:
        channel = conn.channel()
        while True:
            msg = channel.basic_get(queue, no_ack=False)
            if msg is None:
                break
            try:
                body = json.loads(msg.body)
            except ValueError:
                body = msg.body
            out.append({"headers": dict(msg.headers or {}), "body": body,
                        "properties": dict(msg.properties)})
        channel.close()
    return out


def publish_raw(amqp_uri: str, body: dict | bytes, routing_key: str, exchange: str = "propdesk.events"):
    with Connection(amqp_uri, transport_options={"confirm_publish": True}) as conn:
        producer = conn.Producer()
        if isinstance(body, bytes):
            producer.publish(body, exchange=exchange, routing_key=routing_key,
                             content_type="application/json", content_encoding="utf-8", delivery_mode=2)
        else:
            producer.publish(body, exchange=exchange, routing_key=routing_key, serializer="json", delivery_mode=2)


def call(container, method: str, /, *args, **kwargs):
    """Call one entrypoint of a running service container (nameko's entrypoint_hook)."""
    from nameko.testing.services import entrypoint_hook

    with entrypoint_hook(container, method) as hook:
        return hook(*args, **kwargs)


def collector(amqp_uri: str, *event_types: str) -> str:
    """A queue bound to the events exchange for these event types; declare it before acting."""
    import uuid

    from kombu import Queue, binding

    from propdesk.chassis.topology import events_exchange

    name = f"test-collector-{uuid.uuid4().hex[:8]}"
    with Connection(amqp_uri) as conn:
        Queue(name, bindings=[binding(events_exchange, routing_key=t) for t in event_types])(conn.channel()).declare()
    return name


def events_in(amqp_uri: str, queue: str) -> list[dict]:
    """The envelopes a collector queue has received so far, oldest first."""
    return [m["body"] for m in queue_messages(amqp_uri, queue)]


def table_counts(db_url: str) -> dict[str, int]:
    """Rows in every table of a service database (outbox, audit_log, inbox, keys and its own):
    what a rejected command must leave as it found it."""
    from sqlalchemy import create_engine, func, inspect, select, table

    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            return {name: conn.scalar(select(func.count()).select_from(table(name)))
                    for name in sorted(inspect(conn).get_table_names()) if name != "alembic_version"}
    finally:
        engine.dispose()


class RowCounts:
    """`written` for one service database, counted again and again (the fuzzers count before and
    after every call): one engine, the table names read once, every count in one statement (one
    snapshot, not one query a table). Call it for the counts; `close()` when done."""

    def __init__(self, db_url: str):
        from sqlalchemy import create_engine, func, inspect, select, table

        from propdesk.chassis.tables import AuditRow

        self.engine = create_engine(db_url)
        with self.engine.connect() as conn:
            names = sorted(n for n in inspect(conn).get_table_names() if n != "alembic_version")
        counts = [select(func.count()).select_from(table(n)).scalar_subquery().label(n) for n in names]
        if "audit_log" in names:  # the audit rows a refused command leaves on purpose
            counts.append(select(func.count()).select_from(AuditRow).where(AuditRow.action == "refused")
                          .scalar_subquery().label("_refused"))
        self.statement = select(*counts)

    def __call__(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            counts = dict(conn.execute(self.statement).one()._mapping)
        if "_refused" in counts:
            counts["audit_log"] -= counts.pop("_refused")
        return counts

    def close(self) -> None:
        self.engine.dispose()


def written(db_url: str) -> dict[str, int]:
    """`table_counts`, less the audit rows a refused command leaves on purpose (who tried what:
    propdesk.policy): what any other rejection must leave as it found it."""
    counts = RowCounts(db_url)
    try:
        return counts()
    finally:
        counts.close()


def call_at_once(container, method: str, calls: list[tuple[tuple, dict]]) -> list:
    """Call one entrypoint several times concurrently (one greenthread each); each result is the
    value or the exception it raised."""
    def one(args, kwargs):
        try:
            return call(container, method, *args, **kwargs)
        except Exception as exc:  # handed back to the test, which asserts on it
            return exc

    pile = eventlet.GreenPile(len(calls))
    for args, kwargs in calls:
        pile.spawn(one, args, kwargs)
    return list(pile)
