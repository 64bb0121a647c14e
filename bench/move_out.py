"""S3, S3-max, S3b: tenant move-outs end to end on the real system, at an offered rate.

Every case is driven the way the desk drives it (tests/system/test_move_out.py): the front desk
calls ``residents.request_move_out`` (RPC); engineering calls ``tickets.record_inspection`` with a
passing result as soon as ``move_out.inspection_opened`` is seen on the bus; billing clears the
paid-up unit by itself; access issues the release slip. **Latency of a case = the moment its
request was due (open loop: start times are scheduled at the offered rate, never waiting for
earlier cases) → ``release_slip.issued`` seen by a bench consumer bound to ``propdesk.events``.**
Measuring from the scheduled time, not the send, keeps any lag of the driver itself in the
figure (its send lag is reported in the detail).

What limits the figures: the system runs as 7 processes on the bench machine beside the broker
and this driver (one eventlet process, a pool of RPC proxies); on a 2-core machine the services
compete for CPU, so the highest rate is CPU-bound. Tickets and access number work orders and slips
``NNNN`` per office day (1..9999): one system takes at most 9999 move-outs a day, which bounds the
S3-max ladder and M's rate × duration.

    S3      10 cases/s offered for 60 s per repetition, one system for all repetitions
    S3-max  offered 10, 15, 20, 30, 40, 50, 60 cases/s for 30 s each; the last with p99 <= 1 s
            and nothing stuck (one ladder: repetitions would not fit the bench's time budget)
    S3b     10 cases/s for 30 s per repetition with 10,000 past events in every store, then on a
            fresh system with 1,000,000 (bench/seed.py)
    S3-2p   S3 with two processes of every department, notify and reports (`propdesk run --scale`)
"""
from __future__ import annotations

import propdesk  # noqa: F401  (first: quiets eventlet's deprecation notice)
import eventlet  # noqa: E402

eventlet.monkey_patch()  # noqa: E402

import json  # noqa: E402
import os  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from contextlib import contextmanager  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from datetime import date, timedelta  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Iterator  # noqa: E402

from eventlet.queue import LightQueue  # noqa: E402
from kombu import Connection, Consumer, Exchange, Queue, binding  # noqa: E402
from nameko.standalone.rpc import ClusterRpcProxy  # noqa: E402

from bench import seed  # noqa: E402
from bench.common import Context, Figure, percentile, scenario_main  # noqa: E402
from bench.system import running_system, say  # noqa: E402
from propdesk.chassis.topology import EVENTS_EXCHANGE  # noqa: E402

FRONT_DESK = {"id": "fd-bench", "role": "front_desk"}
ENGINEER = {"id": "eng-bench", "role": "engineering"}

#: After the offered load ends, how long cases get to finish before they count as stuck.
DRAIN_S = 30.0
#: RPC proxies shared by the driver's greenthreads (each is one connection and reply queue).
PROXIES = 24
RPC_TIMEOUT_S = 30.0
#: S3-max: offered rates tried in turn, 30 s each; stops at the first that misses p99 <= 1 s.
LADDER = (10, 15, 20, 30, 40, 50, 60)
P99_LIMIT_MS = 1000.0
#: The most move-outs one system may take in a day (work order and slip numbers are NNNN).
DAILY_NUMBERS = 9999


