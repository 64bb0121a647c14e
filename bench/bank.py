"""S4B: a bank statement import for one large estate (issue #10 §3 "still runs in seconds for a
large estate group"), on billing's own migrated SQLite database through the harness' command path
(schema, policy, payments, audit, outbox), no broker.

The ledger: `units` units (100,000; --quick 5,000) x 12 monthly notices (2025-12 .. 2026-11, issued
on the 26th, nine in ten delivered: a notice stays delivered for ever), two lines each (物业服务费 by
area, 代收水费 varying by unit and month) with their charges on the ledger, named by the notice's
number as the run's issue posts them. Paid notices are paid by a bank payment allocated to their
charges (as a matched line or the counter books them). The mix, by unit (deterministic): as S4R
(88 % paid up, 6 % owe one month, 3 % two or three, 2 % four to six, 1 % never paid), and two
units in five have not paid November yet; half of the units owing before November paid 100.00 at the
counter against their balance (not allocated). A notice's arrears are what its unit owed before it.

The statement (2026-12-02, imported on the 3rd): 200 credit lines, half paying an open November
notice (what it asked in all, the unit named in the reference: 单元 A0001234 物业费), half of
amounts no notice asks (goods money); each import its own units and lines.

    S4B          ms per import (wall; CPU ms in `detail`), 100 of 200 lines booked
    S4B-before   the same with the reading of session 8 (every issued or delivered notice of the
                 estate loaded, then filtered by amount in Python; `_candidates_before` below)

    python -m bench.bank S4B --out /tmp/s4b.json [--quick] [--reps N]
    PROPDESK_BENCH_BANK_UNITS=20000 python -m bench.bank S4B --out /tmp/s4b.json
"""
from __future__ import annotations

import base64
import os
import sqlite3
import time
from collections import defaultdict
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, select

from bench.arrears import months_owed
from bench.common import Context, Figure, chunked_writes, migrated_sqlite, scenario_main
from propdesk.chassis.clock import FakeClock
from propdesk.chassis.db import aware, make_engine, refresh_statistics
from propdesk.testing.fake import ServiceHarness
from propdesk_services.billing.service import BillingService
from propdesk_services.billing.workflows.bank_statements import domain, handlers
from propdesk_services.billing.workflows.billing_run.models import FeeNotice

CASHIER = {"id": "fin-cash", "role": "cashier"}
#: 2026-12-03 10:00 in Beijing: November's notices a week old
DEC_3 = datetime(2026, 12, 3, 2, 0, tzinfo=timezone.utc)
PERIODS = ["2025-12"] + [f"2026-{m:02d}" for m in range(1, 12)]
CHUNK = 5_000
LINES, MATCHING = 200, 100
#: the imports' units: every STRIDE-th, from the import's number (at most STRIDE imports a run)
STRIDE = 16
HEADER = "交易日,交易时间,起息日,交易类型,借方金额,贷方金额,余额,摘要,流水号,业务参考号,收/付方名称,收/付方帐号\n"


def _fen(i: int, p: int) -> tuple[int, int]:
    """(property fee, water) in fen of unit i's notice of period p: 80-129 m² x 2.50, water 20.00-59.99."""
    return (80 + i % 50) * 250, 2000 + (i * 37 + p * 101) % 4000


def _unpaid(i: int) -> set[int]:
    """The periods (indexes) unit i has not paid: its last months owed, and November for two in five."""
    owed = set(range(12 - months_owed(i), 12))
    return owed | {11} if i % 5 < 2 else owed


def _issued(p: int) -> str:
    year, month = map(int, PERIODS[p].split("-"))
    return f"{year}-{month:02d}-26 02:00:00.000000"


def _notice_no(i: int, p: int) -> str:
    return f"FN-{PERIODS[p].replace('-', '')}26-{i + 1:06d}"


