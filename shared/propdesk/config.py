"""Configuration from environment variables, with defaults that run on one machine.

Every setting is read when a process starts (never at import time) so tests and the runner can
point a service at another broker, database or port by setting variables.

| variable | default | meaning |
|---|---|---|
| PROPDESK_AMQP_URI | amqp://guest:guest@127.0.0.1:5672/ | the RabbitMQ broker (vhost in the path); a cluster: every node's URL, `;`-separated (`amqp://u:p@n1:5672/v;amqp://u:p@n2:5672/v;...`), connections move to the next on failure |
| PROPDESK_QUEUE_TYPE | classic | `quorum` on a RabbitMQ cluster: handler, retry and dead-letter queues are quorum queues (handler queues with a delivery limit); see docs/operations.md |
| PROPDESK_AMQP_USER, PROPDESK_AMQP_PASSWORD_FILE | (unset: the URI's own) | this process' broker user and a file holding its password (or PROPDESK_AMQP_PASSWORD), put into every address of PROPDESK_AMQP_URI; `propdesk run` sets them per service from PROPDESK_BROKER_USERS_DIR (docs/operations.md, Broker users) |
| PROPDESK_BROKER_USERS_DIR | (unset: every process uses the URI's user) | the password files `propdesk broker users` wrote, one per user (`<prefix><service>`); `propdesk run` gives each service process its own |
| PROPDESK_BROKER_USER_PREFIX | propdesk- | the broker users' names: the prefix and the service's name |
| PROPDESK_PRODUCTION | 0 | 1: refuse the broker's guest user and default passwords (for services and `propdesk broker users`), with an error saying what to set |
| PROPDESK_RABBIT_API | http://guest:guest@127.0.0.1:15672 | management API (status, test vhosts) |
| PROPDESK_DATA_DIR | ./var | SQLite files, logs, the notify mail spool |
| PROPDESK_DB | sqlite | `postgresql`: every service on PostgreSQL, one database per service (`<name>_<service>` on PROPDESK_PG_URL) |
| PROPDESK_PG_URL | the local server `make postgres` runs (socket in `<data dir>/postgres`) | with PROPDESK_DB=postgresql: the server, e.g. `postgresql://propdesk:secret@db1:5432/propdesk`; its database name is the prefix of each service's (`propdesk_billing`, ...), which `propdesk migrate` creates when missing |
| PROPDESK_<SERVICE>_DB_URL | by PROPDESK_DB | one service's database URL, over the two above (`sqlite:///<data dir>/<service>.db` by default) |
| PROPDESK_DB_USER | (unset: the URL's user) | PostgreSQL: this process' database role, put into every service database URL (a service's unit sets its least-privilege role; `propdesk migrate` runs as the URL's owner role) |
| PROPDESK_DB_PASSWORD_FILE, PROPDESK_DB_PASSWORD | (unset: the URL's password) | that role's password: a file holding it (a systemd credential), or the value; also without PROPDESK_DB_USER (the owner's password out of PROPDESK_PG_URL) |
| PROPDESK_DB_SERVICE_ROLE_PREFIX | (unset: no grants) | `propdesk migrate` grants role `<prefix><service>` the least a service needs on its own database (rows, not schema) and takes CONNECT from PUBLIC; docs/operations.md, PostgreSQL roles |
| PROPDESK_DB_USERS_DIR | (unset: every process the URL's user) | the password files `propdesk pg-setup` wrote, one per role; `propdesk run` gives each service process its own role (`<prefix><service>`, PROPDESK_DB_SERVICE_ROLE_PREFIX or `propdesk_`) |
| PROPDESK_PG_ADMIN_URL | (the local server's postgres when PROPDESK_PG_URL is unset) | `propdesk pg-setup`: a superuser's URL of PROPDESK_PG_URL's server |
| PROPDESK_<SERVICE>_DB_PASSWORD | (generated) | `propdesk pg-setup`: the password the service's role is made with |
| PROPDESK_<SERVICE>_PORT | the service's `http_port` | where the service answers /metrics (gateway: the UI) |
| PROPDESK_HOST | 127.0.0.1 | address the HTTP endpoints bind to |
| PROPDESK_<SERVICE>_MAX_WORKERS | 10 | nameko workers = prefetch; keep the DB pool >= it |
| PROPDESK_RETRY_DELAYS_MS | 1000,5000,30000 | back-off before each retry of a failing handler; then dead-letter |
| PROPDESK_RPC_TIMEOUT_S | 10 | the gateway's limit on one RPC call (then 504) |
| PROPDESK_RELAY_POLL_S | 0.5 | how often the outbox relay looks for rows it was not woken for |
| PROPDESK_SECRET_KEY | (generated) | the gateway's key for signing session cookies and CSRF tokens; unset: made once into `<data dir>/secret_key` (mode 0600) and read from there |
| PROPDESK_COOKIE_SECURE | 0 | 1: the session cookie is `Secure` (sent over HTTPS only); set it wherever the desk is served over HTTPS |
"""
from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