# -- observing the bus ------------------------------------------------------------------------------
class Observer:
    """A bench consumer on ``propdesk.events``: notes when each move-out's inspection work order
    opened and its release slip was issued, and plays the engineer on the first."""

    def __init__(self, amqp_uri: str, pool: "RpcPool"):
        self.amqp_uri = amqp_uri
        self.pool = pool
        self.opened: dict[str, float] = {}
        self.issued: dict[str, float] = {}
        self.inspection_errors: list[str] = []
        self._stopped = False
        self._ready = eventlet.Event()
        self._thread = None
        self._engineers = eventlet.GreenPool(200)

    def start(self) -> "Observer":
        self._thread = eventlet.spawn(self._consume)
        self._ready.wait()
        return self

    def stop(self) -> None:
        self._stopped = True
        if self._thread is not None:
            self._thread.wait()
        self._engineers.waitall()

    def _consume(self) -> None:
        try:
            self._consume_until_stopped()
        except BaseException as exc:  # start() must not wait forever for a consumer that died
            if not self._ready.ready():
                self._ready.send_exception(exc)
            raise

    def _consume_until_stopped(self) -> None:
        exchange = Exchange(EVENTS_EXCHANGE, type="topic", durable=True)
        queue = Queue(f"bench.observer.{uuid.uuid4().hex[:8]}", exclusive=True, auto_delete=True,
                      bindings=[binding(exchange, routing_key=k)
                                for k in ("move_out.inspection_opened", "release_slip.issued")])
        with Connection(self.amqp_uri, heartbeat=0) as conn:
            with Consumer(conn, [queue], callbacks=[self._on_message], no_ack=True, accept=["json"]):
                self._ready.send(True)
                while not self._stopped:
                    try:
                        conn.drain_events(timeout=0.5)
                    except TimeoutError:  # socket.timeout: nothing for half a second
                        continue

    def _on_message(self, body, message) -> None:
        now = time.monotonic()
        event = body if isinstance(body, dict) else json.loads(body)
        move_out_id = event["payload"].get("move_out_id")
        if not move_out_id:
            return
        if event["event_type"] == "move_out.inspection_opened" and move_out_id not in self.opened:
            self.opened[move_out_id] = now
            self._engineers.spawn_n(self._inspect, move_out_id)
        elif event["event_type"] == "release_slip.issued":
            self.issued.setdefault(move_out_id, now)

    def _inspect(self, move_out_id: str) -> None:
        try:
            self.pool.call("tickets", "record_inspection",
                           request={"move_out_id": move_out_id, "passed": True, "defects": []}, actor=ENGINEER)
        except Exception as exc:  # noted in the detail; the case then counts as stuck
            self.inspection_errors.append(f"{move_out_id}: {type(exc).__name__}: {exc}"[:300])


class RpcPool:
    """nameko standalone proxies are not shared between greenthreads: one per caller at a time."""

    def __init__(self, amqp_uri: str, size: int = PROXIES):
        self._proxies = []
        self._free: LightQueue = LightQueue()
        for _ in range(size):
            proxy = ClusterRpcProxy({"AMQP_URI": amqp_uri}, timeout=RPC_TIMEOUT_S)
            self._proxies.append((proxy, proxy.start()))
            self._free.put(self._proxies[-1][1])

    def call(self, service: str, method: str, **kwargs):
        client = self._free.get()
        try:
            return getattr(getattr(client, service), method)(**kwargs)
        finally:
            self._free.put(client)

    def close(self) -> None:
        for proxy, _ in self._proxies:
            try:
                proxy.stop()
            except Exception:  # a broken connection at shutdown: nothing left to do with it
                pass


@contextmanager
def desk(amqp_uri: str) -> Iterator[tuple[RpcPool, Observer]]:
    """The driver's RPC pool and bus observer, started and always stopped."""
    pool = RpcPool(amqp_uri)
    observer = None
    try:
        observer = Observer(amqp_uri, pool).start()
        yield pool, observer
    finally:
        if observer is not None:
            observer.stop()
        pool.close()


# -- one run at an offered rate ---------------------------------------------------------------------
@dataclass
class Case:
    unit: seed.BenchUnit
    due: float                      # when the request was scheduled (monotonic)
    sent: float | None = None
    move_out_id: str | None = None
    error: str | None = None


