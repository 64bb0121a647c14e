"""S4R: the arrears reports for one large estate (issue #10 §4), on billing's own migrated SQLite
database through the harness' query path (schema, reader, estate scope), no broker.

The ledger: `units` units (100,000; --quick 5,000) x 12 months (2025-12 .. 2026-11) x two fee
items (物业服务费 by area, 代收水费 varying), 24 charges a unit. Paid money is paid quarterly with its
allocations to the quarter's charges (as a cashier's counter payment or a matched bank line is
booked). The mix, by unit (deterministic):

    88 %  paid up
     6 %  owe 2026-11 only (1-30 days as of 2026-12-15)
     3 %  owe the last 2-3 months
     2 %  owe the last 4-6 months
     1 %  never paid (12 months, up to 348 days)
          half of the owing units also paid 100.00 at the counter against their balance

and a 2026-10 dunning notice for every unit that owed October when it was issued (the units owing
2+ months now, and 2 % of the units now paid up, who paid after it), nine in ten delivered.

    S4R-detail   arrears_detail (月份欠费情况明细表) of the whole estate as of 2026-12-15: seconds a call
    S4R-summary  arrears_summary (月份催缴欠费情况统计表) of 2026-10: seconds a call
    S4R-rss      the process' peak RSS after the calls, and its growth over them (`detail`); each
                 report's own Python peak (tracemalloc, one more call) is in its `detail`. The
                 detail's rows are the report (one a unit, period and item owed) and grow with the
                 owing units, not with the estate

    python -m bench.arrears S4R --out /tmp/s4r.json [--quick] [--reps N]
    PROPDESK_BENCH_ARREARS_UNITS=10000 python -m bench.arrears S4R --out /tmp/s4r.json
"""
from __future__ import annotations

import os
import sqlite3
import time
import tracemalloc
from datetime import datetime, timezone
from pathlib import Path

from bench.common import Context, Figure, chunked_writes, migrated_sqlite, peak_rss_mib, scenario_main
from propdesk.chassis.clock import FakeClock
from propdesk.chassis.db import make_engine
from propdesk.testing.fake import ServiceHarness
from propdesk_services.billing.service import BillingService

CASHIER = {"id": "fin-cash", "role": "cashier"}
#: 2026-12-15 10:00 in Beijing: November is a fortnight overdue, the December run not yet issued
DEC_15 = datetime(2026, 12, 15, 2, 0, tzinfo=timezone.utc)
PERIODS = ["2025-12"] + [f"2026-{m:02d}" for m in range(1, 12)]
ITEMS = ("property_fee", "water")
QUARTERS = [PERIODS[q:q + 3] for q in range(0, 12, 3)]
CHUNK = 5_000


def months_owed(i: int) -> int:
    r = i % 100
    if r < 88:
        return 0
    if r < 94:
        return 1
    if r < 97:
        return 2 + i % 2
    if r < 99:
        return 4 + i % 3
    return 12


def _amounts(i: int) -> tuple[int, int]:
    """(property fee, water) in fen for unit i: 80-129 m² x 2.50, water 20.00-59.90."""
    return (80 + i % 50) * 250, 2000 + (i * 37) % 4000


