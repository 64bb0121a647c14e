"""`make run`'s banner says how to sign in to the desk with the demo accounts (issue #8 §1)."""
from __future__ import annotations

import io

from propdesk import demo, policy
from propdesk.config import Settings
from propdesk.runner import Supervisor


def test_the_banner_names_the_sign_in_page_a_demo_account_and_its_password(tmp_path, monkeypatch):
    monkeypatch.setenv("PROPDESK_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("PROPDESK_GATEWAY_PORT", "8123")
    out = io.StringIO()
    Supervisor(["gateway"], settings=Settings.from_env(), out=out).print_where_to_look()
    text = out.getvalue()
    line = next(line for line in text.splitlines() if "sign in" in line)
    assert f"http://127.0.0.1:8123/sign-in as front_desk / {demo.DEMO_STAFF_PASSWORD}" in line
    named = line.split("one account per role: ")[1].rstrip(", .)").split(", ")
    assert named and set(named) <= set(policy.ROLES)  # real usernames of the demo (username = role code)
    assert "staff desk (UI)      http://127.0.0.1:8123/" in text
