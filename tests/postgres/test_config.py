"""PROPDESK_DB and PROPDESK_PG_URL: which database each service gets (propdesk.config)."""
from __future__ import annotations

from pathlib import Path

import pytest

from propdesk.config import Settings


@pytest.fixture
def env(monkeypatch, tmp_path):
    for name in ("PROPDESK_DB", "PROPDESK_PG_URL", "PROPDESK_BILLING_DB_URL", "PROPDESK_RESIDENTS_DB_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PROPDESK_DATA_DIR", str(tmp_path))
    return monkeypatch


def test_sqlite_is_the_default(env, tmp_path):
    assert Settings.from_env().db_url("billing") == f"sqlite:///{tmp_path / 'billing.db'}"


def test_postgresql_gives_each_service_a_database_named_after_the_server_urls(env):
    env.setenv("PROPDESK_DB", "postgresql")
    env.setenv("PROPDESK_PG_URL", "postgresql://propdesk:s3cret@db1:5433/estate")
    settings = Settings.from_env()
    assert settings.db_url("billing") == "postgresql+psycopg2://propdesk:s3cret@db1:5433/estate_billing"
    assert settings.db_url("residents").endswith("/estate_residents")


def test_without_a_server_url_the_local_server_of_make_postgres(env, tmp_path):
    env.setenv("PROPDESK_DB", "PostgreSQL")
    url = Settings.from_env().db_url("tickets")
    socket_dir = str(Path(tmp_path) / "postgres").replace("/", "%2F")
    assert url == f"postgresql+psycopg2://postgres@/propdesk_tickets?host={socket_dir}&port=5432"


def test_a_service_url_wins(env):
    env.setenv("PROPDESK_DB", "postgresql")
    env.setenv("PROPDESK_BILLING_DB_URL", "sqlite:////srv/billing.db")
    assert Settings.from_env().db_url("billing") == "sqlite:////srv/billing.db"


def test_an_unknown_database_kind_is_refused(env):
    env.setenv("PROPDESK_DB", "mysql")
    with pytest.raises(ValueError, match="PROPDESK_DB"):
        Settings.from_env().db_url("billing")
