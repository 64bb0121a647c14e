"""The real propdesk system for the end-to-end scenarios (S3, S3-max, S3b, M).

Started the way `make run` and the `system` test fixture start it: `propdesk migrate`, `propdesk
demo`, then the real `Supervisor` with every service in its own process, on the scenario's vhost
and data dir (bench.run exports PROPDESK_AMQP_URI and PROPDESK_DATA_DIR) and on free ports. An
optional `seed(data_dir)` step writes bench rows into the migrated databases before any service
starts (see bench/seed.py). The processes are always stopped when the block ends, also on error.

The caller's process must be eventlet-patched (the supervisor's watcher is a greenthread).
"""
from __future__ import annotations

import contextlib
import ctypes
import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, Iterator

import eventlet

from propdesk import plugins
from propdesk.config import Settings
from propdesk.runner import Child, Supervisor
from propdesk.testing.ports import free_ports

#: How long every service gets to answer /health after start (the machine is shared and slow).
READY_TIMEOUT_S = 120.0


def say(text: str) -> None:
    """A progress line on stderr (bench.run shows the child's stderr as it goes)."""
    print(f"  [{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def _cli(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "propdesk.cli", *args], check=True, env=os.environ.copy(),
                   stdout=subprocess.DEVNULL)


PR_SET_PDEATHSIG = 1


def _killed_with_parent() -> None:
    """Popen preexec_fn: Linux sends SIGKILL to this child when the process that started it dies."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL))


class BenchSupervisor(Supervisor):
    """The real supervisor, except that each service process is killed by Linux when the scenario
    process dies, even by SIGKILL (PR_SET_PDEATHSIG), so no service outlives its scenario."""

    def _spawn(self, child: Child) -> None:
        with open(child.log_path, "ab") as log:
            child.proc = subprocess.Popen([sys.executable, "-m", "propdesk.worker", child.name],
                                          stdout=log, stderr=subprocess.STDOUT, env=self.child_environment(child),
                                          start_new_session=True, preexec_fn=_killed_with_parent)
        child.started_at = time.monotonic()


@contextlib.contextmanager
def running_system(name: str, seed: Callable[[Path], None] | None = None,
                   scale: dict[str, int] | None = None) -> Iterator[BenchSupervisor]:
    """Migrate, load the demo estate, run `seed(data_dir)`, start every service supervised (as
    many processes of a service as `scale` says, `propdesk run --scale`, each on a free port);
    yield the Supervisor once all answer /health; stop them all afterwards.

    Each system gets its own data dir, ``<PROPDESK_DATA_DIR>/<name>`` (a scenario may start
    several); its databases are deleted after the stop (a seeded history takes gigabytes), its
    logs are kept."""
    base = os.environ.setdefault("PROPDESK_BENCH_DATA_ROOT", os.environ.get("PROPDESK_DATA_DIR", "var"))
    os.environ["PROPDESK_DATA_DIR"] = str(Path(base) / name)
    classes = plugins.service_classes()
    scale = scale or {}
    slots = [f"PROPDESK_{name.upper()}_PORT" + (f"_{n}" if n > 1 else "")
             for name in sorted(classes) for n in range(1, scale.get(name, 1) + 1)]
    for port, slot in zip(free_ports(len(slots)), slots):
        os.environ[slot] = str(port)
    settings = Settings.from_env()
    started = time.monotonic()
    _cli("migrate")
    _cli("demo")
    if seed is not None:
        seed(settings.data_dir)
    say(f"migrated and seeded in {time.monotonic() - started:.1f} s; starting {len(slots)} processes "
        f"of {len(classes)} services")
    out = io.StringIO()
    sup = BenchSupervisor(settings=settings, out=out, scale=scale)
    watching = [True]

    def supervise() -> None:  # what `propdesk run` does in its main loop: restart what died
        while watching[0]:
            sup.supervise_once()
            eventlet.sleep(0.2)

    watcher = None
    try:
        sup.start()
        watcher = eventlet.spawn(supervise)
        if not sup.wait_ready(READY_TIMEOUT_S):
            raise RuntimeError(f"services did not answer /health in {READY_TIMEOUT_S:.0f} s: {out.getvalue()}")
        say(f"system up in {time.monotonic() - started:.1f} s")
        yield sup
    finally:
        watching[0] = False
        if watcher is not None:
            watcher.wait()
        sup.stop()
        for db_file in settings.data_dir.glob("*.db*"):
            db_file.unlink()
        restarts = {c.name: c.restarts for c in sup.children if c.restarts}
        if restarts:
            say(f"services restarted during the run: {restarts} ({out.getvalue().strip()})")
