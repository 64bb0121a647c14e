"""A staff member whose password an admin set (``must_change_password``: a new account, a reset)
chooses their own before anything else: sign-in sends them to /password, every desk page redirects
there, every API command answers 403 (``password`` / ``must_change_password``); the page gives
staff's public ``change_password`` (the session token and the current password are the proof, no
idempotency key). Unit tier: auth.py and the desk's routes with a stand-in staff service."""
from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from propdesk import demo
from propdesk.errors import NotFound, ValidationError
from propdesk_services.gateway import api, auth
from propdesk_services.gateway.desk.pages import DeskPages
from propdesk_services.gateway.service import GatewayService

SECRET = b"k" * 43
NEW = "my-own-password-1"


class Staff:
    """The staff service: sessions (token -> account), sign-in, change_password. As auth.py asks it
    (``call``) and as the desk's `Remote` does (its methods); every call recorded."""

    def __init__(self):
        self.calls: list[tuple] = []
        self.forced = {"wangfang": True, "cashier": False}
        self.passwords = {"wangfang": demo.DEMO_STAFF_PASSWORD, "cashier": demo.DEMO_STAFF_PASSWORD}

    def identity(self, username: str) -> dict:
        return {"id": username, "username": username, "name": "王芳", "department": "customer_service",
                "roles": ["front_desk"] if username == "wangfang" else ["cashier"], "estates": ["E1"],
                "must_change_password": self.forced[username]}

    def call(self, service, method, *args, **kwargs):
        return getattr(self, method)(*args, **kwargs)

    def resolve_session(self, token, actor=None):
        self.calls.append(("resolve_session", token))
        username = token.removeprefix("tok-")
        if username not in self.forced:
            raise NotFound("no such session", field="token", rule="session_expired")
        return {"session_id": "S", "staff": self.identity(username), "expires_at": "x", "absolute_expires_at": "y"}

    def sign_in(self, request, actor=None, idempotency_key=None):
        self.calls.append(("sign_in", request, actor))
        return {"token": f"tok-{request['username']}", "staff": self.identity(request["username"])}

    def change_password(self, request, actor=None, **extra):
        self.calls.append(("change_password", request, actor, extra))
        username = request["token"].removeprefix("tok-")
        if request["current_password"] != self.passwords[username]:
            raise ValidationError.one("current_password", "wrong_password", "the current password is not right")
        if len(request["new_password"]) < 10:
            raise ValidationError.one("new_password", "min_length", "a password has at least 10 characters")
        self.passwords[username], self.forced[username] = request["new_password"], False
        return {"session_id": "S", "staff": self.identity(username), "expires_at": "x", "absolute_expires_at": "y"}


class Desk(DeskPages):
    def __init__(self, staff: Staff):
        self.staff = staff
        self.departments = {"staff": staff}
        self.settings = SimpleNamespace(rpc_timeout_s=5.0)
        self.keys = auth.Keys(SECRET)

    def request(self, method: str, path: str, who: str | None = "wangfang", data=None, headers=None) -> Request:
        cookies = f"{auth.SESSION_COOKIE}={self.keys.cookie_value('tok-' + who)}" if who else ""
        if method == "POST" and who and data is not None:
            data = {"csrf_token": self.keys.csrf_token("tok-" + who), **data}
        req = Request(EnvironBuilder(method=method, path=path, data=data,
                                     headers={"Cookie": cookies, **(headers or {})}).get_environ())
        auth.bind(req, auth.Authenticator(self.keys, self.staff))
        return req


@pytest.fixture
def staff() -> Staff:
    return Staff()


@pytest.fixture
def desk(staff) -> Desk:
    return Desk(staff)


def test_the_principal_knows_it_must_change_its_password(desk):
    forced = auth.current_principal(desk.request("GET", "/"))
    assert forced.must_change_password is True
    assert auth.current_principal(desk.request("GET", "/", who="cashier")).must_change_password is False


def test_sign_in_goes_to_the_password_page_first(desk, staff):
    nonce = "n" * 24
    req = Request(EnvironBuilder(method="POST", path="/sign-in", headers={"Cookie": f"{auth.SIGN_IN_COOKIE}={nonce}"},
                                 data={"username": "wangfang", "password": demo.DEMO_STAFF_PASSWORD,
                                       "next": "/move-outs/MO-1",
                                       "csrf_token": desk.keys.sign_in_csrf_token(nonce)}).get_environ())
    auth.bind(req, auth.Authenticator(desk.keys, staff))
    r = auth.sign_in(req)
    assert (r.status_code, r.headers["Location"]) == (303, "/password?next=/move-outs/MO-1")
    staff.forced["cashier"] = False
    req = Request(EnvironBuilder(method="POST", path="/sign-in", headers={"Cookie": f"{auth.SIGN_IN_COOKIE}={nonce}"},
                                 data={"username": "cashier", "password": demo.DEMO_STAFF_PASSWORD, "next": "/search",
                                       "csrf_token": desk.keys.sign_in_csrf_token(nonce)}).get_environ())
    auth.bind(req, auth.Authenticator(desk.keys, staff))
    assert auth.sign_in(req).headers["Location"] == "/search"


@pytest.mark.parametrize("path", ["/", "/search?q=1-1", "/dashboard", "/audit", "/move-outs/MO-1",
                                  "/move-outs/MO-1/actions/residents/withdraw_move_out"])