@dataclass
class RunResult:
    rate: float
    seconds: float
    cases: list[Case]
    latencies_ms: list[float]
    stuck: int
    achieved_send_rate: float
    completed_rate: float
    send_lag_p99_ms: float
    errors: list[str] = field(default_factory=list)
    cpu_ms_per_case: dict[str, float] = field(default_factory=dict)

    @property
    def p50(self) -> float:
        return percentile(self.latencies_ms, 50) if self.latencies_ms else float("nan")

    @property
    def p99(self) -> float:
        return percentile(self.latencies_ms, 99) if self.latencies_ms else float("nan")

    def ok(self) -> bool:
        return self.stuck == 0 and bool(self.latencies_ms) and self.p99 <= P99_LIMIT_MS

    def summary(self) -> dict:
        return {"offered_rate": self.rate, "seconds": self.seconds, "cases": len(self.cases),
                "achieved_send_rate": round(self.achieved_send_rate, 2),
                "completed_rate": round(self.completed_rate, 2), "p50_ms": round(self.p50, 1),
                "p99_ms": round(self.p99, 1), "max_ms": round(max(self.latencies_ms), 1) if self.latencies_ms else None,
                "stuck": self.stuck, "send_lag_p99_ms": round(self.send_lag_p99_ms, 1), "errors": self.errors[:5],
                "cpu_ms_per_case": self.cpu_ms_per_case}


def _request(pool: RpcPool, case: Case) -> None:
    exit_date = (date.today() + timedelta(days=5)).isoformat()
    case.sent = time.monotonic()
    try:
        mo = pool.call("residents", "request_move_out", actor=FRONT_DESK, request={
            "unit_id": case.unit.unit_id, "tenant_party_id": case.unit.tenant_party_id, "exit_date": exit_date,
            "owner_consent_ref": f"业主书面同意函 bench {case.unit.unit_id}", "fitout_disposition": "leave_to_owner"})
        case.move_out_id = mo["move_out_id"]
    except Exception as exc:  # counted as stuck: the case never got a slip
        case.error = f"{type(exc).__name__}: {exc}"[:300]


def offered_load(pool: RpcPool, observer: Observer, units: Iterator[seed.BenchUnit], rate: float,
                 seconds: float, drain_s: float = DRAIN_S) -> RunResult:
    """Offer `rate` cases/s for `seconds` (open loop), then wait up to `drain_s` for their slips."""
    count = max(1, int(round(rate * seconds)))
    senders = eventlet.GreenPool(10_000)
    start = time.monotonic() + 0.05
    cases: list[Case] = []
    for i in range(count):
        case = Case(next(units), due=start + i / rate)
        cases.append(case)
        eventlet.sleep(max(0.0, case.due - time.monotonic()))
        senders.spawn_n(_request, pool, case)
    load_end = start + count / rate
    senders.waitall()
    deadline = max(load_end, time.monotonic()) + drain_s
    while time.monotonic() < deadline and not all(c.move_out_id in observer.issued for c in cases if c.move_out_id):
        eventlet.sleep(0.1)
    eventlet.sleep(0.2)  # let engineers still calling finish their reply
    done = [c for c in cases if c.move_out_id in observer.issued]
    latencies = [(observer.issued[c.move_out_id] - c.due) * 1000 for c in done]
    sent = [c.sent for c in cases if c.sent is not None]
    last_slip = max((observer.issued[c.move_out_id] for c in done), default=start)
    lags = [(c.sent - c.due) * 1000 for c in cases if c.sent is not None]
    errors = [c.error for c in cases if c.error] + observer.inspection_errors[-5:]
    return RunResult(rate=rate, seconds=seconds, cases=cases, latencies_ms=latencies,
                     stuck=len(cases) - len(done),
                     achieved_send_rate=(len(sent) / (max(sent) - start + 1 / rate)) if sent else 0.0,
                     completed_rate=len(done) / max(1e-9, last_slip - start),
                     send_lag_p99_ms=percentile(lags, 99) if lags else float("nan"), errors=errors)


def _report(label: str, r: RunResult) -> None:
    say(f"{label}: offered {r.rate:g}/s for {r.seconds:g} s: {len(r.cases)} cases, p50 {r.p50:.0f} ms, "
        f"p99 {r.p99:.0f} ms, stuck {r.stuck}, sent {r.achieved_send_rate:.1f}/s, "
        f"completed {r.completed_rate:.1f}/s" + (f", errors e.g. {r.errors[0]}" if r.errors else "")
        + (f", CPU ms/case {r.cpu_ms_per_case}" if r.cpu_ms_per_case else ""))


