"""Least privilege on the broker, proven by the broker: one user per service (`propdesk broker
users`' permissions, chassis/broker_users.py) on a throwaway vhost; what a service must not do is
refused with ACCESS_REFUSED (among it: putting a message into another department's handler queue,
through the default exchange or that department's retry path), and everything the chassis does for
it on the broker still works with its own user (subscriber queues, retry and dead-letter moves, the
relay's publishes, nameko RPC on both ends, the operator's DLQ replay)."""
from __future__ import annotations

import json
import uuid

import amqp
import pytest
from amqp.exceptions import AccessRefused
from kombu import Connection, Exchange, Queue
from nameko.amqp.publish import Publisher

from propdesk import plugins
from propdesk.chassis import broker_users, dlq, topology
from propdesk.chassis.topology import DLQ, DLX, EVENTS_EXCHANGE, requeue_exchange, retry_exchange_name, retry_path
from propdesk.config import Settings
from propdesk.testing.broker_users import service_users
from propdesk.testing.rabbit import throwaway_vhost
from tests.helpers import wait_for

RETRY_DELAYS_MS = (150, 300)
RPC = Exchange(broker_users.RPC_EXCHANGE, type="topic", durable=True)


@pytest.fixture(scope="module")
def broker(tmp_path_factory):
    """A vhost with the whole topology declared (as `propdesk run` does, by the set-up's user) and
    one user per service plus the operator's, named with a prefix of this run's own."""
    classes = plugins.service_classes()
    with throwaway_vhost("propdesk-users") as vhost:
        topology.declare_all(vhost["amqp_uri"], classes.values(), RETRY_DELAYS_MS)
        with Connection(vhost["amqp_uri"]) as conn:  # nameko's, as the first service would declare it
            RPC(conn.default_channel).declare()
        with service_users(vhost, classes.values(), tmp_path_factory.mktemp("broker-users")) as users:
            yield {"classes": classes, "uri": users.uri, "admin_uri": vhost["amqp_uri"], "users": users}


def _channel(uri: str):
    conn = Connection(uri, connect_timeout=10)
    conn.connect()
    channel = conn.connection.channel()
    channel.confirm_select()
    return conn, channel


def _publish(uri: str, exchange: str, routing_key: str, body: bytes = b"{}") -> None:
    """One publish with a broker confirm; AccessRefused when the broker refuses it."""
    conn, channel = _channel(uri)
    try:
        channel.basic_publish_confirm(amqp.Message(body), exchange=exchange, routing_key=routing_key)
    finally:
        conn.release()


def _get(uri: str, queue: str):
    with Connection(uri, connect_timeout=10) as conn:
        return conn.default_channel.basic_get(queue, no_ack=True)


def test_notify_cannot_publish_an_event_residents_produces(broker):
    _publish(broker["uri"]("notify"), EVENTS_EXCHANGE, "notification.sent")  # its own: confirmed
    with pytest.raises(AccessRefused, match="move_out.release_approved"):
        _publish(broker["uri"]("notify"), EVENTS_EXCHANGE, "move_out.release_approved")
    _publish(broker["uri"]("residents"), EVENTS_EXCHANGE, "move_out.release_approved")  # the producer may


def test_the_gateway_cannot_consume_a_department_queue_nor_publish_events(broker):
    department_queue = topology.subscriber_queues(broker["classes"]["billing"])[0].name
    with Connection(broker["uri"]("gateway"), connect_timeout=10) as conn:
        with pytest.raises(AccessRefused):
            conn.default_channel.basic_consume(department_queue, callback=lambda m: None)
    with pytest.raises(AccessRefused):
        _get(broker["uri"]("gateway"), "rpc-billing")
    with pytest.raises(AccessRefused):
        _publish(broker["uri"]("gateway"), EVENTS_EXCHANGE, "billing.clearance_confirmed")


def test_a_department_cannot_call_another_departments_commands_nor_jump_queues(broker):
    with pytest.raises(AccessRefused):
        _publish(broker["uri"]("notify"), broker_users.RPC_EXCHANGE, "billing.take_payment")
    with pytest.raises(AccessRefused):  # nor declare (or delete) another's queue
        with Connection(broker["uri"]("notify"), connect_timeout=10) as conn:
            Queue("billing.on_move_out_requested", durable=True)(conn.default_channel).declare()


def _service_does_its_broker_work(broker, name: str) -> None:
    """What the chassis and nameko do for this service on the broker, with its own user."""
    cls = broker["classes"][name]
    uri = broker["uri"](name)
    use = broker_users.BrokerUse.of(cls)
    callees = [s for s in broker["classes"] if s != name]
    with Connection(uri, connect_timeout=10) as conn:
        channel = conn.default_channel
        for q in topology.subscriber_queues(cls):  # @subscribe (re)declares and binds its queue, consumes
            q(channel).declare()
            channel.basic_consume(q.name, callback=lambda m: None, consumer_tag=f"t-{q.name}")
            channel.basic_cancel(f"t-{q.name}")
        if use.rpc_server:  # nameko's RpcConsumer
            Queue(f"rpc-{name}", exchange=RPC, routing_key=f"{name}.*", durable=True)(channel).declare()
            channel.basic_consume(f"rpc-{name}", callback=lambda m: None, consumer_tag="t-rpc")
            channel.basic_cancel("t-rpc")
        if use.rpc_caller:  # nameko's ReplyListener
            key = str(uuid.uuid4())
            Queue(f"rpc.reply-{name}-{key}", exchange=RPC, routing_key=key,
                  queue_arguments={"x-expires": 300000})(channel).declare()
    if use.subscriptions:  # a failing delivery: to its retry queue, then to the DLQ (chassis/messaging.py)
        publisher = Publisher(uri, use_confirms=True, delivery_mode=2, declare=retry_path(name, RETRY_DELAYS_MS))
        own_queue = topology.subscriber_queues(cls)[0].name
        publisher.publish(b"{}", exchange=retry_exchange_name(name, RETRY_DELAYS_MS[0]), routing_key=own_queue)
        publisher.publish(b"{}", exchange=DLX, routing_key=DLQ, mandatory=True)
    for event_type in use.produces:  # the outbox relay
        _publish(uri, EVENTS_EXCHANGE, event_type)
    if use.rpc_server:  # a reply to a caller
        _publish(uri, broker_users.RPC_EXCHANGE, str(uuid.uuid4()))
    if use.rpc_caller:
        for callee in callees:
            _publish(uri, broker_users.RPC_EXCHANGE, f"{callee}.describe")


