"""`propdesk run`: one process per service, supervised.

Each service runs as `python -m propdesk.worker NAME` with its log in `<data dir>/log/NAME.log`.
A service that exits is restarted with back-off (1 s doubling to 30 s; reset after a minute up).
Ctrl-C or SIGTERM stops every service gracefully (SIGTERM, then SIGKILL after 15 s).
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from urllib.parse import urlparse

import requests

from propdesk import demo, plugins, policy
from propdesk.chassis import topology
from propdesk.config import Settings


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


def sign_in_hint(host: str, port: int) -> str:
    """How to sign in to the desk with the demo accounts (`propdesk demo`: username = role code)."""
    others = ", ".join(role for role in ("cs_manager", "engineering", "cashier", "security", "admin")
                       if role in policy.ROLES)
    return (f"sign in at http://{host}:{port}/sign-in as front_desk / {demo.DEMO_STAFF_PASSWORD} "
            f"(one account per role: {others}, ...)")


class Supervisor:
    def __init__(self, names: list[str] | None = None, settings: Settings | None = None, out=sys.stdout):
        self.settings = settings or Settings.from_env()
        self.classes = plugins.service_classes(names)
        self.out = out
        log_dir = self.settings.data_dir / "log"
        log_dir.mkdir(parents=True, exist_ok=True)
        self.children = [
            Child(name, self.settings.port(name, cls.http_port), str(log_dir / f"{name}.log"))
            for name, cls in self.classes.items()
        ]
        self._stopping = False

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def child_environment(self) -> dict[str, str]:
        """What every service process runs with: this environment, and where the desk is
        (``PROPDESK_DESK_URL``, unless set: the gateway started here) so that a release slip's QR
        code opens the desk's gate page on the guard's phone."""
        env = os.environ.copy()
        gateway = next((c for c in self.children if c.name == "gateway"), None)
        if gateway is not None and not env.get("PROPDESK_DESK_URL"):
            host = self.settings.host
            if host in ("0.0.0.0", "::", ""):  # listening everywhere: the machine's name is how phones reach it
                import socket

                host = socket.getfqdn()
            env["PROPDESK_DESK_URL"] = f"http://{host}:{gateway.port}"
        return env

    def _spawn(self, child: Child) -> None:
        log = open(child.log_path, "ab")
        child.proc = subprocess.Popen([sys.executable, "-m", "propdesk.worker", child.name],
                                      stdout=log, stderr=subprocess.STDOUT, env=self.child_environment(),
                                      start_new_session=True)
        log.close()
        child.started_at = time.monotonic()

    def start(self) -> None:
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
                    self.say(f"  restarted {child.name} (pid {child.proc.pid}, restart #{child.restarts})")
                continue
            code = child.proc.poll()
            if code is None:
                if now - child.started_at > 60:
                    child.backoff = 1.0
                continue
            if self._stopping:
                continue
            child.restarts += 1
            self.say(f"  {child.name} exited with code {code}; restarting in {child.backoff:.0f}s "
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

    def pid(self, name: str) -> int | None:
        child = next(c for c in self.children if c.name == name)
        return child.proc.pid if child.proc and child.proc.poll() is None else None

    def print_where_to_look(self) -> None:
        host = self.settings.host
        self.say("propdesk is up:")
        for child in self.children:
            if child.name == "gateway":
                self.say(f"  staff desk (UI)      http://{host}:{child.port}/")
                self.say(f"  {sign_in_hint(host, child.port)}")
        for child in self.children:
            self.say(f"  {child.name:<10} metrics  http://{host}:{child.port}/metrics   log {child.log_path}")
        api = urlparse(self.settings.rabbit_api)
        self.say(f"  RabbitMQ management  {api.scheme}://{api.hostname}:{api.port or 15672}/  (guest/guest)")
        self.say("  status: propdesk status    dead letters: propdesk dlq list    stop: Ctrl-C")


def run(names: list[str] | None = None) -> int:
    sup = Supervisor(names)
    stop_requested = []

    def on_signal(signum, frame):
        stop_requested.append(signum)

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    sup.say(f"starting {', '.join(c.name for c in sup.children)} ...")
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