def cpu_seconds(sup) -> dict[str, float]:
    """User + system CPU seconds each running service (all its processes), and this driver
    ("bench driver"), has used (/proc/<pid>/stat)."""
    tick = os.sysconf("SC_CLK_TCK")
    out = {"bench driver": time.process_time()}
    for child in sup.children:
        pid = sup.pid(child.name, child.replica)
        if pid is None:
            continue
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        out[child.name] = out.get(child.name, 0.0) + (int(fields[11]) + int(fields[12])) / tick
    return out


def cpu_ms_per_case(before: dict[str, float], after: dict[str, float], cases: int) -> dict[str, float]:
    """CPU milliseconds each service spent per case between two `cpu_seconds` readings."""
    return {name: round(1000 * (after[name] - before[name]) / max(1, cases), 1)
            for name in after if name in before}


def _units_seeder(count: int, history_events: int = 0):
    def seeder(data_dir: Path) -> None:
        seed.seed_units(data_dir, count)
        if history_events:
            took = seed.seed_history(data_dir, history_events)
            say(f"history of {history_events:,} events seeded per store in {sum(took.values()):.1f} s: {took}")
    return seeder


def steady_runs(ctx: Context, rate: float, seconds: float, reps: int, history_events: int = 0,
                label: str = "S3", scale: dict[str, int] | None = None) -> list[RunResult]:
    """`reps` runs of `rate` cases/s for `seconds` each on one freshly started system."""
    per_run = int(round(rate * seconds))
    n_units = per_run * reps + 10
    results = []
    with running_system(label, _units_seeder(n_units, history_events), scale=scale) as sup:
        units = iter(seed.bench_units(n_units))
        with desk(ctx.amqp_uri) as (pool, observer):
            for rep in range(reps):
                before = cpu_seconds(sup)
                r = offered_load(pool, observer, units, rate, seconds)
                r.cpu_ms_per_case = cpu_ms_per_case(before, cpu_seconds(sup), len(r.cases))
                _report(f"{label} rep {rep + 1}/{reps}", r)
                results.append(r)
    return results


# -- scenarios --------------------------------------------------------------------------------------
def s3_steady(ctx: Context) -> list[Figure]:
    """S3: p50/p99 latency request → slip and stuck cases at 10 cases/s offered, 60 s per rep."""
    rate, seconds = 10.0, ctx.seconds(60)
    reps = 1 if ctx.quick else ctx.reps
    runs = steady_runs(ctx, rate, seconds, reps)
    detail = {"runs": [r.summary() for r in runs],
              "measured": "scheduled request time -> release_slip.issued seen on propdesk.events; open loop",
              "drain_s": DRAIN_S, "system": "one system (7 processes) for all repetitions"}
    return [
        Figure("S3-p50", "move-out request -> release slip, p50 at 10 cases/s", "ms",
               [r.p50 for r in runs], higher_is_better=False, detail=detail),
        Figure("S3-p99", "move-out request -> release slip, p99 at 10 cases/s", "ms",
               [r.p99 for r in runs], higher_is_better=False, detail=detail),
        Figure("S3-stuck", f"move-outs without a slip {DRAIN_S:.0f} s after the load ends", "cases",
               [float(r.stuck) for r in runs], higher_is_better=False, detail=detail),
    ]


