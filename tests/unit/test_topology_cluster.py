"""The broker topology on a cluster (#12): queue arguments per queue type, the address list of
PROPDESK_AMQP_URI, and deploy/rabbitmq/definitions.json agreeing with chassis/topology.py."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from kombu import Connection

from propdesk import plugins
from propdesk.chassis import topology
from propdesk.config import Settings

DEFINITIONS = Path(__file__).resolve().parents[2] / "deploy" / "rabbitmq" / "definitions.json"
DEFAULT_DELAYS = (1000, 5000, 30000)


def test_classic_queues_keep_their_arguments(monkeypatch):
    """The local default: what existing brokers already hold (another argument = PRECONDITION_FAILED)."""
    monkeypatch.delenv("PROPDESK_QUEUE_TYPE", raising=False)
    assert topology.subscriber_queue("billing", "on_x", ("a.b",)).queue_arguments is None
    assert topology.dead_letter_queue().queue_arguments is None
    assert topology.retry_queue("billing", 5000).queue_arguments == {
        "x-message-ttl": 5000, "x-dead-letter-exchange": "propdesk.requeue.billing"}


def test_quorum_handler_queue_has_a_delivery_limit_and_dead_letters_to_the_dlq():
    q = topology.subscriber_queue("billing", "on_x", ("a.b", "c.d"), "quorum")
    assert q.name == "billing.on_x" and q.durable
    assert q.queue_arguments == {
        "x-queue-type": "quorum", "x-delivery-limit": topology.DELIVERY_LIMIT,
        "x-dead-letter-exchange": topology.DLX, "x-dead-letter-routing-key": topology.DLQ,
        "x-dead-letter-strategy": "at-least-once", "x-overflow": "reject-publish",
    }
    assert {(b.exchange.name, b.routing_key) for b in q.bindings} == {
        ("propdesk.events", "a.b"), ("propdesk.events", "c.d"), ("propdesk.requeue.billing", "billing.on_x")}


def test_retries_come_back_through_the_services_own_requeue_exchange_only():
    """A retry queue dead-letters to `propdesk.requeue.<service>`, which only that service's handler
    queues are bound to (by their own name): no default exchange on the way back (#12)."""
    q = topology.retry_queue("billing", 1000)
    assert q.name == q.exchange.name == "propdesk.retry.billing.1000ms" and q.exchange.type == "fanout"
    requeue = topology.requeue_exchange("billing")
    assert (requeue.name, requeue.type) == ("propdesk.requeue.billing", "direct")
    assert q.queue_arguments["x-dead-letter-exchange"] == requeue.name
    bound = topology.all_queues([plugins.service_classes()["billing"]], (1000,))
    assert {b.routing_key for queue in bound for b in queue.bindings if b.exchange.name == requeue.name} == \
        {queue.name for queue in bound if queue.name.startswith("billing.")}
    dlq = topology.dead_letter_queue(bound=True)
    assert (dlq.exchange.name, dlq.exchange.type, dlq.routing_key) == (topology.DLX, "fanout", topology.DLQ)
    assert not topology.dead_letter_queue().exchange.name  # what a service or the operator declares


def test_quorum_retry_queue_expires_back_into_the_handler_queue_at_least_once():
    q = topology.retry_queue("billing", 1000, "quorum")
    assert q.queue_arguments == {"x-queue-type": "quorum", "x-message-ttl": 1000,
                                 "x-dead-letter-exchange": "propdesk.requeue.billing",
                                 "x-dead-letter-strategy": "at-least-once", "x-overflow": "reject-publish"}
    assert topology.dead_letter_queue("quorum").queue_arguments == {"x-queue-type": "quorum"}


def test_rpc_queue_is_nameko_s_declaration_and_quorum_on_quorum(monkeypatch):
    """chassis/messaging.py puts `topology.rpc_queue` in place of nameko's RpcConsumer queue: the
    same name, exchange, routing key and durability; quorum arguments under the quorum type."""
    from nameko.containers import ServiceContainer
    from nameko.rpc import RpcConsumer

    from propdesk.chassis import messaging  # noqa: F401  (applies the declaration)

    def declared(config, env_type=None):
        if env_type:
            monkeypatch.setenv("PROPDESK_QUEUE_TYPE", env_type)
        else:
            monkeypatch.delenv("PROPDESK_QUEUE_TYPE", raising=False)
        container = ServiceContainer(plugins.service_classes()["billing"], {"AMQP_URI": "memory://", **config})
        [consumer] = [e for e in container.extensions if isinstance(e, RpcConsumer)]
        consumer.setup()  # no broker: only builds the queue and registers with the queue consumer
        return consumer.queue

    classic = declared({})
    assert (classic.name, classic.exchange.name, classic.exchange.type, classic.routing_key, classic.durable) == \
        ("rpc-billing", "nameko-rpc", "topic", "billing.*", True)
    assert classic.queue_arguments is None  # what nameko declares: an existing classic queue is accepted
    assert declared({}, "quorum").queue_arguments == {"x-queue-type": "quorum"}
    assert declared({"PROPDESK": Settings.from_env()}, "quorum").queue_arguments == {"x-queue-type": "quorum"}
    assert topology.rpc_queue("billing", "quorum").queue_arguments == {"x-queue-type": "quorum"}


def test_queue_type_comes_from_the_environment_and_is_checked(monkeypatch):
    monkeypatch.setenv("PROPDESK_QUEUE_TYPE", "quorum")
    assert Settings.from_env().queue_type == "quorum"
    assert topology.dead_letter_queue().queue_arguments == {"x-queue-type": "quorum"}
    assert topology.dead_letter_queue("classic").queue_arguments is None  # an explicit type wins
    monkeypatch.setenv("PROPDESK_QUEUE_TYPE", "mirrored")
    with pytest.raises(ValueError, match="PROPDESK_QUEUE_TYPE"):
        Settings.from_env()


def test_address_list_is_kombus_failover_form():
    uri = "amqp://u:p@10.0.0.1:5672/propdesk;amqp://u:p@10.0.0.2:5672/propdesk; amqp://u:p@10.0.0.3:5672/propdesk"
    addresses = topology.broker_addresses(uri)
    assert [a.split("@")[1] for a in addresses] == ["10.0.0.1:5672/propdesk", "10.0.0.2:5672/propdesk",
                                                    "10.0.0.3:5672/propdesk"]
    assert topology.broker_vhost(uri) == "propdesk"
    conn = Connection(";".join(addresses))  # what the chassis and nameko build: every node, round-robin
    assert conn.alt == addresses
    assert (conn.hostname, conn.port, conn.virtual_host) == ("10.0.0.1", 5672, "propdesk")
    seen = []
    for _ in range(4):  # what kombu does after each failed connection attempt: the next node
        conn.maybe_switch_next()
        seen.append(conn.hostname)
    assert seen == ["10.0.0.2", "10.0.0.3", "10.0.0.1", "10.0.0.2"]
    assert topology.broker_addresses("amqp://guest:guest@127.0.0.1:5672/") == ["amqp://guest:guest@127.0.0.1:5672/"]
    assert topology.broker_vhost("amqp://guest:guest@127.0.0.1:5672/") == "/"
    assert topology.broker_vhost("amqp://guest:guest@127.0.0.1:5672/test%2Fx") == "test/x"
    with pytest.raises(ValueError):
        topology.broker_addresses(" ; ")


def test_settings_strip_spaces_around_addresses(monkeypatch):
    """kombu takes " amqp://..." after a `;` for a hostless URL (it then connects to localhost)."""
    monkeypatch.setenv("PROPDESK_AMQP_URI", "amqp://u:p@h1:5672/v ;  amqp://u:p@h2:5673/v")
    uri = Settings.from_env().amqp_uri
    assert uri == "amqp://u:p@h1:5672/v;amqp://u:p@h2:5673/v"
    assert [(a.split("@")[1]) for a in Connection(uri).alt] == ["h1:5672/v", "h2:5673/v"]


def test_definitions_json_is_the_topology():
    """deploy/rabbitmq/definitions.json is `python -m propdesk.chassis.topology` for every service:
    a new @subscribe handler, event type or retry delay without regenerating it fails here."""
    classes = sorted(plugins.service_classes().values(), key=lambda c: c.name)
    expected = topology.definitions(classes, DEFAULT_DELAYS)
    on_disk = json.loads(DEFINITIONS.read_text())
    assert on_disk == json.loads(json.dumps(expected)), \
        "regenerate: .venv/bin/python -m propdesk.chassis.topology > deploy/rabbitmq/definitions.json"


def test_definitions_cover_every_handler_queue_as_quorum_and_no_users():
    d = json.loads(DEFINITIONS.read_text())
    queues = {q["name"]: q for q in d["queues"]}
    for cls in plugins.service_classes().values():
        for q in topology.subscriber_queues(cls, "quorum"):
            assert queues[q.name]["arguments"]["x-queue-type"] == "quorum"
            assert queues[q.name]["arguments"]["x-delivery-limit"] == topology.DELIVERY_LIMIT
            bound = {b["routing_key"] for b in d["bindings"]
                     if b["destination"] == q.name and b["source"] == topology.EVENTS_EXCHANGE}
            assert bound == {b.routing_key for b in q.bindings if b.exchange.name == topology.EVENTS_EXCHANGE}
    assert queues[topology.DLQ]["arguments"] == {"x-queue-type": "quorum"}
    pairs = [{"source": b["source"], "destination": b["destination"]} for b in d["bindings"]]
    subscribers = [cls.name for cls in plugins.service_classes().values() if topology.subscriber_queues(cls)]
    for service in subscribers:
        for delay in DEFAULT_DELAYS:
            name = topology.retry_exchange_name(service, delay)
            assert queues[name]["arguments"]["x-message-ttl"] == delay
            assert queues[name]["arguments"]["x-dead-letter-exchange"] == f"propdesk.requeue.{service}"
            assert {"source": name, "destination": name} in pairs
    assert not [q for q in queues if q.startswith("propdesk.retry.") and q.split(".")[2] not in subscribers]
    assert [b["destination"] for b in d["bindings"] if b["source"] == topology.DLX] == [topology.DLQ]
    assert {e["name"] for e in d["exchanges"]} >= {topology.EVENTS_EXCHANGE}
    rpc_servers = sorted(cls.name for cls in plugins.service_classes().values() if topology.serves_rpc(cls))
    assert rpc_servers and "gateway" not in rpc_servers
    for name in rpc_servers:  # quorum RPC request queues: no classic mirroring policy (gone in RabbitMQ 4.0)
        assert queues[f"rpc-{name}"]["arguments"] == {"x-queue-type": "quorum"}
        assert {"source": "nameko-rpc", "destination": f"rpc-{name}", "routing_key": f"{name}.*"} in \
            [{k: b[k] for k in ("source", "destination", "routing_key")} for b in d["bindings"]]
    assert d["policies"] == []
    assert "users" not in d and "permissions" not in d  # the set-up's (per-service users)
    assert {q["vhost"] for q in d["queues"]} == {v["name"] for v in d["vhosts"]}


class _DeadSocketMessage:
    """A delivery whose connection's socket is gone (the node died): settling it fails."""

    channel = type("Channel", (), {"connection": object()})()

    def ack(self):
        raise BrokenPipeError(32, "Broken pipe")

    def requeue(self):
        raise ConnectionResetError(104, "Connection reset by peer")


def test_settling_a_message_on_a_dead_connection_leaves_it_to_the_broker(caplog):
    """The cluster drill's finding: nameko let a socket error out of ack/requeue, which killed the
    service container and answered RPC callers `RemoteError: BrokenPipeError` for requests the
    broker redelivered and ran anyway. Every service's QueueConsumer now lets the broker reclaim."""
    from nameko.messaging import QueueConsumer

    from propdesk.chassis import service  # noqa: F401  (what every service imports; it applies the fix)

    consumer = QueueConsumer()
    consumer.ack_message(_DeadSocketMessage())
    consumer.requeue_message(_DeadSocketMessage())
    assert "lost broker connection" in caplog.text

    class Broken(_DeadSocketMessage):
        def ack(self):
            raise ValueError("not a connection problem")

    with pytest.raises(ValueError):
        consumer.ack_message(Broken())
