"""Signing in at the gateway against the REAL staff service (demo accounts, argon2 passwords,
server-side sessions), on the real broker; the other departments are the fakes (fakes.py), but for
the refusal the real residents department audits. No sleeping: an expired session is one whose
"last seen" the test moves back in the staff database.
"""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
import requests
from nameko.standalone.rpc import ClusterRpcProxy
from sqlalchemy import MetaData, Table, create_engine, select, update
from sqlalchemy.orm import Session

from propdesk import demo, plugins
from propdesk.chassis.tables import AuditRow
from propdesk.domain import as_utc
from propdesk_services.gateway.service import GatewayService

from . import fakes
from .signing_in import form_value, post_sign_in, signed_in
from .test_api import CASE_ID, MOVE_OUT, calls, free_port

WRONG = "not-the-password"
#: The real departments, discovered as the runner finds them (the gateway and its tests import no
#: department's code: they know a department by its RPC contract, `propdesk.contracts.rpc`).
StaffService = plugins.service_classes(["staff"])["staff"]
ResidentsService = plugins.service_classes(["residents"])["residents"]


class System:
    def __init__(self, base: str, env):
        self.base = base
        self.env = env

    def audit(self, service: str, action: str | None = None) -> list[AuditRow]:
        engine = create_engine(self.env.db_url(service))
        try:
            with Session(engine) as s:
                stmt = select(AuditRow).order_by(AuditRow.id)
                if action:
                    stmt = stmt.where(AuditRow.action == action)
                rows = list(s.scalars(stmt))
                s.expunge_all()
                return rows
        finally:
            engine.dispose()

    def staff_rpc(self, method: str, *args, **kwargs):
        with ClusterRpcProxy({"AMQP_URI": self.env.amqp_uri}, timeout=30) as proxy:
            return getattr(proxy.staff, method)(*args, **kwargs)


@pytest.fixture
def start_system(start_service, propdesk_env):
    fakes.CALLS.clear()

    def start(real: tuple = ()) -> System:
        start_service(StaffService)
        engine = create_engine(propdesk_env.db_url("staff"))
        with Session(engine) as s:
            StaffService.load_demo(s)
            s.commit()
        engine.dispose()
        for service_cls in real:
            start_service(service_cls)
        for fake in fakes.ALL:
            if fake.name != "staff" and fake.name not in {cls.name for cls in real}:
                start_service(fake)
        port = free_port()
        start_service(GatewayService, port=port)
        return System(f"http://127.0.0.1:{port}", propdesk_env)

    yield start
    fakes.CALLS.clear()


@pytest.fixture
def system(start_system) -> System:
    return start_system()


def set_cookie_header(response, name: str) -> str:
    (header,) = [h for h in response.raw.headers.getlist("Set-Cookie") if h.startswith(name + "=")]
    return header


# --- signing in ------------------------------------------------------------------------------------
def test_a_demo_account_signs_in_and_the_desk_knows_who_it_is(system):
    r = requests.get(system.base + "/", allow_redirects=False, timeout=30)
    assert (r.status_code, r.headers["Location"]) == (303, "/sign-in?next=/")
    browser = requests.Session()
    browser.headers["User-Agent"] = "gateway-auth-test"
    r = post_sign_in(browser, system.base, "cashier", next_path="/api/staff")
    assert (r.status_code, r.headers["Location"]) == (303, "/api/staff")
    cookie = set_cookie_header(r, "propdesk_session")
    attributes = {part.strip().split("=")[0].lower(): part.strip() for part in cookie.split(";")[1:]}
    assert attributes["max-age"] == "Max-Age=43200" and attributes["path"] == "Path=/"
    assert "httponly" in attributes and attributes["samesite"] == "SameSite=Lax" and "secure" not in attributes
    me = browser.get(system.base + "/api/staff", timeout=30).json()["me"]
    assert (me["id"], me["name"], me["roles"], me["kind"]) == ("cashier", "孙燕", ["cashier"], "session")
    (signed,) = system.audit("staff", "staff.signed_in")
    details = json.loads(signed.details)
    assert (signed.object_id, details["address"], details["user_agent"]) == ("cashier", "127.0.0.1",
                                                                           "gateway-auth-test")
    # a payment acts as the cashier (the CSRF token from /api/staff)
    r = browser.post(system.base + "/api/payments", json={"unit_id": "1-1-702", "amount": "392.60", "method": "cash",
                                                          "receipt_no": "R-1"},
                     headers={"X-CSRF-Token": me["csrf_token"]}, timeout=30)
    assert r.status_code == 201 and calls("billing", "record_payment")[-1][3] == {
        "actor": {"id": "cashier", "role": "cashier", "estates": ["E1"], "address": "127.0.0.1"}}
    # the page carries the same CSRF token for app.js
    page = browser.get(system.base + "/", timeout=30)
    assert page.status_code == 200 and f'content="{me["csrf_token"]}"' in page.text


