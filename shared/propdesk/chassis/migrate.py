"""Alembic per service: the shared environment in `chassis/migrations`, the versions in
`services/<name>/migrations/`. Run once per deployment (`propdesk migrate`), never by every replica;
replicas that start together and each run it anyway are serialised by `migration_lock`.
"""
from __future__ import annotations

import contextlib
import fcntl
import inspect
from pathlib import Path
from typing import Iterator

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, ProgrammingError
from sqlalchemy.pool import NullPool

from propdesk.chassis.tables import ChassisBase

ENV_DIR = Path(__file__).parent / "migrations"


def has_database(service_cls) -> bool:
    return getattr(getattr(service_cls, "db", None), "metadata", None) is not None


def migrations_dir(service_cls) -> Path:
    """`migrations/` beside the service's module; for a subclass (a test's or a site's variant of a
    service) the nearest base class's that has one."""
    for cls in inspect.getmro(service_cls):
        try:
            candidate = Path(inspect.getfile(cls)).parent / "migrations"
        except TypeError:  # builtins
            continue
        if candidate.is_dir():
            return candidate
    return Path(inspect.getfile(service_cls)).parent / "migrations"


def alembic_config(service_cls, url: str) -> Config:
    versions = migrations_dir(service_cls)
    cfg = Config()
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option("script_location", str(ENV_DIR))
    cfg.set_main_option("version_locations", str(versions))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["target_metadata"] = [ChassisBase.metadata, service_cls.db.metadata]
    return cfg


def upgrade(service_cls, url: str, revision: str = "heads") -> None:
    """Bring a service database to `revision`, creating it when missing (PostgreSQL), under the
    migration lock: replicas starting together migrate one after another, the later ones finding
    nothing left to do."""
    if url.startswith("sqlite:///"):
        Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
    if url.startswith("postgresql"):
        create_database(url)
    with migration_lock(url):
        command.upgrade(alembic_config(service_cls, url), revision)


#: The pg_advisory_lock key `propdesk migrate` holds on a service's PostgreSQL database.
ADVISORY_LOCK_KEY = 0x70726F70  # "prop"


@contextlib.contextmanager
def migration_lock(url: str) -> Iterator[None]:
    """One migration at a time per database: ``pg_advisory_lock`` on PostgreSQL (held by a
    connection of its own, freed when it closes even if this process dies); an exclusive
    ``flock`` on ``<file>.migrate.lock`` beside a SQLite file. Others wait for it."""
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        path = Path(url[len("sqlite:///"):])
        with open(path.with_name(path.name + ".migrate.lock"), "a") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(f, fcntl.LOCK_UN)
        return
    if not url.startswith("postgresql"):
        yield
        return
    from propdesk.chassis.db import make_engine

    engine = make_engine(url, pool_size=1)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": ADVISORY_LOCK_KEY})
            conn.commit()
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_LOCK_KEY})
                conn.commit()
    finally:
        engine.dispose()


def maintenance_engine(url: str):
    """An AUTOCOMMIT engine on the server's `postgres` database (CREATE/DROP DATABASE)."""
    from propdesk.chassis.db import green_psycopg2

    green_psycopg2()
    server = make_url(url)
    if server.drivername == "postgresql":
        server = server.set(drivername="postgresql+psycopg2")
    return create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=NullPool)


def create_database(url: str) -> bool:
    """Create the PostgreSQL database `url` names when it does not exist (the server's user must
    be allowed to: CREATEDB). Returns True when this call created it; two at once are fine."""
    name = make_url(url).database
    engine = maintenance_engine(url)
    try:
        with engine.connect() as conn:
            if conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first():
                return False
            try:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            except (ProgrammingError, IntegrityError):  # created by another process meanwhile
                if conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first():
                    return False
                raise
            return True
    finally:
        engine.dispose()


def grant_service_role(url: str, role: str) -> None:
    """Give `role` the least a service needs on its own database (run as the owner, after the
    upgrade, so every table of this revision is covered): CONNECT, the schema's USAGE, SELECT /
    INSERT / UPDATE / DELETE on its tables and USAGE / SELECT / UPDATE on its sequences; no CREATE,
    no ALTER, no DROP, no TRUNCATE. CONNECT is taken from PUBLIC, so one service's role cannot even
    open another service's database. Idempotent (every `propdesk migrate` runs it again)."""
    from propdesk.chassis.db import make_engine
    from propdesk.config import ConfigError

    database = make_url(url).database
    engine = make_engine(url, pool_size=1)
    try:
        with engine.begin() as conn:
            if conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).first() is None:
                raise ConfigError("PROPDESK_DB_SERVICE_ROLE_PREFIX", f"role {role} does not exist on the server: "
                                  f"create it first (propdesk pg-setup, or CREATE ROLE {role} LOGIN PASSWORD '...'; "
                                  "docs/operations.md, PostgreSQL roles)")
            for statement in (
                    f'REVOKE CONNECT, TEMPORARY ON DATABASE "{database}" FROM PUBLIC',
                    f'GRANT CONNECT ON DATABASE "{database}" TO "{role}"',
                    "REVOKE CREATE ON SCHEMA public FROM PUBLIC",
                    f'GRANT USAGE ON SCHEMA public TO "{role}"',
                    f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "{role}"',
                    f'GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO "{role}"'):
                conn.execute(text(statement))
    finally:
        engine.dispose()


def make_revision(service_cls, url: str, message: str) -> None:
    """Autogenerate a new revision for a service from its models (a developer's command)."""
    versions = Path(inspect.getfile(service_cls)).parent / "migrations"
    versions.mkdir(exist_ok=True)
    upgrade(service_cls, url)
    command.revision(alembic_config(service_cls, url), message=message, autogenerate=True)
