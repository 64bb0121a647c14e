"""Raw RabbitMQ baselines with pika (no eventlet, no nameko, no database): what the broker and the
client library can do on this machine, so the propdesk figures are read as ratios of them.

- **B1** persistent publishes to a durable queue, waiting for each broker confirm
  (`BlockingConnection` + `confirm_delivery`): one round trip to the broker per message, the
  pattern nameko's `EventDispatcher` uses. Limited by the round trip and the broker's persistence.
- **B2** persistent publishes with *pipelined* confirms (`SelectConnection`, at most `WINDOW`
  unconfirmed), while a consumer in another process (manual acks, prefetch 100) drains the queue.
  The figure is messages consumed *and acked* per second, from the first publish to the last ack.
  Limited by the broker's CPU and by the two pika processes on two shared cores.
- **B3** a request/reply round trip: the client publishes to a durable request queue with
  `reply_to` (an exclusive, server-named queue) and a `correlation_id`; a responder process
  answers. Non-persistent, no confirms: the bare round trip through the broker (latency in ms).

Every message body is a ~300-byte JSON event envelope like the ones propdesk publishes.
Every child process is started by this process and stopped (terminate, then kill) before it
returns, also when a measurement fails.
"""
from __future__ import annotations

import contextlib
import json
import multiprocessing as mp
import time
import uuid
from typing import Callable, Iterator

import pika

from bench.common import Context, Figure, percentile, rate, repeat, scenario_main
from bench.procs import die_with_parent

WINDOW = 1000          # B2: unconfirmed publishes allowed in flight
PREFETCH = 100         # B2: consumer prefetch
B1_QUEUE = "bench.b1"
B2_QUEUE = "bench.b2"
B3_QUEUE = "bench.b3.requests"


# -- shared pieces -----------------------------------------------------------------------------------

def envelope_body(i: int) -> bytes:
    """A propdesk-like event envelope, about 300 bytes of JSON."""
    return json.dumps({
        "event_id": uuid.uuid4().hex, "event_type": "move_out.requested", "version": 1,
        "occurred_at": "2026-11-22T21:00:00.000000+00:00", "producer": "residents",
        "correlation_id": f"MO-2026-{i:06d}", "causation_id": None,
        "actor": {"id": "S-FD-01", "role": "front_desk"},
        "payload": {"move_out_id": f"MO-2026-{i:06d}", "unit_id": "A-1-0101", "exit_date": "2026-12-01",
                    "consent_ref": "OWNER-CONSENT-0001"},
    }, separators=(",", ":")).encode()


PERSISTENT = pika.BasicProperties(delivery_mode=2, content_type="application/json")


def connect(uri: str) -> pika.BlockingConnection:
    return pika.BlockingConnection(pika.URLParameters(uri))


def declare_fresh(uri: str, queue: str) -> None:
    """A durable, empty queue (purged: a repetition never counts the previous one's messages)."""
    with contextlib.closing(connect(uri)) as conn:
        ch = conn.channel()
        ch.queue_declare(queue, durable=True)
        ch.queue_purge(queue)


@contextlib.contextmanager
def child(target: Callable, *args) -> Iterator[mp.Process]:
    """Run ``target(*args)`` in a child process; always stop it (terminate, then kill)."""
    proc = mp.get_context("spawn").Process(target=target, args=args, daemon=True)
    proc.start()
    try:
        yield proc
    finally:
        if proc.is_alive():
            proc.terminate()
            proc.join(5)
        if proc.is_alive():
            proc.kill()
            proc.join(5)


# -- a draining consumer (B2, and the nameko dispatcher comparison in bench.pipeline) -------------

def drain(uri: str, queue: str, count, last_at, ready, stop, prefetch: int = PREFETCH) -> None:
    """Consume ``queue`` with manual acks until ``stop`` is set; ``count`` holds how many were
    acked and ``last_at`` the monotonic time of the last ack (both shared with the parent)."""
    die_with_parent()
    conn = connect(uri)
    ch = conn.channel()
    ch.basic_qos(prefetch_count=prefetch)

    def on_message(channel, method, _props, _body):
        channel.basic_ack(method.delivery_tag)
        count.value += 1
        last_at.value = time.monotonic()

    ch.basic_consume(queue, on_message)
    ready.set()
    try:
        while not stop.is_set():
            conn.process_data_events(time_limit=0.1)
    finally:
        with contextlib.suppress(Exception):
            conn.close()


