"""S4: a billing run for a large estate group (issue #10 §5), on billing's own migrated SQLite
database through the chassis' pipeline (commands on the harness, the run's timer handler), no broker.

    S4-draft   units drafted per second (every unit's 缴费通知单 and its lines)
    S4-issue   notices issued per second (numbered FN-, charges posted to the ledger)
    S4-ratio   the whole run's rate / a raw SQLite bulk insert of the same rows in the same run: the
               notices, lines and charges the run wrote and the numbering and billing it updated,
               every column as stored, written by sqlite3 executemany into billing's own tables (a
               second database migrated and seeded alike), a transaction a batch: goal >= 0.5
    S4-ratio-narrow  the same rate / sessions 5-8's baseline: as many rows, narrow, into index-free
               tables (a lower bound no table the desk reads could reach)
    S4-seconds the whole run (draft + issue) for the units; goal: 100,000 units in under a minute
    S4-rss     the process' peak RSS after the run, and its growth over the run (`detail`): flat
               memory means the same peak for 5,000 and 100,000 units

A quarter of the units (every fourth; PROPDESK_BENCH_S4_METERED=N: every Nth, 0: none) has the
period's water and electricity readings (the demo estate's tariffs): their notices carry two meter
lines each, drafted from readings x tariff, and issuing marks the readings billed.

S4A: the arrears reports (arrears_detail, collection_rate) on a ledger of units x 12 months, one
unit in ten owing: ms per call (CPU ms in `detail`).

    python -m bench.billing S4 --out /tmp/s4.json [--quick]      # --quick: 5,000 units
    python -m bench.billing S4A --out /tmp/s4a.json [--quick]    # --quick: 2,000 units
    PROPDESK_BENCH_S4_UNITS=20000 python -m bench.billing S4 --out /tmp/s4.json
"""
from __future__ import annotations

import os
import sqlite3
import time
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

from sqlalchemy import insert

from bench.common import Context, Figure, migrated_sqlite, peak_rss_mib, scenario_main
from propdesk.chassis.clock import FakeClock
from propdesk.chassis.db import make_engine
from propdesk.testing.fake import ServiceHarness
from propdesk_services.billing.service import BillingService
from propdesk_services.billing.workflows.billing_run.handlers import advance_billing_runs
from propdesk_services.billing.workflows.fee_schedules.models import FeeAccountUnit
from propdesk_services.billing.workflows.meter_readings.models import MeterReading

SUPERVISOR = {"id": "fin-sup", "role": "finance_supervisor"}
CASHIER = {"id": "fin-cash", "role": "cashier"}
NOV_20 = datetime(2026, 11, 20, 2, 0, tzinfo=timezone.utc)


def _billing_db(ctx: Context, units: int):
    path, url = migrated_sqlite(ctx, "s4-", BillingService)   # fresh on every call
    engine = make_engine(url)
    app = ServiceHarness(BillingService, clock=FakeClock(NOV_20), engine=engine, demo=True)
    with engine.begin() as conn:  # chunk by chunk: the seeding holds no list of every unit either
        for start in range(0, units, 10_000):
            conn.execute(insert(FeeAccountUnit.__table__), [
                {"unit_id": f"B{i:07d}", "estate": "E1", "kind": "residential", "area_m2": Decimal("80.00") + i % 50,
                 "parking_spaces": i % 2, "payer_party_id": f"P{i:07d}", "active": True, "updated_by": "bench",
                 "updated_at": NOV_20} for i in range(start, min(units, start + 10_000))])
            if not METERED_EVERY:
                continue
            metered = range(start + (-start) % METERED_EVERY, min(units, start + 10_000), METERED_EVERY)
            conn.execute(insert(MeterReading.__table__), [
                {"reading_id": f"MR{i:07d}{meter[0]}", "reading_no": f"MR-20261120-{i:07d}{meter[0]}",
                 "unit_id": f"B{i:07d}", "estate": "E1", "meter": meter, "period": "2026-11",
                 "reading": previous + used, "previous": previous, "consumption": used, "state": "ok",
                 "read_on": "2026-11-20", "source": "import", "recorded_by": "bench", "recorded_at": NOV_20}
                for i in metered for meter, previous, used in (
                    ("water", Decimal(100 + i % 300), Decimal("8.50") + i % 7),
                    ("electricity", Decimal(2000 + i % 900), Decimal("150.25") + i % 60))])
    return app, engine, path