def test_a_wrong_password_shows_the_form_again_with_the_message_at_the_password(system):
    browser = requests.Session()
    r = post_sign_in(browser, system.base, "cashier", WRONG, next_path="/cases")
    assert r.status_code == 400 and r.headers["Content-Type"].startswith("text/html")
    assert "用户名或密码错误" in r.text and form_value(r.text, "username") == "cashier"
    assert form_value(r.text, "next") == "/cases"
    assert "propdesk_session" not in browser.cookies
    assert browser.get(system.base + "/api/units", timeout=30).status_code == 401
    (failed,) = system.audit("staff", "staff.sign_in_failed")
    assert json.loads(failed.details)["reason"] == "wrong_password"


def test_the_fifth_failure_locks_the_username_out_even_for_the_right_password(system):
    browser = requests.Session()
    statuses = [post_sign_in(browser, system.base, "security", WRONG).status_code for _ in range(5)]
    assert statuses == [400, 400, 400, 400, 429]
    r = post_sign_in(browser, system.base, "security")
    assert r.status_code == 429 and "propdesk_session" not in browser.cookies
    assert len(system.audit("staff", "staff.locked_out")) == 1
    assert post_sign_in(requests.Session(), system.base, "cashier").status_code == 303  # others are not locked


def test_another_site_cannot_sign_a_browser_in(system):
    """A sign-in form posted from elsewhere has no CSRF value of this site's sign-in page."""
    r = requests.post(system.base + "/sign-in", data={"username": "cashier", "password": demo.DEMO_STAFF_PASSWORD,
                                                      "csrf_token": "x"}, allow_redirects=False, timeout=30)
    assert r.status_code == 403 and "propdesk_session" not in r.cookies
    assert system.audit("staff", "staff.signed_in") == []


# --- signing out and expiry ------------------------------------------------------------------------
def test_signing_out_really_ends_the_session(system):
    browser = signed_in(system.base, "front_desk")
    stolen = browser.cookies["propdesk_session"]
    r = browser.post(system.base + "/sign-out", headers={"X-CSRF-Token": None}, allow_redirects=False, timeout=30)
    assert r.status_code == 403 and r.json()["rule"] == "csrf"  # another site cannot sign anyone out
    assert browser.get(system.base + "/api/units", timeout=30).status_code == 200
    token = browser.headers["X-CSRF-Token"]
    r = browser.post(system.base + "/sign-out", data={"csrf_token": token}, allow_redirects=False, timeout=30)
    assert (r.status_code, r.headers["Location"]) == (303, "/sign-in?signed_out=1")
    assert "propdesk_session" not in browser.cookies
    replay = requests.get(system.base + "/api/units", cookies={"propdesk_session": stolen}, timeout=30)
    assert replay.status_code == 401 and replay.json()["rule"] == "sign_in_required"
    r = requests.get(system.base + "/", cookies={"propdesk_session": stolen}, allow_redirects=False, timeout=30)
    assert r.headers["Location"] == "/sign-in?next=/&ended=1"
    (out,) = system.audit("staff", "staff.signed_out")
    assert out.object_id == "front_desk"


def test_an_expired_session_is_401_and_the_page_asks_to_sign_in_again(system):
    browser = signed_in(system.base, "engineering")
    assert browser.get(system.base + "/api/units", timeout=30).status_code == 200
    engine = create_engine(system.env.db_url("staff"))
    sessions = Table("staff_session", MetaData(), autoload_with=engine)
    with Session(engine) as s:  # 31 minutes without a request: idle expiry (the service's clock is real)
        (row,) = s.execute(select(sessions).where(sessions.c.username == "engineering")).all()
        s.execute(update(sessions).where(sessions.c.session_id == row.session_id)
                  .values(last_seen_at=as_utc(row.last_seen_at) - timedelta(minutes=31)))
        s.commit()
    engine.dispose()
    r = browser.post(system.base + f"/api/move-outs/{CASE_ID}/inspection", json={"passed": True}, timeout=30)
    assert r.status_code == 401 and "ended" in r.json()["message"]
    assert calls("tickets", "record_inspection") == []
    r = browser.get(system.base + "/", allow_redirects=False, timeout=30)
    assert (r.status_code, r.headers["Location"]) == (303, "/sign-in?next=/&ended=1")
    page = browser.get(system.base + r.headers["Location"], timeout=30)
    assert page.status_code == 200 and "propdesk_session" not in browser.cookies


