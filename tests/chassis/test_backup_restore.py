"""A restored installation carries on (#12 §4): residents runs on the broker, `propdesk backup` copies
its database while it runs, a withdrawal comes after the backup, `propdesk restore` is refused while
the service has its database open, then (service stopped) puts the backup back; the service starts
on it, the case is as it was at the backup, a command and a query work, the re-armed events are
published again and `propdesk audit verify` passes. The rules (manifest, checksums, refusals,
re-arming) are on the unit tier: tests/unit/test_backup.py."""
from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from propdesk import demo
from propdesk.chassis import audit_chain, backup
from propdesk.chassis.calendar import office_today
from propdesk.chassis.db import Database
from propdesk_services.residents.service import ResidentsService
from tests.helpers import call, wait_for

PROPDESK = [sys.executable, "-c", "import sys; from propdesk.cli import main; sys.exit(main())"]
CLERK = {"id": "fd-wang", "role": "front_desk"}


def propdesk(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*PROPDESK, *args], env=os.environ.copy(), capture_output=True, text=True, timeout=180)


def pending(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM outbox WHERE published_at IS NULL")).scalar()
    finally:
        engine.dispose()


def test_a_restored_service_carries_on(start_service, propdesk_env, tmp_path):
    url = propdesk_env.db_url("residents")
    metrics_before = set(REGISTRY._collector_to_names)
    running = start_service(ResidentsService)
    engine = create_engine(url)
    with Session(engine) as s:
        ResidentsService.load_demo(s)
        s.commit()
    engine.dispose()
    case = call(running, "request_move_out", {
        "unit_id": demo.DEMO_HAPPY_UNIT, "tenant_party_id": demo.DEMO_HAPPY_TENANT,
        "exit_date": (office_today() + timedelta(days=7)).isoformat(),
        "owner_consent_ref": "客户同意函 2026-118", "fitout_disposition": "restore"}, actor=CLERK)
    mo = case["move_out_id"]
    wait_for(lambda: pending(url) == 0, what="the relay to publish move_out.requested")

    made = propdesk("backup", "--to", str(tmp_path / "backups"))
    assert made.returncode == 0, made.stdout + made.stderr
    (folder,) = (tmp_path / "backups").iterdir()
    assert "residents" in made.stdout and str(folder) in made.stdout

    call(running, "withdraw_move_out", {"move_out_id": mo, "reason": "留下续租"}, actor=CLERK)
    assert call(running, "get_move_out", mo)["state"] == "WITHDRAWN"

    with pytest.raises(backup.BackupError, match="the services are running"):  # this process runs it
        backup.restore(propdesk_env, folder, exclude_pids=set())

    running.stop()
    next(d for d in running.dependencies if isinstance(d, Database)).engine.dispose()  # as the process exiting
    for collector in set(REGISTRY._collector_to_names) - metrics_before:  # its metrics go with it, too
        REGISTRY.unregister(collector)
    restored = propdesk("restore", str(folder))
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert "restored residents" in restored.stdout and "residents 1" in restored.stdout  # move_out.requested again

    again = start_service(ResidentsService)  # propdesk migrate + start
    assert call(again, "get_move_out", mo)["state"] == "APPLICATION_ACCEPTED"  # as at the backup
    wait_for(lambda: pending(url) == 0, what="the relay to publish the re-armed event again")
    call(again, "withdraw_move_out", {"move_out_id": mo, "reason": "留下续租"}, actor=CLERK)
    assert call(again, "get_move_out", mo)["state"] == "WITHDRAWN"
    verdict = audit_chain.verify_all(propdesk_env, ["residents"])["residents"]  # propdesk audit verify
    assert verdict.ok and verdict.rows == 2, verdict.problems  # the request, the withdrawal after the restore
