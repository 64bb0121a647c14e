"""The desk in headless Chromium against the whole system (every real service under the real
supervisor, demo data loaded): one tenant move-out from the request to the goods released.

Playwright's sync API hangs in this eventlet-patched process, so the browser is driven by
browser_flow.py in a child process; it prints each step and exits non-zero naming the one that
failed. Screenshots of every step are left in the test's tmp_path (shots/).
"""
from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from propdesk import demo

pytestmark = [pytest.mark.browser, pytest.mark.system]

FLOW = Path(__file__).with_name("browser_flow.py")
CHROMIUM = Path("/usr/bin/chromium")
FLOW_TIMEOUT_S = 300


def _run_flow(*args: str) -> tuple[int, str]:
    proc = subprocess.Popen([sys.executable, str(FLOW), *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=FLOW_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # the flow and the Chromium it started
        out, _ = proc.communicate()
        return -1, out + f"\n(no answer within {FLOW_TIMEOUT_S} s)"
    return proc.returncode, out


def test_a_move_out_at_the_desk_from_request_to_goods_released(gateway_url, tmp_path):
    # `make test` installs both; a missing one is a broken set-up, not a reason to skip
    assert CHROMIUM.exists(), "Debian's chromium is missing: make chromium"
    assert importlib.util.find_spec("playwright") is not None, "the playwright package is missing: make venv"
    shots = tmp_path / "shots"
    code, out = _run_flow(gateway_url, str(shots), demo.DEMO_ARREARS_UNIT, demo.DEMO_ARREARS_TENANT,
                          str(demo.DEMO_ARREARS_AMOUNT))
    assert code == 0, f"browser flow failed (screenshots in {shots}):\n{out}"
    assert f"ok: {demo.DEMO_ARREARS_UNIT} released at the gate" in out
