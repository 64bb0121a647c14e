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