#: Where the generated secret key lives, under the data dir (when PROPDESK_SECRET_KEY is unset).
SECRET_KEY_FILE = "secret_key"
#: The shortest PROPDESK_SECRET_KEY accepted (characters): a short key is guessable offline.
MIN_SECRET_KEY_LENGTH = 32


def _env(name: str, default: str) -> str:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _flag(name: str) -> bool:
    value = _env(name, "0").strip().lower()
    if value not in ("0", "1", "true", "false", "yes", "no"):
        raise ValueError(f"{name} must be 1 or 0")
    return value in ("1", "true", "yes")


def _amqp_uri() -> str:
    """PROPDESK_AMQP_URI, a cluster's `;`-separated addresses without the spaces kombu trips on."""
    from propdesk.chassis.broker_users import amqp_credentials
    from propdesk.chassis.topology import broker_addresses

    # this process' own broker user (PROPDESK_AMQP_USER + _PASSWORD_FILE) over the URI's; guest and
    # default passwords refused with PROPDESK_PRODUCTION=1 (chassis/broker_users.py)
    return amqp_credentials(";".join(broker_addresses(_env("PROPDESK_AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/"))))


def _queue_type() -> str:
    from propdesk.chassis.topology import configured_queue_type

    return configured_queue_type()


def _secret_key(value: str | None) -> str | None:
    if value in (None, ""):
        return None
    if len(value) < MIN_SECRET_KEY_LENGTH:
        raise ValueError(f"PROPDESK_SECRET_KEY must be at least {MIN_SECRET_KEY_LENGTH} characters "
                         "(e.g. python -c 'import secrets; print(secrets.token_urlsafe(32))')")
    return value


#: PROPDESK_DB values: SQLite files (the embedded default) or PostgreSQL, one database per service.
DATABASE_KINDS = ("sqlite", "postgresql")
#: The port of the local server `make postgres` (scripts/ensure-postgres.sh) runs: a unix socket in
#: `<data dir>/postgres`, no TCP listener, so it never collides with another server's 5432.
LOCAL_PG_PORT = 5432


def database_kind() -> str:
    """PROPDESK_DB: "sqlite" (default) or "postgresql"."""
    kind = _env("PROPDESK_DB", "sqlite").strip().lower()
    kind = "postgresql" if kind == "postgres" else kind
    if kind not in DATABASE_KINDS:
        raise ValueError(f"PROPDESK_DB must be one of {', '.join(DATABASE_KINDS)}, not {kind!r}")
    return kind


class ConfigError(ValueError):
    """A setting with a bad value; `variable` is the environment variable to fix (named in the message)."""

    def __init__(self, variable: str, message: str):
        self.variable = variable
        super().__init__(f"{variable}: {message}")


#: A PostgreSQL role name as propdesk accepts it (no quoting needed; PostgreSQL's limit is 63 bytes).
_ROLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")


def _role_name(variable: str, value: str) -> str:
    if not _ROLE_NAME.fullmatch(value):
        raise ConfigError(variable, f"{value!r} is not a role name propdesk uses (letters, digits and _, "
                          "not starting with a digit, at most 63)")
    return value


