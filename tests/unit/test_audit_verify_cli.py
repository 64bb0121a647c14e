"""`propdesk audit verify` on real service databases: clean after migrate and demo, and an audit
row edited behind the services' back is named (service, row) with exit 1."""
from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from propdesk.config import Settings
from propdesk.testing.fake import ServiceHarness
from propdesk.chassis.clock import SYSTEM_CLOCK
from propdesk.chassis import migrate
from propdesk.chassis.db import make_engine
from propdesk_services.residents.service import ResidentsService

PROPDESK = [sys.executable, "-c", "import sys; from propdesk.cli import main; sys.exit(main())"]


def run(env, *args):
    return subprocess.run([*PROPDESK, *args], env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture
def data(tmp_path, monkeypatch):
    env = {**os.environ, "PROPDESK_DATA_DIR": str(tmp_path / "var")}
    monkeypatch.setenv("PROPDESK_DATA_DIR", str(tmp_path / "var"))
    url = Settings.from_env().db_url("residents")
    migrate.upgrade(ResidentsService, url)
    app = ServiceHarness(ResidentsService, clock=SYSTEM_CLOCK, engine=make_engine(url), demo=True)
    for role in ("security", "engineering"):  # two refusals: two audit rows in the chain
        try:
            app.command("archive_move_out", {"move_out_id": "MO-1"}, {"id": f"{role}-1", "role": role})
        except Exception:
            pass
    return env, Path(url[len("sqlite:///"):])


def test_a_clean_trail_verifies_and_an_edited_row_is_named(data):
    env, db = data
    ok = run(env, "audit", "verify", "residents")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "residents  ok  2 audit rows" in ok.stdout
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE audit_log SET actor_id = 'someone-else' WHERE id = 1")
    bad = run(env, "audit", "verify", "residents")
    assert bad.returncode == 1
    assert "residents  TAMPERED" in bad.stdout and "audit row 1" in bad.stdout