def s3_max(ctx: Context) -> Figure:
    """S3-max: the highest offered rate of LADDER whose p99 stays <= 1 s with nothing stuck."""
    seconds = ctx.seconds(30)
    ladder = LADDER[:2] if ctx.quick else LADDER
    budget, ladder_ok = DAILY_NUMBERS - 50, []
    for rate in ladder:  # the day's work order and slip numbers must last the whole ladder
        budget -= int(round(rate * seconds))
        if budget < 0:
            break
        ladder_ok.append(rate)
    n_units = sum(int(round(r * seconds)) for r in ladder_ok) + 10
    best, steps = 0.0, []
    with running_system("S3-max", _units_seeder(n_units)) as sup:
        units = iter(seed.bench_units(n_units))
        with desk(ctx.amqp_uri) as (pool, observer):
            for rate in ladder_ok:
                before = cpu_seconds(sup)
                r = offered_load(pool, observer, units, float(rate), seconds)
                r.cpu_ms_per_case = cpu_ms_per_case(before, cpu_seconds(sup), len(r.cases))
                _report("S3-max step", r)
                steps.append(r.summary())
                if not r.ok():
                    break
                best = float(rate)
    return Figure("S3-max-rate", "highest offered move-out rate with p99 <= 1 s and none stuck", "cases/s",
                  [best], detail={"steps": steps, "step_seconds": seconds, "ladder": list(ladder_ok),
                                  "repetitions": "one ladder (time budget); stops at the first failing step"})


def s3b_history(ctx: Context) -> list[Figure]:
    """S3b: S3's latency at 10 cases/s with 10,000 vs 1,000,000 past events in every store."""
    rate, seconds = 10.0, ctx.seconds(30)
    reps = 1 if ctx.quick else ctx.reps
    sizes = {"10k": 1_000 if ctx.quick else 10_000, "1m": 40_000 if ctx.quick else 1_000_000}
    figures, detail = [], {"history_events": sizes, "seeding": "bench/seed.py bulk SQL before start"}
    runs_by_size = {}
    for key, events in sizes.items():
        runs_by_size[key] = steady_runs(ctx, rate, seconds, reps, history_events=events, label=f"S3b-{key}")
        detail[key] = [r.summary() for r in runs_by_size[key]]
    for key, runs in runs_by_size.items():
        figures.append(Figure(f"S3b-{key}-p50", f"move-out p50 at 10 cases/s, {sizes[key]:,} past events", "ms",
                              [r.p50 for r in runs], higher_is_better=False, detail=detail))
        figures.append(Figure(f"S3b-{key}-p99", f"move-out p99 at 10 cases/s, {sizes[key]:,} past events", "ms",
                              [r.p99 for r in runs], higher_is_better=False, detail=detail))
    return figures


#: S3-2p: the processes per service (the gateway and staff take no part in a move-out).
TWO_PROCESSES = {name: 2 for name in ("residents", "tickets", "billing", "access", "notify", "reports")}


def s3_two_processes(ctx: Context) -> list[Figure]:
    """S3-2p: S3 (10 cases/s, 60 s per rep) with two processes of every department, notify and
    reports: competing consumers on each handler queue, one SQLite file per service."""
    rate, seconds = 10.0, ctx.seconds(60)
    reps = 1 if ctx.quick else ctx.reps
    runs = steady_runs(ctx, rate, seconds, reps, label="S3-2p", scale=TWO_PROCESSES)
    detail = {"runs": [r.summary() for r in runs],
              "measured": "scheduled request time -> release_slip.issued seen on propdesk.events; open loop",
              "drain_s": DRAIN_S, "system": "13 processes (two of each department, notify and reports)"}
    return [
        Figure("S3-2p-p50", "move-out request -> release slip, p50 at 10 cases/s, two processes a department",
               "ms", [r.p50 for r in runs], higher_is_better=False, detail=detail),
        Figure("S3-2p-p99", "move-out request -> release slip, p99 at 10 cases/s, two processes a department",
               "ms", [r.p99 for r in runs], higher_is_better=False, detail=detail),
        Figure("S3-2p-stuck", f"move-outs without a slip {DRAIN_S:.0f} s after the load ends, two processes",
               "cases", [float(r.stuck) for r in runs], higher_is_better=False, detail=detail),
    ]


SCENARIOS = {"S3": s3_steady, "S3-max": s3_max, "S3b": s3b_history, "S3-2p": s3_two_processes}

if __name__ == "__main__":
    scenario_main(SCENARIOS)
