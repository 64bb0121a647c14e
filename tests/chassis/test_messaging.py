"""The messaging guarantees of the chassis, against the real broker (conventions §3)."""
from __future__ import annotations

import json

import pytest
from nameko.testing.services import entrypoint_hook
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from propdesk import cli
from propdesk.chassis import dlq, metrics
from propdesk.chassis.tables import AuditRow, ChassisBase, OutboxRow
from propdesk.contracts.envelope import Actor, Envelope, new_id, utcnow
from tests.chassis.toy import Attempts, BackBase, FrontBase, ToyBack, ToyFront
from tests.helpers import publish_raw, queue_messages, wait_for


@pytest.fixture
def toys(propdesk_env, start_service, monkeypatch):
    for cls, base in ((ToyFront, FrontBase), (ToyBack, BackBase)):
        engine = create_engine(propdesk_env.db_url(cls.name))
        propdesk_env.data_dir.mkdir(parents=True, exist_ok=True)
        ChassisBase.metadata.create_all(engine)
        base.metadata.create_all(engine)
        engine.dispose()
    monkeypatch.setattr("propdesk.chassis.migrate.has_database", lambda cls: False)
    back = start_service(ToyBack)
    front = start_service(ToyFront)
    return front, back


def seen(back, parcel_id):
    with entrypoint_hook(back, "seen") as call:
        return call(parcel_id)


def log_parcel(front, parcel_id, fail_times=0):
    with entrypoint_hook(front, "log_parcel") as call:
        return call(parcel_id, fail_times)


def front_session(env):
    return Session(create_engine(env.db_url("toy_front")))


def test_event_is_published_from_the_outbox_and_consumed_once(toys, propdesk_env):
    front, back = toys
    event_id = log_parcel(front, "P-1")
    wait_for(lambda: seen(back, "P-1") == 1, what="the consumer to record the parcel")
    with front_session(propdesk_env) as s:
        row = s.scalars(select(OutboxRow).where(OutboxRow.event_id == event_id)).one()
        wait_for(lambda: s.get(OutboxRow, row.id, populate_existing=True).published_at, what="published mark")
        audit = s.scalars(select(AuditRow)).one()
    assert (audit.actor_id, audit.actor_role, audit.action, audit.object_id) == ("clerk-1", "front_desk", "parcel.log", "P-1")
    envelope = json.loads(row.body)
    assert envelope["producer"] == "toy_front" and envelope["actor"] == {"id": "clerk-1", "role": "front_desk"}
    assert envelope["payload"] == {"parcel_id": "P-1", "fail_times": 0}


def test_the_same_event_delivered_twice_changes_nothing(toys, propdesk_env):
    front, back = toys
    envelope = Envelope(new_id(), "toy.parcel_logged", 1, utcnow(), "toy_front", "case-1", None,
                        Actor("clerk-1", "front_desk"), {"parcel_id": "P-2", "fail_times": 0})
    before = metrics.INBOX_DUPLICATES.labels("toy_back", "toy_back.on_parcel_logged")._value.get()
    publish_raw(propdesk_env.amqp_uri, envelope.to_json_dict(), "toy.parcel_logged")
    publish_raw(propdesk_env.amqp_uri, envelope.to_json_dict(), "toy.parcel_logged")
    wait_for(lambda: metrics.INBOX_DUPLICATES.labels("toy_back", "toy_back.on_parcel_logged")._value.get() == before + 1,
             what="the duplicate to be skipped")
    assert seen(back, "P-2") == 1


def test_a_failing_handler_is_retried_then_succeeds(toys, propdesk_env):
    front, back = toys
    log_parcel(front, "P-3", fail_times=2)  # two retry delays configured: the third try passes
    wait_for(lambda: seen(back, "P-3") == 1, what="the retried delivery to succeed")
    with Session(create_engine(propdesk_env.db_url("toy_back"))) as s:
        assert s.get(Attempts, "P-3").count == 3
    assert queue_messages(propdesk_env.amqp_uri, "propdesk.dlq") == []


