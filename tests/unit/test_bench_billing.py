"""Bench S4's baseline (issue #10 §5: "a ratio to a raw SQLite bulk insert of the same rows in the
same run"): the raw writes leave billing's tables exactly as the billing run left them, row for row
and column for column, so the ratio compares the run with writing its own output. No broker."""
from __future__ import annotations

import sqlite3

from bench.billing import CASHIER, SUPERVISOR, _billing_db, _raw_same_rows
from bench.common import Context
from propdesk_services.billing.workflows.billing_run.handlers import advance_billing_runs

#: every table the run writes (the readings: billed, with their notice's number)
WRITTEN = {"fee_notice": "notice_id", "fee_notice_line": "id", "charge": "id", "meter_reading": "reading_id"}


def test_the_raw_baseline_writes_the_same_rows_the_run_wrote(tmp_path):
    ctx = Context(quick=True, workdir=str(tmp_path))
    app, engine, path = _billing_db(ctx, 300)
    run = app.command("start_billing_run", {"period": "2026-11", "estate": "E1"}, SUPERVISOR)
    advance_billing_runs(app.db.factory(), max_batches=10 ** 6, batch=97)
    app.command("review_billing_run", {"run_id": run["run_id"], "decision": "approve"}, SUPERVISOR)
    app.command("issue_billing_run", {"run_id": run["run_id"]}, CASHIER)
    advance_billing_runs(app.db.factory(), max_batches=10 ** 6, batch=97)
    engine.dispose()
    wall, cpu, raw_path = _raw_same_rows(ctx, path, run["run_id"], 300, batch=97)
    assert wall > 0 and cpu >= 0
    ran, raw = sqlite3.connect(str(path)), sqlite3.connect(str(raw_path))
    for table, key in WRITTEN.items():
        rows = [conn.execute(f"SELECT * FROM {table} ORDER BY {key}").fetchall() for conn in (ran, raw)]
        assert rows[0] == rows[1], table
    issued = ran.execute("SELECT count(*) FROM fee_notice WHERE run_id = ? AND notice_no IS NOT NULL",
                         (run["run_id"],)).fetchone()[0]
    assert issued > 300  # the demo estate's units and the bench's 300, numbered in both
    assert ran.execute("SELECT count(*) FROM meter_reading WHERE state = 'billed'").fetchone()[0] > 75
