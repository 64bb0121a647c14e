"""Event pipeline throughput: propdesk's outbox/relay/inbox path against nameko's own dispatcher.

- **S1** the propdesk pipeline end to end, each side in its own process (bench/pipeline_services.py):
  `bench_producer` commits units of work (a domain row, an audit row, one event in the outbox),
  its `OutboxRelay` publishes them with pipelined confirms to `propdesk.events`, and
  `bench_consumer`'s `@subscribe` handler commits an effect row plus its inbox row per event.
  Offered load: the producer commits as fast as it can while the backlog (committed by the
  producer, not yet by the consumer) is below `MAX_LAG` events, so the figure is the highest rate
  the whole path sustains, not a rate the producer picked. The figure is the consumer's inbox
  commits per second over a window of 60 s (after a warm-up), once per repetition on the same two
  processes. Every second the bench samples how far each side got, the outbox backlog and the
  consumer queue's depth (passive declare); `detail` keeps the samples, the depth trend (least-
  squares slope) and the CPU seconds each process used. Limited by: two cores shared by the
  producer, the consumer and RabbitMQ; per event, one SQLite commit on each side and one nameko
  worker on the consumer.
- **S1-nameko** nameko's `EventDispatcher` path (`nameko.standalone.events.event_dispatcher`,
  same `Publisher` and defaults: persistent, confirms on, one confirm awaited per event), dispatching
  ~300-byte envelopes in a loop to a bound durable queue that another process drains. The figure is
  events dispatched (confirmed) per second. Limited by one broker round trip per event.
"""
from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import pika
import requests

from bench.common import Context, Figure, rate, repeat, scenario_main
from bench.pipeline_services import BenchConsumer, ConsumerBase, ProducerBase, committed_count, query_scalar
from bench.procs import broker_pid, cpu_seconds, kill_with_parent
from propdesk.testing.ports import free_ports
from bench.raw_pika import Drainer, envelope_body
from propdesk.chassis import topology
from propdesk.chassis.db import make_engine
from propdesk.chassis.migrate import create_database
from propdesk.chassis.tables import ChassisBase
from propdesk.config import Settings

MAX_LAG = 1000                                    # S1: events the producer may be ahead of the consumer
CONSUMER_QUEUE = "bench_consumer.on_unit_let"


# -- processes -----------------------------------------------------------------------------------------