# --- a password an admin set ------------------------------------------------------------------------
def test_an_account_an_admin_added_changes_its_password_before_anything_else(system):
    first, own = "first-password-1", "my-own-password-1"
    system.staff_rpc("add_staff", {"username": "wangfang", "name": "王芳", "department": "customer_service",
                                   "roles": ["front_desk"], "estates": ["E1"], "password": first},
                     actor={"id": "admin", "role": "admin"})
    browser = requests.Session()
    r = post_sign_in(browser, system.base, "wangfang", first, next_path="/search")
    assert (r.status_code, r.headers["Location"]) == (303, "/password?next=/search")
    r = browser.get(system.base + "/", allow_redirects=False, timeout=30)
    assert (r.status_code, r.headers["Location"]) == (303, "/password?next=/")
    me = browser.get(system.base + "/api/staff", timeout=30).json()["me"]
    assert me["must_change_password"] is True
    csrf = {"X-CSRF-Token": me["csrf_token"]}
    r = browser.post(system.base + "/api/move-outs", json=MOVE_OUT, headers=csrf, timeout=30)
    assert r.status_code == 403 and (r.json()["field"], r.json()["rule"]) == ("password", "must_change_password")
    assert calls("residents", "request_move_out") == []
    page = browser.get(system.base + "/password?next=/search", timeout=30)
    assert page.status_code == 200
    r = browser.post(system.base + "/password", allow_redirects=False, timeout=30, data={
        "csrf_token": form_value(page.text, "csrf_token", "/password"), "next": "/search",
        "current_password": first, "new_password": own, "new_password_again": own})
    assert (r.status_code, r.headers["Location"]) == (303, "/search"), r.text[:500]
    assert browser.get(system.base + "/", allow_redirects=False, timeout=30).status_code == 200
    r = browser.post(system.base + "/api/move-outs", json=MOVE_OUT, headers=csrf, timeout=30)
    assert r.status_code == 201, r.text  # the same session goes on, free
    (changed,) = system.audit("staff", "staff.password_changed")
    assert changed.object_id == "wangfang" and json.loads(changed.details)["address"] == "127.0.0.1"
    assert post_sign_in(requests.Session(), system.base, "wangfang", own).headers["Location"] == "/"


# --- API tokens ------------------------------------------------------------------------------------
def test_an_api_token_acts_with_its_roles_until_it_is_revoked(system):
    admin = {"id": "admin", "role": "admin"}
    created = system.staff_rpc("create_api_token", {"name": "gate-kiosk", "roles": ["security"], "estates": ["E1"]},
                               actor=admin)
    bearer = {"Authorization": f"Bearer {created['token']}"}
    r = requests.post(system.base + "/api/release-slips/RS-20261102-0001/release", headers=bearer, timeout=30)
    assert r.status_code == 200, r.text  # no CSRF token needed
    assert calls("access", "release_at_gate")[-1][3] == {"actor": {"id": "token:gate-kiosk", "role": "security", "estates": ["E1"], "address": "127.0.0.1"}}
    r = requests.post(system.base + "/api/move-outs", json=MOVE_OUT, headers=bearer, timeout=30)
    assert r.status_code == 403 and r.json()["rule"] == "role_not_allowed"
    system.staff_rpc("revoke_api_token", {"name": "gate-kiosk"}, actor=admin)
    r = requests.get(system.base + "/api/units", headers=bearer, timeout=30)
    assert r.status_code == 401 and "revoked" in r.json()["message"]


# --- the department refuses, and audits ------------------------------------------------------------
def test_a_role_the_policy_refuses_is_403_from_the_department_which_audits_it(start_system):
    system = start_system(real=(ResidentsService,))
    guard = signed_in(system.base, "security")
    r = guard.post(system.base + "/api/move-outs", json=MOVE_OUT, headers={"X-Staff-Role": "cs_manager"}, timeout=30)
    assert r.status_code == 403, r.text
    body = r.json()
    assert (body["error"], body["field"], body["rule"]) == ("forbidden", "actor.role", "role_not_allowed")
    assert "security" in body["message"]
    (refused,) = system.audit("residents", "refused")
    assert (refused.actor_id, refused.actor_role, refused.object_id) == ("security", "security",
                                                                         "residents.request_move_out")
