"""The whole system, started the way `make run` starts it: migrate, demo data, `propdesk run`
(one process per service under the real supervisor), on a throwaway vhost and data dir, with
ports away from a developer's running instance."""
from __future__ import annotations

import io
import os
import subprocess
import sys

import eventlet
import pytest
from nameko.standalone.rpc import ClusterRpcProxy

from propdesk import plugins
from propdesk.runner import Supervisor

PORT_BASE = 18000


@pytest.fixture
def system(propdesk_env, monkeypatch):
    classes = plugins.service_classes()
    for i, (name, cls) in enumerate(sorted(classes.items())):
        monkeypatch.setenv(f"PROPDESK_{name.upper()}_PORT", str(PORT_BASE + 100 + i))
    monkeypatch.setenv("PROPDESK_GATEWAY_PORT", str(PORT_BASE))
    env = os.environ.copy()
    for args in (["migrate"], ["demo"]):
        subprocess.run([sys.executable, "-m", "propdesk.cli", *args], check=True, env=env,
                       stdout=subprocess.DEVNULL)
    out = io.StringIO()
    sup = Supervisor(settings=None, out=out)
    sup.start()
    watching = [True]

    def supervise():  # what `propdesk run` does in its main loop: restart what died
        while watching[0]:
            sup.supervise_once()
            eventlet.sleep(0.2)

    watcher = eventlet.spawn(supervise)
    try:
        assert sup.wait_ready(90), f"services did not come up: {out.getvalue()}"
        yield sup
    finally:
        watching[0] = False
        watcher.wait()
        sup.stop()


@pytest.fixture
def rpc(system, propdesk_env):
    with ClusterRpcProxy({"AMQP_URI": propdesk_env.amqp_uri}, timeout=30) as proxy:
        yield proxy


@pytest.fixture
def gateway_url(system, propdesk_env):
    return f"http://127.0.0.1:{PORT_BASE}"
