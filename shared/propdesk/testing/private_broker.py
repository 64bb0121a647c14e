"""A private RabbitMQ node for drills that stop or restart the broker (tests, `make chaos`).

Restarting the shared broker on 5672 would break every other test run and a developer's
`make run`; a drill that needs a broker to die starts its own node instead, on free ports, with
its database and logs in a temporary directory:

    with private_broker() as broker:        # started, management API answering
        broker.amqp_uri, broker.rabbit_api   # point PROPDESK_AMQP_URI / PROPDESK_RABBIT_API here
        broker.stop_app(); broker.start_app()          # the RabbitMQ application only
        broker.stop_node(); broker.start_node()        # the whole Erlang node, data kept
    # the node is stopped (killed if it will not stop) and its directory removed, also on failure

The node is named ``propdesk-chaos-<random>@localhost`` and started with the same
`rabbitmq-server` as the shared broker (as the `rabbitmq` user when run as root, which the
Debian wrapper does by itself), so it shares the Erlang cookie and epmd but nothing else.
"""
from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import requests

from propdesk.testing.ports import free_ports

SBIN = "/usr/sbin"


def _tool(name: str) -> str:
    found = shutil.which(name) or shutil.which(name, path=f"{os.environ.get('PATH', '')}:{SBIN}")
    if found is None:
        raise RuntimeError(f"{name} not found: install rabbitmq-server (make broker)")
    return found


class BrokerError(RuntimeError):
    """The private node did not start, stop or answer in time."""


@dataclass
class PrivateBroker:
    """One private RabbitMQ node; see the module docstring."""

    base_dir: Path
    node_port: int
    dist_port: int
    mgmt_port: int
    nodename: str = field(default_factory=lambda: f"propdesk-chaos-{uuid.uuid4().hex[:8]}@localhost")
    log_lines: list[str] = field(default_factory=list)

    @property
    def amqp_uri(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.node_port}/"

    @property
    def rabbit_api(self) -> str:
        return f"http://guest:guest@127.0.0.1:{self.mgmt_port}"

    def _env(self) -> dict[str, str]:
        env = os.environ.copy()
        env.update({
            "LC_ALL": env.get("LC_ALL", "C.UTF-8"),
            "RABBITMQ_NODENAME": self.nodename,
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(self.node_port),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_MNESIA_BASE": str(self.base_dir / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.base_dir / "log"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.base_dir / "enabled_plugins"),
            "RABBITMQ_SERVER_START_ARGS": f"-rabbitmq_management tcp_config [{{port,{self.mgmt_port}}}]",
        })
        return env

    def _ctl(self, *args: str, timeout: float = 60.0, check: bool = True) -> subprocess.CompletedProcess:
        proc = subprocess.run([_tool("rabbitmqctl"), "-n", self.nodename, "-q", *args], env=self._env(),
                              capture_output=True, text=True, timeout=timeout)
        if check and proc.returncode != 0:
            raise BrokerError(f"rabbitmqctl {' '.join(args)} on {self.nodename}: {proc.stderr.strip()[-800:]}")
        return proc

    # -- lifecycle -----------------------------------------------------------------------------
    def start_node(self, timeout: float = 120.0) -> None:
        """Start the Erlang node (detached) and wait until RabbitMQ and its management API answer."""
        subprocess.run([_tool("rabbitmq-server"), "-detached"], env=self._env(), check=True,
                       capture_output=True, timeout=60)
        self._await_running(timeout)

    def _await_running(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:  # the detached node registers with epmd a moment after rabbitmq-server returns
            if self._ctl("await_startup", "--timeout", "10", timeout=30, check=False).returncode == 0 \
                    and self.management_up():
                return
            if time.monotonic() > deadline:
                raise BrokerError(f"{self.nodename} did not start within {timeout:.0f}s; logs in {self.base_dir / 'log'}")
            time.sleep(0.5)

    def management_up(self) -> bool:
        try:
            return requests.get(f"http://127.0.0.1:{self.mgmt_port}/api/overview", auth=("guest", "guest"),
                                timeout=2).ok
        except requests.RequestException:
            return False

    def stop_app(self) -> None:
        """`rabbitmqctl stop_app`: every connection is closed, the node stays up."""
        self._ctl("stop_app")

    def start_app(self, timeout: float = 120.0) -> None:
        self._ctl("start_app", timeout=timeout)
        self._await_running(timeout)

    def stop_node(self, timeout: float = 60.0) -> None:
        """`rabbitmqctl stop`: the whole node goes away; durable queues and messages stay on disk."""
        self._ctl("stop", timeout=timeout)
        deadline = time.monotonic() + timeout
        while self.pids():  # rabbitmqctl returns before the Erlang VM has exited
            if time.monotonic() > deadline:
                raise BrokerError(f"{self.nodename} still running {timeout:.0f}s after rabbitmqctl stop")
            time.sleep(0.2)

    def pids(self) -> list[int]:
        """Processes of this node (found by its unique management port on the command line)."""
        marker = f"{{port,{self.mgmt_port}}}".encode()
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                if marker in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
        return found

    def destroy(self) -> None:
        """Stop the node however it can be stopped, then remove its directory."""
        with contextlib.suppress(Exception):
            self._ctl("stop", timeout=60, check=False)
        deadline = time.monotonic() + 20
        while self.pids() and time.monotonic() < deadline:
            time.sleep(0.5)
        for pid in self.pids():  # only this node's own processes, by their unique port argument
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        shutil.rmtree(self.base_dir, ignore_errors=True)


def _prepare_dir() -> Path:
    base = Path(tempfile.mkdtemp(prefix="propdesk-broker-"))
    base.chmod(0o755)
    (base / "enabled_plugins").write_text("[rabbitmq_management].\n")
    if os.geteuid() == 0:  # the Debian wrapper runs the node as the rabbitmq user
        try:
            user = pwd.getpwnam("rabbitmq")
        except KeyError:
            return base
        for path in (base, base / "enabled_plugins"):
            os.chown(path, user.pw_uid, user.pw_gid)
    return base


def create_private_broker() -> PrivateBroker:
    """A private node, started; call `destroy()` when done (or use `private_broker()`)."""
    node_port, dist_port, mgmt_port = free_ports(3)
    broker = PrivateBroker(_prepare_dir(), node_port, dist_port, mgmt_port)
    try:
        broker.start_node()
    except BaseException:
        broker.destroy()
        raise
    return broker


@contextlib.contextmanager
def private_broker() -> Iterator[PrivateBroker]:
    """A private RabbitMQ node for the duration of the block; always stopped and removed."""
    broker = create_private_broker()
    try:
        yield broker
    finally:
        broker.destroy()
