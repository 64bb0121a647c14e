"""`propdesk backup` / `propdesk restore`: every service database copied while the services run, and
put back with checks (docs/operations.md "Backups and restore").

SQLite (the embedded default, one file per service): the copy is taken with SQLite's online backup
API, never a file copy (a file copy of a WAL database mid-write is torn). All service databases are
copied at ONE moment: the backup first takes every database's write lock (``BEGIN IMMEDIATE``, in
name order; a service never writes two databases in one transaction, so this cannot deadlock),
then copies each through a second, reading connection, then lets go. Services keep reading
meanwhile; a writer waits (its busy timeout is 15 s) for the time the copies take. So no event can be
in one service's copy as consumed and missing from its producer's copy as written.

A backup is a folder ``propdesk-backup-<UTC time>/`` holding ``<service>.db`` (journal mode DELETE:
one self-contained file each) and ``manifest.json``: the cut time, the propdesk version, and per
service its Alembic revision(s), its outbox/inbox/audit row counts, its size and SHA-256.

`restore` checks the manifest and every checksum, refuses while any process on this machine has a
service database of this data dir open (the services are running) and when a backup's revision is
unknown to this code (made by a newer propdesk), moves the current files aside into
``<data dir>/replaced-by-restore-<time>/``, puts the copies in place, and re-arms the outbox tail:
in every service database here, events published since ``cut - replay window`` are marked pending
again, so the relays publish them once more when the services start. Consumers' inboxes skip
what they already processed; a restored consumer gets what it had consumed after the backup (from
the others' outboxes) and what was in flight at the cut. `propdesk migrate` then upgrades the
restored databases to this code's revision.

PostgreSQL (PROPDESK_DB=postgresql, one database per service), two ways:

- ``--cluster`` (`backup_cluster`): ONE moment for every service: `pg_basebackup` of the whole
  server (every database on it, roles too) into ``cluster/base.tar`` + ``cluster/pg_wal.tar``
  (the WAL streamed during the copy, so the copy is consistent as of the backup's end). Restoring
  replaces the server's data directory (by hand, as the server's owner: docs/operations.md), then
  `restore` checks that the server answering is this backup's (its system identifier), that no
  session is connected to a service database, and re-arms the outbox tails as above.
- per service (the default): `pg_dump --format=custom` of each service database into
  ``<service>.dump``, each its own snapshot, one after another (not one moment across services):
  for one service; restoring is `pg_restore` (docs/operations.md).
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

MANIFEST = "manifest.json"
FORMAT = 1
#: Counted per service in the manifest (a quick "is this the backup I think it is" for the operator).
COUNTED = {"outbox": "SELECT count(*) FROM outbox",
           "outbox_pending": "SELECT count(*) FROM outbox WHERE published_at IS NULL",
           "inbox": "SELECT count(*) FROM inbox",
           "audit_log": "SELECT count(*) FROM audit_log"}
#: How long before the cut a published event is published again after a restore (minutes): it covers
#: events that were still queued for a consumer at the cut (a consumer's backlog, retries).
DEFAULT_REPLAY_MINUTES = 60
#: How long the backup waits for one database's write lock (a long write transaction in a service).
LOCK_TIMEOUT_S = 30.0


class BackupError(Exception):
    """A backup or restore refused or failed; the message says why and what to do."""


@dataclass(frozen=True)
class Result:
    folder: Path
    manifest: dict
    seconds: float


def sqlite_path(url: str) -> Path | None:
    """The file of a `sqlite:///...` URL (None for another engine or an in-memory database)."""
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        return Path(url[len("sqlite:///"):])
    return None


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def propdesk_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("propdesk")
    except PackageNotFoundError:
        return "unknown"


def _stamp(at: datetime) -> str:
    return at.strftime("%Y%m%dT%H%M%S") + f"{at.microsecond // 1000:03d}Z"


def _services(names=None) -> dict:
    """Discovered services that have a database (name -> class)."""
    from propdesk import plugins
    from propdesk.chassis import migrate

    return {n: c for n, c in plugins.service_classes(names).items() if migrate.has_database(c)}


def _describe(path: Path) -> dict:
    """Revisions and row counts of one copied database file."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        revisions = sorted(r[0] for r in conn.execute("SELECT version_num FROM alembic_version"))
        rows = {k: conn.execute(q).fetchone()[0] for k, q in COUNTED.items()}
    finally:
        conn.close()
    return {"revisions": revisions, "rows": rows}