def _parsed_db_url(variable: str, value: str):
    """A database URL from `variable`, parsed; a clear error naming the variable when it is not one."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        url = make_url(value)
    except ArgumentError:
        raise ConfigError(variable, "is not a database URL (e.g. postgresql://propdesk@db1:5432/propdesk, "
                          "sqlite:////var/lib/propdesk/billing.db)") from None
    if url.get_backend_name() not in ("postgresql", "sqlite"):
        raise ConfigError(variable, f"names a {url.get_backend_name()} database; propdesk runs on "
                          "postgresql or sqlite")
    return url


def db_password() -> str | None:
    """PROPDESK_DB_PASSWORD_FILE's content (stripped), else PROPDESK_DB_PASSWORD, else None."""
    path, value = os.environ.get("PROPDESK_DB_PASSWORD_FILE"), os.environ.get("PROPDESK_DB_PASSWORD")
    if path and value:
        raise ConfigError("PROPDESK_DB_PASSWORD_FILE", "set it or PROPDESK_DB_PASSWORD, not both")
    if not path:
        return value or None
    try:
        password = Path(path).read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ConfigError("PROPDESK_DB_PASSWORD_FILE", f"{path} cannot be read ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise ConfigError("PROPDESK_DB_PASSWORD_FILE", f"{path} is not a text file") from None
    if not password or "\n" in password:
        raise ConfigError("PROPDESK_DB_PASSWORD_FILE", f"{path} must hold the password on one line "
                          f"({'it is empty' if not password else 'it has several lines'})")
    return password


def with_db_credentials(url, variable: str):
    """A parsed PostgreSQL URL with this process' role (PROPDESK_DB_USER) and password
    (PROPDESK_DB_PASSWORD_FILE / PROPDESK_DB_PASSWORD) in place of its own, when set."""
    user = _env("PROPDESK_DB_USER", "")
    password = db_password()
    if url.get_backend_name() != "postgresql":
        if user or password:
            raise ConfigError("PROPDESK_DB_USER" if user else "PROPDESK_DB_PASSWORD_FILE",
                              f"is for PostgreSQL, and {variable} says {url.get_backend_name()}")
        return url
    if user:
        url = url.set(username=_role_name("PROPDESK_DB_USER", user))
    if password is not None:
        url = url.set(password=password)
    return url


def db_service_role(service: str) -> str | None:
    """The least-privilege role `propdesk migrate` grants for a service: PROPDESK_DB_SERVICE_ROLE_PREFIX + name."""
    prefix = _env("PROPDESK_DB_SERVICE_ROLE_PREFIX", "")
    if not prefix:
        return None
    return _role_name("PROPDESK_DB_SERVICE_ROLE_PREFIX", prefix + service)


def local_pg_url(data_dir: Path) -> str:
    """The local PostgreSQL `make postgres` runs for PROPDESK_DB=postgresql without PROPDESK_PG_URL."""
    return f"postgresql+psycopg2://postgres@/propdesk?host={data_dir / 'postgres'}&port={LOCAL_PG_PORT}"


@dataclass(frozen=True)
class Settings:
    amqp_uri: str
    rabbit_api: str
    data_dir: Path
    host: str
    retry_delays_ms: tuple[int, ...]
    rpc_timeout_s: float
    relay_poll_s: float
    #: PROPDESK_SECRET_KEY, or None: then `signing_key()` makes one under the data dir
    secret_key: str | None = None
    cookie_secure: bool = False
    #: how often a service sweeps its due deadlines (chassis/deadlines.py)
    deadline_sweep_interval_s: float = 5.0
    #: PROPDESK_QUEUE_TYPE: classic (one node) or quorum (a cluster); chassis/topology.py
    queue_type: str = "classic"

    @classmethod
    def from_env(cls) -> "Settings":
        delays = tuple(
            int(x) for x in _env("PROPDESK_RETRY_DELAYS_MS", "1000,5000,30000").split(",") if x.strip()
        )
        if not delays or any(d <= 0 for d in delays):
            raise ValueError("PROPDESK_RETRY_DELAYS_MS must be a comma-separated list of positive ms")
        return cls(
            amqp_uri=_amqp_uri(),
            rabbit_api=_env("PROPDESK_RABBIT_API", "http://guest:guest@127.0.0.1:15672"),
            data_dir=Path(_env("PROPDESK_DATA_DIR", "var")).resolve(),
            host=_env("PROPDESK_HOST", "127.0.0.1"),
            retry_delays_ms=delays,
            rpc_timeout_s=float(_env("PROPDESK_RPC_TIMEOUT_S", "10")),
            relay_poll_s=float(_env("PROPDESK_RELAY_POLL_S", "0.5")),
            secret_key=_secret_key(os.environ.get("PROPDESK_SECRET_KEY")),
            cookie_secure=_flag("PROPDESK_COOKIE_SECURE"),
            deadline_sweep_interval_s=float(_env("PROPDESK_DEADLINE_SWEEP_S", "5")),
            queue_type=_queue_type(),
        )

    def signing_key(self) -> bytes:
        """The key the gateway signs session cookies and CSRF tokens with: PROPDESK_SECRET_KEY, or
        else the one in `<data dir>/secret_key`, made (256 random bits, mode 0600) the first time it is
        asked for. Several processes asking at once all get the same key: the file appears whole
        (written aside, then hard-linked into place; the first link wins)."""
        if self.secret_key:
            return self.secret_key.encode("utf-8")
        path = self.data_dir / SECRET_KEY_FILE
        if not path.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            aside = self.data_dir / f".{SECRET_KEY_FILE}.{os.getpid()}.{secrets.token_hex(4)}"
            fd = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                with os.fdopen(fd, "w") as f:
                    f.write(secrets.token_urlsafe(32) + "\n")
                try:
                    os.link(aside, path)
                except FileExistsError:  # another process made it first: use theirs
                    pass
            finally:
                aside.unlink(missing_ok=True)
        key = path.read_text(encoding="utf-8").strip()
        if len(key) < MIN_SECRET_KEY_LENGTH:
            raise ValueError(f"{path} holds no usable key (at least {MIN_SECRET_KEY_LENGTH} characters); "
                             "delete it to have a new one made (every session ends)")
        return key.encode("utf-8")

    def db_url(self, service: str) -> str:
        """A service's database: PROPDESK_<SERVICE>_DB_URL; else by PROPDESK_DB (read now, like
        the per-service URL): SQLite's file under the data dir, or PostgreSQL's `<name>_<service>`
        on PROPDESK_PG_URL (psycopg2, the driver in the lock files)."""
        variable = f"PROPDESK_{service.upper()}_DB_URL"
        explicit = _env(variable, "")
        if explicit:
            url = with_db_credentials(_parsed_db_url(variable, explicit), variable)  # refused on SQLite
            return explicit if url.get_backend_name() == "sqlite" else url.render_as_string(hide_password=False)
        if database_kind() == "sqlite":
            from sqlalchemy.engine import make_url

            with_db_credentials(make_url("sqlite://"), "PROPDESK_DB")  # a role set for SQLite is a mistake
            return f"sqlite:///{self.data_dir / (service + '.db')}"
        variable = "PROPDESK_PG_URL" if os.environ.get("PROPDESK_PG_URL") else "the local server's URL"
        server = _parsed_db_url(variable, _env("PROPDESK_PG_URL", local_pg_url(self.data_dir)))
        if server.get_backend_name() != "postgresql":
            raise ConfigError("PROPDESK_PG_URL", "must be a postgresql:// URL (PROPDESK_DB=postgresql)")
        if server.drivername == "postgresql":
            server = server.set(drivername="postgresql+psycopg2")
        prefix = server.database or "propdesk"
        server = with_db_credentials(server, variable)
        return server.set(database=f"{prefix}_{service}").render_as_string(hide_password=False)

    def port(self, service: str, default: int) -> int:
        return int(_env(f"PROPDESK_{service.upper()}_PORT", str(default)))

    def max_workers(self, service: str) -> int:
        return int(_env(f"PROPDESK_{service.upper()}_MAX_WORKERS", "10"))

    def nameko_config(self, service: str, http_port: int) -> dict:
        """The nameko container config for one service process."""
        return {
            "AMQP_URI": self.amqp_uri,
            "WEB_SERVER_ADDRESS": f"{self.host}:{self.port(service, http_port)}",
            "max_workers": self.max_workers(service),
            "parent_calls_tracked": 10,
            "serializer": "json",
            "PROPDESK": self,
        }
