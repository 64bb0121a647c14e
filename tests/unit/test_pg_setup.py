"""`propdesk pg-setup` off the server (what it refuses, where a role's password comes from) and what
`propdesk run` does with its password files: each process its own role. On a real server:
tests/postgres/test_pg_setup.py (make test-postgres)."""
from __future__ import annotations

import pytest
from sqlalchemy.engine import make_url

from propdesk.chassis import pg_setup
from propdesk.cli import main
from propdesk.config import ConfigError, Settings
from propdesk.runner import Supervisor

VARIABLES = ("PROPDESK_DB", "PROPDESK_PG_URL", "PROPDESK_PG_ADMIN_URL", "PROPDESK_DB_USER", "PROPDESK_DB_PASSWORD",
             "PROPDESK_DB_PASSWORD_FILE", "PROPDESK_DB_USERS_DIR", "PROPDESK_DB_SERVICE_ROLE_PREFIX",
             "PROPDESK_BILLING_DB_URL", "PROPDESK_NOTIFY_DB_URL", "PROPDESK_BROKER_USERS_DIR")


@pytest.fixture
def env(monkeypatch, tmp_path):
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PROPDESK_DATA_DIR", str(tmp_path / "var"))
    return monkeypatch


def refused(capsys, *argv) -> str:
    assert main(["pg-setup", *argv]) == 2
    return capsys.readouterr().err


def test_pg_setup_refuses_what_it_cannot_do(env, capsys):
    assert "PROPDESK_DB: pg-setup is for PostgreSQL" in refused(capsys)  # SQLite, the default
    env.setenv("PROPDESK_DB", "postgresql")
    env.setenv("PROPDESK_PG_URL", "postgresql://propdesk@db1:5432/propdesk")
    assert "PROPDESK_PG_ADMIN_URL: not set" in refused(capsys)  # a server of the operator's: whose admin?
    env.setenv("PROPDESK_PG_ADMIN_URL", "mysql://root@db1/mysql")
    assert "PROPDESK_PG_ADMIN_URL: names a mysql database" in refused(capsys)
    env.setenv("PROPDESK_DB_USER", "propdesk_billing")
    assert "PROPDESK_DB_USER: is a service's role" in refused(capsys, "--admin-url", "postgresql://postgres@db1/postgres")
    env.delenv("PROPDESK_DB_USER")
    assert "PROPDESK_DB_SERVICE_ROLE_PREFIX: 'bad prefix billing' is not a role name" in refused(
        capsys, "--admin-url", "postgresql://postgres@db1/postgres", "--prefix", "bad prefix ", "billing")


def test_a_roles_password_comes_from_its_variable_its_file_or_is_made(tmp_path):
    chosen = pg_setup.Role("propdesk_billing", "billing", "chosen", "PROPDESK_BILLING_DB_PASSWORD")
    assert pg_setup.new_password(chosen, tmp_path) == "chosen"
    assert (tmp_path / "propdesk_billing").read_text() == "chosen\n"
    assert (tmp_path / "propdesk_billing").stat().st_mode & 0o777 == 0o600
    # the file is what a later run (the role dropped and made again) reads; a variable that disagrees is refused
    assert pg_setup.new_password(pg_setup.Role("propdesk_billing", "billing"), tmp_path) == "chosen"
    with pytest.raises(ConfigError, match="PROPDESK_BILLING_DB_PASSWORD: differs from"):
        pg_setup.new_password(pg_setup.Role("propdesk_billing", "billing", "other", "PROPDESK_BILLING_DB_PASSWORD"),
                              tmp_path)
    made = pg_setup.new_password(pg_setup.Role("propdesk_notify", "notify"), tmp_path / "new")
    assert len(made) >= 40 and (tmp_path / "new" / "propdesk_notify").read_text() == made + "\n"
    assert pg_setup.new_password(pg_setup.Role("propdesk_notify", "notify"), tmp_path / "new") == made
    (tmp_path / "propdesk_staff").write_text("\n")
    with pytest.raises(ConfigError, match="must hold one password on one line"):
        pg_setup.new_password(pg_setup.Role("propdesk_staff", "staff"), tmp_path)


def test_a_service_url_carries_its_password_only_when_the_role_was_made():
    server = pg_setup.server_url("postgresql://propdesk@db1:5432/propdesk")
    made = pg_setup.Done("propdesk_billing", "billing", role_created=True, password="p/w:1", database="propdesk_billing")
    assert pg_setup.service_url(server, made) == "postgresql+psycopg2://propdesk_billing:p%2Fw%3A1@db1:5432/propdesk_billing"
    kept = pg_setup.Done("propdesk_billing", "billing", database="propdesk_billing")
    assert pg_setup.service_url(server, kept) == "postgresql+psycopg2://propdesk_billing@db1:5432/propdesk_billing"
    assert make_url(pg_setup.service_url(server, made)).password == "p/w:1"


def test_the_runner_gives_each_process_its_own_database_role(env, tmp_path):
    env.setenv("PROPDESK_DB", "postgresql")
    env.setenv("PROPDESK_PG_URL", "postgresql://propdesk@db1:5432/propdesk")
    env.setenv("PROPDESK_DB_PASSWORD", "the-owners")
    sup = Supervisor(["billing", "notify", "gateway"], scale="billing=2")
    assert "PROPDESK_DB_USER" not in sup.child_environment(sup.children[0])  # unset: every process the URL's user

    env.setenv("PROPDESK_DB_USERS_DIR", str(tmp_path / "db-users"))
    env.setenv("PROPDESK_DB_SERVICE_ROLE_PREFIX", "pd_")
    envs = {c.label: sup.child_environment(c) for c in sup.children}
    for label, service in (("billing", "billing"), ("billing-2", "billing"), ("notify", "notify")):
        assert envs[label]["PROPDESK_DB_USER"] == f"pd_{service}"
        assert envs[label]["PROPDESK_DB_PASSWORD_FILE"] == str(tmp_path / "db-users" / f"pd_{service}")
        assert "PROPDESK_DB_PASSWORD" not in envs[label]  # the owner's password stays with the runner
    assert "PROPDESK_DB_USER" not in envs["gateway"]  # no database
    with pytest.raises(SystemExit, match="propdesk pg-setup"):  # no password files yet
        sup.start()

    # what a process makes of it: its role and its password file in its URL, on its own database or the
    # one PROPDESK_BILLING_DB_URL names (a per-service URL reaches the process as set)
    (tmp_path / "db-users").mkdir()
    (tmp_path / "db-users" / "pd_billing").write_text("billings\n")
    env.setenv("PROPDESK_BILLING_DB_URL", "postgresql://propdesk@db2:5432/billing_elsewhere")
    child = sup.child_environment(sup.children[1])
    for name in VARIABLES:
        env.delenv(name, raising=False)
    for name, value in child.items():
        env.setenv(name, value)
    settings = Settings.from_env()
    assert settings.db_url("billing") == "postgresql://pd_billing:billings@db2:5432/billing_elsewhere"
    env.delenv("PROPDESK_BILLING_DB_URL")
    assert settings.db_url("billing") == "postgresql+psycopg2://pd_billing:billings@db1:5432/propdesk_billing"


def test_the_runner_refuses_database_roles_on_sqlite(env, tmp_path):
    env.setenv("PROPDESK_DB_USERS_DIR", str(tmp_path / "db-users"))
    with pytest.raises(SystemExit, match="PROPDESK_DB says sqlite"):
        Supervisor(["notify"]).start()
