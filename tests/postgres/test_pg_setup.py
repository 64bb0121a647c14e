"""`propdesk pg-setup` on a real server, as its superuser: the owner role, a role and a database per
service (owned by the owner, CONNECT for that service's role only), the passwords set and kept in
files; a second run changes nothing; a service's role cannot open another service's database; the
owner (no superuser, no CREATEDB) then migrates and grants, and `propdesk run` starts a service
as its role, as docs/operations.md says.
What `propdesk run` does with the files: tests/unit/test_pg_setup.py."""
from __future__ import annotations

import base64
import hashlib
import hmac
import io
import os
import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from propdesk.chassis.db import make_engine
from propdesk.cli import main
from propdesk.runner import Supervisor
from propdesk.testing.ports import free_ports
from propdesk.testing.postgres import drop_databases
from tests.helpers import wait_for

pytestmark = pytest.mark.skipif(os.environ.get("PROPDESK_DB", "").lower() not in ("postgresql", "postgres"),
                                reason="make test-postgres runs it (make test stays as lean as it was)")

SERVICES = ("residents", "billing")


@pytest.fixture
def setup_env(pg_server, propdesk_env, monkeypatch, tmp_path):
    """A prefix of its own on the private server: PROPDESK_PG_URL names owner role `<prefix>_owner`
    and databases `<prefix>_<service>`, roles `<prefix>_<service>`, the superuser's URL as the admin's;
    every database and role dropped afterwards."""
    prefix = f"s{uuid.uuid4().hex[:12]}"
    for name in ("PROPDESK_RESIDENTS_DB_URL", "PROPDESK_BILLING_DB_URL", "PROPDESK_DB_USER", "PROPDESK_DB_PASSWORD",
                 "PROPDESK_DB_PASSWORD_FILE", "PROPDESK_DB_USERS_DIR", "PROPDESK_RESIDENTS_DB_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PROPDESK_DB", "postgresql")
    monkeypatch.setenv("PROPDESK_PG_URL", make_url(pg_server.url(prefix)).set(username=f"{prefix}_owner")
                       .render_as_string(hide_password=False))
    monkeypatch.setenv("PROPDESK_PG_ADMIN_URL", pg_server.url())
    monkeypatch.setenv("PROPDESK_DB_SERVICE_ROLE_PREFIX", f"{prefix}_")
    monkeypatch.setenv("PROPDESK_BILLING_DB_PASSWORD", "billing-chosen-by-the-operator")
    monkeypatch.setenv("PROPDESK_DB_USERS_DIR", str(tmp_path / "db-users"))
    try:
        yield prefix
    finally:
        drop_databases(pg_server.url(), prefix + "_")
        admin = make_engine(pg_server.url(), pool_size=1)
        with admin.begin() as conn:
            for role in (*(f"{prefix}_{s}" for s in SERVICES), f"{prefix}_owner"):
                conn.execute(text(f"DROP ROLE IF EXISTS {role}"))
        admin.dispose()


def server_state(url: str, prefix: str) -> dict:
    """Every role and database of the prefix as the catalogue holds them (the password's hash too)."""
    engine = make_engine(url, pool_size=1)
    try:
        with engine.connect() as conn:
            roles = conn.execute(text(
                "SELECT rolname, rolsuper, rolcreaterole, rolcreatedb, rolcanlogin, rolpassword FROM pg_authid "
                "WHERE starts_with(rolname, :p) ORDER BY rolname"), {"p": prefix + "_"}).all()
            databases = conn.execute(text(
                "SELECT datname, pg_get_userbyid(datdba), datacl::text FROM pg_database "
                "WHERE starts_with(datname, :p) ORDER BY datname"), {"p": prefix + "_"}).all()
        return {"roles": [tuple(r) for r in roles], "databases": [tuple(d) for d in databases]}
    finally:
        engine.dispose()


def scram_matches(stored: str, password: str) -> bool:
    """Whether `password` is the one PostgreSQL stored as SCRAM-SHA-256 (the private server trusts its
    socket, so a login would not check it)."""
    method, rest = stored.split("$", 1)
    iterations_salt, keys = rest.split("$")
    iterations, salt = iterations_salt.split(":")
    stored_key = base64.b64decode(keys.split(":")[0])
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), base64.b64decode(salt), int(iterations))
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    return method == "SCRAM-SHA-256" and hashlib.sha256(client_key).digest() == stored_key