# -- backup --------------------------------------------------------------------------------------
def backup(settings, dest: Path, names=None, *, now=None) -> Result:
    """Copy every service database of this installation (or `names`) into a new dated folder under
    `dest`; returns it with its manifest. Services may be running."""
    from propdesk.config import database_kind

    started = time.monotonic()
    services = _services(names)
    urls = {n: settings.db_url(n) for n in sorted(services)}
    postgres = {n: u for n, u in urls.items() if u.startswith("postgresql") and _pg_exists(u)}
    sqlite_files = {n: sqlite_path(u) for n, u in urls.items() if sqlite_path(u) is not None}
    present = {n: p for n, p in sqlite_files.items() if p.exists()}
    if not present and not postgres:
        raise BackupError(f"no service database under {settings.data_dir} to back up "
                          "(wrong PROPDESK_DATA_DIR, or never migrated)")
    cut = now or datetime.now(timezone.utc)
    folder = Path(dest) / f"propdesk-backup-{_stamp(cut)}"
    work = folder.with_name(folder.name + ".partial")
    work.mkdir(parents=True, exist_ok=False)
    os.chmod(work, 0o700)  # staff accounts, personal data
    try:
        locked_s = None
        if present:
            cut, locked_s = _copy_sqlite_at_one_moment(present, work)
        for name, url in postgres.items():
            _pg_dump(url, work / f"{name}.dump")
        entries = {}
        for name in sorted(present):
            f = work / f"{name}.db"
            entries[name] = {"file": f.name, "bytes": f.stat().st_size, "sha256": sha256(f), **_describe(f)}
        for name in sorted(postgres):
            f = work / f"{name}.dump"
            entries[name] = {"file": f.name, "bytes": f.stat().st_size, "sha256": sha256(f),
                             "format": "pg_dump-custom"}
        manifest = {
            "format": FORMAT,
            "propdesk_version": propdesk_version(),
            "database": "postgresql" if postgres and not present else database_kind(),
            "cut_at": cut.isoformat(),
            #: how long the services' writers were held (every SQLite write lock, during the copies)
            "writes_held_s": None if locked_s is None else round(locked_s, 3),
            "data_dir": str(settings.data_dir),
            "not_found": sorted(set(urls) - set(present) - set(postgres)),
            "services": entries,
        }
        (work / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        work.rename(folder)  # a folder without ".partial" is a whole backup
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return Result(folder, manifest, time.monotonic() - started)


def _copy_sqlite_at_one_moment(files: dict[str, Path], work: Path) -> tuple[datetime, float]:
    """Hold every database's write lock, copy each through a reading connection, release. Returns
    the moment of the cut (UTC), taken while every lock is held, and how long writes were held."""
    locks: list[sqlite3.Connection] = []
    first_lock = time.monotonic()
    try:
        for name in sorted(files):
            conn = sqlite3.connect(files[name], timeout=LOCK_TIMEOUT_S, isolation_level=None)
            locks.append(conn)
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                raise BackupError(f"{name}: could not take the database's write lock within "
                                  f"{LOCK_TIMEOUT_S:.0f} s ({exc}); try again") from exc
        cut = datetime.now(timezone.utc)
        for name in sorted(files):
            # a second connection: the backup API cannot read through the one holding the write lock
            reader = sqlite3.connect(f"file:{files[name]}?mode=rw", uri=True, timeout=LOCK_TIMEOUT_S)
            target = sqlite3.connect(work / f"{name}.db")
            try:
                reader.backup(target)
            finally:
                reader.close()
                target.close()
    finally:
        for conn in locks:
            try:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
            finally:
                conn.close()
    held = time.monotonic() - first_lock
    for name in files:
        target = sqlite3.connect(work / f"{name}.db", isolation_level=None)
        try:
            target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
            verdict = target.execute("PRAGMA quick_check").fetchone()[0]
        finally:
            target.close()
        if verdict != "ok":
            raise BackupError(f"{name}: the copy fails SQLite's check ({verdict})")
    return cut, held


def libpq_url(url: str) -> str:
    """A SQLAlchemy PostgreSQL URL as pg_dump/pg_restore take it (no `+driver`)."""
    from sqlalchemy.engine import make_url

    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _pg_exists(url: str) -> bool:
    """Whether a service's PostgreSQL database exists (never migrated here: nothing to dump)."""
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    from propdesk.chassis import migrate

    from sqlalchemy.exc import OperationalError

    engine = migrate.maintenance_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                {"n": make_url(url).database}).first() is not None
    except OperationalError as exc:
        raise BackupError(f"the PostgreSQL server of {make_url(url).render_as_string()} does not answer: "
                          f"{str(exc.orig).strip()}") from exc
    finally:
        engine.dispose()


