"""The outbox relay: publishes committed events in order, with pipelined publisher confirms.

One relay runs inside each service process (started by `Database`). A pass reads up to `batch`
unpublished rows in id order, publishes them all to the `propdesk.events` topic exchange, waits
for the broker's confirms for the whole batch (not one by one), and only then marks the rows as
published in a short transaction. If the broker is down, nacks, or does not confirm in time, the
rows stay pending and the relay reconnects with back-off and tries again: an event may be
published twice (consumers' inboxes absorb it) but never lost.

Several replicas of one service on PostgreSQL claim rows with `FOR UPDATE SKIP LOCKED`; on
SQLite (replicas sharing one file: `propdesk run --scale`) two relays may both publish a row, and
each consumer's inbox absorbs the second copy.
"""
from __future__ import annotations

import logging
import socket
import time
from datetime import datetime, timezone

import amqp
import eventlet
from eventlet.event import Event
from kombu import Connection
from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from propdesk.chassis import metrics
from propdesk.chassis.tables import OutboxRow
from propdesk.chassis.topology import EVENTS_EXCHANGE

log = logging.getLogger(__name__)


class PublishFailed(Exception):
    pass


class OutboxRelay:
    def __init__(self, engine: Engine, amqp_uri: str, service: str, *, batch: int = 500,
                 poll_s: float = 0.5, confirm_timeout_s: float = 10.0):
        self.engine = engine
        self.amqp_uri = amqp_uri
        self.service = service
        self.batch = batch
        self.poll_s = poll_s
        self.confirm_timeout_s = confirm_timeout_s
        self._conn: Connection | None = None
        self._channel = None
        self._next_tag = 1
        self._unconfirmed: set[int] = set()
        self._nacked: set[int] = set()
        self._wake = Event()
        self._stopped = False
        self._postgres = engine.dialect.name == "postgresql"
        metrics.register_outbox(service, engine)

    # -- control -----------------------------------------------------------------------------
    def wake(self) -> None:
        if not self._wake.ready():
            self._wake.send(True)

    def stop(self) -> None:
        self._stopped = True
        self.wake()
        self._close()

    def run(self) -> None:
        backoff = 0.2
        while not self._stopped:
            try:
                published = self.publish_pending()
                backoff = 0.2
            except Exception as exc:  # broker down, connection reset, nack, confirm timeout
                metrics.RELAY_FAILURES.labels(self.service).inc()
                log.warning("outbox relay of %s could not publish (%s); retrying in %.1fs",
                            self.service, exc, backoff)
                self._close()
                eventlet.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
                continue
            if published < self.batch and not self._stopped:
                self._wait_for_work()

    def _wait_for_work(self) -> None:
        if self._wake.ready():
            self._wake = Event()
            return
        with eventlet.Timeout(self.poll_s, False):
            self._wake.wait()
        self._wake = Event()

    # -- one pass ----------------------------------------------------------------------------
    def publish_pending(self) -> int:
        """Publish one batch of pending rows; returns how many were published."""
        with Session(self.engine) as session:
            stmt = (select(OutboxRow.id, OutboxRow.event_id, OutboxRow.event_type,
                           OutboxRow.correlation_id, OutboxRow.body)
                    .where(OutboxRow.published_at.is_(None)).order_by(OutboxRow.id).limit(self.batch))
            if self._postgres:
                stmt = stmt.with_for_update(skip_locked=True)
            rows = session.execute(stmt).all()
            if not rows:
                return 0
            if not self._postgres:
                session.rollback()  # do not hold a read transaction while talking to the broker
            self._publish_confirmed(rows)
            session.execute(update(OutboxRow).where(OutboxRow.id.in_([r.id for r in rows]))
                            .values(published_at=datetime.now(timezone.utc)))
            session.commit()
        for r in rows:
            metrics.EVENTS_PUBLISHED.labels(self.service, r.event_type).inc()
        return len(rows)

    def _publish_confirmed(self, rows) -> None:
        channel = self._ensure_channel()
        self._unconfirmed.clear()
        self._nacked.clear()
        for r in rows:
            msg = amqp.Message(
                r.body.encode("utf-8"), content_type="application/json", content_encoding="utf-8",
                delivery_mode=2, message_id=r.event_id, correlation_id=r.correlation_id,
                type=r.event_type, app_id=self.service, timestamp=int(time.time()),
            )
            self._unconfirmed.add(self._next_tag)
            self._next_tag += 1
            channel.basic_publish(msg, exchange=EVENTS_EXCHANGE, routing_key=r.event_type)
        deadline = time.monotonic() + self.confirm_timeout_s
        while self._unconfirmed:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise PublishFailed(f"{len(self._unconfirmed)} publishes not confirmed in time")
            try:
                self._conn.connection.drain_events(timeout=remaining)
            except socket.timeout:
                continue
        if self._nacked:
            raise PublishFailed(f"broker nacked {len(self._nacked)} publishes")

    # -- broker connection -------------------------------------------------------------------
    def _ensure_channel(self):
        if self._channel is not None:
            return self._channel
        conn = Connection(self.amqp_uri, heartbeat=0, connect_timeout=5)
        # a cluster's address list (`amqp://n1;amqp://n2;...`): try each node in turn, once
        conn.ensure_connection(max_retries=max(1, len(conn.alt)), interval_start=0, interval_step=0.2,
                               interval_max=0.5)
        channel = conn.connection.channel()
        channel.confirm_select()
        channel.events["basic_ack"].add(self._on_ack)
        channel.events["basic_nack"].add(self._on_nack)
        self._conn, self._channel, self._next_tag = conn, channel, 1
        return channel

    def _settle(self, tag: int, multiple: bool, into: set[int] | None) -> None:
        done = {t for t in self._unconfirmed if t <= tag} if multiple else {tag} & self._unconfirmed
        self._unconfirmed -= done
        if into is not None:
            into |= done

    def _on_ack(self, delivery_tag: int, multiple: bool) -> None:
        self._settle(delivery_tag, multiple, None)

    def _on_nack(self, delivery_tag: int, multiple: bool) -> None:
        self._settle(delivery_tag, multiple, self._nacked)

    def _close(self) -> None:
        conn, self._conn, self._channel = self._conn, None, None
        if conn is not None:
            try:
                conn.release()
            except Exception:  # already broken; nothing to save
                pass