def test_pg_setup_makes_each_service_its_role_and_database_once(setup_env, pg_server, tmp_path, capsys):
    prefix, users = setup_env, tmp_path / "db-users"
    assert main(["pg-setup", *SERVICES]) == 0
    out = capsys.readouterr().out
    state = server_state(pg_server.url(), prefix)
    assert [(name, sup, cr, cdb, login) for name, sup, cr, cdb, login, _ in state["roles"]] == [
        (f"{prefix}_billing", False, False, False, True), (f"{prefix}_owner", False, False, False, True),
        (f"{prefix}_residents", False, False, False, True)]
    assert [(name, owner) for name, owner, _ in state["databases"]] == [
        (f"{prefix}_billing", f"{prefix}_owner"), (f"{prefix}_residents", f"{prefix}_owner")]
    # each password set as kept in its file (mode 0600): billing's from its variable, the others generated
    hashes = {name: stored for name, *_, stored in state["roles"]}
    passwords = {name: (users / name).read_text().strip() for name in hashes}
    assert passwords[f"{prefix}_billing"] == "billing-chosen-by-the-operator"
    assert len(passwords[f"{prefix}_residents"]) >= 40 and len(passwords[f"{prefix}_owner"]) >= 40
    assert all(scram_matches(hashes[name], passwords[name]) for name in hashes)
    assert {(users / name).stat().st_mode & 0o777 for name in hashes} == {0o600}
    # the URLs the services read, each password printed by the run that made its role
    server = make_url(pg_server.url())
    for service in SERVICES:
        role = f"{prefix}_{service}"
        url = make_url(next(line.split("=", 1)[1] for line in out.splitlines()
                            if line.startswith(f"PROPDESK_{service.upper()}_DB_URL=")))
        assert (url.drivername, url.username, url.password, url.database, url.query) == (
            "postgresql+psycopg2", role, passwords[role], role, server.query)

    # twice: nothing changes, no password printed again
    assert main(["pg-setup", *SERVICES]) == 0
    again = capsys.readouterr().out
    assert "nothing to do" in again and "created" not in again
    assert f"database {prefix}_residents: exists, owner {prefix}_owner, CONNECT for {prefix}_residents only" in again
    assert not any(password in again for password in passwords.values())
    assert f"PROPDESK_BILLING_DB_URL=postgresql+psycopg2://{prefix}_billing@/{prefix}_billing?" in again
    assert server_state(pg_server.url(), prefix) == state
    assert {name: (users / name).read_text().strip() for name in hashes} == passwords

    # a service's role opens its own database, not another service's
    residents = server.set(username=f"{prefix}_residents", password=passwords[f"{prefix}_residents"])
    own = make_engine(residents.set(database=f"{prefix}_residents").render_as_string(hide_password=False))
    other = make_engine(residents.set(database=f"{prefix}_billing").render_as_string(hide_password=False))
    try:
        with own.connect() as conn:
            assert conn.execute(text("SELECT current_user")).scalar() == f"{prefix}_residents"
        with pytest.raises(OperationalError, match="permission denied for database"):
            other.connect()
    finally:
        own.dispose()
        other.dispose()


def test_the_owner_it_makes_migrates_and_the_runner_runs_each_service_as_its_role(
        setup_env, pg_server, tmp_path, monkeypatch, capsys):
    """The next steps of docs/operations.md: `propdesk migrate` as the owner role (no superuser, no
    CREATEDB: the database is there already) builds the schema and grants the service's role its rows;
    `propdesk run` with PROPDESK_DB_USERS_DIR starts the service as its role (a real worker process)."""
    prefix = setup_env
    assert main(["pg-setup", "residents"]) == 0
    monkeypatch.setenv("PROPDESK_DB_PASSWORD_FILE", str(tmp_path / "db-users" / f"{prefix}_owner"))
    capsys.readouterr()
    assert main(["migrate", "residents"]) == 0
    assert f"migrated residents; {prefix}_residents may read and write its rows" in capsys.readouterr().out

    (port,) = free_ports(1)
    monkeypatch.setenv("PROPDESK_RESIDENTS_PORT", str(port))
    supervisor = Supervisor(["residents"], out=io.StringIO())
    assert supervisor.child_environment(supervisor.children[0])["PROPDESK_DB_USER"] == f"{prefix}_residents"
    supervisor.start()
    try:
        assert supervisor.wait_ready(timeout=60), (tmp_path / "var" / "log" / "residents.log").read_text()
        admin = make_engine(pg_server.url(), pool_size=1)
        try:  # the relay polls its outbox: the process is connected, as residents' role only
            wait_for(lambda: sessions(admin, f"{prefix}_residents"), what="residents' worker to connect")
            assert sessions(admin, f"{prefix}_residents") == {f"{prefix}_residents"}
        finally:
            admin.dispose()
    finally:
        supervisor.stop()
    role = make_url(pg_server.url(f"{prefix}_residents")).set(username=f"{prefix}_residents")
    engine = make_engine(role.render_as_string(hide_password=False))
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM outbox")).scalar() == 0
            assert conn.execute(text("SELECT tableowner FROM pg_tables WHERE tablename = 'outbox'")).scalar() == \
                f"{prefix}_owner"
    finally:
        engine.dispose()


def sessions(admin, database: str) -> set[str]:
    """The roles connected to `database` (other than the administrator's own session)."""
    with admin.connect() as conn:
        return {r[0] for r in conn.execute(text(
            "SELECT usename FROM pg_stat_activity WHERE datname = :d AND pid <> pg_backend_pid()"), {"d": database})}
