"""Alembic environment shared by every service (each service keeps its own versions folder).

`propdesk.chassis.migrate` fills `config.attributes["target_metadata"]` with the chassis tables
(outbox, inbox, audit_log) and the service's own metadata, and the URL of the service database.
"""
from alembic import context
from sqlalchemy import engine_from_config, pool

config = context.config
target_metadata = config.attributes["target_metadata"]


def run_migrations_offline() -> None:
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata,
                      literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connectable = config.attributes.get("connection") or engine_from_config(
        config.get_section(config.config_ini_section, {}), prefix="sqlalchemy.", poolclass=pool.NullPool)
    if hasattr(connectable, "connect"):
        with connectable.connect() as connection:
            _run(connection)
    else:
        _run(connectable)


def _run(connection) -> None:
    # batch mode lets SQLite alter tables (it cannot ALTER COLUMN in place)
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
