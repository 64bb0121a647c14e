"""`@subscribe`: the event-handler entrypoint that never loses a message (conventions §3).

nameko 2.14's `@event_handler` acks a message even when the handler raised (the event is gone),
and `requeue_on_error=True` loops a poison message forever. `@subscribe` instead:

1. validates the envelope and the payload against its contract; a malformed message, or an
   event type/version no contract describes, goes straight to `propdesk.dlq` with the reason;
2. runs the handler with the `Envelope` as its only argument;
3. on success, or on `AlreadyProcessed` (the inbox saw this event id), acks;
4. on any other exception, publishes the message (with publisher confirms) to its service's
   retry delay queue for its attempt number (`propdesk.retry.<service>.<ms>ms`), or to
   `propdesk.dlq` through `propdesk.dlx` after the last delay (mandatory: a DLX not bound to the
   DLQ is a failed publish), THEN acks. If that publish fails the message is requeued instead,
   so it is never dropped.

    class TicketsService(PropdeskService):
        @subscribe("move_out.requested")
        def on_move_out_requested(self, event: Envelope): ...

The queue is `<service>.<method>`: the method name is public contract (renaming orphans a queue).
"""
from __future__ import annotations

import json
import logging
import traceback
from datetime import datetime, timezone
from functools import partial

import nameko.messaging
from kombu import Connection, Queue
from nameko.amqp.publish import Publisher
from nameko.messaging import Consumer, QueueConsumer
from nameko.rpc import RpcConsumer, get_rpc_exchange

from propdesk.chassis import metrics
from propdesk.chassis.db import AlreadyProcessed, settings_of
from propdesk.chassis.topology import (DLQ, DLX, configured_queue_type, retry_exchange_name, retry_path, rpc_queue,
                                       subscriber_queue)
from propdesk.contracts import registry
from propdesk.contracts.envelope import Envelope

log = logging.getLogger(__name__)

ATTEMPT_HEADER = "x-propdesk-attempt"


def _settle_or_let_the_broker_reclaim(settle):
    """nameko's `QueueConsumer.ack_message` / `requeue_message`, which ignore an AMQP connection
    error ("the message will already have been reclaimed by the broker"), made to ignore a socket
    error too (BrokenPipeError, ConnectionResetError: the node the consumer was connected to died).

    Found by the cluster drill (make chaos): an ack on a dead socket raised out of the RPC
    entrypoint's result handling and killed the service container; RPC requests arriving while it
    was being killed were requeued on the same dead socket, that raised again, and nameko replied
    to the caller with `RemoteError: BrokenPipeError`, although the request was in fact redelivered
    and carried out later. Unsettled on a lost connection, the message is redelivered by the broker
    (to this process once it reconnected, or to another): the inbox absorbs a repeated event, a
    repeated command meets its idempotency rules as after any lost reply."""

    def settle_message(self, message):
        try:
            settle(self, message)
        except OSError as exc:
            log.warning("could not %s a message on a lost broker connection (%s); the broker redelivers it",
                        settle.__name__.replace("_message", ""), exc)

    settle_message.__name__ = settle.__name__
    settle_message.__doc__ = settle.__doc__
    settle_message.propdesk_tolerant = True
    return settle_message


for _name in ("ack_message", "requeue_message"):  # every QueueConsumer: RPC, RPC replies, @subscribe
    if not getattr(getattr(QueueConsumer, _name), "propdesk_tolerant", False):
        setattr(QueueConsumer, _name, _settle_or_let_the_broker_reclaim(getattr(QueueConsumer, _name)))


def _rpc_consumer_setup(self):
    """nameko's `RpcConsumer.setup` (nameko 2.14, rpc.py), declaring `rpc-<service>` as
    `topology.rpc_queue` does: a quorum queue under PROPDESK_QUEUE_TYPE=quorum (replicated on a
    cluster without classic mirroring, which RabbitMQ 4.0 removed), nameko's classic queue otherwise."""
    if self.queue is None:
        config = self.container.config
        settings = config.get("PROPDESK")
        queue_type = settings.queue_type if settings is not None else configured_queue_type()
        self.queue = rpc_queue(self.container.service_name, queue_type, get_rpc_exchange(config))
        self.queue_consumer.register_provider(self)
        self._registered = True


