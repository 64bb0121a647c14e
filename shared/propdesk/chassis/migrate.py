"""Alembic per service: the shared environment in `chassis/migrations`, the versions in
`services/<name>/migrations/`. Run once per deployment (`propdesk migrate`), never by every replica.
"""
from __future__ import annotations

import inspect
from pathlib import Path

from alembic import command
from alembic.config import Config

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
    if url.startswith("sqlite:///"):
        Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(service_cls, url), revision)


def make_revision(service_cls, url: str, message: str) -> None:
    """Autogenerate a new revision for a service from its models (a developer's command)."""
    versions = Path(inspect.getfile(service_cls)).parent / "migrations"
    versions.mkdir(exist_ok=True)
    upgrade(service_cls, url)
    command.revision(alembic_config(service_cls, url), message=message, autogenerate=True)
