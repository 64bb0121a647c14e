"""A record kind the desk knows only from its department's answers, driven in headless Chromium
(Debian's): the real gateway and the fake departments on a throwaway vhost, with the fake
complaints desk (`fakes.FakeHelpdesk`) among the departments the gateway discovers. The flow
(records_flow.py) runs in a child process; screenshots go to var/screenshots/desk/records-*.png
(not committed)."""
from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from propdesk import demo
from propdesk_services.gateway import service as gateway_service
from propdesk_services.gateway.service import GatewayService

from . import fakes
from .test_api import free_port

pytestmark = [pytest.mark.browser]

FLOW = Path(__file__).with_name("records_flow.py")
CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parents[3] / "var" / "screenshots" / "desk"
FLOW_TIMEOUT_S = 240


@pytest.fixture
def desk_url(start_service, monkeypatch) -> str:
    fakes.CALLS.clear()
    fakes.STAFF_CALLS.clear()
    fakes.SESSIONS.clear()
    fakes.HELPDESK.reset()
    discovered = gateway_service.Departments.names
    monkeypatch.setattr(gateway_service.Departments, "names",
                        staticmethod(lambda own: discovered(own) + (fakes.FakeHelpdesk.name,)))
    for fake in fakes.ALL + (fakes.FakeHelpdesk,):
        start_service(fake)
    port = free_port()
    start_service(GatewayService, port=port)
    yield f"http://127.0.0.1:{port}"
    fakes.SESSIONS.clear()
    fakes.HELPDESK.reset()


def test_a_departments_records_are_listed_acted_on_created_and_printed_in_chromium(desk_url):
    assert CHROMIUM.exists(), "Debian's chromium is missing: make chromium"
    assert importlib.util.find_spec("playwright") is not None, "the playwright package is missing: make venv"
    for old in SHOTS.glob("records-*") if SHOTS.is_dir() else ():
        old.unlink()
    proc = subprocess.Popen([sys.executable, str(FLOW), desk_url, str(SHOTS), demo.DEMO_STAFF_PASSWORD],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
                            cwd=str(FLOW.parent))
    try:
        out, _ = proc.communicate(timeout=FLOW_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # the flow and the Chromium it started
        out, _ = proc.communicate()
        pytest.fail(f"no answer within {FLOW_TIMEOUT_S} s:\n{out}")
    assert proc.returncode == 0, f"browser flow failed (screenshots in {SHOTS}):\n{out}"
    assert "ok: a complaint listed, acted on, created, printed and refused" in out
    made = [c for c in fakes.HELPDESK.calls if c[0] in ("register_complaint", "decide_measures")]
    assert [c[0] for c in made] == ["decide_measures", "decide_measures", "register_complaint"]
    assert all(c[2].get("idempotency_key", "").startswith("desk-") for c in made)  # every form carried its key
