"""A private PostgreSQL server for tests and `make test-postgres` (Debian's `postgresql` package).

    with private_postgres() as pg:              # initdb'd into a temp dir, started, answering
        pg.server_url                            # PROPDESK_PG_URL: one database per service under it
        pg.url("scratch")                        # a SQLAlchemy URL of one database (created on demand)
    # the server is stopped (killed if it will not stop) and its directory removed, also on failure

The cluster lives in ``/tmp/propdesk-pg-<random>/`` (data, log, and the unix socket: no TCP
listener at all), on a free port number (the socket's name), with durability switched off
(fsync, synchronous_commit, full_page_writes: a test's data is thrown away anyway). PostgreSQL
refuses to run as root: as root, initdb and pg_ctl run as the ``postgres`` user (``runuser``) and
the directory is theirs; as anyone else they run as that user. The database superuser is
``postgres`` with trust authentication on the socket only.

Also a pytest plugin (``-p propdesk.testing.postgres``; `make test-postgres` loads it): with
``PROPDESK_DB=postgresql`` every test runs its services on PostgreSQL. The session starts one
private server (unless ``PROPDESK_PG_URL`` names one), each test gets its own database name
prefix (``t<hex>_<service>``, created by the migration) and its databases are dropped afterwards.
"""
from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from propdesk.testing.ports import free_ports

#: The database superuser of a private server.
SUPERUSER = "postgres"
#: Settings for a throwaway server: nothing needs to survive a crash, and tests start many services.
TEST_SETTINGS = ("fsync=off", "synchronous_commit=off", "full_page_writes=off", "max_connections=500",
                 "shared_buffers=64MB", "timezone=UTC")


class PostgresError(RuntimeError):
    """The private server did not start or stop in time, or PostgreSQL is not installed."""


def bindir() -> Path:
    """Debian's newest installed server binaries (``/usr/lib/postgresql/<major>/bin``)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb is None:
        raise PostgresError("PostgreSQL is not installed: run `make postgres` "
                            "(as root: apt-get install -y postgresql)")
    return Path(initdb).resolve().parent


def _run_as() -> list[str]:
    """The prefix that runs a server tool as its owner: `runuser -u postgres --` as root."""
    if os.geteuid() != 0:
        return []
    return ["runuser", "-u", SUPERUSER, "--"]


@dataclass
class PrivatePostgres:
    """One private server; see the module docstring."""

    base_dir: Path
    port: int

    @property
    def data_dir(self) -> Path:
        return self.base_dir / "data"

    @property
    def socket_dir(self) -> Path:
        return self.base_dir

    @property
    def log_file(self) -> Path:
        return self.base_dir / "server.log"

    def url(self, database: str = "postgres") -> str:
        """A SQLAlchemy URL of one database on this server (psycopg2, over the unix socket)."""
        return f"postgresql+psycopg2://{SUPERUSER}@/{database}?host={self.socket_dir}&port={self.port}"

    @property
    def server_url(self) -> str:
        """What PROPDESK_PG_URL says for this server: each service's database is `propdesk_<service>`."""
        return self.url("propdesk")

    def _tool(self, name: str, *args: str, timeout: float = 120.0, check: bool = True) -> subprocess.CompletedProcess:
        proc = subprocess.run([*_run_as(), str(bindir() / name), *args], capture_output=True, text=True,
                              timeout=timeout, cwd="/")
        if check and proc.returncode != 0:
            raise PostgresError(f"{name} {' '.join(args)}: {(proc.stderr or proc.stdout).strip()[-1500:]}")
        return proc

    def start(self, timeout: float = 60.0) -> None:
        if not (self.data_dir / "PG_VERSION").exists():
            self._tool("initdb", "-D", str(self.data_dir), "-U", SUPERUSER, "--auth=trust",
                       "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync")
        options = f"-p {self.port} -k {self.socket_dir} -c listen_addresses='' " + \
            " ".join(f"-c {s}" for s in TEST_SETTINGS)
        self._tool("pg_ctl", "-D", str(self.data_dir), "-l", str(self.log_file), "-w", "-t", str(int(timeout)),
                   "-o", options, "start", timeout=timeout + 10)

    def stop(self, mode: str = "fast", timeout: float = 30.0) -> None:
        self._tool("pg_ctl", "-D", str(self.data_dir), "-m", mode, "-w", "-t", str(int(timeout)), "stop",
                   timeout=timeout + 10, check=False)

    def postmaster_pid(self) -> int | None:
        try:
            return int((self.data_dir / "postmaster.pid").read_text().split("\n", 1)[0])
        except (OSError, ValueError):
            return None

    def destroy(self) -> None:
        """Stop the server however it can be stopped, then remove its directory."""
        with contextlib.suppress(Exception):
            self.stop(mode="immediate", timeout=20)
        pid = self.postmaster_pid()
        if pid is not None:  # pg_ctl could not stop it: this server's own postmaster, by its pid file
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
            time.sleep(0.5)
        shutil.rmtree(self.base_dir, ignore_errors=True)


