"""`propdesk backup` / `restore` on real service databases in a temp data dir (chassis/backup.py):
the manifest says what the copy holds, a copy taken while a connection is open holds what is only
in the WAL, a damaged or newer backup and running services are refused with nothing changed, and a
restore puts the state of the backup back with a valid audit chain and the outbox tail re-armed."""
from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy.orm import Session

from propdesk import demo
from propdesk.chassis import audit_chain, backup, migrate
from propdesk.chassis.calendar import office_today
from propdesk.chassis.clock import SYSTEM_CLOCK
from propdesk.chassis.db import make_engine
from propdesk.config import Settings
from propdesk.testing.fake import ServiceHarness
from propdesk_services.residents.service import ResidentsService

CLERK = {"id": "fd-wang", "role": "front_desk"}


def request(consent: str = "客户同意函 2026-118") -> dict:
    return {"unit_id": demo.DEMO_HAPPY_UNIT, "tenant_party_id": demo.DEMO_HAPPY_TENANT,
            "exit_date": (office_today() + timedelta(days=7)).isoformat(),
            "owner_consent_ref": consent, "fitout_disposition": "restore"}


@pytest.fixture
def installation(tmp_path, monkeypatch):
    """residents migrated, with demo data and one move-out (audit rows, an outbox event)."""
    monkeypatch.setenv("PROPDESK_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("PROPDESK_DB", raising=False)
    monkeypatch.delenv("PROPDESK_RESIDENTS_DB_URL", raising=False)
    settings = Settings.from_env()
    url = settings.db_url("residents")
    migrate.upgrade(ResidentsService, url)
    engine = make_engine(url)
    app = ServiceHarness(ResidentsService, clock=SYSTEM_CLOCK, engine=engine, demo=True)
    first = app.command("request_move_out", request("客户同意函 2026-118"), CLERK)
    yield settings, app, engine, first["move_out_id"]
    engine.dispose()


def db_file(settings) -> Path:
    return backup.sqlite_path(settings.db_url("residents"))


def state(path: Path, move_out_id: str) -> str:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT state FROM move_out_case WHERE move_out_id = ?", (move_out_id,)).fetchone()[0]


def count(path: Path, sql: str) -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute(sql).fetchone()[0]


def test_the_manifest_says_what_the_copy_holds(installation, tmp_path):
    settings, _app, _engine, _mo = installation
    done = backup.backup(settings, tmp_path / "backups")
    assert done.folder.name.startswith("propdesk-backup-") and done.folder.is_dir()
    manifest = json.loads((done.folder / "manifest.json").read_text())
    assert manifest == done.manifest
    assert list(manifest["services"]) == ["residents"]  # the only service migrated here
    assert "billing" in manifest["not_found"]
    entry = manifest["services"]["residents"]
    copy = done.folder / "residents.db"
    assert entry["sha256"] == backup.sha256(copy) and entry["bytes"] == copy.stat().st_size
    heads = ScriptDirectory.from_config(migrate.alembic_config(ResidentsService, "sqlite://")).get_heads()
    assert entry["revisions"] == sorted(heads)
    live = db_file(settings)
    assert entry["rows"] == {"outbox": count(live, "SELECT count(*) FROM outbox"),
                             "outbox_pending": count(live, "SELECT count(*) FROM outbox WHERE published_at IS NULL"),
                             "inbox": 0, "audit_log": count(live, "SELECT count(*) FROM audit_log")}
    assert entry["rows"]["outbox"] >= 1 and entry["rows"]["audit_log"] >= 1
    assert manifest["propdesk_version"] == backup.propdesk_version() and manifest["format"] == backup.FORMAT
    assert datetime.fromisoformat(manifest["cut_at"]).tzinfo is not None
    # one self-contained file: rollback journal mode, nothing beside it
    assert count(copy, "PRAGMA journal_mode") == "delete"
    assert sorted(p.name for p in done.folder.iterdir()) == ["manifest.json", "residents.db"]


def test_a_copy_taken_while_the_database_is_open_holds_what_is_only_in_the_wal(installation, tmp_path):
    settings, app, engine, mo = installation
    with engine.connect() as conn:  # stays open: SQLite does not checkpoint the WAL into the file
        conn.exec_driver_sql("PRAGMA wal_autocheckpoint=0")
        app.command("withdraw_move_out", {"move_out_id": mo, "reason": "留下续租"}, CLERK)
        assert Path(str(db_file(settings)) + "-wal").stat().st_size > 0
        done = backup.backup(settings, tmp_path / "backups")
    assert state(done.folder / "residents.db", mo) == state(db_file(settings), mo) != "APPLICATION_ACCEPTED"


def test_a_damaged_backup_is_refused_and_nothing_changes(installation, tmp_path):
    settings, _app, _engine, _mo = installation
    done = backup.backup(settings, tmp_path / "backups")
    copy = done.folder / "residents.db"
    data = bytearray(copy.read_bytes())
    data[-100] ^= 0xFF
    copy.write_bytes(bytes(data))
    before = backup.sha256(db_file(settings))
    with pytest.raises(backup.BackupError, match="residents: residents.db does not match its checksum"):
        backup.restore(settings, done.folder)
    assert backup.sha256(db_file(settings)) == before
    with pytest.raises(backup.BackupError, match="not a propdesk backup"):
        backup.restore(settings, tmp_path)


def test_a_backup_from_a_newer_propdesk_is_refused(installation, tmp_path):
    settings, _app, _engine, _mo = installation
    done = backup.backup(settings, tmp_path / "backups")
    manifest = json.loads((done.folder / "manifest.json").read_text())
    manifest["services"]["residents"]["revisions"].append("ffffffffffff")
    (done.folder / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(backup.BackupError, match="revision ffffffffffff, which this code does not know"):
        backup.restore(settings, done.folder)


def test_a_restore_is_refused_while_a_process_has_the_database_open(installation, tmp_path):
    settings, _app, engine, _mo = installation
    done = backup.backup(settings, tmp_path / "backups")
    with engine.connect() as conn:  # this test process plays the running service
        conn.exec_driver_sql("SELECT 1")
        with pytest.raises(backup.BackupError, match="the services are running .* pid "):
            backup.restore(settings, done.folder, exclude_pids=set())
    assert not (settings.data_dir / "residents.db.restoring").exists()


def test_nothing_to_back_up_is_said(tmp_path, monkeypatch):
    monkeypatch.setenv("PROPDESK_DATA_DIR", str(tmp_path / "empty"))
    with pytest.raises(backup.BackupError, match="no service database under"):
        backup.backup(Settings.from_env(), tmp_path / "backups")
    assert not (tmp_path / "backups").exists() or not any((tmp_path / "backups").iterdir())


def test_a_restore_puts_the_backup_back_and_rearms_the_outbox_tail(installation, tmp_path):
    settings, app, engine, first = installation
    live = db_file(settings)
    published = datetime.now(timezone.utc) - timedelta(minutes=5)
    with engine.begin() as conn:  # the relay has published the first case's event
        conn.exec_driver_sql("UPDATE outbox SET published_at = ?", (published.replace(tzinfo=None).isoformat(" "),))
    done = backup.backup(settings, tmp_path / "backups")
    app.command("withdraw_move_out", {"move_out_id": first, "reason": "留下续租"}, CLERK)  # after the backup
    assert state(live, first) != "APPLICATION_ACCEPTED"
    engine.dispose()  # the service stops

    summary = backup.restore(settings, done.folder)
    assert summary["restored"] == ["residents"] and summary["rearmed"] == {"residents": done.manifest[
        "services"]["residents"]["rows"]["outbox"]}
    assert backup.sha256(Path(summary["aside"]) / "residents.db") != done.manifest["services"]["residents"]["sha256"]
    assert not Path(str(live) + "-wal").exists() or Path(str(live) + "-wal").stat().st_size == 0
    assert state(live, first) == "APPLICATION_ACCEPTED"  # the withdrawal came after the backup
    pending = count(live, "SELECT count(*) FROM outbox WHERE published_at IS NULL")
    assert pending == summary["rearmed"]["residents"]  # published 5 minutes before the cut: again
    with Session(make_engine(settings.db_url("residents"))) as s:
        verdict = audit_chain.verify(s)
    assert verdict.ok, verdict.problems
    # an event published longer ago than the replay window stays published
    with sqlite3.connect(live) as conn:
        conn.execute("UPDATE outbox SET published_at = ?", (published.replace(tzinfo=None).isoformat(" "),))
    again = backup.restore(settings, done.folder, replay_minutes=1)
    assert again["rearmed"] == {"residents": 0}


def test_a_backup_restores_onto_a_new_machine(installation, tmp_path, monkeypatch):
    settings, _app, _engine, first = installation
    done = backup.backup(settings, tmp_path / "backups")
    monkeypatch.setenv("PROPDESK_DATA_DIR", str(tmp_path / "new-machine" / "var"))  # nothing there yet
    fresh = Settings.from_env()
    summary = backup.restore(fresh, done.folder)
    assert summary["restored"] == ["residents"] and summary["aside"] is None
    restored = db_file(fresh)
    assert restored.parent == fresh.data_dir and state(restored, first) == "APPLICATION_ACCEPTED"
    assert backup.sha256(done.folder / "residents.db") == done.manifest["services"]["residents"]["sha256"]


def test_a_cluster_backup_is_for_one_postgresql_server(installation, tmp_path, monkeypatch):
    settings = installation[0]
    with pytest.raises(backup.BackupError, match="SQLite backups are taken at one moment already"):
        backup.backup_cluster(settings, tmp_path / "backups")
    assert not (tmp_path / "backups").exists()  # refused before anything is made
    monkeypatch.setenv("PROPDESK_DB", "postgresql")
    monkeypatch.setenv("PROPDESK_PG_URL", "postgresql://propdesk@db1:5432/propdesk")
    monkeypatch.setenv("PROPDESK_BILLING_DB_URL", "postgresql://propdesk@db2:5432/propdesk_billing")
    with pytest.raises(backup.BackupError, match="on 2: billing; .*residents.*back up each server"):
        backup.pg_server_of(settings, ["billing", "residents", "tickets"])
    monkeypatch.delenv("PROPDESK_BILLING_DB_URL")
    assert backup.pg_server_of(settings, ["billing", "residents"]) == \
        "postgresql+psycopg2://propdesk@db1:5432/postgres"


def test_the_cli_refuses_a_service_with_cluster(installation, capsys):
    from propdesk.cli import main

    assert main(["backup", "--cluster", "residents"]) == 1
    assert "--cluster copies the whole server: name no service" in capsys.readouterr().err
