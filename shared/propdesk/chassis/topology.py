"""RabbitMQ topology: declared up front so no event is published before its queue exists.

- `propdesk.events` (topic, durable): every event, routing key = event type. Consumers bind by
  event type, not by producer: the event catalog is the contract, not who sends it.
- `<service>.<method>` (durable queue): one per subscribing handler; competing consumers when a
  service runs several processes.
- `propdesk.retry.<ms>ms` (fanout exchange + queue with that TTL): a failed delivery waits here,
  then RabbitMQ dead-letters it through the default exchange back to its own queue (the message
  keeps the handler queue's name as routing key). One queue per delay, so a short delay never waits
  behind a long one.
- `propdesk.dlq` (durable queue): deliveries that failed every retry, or were malformed, with the
  reason in their headers. `propdesk dlq list|replay` inspects and re-drives them.

`declare_all` is run by `propdesk migrate`, by `propdesk run` before any service starts, and by
the test fixtures; each subscriber also (re)declares its own queue when it starts consuming.
"""
from __future__ import annotations

import inspect

from kombu import Connection, Exchange, Queue, binding

EVENTS_EXCHANGE = "propdesk.events"
DLQ = "propdesk.dlq"

events_exchange = Exchange(EVENTS_EXCHANGE, type="topic", durable=True)


def retry_exchange_name(delay_ms: int) -> str:
    return f"propdesk.retry.{delay_ms}ms"


def retry_queue(delay_ms: int) -> Queue:
    name = retry_exchange_name(delay_ms)
    return Queue(name, exchange=Exchange(name, type="fanout", durable=True), durable=True,
                 queue_arguments={"x-message-ttl": delay_ms, "x-dead-letter-exchange": ""})


def dead_letter_queue() -> Queue:
    return Queue(DLQ, durable=True)


def subscriber_queue(service: str, method: str, event_types: tuple[str, ...]) -> Queue:
    return Queue(
        f"{service}.{method}", durable=True,
        bindings=[binding(events_exchange, routing_key=t) for t in event_types],
    )


def subscriber_queues(service_cls) -> list[Queue]:
    """The queues of every @subscribe handler of a service class (from its decorators)."""
    from propdesk.chassis.messaging import EventSubscriber

    queues = []
    for method_name, method in inspect.getmembers(service_cls, inspect.isfunction):
        for ep in getattr(method, "nameko_entrypoints", ()):
            if isinstance(ep, EventSubscriber):
                queues.append(subscriber_queue(service_cls.name, method_name, ep.event_types))
    return queues


def declare_all(amqp_uri: str, service_classes, retry_delays_ms) -> list[str]:
    """Declare exchanges and queues for the given services; returns the queue names."""
    queues = [dead_letter_queue(), *(retry_queue(d) for d in retry_delays_ms)]
    for cls in service_classes:
        queues.extend(subscriber_queues(cls))
    with Connection(amqp_uri, connect_timeout=10) as conn:
        channel = conn.default_channel
        events_exchange(channel).declare()
        for q in queues:
            q(channel).declare()
    return [q.name for q in queues]
