"""The faults the drills inject, and how recovery is measured.

- `kill_service`: SIGKILL one supervised service; recovered when the supervisor's replacement
  answers and every service answers an RPC again.
- broker faults on a private node: `stop_app`/`start_app`, a full node restart, a long outage.
- `Duplicator`: a queue bound to ``propdesk.events`` (``#``) that publishes every event once
  more (same body and ids, marked with a header so that it does not copy its own copies).
- `inject_poison`: an event no handler can ever process, and a body no consumer can decode.
- the TCP fault proxy (propdesk.testing.faultproxy) for latency, resets and a blackhole.
"""
from __future__ import annotations

import json
import os
import signal
import time
import uuid
from dataclasses import asdict, dataclass
from typing import Callable

import eventlet
import requests
from kombu import Connection, Consumer, Exchange, Queue, binding
from nameko.exceptions import RemoteError

from chaos.workload import ResilientRpc, Unavailable
from propdesk.chassis.topology import EVENTS_EXCHANGE, events_exchange
from propdesk.contracts.envelope import Actor, Envelope, new_id, utcnow
from propdesk.runner import Supervisor

DUPLICATE_HEADER = "x-chaos-duplicate"

#: One cheap read per service: when every one answers, the service is consuming again.
PROBES: dict[str, tuple[str, dict]] = {
    "residents": ("get_unit", {"unit_id": "1-1-303"}),
    "tickets": ("list_repairs", {"status": "open"}),
    "billing": ("list_arrears", {}),
    "access": ("list_release_slips", {"status": "issued"}),
    "notify": ("list_messages", {"status": "failed"}),
    "reports": ("move_out_counts", {}),
}


@dataclass
class FaultRecord:
    """One injected fault: when it began and ended (seconds into the stream) and how long the
    system took after its end until every service answered again."""

    name: str
    began_s: float
    ended_s: float
    recovery_s: float | None

    def as_dict(self) -> dict:
        return asdict(self)


def wait_recovered(sup: Supervisor, amqp_uri: str, bound_s: float = 180.0) -> float | None:
    """Seconds until every service answers /health and an RPC (None when not within bound_s)."""
    t0 = time.monotonic()
    deadline = t0 + bound_s
    while time.monotonic() < deadline:
        if all(c.proc is not None and c.proc.poll() is None and sup.healthy(c) for c in sup.children):
            break
        eventlet.sleep(0.2)
    else:
        return None
    rpc = ResilientRpc(amqp_uri, call_timeout=10)
    try:
        for service, (method, kwargs) in PROBES.items():
            if service not in {c.name for c in sup.children}:
                continue
            try:
                rpc.call(service, method, lambda: deadline, **kwargs)
            except RemoteError:
                pass  # it answered
    except Unavailable:
        return None
    finally:
        rpc.close()
    return round(time.monotonic() - t0, 2)


# -- kill -9 -----------------------------------------------------------------------------------------
def kill_service(sup: Supervisor, name: str, amqp_uri: str, now: Callable[[], float]) -> FaultRecord:
    """SIGKILL the service's process; the supervisor restarts it (with its back-off)."""
    began = now()
    pid = sup.pid(name)
    if pid is not None:
        os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 120
    while (sup.pid(name) in (None, pid)) and time.monotonic() < deadline:
        eventlet.sleep(0.1)
    ended = now()
    return FaultRecord(f"kill -9 {name}", began, ended, wait_recovered(sup, amqp_uri))


