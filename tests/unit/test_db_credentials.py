"""Per-service PostgreSQL roles (propdesk.config): PROPDESK_DB_USER and PROPDESK_DB_PASSWORD_FILE /
PROPDESK_DB_PASSWORD put this process' role into every service database URL (a service's systemd
unit its least-privilege role; `propdesk migrate` the URL's owner), PROPDESK_DB_SERVICE_ROLE_PREFIX
names the roles migrate grants. Every bad value is refused with a ConfigError naming the variable.
On a real server: tests/postgres/test_roles.py."""
from __future__ import annotations

import pytest
from sqlalchemy.engine import make_url

from propdesk.cli import main
from propdesk.config import ConfigError, Settings, db_service_role

VARIABLES = ("PROPDESK_DB", "PROPDESK_PG_URL", "PROPDESK_DB_USER", "PROPDESK_DB_PASSWORD_FILE", "PROPDESK_DB_PASSWORD",
             "PROPDESK_DB_SERVICE_ROLE_PREFIX", "PROPDESK_BILLING_DB_URL", "PROPDESK_RESIDENTS_DB_URL")


@pytest.fixture
def env(monkeypatch, tmp_path):
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PROPDESK_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("PROPDESK_DB", "postgresql")
    monkeypatch.setenv("PROPDESK_PG_URL", "postgresql://propdesk@db1:5432/propdesk")
    return monkeypatch


def secret(tmp_path, text: str, name: str = "pw"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def url(service: str = "billing"):
    return make_url(Settings.from_env().db_url(service))


def refused(variable: str, match: str, service: str = "billing") -> ConfigError:
    with pytest.raises(ConfigError, match=match) as caught:
        Settings.from_env().db_url(service)
    assert caught.value.variable == variable and str(caught.value).startswith(variable + ": ")
    return caught.value


def test_unset_the_urls_own_user(env):
    assert url().username == "propdesk" and url().password is None and url().database == "propdesk_billing"


def test_a_service_role_with_its_password_from_a_file(env, tmp_path):
    env.setenv("PROPDESK_DB_USER", "propdesk_billing")
    env.setenv("PROPDESK_DB_PASSWORD_FILE", secret(tmp_path, "s3cret:/@x\n"))
    u = url()
    assert (u.username, u.password, u.host, u.port, u.database) == \
        ("propdesk_billing", "s3cret:/@x", "db1", 5432, "propdesk_billing")
    assert u.drivername == "postgresql+psycopg2"


def test_the_password_alone_is_the_owners_out_of_the_url(env, tmp_path):
    env.setenv("PROPDESK_DB_PASSWORD_FILE", secret(tmp_path, "owner-pw"))
    assert (url().username, url().password) == ("propdesk", "owner-pw")


def test_a_password_value_and_a_services_own_url(env):
    env.setenv("PROPDESK_DB_USER", "propdesk_billing")
    env.setenv("PROPDESK_DB_PASSWORD", "pw")
    env.setenv("PROPDESK_BILLING_DB_URL", "postgresql://someone:old@db2/billing_db")
    assert (url().username, url().password, url().host, url().database) == ("propdesk_billing", "pw", "db2", "billing_db")


def test_a_missing_password_file(env, tmp_path):
    env.setenv("PROPDESK_DB_USER", "propdesk_billing")
    env.setenv("PROPDESK_DB_PASSWORD_FILE", str(tmp_path / "nowhere"))
    refused("PROPDESK_DB_PASSWORD_FILE", "cannot be read")


@pytest.mark.parametrize("content, why", [("", "it is empty"), ("  \n", "it is empty"), ("a\nb\n", "several lines")])
def test_a_password_file_that_is_not_one_line(env, tmp_path, content, why):
    env.setenv("PROPDESK_DB_PASSWORD_FILE", secret(tmp_path, content))
    refused("PROPDESK_DB_PASSWORD_FILE", why)


def test_a_password_file_that_is_not_text(env, tmp_path):
    path = tmp_path / "pw"
    path.write_bytes(b"\xff\xfe\x00")
    env.setenv("PROPDESK_DB_PASSWORD_FILE", str(path))
    refused("PROPDESK_DB_PASSWORD_FILE", "not a text file")


def test_both_a_password_file_and_a_value(env, tmp_path):
    env.setenv("PROPDESK_DB_PASSWORD_FILE", secret(tmp_path, "a"))
    env.setenv("PROPDESK_DB_PASSWORD", "b")
    refused("PROPDESK_DB_PASSWORD_FILE", "not both")


@pytest.mark.parametrize("name", ["propdesk billing", "1billing", "x" * 64, "billing;drop", 'bil"ling'])
def test_a_role_name_propdesk_does_not_take(env, name):
    env.setenv("PROPDESK_DB_USER", name)
    refused("PROPDESK_DB_USER", "not a role name")


def test_a_role_for_a_sqlite_database(env, tmp_path):
    env.setenv("PROPDESK_DB_USER", "propdesk_billing")
    env.setenv("PROPDESK_BILLING_DB_URL", "sqlite:////srv/billing.db")
    refused("PROPDESK_DB_USER", "is for PostgreSQL, and PROPDESK_BILLING_DB_URL says sqlite")
    env.setenv("PROPDESK_DB", "sqlite")
    refused("PROPDESK_DB_USER", "is for PostgreSQL, and PROPDESK_DB says sqlite", "residents")


def test_urls_that_are_not_database_urls(env):
    env.setenv("PROPDESK_PG_URL", "db1:5432/propdesk")
    refused("PROPDESK_PG_URL", "not a database URL")
    env.setenv("PROPDESK_PG_URL", "sqlite:////srv/x.db")
    refused("PROPDESK_PG_URL", "must be a postgresql:// URL")
    env.setenv("PROPDESK_BILLING_DB_URL", "mysql://u@h/db")
    refused("PROPDESK_BILLING_DB_URL", "names a mysql database")


def test_the_service_role_prefix(env):
    assert db_service_role("billing") is None
    env.setenv("PROPDESK_DB_SERVICE_ROLE_PREFIX", "propdesk_")
    assert db_service_role("billing") == "propdesk_billing"
    env.setenv("PROPDESK_DB_SERVICE_ROLE_PREFIX", "prop-desk_")
    with pytest.raises(ConfigError, match="PROPDESK_DB_SERVICE_ROLE_PREFIX: 'prop-desk_billing' is not a role name"):
        db_service_role("billing")


def test_migrate_refuses_to_run_as_a_services_role(env, capsys):
    env.setenv("PROPDESK_DB_SERVICE_ROLE_PREFIX", "propdesk_")
    env.setenv("PROPDESK_DB_USER", "propdesk_billing")
    assert main(["migrate", "billing"]) == 2  # before connecting anywhere
    assert "runs as the databases' owner role, not propdesk_billing" in capsys.readouterr().err


def test_the_cli_names_the_variable(env, tmp_path, capsys):
    env.setenv("PROPDESK_DB_PASSWORD_FILE", str(tmp_path / "nowhere"))
    assert main(["backup", "billing"]) == 2
    assert capsys.readouterr().err.startswith("propdesk backup: PROPDESK_DB_PASSWORD_FILE: ")