_rpc_consumer_setup.propdesk_queue_type = True
if not getattr(RpcConsumer.setup, "propdesk_queue_type", False):
    RpcConsumer.setup = _rpc_consumer_setup  # every service's RPC entrypoints share one RpcConsumer


class ConsumerConnection(Connection):
    """kombu's `Connection` for a QueueConsumer, except that it never silently replaces a broker
    connection that failed under its consumers.

    A failed write on the consumer's connection (a worker's ack after the broker or a proxy hung
    up, tolerated above) leaves py-amqp's transport `connected = False` while the consumer thread
    is not reading the socket. kombu's `Connection.connection` then quietly opens a new connection
    on the consumer thread's next `drain_events` or `heartbeat_check`: one with no channel and no
    consumers, that times out every second as an idle connection does. The consumer never sees an
    error, never logs "Connection to broker lost", never re-registers: the service stays up and
    deaf to its queue (found by the proxy chaos drill: reports missed `release_slip.released`
    about one run in six). Raising a connection error instead sends kombu's consumer loop down
    its reconnect path: a new connection, the consumers declared again, the unacked messages
    redelivered by the broker."""

    @property
    def connection(self):
        if self._connection is not None and not self._closed and not self.connected:
            raise ConnectionError("the broker connection failed under its consumers (a write on it failed)")
        return super().connection


nameko.messaging.Connection = ConsumerConnection  # the one use: QueueConsumer.connection


class SubscriberQueueConsumer(QueueConsumer):
    """nameko's queue consumer, except that a body that cannot be decoded is handed to its
    subscriber to dead-letter. (nameko's own lets the decode error escape, which kills the
    consumer thread and so the service, and the message comes back on restart: a crash loop.)"""

    def get_consumers(self, consumer_cls, channel):
        consumers = super().get_consumers(consumer_cls, channel)
        for provider, consumer in self._consumers.items():
            consumer.on_decode_error = provider.handle_undecodable
        return consumers