def _seed(path: Path, units: int) -> dict:
    """The ledger month by month (a run's notices, lines and charges for every unit, then the month's
    payments), so a unit's rows are scattered over the tables as in a real database. sqlite3
    executemany, 5,000 units a transaction (no list of every unit held); money as decimal text,
    stored as the ORM stores it (NUMERIC affinity); times as the ORM writes them (UTC)."""
    conn = sqlite3.connect(str(path))
    conn.execute("PRAGMA synchronous=OFF")
    counts = defaultdict(int)
    write = chunked_writes(conn, units, CHUNK, counts)

    def charge_id(i: int, p: int, k: int) -> int:
        return (p * units + i) * 2 + k + 1

    def arrears(i: int, p: int) -> int:
        return sum(sum(_fen(i, q)) for q in _unpaid(i) if q < p)

    for p, period in enumerate(PERIODS):
        at = _issued(p)
        write("INSERT INTO fee_notice (notice_id, notice_no, run_id, period, unit_id, estate, payer_party_id, state,"
              " amount, arrears_before, drafted_at, issued_at, issued_by) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
              "notices",
              lambda i: [(f"N{p:02d}{i:07d}", _notice_no(i, p), f"R{p:02d}", period, f"A{i:07d}", "E1", f"P{i:07d}",
                          "delivered" if i % 10 else "issued", f"{sum(_fen(i, p)) / 100:.2f}",
                          f"{arrears(i, p) / 100:.2f}", at, at, "bench")])
        write("INSERT INTO fee_notice_line (notice_id, unit_id, period, item, basis, source, source_ref, amount)"
              " VALUES (?,?,?,?,?,?,?,?)", "lines",
              lambda i: [(f"N{p:02d}{i:07d}", f"A{i:07d}", period, item, basis, source, ref, f"{fen / 100:.2f}")
                         for (item, basis, source, ref), fen in zip(
                             (("property_fee", "per_area", "schedule", None),
                              ("water", "per_reading", "meter", f"MR{p:02d}{i:07d}")), _fen(i, p))])
        write("INSERT INTO charge (id, unit_id, estate, period, item, amount, basis, source, source_ref)"
              " VALUES (?,?,?,?,?,?,?,?,?)", "charges",
              lambda i: [(charge_id(i, p, k), f"A{i:07d}", "E1", period, item, f"{fen / 100:.2f}", basis, source,
                          _notice_no(i, p))
                         for k, ((item, basis, source), fen) in enumerate(zip(
                             (("property_fee", "per_area", "schedule"), ("water", "per_reading", "meter")),
                             _fen(i, p)))])
        write("INSERT INTO payment (payment_id, unit_id, estate, amount, method, receipt_no, received_at, recorded_by,"
              " prepaid_amount) VALUES (?,?,?,?,?,?,?,?,0)", "payments",
              lambda i: [] if p in _unpaid(i) else [
                  (f"PB{p:02d}{i:07d}", f"A{i:07d}", "E1", f"{sum(_fen(i, p)) / 100:.2f}", "bank", f"RB{p:02d}{i:07d}",
                   at.replace("-26 ", "-28 "), "bench")])
        write("INSERT INTO payment_allocation (payment_id, charge_id, amount) VALUES (?,?,?)", "allocations",
              lambda i: [] if p in _unpaid(i) else [
                  (f"PB{p:02d}{i:07d}", charge_id(i, p, k), f"{fen / 100:.2f}") for k, fen in enumerate(_fen(i, p))])
    # half of the units owing before November paid 100.00 at the counter against the balance (no
    # allocation: their notices are judged on their whole ledger)
    write("INSERT INTO payment (payment_id, unit_id, estate, amount, method, receipt_no, received_at, recorded_by,"
          " prepaid_amount) VALUES (?,?,?,?,?,?,?,?,0)", "payments",
          lambda i: [(f"PC{i:07d}", f"A{i:07d}", "E1", "100.00", "cash", f"RC{i:07d}", "2026-12-01 02:00:00.000000",
                      "bench")] if months_owed(i) and i % 2 == 0 else [])
    conn.close()
    return dict(counts)


def _statement(units: int, rep: int) -> tuple[str, int]:
    """A CMB export of 2026-12-02: MATCHING lines paying the open November notices of units of its
    own (what each asked in all, the unit named), the rest of amounts no notice asks."""
    rows, owing = [], (i for i in range(rep, units, STRIDE) if 11 in _unpaid(i))
    for k in range(MATCHING):
        i = next(owing)  # of every STRIDE-th unit from the rep-th, owing November: no unit twice
        asked = sum(_fen(i, 11)) + sum(sum(_fen(i, q)) for q in _unpaid(i) if q < 11)
        rows.append(f"20261202,09:{k // 60:02d}:{k % 60:02d},20261202,汇入,,{asked / 100:.2f},0,"
                    f"单元 A{i:07d} 物业费,S{rep:02d}M{k:04d},,业主{i},6222{i:08d}")
    for k in range(LINES - MATCHING):
        rows.append(f"20261202,10:{k // 60:02d}:{k % 60:02d},20261202,汇入,,{7000 + rep * 1000 + k / 100:.2f},0,货款,"
                    f"S{rep:02d}G{k:04d},,某公司,6222000{k:05d}")
    text = "招商银行 交易明细\n账号: 7559xxxx0101\n" + HEADER + "".join(r + "\n" for r in rows)
    return base64.b64encode(text.encode("gb18030")).decode(), MATCHING


