"""Every service's Alembic history builds exactly the tables its models describe, and running the
migrations twice changes nothing."""
from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from propdesk import plugins
from propdesk.chassis import migrate
from propdesk.chassis.tables import ChassisBase

SERVICES = {name: cls for name, cls in plugins.service_classes().items() if migrate.has_database(cls)}


def test_every_department_but_the_gateway_has_a_database():
    assert set(SERVICES) == set(plugins.service_names()) - {"gateway"}


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_migrations_match_the_models_and_are_repeatable(name, tmp_path):
    url = f"sqlite:///{tmp_path / (name + '.db')}"
    cls = SERVICES[name]
    migrate.upgrade(cls, url)
    migrate.upgrade(cls, url)  # a second run is a no-op, not an error
    engine = create_engine(url)
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"render_as_batch": True})
        diff = compare_metadata(ctx, [ChassisBase.metadata, cls.db.metadata])
    assert diff == [], f"{name}: models and migrations differ: {diff}"
    tables = set(inspect(engine).get_table_names())
    assert {"outbox", "inbox", "audit_log", "alembic_version"} <= tables

    command.downgrade(migrate.alembic_config(cls, url), "base")
    assert set(inspect(engine).get_table_names()) == {"alembic_version"}
    migrate.upgrade(cls, url)
    assert set(inspect(engine).get_table_names()) == tables