def test_every_service_can_do_what_it_needs_with_its_own_user(broker):
    assert sorted(broker["classes"]) == sorted(plugins.service_names())
    for name in broker["classes"]:
        _service_does_its_broker_work(broker, name)


def test_a_service_cannot_put_a_message_into_another_departments_queue(broker):
    """Neither through the default exchange (which routes to any queue by its name) nor through
    billing's retry path; its own retry path routes back to its own queues only (#12)."""
    billing_queue = topology.subscriber_queues(broker["classes"]["billing"])[0].name
    notify = broker["uri"]("notify")
    assert broker_users.BrokerUse.of(broker["classes"]["notify"]).subscriptions  # it has a retry path
    with Connection(broker["admin_uri"]) as conn:
        conn.default_channel.queue_purge(billing_queue)
    with pytest.raises(AccessRefused, match="amq.default"):
        _publish(notify, "", billing_queue)
    for exchange in (retry_exchange_name("billing", RETRY_DELAYS_MS[0]), requeue_exchange("billing").name,
                     "propdesk.retry.150ms"):  # billing's retry path; the old shared one, had it been left
        with pytest.raises(AccessRefused, match=exchange.replace(".", r"\.")):
            _publish(notify, exchange, billing_queue)
    own_retry = retry_exchange_name("notify", RETRY_DELAYS_MS[0])
    _publish(notify, own_retry, billing_queue)  # its own retry path, billing's queue as routing key
    with Connection(broker["admin_uri"]) as conn:
        channel = conn.default_channel
        wait_for(lambda: channel.queue_declare(own_retry, passive=True).message_count == 0,
                 what="the delay to expire")  # dead-lettered to propdesk.requeue.notify: no route
        assert channel.queue_declare(billing_queue, passive=True).message_count == 0


def test_retries_and_dead_letters_move_under_the_services_own_user(broker):
    """The subscriber's moves (chassis/messaging.py) as billing's user: a retry comes back into its
    own handler queue after the delay, a dead letter reaches the DLQ through the DLX."""
    billing = broker["uri"]("billing")
    queue = topology.subscriber_queues(broker["classes"]["billing"])[0].name
    with Connection(broker["admin_uri"]) as conn:
        conn.default_channel.queue_purge(queue)
        conn.default_channel.queue_purge(DLQ)
    publisher = Publisher(billing, use_confirms=True, delivery_mode=2, declare=retry_path("billing", RETRY_DELAYS_MS))
    publisher.publish({"n": 1}, exchange=retry_exchange_name("billing", RETRY_DELAYS_MS[0]), routing_key=queue)
    publisher.publish({"n": 2}, exchange=DLX, routing_key=DLQ, mandatory=True)
    back = wait_for(lambda: _get(billing, queue), what="the retried message back in its queue")
    assert json.loads(back.body) == {"n": 1}
    assert json.loads(_get(broker["admin_uri"], DLQ).body) == {"n": 2}


def test_the_operator_lists_and_replays_the_dlq_and_nothing_else(broker):
    queue = topology.subscriber_queues(broker["classes"]["notify"])[0].name
    body = json.dumps({"event_id": "e-1", "event_type": "x"}).encode()
    with Connection(broker["admin_uri"]) as conn:  # drain what the test above parked
        channel = conn.default_channel
        channel.queue_purge(DLQ)
        channel.queue_purge(queue)
        channel.basic_publish(amqp.Message(body, application_headers={"x-propdesk-queue": queue}),
                              exchange="", routing_key=DLQ)
    operator = broker["uri"](broker_users.OPERATOR)
    assert [m["queue"] for m in dlq.list_messages(operator)] == [queue]
    assert dlq.replay(operator) == 1
    assert _get(broker["admin_uri"], queue).body == body
    with pytest.raises(AccessRefused):
        _publish(operator, EVENTS_EXCHANGE, "move_out.release_approved")
    with pytest.raises(AccessRefused):
        _get(operator, queue)


def test_production_refuses_guest_and_takes_the_users_password_file(broker, monkeypatch, tmp_path):
    monkeypatch.setenv("PROPDESK_AMQP_URI", broker["admin_uri"])
    monkeypatch.setenv("PROPDESK_PRODUCTION", "1")
    with pytest.raises(broker_users.CredentialsRefused, match="guest"):
        Settings.from_env()
    users = broker["users"]
    monkeypatch.setenv("PROPDESK_AMQP_USER", users.user("notify"))
    monkeypatch.setenv("PROPDESK_AMQP_PASSWORD_FILE", str(broker_users.password_file(users.directory,
                                                                                     users.user("notify"))))
    settings = Settings.from_env()
    _publish(settings.amqp_uri, EVENTS_EXCHANGE, "notification.sent")
