"""The outbox relay keeps every committed event through broker outages, in order."""
from __future__ import annotations

import json

import eventlet
import pytest
from kombu import Connection, Queue
from sqlalchemy import select
from sqlalchemy.orm import Session

from propdesk.chassis import metrics
from propdesk.chassis.db import make_engine
from propdesk.chassis.relay import OutboxRelay
from propdesk.chassis.tables import ChassisBase, OutboxRow
from propdesk.chassis.topology import events_exchange
from propdesk.contracts.envelope import Actor, Envelope, new_id, utcnow
from propdesk.testing.faultproxy import FaultProxy
from tests.helpers import queue_messages, wait_for


def _rows(session, n, start=0):
    for i in range(start, start + n):
        env = Envelope(new_id(), "toy.parcel_logged", 1, utcnow(), "toy_front", "case", None,
                       Actor("a", "front_desk"), {"parcel_id": f"P-{i}", "fail_times": 0})
        session.add(OutboxRow(event_id=env.event_id, event_type=env.event_type, correlation_id="case",
                              body=json.dumps(env.to_json_dict()), created_at=env.occurred_at))
    session.commit()


@pytest.fixture
def outbox_db(propdesk_env):
    propdesk_env.data_dir.mkdir(parents=True)
    engine = make_engine(propdesk_env.db_url("relaytest"))
    ChassisBase.metadata.create_all(engine)
    return engine


@pytest.fixture
def sink(propdesk_env):
    with Connection(propdesk_env.amqp_uri) as conn:
        Queue("relaytest.sink", exchange=events_exchange, routing_key="toy.#", durable=True)(conn.default_channel).declare()
    return "relaytest.sink"


def pending(engine):
    with Session(engine) as s:
        return len(s.scalars(select(OutboxRow.id).where(OutboxRow.published_at.is_(None))).all())


def test_rows_written_while_the_broker_is_unreachable_are_published_once_it_is_back(propdesk_env, outbox_db, sink):
    proxy = FaultProxy(("127.0.0.1", 5672)).start()
    proxy.refuse()
    relay = OutboxRelay(outbox_db, proxy.uri(propdesk_env.amqp_uri), "relaytest", batch=40, poll_s=0.1)
    failures_before = metrics.RELAY_FAILURES.labels("relaytest")._value.get()
    gt = eventlet.spawn(relay.run)
    try:
        with Session(outbox_db) as s:
            _rows(s, 100)
        wait_for(lambda: metrics.RELAY_FAILURES.labels("relaytest")._value.get() > failures_before,
                 what="the relay to notice the broker is unreachable")
        assert pending(outbox_db) == 100
        proxy.heal()
        wait_for(lambda: pending(outbox_db) == 0, what="the backlog to drain")
    finally:
        relay.stop()
        gt.kill()
        proxy.stop()
    got = [m["body"]["payload"]["parcel_id"] for m in queue_messages(propdesk_env.amqp_uri, sink)]
    assert got == [f"P-{i}" for i in range(100)]  # all of them, in commit order, once


def test_a_connection_cut_mid_stream_loses_nothing(propdesk_env, outbox_db, sink):
    proxy = FaultProxy(("127.0.0.1", 5672)).start()
    relay = OutboxRelay(outbox_db, proxy.uri(propdesk_env.amqp_uri), "relaytest", batch=25, poll_s=0.05,
                        confirm_timeout_s=2)
    gt = eventlet.spawn(relay.run)
    try:
        with Session(outbox_db) as s:
            for start in range(0, 300, 50):
                _rows(s, 50, start)
                proxy.reset()           # cut whatever is in flight
                eventlet.sleep(0.01)
        proxy.blackhole()               # then a partition longer than the confirm timeout
        with Session(outbox_db) as s:
            _rows(s, 20, 300)
        eventlet.sleep(3)
        proxy.heal()
        proxy.reset()
        wait_for(lambda: pending(outbox_db) == 0, timeout=30, what="the backlog to drain")
    finally:
        relay.stop()
        gt.kill()
        proxy.stop()
    got = [m["body"]["payload"]["parcel_id"] for m in queue_messages(propdesk_env.amqp_uri, sink)]
    # at-least-once: every event arrived; a batch cut before its confirms may arrive twice
    assert set(got) == {f"P-{i}" for i in range(320)}