def _prepare_dir() -> Path:
    base = Path(tempfile.mkdtemp(prefix="propdesk-pg-"))
    if os.geteuid() == 0:
        user = pwd.getpwnam(SUPERUSER)  # created by Debian's postgresql package
        os.chown(base, user.pw_uid, user.pw_gid)
    base.chmod(0o700)
    return base


def create_private_postgres() -> PrivatePostgres:
    """A private server, started; call `destroy()` when done (or use `private_postgres()`)."""
    (port,) = free_ports(1)
    pg = PrivatePostgres(_prepare_dir(), port)
    try:
        pg.start()
    except BaseException:
        log = pg.log_file.read_text(errors="replace")[-2000:] if pg.log_file.exists() else ""
        pg.destroy()
        if log:
            raise PostgresError(f"the private PostgreSQL did not start; its log ends:\n{log}")
        raise
    return pg


@contextlib.contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    """A private PostgreSQL server for the duration of the block; always stopped and removed."""
    pg = create_private_postgres()
    try:
        yield pg
    finally:
        pg.destroy()


@contextlib.contextmanager
def private_postgres_from_backup(cluster_dir: Path) -> Iterator[PrivatePostgres]:
    """A private server whose data directory is a `propdesk backup --cluster` (``cluster/base.tar``
    and ``cluster/pg_wal.tar``), unpacked as docs/operations.md says (the data directory, then
    pg_wal inside it), on a free port; always stopped and removed."""
    (port,) = free_ports(1)
    pg = PrivatePostgres(_prepare_dir(), port)
    try:
        pg.data_dir.mkdir(mode=0o700)
        for tar, into in (("base.tar", pg.data_dir), ("pg_wal.tar", pg.data_dir / "pg_wal")):
            subprocess.run(["tar", "-xf", str(Path(cluster_dir) / tar), "-C", str(into)], check=True,
                           capture_output=True, timeout=300)
        if os.geteuid() == 0:
            subprocess.run(["chown", "-R", f"{SUPERUSER}:{SUPERUSER}", str(pg.data_dir)], check=True, timeout=300)
        try:
            pg.start()
        except BaseException:
            log = pg.log_file.read_text(errors="replace")[-2000:] if pg.log_file.exists() else ""
            raise PostgresError(f"the restored PostgreSQL did not start; its log ends:\n{log}")
        yield pg
    finally:
        pg.destroy()


def drop_databases(server_url: str, prefix: str) -> list[str]:
    """Drop every database whose name starts with `prefix` (sessions still connected are ended)."""
    from sqlalchemy import text

    from propdesk.chassis.migrate import maintenance_engine

    engine = maintenance_engine(server_url)
    try:
        with engine.connect() as conn:
            names = [r[0] for r in conn.execute(text("SELECT datname FROM pg_database WHERE starts_with(datname, :p)"),
                                                {"p": prefix})]
            for name in names:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        return names
    finally:
        engine.dispose()


# -- the pytest plugin (`-p propdesk.testing.postgres`) ----------------------------------------------
def _postgres_selected() -> bool:
    return os.environ.get("PROPDESK_DB", "").strip().lower() in ("postgresql", "postgres")


try:
    import pytest
except ImportError:  # not under pytest: the plugin part is not needed
    pytest = None

if pytest is not None:
    @pytest.fixture(scope="session", autouse=True)
    def _propdesk_postgres_server():
        """With PROPDESK_DB=postgresql and no PROPDESK_PG_URL: one private server for the session."""
        if not _postgres_selected() or os.environ.get("PROPDESK_PG_URL"):
            yield os.environ.get("PROPDESK_PG_URL")
            return
        with private_postgres() as pg:
            os.environ["PROPDESK_PG_URL"] = pg.server_url
            try:
                yield pg.server_url
            finally:
                os.environ.pop("PROPDESK_PG_URL", None)

    @pytest.fixture(autouse=True)
    def _propdesk_postgres_databases(_propdesk_postgres_server, monkeypatch):
        """Each test's services get databases of their own (`t<hex>_<service>`), dropped afterwards."""
        if not _postgres_selected():
            yield
            return
        from sqlalchemy.engine import make_url

        prefix = f"t{uuid.uuid4().hex[:12]}"
        server = make_url(_propdesk_postgres_server)
        monkeypatch.setenv("PROPDESK_PG_URL", server.set(database=prefix).render_as_string(hide_password=False))
        yield
        drop_databases(_propdesk_postgres_server, prefix + "_")