#: every fourth unit has the period's water and electricity readings (0: none, as before session 8)
METERED_EVERY = int(os.environ.get("PROPDESK_BENCH_S4_METERED", "4"))


def _raw_same_rows(ctx: Context, run_path: Path, run_id: str, units: int,
                   batch: int = 2000) -> tuple[float, float, Path]:
    """The rows the run wrote, written again by raw sqlite3 executemany into billing's own tables
    (a second database migrated and seeded as the run's, so the same schema and indexes): each
    batch's notices as drafted and their lines, one transaction a batch; then each batch's charges
    as posted, its notices numbered and issued and its readings billed, one transaction a batch.
    Every column as the run stored it, read from the run's database between the timed writes, a
    batch at a time (nothing held for the whole run). (wall, CPU) seconds of the writes alone, and
    the second database's path."""
    _, engine, raw_path = _billing_db(ctx, units)
    engine.dispose()
    src, dst = sqlite3.connect(str(run_path)), sqlite3.connect(str(raw_path))
    for conn in (src, dst):
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
    columns = {t: [r[1] for r in src.execute(f"PRAGMA table_info({t})")] for t in ("fee_notice", "fee_notice_line", "charge")}
    notice_cols = columns["fee_notice"]
    unset = {"notice_no", "issued_at", "issued_by", "signed_by", "signed_at", "delivered_by"}  # as drafted
    state = notice_cols.index("state")

    def insert(table: str) -> str:
        return f"INSERT INTO {table} ({', '.join(columns[table])}) VALUES ({', '.join('?' * len(columns[table]))})"

    def batches():
        after = ""
        while True:
            rows = src.execute(f"SELECT {', '.join(notice_cols)} FROM fee_notice WHERE run_id = ? AND unit_id > ?"
                               " ORDER BY unit_id LIMIT ?", (run_id, after, batch)).fetchall()
            if not rows:
                return
            yield after, rows[-1][notice_cols.index("unit_id")], rows
            after = rows[-1][notice_cols.index("unit_id")]

    wall = cpu = 0.0
    line_cols = ", ".join(f"l.{c}" for c in columns["fee_notice_line"])
    for after, last, rows in batches():  # drafting
        drafted = [tuple(None if c in unset else ("draft" if i == state else v) for i, (c, v) in
                         enumerate(zip(notice_cols, row))) for row in rows]
        lines = src.execute(f"SELECT {line_cols} FROM fee_notice n JOIN fee_notice_line l ON l.notice_id = n.notice_id"
                            " WHERE n.run_id = ? AND n.unit_id > ? AND n.unit_id <= ? ORDER BY l.id", (run_id, after, last)).fetchall()
        t0, c0 = time.perf_counter(), time.process_time()
        with dst:
            dst.executemany(insert("fee_notice"), drafted)
            dst.executemany(insert("fee_notice_line"), lines)
        wall, cpu = wall + time.perf_counter() - t0, cpu + time.process_time() - c0
    charge_cols = ", ".join(f"c.{c}" for c in columns["charge"])
    for after, last, rows in batches():  # issuing
        numbered = [(r[notice_cols.index("notice_no")], r[state], r[notice_cols.index("issued_at")],
                     r[notice_cols.index("issued_by")], r[notice_cols.index("notice_id")]) for r in rows]
        charges = src.execute(f"SELECT {charge_cols} FROM fee_notice n JOIN charge c ON c.source_ref = n.notice_no"
                              " AND c.unit_id = n.unit_id WHERE n.run_id = ? AND n.unit_id > ? AND n.unit_id <= ? ORDER BY c.id",
                              (run_id, after, last)).fetchall()
        billed = src.execute("SELECT r.state, r.notice_no, r.reading_id FROM fee_notice n JOIN fee_notice_line l"
                             " ON l.notice_id = n.notice_id AND l.source = 'meter' JOIN meter_reading r"
                             " ON r.reading_id = l.source_ref WHERE n.run_id = ? AND n.unit_id > ? AND n.unit_id <= ?",
                             (run_id, after, last)).fetchall()
        t0, c0 = time.perf_counter(), time.process_time()
        with dst:
            dst.executemany("UPDATE fee_notice SET notice_no = ?, state = ?, issued_at = ?, issued_by = ?"
                            " WHERE notice_id = ?", numbered)
            dst.executemany(insert("charge"), charges)
            dst.executemany("UPDATE meter_reading SET state = ?, notice_no = ? WHERE reading_id = ?", billed)
        wall, cpu = wall + time.perf_counter() - t0, cpu + time.process_time() - c0
    src.close()
    dst.close()
    return wall, cpu, raw_path