def test_every_desk_page_sends_such_a_person_to_the_password_page(desk, path):
    route = {"/": "desk_home", "/dashboard": "desk_dashboard", "/audit": "desk_audit"}
    req = desk.request("GET", path)
    if path.startswith("/search"):
        r = desk.desk_search(req)
    elif path.startswith("/move-outs/MO-1/actions"):
        r = desk.desk_move_out_action(req, "MO-1", "residents", "withdraw_move_out")
    elif path.startswith("/move-outs"):
        r = desk.desk_move_out(req, "MO-1")
    else:
        r = getattr(desk, route[path])(req)
    assert r.status_code == 303
    assert r.headers["Location"] == f"/password?next={path.replace('?', '%3F').replace('=', '%3D')}"
    posted = desk.desk_move_out_action(desk.request("POST", "/move-outs/MO-1/actions/residents/withdraw_move_out",
                                                    data={"reason": "x"}), "MO-1", "residents", "withdraw_move_out")
    assert (posted.status_code, posted.headers["Location"]) == (303, "/password?next=/")
    polled = desk.desk_move_out_live(desk.request("GET", "/move-outs/MO-1/live", headers={
        "HX-Request": "true", "HX-Current-URL": "http://desk/move-outs/MO-1"}), "MO-1")
    assert polled.headers["HX-Redirect"] == "/password?next=/move-outs/MO-1"


def test_every_api_command_of_such_a_person_is_403_until_it_is_done(desk, staff):
    service = SimpleNamespace(departments={"staff": staff}, settings=SimpleNamespace(rpc_timeout_s=5.0))
    csrf = desk.keys.csrf_token("tok-wangfang")
    req = desk.request("POST", "/api/move-outs", headers={"X-CSRF-Token": csrf, "Content-Type": "application/json"})
    r = GatewayService._answer(service, api.request_move_out, req)
    body = json.loads(r.get_data())
    assert r.status_code == 403 and (body["field"], body["rule"]) == ("password", "must_change_password")
    r = GatewayService._answer(service, api.staff, desk.request("GET", "/api/staff"))  # reads stay open
    assert r.status_code == 200 and json.loads(r.get_data())["me"]["must_change_password"] is True
    with pytest.raises(auth.PasswordChangeRequired):
        auth.check_password_changed(desk.request("DELETE", "/api/x"), auth.current_principal(desk.request("GET", "/")))
    auth.check_password_changed(desk.request("POST", "/api/x", who="cashier"),
                                auth.current_principal(desk.request("GET", "/", who="cashier")))


def test_the_password_page_changes_it_with_staff_and_goes_on(desk, staff):
    page = desk.desk_password(desk.request("GET", "/password?next=/move-outs/MO-1"))
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="password-forced"' in html and 'value="/move-outs/MO-1"' in html
    assert 'name="csrf_token" value="' + desk.keys.csrf_token("tok-wangfang") in html
    form = {"current_password": demo.DEMO_STAFF_PASSWORD, "new_password": NEW, "new_password_again": NEW,
            "next": "/move-outs/MO-1"}
    # the two new ones differ: said at the field, staff not asked
    r = desk.desk_password(desk.request("POST", "/password", data={**form, "new_password_again": "other"}))
    assert r.status_code == 400 and 'data-for="new_password_again">两次输入的新密码不一致' in r.get_data(as_text=True)
    # staff's refusals at their fields, in the person's words
    r = desk.desk_password(desk.request("POST", "/password", data={**form, "current_password": "wrong"}))
    assert r.status_code == 400 and 'data-for="current_password">当前密码不正确' in r.get_data(as_text=True)
    r = desk.desk_password(desk.request("POST", "/password", data={**form, "new_password": "short",
                                                                   "new_password_again": "short"}))
    assert r.status_code == 400 and 'data-for="new_password">至少 10 个字符' in r.get_data(as_text=True)
    # without the CSRF token: refused, staff not asked
    asked = len([c for c in staff.calls if c[0] == "change_password"])
    no_csrf = Request(EnvironBuilder(method="POST", path="/password", data=form, headers={
        "Cookie": f"{auth.SESSION_COOKIE}={desk.keys.cookie_value('tok-wangfang')}"}).get_environ())
    auth.bind(no_csrf, auth.Authenticator(desk.keys, staff))
    assert desk.desk_password(no_csrf).status_code == 403
    assert len([c for c in staff.calls if c[0] == "change_password"]) == asked
    # done: on to where the person was going, and the pages are open again
    r = desk.desk_password(desk.request("POST", "/password", data=form))
    assert (r.status_code, r.headers["Location"]) == (303, "/move-outs/MO-1")
    (*_, last) = [c for c in staff.calls if c[0] == "change_password"]
    _, request, actor, extra = last
    assert request["token"] == "tok-wangfang" and request["new_password"] == NEW and actor is None
    assert "idempotency_key" not in extra and set(request) == {"token", "current_password", "new_password",
                                                               "address", "user_agent"}
    assert auth.current_principal(desk.request("GET", "/")).must_change_password is False


def test_anyone_may_change_their_password_without_being_forced(desk):
    page = desk.desk_password(desk.request("GET", "/password", who="cashier")).get_data(as_text=True)
    assert 'id="password-forced"' not in page and 'href="/">取消' in page
    assert 'id="password-link"' in page