class EventSubscriber(Consumer):
    is_event_subscriber = True
    queue_consumer = SubscriberQueueConsumer()

    def __init__(self, *event_types: str, **kwargs):
        if not event_types:
            raise ValueError("@subscribe needs at least one event type (or '#')")
        self.event_types = tuple(event_types)
        self.queue_name: str | None = None
        # an absorbed duplicate (inbox) is normal at-least-once traffic: nameko logs an expected
        # exception as a warning, any other as an ERROR with its traceback
        expected = kwargs.pop("expected_exceptions", ())
        expected = expected if isinstance(expected, tuple) else (expected,)
        super().__init__(queue=None, requeue_on_error=False, expected_exceptions=(AlreadyProcessed, *expected),
                         **kwargs)

    def setup(self):
        service = self.container.service_name
        settings = settings_of(self.container.config)
        self.retry_delays_ms = settings.retry_delays_ms
        self.queue: Queue = subscriber_queue(service, self.method_name, self.event_types, settings.queue_type)
        self.queue_name = self.queue.name
        # declared (once per channel) before the first retry or dead-letter publish, so neither is
        # ever sent to a queue that does not exist (the DLX->DLQ binding is the set-up's)
        self.publisher = Publisher(settings.amqp_uri, use_confirms=True, delivery_mode=2,
                                   declare=retry_path(service, self.retry_delays_ms, settings.queue_type))
        metrics.declare_subscriber(service, self.queue_name)
        super().setup()

    # -- receiving -----------------------------------------------------------------------------
    def handle_message(self, body, message):
        try:
            if isinstance(body, (bytes, str)):
                body = json.loads(body)
            envelope = Envelope.from_json_dict(body)
            payload = registry.validate_payload(envelope.event_type, envelope.version, envelope.payload)
            envelope = Envelope(**{**envelope.__dict__, "payload": payload})
        except registry.UnknownContract as exc:
            return self._park(message, "unknown_contract", str(exc))
        except (registry.SchemaError, ValueError, TypeError) as exc:
            return self._park(message, "malformed", f"{type(exc).__name__}: {exc}")

        context_data = {"correlation_id": envelope.correlation_id, "event_id": envelope.event_id}
        try:
            self.container.spawn_worker(self, (envelope,), {}, context_data=context_data,
                                        handle_result=partial(self.handle_result, message))
        except Exception:  # container being killed: give it back to the broker
            self.queue_consumer.requeue_message(message)

    def handle_undecodable(self, message, exc):
        self._park(message, "malformed", f"undecodable body: {exc}")

    def handle_result(self, message, worker_ctx, result=None, exc_info=None):
        service = self.container.service_name
        if exc_info is None:
            self.queue_consumer.ack_message(message)
        elif isinstance(exc_info[1], AlreadyProcessed):
            metrics.INBOX_DUPLICATES.labels(service, self.queue_name).inc()
            self.queue_consumer.ack_message(message)
        else:
            error = "".join(traceback.format_exception_only(exc_info[0], exc_info[1])).strip()
            self._retry_or_park(message, error, "".join(traceback.format_exception(*exc_info))[-4000:])
        # the error was handled here (retry or dead-letter): don't let nameko log it twice
        return result, None

    # -- failing -------------------------------------------------------------------------------
    def _retry_or_park(self, message, error: str, trace: str) -> None:
        attempt = int((message.headers or {}).get(ATTEMPT_HEADER, 0)) + 1
        if attempt <= len(self.retry_delays_ms):
            delay = self.retry_delays_ms[attempt - 1]
            log.warning("%s failed (attempt %d), retrying in %d ms: %s", self.queue_name, attempt, delay, error,
                        extra=self._log_extra(message))
            headers = {**(message.headers or {}), ATTEMPT_HEADER: attempt, "x-propdesk-last-error": error[:500]}
            if self._republish(message, retry_exchange_name(self.container.service_name, delay), self.queue_name,
                               headers):
                metrics.HANDLER_RETRIES.labels(self.container.service_name, self.queue_name).inc()
        else:
            self._park(message, "handler_failed", error, trace=trace, attempts=attempt)

    def _park(self, message, reason: str, error: str, trace: str = "", attempts: int = 1) -> None:
        log.error("%s: dead-lettering message %s (%s): %s", self.queue_name,
                  message.properties.get("message_id"), reason, error, extra=self._log_extra(message))
        headers = {
            **(message.headers or {}),
            "x-propdesk-queue": self.queue_name,
            "x-propdesk-service": self.container.service_name,
            "x-propdesk-reason": reason,
            "x-propdesk-error": error[:2000],
            "x-propdesk-trace": trace,
            "x-propdesk-attempts": attempts,
            "x-propdesk-failed-at": datetime.now(timezone.utc).isoformat(),
        }
        if self._republish(message, DLX, DLQ, headers, mandatory=True):
            metrics.DEAD_LETTERED.labels(self.container.service_name, self.queue_name, reason).inc()

    @staticmethod
    def _log_extra(message) -> dict:
        props = message.properties
        return {"correlation_id": props.get("correlation_id"), "event_id": props.get("message_id"),
                "event_type": props.get("type")}

    def _republish(self, message, exchange: str, routing_key: str, headers: dict, mandatory: bool = False) -> bool:
        """Publish a copy with confirms, then ack the original; requeue it if publishing failed
        (with `mandatory`, also when no queue took it)."""
        props = message.properties
        try:
            self.publisher.publish(
                message.body, exchange=exchange, routing_key=routing_key, headers=headers, mandatory=mandatory,
                content_type=message.content_type or "application/json",
                content_encoding=message.content_encoding or "utf-8",
                message_id=props.get("message_id"), correlation_id=props.get("correlation_id"),
                type=props.get("type"), app_id=props.get("app_id"), timestamp=props.get("timestamp"),
            )
        except Exception as exc:
            log.error("%s: could not move message to %s (%s); requeueing it", self.queue_name,
                      routing_key or exchange, str(exc) or type(exc).__name__)
            self.queue_consumer.requeue_message(message)
            return False
        self.queue_consumer.ack_message(message)
        return True


subscribe = EventSubscriber.decorator
