"""`propdesk backup` on PostgreSQL (PROPDESK_DB=postgresql): one `pg_dump --format=custom` per service
database that exists, listed in the manifest with its SHA-256; the documented `pg_restore` of it
gives back the rows and an audit chain that verifies (docs/operations.md, Backups and restore)."""
from __future__ import annotations

import subprocess
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from propdesk import demo
from propdesk.chassis import audit_chain, backup, migrate
from propdesk.chassis.calendar import office_today
from propdesk.chassis.clock import SYSTEM_CLOCK
from propdesk.chassis.db import make_engine
from propdesk.config import Settings
from propdesk.testing.fake import ServiceHarness
from propdesk.testing.postgres import drop_databases
from propdesk_services.residents.service import ResidentsService

CLERK = {"id": "fd-wang", "role": "front_desk"}


@pytest.fixture
def pg_installation(pg_server, monkeypatch, tmp_path):
    prefix = f"b{uuid.uuid4().hex[:12]}"
    for name in ("PROPDESK_PG_URL", "PROPDESK_RESIDENTS_DB_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PROPDESK_DB", "postgresql")
    monkeypatch.setenv("PROPDESK_PG_URL", pg_server.url(prefix))
    monkeypatch.setenv("PROPDESK_DATA_DIR", str(tmp_path / "var"))
    yield Settings.from_env()
    drop_databases(pg_server.url(), prefix + "_")


def test_pg_dump_per_service_and_the_documented_pg_restore(pg_installation, tmp_path):
    settings = pg_installation
    url = settings.db_url("residents")
    migrate.upgrade(ResidentsService, url)  # the only service database on this server
    engine = make_engine(url)
    app = ServiceHarness(ResidentsService, clock=SYSTEM_CLOCK, engine=engine, demo=True)
    app.command("request_move_out", {
        "unit_id": demo.DEMO_HAPPY_UNIT, "tenant_party_id": demo.DEMO_HAPPY_TENANT,
        "exit_date": (office_today() + timedelta(days=7)).isoformat(),
        "owner_consent_ref": "客户同意函 2026-118", "fitout_disposition": "restore"}, CLERK)
    engine.dispose()

    done = backup.backup(settings, tmp_path / "backups")
    entry = done.manifest["services"]["residents"]
    assert list(done.manifest["services"]) == ["residents"] and "billing" in done.manifest["not_found"]
    dump = done.folder / "residents.dump"
    assert entry["file"] == "residents.dump" and entry["sha256"] == backup.sha256(dump)
    with pytest.raises(backup.BackupError, match="PostgreSQL dump: restore it with pg_restore"):
        backup.restore(settings, done.folder)

    # docs/operations.md: createdb, then pg_restore --no-owner into it
    target = url.replace("_residents?", "_restored?")
    migrate.create_database(target)
    restored = subprocess.run(["pg_restore", "--no-owner", f"--dbname={backup.libpq_url(target)}", str(dump)],
                              capture_output=True, text=True, timeout=120)
    assert restored.returncode == 0, restored.stderr
    engine = make_engine(target)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM move_out_case")).scalar() == 1
            assert conn.execute(text("SELECT count(*) FROM outbox")).scalar() >= 1
        with Session(engine) as s:
            verdict = audit_chain.verify(s)
        assert verdict.ok and verdict.rows >= 1, verdict.problems
    finally:
        engine.dispose()