def _pg_dump(url: str, target: Path) -> None:
    if shutil.which("pg_dump") is None:
        raise BackupError("pg_dump is not installed (scripts/ensure-postgres.sh installs Debian's client)")
    done = subprocess.run(["pg_dump", "--format=custom", "--no-owner", f"--file={target}",
                           f"--dbname={libpq_url(url)}"], capture_output=True, text=True, timeout=3600)
    if done.returncode != 0:
        raise BackupError(f"pg_dump of {url.rsplit('/', 1)[-1].split('?')[0]} failed: {done.stderr.strip()}")


#: The files of a `--cluster` backup, under ``cluster/`` (pg_basebackup --format=tar --wal-method=stream).
CLUSTER_DIR = "cluster"
CLUSTER_KIND = "pg_basebackup"


def pg_tool(name: str) -> str:
    """A PostgreSQL client program: on PATH (Debian's wrapper picks the newest), else the newest
    /usr/lib/postgresql/<major>/bin/<name>."""
    import glob

    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(p.split("/")[4]))
    if not candidates:
        raise BackupError(f"{name} is not installed (scripts/ensure-postgres.sh installs Debian's postgresql)")
    return candidates[-1]


def pg_server_of(settings, services) -> str:
    """The one PostgreSQL server every service database of `services` is on (a SQLAlchemy URL of
    its `postgres` database); refused when they are on SQLite or on several servers."""
    from sqlalchemy.engine import make_url

    servers = {}
    for name in sorted(services):
        url = settings.db_url(name)
        if not url.startswith("postgresql"):
            raise BackupError(f"--cluster backs up a PostgreSQL server, and {name}'s database is "
                              f"{url.split(':')[0]}; SQLite backups are taken at one moment already (no --cluster)")
        u = make_url(url)
        servers.setdefault((u.host, u.port, u.query.get("host"), u.query.get("port")), []).append(name)
    if len(servers) != 1:
        raise BackupError("--cluster copies one server, and these services' databases are on "
                          f"{len(servers)}: " + "; ".join(", ".join(v) for v in servers.values())
                          + " (back up each server, or use the per-service pg_dump)")
    return make_url(settings.db_url(sorted(services)[0])).set(database="postgres").render_as_string(
        hide_password=False)


def _server_identity(server_url: str) -> dict:
    """The server's system identifier (kept by a restored copy, new with every initdb) and version."""
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    from propdesk.chassis import migrate

    engine = migrate.maintenance_engine(server_url)
    try:
        with engine.connect() as conn:
            return {"system_identifier": str(conn.execute(text(
                        "SELECT system_identifier FROM pg_control_system()")).scalar()),
                    "server_version": conn.execute(text("SHOW server_version")).scalar()}
    except OperationalError as exc:
        raise BackupError(f"the PostgreSQL server does not answer: {str(exc.orig).strip()}") from exc
    finally:
        engine.dispose()