class Drainer:
    """A `drain` process and the numbers it shares."""

    def __init__(self, uri: str, queue: str):
        ctx = mp.get_context("spawn")
        self.count = ctx.RawValue("q", 0)
        self.last_at = ctx.RawValue("d", 0.0)
        self.ready = ctx.Event()
        self.stop = ctx.Event()
        self.uri, self.queue = uri, queue

    @contextlib.contextmanager
    def running(self) -> Iterator["Drainer"]:
        with child(drain, self.uri, self.queue, self.count, self.last_at, self.ready, self.stop) as proc:
            if not self.ready.wait(30):
                raise RuntimeError("the draining consumer did not start")
            try:
                yield self
            finally:
                self.stop.set()
                proc.join(5)

    def wait_for(self, total: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while self.count.value < total and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.count.value >= total


# -- B1 ------------------------------------------------------------------------------------------------

def publish_confirm_each(uri: str, seconds: float) -> float:
    """Publish for ``seconds``, one confirm awaited per message; returns msg/s."""
    declare_fresh(uri, B1_QUEUE)
    with contextlib.closing(connect(uri)) as conn:
        ch = conn.channel()
        ch.confirm_delivery()
        bodies = [envelope_body(i) for i in range(1000)]
        n = 0
        start = time.perf_counter()
        deadline = start + seconds
        while time.perf_counter() < deadline:
            ch.basic_publish("", B1_QUEUE, bodies[n % 1000], PERSISTENT)
            n += 1
        elapsed = time.perf_counter() - start
        ch.queue_purge(B1_QUEUE)
    return rate(n, elapsed)


def b1_confirm_each(ctx: Context) -> Figure:
    seconds = ctx.seconds(10)
    values = repeat(ctx, lambda: publish_confirm_each(ctx.amqp_uri, seconds))
    return Figure("B1", "raw pika: persistent publish to a durable queue, waiting for each confirm",
                  "msg/s", values, detail={"seconds_per_rep": seconds, "body_bytes": len(envelope_body(0))})


# -- B2 ------------------------------------------------------------------------------------------------

class PipelinedPublisher:
    """Publishes persistent messages on a `SelectConnection` for ``seconds``, keeping at most
    ``window`` unconfirmed; confirms arrive as callbacks (often acking many at once)."""

    def __init__(self, uri: str, queue: str, seconds: float, window: int = WINDOW):
        self.uri, self.queue, self.seconds, self.window = uri, queue, seconds, window
        self.bodies = [envelope_body(i) for i in range(1000)]
        self.published = 0
        self.confirmed = 0
        self.nacked = 0
        self.started = 0.0
        self.channel = None
        self.conn: pika.SelectConnection | None = None
        self.error: str | None = None

    def run(self) -> None:
        self.conn = pika.SelectConnection(pika.URLParameters(self.uri), on_open_callback=self._on_open,
                                          on_open_error_callback=self._on_error,
                                          on_close_callback=lambda _c, _r: self.conn.ioloop.stop())
        self.conn.ioloop.call_later(self.seconds + 60, self._give_up)
        self.conn.ioloop.start()
        if self.error:
            raise RuntimeError(self.error)

    def _on_error(self, _conn, err) -> None:
        self.error = f"connection failed: {err}"
        self.conn.ioloop.stop()

    def _give_up(self) -> None:
        self.error = f"confirms still missing after {self.seconds + 60:.0f} s"
        self.conn.close()

    def _on_open(self, conn) -> None:
        conn.channel(on_open_callback=self._on_channel)

    def _on_channel(self, channel) -> None:
        self.channel = channel
        channel.confirm_delivery(self._on_confirm)
        self.started = time.monotonic()
        self._fill()

    def _fill(self) -> None:
        if time.monotonic() - self.started >= self.seconds:
            if self.confirmed + self.nacked >= self.published:
                self.conn.close()
            return
        while self.published - self.confirmed - self.nacked < self.window:
            self.channel.basic_publish("", self.queue, self.bodies[self.published % 1000], PERSISTENT)
            self.published += 1

    def _on_confirm(self, frame) -> None:
        method = frame.method
        settled = method.delivery_tag - (self.confirmed + self.nacked) if method.multiple else 1
        if isinstance(method, pika.spec.Basic.Nack):
            self.nacked += settled
        else:
            self.confirmed += settled
        self._fill()


def pipelined_round(uri: str, seconds: float) -> float:
    """One repetition of B2: messages consumed+acked per second while publishing for ``seconds``."""
    declare_fresh(uri, B2_QUEUE)
    drainer = Drainer(uri, B2_QUEUE)
    with drainer.running():
        publisher = PipelinedPublisher(uri, B2_QUEUE, seconds)
        start = time.monotonic()
        publisher.run()
        if publisher.nacked:
            raise RuntimeError(f"broker nacked {publisher.nacked} publishes")
        if not drainer.wait_for(publisher.published, timeout=120):
            raise RuntimeError(f"consumer got {drainer.count.value} of {publisher.published} in time")
        return rate(drainer.count.value, drainer.last_at.value - start)


def b2_pipelined(ctx: Context) -> Figure:
    seconds = ctx.seconds(10)
    values = repeat(ctx, lambda: pipelined_round(ctx.amqp_uri, seconds))
    return Figure("B2", f"raw pika: persistent publish, pipelined confirms (window {WINDOW}), "
                        f"consumed+acked by another process (prefetch {PREFETCH})",
                  "msg/s", values, detail={"seconds_per_rep": seconds, "window": WINDOW, "prefetch": PREFETCH})


# -- B3 ------------------------------------------------------------------------------------------------

def respond(uri: str, ready) -> None:
    """Answer every request on `B3_QUEUE` with its body, to its reply_to, with its correlation_id."""
    die_with_parent()
    conn = connect(uri)
    ch = conn.channel()
    ch.queue_declare(B3_QUEUE, durable=True)
    ch.basic_qos(prefetch_count=10)

    def on_request(channel, method, props, body):
        channel.basic_publish("", props.reply_to, body, pika.BasicProperties(correlation_id=props.correlation_id))
        channel.basic_ack(method.delivery_tag)

    ch.basic_consume(B3_QUEUE, on_request)
    ready.set()
    ch.start_consuming()


class RpcClient:
    """A blocking request/reply client with one exclusive reply queue."""

    def __init__(self, uri: str):
        self.conn = connect(uri)
        self.ch = self.conn.channel()
        self.reply_to = self.ch.queue_declare("", exclusive=True, auto_delete=True).method.queue
        self.ch.basic_consume(self.reply_to, self._on_reply, auto_ack=True)
        self.waiting: str | None = None
        self.answer: bytes | None = None

    def _on_reply(self, _ch, _method, props, body) -> None:
        if props.correlation_id == self.waiting:
            self.answer = body

    def call(self, body: bytes, timeout: float = 10.0) -> bytes:
        self.waiting, self.answer = uuid.uuid4().hex, None
        self.ch.basic_publish("", B3_QUEUE, body,
                              pika.BasicProperties(reply_to=self.reply_to, correlation_id=self.waiting))
        deadline = time.monotonic() + timeout
        while self.answer is None:
            if time.monotonic() > deadline:
                raise TimeoutError("no reply in time")
            self.conn.process_data_events(time_limit=timeout)
        return self.answer

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.conn.close()


def round_trips(client: RpcClient, seconds: float) -> list[float]:
    """Latencies (ms) of sequential calls made for ``seconds``."""
    body = envelope_body(0)
    samples = []
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        t0 = time.perf_counter()
        client.call(body)
        samples.append((time.perf_counter() - t0) * 1000)
    return samples


def b3_round_trip(ctx: Context) -> list[Figure]:
    seconds = ctx.seconds(10)
    ready = mp.get_context("spawn").Event()
    runs: list[list[float]] = []
    with child(respond, ctx.amqp_uri, ready):
        if not ready.wait(30):
            raise RuntimeError("the responder did not start")
        client = RpcClient(ctx.amqp_uri)
        try:
            round_trips(client, min(1.0, seconds))           # warm-up, not counted
            for _ in range(1 if ctx.quick else ctx.reps):
                runs.append(round_trips(client, seconds))
        finally:
            client.close()
    detail = {"seconds_per_rep": seconds, "calls_per_rep": [len(r) for r in runs],
              "mean_ms_per_rep": [round(sum(r) / len(r), 3) for r in runs]}
    return [
        Figure("B3-p50", "raw pika request/reply round trip, p50 (responder in another process)", "ms",
               [percentile(r, 50) for r in runs], higher_is_better=False, detail=detail),
        Figure("B3-p99", "raw pika request/reply round trip, p99 (responder in another process)", "ms",
               [percentile(r, 99) for r in runs], higher_is_better=False, detail=detail),
    ]


SCENARIOS = {"B1": b1_confirm_each, "B2": b2_pipelined, "B3": b3_round_trip}

if __name__ == "__main__":
    scenario_main(SCENARIOS)