def _seed(path: Path, units: int) -> dict:
    """The ledger in the order the office writes it: each month's charges for every unit (a billing
    run), each quarter's payments and allocations after its months, then November's dunning notices
    and December's counter payments; so a unit's rows are scattered over the tables as in a real
    database, not side by side. sqlite3 executemany, 5,000 units a transaction (no list of every
    unit held); amounts as decimal text, stored as the ORM stores them (NUMERIC affinity)."""
    conn = sqlite3.connect(str(path))
    conn.execute("PRAGMA synchronous=OFF")
    counts = {"charges": 0, "payments": 0, "allocations": 0, "dunning_notices": 0, "owing_units": 0}
    write = chunked_writes(conn, units, CHUNK, counts)

    def charge_id(i: int, p_no: int, k: int) -> int:
        return (p_no * units + i) * len(ITEMS) + k + 1

    for q, quarter in enumerate(QUARTERS):
        for period in quarter:
            p_no = PERIODS.index(period)
            write("INSERT INTO charge (id, unit_id, estate, period, item, amount, basis, source) "
                  "VALUES (?,?,?,?,?,?,?,?)", "charges",
                  lambda i: [(charge_id(i, p_no, k), f"A{i:07d}", "E1", period, item, f"{_amounts(i)[k] / 100:.2f}",
                              "per_area" if k == 0 else "reading", "notice") for k, item in enumerate(ITEMS)])

        def paid(i: int, quarter=quarter) -> list[str]:
            return [m for m in quarter if m in PERIODS[:12 - months_owed(i)]]

        write("INSERT INTO payment (payment_id, unit_id, estate, amount, method, receipt_no, received_at, "
              "recorded_by, txn_no, prepaid_amount) VALUES (?,?,?,?,?,?,?,?,?,0)", "payments",
              lambda i: [(f"PA{i:07d}{q}", f"A{i:07d}", "E1", f"{sum(_amounts(i)) * len(paid(i)) / 100:.2f}", "bank",
                          f"RA{i:07d}{q}", f"2026-{3 * q + 3:02d}-05 02:00:00.000000", "bench", f"TA{i:07d}{q}")]
              if paid(i) else [])
        write("INSERT INTO payment_allocation (payment_id, charge_id, amount) VALUES (?,?,?)", "allocations",
              lambda i: [(f"PA{i:07d}{q}", charge_id(i, PERIODS.index(m), k), f"{_amounts(i)[k] / 100:.2f}")
                         for m in paid(i) for k in range(len(ITEMS))])
    # October's dunning (issued 2026-11-16): the units owing October then, 9 in 10 delivered
    write("INSERT INTO dunning_notice (dunning_id, dunning_no, unit_id, estate, period, payer_party_id, amount_due, "
          "periods, state, issued_at) VALUES (?,?,?,?,?,?,?,?,?,?)", "dunning_notices",
          lambda i: [(f"DA{i:07d}", f"CN-{i:07d}", f"A{i:07d}", "E1", "2026-10", f"P{i:07d}",
                      f"{sum(_amounts(i)) * max(months_owed(i) - 1, 1) / 100:.2f}", "2026-10",
                      "delivered" if i % 10 else "issued", "2026-11-16 02:00:00.000000")]
          if months_owed(i) >= 2 or (months_owed(i) == 0 and i % 100 < 2) else [])
    # half of the owing units paid 100.00 at the counter against the balance (no allocation)
    write("INSERT INTO payment (payment_id, unit_id, estate, amount, method, receipt_no, received_at, recorded_by, "
          "prepaid_amount) VALUES (?,?,?,?,?,?,?,?,0)", "payments",
          lambda i: [(f"PC{i:07d}", f"A{i:07d}", "E1", "100.00", "cash", f"RC{i:07d}", "2026-12-01 02:00:00.000000",
                      "bench")] if months_owed(i) and i % 2 == 0 else [])
    counts["owing_units"] = sum(1 for i in range(units) if months_owed(i))
    conn.close()
    return counts


def s4r_arrears_at_scale(ctx: Context) -> list[Figure]:
    units = 5_000 if ctx.quick else int(os.environ.get("PROPDESK_BENCH_ARREARS_UNITS", "100000"))
    path, url = migrated_sqlite(ctx, "s4r-", BillingService)
    t0 = time.perf_counter()
    counts = _seed(path, units)
    seed_s = time.perf_counter() - t0
    engine = make_engine(url)
    app = ServiceHarness(BillingService, clock=FakeClock(DEC_15), engine=engine)
    rss_before = peak_rss_mib()
    figures, shapes = [], {}
    for fid, name, call, shape in (
            ("S4R-detail", "arrears_detail (月份欠费情况明细表), whole estate, as of 2026-12-15",
             lambda: app.query("arrears_detail", None, "2026-12-15", None, actor=CASHIER),
             lambda r: {"rows": len(r["rows"]), "units": r["units"], "total": r["total"]}),
            ("S4R-summary", "arrears_summary (月份催缴欠费情况统计表) of 2026-10",
             lambda: app.query("arrears_summary", "2026-10", actor=CASHIER),
             lambda r: {k: v for k, v in r["rows"][0].items() if k != "estate"})):
        times, cpu = [], []
        for _ in range(1 if ctx.quick else ctx.reps):
            t0, c0 = time.perf_counter(), time.process_time()
            result = call()
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
        shapes[fid] = shape(result)
        del result
        tracemalloc.start()  # one more call, untimed: what the report itself allocates at its peak
        call()
        python_peak = tracemalloc.get_traced_memory()[1] / 2 ** 20
        tracemalloc.stop()
        figures.append(Figure(fid, f"{name}, {units:,} units x 12 months x 2 items", "s", times,
                              higher_is_better=False,
                              detail={"cpu_seconds": cpu, "python_peak_mib": python_peak, "result": shapes[fid],
                                      **counts}))
    rss_after = peak_rss_mib()
    engine.dispose()
    figures.append(Figure("S4R-rss", f"arrears reports: peak RSS of the process after both, {units:,} units", "MiB",
                          [rss_after], higher_is_better=False,
                          detail={"peak_before_reports": rss_before, "growth": rss_after - rss_before,
                                  "seed_seconds": seed_s, "load_average": os.getloadavg()}))
    return figures


SCENARIOS = {"S4R": s4r_arrears_at_scale}

if __name__ == "__main__":
    scenario_main(SCENARIOS)