def test_a_handler_failing_every_retry_is_dead_lettered_then_replayed(toys, propdesk_env, capsys):
    front, back = toys
    event_id = log_parcel(front, "P-4", fail_times=99)
    parked = wait_for(lambda: queue_messages(propdesk_env.amqp_uri, "propdesk.dlq"), what="a dead letter")
    assert len(parked) == 1
    headers = parked[0]["headers"]
    assert headers["x-propdesk-queue"] == "toy_back.on_parcel_logged"
    assert headers["x-propdesk-reason"] == "handler_failed"
    assert headers["x-propdesk-attempts"] == 3
    assert "flaky downstream" in headers["x-propdesk-error"]
    assert parked[0]["body"]["event_id"] == event_id
    assert seen(back, "P-4") == 0

    listed = dlq.list_messages(propdesk_env.amqp_uri)
    assert [m["event_id"] for m in listed] == [event_id]
    assert cli.main(["dlq", "list"]) == 0  # what the operator sees
    shown = capsys.readouterr().out
    assert event_id in shown and "queue=toy_back.on_parcel_logged" in shown and "flaky downstream" in shown

    # the fault is fixed: the downstream now answers (its attempt counter is past fail_times)
    with Session(create_engine(propdesk_env.db_url("toy_back"))) as s:
        s.get(Attempts, "P-4").count = 1000
        s.commit()
    assert cli.main(["dlq", "replay", "--event-id", event_id]) == 0
    assert "replayed 1 message(s)" in capsys.readouterr().out
    wait_for(lambda: seen(back, "P-4") == 1, what="the replayed delivery to succeed")
    assert queue_messages(propdesk_env.amqp_uri, "propdesk.dlq") == []


@pytest.mark.parametrize("body, reason", [
    (b"{not json", "malformed"),
    ({"event_id": "x"}, "malformed"),
    ({"event_id": "e1", "event_type": "toy.parcel_logged", "version": 1, "occurred_at": "2026-11-22T10:00:00+00:00",
      "producer": "toy_front", "correlation_id": "c", "causation_id": None, "actor": {"id": "a", "role": "r"},
      "payload": {"parcel_id": 7}}, "malformed"),
    ({"event_id": "e2", "event_type": "toy.parcel_logged", "version": 9, "occurred_at": "2026-11-22T10:00:00+00:00",
      "producer": "toy_front", "correlation_id": "c", "causation_id": None, "actor": {"id": "a", "role": "r"},
      "payload": {"parcel_id": "P-9", "fail_times": 0}}, "unknown_contract"),
])
def test_a_malformed_event_is_dead_lettered_with_the_reason(toys, propdesk_env, body, reason):
    publish_raw(propdesk_env.amqp_uri, body, "toy.parcel_logged")
    parked = wait_for(lambda: queue_messages(propdesk_env.amqp_uri, "propdesk.dlq"), what="a dead letter")
    assert parked[0]["headers"]["x-propdesk-reason"] == reason
    assert parked[0]["headers"]["x-propdesk-queue"] == "toy_back.on_parcel_logged"


def test_a_dead_letter_the_dlx_cannot_route_is_requeued_not_dropped(toys, propdesk_env, caplog):
    """A service may publish to `propdesk.dlx` but not bind it (the set-up binds it to the DLQ,
    broker_users.py): it parks with `mandatory`, so were that binding missing, the unroutable park
    is a failed move and the delivery goes back to its queue instead of being acked away."""
    from kombu import Connection

    from propdesk.chassis import topology

    with Connection(propdesk_env.amqp_uri) as conn:
        conn.default_channel.queue_unbind(topology.DLQ, topology.DLX, topology.DLQ)
        publish_raw(propdesk_env.amqp_uri, b"{not json", "toy.parcel_logged")
        wait_for(lambda: "could not move message to propdesk.dlq" in caplog.text, what="the refused park")
        conn.default_channel.queue_bind(topology.DLQ, topology.DLX, topology.DLQ)  # the set-up's binding back
    parked = wait_for(lambda: queue_messages(propdesk_env.amqp_uri, topology.DLQ), what="the dead letter")
    assert [(m["body"], m["headers"]["x-propdesk-reason"]) for m in parked] == [("{not json", "malformed")]


