"""RabbitMQ topology: declared up front so no event is published before its queue exists.

- `propdesk.events` (topic, durable): every event, routing key = event type. Consumers bind by
  event type, not by producer: the event catalog is the contract, not who sends it.
- `<service>.<method>` (durable queue): one per subscribing handler; competing consumers when a
  service runs several processes.
- `propdesk.retry.<service>.<ms>ms` (fanout exchange + queue with that TTL, one set per
  subscribing service): a failed delivery waits here, then RabbitMQ dead-letters it to
  `propdesk.requeue.<service>`, a direct exchange to which only that service's handler queues are
  bound (routing key = the queue's name, which the message keeps). One queue per delay, so a short
  delay never waits behind a long one. Per service, so that a service's broker user may write to
  its own retry path only and cannot route a message into another department's queue (the default
  exchange, which routes to any queue by name, is in no service's permissions; broker_users.py).
- `propdesk.dlx` (fanout exchange) -> `propdesk.dlq` (durable queue): deliveries that failed every
  retry, or were malformed, with the reason in their headers; quorum handler queues dead-letter
  there too. `propdesk dlq list|replay` inspects and re-drives them. The DLX->DLQ binding is the
  set-up's (`declare_all`, definitions.json): services may publish to the DLX but not bind to it
  (which would let one read every department's dead letters); they publish `mandatory`.

Queue type (PROPDESK_QUEUE_TYPE): `classic` (the local default, one node) or `quorum` (a
RabbitMQ cluster, docs/operations.md): handler queues, retry queues and the DLQ become quorum
queues, replicated on the cluster's nodes, so a node lost keeps no message away. A handler queue
then also has a delivery limit: a message returned to it more than DELIVERY_LIMIT times (each
crash of a consumer holding it) is dead-lettered to `propdesk.dlq`, never dropped (at-least-once
dead-lettering; RabbitMQ >= 3.10, which also gave quorum queues the message TTL the retry queues
need). nameko's RPC request queues `rpc-<service>` become quorum queues too (`rpc_queue`, put
in place of nameko's own declaration by chassis/messaging.py), so no classic mirroring policy is
needed (classic mirroring is gone in RabbitMQ 4.0). Reply queues `rpc.reply-<caller>-<uuid>` stay
nameko's: one per caller process, classic, durable with a 5-minute `x-expires`.
Switching the type of an existing queue needs the queue deleted first (RabbitMQ refuses to
redeclare a queue with other arguments).

`declare_all` is run by `propdesk migrate`, by `propdesk run` before any service starts, and by
the test fixtures; each subscriber also (re)declares its own queue when it starts consuming.
"""
from __future__ import annotations

import inspect
import json
import os
from urllib.parse import unquote, urlparse

from kombu import Connection, Exchange, Queue, binding

EVENTS_EXCHANGE = "propdesk.events"
DLQ = "propdesk.dlq"

QUEUE_TYPES = ("classic", "quorum")
#: quorum handler queues: deliveries of one message (redeliveries after a consumer died holding
#: it) before RabbitMQ dead-letters it to the DLQ. Handler failures never count: the subscriber
#: acks and republishes to a retry queue, so only crashes and lost connections do.
DELIVERY_LIMIT = 20
#: nameko's RPC exchange (nameko.rpc.get_rpc_exchange; its `rpc_exchange` config key is never set)
RPC_EXCHANGE = "nameko-rpc"

#: dead letters go through this exchange (fanout) to the DLQ, never through the default exchange
DLX = "propdesk.dlx"

events_exchange = Exchange(EVENTS_EXCHANGE, type="topic", durable=True)
dead_letter_exchange = Exchange(DLX, type="fanout", durable=True)
rpc_exchange = Exchange(RPC_EXCHANGE, type="topic", durable=True)


def broker_addresses(amqp_uri: str) -> list[str]:
    """The broker URLs of PROPDESK_AMQP_URI: one, or several separated by `;` (a cluster's nodes,
    kombu's failover form, which every connection of the chassis and nameko 2.14 accepts: on a
    connection error it moves to the next address, round-robin)."""
    addresses = [a.strip() for a in amqp_uri.split(";") if a.strip()]
    if not addresses:
        raise ValueError("PROPDESK_AMQP_URI names no broker")
    return addresses


def broker_vhost(amqp_uri: str) -> str:
    """The vhost of PROPDESK_AMQP_URI (its first address's; every address names the same)."""
    path = urlparse(broker_addresses(amqp_uri)[0]).path
    return unquote(path[1:]) if path and path != "/" else "/"


