"""T1, T2: the front desk's day at scale (issue #9 §7), on tickets' own migrated SQLite database
through the chassis' query pipeline (the person asking, estates, masking), no broker.

    T1  the desk's reads with 10,000 vs 1,000,000 past complaints in the store: the home page's work
        queues (front desk, estate E1), the newest complaints, a unit's complaints and a text search;
        p50/p99 of 200 calls each (50 at 1M), and the 1M/10k ratio (as S3b does for events). Target: p99 <= 100 ms.
        Also the CPU time per call (the machine is shared: wall time moves with its load, recorded too).
    T2  the deadline sweep with 100,000 pending deadlines: an idle sweep (nothing due: what every
        service pays every PROPDESK_DEADLINE_SWEEP_S), and the cost of each breach when 1,000 fall due.

    python -m bench.tickets T1 --out /tmp/t1.json [--quick]
"""
from __future__ import annotations

import os
import random
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import insert, select

from bench.common import Context, Figure, percentile, scenario_main
from propdesk.chassis import migrate
from propdesk.chassis.clock import FakeClock
from propdesk.chassis.db import make_engine, refresh_statistics
from propdesk.chassis.tables import DeadlineRow
from propdesk.testing.fake import ServiceHarness
from propdesk_services.tickets.service import TicketsService
from propdesk_services.tickets.workflows.complaints.models import ComplaintRecord

DESK = {"id": "front_desk", "role": "front_desk", "estates": ["E1"]}
CALLS = 200


def _tickets_db(ctx: Context, name: str):
    path = Path(ctx.workdir) / f"{name}.db"
    for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        stale.unlink(missing_ok=True)  # a previous run's store in the same workdir
    url = f"sqlite:///{path}"
    migrate.upgrade(TicketsService, url)
    engine = make_engine(url)  # as a service opens it: WAL, busy timeout
    clock = FakeClock()
    app = ServiceHarness(TicketsService, clock=clock, engine=engine, demo=True)
    return app, engine


def _add_past_complaints(engine, clock, n: int) -> None:
    """`n` closed complaints over the past two years, cloned from a demo one (10,000 per insert)."""
    with engine.connect() as conn:
        template = dict(conn.execute(select(ComplaintRecord.__table__)).mappings().first())
    rng = random.Random(7)
    now = clock.now()
    units = [f"{b}-{s}-{f}{r:02d}" for b in (1, 2, 3) for s in (1, 2) for f in range(1, 19) for r in (1, 2, 3)]
    batch = []
    with engine.begin() as conn:
        for i in range(n):
            at = now - timedelta(minutes=rng.randrange(60, 2 * 365 * 24 * 60))
            row = dict(template, complaint_id=f"CP-H{i:08d}", unit_id=rng.choice(units), state="CLOSED",
                       received_at=at, estate="E1" if i % 5 else "E2",
                       complainant=rng.choice(("李女士", "王先生", "张女士", "刘先生", "陈女士")),
                       summary=rng.choice(("楼道灯不亮", "保洁不及时", "装修噪音", "电梯异响", "停车位被占")))
            batch.append(row)
            if len(batch) == 10_000:
                conn.execute(insert(ComplaintRecord.__table__), batch)
                batch = []
        if batch:
            conn.execute(insert(ComplaintRecord.__table__), batch)


def _timed(fn, calls: int, cpu: list[float] | None = None) -> list[float]:
    """Wall ms of each call; with `cpu`, the process' CPU ms of each call appended to it (what a
    read costs whatever else the machine runs: the machine is shared)."""
    out = []
    for _ in range(calls):
        c0, t0 = time.process_time(), time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
        if cpu is not None:
            cpu.append((time.process_time() - c0) * 1000)
    return out


READS = {
    "queues": lambda app: app.query("work_queues", actor=DESK),
    "newest": lambda app: app.query("list_complaints", limit=50, actor=DESK),
    "unit": lambda app: app.query("list_complaints", unit_id="1-1-303", actor=DESK),
    "search": lambda app: app.query("list_complaints", q="电梯", limit=50, actor=DESK),
}


