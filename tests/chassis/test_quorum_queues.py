"""The chassis on quorum queues (PROPDESK_QUEUE_TYPE=quorum, #12), on the shared broker: the retry
path (quorum retry queues with a message TTL dead-letter back to the handler queue, RabbitMQ 3.10)
and the DLQ work as on classic queues, an RPC call is served from a quorum `rpc-<service>` queue
(chassis/messaging.py declares it in place of nameko's classic one), and a handler queue's
delivery limit dead-letters a message that keeps coming back into the DLQ, where `propdesk dlq
list` names its queue and reason."""
from __future__ import annotations

from urllib.parse import quote, urlparse

import pytest
import requests
from kombu import Connection
from nameko.standalone.rpc import ClusterRpcProxy
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from propdesk.chassis import dlq, topology
from propdesk.config import Settings
from propdesk.contracts.envelope import Actor, Envelope, new_id, utcnow
from tests.chassis.test_messaging import log_parcel, seen, toys  # noqa: F401  (the toy services)
from tests.chassis.toy import Attempts
from tests.helpers import publish_raw, queue_messages, wait_for


@pytest.fixture
def propdesk_env(propdesk_env, monkeypatch):
    monkeypatch.setenv("PROPDESK_QUEUE_TYPE", "quorum")
    return Settings.from_env()


def queue_rows(settings: Settings) -> dict[str, dict]:
    api = urlparse(settings.rabbit_api)
    vhost = quote(topology.broker_vhost(settings.amqp_uri), safe="")
    rows = requests.get(f"{api.scheme}://{api.hostname}:{api.port}/api/queues/{vhost}", timeout=10,
                        auth=(api.username or "guest", api.password or "guest"),
                        params={"columns": "name,type,durable,exclusive,auto_delete,arguments"}).json()
    return {r["name"]: r for r in rows}


def queue_types(settings: Settings) -> dict[str, str]:
    return {name: r["type"] for name, r in queue_rows(settings).items()}


def test_retry_and_dead_letter_paths_on_quorum_queues(toys, propdesk_env):  # noqa: F811
    front, back = toys
    types = queue_types(propdesk_env)
    assert types["toy_back.on_parcel_logged"] == types["propdesk.dlq"] == "quorum"
    assert {types[topology.retry_exchange_name("toy_back", d)] for d in propdesk_env.retry_delays_ms} == {"quorum"}

    log_parcel(front, "Q-1", fail_times=2)  # two retry delays: the third try passes
    event_id = log_parcel(front, "Q-2", fail_times=99)  # fails every try: parked
    with ClusterRpcProxy({"AMQP_URI": propdesk_env.amqp_uri}, timeout=20) as rpc:  # over the broker
        wait_for(lambda: rpc.toy_back.seen("Q-1") == 1, what="the retried delivery to succeed")
        rows = queue_rows(propdesk_env)
    assert types["rpc-toy_back"] == types["rpc-toy_front"] == "quorum"
    # the caller's reply queue stays nameko's: classic, durable (not transient), expiring when unused
    [reply] = [r for name, r in rows.items() if name.startswith("rpc.reply-standalone_rpc_proxy-")]
    assert (reply["type"], reply["durable"], reply["exclusive"], reply["auto_delete"]) == ("classic", True, False, False)
    assert reply["arguments"] == {"x-expires": 300000}
    parked = wait_for(lambda: queue_messages(propdesk_env.amqp_uri, "propdesk.dlq"), what="a dead letter")
    assert [p["body"]["event_id"] for p in parked] == [event_id]
    assert parked[0]["headers"]["x-propdesk-attempts"] == 3
    with Session(create_engine(propdesk_env.db_url("toy_back"))) as s:
        assert s.get(Attempts, "Q-1").count == 3 and s.get(Attempts, "Q-2").count == 3
    with Session(create_engine(propdesk_env.db_url("toy_back"))) as s:
        s.get(Attempts, "Q-2").count = 1000  # the fault is fixed
        s.commit()
    assert dlq.replay(propdesk_env.amqp_uri, event_id=event_id) == 1
    wait_for(lambda: seen(back, "Q-2") == 1, what="the replayed delivery to succeed")


def test_a_message_past_the_delivery_limit_is_dead_lettered_not_dropped(propdesk_env):
    """Each consumer that dies holding a message returns it; after DELIVERY_LIMIT returns RabbitMQ
    moves it to the DLQ (a poison message that crashes its consumer stops looping)."""
    topology.declare_all(propdesk_env.amqp_uri, [], propdesk_env.retry_delays_ms)
    queue = topology.subscriber_queue("toy_back", "on_crash", ("toy.crash",))
    envelope = Envelope(new_id(), "toy.crash", 1, utcnow(), "toy_front", "case-q", None,
                        Actor("clerk-1", "front_desk"), {})
    with Connection(propdesk_env.amqp_uri) as conn:
        channel = conn.channel()
        queue(channel).declare()
        publish_raw(propdesk_env.amqp_uri, envelope.to_json_dict(), "toy.crash")
        returns = 0
        while returns <= topology.DELIVERY_LIMIT + 1:  # bounded: a broker ignoring the limit fails below
            msg = wait_for(lambda: channel.basic_get(queue.name, no_ack=False) or channel.basic_get(topology.DLQ, no_ack=False),
                           what="the delivery or its dead letter")
            if msg.delivery_info["routing_key"] == topology.DLQ:
                channel.basic_reject(msg.delivery_tag, requeue=True)  # left parked, for `dlq list`
                break
            channel.basic_reject(msg.delivery_tag, requeue=True)  # as a consumer's death returns it
            returns += 1
        else:
            raise AssertionError(f"still delivered after {returns} returns")
        parked = wait_for(lambda: dlq.list_messages(propdesk_env.amqp_uri), what="the dead letter")
        assert channel.basic_get(queue.name, no_ack=True) is None
    assert returns == topology.DELIVERY_LIMIT + 1
    assert [(p["event_id"], p["queue"], p["reason"]) for p in parked] == \
        [(envelope.event_id, "toy_back.on_crash", "delivery_limit")]