def test_a_dead_letter_whose_queue_is_gone_stays_parked_on_replay(propdesk_env):
    """Replay sends a parked message to the queue its headers name. When that queue no longer exists
    (a handler renamed and its old queue deleted, a broker whose topology is not declared yet),
    RabbitMQ drops an unroutable message and still confirms it: the message must stay in the DLQ,
    not be acked away as "replayed"."""
    from kombu import Connection

    from propdesk.chassis import topology

    topology.declare_all(propdesk_env.amqp_uri, [], propdesk_env.retry_delays_ms)
    envelope = Envelope(new_id(), "toy.parcel_logged", 1, utcnow(), "toy_front", "case-9", None,
                        Actor("clerk-1", "front_desk"), {"parcel_id": "P-9", "fail_times": 0})
    with Connection(propdesk_env.amqp_uri, transport_options={"confirm_publish": True}) as conn:
        conn.Producer().publish(envelope.to_json_dict(), exchange="", routing_key=topology.DLQ, serializer="json",
                                message_id=envelope.event_id, type=envelope.event_type, delivery_mode=2,
                                headers={"x-propdesk-queue": "toy_back.on_parcel_renamed",
                                         "x-propdesk-reason": "handler_failed", "x-propdesk-attempts": 3})

    assert dlq.replay(propdesk_env.amqp_uri) == 0
    parked = queue_messages(propdesk_env.amqp_uri, topology.DLQ)
    assert [m["body"]["event_id"] for m in parked] == [envelope.event_id]
    assert parked[0]["headers"]["x-propdesk-queue"] == "toy_back.on_parcel_renamed"


def test_counters_that_have_not_moved_are_exported_as_zero(toys):
    """Alerts must tell "no dead letters yet" (0) from "no such series" (a service that is not
    scraped): every subscriber's counters exist at 0 from the start, with their labels."""
    import re

    from prometheus_client import REGISTRY, generate_latest

    front, back = toys
    text = generate_latest(REGISTRY).decode()
    queue = next(ep.queue_name for ep in back.entrypoints if getattr(ep, "is_event_subscriber", False))
    # (the counters live for the whole test process: earlier tests may have moved them, so each
    # series is checked for being there with a value, which is what "not missing" means)
    for series in (f'propdesk_inbox_duplicates_skipped_total{{handler="{queue}",service="{back.service_name}"}}',
                   f'propdesk_handler_retries_total{{handler="{queue}",service="{back.service_name}"}}',
                   f'propdesk_dead_lettered_total{{handler="{queue}",reason="handler_failed",service="{back.service_name}"}}',
                   f'propdesk_dead_lettered_total{{handler="{queue}",reason="unknown_contract",service="{back.service_name}"}}',
                   f'propdesk_outbox_relay_failures_total{{service="{front.service_name}"}}'):
        assert re.search(re.escape(series) + r" \d+\.\d+\n", text), series


def test_a_consumer_whose_ack_failed_on_a_lost_connection_reconnects_and_consumes_again(toys, monkeypatch, caplog):
    """The proxy chaos drill's finding (about one run in six): a worker's ack written after the
    broker hung up fails (tolerated: the broker redelivers), and py-amqp marks the transport
    disconnected while the consumer thread is not reading. kombu then quietly opened a bare new
    connection on the consumer's next drain: the service stayed up, its consumer never
    re-registered, and every later event waited on a connection nobody read.

    Here the first ack on the subscriber's connection fails as a write on a dead socket does
    (py-amqp's own `write` sees a BrokenPipeError and marks the transport); the next event must
    still be handled, and the unacked one is redelivered and absorbed by the inbox."""
    from kombu.message import Message

    front, back = toys
    ack = Message.ack
    broken = []

    def ack_on_a_connection_that_just_died(self, multiple=False):
        if not broken and self.delivery_info.get("routing_key") == "toy.parcel_logged":
            transport = self.channel.connection.transport
            sendall = transport._write

            def fail_once(data):
                transport._write = sendall
                raise BrokenPipeError(32, "Broken pipe")

            transport._write = fail_once
            broken.append(transport)
        return ack(self, multiple=multiple)

    monkeypatch.setattr(Message, "ack", ack_on_a_connection_that_just_died)
    log_parcel(front, "P-ack-lost")
    wait_for(lambda: broken and not broken[0].connected, what="the ack to fail and mark the connection lost")
    assert "could not ack a message on a lost broker connection" in caplog.text
    # the consumer notices on its next drain (it reads with a 1 s safety interval) and reconnects;
    # unpatched, kombu swapped in a bare connection here without a word
    wait_for(lambda: "Connection to broker lost" in caplog.text, what="the consumer to notice the lost connection")
    wait_for(lambda: broken[0].sock is None, what="the failed connection to be closed, not leaked")

    log_parcel(front, "P-after")
    wait_for(lambda: seen(back, "P-after") == 1, timeout=30, what="the consumer to reconnect and take the next event")
    assert seen(back, "P-ack-lost") == 1  # handled once: its redelivery met the inbox