def t1_desk_reads(ctx: Context) -> list[Figure]:
    sizes = {"10k": 2_000 if ctx.quick else 10_000, "1m": 20_000 if ctx.quick else 1_000_000}
    calls = {"10k": 20 if ctx.quick else CALLS, "1m": 20 if ctx.quick else CALLS // 4}  # 1M: a slow read x 200 is minutes
    results: dict[str, dict[str, list[float]]] = {}
    cpu: dict[str, dict[str, list[float]]] = {}
    load: dict[str, float] = {}
    for key, n in sizes.items():
        app, engine = _tickets_db(ctx, f"t1-{key}")
        _add_past_complaints(engine, app.clock, n)
        refresh_statistics(engine)  # what the service does at start and every hour
        results[key], cpu[key] = {}, {}
        load[key] = os.getloadavg()[0]  # the machine is shared: the load when the figures were taken
        for read, fn in READS.items():
            fn(app)  # warm
            cpu[key][read] = []
            results[key][read] = _timed(lambda: fn(app), calls[key], cpu[key][read])
        engine.dispose()
    figures = []
    for read in READS:
        for key, n in sizes.items():
            samples = results[key][read]
            figures.append(Figure(f"T1-{read}-{key}-p99", f"desk read '{read}' with {n:,} past complaints, p99",
                                  "ms", [percentile(samples, 99)], higher_is_better=False,
                                  detail={"p50": percentile(samples, 50), "calls": len(samples),
                                          "load_1min": load[key]}))
            figures.append(Figure(f"T1-{read}-{key}-cpu", f"desk read '{read}' with {n:,} past complaints, "
                                  "CPU per call (mean)", "ms", [sum(cpu[key][read]) / len(cpu[key][read])],
                                  higher_is_better=False, detail={"p99": percentile(cpu[key][read], 99)}))
        big, small = (percentile(results[k][read], 99) for k in ("1m", "10k"))
        figures.append(Figure(f"T1-{read}-ratio", f"desk read '{read}': p99 at 1M / p99 at 10k", "x",
                              [big / small if small else float("nan")], higher_is_better=False))
    return figures


def t2_deadline_sweep(ctx: Context) -> list[Figure]:
    pending, due = (10_000, 100) if ctx.quick else (100_000, 1_000)
    app, engine = _tickets_db(ctx, "t2")
    now = app.clock.now()
    rows = [{"rule": "complaint.measures", "record_type": "complaint", "record_id": f"CP-B{i:08d}",
             "due_at": now + timedelta(days=1 + i % 30), "state": "pending", "responsible": "front_desk",
             "estate": "E1", "summary": None, "correlation_id": None, "created_at": now, "closed_at": None}
            for i in range(pending)]
    with engine.begin() as conn:
        conn.execute(insert(DeadlineRow.__table__), rows)
    app.tick("sweep_deadlines")  # the demo's own due deadlines
    idle = _timed(lambda: app.tick("sweep_deadlines"), 10 if ctx.quick else 50)
    with engine.begin() as conn:
        conn.execute(insert(DeadlineRow.__table__), [
            {**r, "record_id": f"CP-D{i:08d}", "due_at": now - timedelta(minutes=1)} for i, r in enumerate(rows[:due])])
    t0 = time.perf_counter()
    breached = 0
    while True:
        n = app.tick("sweep_deadlines")
        breached += n
        if not n:
            break
    took = (time.perf_counter() - t0) * 1000
    engine.dispose()
    return [
        Figure("T2-idle-p50", f"an idle sweep over {pending:,} pending deadlines, p50", "ms",
               [percentile(idle, 50)], higher_is_better=False, detail={"p99": percentile(idle, 99)}),
        Figure("T2-per-breach", f"sweeping {breached:,} due deadlines among {pending:,}: per breach "
                                "(event, audit row, counter, one transaction each)", "ms",
               [took / breached if breached else float("nan")], higher_is_better=False,
               detail={"breached": breached, "total_ms": took}),
    ]


SCENARIOS = {"T1": t1_desk_reads, "T2": t2_deadline_sweep}

if __name__ == "__main__":
    scenario_main(SCENARIOS)
