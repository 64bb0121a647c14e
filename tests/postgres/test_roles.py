"""Per-service PostgreSQL roles on a real server: `propdesk migrate` (the URL's owner role) with
PROPDESK_DB_SERVICE_ROLE_PREFIX grants each service's role its rows and nothing else; a service
running as its role (PROPDESK_DB_USER + PROPDESK_DB_PASSWORD_FILE) works, and cannot change the
schema, empty a table, or open another service's database. Config reading: tests/unit/test_db_credentials.py."""
from __future__ import annotations

import os
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError, ProgrammingError

from propdesk import demo
from propdesk.chassis.calendar import office_today
from propdesk.chassis.clock import SYSTEM_CLOCK
from propdesk.chassis.db import make_engine
from propdesk.cli import main
from propdesk.config import Settings
from propdesk.testing.fake import ServiceHarness
from propdesk.testing.postgres import drop_databases
from propdesk_services.residents.service import ResidentsService
from tests.helpers import call, wait_for

CLERK = {"id": "fd-wang", "role": "front_desk"}
pytestmark = pytest.mark.skipif(os.environ.get("PROPDESK_DB", "").lower() not in ("postgresql", "postgres"),
                                reason="make test-postgres runs it (make test stays as lean as it was)")


@pytest.fixture
def roles(pg_server, propdesk_env, monkeypatch, tmp_path):
    """A prefix of databases and roles on the private server (roles residents' and billing's),
    PROPDESK_* pointing at it as the owner (the server's superuser); all dropped afterwards."""
    prefix = f"r{uuid.uuid4().hex[:12]}"
    for name in ("PROPDESK_RESIDENTS_DB_URL", "PROPDESK_BILLING_DB_URL", "PROPDESK_DB_USER",
                 "PROPDESK_DB_PASSWORD", "PROPDESK_DB_PASSWORD_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PROPDESK_DB", "postgresql")
    monkeypatch.setenv("PROPDESK_PG_URL", pg_server.url(prefix))
    monkeypatch.setenv("PROPDESK_DB_SERVICE_ROLE_PREFIX", f"{prefix}_")
    admin = make_engine(pg_server.url(), pool_size=1)
    made = [f"{prefix}_residents", f"{prefix}_billing"]
    with admin.begin() as conn:
        for role in made:
            conn.execute(text(f"CREATE ROLE {role} LOGIN PASSWORD 'not-checked-on-a-trust-socket'"))
    try:
        yield prefix
    finally:
        drop_databases(pg_server.url(), prefix + "_")
        with admin.begin() as conn:
            for role in made:
                conn.execute(text(f"DROP ROLE IF EXISTS {role}"))
        admin.dispose()


def pending(url: str) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM outbox WHERE published_at IS NULL")).scalar()
    finally:
        engine.dispose()


def as_role(monkeypatch, tmp_path, role: str) -> None:
    """The environment a service's systemd unit gives it: its role, its password in a file."""
    (tmp_path / "db-password").write_text("not-checked-on-a-trust-socket\n")
    monkeypatch.setenv("PROPDESK_DB_USER", role)
    monkeypatch.setenv("PROPDESK_DB_PASSWORD_FILE", str(tmp_path / "db-password"))


def test_a_service_runs_as_its_own_least_privilege_role(roles, start_service, monkeypatch, tmp_path, capsys):
    assert main(["migrate", "residents", "billing"]) == 0  # as the owner: schema, then grants
    out = capsys.readouterr().out
    assert f"migrated residents; {roles}_residents may read and write its rows" in out

    as_role(monkeypatch, tmp_path, f"{roles}_residents")
    url = Settings.from_env().db_url("residents")
    assert url.startswith(f"postgresql+psycopg2://{roles}_residents:")
    engine = make_engine(url)
    try:
        app = ServiceHarness(ResidentsService, clock=SYSTEM_CLOCK, engine=engine, demo=True)  # rows: allowed
        case = app.command("request_move_out", {
            "unit_id": demo.DEMO_HAPPY_UNIT, "tenant_party_id": demo.DEMO_HAPPY_TENANT,
            "exit_date": (office_today() + timedelta(days=7)).isoformat(),
            "owner_consent_ref": "客户同意函 2026-118", "fitout_disposition": "restore"}, CLERK)
        assert app.query("get_move_out", case["move_out_id"])["state"] == "APPLICATION_ACCEPTED"
        with engine.connect() as conn:
            assert conn.execute(text("SELECT current_user")).scalar() == f"{roles}_residents"
            for forbidden in ("CREATE TABLE sneaky (x int)", "DROP TABLE outbox", "TRUNCATE audit_log",
                              "ALTER TABLE audit_log DISABLE TRIGGER ALL", "CREATE TEMP TABLE t (x int)"):
                with pytest.raises(ProgrammingError, match="permission denied|must be owner"):
                    conn.execute(text(forbidden))
                conn.rollback()
    finally:
        engine.dispose()

    # the real service as its role: commands, queries, the outbox relay, the timers (sweeps, SLA)
    running = start_service(ResidentsService)  # its migrate step finds nothing to do: no DDL needed
    call(running, "withdraw_move_out", {"move_out_id": case["move_out_id"], "reason": "留下续租"}, actor=CLERK)
    assert call(running, "get_move_out", case["move_out_id"])["state"] == "WITHDRAWN"
    wait_for(lambda: pending(url) == 0, what="the relay, as the role, to publish and mark the events")

    billing = make_engine(Settings.from_env().db_url("billing"))  # residents' role, billing's database
    try:
        with pytest.raises(OperationalError, match="permission denied for database"):
            billing.connect()
    finally:
        billing.dispose()
    # and migrate refuses to run as a service's role
    assert main(["migrate", "residents"]) == 2


def test_migrate_names_a_role_that_does_not_exist(roles, monkeypatch, capsys):
    monkeypatch.setenv("PROPDESK_DB_SERVICE_ROLE_PREFIX", f"{roles}_nobody_")
    assert main(["migrate", "residents"]) == 2
    err = capsys.readouterr().err
    assert f"PROPDESK_DB_SERVICE_ROLE_PREFIX: role {roles}_nobody_residents does not exist" in err
