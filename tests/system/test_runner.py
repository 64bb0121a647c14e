"""`propdesk run` as an operator uses it: prints where to look, restarts a crashed service, and
Ctrl-C stops everything cleanly."""
from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest
import requests

from tests.helpers import wait_for

pytestmark = pytest.mark.system


def test_run_prints_where_to_look_restarts_a_crash_and_stops_on_ctrl_c(propdesk_env, monkeypatch, tmp_path):
    monkeypatch.setenv("PROPDESK_TICKETS_PORT", "18302")
    env = os.environ.copy()
    subprocess.run([sys.executable, "-m", "propdesk.cli", "migrate", "tickets"], check=True, env=env,
                   stdout=subprocess.DEVNULL)
    log = tmp_path / "run.out"
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "propdesk.cli", "run", "tickets"], env=env,
                                stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_for(lambda: "propdesk is up" in log.read_text(), timeout=60, what="the runner to report ready")
        text = log.read_text()
        assert "http://127.0.0.1:18302/metrics" in text and "propdesk dlq list" in text

        wait_for(lambda: _up(18302), timeout=30, what="tickets to answer")
        pid = _worker_pid("tickets")
        os.kill(pid, signal.SIGKILL)
        wait_for(lambda: "restarted tickets" in log.read_text(), timeout=30, what="the restart")
        wait_for(lambda: _up(18302), timeout=60, what="tickets to answer again")
        assert _worker_pid("tickets") != pid

        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 0
        assert "stopped." in log.read_text()
        assert _worker_pid("tickets") is None
    finally:
        if proc.poll() is None:
            proc.kill()


def _up(port):
    try:
        return requests.get(f"http://127.0.0.1:{port}/health", timeout=1).ok
    except requests.RequestException:
        return False


def _worker_pid(name):
    """The pid of this test's worker process for a service (other runs may have their own)."""
    candidates = subprocess.run(["pgrep", "-f", f"propdesk.worker {name}$"], capture_output=True,
                                text=True).stdout.split()
    for pid in candidates:
        try:
            environ = open(f"/proc/{pid}/environ", "rb").read().decode(errors="replace")
        except OSError:  # it ended meanwhile
            continue
        if os.environ["PROPDESK_DATA_DIR"] in environ:
            return int(pid)
    return None
