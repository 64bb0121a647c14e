"""`propdesk staff ...` as an administrator runs it: a real process on a migrated staff database
in a temporary data dir (PROPDESK_DATA_DIR), no broker and no running service. Passwords come from
stdin (--password-stdin) and never show in the output; a token's secret shows once and is kept
hashed; everything is audited as ``cli:<os user>``."""
from __future__ import annotations

import getpass
import json
import os
import subprocess
import sys

import pytest
from sqlalchemy import create_engine, inspect, select
from sqlalchemy.orm import Session

from propdesk.chassis import migrate
from propdesk.chassis.tables import AuditRow
from propdesk.config import Settings
from propdesk_services.staff.service import StaffService
from propdesk_services.staff.workflows.accounts import domain
from propdesk_services.staff.workflows.accounts.models import StaffAccount

PASSWORD = "correct-horse-battery"


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("PROPDESK_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("PROPDESK_STAFF_DB_URL", raising=False)
    return tmp_path / "var"


@pytest.fixture
def db_url(data_dir) -> str:
    url = Settings.from_env().db_url("staff")
    migrate.upgrade(StaffService, url)
    return url


def staff(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "propdesk.cli", "staff", *args], input=stdin, capture_output=True,
                          text=True, env=dict(os.environ), timeout=120)


def stored(db_url: str, username: str) -> StaffAccount | None:
    with Session(create_engine(db_url)) as s:
        return s.get(StaffAccount, username)


def dump(db_url: str) -> str:
    """Every row of every table as one string: where a password or a secret must never appear."""
    engine = create_engine(db_url)
    with engine.connect() as conn:
        tables = inspect(engine).get_table_names()   # SQLite or PostgreSQL (make test-postgres)
        return "\n".join(repr(conn.exec_driver_sql(f'SELECT * FROM "{t}"').fetchall()) for t in tables)


def test_an_unmigrated_database_is_named_and_not_created(data_dir):
    done = staff("list")
    assert done.returncode != 0 and "not migrated" in done.stderr and "propdesk migrate staff" in done.stderr
    assert not (data_dir / "staff.db").exists()


def test_an_admin_manages_accounts_from_the_command_line(db_url):
    added = staff("add", "WangFang", "--name", "王芳", "--department", "customer_service", "--role", "front_desk",
                  "--role", "cs_assistant", "--estate", "E1", "--phone", "13912345678", "--password-stdin",
                  stdin=PASSWORD + "\n")
    assert added.returncode == 0, added.stderr
    assert "wangfang" in added.stdout and "139****5678" in added.stdout
    account = stored(db_url, "wangfang")
    assert account.roles == ["front_desk", "cs_assistant"] and account.must_change_password
    assert domain.verify_password(account.password_hash, PASSWORD)  # the line end is not part of it

    listed = staff("list", "--json")
    [row] = json.loads(listed.stdout)
    assert (row["username"], row["phone"]) == ("wangfang", "139****5678") and "password_hash" not in row

    reset = staff("reset-password", "wangfang", "--password-stdin", stdin="another-password-2\n")
    assert reset.returncode == 0, reset.stderr
    assert domain.verify_password(stored(db_url, "wangfang").password_hash, "another-password-2")

    assert staff("set-roles", "wangfang", "--role", "senior_cs").returncode == 0
    assert stored(db_url, "wangfang").roles == ["senior_cs"]
    assert staff("set-estates", "wangfang", "--estate", "E2", "--estate", "E1").returncode == 0
    assert stored(db_url, "wangfang").estates == ["E1", "E2"]
    assert staff("disable", "wangfang").returncode == 0
    assert json.loads(staff("list", "--json").stdout) == []
    assert "[disabled]" in staff("list", "--all").stdout
    assert staff("enable", "wangfang").returncode == 0
    assert stored(db_url, "wangfang").active is True

    with Session(create_engine(db_url)) as s:
        rows = s.execute(select(AuditRow.actor_id, AuditRow.action, AuditRow.details).order_by(AuditRow.id)).all()
    assert [(actor, action) for actor, action, _ in rows] == [
        (f"cli:{getpass.getuser()}", a) for a in ("staff.added", "staff.password_reset", "staff.roles_set",
                                                  "staff.estates_set", "staff.disabled", "staff.enabled")]
    outputs = added.stdout + added.stderr + reset.stdout + reset.stderr
    assert PASSWORD not in outputs and "another-password-2" not in outputs
    assert PASSWORD not in dump(db_url) and "another-password-2" not in dump(db_url)


def test_a_refusal_names_field_and_rule_and_changes_nothing(db_url):
    short = staff("add", "lina", "--name", "李娜", "--department", "customer_service", "--role", "front_desk",
                  "--estate", "E9", "--password-stdin", stdin="short\n")
    assert short.returncode == 1
    assert "password" in short.stderr and "(min_length)" in short.stderr and "(one_of)" in short.stderr
    assert "short" not in short.stdout
    assert stored(db_url, "lina") is None
    unknown = staff("disable", "nobody")
    assert unknown.returncode == 1 and "username" in unknown.stderr and "(exists)" in unknown.stderr


def test_without_a_terminal_the_password_must_come_on_stdin(db_url):
    done = staff("add", "lina", "--name", "李娜", "--department", "customer_service", "--role", "front_desk",
                 "--estate", "E1", stdin="")
    assert done.returncode != 0 and "--password-stdin" in done.stderr
    assert stored(db_url, "lina") is None


def test_an_api_token_is_shown_once_and_kept_hashed(db_url):
    created = staff("token", "create", "owner-app", "--role", "front_desk", "--estate", "E1", "--estate", "E2",
                    "--expires", "2099-01-01T00:00:00+08:00")
    assert created.returncode == 0, created.stderr
    secret = created.stdout.strip().splitlines()[-1]
    assert secret.startswith("pdt_") and len(secret) == 47
    assert secret not in dump(db_url)
    listed = staff("token", "list")
    assert "owner-app" in listed.stdout and secret[:8] in listed.stdout and secret not in listed.stdout
    assert staff("token", "revoke", "owner-app").returncode == 0
    assert staff("token", "list").stdout.strip() == ""
    [token] = json.loads(staff("token", "list", "--all", "--json").stdout)
    assert (token["state"], token["revoked_by"]) == ("revoked", f"cli:{getpass.getuser()}")
    again = staff("token", "create", "owner-app", "--role", "front_desk", "--estate", "E1")
    assert again.returncode == 1 and "(name_taken)" in again.stderr