def _raw_narrow(path: Path, notices: int, lines: int) -> float:
    """Sessions 5-8's baseline, kept for comparison: as many notices, lines and charges written by a
    raw sqlite3 executemany into narrow, index-free tables (a notice 6 columns, a line and a charge 5;
    one transaction per 500 units; 1.41 s at 2,000 against 1.48 s at 500 for 100,192 units)."""
    conn = sqlite3.connect(str(path.with_suffix(".raw.db")))
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("CREATE TABLE n (id TEXT PRIMARY KEY, run TEXT, unit TEXT, amount TEXT, state TEXT, no TEXT)")
    conn.execute("CREATE TABLE l (id INTEGER PRIMARY KEY, n TEXT, item TEXT, amount TEXT, charge INTEGER)")
    conn.execute("CREATE TABLE c (id INTEGER PRIMARY KEY, unit TEXT, item TEXT, amount TEXT, ref TEXT)")
    # every line and charge the run wrote: `per` a notice, one more for the first `extra` (2.5 or 3.0
    # lines a notice; until session 8 the remainder was dropped: 200,384 raw lines against 250,502)
    per, extra = divmod(lines, max(notices, 1))
    t0 = time.perf_counter()
    for start in range(0, notices, 500):
        ids = range(start, min(notices, start + 500))
        with conn:
            conn.executemany("INSERT INTO n VALUES (?,?,?,?,?,?)",
                             [(f"N{i}", "R", f"B{i}", "100.00", "draft", None) for i in ids])
            conn.executemany("INSERT INTO l (n,item,amount,charge) VALUES (?,?,?,?)",
                             [(f"N{i}", f"i{k}", "10.00", None) for i in ids for k in range(per + (i < extra))])
    for start in range(0, notices, 500):
        ids = range(start, min(notices, start + 500))
        with conn:
            conn.executemany("INSERT INTO c (unit,item,amount,ref) VALUES (?,?,?,?)",
                             [(f"B{i}", f"i{k}", "10.00", f"FN{i}") for i in ids for k in range(per + (i < extra))])
            conn.executemany("UPDATE n SET state='issued', no=? WHERE id=?", [(f"FN{i}", f"N{i}") for i in ids])
    took = time.perf_counter() - t0
    conn.close()
    return took


