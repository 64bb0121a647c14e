"""`propdesk backup` on PostgreSQL (PROPDESK_DB=postgresql): one `pg_dump --format=custom` per service
database that exists, listed in the manifest with its SHA-256; the documented `pg_restore` of it
gives back the rows and an audit chain that verifies (docs/operations.md, Backups and restore).

`propdesk backup --cluster`: `pg_basebackup` of the server, every service at one moment; restored
as documented into a fresh private server (its data directory from the backup's tars), then
`propdesk restore` re-arms the outbox tails, and the services carry on."""
from __future__ import annotations

import os
import subprocess
import uuid
from datetime import timedelta

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import text
from sqlalchemy.orm import Session

from propdesk import demo
from propdesk.chassis import audit_chain, backup, migrate
from propdesk.chassis.calendar import office_today
from propdesk.chassis.clock import SYSTEM_CLOCK
from propdesk.chassis.db import Database, make_engine
from propdesk.config import Settings
from propdesk.testing.fake import ServiceHarness
from propdesk.testing.postgres import drop_databases, private_postgres_from_backup
from propdesk_services.billing.service import BillingService
from propdesk_services.residents.service import ResidentsService
from tests.helpers import call, wait_for

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


def state(settings) -> dict:
    """What the backup must give back exactly, in both services' databases: each outbox row (event,
    published or not), each inbox row, the audit rows, the move-out cases, the fee clearances."""
    queries = {"residents": {"move_out_case": "SELECT move_out_id, state FROM move_out_case ORDER BY 1"},
               "billing": {"clearance_request": "SELECT move_out_id, status FROM clearance_request ORDER BY 1"}}
    seen = {}
    for name, own in queries.items():
        engine = make_engine(settings.db_url(name))
        try:
            with engine.connect() as conn:
                seen[name] = {table: [tuple(r) for r in conn.execute(text(q))] for table, q in {
                    "outbox": "SELECT event_id, event_type, published_at IS NOT NULL FROM outbox ORDER BY id",
                    "inbox": "SELECT handler, event_id FROM inbox ORDER BY 1, 2",
                    "audit_log": "SELECT id, action, row_hash FROM audit_log ORDER BY id", **own}.items()}
        finally:
            engine.dispose()
    return seen


def settled(settings, billing_handled: int):
    """Both outboxes published, billing's inbox at `billing_handled` events: the state, else None."""
    now = state(settings)
    published = all(p for n in now for _, _, p in now[n]["outbox"])
    return now if published and len(now["billing"]["inbox"]) == billing_handled else None


def stop(container) -> None:
    """As the process exiting: the container, its engine, its metrics."""
    container.stop()
    next(d for d in container.dependencies if isinstance(d, Database)).engine.dispose()


@pytest.mark.skipif(os.environ.get("PROPDESK_DB", "").lower() not in ("postgresql", "postgres"),
                    reason="two services on the broker and a second server (~13 s): make test-postgres runs it")
def test_cluster_backup_is_one_moment_and_the_services_carry_on(pg_server, start_service, propdesk_env,
                                                                 monkeypatch, tmp_path):
    prefix = f"c{uuid.uuid4().hex[:12]}"
    for name in ("PROPDESK_RESIDENTS_DB_URL", "PROPDESK_BILLING_DB_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PROPDESK_DB", "postgresql")
    monkeypatch.setenv("PROPDESK_PG_URL", pg_server.url(prefix))
    settings = propdesk_env  # db_url reads PROPDESK_DB / PROPDESK_PG_URL when called
    metrics_before = set(REGISTRY._collector_to_names)
    try:
        residents, billing = start_service(ResidentsService), start_service(BillingService)
        engine = make_engine(settings.db_url("residents"))
        with Session(engine) as s:
            ResidentsService.load_demo(s)
            s.commit()
        engine.dispose()
        mo = call(residents, "request_move_out", {
            "unit_id": demo.DEMO_HAPPY_UNIT, "tenant_party_id": demo.DEMO_HAPPY_TENANT,
            "exit_date": (office_today() + timedelta(days=7)).isoformat(),
            "owner_consent_ref": "客户同意函 2026-118", "fitout_disposition": "restore"}, actor=CLERK)["move_out_id"]
        # residents -> billing (clearance checked) -> residents (the answer recorded): settled
        at_backup = wait_for(lambda: (now := settled(settings, 1)) and now["residents"]["inbox"] and now,
                             what="the move-out and billing's answer to settle")
        assert at_backup["billing"]["clearance_request"] == [(mo, "confirmed")]

        done = backup.backup_cluster(settings, tmp_path / "backups")
        assert sorted(done.manifest["services"]) == ["billing", "residents"]
        assert set(done.manifest["files"]) >= {"cluster/base.tar", "cluster/pg_wal.tar"}
        assert done.manifest["server"]["system_identifier"]

        call(residents, "withdraw_move_out", {"move_out_id": mo, "reason": "留下续租"}, actor=CLERK)
        wait_for(lambda: settled(settings, 2), what="billing to handle the withdrawal after the backup")
        for container in (residents, billing):
            stop(container)
        for collector in set(REGISTRY._collector_to_names) - metrics_before:
            REGISTRY.unregister(collector)

        with private_postgres_from_backup(done.folder / "cluster") as restored:
            monkeypatch.setenv("PROPDESK_PG_URL", restored.url(prefix))
            assert state(settings) == at_backup  # both services exactly as at the backup's moment
            holder = make_engine(settings.db_url("billing"))
            with holder.connect():
                with pytest.raises(backup.BackupError, match="the services are running"):
                    backup.restore(settings, done.folder)
            holder.dispose()
            with pytest.raises(backup.BackupError, match="restored whole"):
                backup.restore(settings, done.folder, ["residents"])
            summary = backup.restore(settings, done.folder)  # checks the server, re-arms the outbox tails
            assert summary["restored"] == ["billing", "residents"] and summary["rearmed"]["residents"] >= 1

            residents, billing = start_service(ResidentsService), start_service(BillingService)
            assert call(residents, "get_move_out", mo)["state"] == next(
                st for m, st in at_backup["residents"]["move_out_case"] if m == mo)
            call(residents, "withdraw_move_out", {"move_out_id": mo, "reason": "留下续租"}, actor=CLERK)
            # the re-armed events are published again and skipped by the inboxes; the withdrawal is new
            after = wait_for(lambda: settled(settings, 2), what="the restored services to carry on")
            assert after["residents"]["move_out_case"] == [(mo, "WITHDRAWN")]
            for container in (residents, billing):
                stop(container)
            verdict = audit_chain.verify_all(settings, ["residents"])["residents"]
            assert verdict.ok and verdict.rows == len(at_backup["residents"]["audit_log"]) + 1, verdict.problems
    finally:
        drop_databases(pg_server.url(), prefix + "_")