def backup_cluster(settings, dest: Path, *, now=None) -> Result:
    """`propdesk backup --cluster`: every service database at ONE moment, by `pg_basebackup` of the
    server they share (the URL's role needs REPLICATION, and pg_hba.conf a `replication` line)."""
    started = time.monotonic()
    services = _services()
    server = pg_server_of(settings, services)
    identity = _server_identity(server)
    present = [n for n in sorted(services) if _pg_exists(settings.db_url(n))]
    if not present:
        raise BackupError("no service database on the server to back up (never migrated)")
    begun = now or datetime.now(timezone.utc)
    folder = Path(dest) / f"propdesk-backup-{_stamp(begun)}"
    work = folder.with_name(folder.name + ".partial")
    work.mkdir(parents=True, exist_ok=False)
    os.chmod(work, 0o700)  # staff accounts, personal data, the server's roles
    try:
        done = subprocess.run(
            [pg_tool("pg_basebackup"), f"--dbname={libpq_url(server)}", f"--pgdata={work / CLUSTER_DIR}",
             "--format=tar", "--wal-method=stream", "--checkpoint=fast", f"--label={folder.name}"],
            capture_output=True, text=True, timeout=6 * 3600)
        if done.returncode != 0:
            raise BackupError(f"pg_basebackup failed: {done.stderr.strip()} (the role needs REPLICATION and "
                              "pg_hba.conf a `replication` line for it: docs/operations.md)")
        cut = datetime.now(timezone.utc)  # the copy is consistent as of its end (the WAL streamed until then)
        files = {}
        for f in sorted((work / CLUSTER_DIR).iterdir()):
            files[f"{CLUSTER_DIR}/{f.name}"] = {"bytes": f.stat().st_size, "sha256": sha256(f)}
        manifest = {
            "format": FORMAT,
            "kind": CLUSTER_KIND,
            "propdesk_version": propdesk_version(),
            "database": "postgresql",
            "started_at": begun.isoformat(),
            "cut_at": cut.isoformat(),
            "writes_held_s": 0.0,  # pg_basebackup holds nothing: services write on during the copy
            "data_dir": str(settings.data_dir),
            "server": {**identity, "url": make_url_safe(server)},
            "files": files,
            "not_found": sorted(set(services) - set(present)),
            "services": {n: {"database": _database_name(settings.db_url(n))} for n in present},
        }
        (work / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        work.rename(folder)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return Result(folder, manifest, time.monotonic() - started)


def make_url_safe(url: str) -> str:
    """A URL as it may be written into a manifest or a message: the password masked."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _database_name(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).database


def _other_sessions(server_url: str, databases: list[str]) -> list[str]:
    """Sessions (other than this process') connected to one of `databases`: 'db: user@addr (app)'."""
    from sqlalchemy import text

    from propdesk.chassis import migrate

    engine = migrate.maintenance_engine(server_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text(
                "SELECT datname, usename, coalesce(host(client_addr), 'local'), application_name "
                "FROM pg_stat_activity WHERE datname = ANY(:d) AND pid <> pg_backend_pid()"),
                {"d": databases}).all()
    finally:
        engine.dispose()
    return [f"{d}: {u}@{a}" + (f" ({app})" if app else "") for d, u, a, app in rows]


def restore_cluster(settings, folder: Path, manifest: dict, names=None, *,
                    replay_minutes: int = DEFAULT_REPLAY_MINUTES) -> dict:
    """The step of a `--cluster` restore after the server's files are put back (by hand: it is the
    server's data directory): checks that the server answering is this backup's and that no session
    is connected to a service database, then re-arms every service's outbox tail."""
    started = time.monotonic()
    if names:
        raise BackupError("a --cluster backup is restored whole (it is the server's data directory); for one "
                          "service use the per-service pg_dump (docs/operations.md, Backups and restore)")
    wanted = sorted(manifest["services"])
    installed = _services()
    for name in wanted:
        if name not in installed:
            raise BackupError(f"{name} is in the backup but not installed here")
    server = pg_server_of(settings, wanted)
    identity = _server_identity(server)
    if identity["system_identifier"] != manifest["server"]["system_identifier"]:
        raise BackupError(
            f"the server at {make_url_safe(server)} is not this backup's (system identifier "
            f"{identity['system_identifier']}, the backup's {manifest['server']['system_identifier']}): put the "
            f"backup's files in its data directory first ({CLUSTER_DIR}/base.tar, {CLUSTER_DIR}/pg_wal.tar; "
            "docs/operations.md, Backups and restore)")
    missing = [n for n in wanted if not _pg_exists(settings.db_url(n))]
    if missing:
        raise BackupError(f"the server has no database for {', '.join(missing)}, which the backup holds: "
                          "is its data directory the backup's?")
    busy = _other_sessions(server, [_database_name(settings.db_url(n)) for n in wanted])
    if busy:
        raise BackupError("the services are running (sessions connected to their databases: "
                          + "; ".join(busy) + "); stop them (propdesk run, systemd units) and restore again")
    since = datetime.fromisoformat(manifest["cut_at"]) - timedelta(minutes=replay_minutes)
    rearmed = {n: rearm_outbox(settings.db_url(n), since) for n in wanted}
    return {"restored": wanted, "aside": None, "rearmed": rearmed, "cut_at": manifest["cut_at"],
            "seconds": time.monotonic() - started}


# -- restore -------------------------------------------------------------------------------------
def read_manifest(folder: Path) -> dict:
    """The manifest of a backup folder, with every file's size and checksum checked."""
    folder = Path(folder)
    path = folder / MANIFEST
    if not path.is_file():
        raise BackupError(f"{folder} is not a propdesk backup: no {MANIFEST}")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise BackupError(f"{path} is not readable JSON ({exc})") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{path}: backup format {manifest.get('format')!r}, this propdesk reads {FORMAT}")
    for rel, entry in manifest.get("files", {}).items():  # a --cluster backup's files
        f = folder / rel
        if not f.is_file():
            raise BackupError(f"{rel} is missing from the backup")
        if f.stat().st_size != entry["bytes"] or sha256(f) != entry["sha256"]:
            raise BackupError(f"{rel} does not match its checksum in the manifest "
                              "(damaged or changed since the backup); not restoring")
    for name, entry in manifest.get("services", {}).items():
        if "file" not in entry:
            continue
        f = folder / entry["file"]
        if not f.is_file():
            raise BackupError(f"{name}: {f.name} is missing from the backup")
        if f.stat().st_size != entry["bytes"] or sha256(f) != entry["sha256"]:
            raise BackupError(f"{name}: {f.name} does not match its checksum in the manifest "
                              "(damaged or changed since the backup); not restoring")
    return manifest


def unknown_revisions(service_cls, revisions: list[str]) -> list[str]:
    """The revisions this code's migrations do not know (a backup made by a newer propdesk)."""
    from alembic.script import ScriptDirectory

    from propdesk.chassis import migrate

    script = ScriptDirectory.from_config(migrate.alembic_config(service_cls, "sqlite://"))
    unknown = []
    for rev in revisions:
        try:
            if script.get_revision(rev) is None:
                unknown.append(rev)
        except Exception:  # alembic: "Can't locate revision"
            unknown.append(rev)
    return unknown


def holders(paths: list[Path], exclude: set[int] | None = None) -> dict[int, str]:
    """Processes on this machine (Linux /proc) that have one of `paths` (or its -wal/-shm) open:
    pid -> command line. Processes of other users may be invisible without privileges."""
    exclude = {os.getpid()} if exclude is None else exclude
    wanted = set()
    for p in paths:
        for suffix in ("", "-wal", "-shm"):
            wanted.add(str(Path(str(p) + suffix).resolve()))
    found: dict[int, str] = {}
    proc = Path("/proc")
    if not proc.is_dir():
        return found
    for entry in proc.iterdir():
        if not entry.name.isdigit() or int(entry.name) in exclude:
            continue
        try:
            for fd in (entry / "fd").iterdir():
                try:
                    if os.readlink(fd) in wanted:
                        cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                        found[int(entry.name)] = cmd.strip()
                        break
                except OSError:
                    continue
        except OSError:
            continue
    return found


def restore(settings, folder: Path, names=None, *, replay_minutes: int = DEFAULT_REPLAY_MINUTES,
            exclude_pids: set[int] | None = None) -> dict:
    """Put a backup's databases (all, or `names`) back into this installation. Returns a summary:
    restored services, where the replaced files went, how many events were re-armed per service."""
    started = time.monotonic()
    folder = Path(folder)
    manifest = read_manifest(folder)
    if manifest.get("kind") == CLUSTER_KIND:
        return restore_cluster(settings, folder, manifest, names, replay_minutes=replay_minutes)
    backed_up = manifest["services"]
    wanted = sorted(names) if names else sorted(backed_up)
    missing = [n for n in wanted if n not in backed_up]
    if missing:
        raise BackupError(f"the backup holds no {', '.join(missing)} (it has {', '.join(sorted(backed_up))})")
    installed = _services()
    for name in wanted:
        if name not in installed:
            raise BackupError(f"{name} is in the backup but not installed here")
        entry = backed_up[name]
        if not entry["file"].endswith(".db"):
            raise BackupError(f"{name}: {entry['file']} is a PostgreSQL dump: restore it with pg_restore "
                              "(docs/operations.md, Backups and restore)")
        if sqlite_path(settings.db_url(name)) is None:
            raise BackupError(f"{name}'s database here is not SQLite ({settings.db_url(name).split(':')[0]}); "
                              "this backup holds SQLite files")
        unknown = unknown_revisions(installed[name], entry["revisions"])
        if unknown:
            raise BackupError(f"{name}: the backup is at revision {', '.join(unknown)}, which this code does "
                              f"not know: it was made by a newer propdesk ({manifest['propdesk_version']}); "
                              f"install that version (this is {propdesk_version()}) before restoring")
    local = {n: sqlite_path(settings.db_url(n)) for n in installed if sqlite_path(settings.db_url(n))}
    busy = holders(list(local.values()), exclude_pids)
    if busy:
        listing = "; ".join(f"pid {pid}: {cmd[:120]}" for pid, cmd in sorted(busy.items()))
        raise BackupError("the services are running (these processes have a service database of "
                          f"{settings.data_dir} open: {listing}); stop them (propdesk run, systemd units) "
                          "and restore again")
    from propdesk.chassis import migrate

    aside = settings.data_dir / f"replaced-by-restore-{_stamp(datetime.now(timezone.utc))}"
    for name in wanted:
        target = local[name]
        target.parent.mkdir(parents=True, exist_ok=True)
        with migrate.migration_lock(settings.db_url(name)):
            incoming = target.with_name(target.name + ".restoring")
            shutil.copyfile(folder / backed_up[name]["file"], incoming)
            for suffix in ("", "-wal", "-shm"):  # a -wal left beside the restored file would be replayed into it
                current = Path(str(target) + suffix)
                if current.exists():
                    aside.mkdir(parents=True, exist_ok=True)
                    os.replace(current, aside / current.name)
            os.replace(incoming, target)
            if sha256(target) != backed_up[name]["sha256"]:
                raise BackupError(f"{name}: the restored file does not match its checksum (disk full?)")
    since = datetime.fromisoformat(manifest["cut_at"]) - timedelta(minutes=replay_minutes)
    rearmed = {n: rearm_outbox(settings.db_url(n), since) for n, p in sorted(local.items()) if p.exists()}
    return {"restored": wanted, "aside": str(aside) if aside.exists() else None, "rearmed": rearmed,
            "cut_at": manifest["cut_at"], "seconds": time.monotonic() - started}


def rearm_outbox(url: str, since: datetime) -> int:
    """Mark the events this database published at or after `since` as pending again (the relay
    publishes them once more; consumers' inboxes skip duplicates). Returns how many."""
    from sqlalchemy import inspect, update

    from propdesk.chassis.db import make_engine
    from propdesk.chassis.tables import OutboxRow

    engine = make_engine(url)
    try:
        if not inspect(engine).has_table("outbox"):
            return 0
        with engine.begin() as conn:
            return conn.execute(update(OutboxRow).where(OutboxRow.published_at >= since)
                                .values(published_at=None)).rowcount
    finally:
        engine.dispose()