def s4_billing_run(ctx: Context) -> list[Figure]:
    units = 5_000 if ctx.quick else int(os.environ.get("PROPDESK_BENCH_S4_UNITS", "100000"))
    app, engine, path = _billing_db(ctx, units)
    rss_before = peak_rss_mib()
    run = app.command("start_billing_run", {"period": "2026-11", "estate": "E1"}, SUPERVISOR)
    t0, c0 = time.perf_counter(), time.process_time()
    advance_billing_runs(app.db.factory(), max_batches=10 ** 9)
    draft_s, draft_cpu = time.perf_counter() - t0, time.process_time() - c0
    drafted = app.query("get_billing_run", run["run_id"])
    app.command("review_billing_run", {"run_id": run["run_id"], "decision": "approve"}, SUPERVISOR)
    app.command("issue_billing_run", {"run_id": run["run_id"]}, CASHIER)
    t0, c0 = time.perf_counter(), time.process_time()
    advance_billing_runs(app.db.factory(), max_batches=10 ** 9)
    issue_s, issue_cpu = time.perf_counter() - t0, time.process_time() - c0
    done = app.query("get_billing_run", run["run_id"])
    assert done["state"] == "issued", done
    with engine.connect() as conn:
        lines = conn.exec_driver_sql("SELECT count(*) FROM fee_notice_line").scalar()
    rss_after = peak_rss_mib()
    engine.dispose()
    raw_s, raw_cpu, _ = _raw_same_rows(ctx, path, run["run_id"], units)
    c0 = time.process_time()
    narrow_s = _raw_narrow(path, drafted["notice_count"], lines)
    narrow_cpu = time.process_time() - c0
    n = done["issued_count"]
    total, total_cpu = draft_s + issue_s, draft_cpu + issue_cpu
    return [
        Figure("S4-draft", f"billing run: units drafted per second ({n:,} units, {lines:,} lines)", "units/s",
               [n / draft_s], detail={"seconds": draft_s, "cpu_seconds": draft_cpu}),
        Figure("S4-issue", "billing run: notices issued per second (numbered, charges posted)", "units/s",
               [n / issue_s], detail={"seconds": issue_s, "cpu_seconds": issue_cpu}),
        Figure("S4-seconds", f"billing run: {n:,} units drafted and issued", "s", [total], higher_is_better=False,
               detail={"cpu_seconds": total_cpu, "load_average": os.getloadavg()}),
        Figure("S4-ratio", "billing run rate / raw SQLite bulk insert of the same rows into the same tables "
               "(goal >= 0.5)", "x", [raw_s / total],
               detail={"raw_seconds": raw_s, "raw_cpu_seconds": raw_cpu, "cpu_ratio": raw_cpu / total_cpu}),
        Figure("S4-ratio-narrow", "billing run rate / raw SQLite bulk insert of as many narrow rows into "
               "index-free tables (sessions 5-8's baseline)", "x", [narrow_s / total],
               detail={"raw_seconds": narrow_s, "cpu_ratio": narrow_cpu / total_cpu}),
        Figure("S4-rss", f"billing run: peak RSS of the process after {n:,} units", "MiB", [rss_after],
               higher_is_better=False, detail={"peak_before_run": rss_before, "growth": rss_after - rss_before}),
    ]


def s4_arrears_reports(ctx: Context) -> list[Figure]:
    """S4-arrears: the arrears reports on a large ledger (units x 12 months of charges, nine units
    in ten paid up, the tenth owing its last 1-3 months): ms per call of the detail and of the
    collection rate (issue #10 §4: a report reads what it needs, not every unit's ledger)."""
    from propdesk_services.billing.workflows.payments.models import Charge, Payment

    units = 2_000 if ctx.quick else int(os.environ.get("PROPDESK_BENCH_S4_LEDGER_UNITS", "20000"))
    app, engine, _ = _billing_db(ctx, 0)
    periods = [f"2025-{m:02d}" for m in range(12, 13)] + [f"2026-{m:02d}" for m in range(1, 12)]
    with engine.begin() as conn:
        for start in range(0, units, 1_000):
            ids = range(start, min(units, start + 1_000))
            conn.execute(insert(Charge.__table__), [
                {"unit_id": f"L{i:07d}", "estate": "E1", "period": p, "item": "property_fee", "amount": Decimal("250.00"),
                 "basis": "per_area", "source": "notice", "source_ref": None} for i in ids for p in periods])
            conn.execute(insert(Payment.__table__), [
                {"payment_id": f"PL{i:07d}", "unit_id": f"L{i:07d}", "estate": "E1", "method": "bank",
                 "txn_no": f"T{i:07d}", "receipt_no": f"R{i:07d}", "recorded_by": "bench", "received_at": NOV_20,
                 "amount": Decimal("250.00") * (len(periods) - (1 + i // 10 % 3 if i % 10 == 0 else 0)),
                 "prepaid_amount": Decimal("0.00")} for i in ids])
    figures = []
    for fid, name, call in (
            ("S4-arrears-detail", "arrears_detail (月份欠费情况明细表), whole estate",
             lambda: app.query("arrears_detail", None, "2026-11-30", None, actor=CASHIER)),
            ("S4-collection-rate", "collection_rate of a period (收缴率)",
             lambda: app.query("collection_rate", "2026-10", actor=CASHIER))):
        call()
        times, cpu = [], []
        for _ in range(1 if ctx.quick else ctx.reps):
            t0, c0 = time.perf_counter(), time.process_time()
            call()
            times.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
        figures.append(Figure(fid, f"{name}, {units:,} units x {len(periods)} months", "ms", times,
                              higher_is_better=False, detail={"cpu_ms": cpu, "owing_units": units // 10}))
    engine.dispose()
    return figures


SCENARIOS = {"S4": s4_billing_run, "S4A": s4_arrears_reports}

if __name__ == "__main__":
    scenario_main(SCENARIOS)
