"""The PostgreSQL tier's fixtures: one private server for the session (`propdesk.testing.postgres`),
a fresh database per test, dropped afterwards."""
from __future__ import annotations

import uuid

import pytest

from propdesk.chassis import migrate
from propdesk.testing.postgres import drop_databases, private_postgres


@pytest.fixture(scope="session")
def pg_server():
    with private_postgres() as pg:
        yield pg


@pytest.fixture
def pg_url(pg_server):
    """A SQLAlchemy URL of a new, empty database on the private server (dropped after the test)."""
    name = f"x{uuid.uuid4().hex[:12]}"
    migrate.create_database(pg_server.url(name))
    yield pg_server.url(name)
    drop_databases(pg_server.url(), name)


@pytest.fixture
def residents_url(pg_url):
    """`pg_url` migrated as residents' database: the chassis tables (outbox, inbox, audit chain,
    numbering, deadlines) and the move-out's."""
    from propdesk_services.residents.service import ResidentsService

    migrate.upgrade(ResidentsService, pg_url)
    return pg_url
