"""The whole system under the real supervisor, on a given broker and data dir (tests, `make chaos`).

    with running_system({"PROPDESK_AMQP_URI": uri, "PROPDESK_DATA_DIR": str(tmp)}) as sup:
        sup.pid("billing")      # the real `Supervisor`; a greenthread restarts what dies
    # every service stopped; the environment is as it was

It does what `make run` does: `propdesk migrate`, `propdesk demo`, then one process per service,
restarted when it exits. The given variables (and a free port per service) are set in
`os.environ` for the block, so the supervisor and its children see them. An optional `seed`
callback runs after the demo data is loaded and before any service starts (extra test data
written straight into the services' own databases). An optional `scale` ({"billing": 2, ...})
runs that many processes of a service (`propdesk run --scale`), each replica on a free port of
its own; `services` runs only those (all of them are migrated and loaded with the demo all
the same). Run it eventlet-patched.
"""
from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from typing import Callable, Iterator

import eventlet

from propdesk import plugins
from propdesk.config import Settings
from propdesk.runner import Supervisor
from propdesk.testing.ports import free_ports


@contextlib.contextmanager
def patched_environ(values: dict[str, str]) -> Iterator[None]:
    """Set environment variables for the block, then put back what was there."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _cli(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "propdesk.cli", *args], check=True, env=os.environ.copy(),
                   stdout=subprocess.DEVNULL, timeout=300)


@contextlib.contextmanager
def running_system(env: dict[str, str], seed: Callable[[Settings], None] | None = None,
                   ready_timeout: float = 120.0, scale: dict[str, int] | None = None,
                   services: list[str] | None = None) -> Iterator[Supervisor]:
    """Migrate, load the demo, seed, start every service supervised; stop them all afterwards."""
    names = sorted(plugins.service_classes())
    scale = scale or {}
    slots = [f"PROPDESK_{name.upper()}_PORT" + (f"_{n}" if n > 1 else "")
             for name in names for n in range(1, scale.get(name, 1) + 1)]
    ports = {slot: str(port) for slot, port in zip(slots, free_ports(len(slots)))}
    with patched_environ({**env, **ports}):
        _cli("migrate")
        _cli("demo")
        if seed is not None:
            seed(Settings.from_env())
        out = io.StringIO()
        sup = Supervisor(services, settings=None, out=out, scale=scale)
        watching = [True]

        def supervise() -> None:  # what `propdesk run` does in its main loop: restart what died
            while watching[0]:
                sup.supervise_once()
                eventlet.sleep(0.2)

        sup.start()
        watcher = eventlet.spawn(supervise)
        try:
            if not sup.wait_ready(ready_timeout):
                raise RuntimeError(f"services did not come up within {ready_timeout:.0f}s: {out.getvalue()}")
            yield sup
        finally:
            watching[0] = False
            watcher.wait()
            sup.stop()


def all_healthy(sup: Supervisor) -> bool:
    """Every supervised service is running and answers /health as ready."""
    return all(c.proc is not None and c.proc.poll() is None and sup.healthy(c) for c in sup.children)