def configured_queue_type(queue_type: str | None = None) -> str:
    """`queue_type`, or PROPDESK_QUEUE_TYPE (classic when unset); anything else is refused."""
    value = (queue_type or os.environ.get("PROPDESK_QUEUE_TYPE") or "classic").strip().lower()
    if value not in QUEUE_TYPES:
        raise ValueError(f"PROPDESK_QUEUE_TYPE must be one of {', '.join(QUEUE_TYPES)}, not {value!r}")
    return value


def _quorum(arguments: dict) -> dict:
    """A quorum queue's arguments. Where it dead-letters, it does so at-least-once: a message is
    removed only once the target queue confirmed it (RabbitMQ requires reject-publish overflow for
    that; no length limit is set, so it never rejects)."""
    return {"x-queue-type": "quorum", **arguments}


def retry_exchange_name(service: str, delay_ms: int) -> str:
    return f"propdesk.retry.{service}.{delay_ms}ms"


def requeue_exchange(service: str) -> Exchange:
    """Where `service`'s retry queues dead-letter: routes only to its own handler queues."""
    return Exchange(f"propdesk.requeue.{service}", type="direct", durable=True)


def retry_arguments(service: str, delay_ms: int, queue_type: str | None = None) -> dict:
    arguments = {"x-message-ttl": delay_ms, "x-dead-letter-exchange": requeue_exchange(service).name}
    if configured_queue_type(queue_type) == "quorum":
        arguments = _quorum({**arguments, "x-dead-letter-strategy": "at-least-once", "x-overflow": "reject-publish"})
    return arguments


def retry_queue(service: str, delay_ms: int, queue_type: str | None = None) -> Queue:
    name = retry_exchange_name(service, delay_ms)
    return Queue(name, exchange=Exchange(name, type="fanout", durable=True), durable=True,
                 queue_arguments=retry_arguments(service, delay_ms, queue_type))


def dead_letter_arguments(queue_type: str | None = None) -> dict | None:
    return _quorum({}) if configured_queue_type(queue_type) == "quorum" else None


def dead_letter_queue(queue_type: str | None = None, bound: bool = False) -> Queue:
    """The DLQ; `bound`: with its binding to `propdesk.dlx` (the set-up's declaration: a service
    or the operator only declares the queue, their users may not bind from the DLX)."""
    return Queue(DLQ, exchange=dead_letter_exchange if bound else None, routing_key=DLQ if bound else None,
                 durable=True, queue_arguments=dead_letter_arguments(queue_type))


def subscriber_arguments(queue_type: str | None = None) -> dict | None:
    if configured_queue_type(queue_type) != "quorum":
        return None
    return _quorum({"x-delivery-limit": DELIVERY_LIMIT, "x-dead-letter-exchange": DLX,
                    "x-dead-letter-routing-key": DLQ, "x-dead-letter-strategy": "at-least-once",
                    "x-overflow": "reject-publish"})


def subscriber_queue(service: str, method: str, event_types: tuple[str, ...], queue_type: str | None = None) -> Queue:
    """`<service>.<method>`, bound to `propdesk.events` by its event types and to its service's
    requeue exchange by its own name (the way back from the retry queues)."""
    name = f"{service}.{method}"
    return Queue(
        name, durable=True,
        bindings=[*(binding(events_exchange, routing_key=t) for t in event_types),
                  binding(requeue_exchange(service), routing_key=name)],
        queue_arguments=subscriber_arguments(queue_type),
    )


def retry_path(service: str, retry_delays_ms, queue_type: str | None = None) -> list:
    """What a subscriber of `service` declares before its first retry or dead-letter publish: the
    DLX and the DLQ (not their binding), its requeue exchange and its retry queues."""
    return [dead_letter_exchange, dead_letter_queue(queue_type), requeue_exchange(service),
            *(retry_queue(service, d, queue_type) for d in retry_delays_ms)]


def subscriber_queues(service_cls, queue_type: str | None = None) -> list[Queue]:
    """The queues of every @subscribe handler of a service class (from its decorators)."""
    from propdesk.chassis.messaging import EventSubscriber

    queues = []
    for method_name, method in inspect.getmembers(service_cls, inspect.isfunction):
        for ep in getattr(method, "nameko_entrypoints", ()):
            if isinstance(ep, EventSubscriber):
                queues.append(subscriber_queue(service_cls.name, method_name, ep.event_types, queue_type))
    return queues


