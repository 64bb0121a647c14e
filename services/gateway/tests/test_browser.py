"""The staff desk in headless Chromium (Debian's) against the whole system: every real service
under the real supervisor, demo data and demo staff accounts loaded (issue #8 §3).

Playwright's sync API hangs in this eventlet-patched process, so the browser is driven by
desk_flow.py in a child process; it prints each step and exits non-zero naming the one that
failed. Screenshots of the main pages are left in var/screenshots/desk/ (not committed) for a
person to look at, and failed-<person>.png of every open page when a step fails.
"""
from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from propdesk import demo

pytestmark = [pytest.mark.browser, pytest.mark.system]

FLOW = Path(__file__).with_name("desk_flow.py")
CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parents[3] / "var" / "screenshots" / "desk"
FLOW_TIMEOUT_S = 420


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


def test_the_desk_drives_move_outs_in_both_languages_with_each_roles_actions(gateway_url, rpc):
    # `make test` installs both; a missing one is a broken set-up, not a reason to skip
    assert CHROMIUM.exists(), "Debian's chromium is missing: make chromium"
    assert importlib.util.find_spec("playwright") is not None, "the playwright package is missing: make venv"
    for old in SHOTS.glob("*.png") if SHOTS.is_dir() else ():
        old.unlink()
    from tests.system.test_move_out import final_supplies

    # what engineering reads at each exit: each meter as it last read (nothing used since)
    readings = {unit: {s["utility"]: s["reading"] for s in final_supplies(rpc, unit) if "reading" in s}
                for unit in (demo.DEMO_ARREARS_UNIT, demo.DEMO_HAPPY_UNIT)}
    code, out = _run_flow(gateway_url, str(SHOTS), demo.DEMO_ARREARS_UNIT, demo.DEMO_ARREARS_TENANT,
                          str(demo.DEMO_ARREARS_AMOUNT), demo.DEMO_HAPPY_UNIT, demo.DEMO_STAFF_PASSWORD,
                          json.dumps(readings))
    assert code == 0, f"browser flow failed (screenshots in {SHOTS}):\n{out}"
    assert f"ok: {demo.DEMO_ARREARS_UNIT} and {demo.DEMO_HAPPY_UNIT} moved out and archived" in out
