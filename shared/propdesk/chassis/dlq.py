"""Inspect and re-drive dead-lettered deliveries (`propdesk dlq list|replay`).

A parked message keeps its original body and properties; its headers say which handler queue it
came from, why (`handler_failed`, `malformed`, `unknown_contract`), the last error and how many
attempts were made. Replay sends it back to that queue with the attempt count reset, with
publisher confirms, and only then removes it from the DLQ. It publishes as `mandatory`: RabbitMQ
confirms a message no queue took (the queue was deleted or not declared yet) after dropping it,
so a returned message is kept in the DLQ instead, and not counted.
"""
from __future__ import annotations

import json
import logging

import amqp
from kombu import Connection

from propdesk.chassis.topology import DLQ, dead_letter_queue

log = logging.getLogger(__name__)

_PARK_HEADERS = ("x-propdesk-queue", "x-propdesk-service", "x-propdesk-reason", "x-propdesk-error",
                 "x-propdesk-trace", "x-propdesk-attempts", "x-propdesk-failed-at",
                 "x-propdesk-attempt", "x-propdesk-last-error")


def _dead_lettered_by_broker(headers: dict) -> dict:
    """A quorum handler queue's own dead letter (its delivery limit, chassis/topology.py) carries
    RabbitMQ's x-death instead of the subscriber's headers: the queue and the reason are there."""
    deaths = headers.get("x-death") or []
    return deaths[0] if deaths and isinstance(deaths[0], dict) else {}


def _summary(msg) -> dict:
    headers = dict(msg.headers or {})
    try:
        body = json.loads(msg.body)
    except (ValueError, TypeError):
        body = {}
    death = {} if headers.get("x-propdesk-queue") else _dead_lettered_by_broker(headers)
    return {
        "event_id": msg.properties.get("message_id") or body.get("event_id"),
        "event_type": msg.properties.get("type") or body.get("event_type"),
        "queue": headers.get("x-propdesk-queue") or death.get("queue"),
        "service": headers.get("x-propdesk-service"),
        "reason": headers.get("x-propdesk-reason") or death.get("reason"),
        "error": headers.get("x-propdesk-error"),
        "attempts": headers.get("x-propdesk-attempts"),
        "failed_at": headers.get("x-propdesk-failed-at"),
        "correlation_id": msg.properties.get("correlation_id") or body.get("correlation_id"),
    }


def list_messages(amqp_uri: str) -> list[dict]:
    """Every parked message, oldest first; nothing is removed."""
    with Connection(amqp_uri, connect_timeout=10) as conn:
        channel = conn.channel()
        dead_letter_queue()(channel).declare()
        out = []
        while True:
            msg = channel.basic_get(DLQ, no_ack=False)
            if msg is None:
                break
            out.append(_summary(msg))
        channel.close()  # unacked messages go back to the queue, in order
    return out


def replay(amqp_uri: str, event_id: str | None = None) -> int:
    """Send parked messages (all, or the one with this event id) back to their handler queue."""
    replayed = 0
    with Connection(amqp_uri, connect_timeout=10) as conn:
        conn.connect()
        channel = conn.connection.channel()
        channel.confirm_select()
        returned: list[str] = []  # basic.return comes before the confirm of an unroutable publish
        channel.events["basic_return"].add(lambda exc, exchange, routing_key, message: returned.append(routing_key))
        keep = []
        while True:
            msg = channel.basic_get(DLQ, no_ack=False)
            if msg is None:
                break
            info = _summary(msg)
            if (event_id is not None and info["event_id"] != event_id) or not info["queue"]:
                keep.append(msg.delivery_tag)
                continue
            headers = {k: v for k, v in (msg.headers or {}).items() if k not in _PARK_HEADERS}
            headers["x-propdesk-replayed"] = True
            props = {k: v for k, v in msg.properties.items() if k != "application_headers"}
            copy = amqp.Message(msg.body, application_headers=headers, **props)
            channel.basic_publish_confirm(copy, exchange="", routing_key=info["queue"], mandatory=True)
            if returned:
                returned.clear()
                log.warning("dead letter %s not replayed: its queue %s does not exist (declare it: "
                            "propdesk migrate)", info["event_id"], info["queue"])
                keep.append(msg.delivery_tag)
                continue
            channel.basic_ack(msg.delivery_tag)
            replayed += 1
        for tag in keep:
            channel.basic_reject(tag, requeue=True)
        channel.close()
    return replayed
