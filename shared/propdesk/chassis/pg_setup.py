"""`propdesk pg-setup`: the server administrator's one step before the first `propdesk migrate` on
PostgreSQL: the roles and the databases (docs/operations.md, "PostgreSQL roles").

As a superuser of the server (a role with only CREATEROLE and CREATEDB cannot make a database owned
by another role unless it is a member of it), it makes

- the **owner role**, PROPDESK_PG_URL's user (`propdesk`): LOGIN, nothing else. `propdesk migrate`
  connects as it and changes the schema; it owns every service database;
- for every service with a database, **its role** `<prefix><service>` (`propdesk_billing`): LOGIN,
  nothing else; `propdesk migrate` (with PROPDESK_DB_SERVICE_ROLE_PREFIX) grants it its own
  database's rows;
- **its database** `<PROPDESK_PG_URL's database>_<service>` (`propdesk_billing`), owned by the owner
  role, CONNECT taken from PUBLIC and given to the service's role only: one service's role cannot
  open another's database.

What exists is left exactly as it is (a role's password included): a second run changes nothing.
A role's password, when the role is made: PROPDESK_<SERVICE>_DB_PASSWORD (the owner's:
PROPDESK_DB_PASSWORD_FILE / PROPDESK_DB_PASSWORD, else PROPDESK_PG_URL's), else the file
`<dir>/<role>` when one is there, else 256 random bits; it is kept in `<dir>/<role>` (mode 0600,
the file systemd's units load and `propdesk run` hands each process with PROPDESK_DB_USERS_DIR) and
printed once, in the service's URL, by the run that made the role.
"""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import URL, make_url

from propdesk.config import ConfigError, _role_name

#: The service roles' prefix when neither --prefix nor PROPDESK_DB_SERVICE_ROLE_PREFIX says one
#: (the systemd units' `propdesk_%i`).
ROLE_PREFIX = "propdesk_"


@dataclass(frozen=True)
class Role:
    name: str
    #: the service whose role it is; None for the owner
    service: str | None
    #: its password from the environment (PROPDESK_<SERVICE>_DB_PASSWORD; the owner's variables), or None
    env_password: str | None = None
    #: where that came from, for an error message
    env_variable: str = ""


@dataclass
class Done:
    """What one run did to a role, and to its database (a service's role)."""

    role: str
    service: str | None
    role_created: bool = False
    #: the password the run set (only when it made the role): printed once
    password: str | None = None
    password_file: Path | None = None
    database: str | None = None
    database_created: bool = False
    #: the role owning the database, as the server says
    database_owner: str | None = None


def role_prefix(option: str | None = None) -> str:
    return option or os.environ.get("PROPDESK_DB_SERVICE_ROLE_PREFIX") or ROLE_PREFIX


def service_role(service: str, prefix: str | None = None) -> str:
    return _role_name("PROPDESK_DB_SERVICE_ROLE_PREFIX", role_prefix(prefix) + service)


def password_file(directory: Path, role: str) -> Path:
    return Path(directory) / role


def _read_file(path: Path) -> str | None:
    if not path.exists():
        return None
    password = path.read_text(encoding="utf-8").strip()
    if not password or "\n" in password:
        raise ConfigError("PROPDESK_DB_USERS_DIR", f"{path} must hold one password on one line: fix or delete it")
    return password


def _write_file(path: Path, password: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(password + "\n")


def new_password(role: Role, directory: Path) -> str:
    """The password a role is made with (module docstring), kept in its file. A variable that
    disagrees with the file already there is refused: one of them is stale."""
    path = password_file(directory, role.name)
    kept = _read_file(path)
    if role.env_password and kept is not None and kept != role.env_password:
        raise ConfigError(role.env_variable, f"differs from {path}, which already holds {role.name}'s password: "
                          "keep one of them (delete the file, or unset the variable)")
    password = role.env_password or kept or secrets.token_urlsafe(32)
    if kept is None:
        _write_file(path, password)
    return password


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def setup(admin_url: str, owner: Role | None, services: dict[str, Role], databases: dict[str, str],
          directory: Path) -> list[Done]:
    """Make what is missing (module docstring) on the server of `admin_url`, as that administrator.
    `owner` None: the administrator owns the databases (the local server's `postgres`).
    `databases`: service -> database name. Returns what was found and done, owner first."""
    from propdesk.chassis.migrate import maintenance_engine

    engine = maintenance_engine(admin_url)
    done: list[Done] = []
    try:
        with engine.connect() as conn:
            def role_exists(name: str) -> bool:
                return conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": name}).first() is not None

            def ensure_role(role: Role) -> Done:
                row = Done(role.name, role.service, password_file=password_file(directory, role.name))
                if not role_exists(role.name):
                    row.password = new_password(role, directory)
                    # CREATE ROLE takes no bind parameters: the password goes in as a quoted literal
                    literal = "'" + row.password.replace("'", "''") + "'"
                    conn.execute(text(f"CREATE ROLE {_quoted(role.name)} LOGIN PASSWORD {literal}"))
                    row.role_created = True
                if not row.password_file.exists():
                    row.password_file = None
                return row

            owner_name = conn.execute(text("SELECT current_user")).scalar() if owner is None else owner.name
            if owner is not None:
                done.append(ensure_role(owner))
            for service, role in services.items():
                row = ensure_role(role)
                row.database = databases[service]
                if conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                {"n": row.database}).first() is None:
                    conn.execute(text(f"CREATE DATABASE {_quoted(row.database)} OWNER {_quoted(owner_name)}"))
                    row.database_created = True
                row.database_owner = conn.execute(text("SELECT pg_get_userbyid(datdba) FROM pg_database "
                                                       "WHERE datname = :n"), {"n": row.database}).scalar()
                # the same ACL every time: a second run leaves it as the first made it
                conn.execute(text(f"REVOKE CONNECT, TEMPORARY ON DATABASE {_quoted(row.database)} FROM PUBLIC"))
                conn.execute(text(f"GRANT CONNECT ON DATABASE {_quoted(row.database)} TO {_quoted(role.name)}"))
                done.append(row)
    finally:
        engine.dispose()
    return done


def service_url(server: URL, row: Done) -> str:
    """The URL the service reads (PROPDESK_<SERVICE>_DB_URL): its role, its database, the password
    when this run made the role (once), else none (it is in the role's file)."""
    url = server.set(username=row.role, password=row.password, database=row.database)
    return url.render_as_string(hide_password=False)


def server_url(value: str | URL) -> URL:
    """A PostgreSQL URL with the driver propdesk uses (psycopg2) named, as the services' URLs have it."""
    url = make_url(value)
    return url.set(drivername="postgresql+psycopg2") if url.drivername == "postgresql" else url