@contextlib.contextmanager
def service_processes(names: list[str], env: dict, log_dir: Path) -> Iterator[dict[str, subprocess.Popen]]:
    """Start `bench.pipeline_worker NAME` per name; always stop them (SIGTERM, SIGKILL after 15 s)."""
    procs: dict[str, subprocess.Popen] = {}
    try:
        for name in names:
            with open(log_dir / f"{name}.log", "ab") as log:
                procs[name] = subprocess.Popen([sys.executable, "-m", "bench.pipeline_worker", name], env=env,
                                               stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                                               preexec_fn=kill_with_parent)
        yield procs
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 15
        for proc in procs.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def wait_healthy(ports: dict[str, int], procs: dict[str, subprocess.Popen], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    pending = dict(ports)
    while pending and time.monotonic() < deadline:
        for name, port in list(pending.items()):
            if procs[name].poll() is not None:
                raise RuntimeError(f"{name} exited with {procs[name].returncode} while starting")
            with contextlib.suppress(requests.RequestException):
                if requests.get(f"http://127.0.0.1:{port}/health", timeout=1).ok:
                    del pending[name]
        time.sleep(0.2)
    if pending:
        raise RuntimeError(f"not healthy within {timeout:.0f} s: {sorted(pending)}")


# -- S1 --------------------------------------------------------------------------------------------------

class PipelineProbe:
    """Reads, from outside, how far the pipeline got: rows committed on each side, the outbox
    backlog and the consumer queue's ready messages."""

    def __init__(self, settings: Settings, amqp_uri: str):
        self.producer_db = outside_db(settings, "bench_producer")
        self.consumer_db = outside_db(settings, "bench_consumer")
        self.conn = pika.BlockingConnection(pika.URLParameters(amqp_uri))
        self.channel = self.conn.channel()

    def sample(self) -> dict:
        depth = self.channel.queue_declare(CONSUMER_QUEUE, passive=True).method.message_count
        return {"t": time.monotonic(), "produced": committed_count(self.producer_db, "lease"),
                "consumed": committed_count(self.consumer_db, "seen"),
                "outbox_pending": self._outbox_pending(), "queue_depth": depth}

    def _outbox_pending(self) -> int:
        return query_scalar(self.producer_db, "SELECT count(*) FROM outbox WHERE published_at IS NULL")

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.conn.close()


def slope(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of (x, y) points (y per unit of x); 0 for fewer than two points."""
    if len(points) < 2:
        return 0.0
    n = len(points)
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    sxx = sum((x - mx) ** 2 for x, _ in points)
    return sum((x - mx) * (y - my) for x, y in points) / sxx if sxx else 0.0


def depth_trend(samples: list[dict], seconds: float) -> dict:
    """Did the consumer queue (and the whole backlog) grow over the window? Growth means the
    least-squares trend over the window adds more than 10 % of MAX_LAG."""
    t0 = samples[0]["t"]
    depth_slope = slope([(s["t"] - t0, s["queue_depth"]) for s in samples])
    backlog_slope = slope([(s["t"] - t0, s["produced"] - s["consumed"]) for s in samples])
    grew = depth_slope * seconds > 0.1 * MAX_LAG or backlog_slope * seconds > 0.1 * MAX_LAG
    depths = [s["queue_depth"] for s in samples]
    return {"grew": grew, "depth_slope_per_s": round(depth_slope, 2), "backlog_slope_per_s": round(backlog_slope, 2),
            "depth_min": min(depths), "depth_max": max(depths), "depth_first": depths[0], "depth_last": depths[-1]}


def warm_up(probe: PipelineProbe, seconds: float, limit: float = 120.0) -> dict:
    """Run for at least ``seconds``, then until the backlog has settled: it reached 80 % of
    MAX_LAG (the consumer is the bottleneck: from here the producer is held at the cap), or it
    stayed below 20 % of MAX_LAG and steady for 10 s (the consumer keeps up with the producer);
    at most ``limit`` seconds. A backlog steady in between is still filling under a passing
    load spike and is waited out. Returns how it ended."""
    start = time.monotonic()
    backlog: list[tuple[float, float]] = []
    while True:
        s = probe.sample()
        backlog.append((s["t"] - start, s["produced"] - s["consumed"]))
        waited = s["t"] - start
        recent = backlog[-11:]
        full = backlog[-1][1] >= 0.8 * MAX_LAG
        keeping_up = (len(recent) == 11 and max(b for _, b in recent) < 0.2 * MAX_LAG
                      and abs(slope(recent)) * 10 < 0.05 * MAX_LAG)
        if waited >= seconds and (full or keeping_up) or waited >= limit:
            return {"seconds": round(waited, 1), "backlog": backlog[-1][1], "settled_because":
                    "backlog at the cap" if full else "consumer keeping up" if keeping_up else "time limit"}
        time.sleep(1.0)


def measure_window(probe: PipelineProbe, pids: dict[str, int | None], seconds: float, record: list[dict]) -> float:
    """Consumer inbox commits per second over ``seconds``; appends the window's record."""
    cpu_before = {name: cpu_seconds(pid) for name, pid in pids.items()}
    samples = [probe.sample()]
    deadline = samples[0]["t"] + seconds
    while time.monotonic() < deadline:
        time.sleep(min(1.0, max(0.0, deadline - time.monotonic())))
        samples.append(probe.sample())
    first, last = samples[0], samples[-1]
    elapsed = last["t"] - first["t"]
    value = rate(last["consumed"] - first["consumed"], elapsed)
    record.append({
        "events_per_s": round(value, 1), "seconds": round(elapsed, 1),
        "produced_per_s": round(rate(last["produced"] - first["produced"], elapsed), 1),
        "cpu_share": {name: round((cpu_seconds(pid) - cpu_before[name]) / elapsed, 2) for name, pid in pids.items()},
        "trend": depth_trend(samples, elapsed),
        "samples": [{**s, "t": round(s["t"] - first["t"], 2)} for s in samples],
    })
    return value


def outside_db(settings: Settings, name: str) -> str:
    """How the bench reads a service's database from outside: its SQLite file, or (S1-pg,
    PROPDESK_DB=postgresql) its PostgreSQL URL."""
    url = settings.db_url(name)
    return str(settings.data_dir / f"{name}.db") if url.startswith("sqlite") else url


def prepare_databases(settings: Settings) -> None:
    """Create both services' tables (the chassis' and their own) in fresh SQLite files, or (S1-pg)
    in fresh databases on the PostgreSQL server PROPDESK_PG_URL names."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    for name, metadata in (("bench_producer", ProducerBase.metadata), ("bench_consumer", ConsumerBase.metadata)):
        if not settings.db_url(name).startswith("sqlite"):
            create_database(settings.db_url(name))
        engine = make_engine(settings.db_url(name))
        ChassisBase.metadata.create_all(engine)
        metadata.create_all(engine)
        engine.dispose()


def s1_pipeline(ctx: Context) -> Figure:
    workdir = Path(ctx.workdir)
    os.environ["PROPDESK_AMQP_URI"] = ctx.amqp_uri
    os.environ.setdefault("PROPDESK_DATA_DIR", str(workdir / "var"))
    settings = Settings.from_env()
    ports = dict(zip(("bench_producer", "bench_consumer"), free_ports(2)))
    env = {**os.environ, "BENCH_S1_CONSUMER_DB": outside_db(settings, "bench_consumer"),
           "BENCH_S1_MAX_LAG": str(MAX_LAG),
           **{f"PROPDESK_{name.upper()}_PORT": str(port) for name, port in ports.items()}}
    prepare_databases(settings)
    topology.declare_all(ctx.amqp_uri, [BenchConsumer], settings.retry_delays_ms)

    seconds, warmup = ctx.seconds(60), ctx.seconds(10, 2)
    windows: list[dict] = []
    broker = broker_pid()
    with service_processes(["bench_consumer", "bench_producer"], env, workdir) as procs:
        wait_healthy(ports, procs)
        probe = PipelineProbe(settings, ctx.amqp_uri)
        try:
            warmed = warm_up(probe, warmup, limit=ctx.seconds(120, 20))
            pids = {**{name: p.pid for name, p in procs.items()}, "rabbitmq_all_vhosts": broker}
            values = repeat(ctx, lambda: measure_window(probe, pids, seconds, windows))
            for name, proc in procs.items():
                if proc.poll() is not None:
                    raise RuntimeError(f"{name} exited with {proc.returncode} during the run")
        finally:
            probe.close()
    grew = any(w["trend"]["grew"] for w in windows)
    return Figure(
        "S1", "propdesk pipeline: commit -> outbox -> relay -> broker -> @subscribe inbox commit, "
              f"sustained over {seconds:.0f} s; queue depth {'GREW' if grew else 'flat'}",
        "events/s", values,
        detail={"seconds_per_rep": seconds, "warmup": warmed, "max_lag": MAX_LAG, "depth_grew": grew,
                "offered_load": "as fast as the producer commits while at most max_lag events are "
                                "committed by the producer and not yet by the consumer",
                "consumer_max_workers": settings.max_workers("bench_consumer"), "windows": windows})


# -- S1-nameko ----------------------------------------------------------------------------------------------

NAMEKO_SERVICE = "bench_nameko"
NAMEKO_EVENT = "unit_let"
NAMEKO_QUEUE = "bench.s1-nameko"


def bind_nameko_queue(uri: str) -> None:
    """A durable queue bound to nameko's `<service>.events` exchange, so events are routed and
    persisted as in a real deployment (an unroutable event is confirmed at once)."""
    conn = pika.BlockingConnection(pika.URLParameters(uri))
    try:
        ch = conn.channel()
        ch.exchange_declare(f"{NAMEKO_SERVICE}.events", exchange_type="topic", durable=True)
        ch.queue_declare(NAMEKO_QUEUE, durable=True)
        ch.queue_bind(NAMEKO_QUEUE, f"{NAMEKO_SERVICE}.events", routing_key=NAMEKO_EVENT)
        ch.queue_purge(NAMEKO_QUEUE)
    finally:
        conn.close()


def dispatch_for(uri: str, seconds: float) -> float:
    """Events dispatched (each confirmed) per second over ``seconds``."""
    from nameko.standalone.events import event_dispatcher

    dispatch = event_dispatcher({"AMQP_URI": uri})
    payloads = [json.loads(envelope_body(i)) for i in range(1000)]
    dispatch(NAMEKO_SERVICE, NAMEKO_EVENT, payloads[0])      # connect and declare outside the clock
    n = 0
    start = time.perf_counter()
    deadline = start + seconds
    while time.perf_counter() < deadline:
        dispatch(NAMEKO_SERVICE, NAMEKO_EVENT, payloads[n % 1000])
        n += 1
    return rate(n, time.perf_counter() - start)


def s1_nameko(ctx: Context) -> Figure:
    seconds = ctx.seconds(20)
    bind_nameko_queue(ctx.amqp_uri)
    with Drainer(ctx.amqp_uri, NAMEKO_QUEUE).running():
        values = repeat(ctx, lambda: dispatch_for(ctx.amqp_uri, seconds))
    return Figure("S1-nameko", "nameko event_dispatcher: persistent events, one confirm awaited per event, "
                               "to a bound durable queue drained by another process",
                  "events/s", values, detail={"seconds_per_rep": seconds, "body_bytes": len(envelope_body(0))})


SCENARIOS = {"S1": s1_pipeline, "S1-nameko": s1_nameko}

if __name__ == "__main__":
    scenario_main(SCENARIOS)