# -- every event twice -------------------------------------------------------------------------------
class Duplicator:
    """Republishes every event on ``propdesk.events`` once more, like a redelivery from the
    outbox (same body, message id and correlation id). Its copies carry DUPLICATE_HEADER and
    are not copied again."""

    def __init__(self, amqp_uri: str):
        self.amqp_uri = amqp_uri
        self.queue = Queue(f"chaos-duplicator-{uuid.uuid4().hex[:8]}",
                           bindings=[binding(events_exchange, routing_key="#")], auto_delete=False, durable=False)
        self.copies = 0
        self.errors = 0
        self._running = False
        self._gt = None

    def start(self) -> "Duplicator":
        with Connection(self.amqp_uri) as conn:
            self.queue(conn.default_channel).declare()  # bound before the first event is published
        self._running = True
        self._gt = eventlet.spawn(self._run)
        return self

    def stop(self) -> None:
        self._running = False
        if self._gt is not None:
            with eventlet.Timeout(30, False):
                self._gt.wait()
            self._gt.kill()
        with Connection(self.amqp_uri) as conn:
            self.queue(conn.default_channel).delete()

    def _run(self) -> None:
        while self._running:
            try:
                self._consume()
            except Exception:  # connection trouble: count it and reconnect
                self.errors += 1
                eventlet.sleep(0.5)

    def _consume(self) -> None:
        # two connections: waiting for a publish confirm inside a delivery callback on the
        # consuming connection would read that connection re-entrantly and hang
        with Connection(self.amqp_uri) as conn, \
                Connection(self.amqp_uri, transport_options={"confirm_publish": True}) as out:
            producer = out.Producer(exchange=Exchange(EVENTS_EXCHANGE, type="topic", durable=True))

            def copy(message) -> None:
                headers = dict(message.headers or {})
                if not headers.get(DUPLICATE_HEADER):
                    props = message.properties
                    producer.publish(message.body, routing_key=message.delivery_info["routing_key"],
                                     headers={**headers, DUPLICATE_HEADER: True}, delivery_mode=2,
                                     content_type=message.content_type, content_encoding=message.content_encoding,
                                     message_id=props.get("message_id"), correlation_id=props.get("correlation_id"),
                                     type=props.get("type"), app_id=props.get("app_id"))
                    self.copies += 1
                message.ack()

            with Consumer(conn, queues=[self.queue], on_message=copy, prefetch_count=50):
                while self._running:
                    try:
                        conn.drain_events(timeout=0.5)
                    except TimeoutError:  # socket.timeout: nothing to copy just now
                        continue


# -- poison ------------------------------------------------------------------------------------------
def poison_envelope() -> Envelope:
    """A valid ``move_out.inspection_completed`` naming a move-out nobody issued: residents' handler
    raises NotFound every time, so it is retried and then dead-lettered."""
    return Envelope(new_id(), "move_out.inspection_completed", 1, utcnow(), "tickets", "MO-CHAOS-POISON", None,
                    Actor("chaos", "engineering"),
                    {"move_out_id": "MO-CHAOS-POISON", "work_order_no": "WO-CHAOS-POISON", "unit_id": "CH-POISON",
                     "passed": True, "defects": [], "breach_notice_id": None})


def inject_poison(amqp_uri: str) -> tuple[str, str]:
    """Publish the poison event and an undecodable ``move_out.requested``; their two ids."""
    envelope = poison_envelope()
    malformed_id = f"chaos-malformed-{uuid.uuid4().hex[:8]}"
    with Connection(amqp_uri, transport_options={"confirm_publish": True}) as conn:
        producer = conn.Producer(exchange=Exchange(EVENTS_EXCHANGE, type="topic", durable=True))
        producer.publish(json.dumps(envelope.to_json_dict()).encode(), routing_key=envelope.event_type,
                         content_type="application/json", content_encoding="utf-8", delivery_mode=2,
                         message_id=envelope.event_id, correlation_id=envelope.correlation_id, type=envelope.event_type)
        producer.publish(b"{this is not json", routing_key="move_out.requested", content_type="application/json",
                         content_encoding="utf-8", delivery_mode=2, message_id=malformed_id,
                         type="move_out.requested")
    return envelope.event_id, malformed_id


def dead_lettered_metric(port: int, handler: str, reason: str) -> float:
    """propdesk_dead_lettered_total for one handler and reason on a service's /metrics (0 if absent)."""
    text = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    for line in text.splitlines():
        if line.startswith("propdesk_dead_lettered_total{") and f'handler="{handler}"' in line \
                and f'reason="{reason}"' in line:
            return float(line.rsplit(" ", 1)[1])
    return 0.0