def _candidates_before(s, estate, amounts, days=None):
    """Session 8's reading (bank_statements.handlers._candidates until S4B), kept as the baseline:
    every issued or delivered notice of the estate loaded, then filtered by amount in Python."""
    if not amounts:
        return {}
    notices = [n for n in s.scalars(select(FeeNotice).where(FeeNotice.estate == estate,
                                                            FeeNotice.state.in_(("issued", "delivered"))))
               if Decimal(n.amount) in amounts or Decimal(n.amount) + Decimal(n.arrears_before or 0) in amounts]
    charges = handlers._notice_charges(s, [n.notice_id for n in notices])
    open_ = handlers._open_by_unit(s, [n.unit_id for n in notices])
    out = defaultdict(list)
    for n in notices:
        if sum((open_[n.unit_id].get(c, Decimal(0)) for c in charges.get(n.notice_id, [])), Decimal(0)) <= 0:
            continue
        cand = domain.Candidate(n.notice_id, n.notice_no, n.unit_id, Decimal(n.amount), Decimal(n.arrears_before or 0),
                                aware(n.issued_at).astimezone(handlers._BEIJING).date())
        for asked in {cand.amount, cand.amount + cand.arrears_before}:
            out[asked].append(cand)
    return out


def s4b_bank_import(ctx: Context) -> list[Figure]:
    units = 5_000 if ctx.quick else int(os.environ.get("PROPDESK_BENCH_BANK_UNITS", "100000"))
    path, url = migrated_sqlite(ctx, "s4b-", BillingService)
    t0 = time.perf_counter()
    counts = _seed(path, units)
    engine = make_engine(url)
    refresh_statistics(engine)  # as the service does every hour (ANALYZE the first time)
    seed_s = time.perf_counter() - t0
    app = ServiceHarness(BillingService, clock=FakeClock(DEC_3), engine=engine)
    with engine.connect() as conn:
        open_notices = conn.scalar(select(func.count()).select_from(FeeNotice).where(
            FeeNotice.state.in_(("issued", "delivered"))))
    reps = 1 if ctx.quick else min(ctx.reps, STRIDE // 2)
    figures, rep = [], 0
    for fid, name, candidates in (("S4B", "bank statement import", handlers._candidates),
                                  ("S4B-before", "bank statement import, session 8's reading", _candidates_before)):
        saved, handlers._candidates = handlers._candidates, candidates
        times, cpu, booked = [], [], []
        try:
            for _ in range(reps):
                content, matching = _statement(units, rep)
                rep += 1
                t0, c0 = time.perf_counter(), time.process_time()
                st = app.command("import_bank_statement", {"estate": "E1", "filename": f"cmb-{rep}.csv",
                                                           "content": content, "encoding": "base64"}, CASHIER)
                times.append((time.perf_counter() - t0) * 1000)
                cpu.append((time.process_time() - c0) * 1000)
                assert (st["new_lines"], st["matched_lines"]) == (LINES, matching), {k: st[k] for k in (
                    "new_lines", "matched_lines", "unmatched_lines")}
                booked.append(st["matched_lines"])
        finally:
            handlers._candidates = saved
        figures.append(Figure(fid, f"{name}: {LINES} lines ({MATCHING} booked) against {units:,} units x 12 "
                                   f"notices ({open_notices:,} issued or delivered)", "ms", times,
                              higher_is_better=False,
                              detail={"cpu_ms": cpu, "booked": booked, "seed_seconds": seed_s,
                                      "load_average": os.getloadavg(), **counts}))
    engine.dispose()
    return figures


SCENARIOS = {"S4B": s4b_bank_import}

if __name__ == "__main__":
    scenario_main(SCENARIOS)