def rpc_arguments(queue_type: str | None = None) -> dict | None:
    """An RPC request queue's arguments: nameko's (none) on classic; on quorum, a quorum queue.
    No delivery limit: a request is only returned by a consumer that died holding it (a handler's
    error is a reply), and nameko acks it once the reply is sent, as on classic."""
    return _quorum({}) if configured_queue_type(queue_type) == "quorum" else None


def rpc_queue(service: str, queue_type: str | None = None, exchange: Exchange | None = None) -> Queue:
    """`rpc-<service>` as nameko's RpcConsumer declares it (durable, bound to `nameko-rpc` with
    `<service>.*`), with the queue type's arguments."""
    return Queue(f"rpc-{service}", exchange=exchange or rpc_exchange, routing_key=f"{service}.*", durable=True,
                 queue_arguments=rpc_arguments(queue_type))


def serves_rpc(service_cls) -> bool:
    from nameko.rpc import Rpc

    return any(isinstance(ep, Rpc) for _, method in inspect.getmembers(service_cls, inspect.isfunction)
               for ep in getattr(method, "nameko_entrypoints", ()))


def rpc_queues(service_classes, queue_type: str | None = None) -> list[Queue]:
    """The RPC request queues of the services that answer RPC. Not in `declare_all`: until its
    service first starts, a call to a service is refused at once (nameko's UnknownService, the
    gateway's 503) instead of waiting in a queue; the definitions of a cluster do declare them."""
    return [rpc_queue(cls.name, queue_type) for cls in service_classes if serves_rpc(cls)]


def all_queues(service_classes, retry_delays_ms, queue_type: str | None = None) -> list[Queue]:
    queues = [dead_letter_queue(queue_type, bound=True)]
    for cls in service_classes:
        handlers = subscriber_queues(cls, queue_type)
        if handlers:
            queues.extend(retry_queue(cls.name, d, queue_type) for d in retry_delays_ms)
            queues.extend(handlers)
    return queues


def declare_all(amqp_uri: str, service_classes, retry_delays_ms, queue_type: str | None = None) -> list[str]:
    """Declare exchanges and queues for the given services; returns the queue names."""
    queues = all_queues(service_classes, retry_delays_ms, queue_type)
    with Connection(amqp_uri, connect_timeout=10) as conn:
        channel = conn.default_channel
        events_exchange(channel).declare()
        dead_letter_exchange(channel).declare()
        for q in queues:
            q(channel).declare()
    return [q.name for q in queues]


def definitions(service_classes, retry_delays_ms, vhost: str = "propdesk", queue_type: str = "quorum") -> dict:
    """RabbitMQ definitions (`rabbitmqctl import_definitions`, the management API's
    /api/definitions) of this topology: deploy/rabbitmq/definitions.json is this, for every
    service and the default retry delays (`python -m propdesk.chassis.topology`). No users or
    permissions: the set-up creates those (scripts/ensure-rabbitmq.sh)."""
    queues = [*all_queues(service_classes, retry_delays_ms, queue_type), *rpc_queues(service_classes, queue_type)]
    exchanges = {e.name: e for e in [events_exchange, *(q.exchange for q in queues
                                                        if q.exchange is not None and q.exchange.name),
                                     *(b.exchange for q in queues for b in q.bindings)]}.values()
    bindings = []
    for q in queues:
        if q.exchange is not None and q.exchange.name:
            bindings.append({"source": q.exchange.name, "vhost": vhost, "destination": q.name,
                             "destination_type": "queue", "routing_key": q.routing_key or "", "arguments": {}})
        for b in q.bindings:
            bindings.append({"source": b.exchange.name, "vhost": vhost, "destination": q.name,
                             "destination_type": "queue", "routing_key": b.routing_key, "arguments": {}})
    return {
        "rabbit_version": "3.10.8",
        "vhosts": [{"name": vhost}],
        "policies": [],
        "exchanges": [{"name": e.name, "vhost": vhost, "type": e.type, "durable": True, "auto_delete": False,
                       "internal": False, "arguments": {}} for e in exchanges],
        "queues": [{"name": q.name, "vhost": vhost, "durable": True, "auto_delete": False,
                    "arguments": dict(q.queue_arguments or {})} for q in queues],
        "bindings": sorted(bindings, key=lambda b: (b["source"], b["destination"], b["routing_key"])),
    }


def main() -> None:
    from propdesk import plugins
    from propdesk.config import Settings

    classes = sorted(plugins.service_classes().values(), key=lambda c: c.name)
    print(json.dumps(definitions(classes, Settings.from_env().retry_delays_ms), indent=2))


if __name__ == "__main__":
    main()
