"""`propdesk run`: one process per service (or several: ``--scale billing=3,notify=2``), supervised.

Each process runs as `python -m propdesk.worker NAME` with its log in `<data dir>/log/NAME.log`.
The replicas of one service are competing consumers: they share its handler and RPC queues and
its database. Replica n (n >= 2) logs to `NAME-n.log` and answers /health and /metrics on
``PROPDESK_<NAME>_PORT_<n>`` when set, else on the service's port + 100 x (n - 1)
(`replica_port`); the first replica keeps the service's own port and log.
A process that exits is restarted on its own with back-off (1 s doubling to 30 s; reset after a
minute up). Ctrl-C or SIGTERM stops every process gracefully (SIGTERM, then SIGKILL after 15 s).
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import requests

from propdesk import demo, plugins, policy
from propdesk.chassis import broker_users, topology
from propdesk.config import Settings, database_kind
from propdesk.errors import ValidationError

#: The most processes `--scale` starts for one service (keeps the port rule's ports apart:
#: 9101..9107 + 800 never reaches another service's, nor 8000 + 800 the departments').
MAX_REPLICAS = 9
#: How far apart the ports of one service's replicas are (replica n: port + REPLICA_PORT_STEP x (n - 1)).
REPLICA_PORT_STEP = 100


def parse_scale(text: str | None, services) -> dict[str, int]:
    """``billing=3,notify=2`` -> {"billing": 3, "notify": 2}, each name one of `services` (the
    ones being run), each count a whole number from 1 to `MAX_REPLICAS`, each name once.
    ValidationError (field ``scale``) naming the rule broken: format, known_service, whole_number,
    at_least_one, at_most_9, once_each."""
    out: dict[str, int] = {}
    if text is None or not text.strip():
        return out
    known = sorted(services)
    for part in text.split(","):
        name, sep, count = (x.strip() for x in part.partition("="))
        if not sep or not name or not count:
            raise ValidationError.one("scale", "format",
                                      f"--scale takes SERVICE=COUNT[,SERVICE=COUNT...], e.g. billing=3,notify=2; "
                                      f"got {part.strip()!r}")
        if name not in known:
            raise ValidationError.one("scale", "known_service",
                                      f"--scale names {name!r}, which is not a service being run "
                                      f"(one of: {', '.join(known)})")
        if name in out:
            raise ValidationError.one("scale", "once_each", f"--scale names {name!r} twice")
        try:
            n = int(count)
        except ValueError:
            raise ValidationError.one("scale", "whole_number",
                                      f"--scale {name}={count}: the count must be a whole number") from None
        if n < 1:
            raise ValidationError.one("scale", "at_least_one",
                                      f"--scale {name}={n}: a service runs at least 1 process")
        if n > MAX_REPLICAS:
            raise ValidationError.one("scale", f"at_most_{MAX_REPLICAS}",
                                      f"--scale {name}={n}: at most {MAX_REPLICAS} processes per service here")
        out[name] = n
    return out


def replica_port(service: str, port: int, replica: int) -> int:
    """Where replica `replica` (1-based) of a service whose first process listens on `port`
    answers /health and /metrics: PROPDESK_<SERVICE>_PORT_<n> when set, else port + 100 x (n - 1)."""
    if replica == 1:
        return port
    return int(os.environ.get(f"PROPDESK_{service.upper()}_PORT_{replica}") or port + REPLICA_PORT_STEP * (replica - 1))


@dataclass
class Child:
    name: str
    port: int
    log_path: str
    proc: subprocess.Popen | None = None
    started_at: float = 0.0
    restarts: int = 0
    backoff: float = 1.0
    next_start: float = 0.0
    #: which process of its service (1-based); `name` is the service's
    replica: int = 1

    @property
    def label(self) -> str:
        """The process' name in what the runner says: the service's, ``-n`` from the second on."""
        return self.name if self.replica == 1 else f"{self.name}-{self.replica}"


def sign_in_hint(host: str, port: int) -> str:
    """How to sign in to the desk with the demo accounts (`propdesk demo`: username = role code)."""
    others = ", ".join(role for role in ("cs_manager", "engineering", "cashier", "security", "admin")
                       if role in policy.ROLES)
    return (f"sign in at http://{host}:{port}/sign-in as front_desk / {demo.DEMO_STAFF_PASSWORD} "
            f"(one account per role: {others}, ...)")


class Supervisor:
    def __init__(self, names: list[str] | None = None, settings: Settings | None = None, out=sys.stdout,
                 scale: dict[str, int] | str | None = None):
        self.settings = settings or Settings.from_env()
        self.classes = plugins.service_classes(names)
        self.out = out
        self.scale = scale if isinstance(scale, dict) else parse_scale(scale, self.classes)
        parse_scale(",".join(f"{k}={v}" for k, v in self.scale.items()), self.classes)  # a dict is checked too
        log_dir = self.settings.data_dir / "log"
        log_dir.mkdir(parents=True, exist_ok=True)
        self.children = []
        for name, cls in self.classes.items():
            port = self.settings.port(name, cls.http_port)
            for n in range(1, self.scale.get(name, 1) + 1):
                label = name if n == 1 else f"{name}-{n}"
                self.children.append(Child(name, replica_port(name, port, n), str(log_dir / f"{label}.log"),
                                           replica=n))
        taken: dict[int, str] = {}
        for child in self.children:
            if child.port in taken:
                raise ValidationError.one("scale", "ports_distinct",
                                          f"{child.label} and {taken[child.port]} would both listen on port "
                                          f"{child.port}: set PROPDESK_{child.name.upper()}_PORT_{child.replica} "
                                          "(or the services' ports) apart")
            taken[child.port] = child.label
        self._stopping = False

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def child_environment(self, child: Child | None = None) -> dict[str, str]:
        """What every service process runs with: this environment, and where the desk is
        (``PROPDESK_DESK_URL``, unless set: the gateway started here) so that a release slip's QR
        code opens the desk's gate page on the guard's phone. A second or later replica gets its
        own port (``PROPDESK_<NAME>_PORT``) and ``PROPDESK_REPLICA``."""
        env = os.environ.copy()
        if child is not None:
            env[f"PROPDESK_{child.name.upper()}_PORT"] = str(child.port)
            env["PROPDESK_REPLICA"] = str(child.replica)
            env.update(self.broker_credentials(child.name))
            database = self.db_credentials(child.name)
            if database:  # its own role's password only, never the owner's
                env.pop("PROPDESK_DB_PASSWORD", None)
                env.update(database)
        gateway = next((c for c in self.children if c.name == "gateway"), None)
        if gateway is not None and not env.get("PROPDESK_DESK_URL"):
            host = self.settings.host
            if host in ("0.0.0.0", "::", ""):  # listening everywhere: the machine's name is how phones reach it
                import socket

                host = socket.getfqdn()
            env["PROPDESK_DESK_URL"] = f"http://{host}:{gateway.port}"
        return env

    def broker_credentials(self, service: str) -> dict[str, str]:
        """With PROPDESK_BROKER_USERS_DIR set (`propdesk broker users` wrote it): the service's own
        broker user and its password file; else nothing (every process uses PROPDESK_AMQP_URI's user,
        guest in the local default)."""
        directory = os.environ.get("PROPDESK_BROKER_USERS_DIR")
        if not directory:
            return {}
        user = broker_users.user_name(service)
        return {"PROPDESK_AMQP_USER": user,
                "PROPDESK_AMQP_PASSWORD_FILE": str(broker_users.password_file(Path(directory), user))}

    def db_credentials(self, service: str) -> dict[str, str]:
        """With PROPDESK_DB_USERS_DIR set (`propdesk pg-setup` wrote it): the service's own PostgreSQL
        role (PROPDESK_DB_SERVICE_ROLE_PREFIX + its name, `propdesk_` by default) and its password
        file, which replace the user and password of its database URL; else nothing (every process
        connects as its URL's user). A service without a database gets nothing."""
        from propdesk.chassis import migrate, pg_setup

        directory = os.environ.get("PROPDESK_DB_USERS_DIR")
        if not directory or not migrate.has_database(self.classes[service]):
            return {}
        role = pg_setup.service_role(service)
        return {"PROPDESK_DB_USER": role,
                "PROPDESK_DB_PASSWORD_FILE": str(pg_setup.password_file(Path(directory), role))}

    def _spawn(self, child: Child) -> None:
        log = open(child.log_path, "ab")
        child.proc = subprocess.Popen([sys.executable, "-m", "propdesk.worker", child.name],
                                      stdout=log, stderr=subprocess.STDOUT, env=self.child_environment(child),
                                      start_new_session=True)
        log.close()
        child.started_at = time.monotonic()

    def start(self) -> None:
        for name in self.classes:
            path = self.broker_credentials(name).get("PROPDESK_AMQP_PASSWORD_FILE")
            if path and not Path(path).is_file():
                raise SystemExit(f"propdesk run: no broker password file {path} for {name}: run "
                                 "`propdesk broker users` first (docs/operations.md, Broker users)")
        if os.environ.get("PROPDESK_DB_USERS_DIR") and database_kind() != "postgresql":
            raise SystemExit("propdesk run: PROPDESK_DB_USERS_DIR gives each service its PostgreSQL role, and "
                             "PROPDESK_DB says sqlite: unset it, or set PROPDESK_DB=postgresql")
        for name in self.classes:
            path = self.db_credentials(name).get("PROPDESK_DB_PASSWORD_FILE")
            if path and not Path(path).is_file():
                raise SystemExit(f"propdesk run: no database password file {path} for {name}: run "
                                 "`propdesk pg-setup` first (docs/operations.md, PostgreSQL roles)")
        # every subscriber queue exists before any service can publish (conventions §3.5)
        topology.declare_all(self.settings.amqp_uri, self.classes.values(), self.settings.retry_delays_ms)
        for child in self.children:
            self._spawn(child)

    def healthy(self, child: Child) -> bool:
        try:
            return requests.get(f"http://{self.settings.host}:{child.port}/health", timeout=1).ok
        except requests.RequestException:
            return False

    def wait_ready(self, timeout: float = 60.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.supervise_once()
            if all(self.healthy(c) for c in self.children):
                return True
            time.sleep(0.2)
        return False

    def supervise_once(self) -> None:
        now = time.monotonic()
        for child in self.children:
            if child.proc is None:
                if now >= child.next_start and not self._stopping:
                    self._spawn(child)
                    self.say(f"  restarted {child.label} (pid {child.proc.pid}, restart #{child.restarts})")
                continue
            code = child.proc.poll()
            if code is None:
                if now - child.started_at > 60:
                    child.backoff = 1.0
                continue
            if self._stopping:
                continue
            child.restarts += 1
            self.say(f"  {child.label} exited with code {code}; restarting in {child.backoff:.0f}s "
                     f"(log: {child.log_path})")
            child.proc = None
            child.next_start = now + child.backoff
            child.backoff = min(child.backoff * 2, 30.0)

    def stop(self, grace: float = 15.0) -> None:
        self._stopping = True
        for child in self.children:
            if child.proc and child.proc.poll() is None:
                child.proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + grace
        for child in self.children:
            if child.proc is None:
                continue
            try:
                child.proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.proc.kill()
                child.proc.wait()

    def pid(self, name: str, replica: int = 1) -> int | None:
        """The running process of a service (its first, or replica `replica`); None when down."""
        child = next(c for c in self.children if c.name == name and c.replica == replica)
        return child.proc.pid if child.proc and child.proc.poll() is None else None

    def print_where_to_look(self) -> None:
        host = self.settings.host
        self.say("propdesk is up:")
        for child in self.children:
            if child.name == "gateway" and child.replica == 1:
                self.say(f"  staff desk (UI)      http://{host}:{child.port}/")
                self.say(f"  {sign_in_hint(host, child.port)}")
        for child in self.children:
            self.say(f"  {child.label:<11} metrics  http://{host}:{child.port}/metrics   log {child.log_path}")
        api = urlparse(self.settings.rabbit_api)
        self.say(f"  RabbitMQ management  {api.scheme}://{api.hostname}:{api.port or 15672}/  (guest/guest)")
        if os.environ.get("PROPDESK_BROKER_USERS_DIR"):
            self.say(f"  broker users         one per service ({broker_users.user_name('<service>')}), "
                     f"passwords in {os.environ['PROPDESK_BROKER_USERS_DIR']}")
        elif urlparse(topology.broker_addresses(self.settings.amqp_uri)[0]).username in (None, "guest"):
            self.say("  broker user guest: the local default only; in production every service has its own "
                     "user (propdesk broker users; docs/operations.md, Broker users)")
        if os.environ.get("PROPDESK_DB_USERS_DIR"):
            from propdesk.chassis import pg_setup

            self.say(f"  database roles       one per service ({pg_setup.role_prefix()}<service>), "
                     f"passwords in {os.environ['PROPDESK_DB_USERS_DIR']}")
        self.say("  status: propdesk status    dead letters: propdesk dlq list    stop: Ctrl-C")


def run(names: list[str] | None = None, scale: str | None = None) -> int:
    try:
        sup = Supervisor(names, scale=scale)
    except ValidationError as exc:
        for problem in exc.problems:
            print(f"propdesk run: {problem.message} ({problem.field}: {problem.rule})", file=sys.stderr)
        return 2
    stop_requested = []

    def on_signal(signum, frame):
        stop_requested.append(signum)

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    sup.say(f"starting {', '.join(c.label for c in sup.children)} ...")
    sup.start()
    if sup.wait_ready():
        sup.print_where_to_look()
    else:
        sup.say("some services did not answer /health within 60 s; see their logs under "
                f"{sup.settings.data_dir / 'log'} (the supervisor keeps restarting them)")
    while not stop_requested:
        sup.supervise_once()
        time.sleep(0.2)
    sup.say("stopping ...")
    sup.stop()
    sup.say("stopped.")
    return 0
