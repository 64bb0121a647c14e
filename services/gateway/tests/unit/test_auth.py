"""auth.py on the unit tier: the signed cookie, the CSRF tokens, who acts for a command, safe
redirects, the principal from each kind of credential (with a stand-in for the staff service that
counts its calls), the sign-in and sign-out pages, and the key in the settings. No broker."""
from __future__ import annotations

import os
import stat
from http.cookies import SimpleCookie
from pathlib import Path

import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from propdesk import demo
from propdesk.config import Settings
from propdesk.errors import NotFound, ValidationError
from propdesk_services.gateway import auth
from propdesk_services.gateway.errors import error_status_and_body

SECRET = b"k" * 43
NOW = 1_800_000_000.0
IDENTITY = {"id": "cashier", "username": "cashier", "name": "孙燕", "department": "finance", "roles": ["cashier"],
            "estates": ["E1"], "must_change_password": False}


class Clock:
    def __init__(self, t: float = NOW):
        self.t = t

    def __call__(self) -> float:
        return self.t


class FakeStaff:
    """The staff service as `Remote.call` reaches it: sessions by token, API tokens, sign-in/out."""

    def __init__(self):
        self.calls: list[tuple] = []
        self.sessions = {"tok-cashier": IDENTITY}
        self.tokens = {"pdt_gate": {"id": "token:gate", "name": "gate", "roles": ["security"], "estates": ["E1"],
                                    "expires_at": None}}

    def call(self, service, method, *args, **kwargs):
        assert service == "staff"
        self.calls.append((method, args, kwargs))
        if method == "resolve_session":
            if args[0] not in self.sessions:
                raise NotFound("no such session", field="token", rule="session_expired")
            return {"session_id": "S-1", "staff": self.sessions[args[0]], "expires_at": "x", "absolute_expires_at": "y"}
        if method == "resolve_api_token":
            if args[0] not in self.tokens:
                raise NotFound("no such API token", field="token", rule="token_invalid")
            return self.tokens[args[0]]
        if method == "sign_in":
            request = args[0]
            if request["username"] == "locked":
                raise ValidationError.one("username", "locked_out", "locked until 10:15")
            if request["password"] != demo.DEMO_STAFF_PASSWORD:
                raise ValidationError.one("password", "sign_in_failed", "wrong username or password")
            self.sessions["tok-new"] = {**IDENTITY, "id": request["username"]}
            return {"token": "tok-new", "staff": self.sessions["tok-new"]}
        if method == "sign_out":
            if self.sessions.pop(args[0]["token"], None) is None:
                raise NotFound("ended already", field="token", rule="session_expired")
            return {"signed_out": True}
        raise AssertionError(method)


@pytest.fixture
def keys() -> auth.Keys:
    return auth.Keys(SECRET, clock=Clock())


@pytest.fixture
def staff() -> FakeStaff:
    return FakeStaff()


def request(keys, staff, method="GET", path="/api/units", cookie=None, headers=None, secure=False, **kw) -> Request:
    headers = dict(headers or {})
    if cookie is not None:
        headers["Cookie"] = cookie
    req = Request(EnvironBuilder(method=method, path=path, headers=headers, **kw).get_environ())
    auth.bind(req, auth.Authenticator(keys, staff, cookie_secure=secure))
    return req


def session_cookie(keys, token="tok-cashier") -> str:
    return f"{auth.SESSION_COOKIE}={keys.cookie_value(token)}"


def set_cookies(response) -> dict[str, SimpleCookie]:
    out = {}
    for header in response.headers.getlist("Set-Cookie"):
        jar = SimpleCookie()
        jar.load(header)
        (name,) = jar.keys()
        out[name] = (jar[name], header)
    return out


# --- the signed cookie ----------------------------------------------------------------------------
def test_a_cookie_carries_the_token_only_while_its_signature_holds(keys):
    value = keys.cookie_value("tok-cashier")
    assert value.startswith("tok-cashier.") and keys.session_token(value) == "tok-cashier"
    token, stamp, sig = value.split(".")
    assert keys.session_token(f"tok-manager.{stamp}.{sig}") is None  # another token under the same signature
    assert keys.session_token(value[:-2] + ("AA" if not value.endswith("AA") else "BB")) is None
    assert keys.session_token(auth.Keys(b"x" * 43, clock=Clock()).cookie_value("tok-cashier")) is None
    for junk in (None, "", "tok-cashier", "a.b.c", "x" * 1000):
        assert keys.session_token(junk) is None


def test_a_cookie_older_than_twelve_hours_is_refused_without_asking_staff():
    clock = Clock()
    keys = auth.Keys(SECRET, clock=clock)
    value = keys.cookie_value("tok-cashier")
    clock.t = NOW + auth.SESSION_MAX_AGE_S
    assert keys.session_token(value) == "tok-cashier"
    clock.t = NOW + auth.SESSION_MAX_AGE_S + 1
    assert keys.session_token(value) is None


def test_csrf_tokens_are_per_session_and_not_the_sign_in_forms(keys):
    one, again, other = keys.csrf_token("tok-a"), keys.csrf_token("tok-a"), keys.csrf_token("tok-b")
    assert one == again and one != other and len(one) == 64
    assert keys.sign_in_csrf_token("tok-a") != one
    assert auth.Keys(b"y" * 43).csrf_token("tok-a") != one
    assert "tok-a" not in one and keys.cookie_value("tok-a").split(".")[-1] not in one


# --- who acts for a command -----------------------------------------------------------------------
def principal(*roles: str, kind="session") -> auth.Principal:
    return auth.Principal(id="p", name="P", roles=roles, estates=("E1",), kind=kind, csrf_token="c")


@pytest.mark.parametrize("roles, command, role", [
    (("cashier",), ("billing", "record_payment"), "cashier"),
    (("security", "engineering"), ("tickets", "record_inspection"), "engineering"),
    (("front_desk", "cashier"), ("billing", "record_payment"), "front_desk"),  # the first the policy allows
    (("cashier", "front_desk"), ("billing", "record_payment"), "cashier"),
    (("security",), ("residents", "request_move_out"), None),
    (("front_desk",), ("residents", "no_such_command"), None),  # deny by default
    ((), ("billing", "record_payment"), None),
])
def test_actor_for_is_the_first_role_the_policy_allows(roles, command, role):
    actor = principal(*roles).actor_for(*command)
    assert actor == (None if role is None else {"id": "p", "role": role})


# --- safe redirects -------------------------------------------------------------------------------
@pytest.mark.parametrize("value, expected", [
    ("/", "/"), ("/cases/MO-1?tab=timeline#t", "/cases/MO-1?tab=timeline#t"), ("/sign-in?next=/x", "/sign-in?next=/x"),
    (None, "/"), ("", "/"), ("cases", "/"), ("//evil.example", "/"), ("/\\evil.example", "/"),
    ("https://evil.example/", "/"), ("http:/evil", "/"), ("javascript:alert(1)", "/"), ("/x\r\nSet-Cookie: a=b", "/"),
    ("/\tevil", "/"), ("/sign-out", "/"), ("/" + "a" * 3000, "/"), (" /x", "/"),
])
def test_next_is_only_ever_a_path_on_this_site(value, expected):
    assert auth.safe_next(value) == expected


# --- the principal of a request -------------------------------------------------------------------
def test_a_session_cookie_is_resolved_once_per_request(keys, staff):
    req = request(keys, staff, cookie=session_cookie(keys) + f"; {auth.LANG_COOKIE}=en")
    p = auth.current_principal(req)
    assert (p.id, p.name, p.roles, p.estates, p.kind, p.lang) == ("cashier", "孙燕", ("cashier",), ("E1",), "session", "en")
    assert p.csrf_token == keys.csrf_token("tok-cashier")
    assert auth.current_principal(req) is p and auth.require_principal(req) is p
    assert [c[0] for c in staff.calls] == ["resolve_session"]


def test_an_api_token_is_resolved_and_wins_over_a_cookie(keys, staff):
    req = request(keys, staff, cookie=session_cookie(keys), headers={"Authorization": "Bearer pdt_gate"})
    p = auth.current_principal(req)
    assert (p.id, p.roles, p.kind, p.csrf_token) == ("token:gate", ("security",), "token", None)
    assert staff.calls == [("resolve_api_token", ("pdt_gate",), {})]


@pytest.mark.parametrize("cookie, headers, calls, reason", [
    (None, {}, [], "none"),
    (f"{auth.SESSION_COOKIE}=", {}, [], "none"),
    (f"{auth.SESSION_COOKIE}=tok-cashier", {}, [], "ended"),  # unsigned: never sent to staff
    ("SIGNED:tok-gone", {}, ["resolve_session"], "ended"),  # signed, but the session is over
    (None, {"Authorization": "Bearer pdt_unknown"}, ["resolve_api_token"], "invalid"),
    (None, {"Authorization": "Bearer tok-cashier"}, [], "invalid"),
    (None, {"Authorization": "Basic dTpw"}, [], "invalid"),
    (None, {"Authorization": "Bearer pdt_" + "x" * 200}, [], "invalid"),
    (None, {"X-Staff-Id": "hacker", "X-Staff-Role": "cs_manager"}, [], "none"),  # meaningless
])
def test_without_valid_credentials_there_is_no_principal_and_a_401(keys, staff, cookie, headers, calls, reason):
    if cookie and cookie.startswith("SIGNED:"):
        cookie = session_cookie(keys, cookie.removeprefix("SIGNED:"))
    req = request(keys, staff, cookie=cookie, headers=headers)
    assert auth.current_principal(req) is None
    assert auth.absence(req).reason == reason
    assert [c[0] for c in staff.calls] == calls
    with pytest.raises(auth.SignInRequired) as err:
        auth.require_principal(req)
    status, body = error_status_and_body(err.value)
    assert (status, body["error"], body["field"], body["rule"]) == (401, "unauthorized", "_session", "sign_in_required")
    assert err.value.headers()["WWW-Authenticate"].startswith("Bearer")


# --- CSRF -----------------------------------------------------------------------------------------
def test_a_cookie_command_needs_its_csrf_token_in_the_header_or_the_form(keys, staff):
    good = keys.csrf_token("tok-cashier")

    def check(method="POST", headers=None, **kw):
        req = request(keys, staff, method=method, cookie=session_cookie(keys), headers=headers, **kw)
        auth.check_csrf(req, auth.current_principal(req))

    check(method="GET")
    check(method="HEAD")
    check(headers={auth.CSRF_HEADER: good})
    check(data={"csrf_token": good, "x": "1"})  # a form post
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        with pytest.raises(auth.CsrfRefused):
            check(method=method)
    for bad in ("", "x", keys.csrf_token("tok-other"), good.upper(), good + "0"):
        with pytest.raises(auth.CsrfRefused):
            check(headers={auth.CSRF_HEADER: bad})
    with pytest.raises(auth.CsrfRefused):  # a JSON body is never searched for it
        check(data='{"csrf_token": "%s"}' % good, content_type="application/json")
    status, body = error_status_and_body(auth.CsrfRefused())
    assert (status, body["error"], body["field"], body["rule"]) == (403, "forbidden", "csrf_token", "csrf")


def test_a_token_or_nobody_needs_no_csrf_token(keys, staff):
    req = request(keys, staff, method="POST", headers={"Authorization": "Bearer pdt_gate"})
    auth.check_csrf(req, auth.current_principal(req))
    auth.check_csrf(request(keys, staff, method="POST"), None)


# --- the pages ------------------------------------------------------------------------------------
def sign_in_post(keys, staff, username="cashier", password=demo.DEMO_STAFF_PASSWORD, next_path="/cases",
                 nonce="n0nce", csrf=None, secure=False):
    csrf = keys.sign_in_csrf_token(nonce) if csrf is None else csrf
    req = request(keys, staff, method="POST", path="/sign-in", cookie=f"{auth.SIGN_IN_COOKIE}={nonce}",
                  data={"username": username, "password": password, "next": next_path, "csrf_token": csrf},
                  headers={"User-Agent": "unit-test"}, environ_base={"REMOTE_ADDR": "192.0.2.7"}, secure=secure)
    return auth.sign_in(req)


def test_signing_in_sets_the_signed_session_cookie_and_goes_to_next(keys, staff):
    r = sign_in_post(keys, staff)
    assert (r.status_code, r.headers["Location"]) == (303, "/cases")
    (method, (sent,), kwargs), = staff.calls
    assert (method, kwargs) == ("sign_in", {"actor": None})
    assert sent == {"username": "cashier", "password": demo.DEMO_STAFF_PASSWORD, "address": "192.0.2.7",
                    "user_agent": "unit-test"}
    morsel, header = set_cookies(r)[auth.SESSION_COOKIE]
    assert keys.session_token(morsel.value) == "tok-new"
    assert (morsel["path"], morsel["max-age"], morsel["samesite"]) == ("/", str(12 * 3600), "Lax")
    assert morsel["httponly"] and not morsel["secure"]
    assert set_cookies(r)[auth.SIGN_IN_COOKIE][0]["max-age"] == "0"  # the form's value is used up
    secure = sign_in_post(keys, staff, secure=True, next_path="https://evil.example/")
    assert secure.headers["Location"] == "/" and set_cookies(secure)[auth.SESSION_COOKIE][0]["secure"]


@pytest.mark.parametrize("username, password, status, field", [
    ("cashier", "wrong", 400, "password"),
    ("locked", demo.DEMO_STAFF_PASSWORD, 429, "username"),
])
def test_a_refused_sign_in_shows_the_form_again_with_the_message_at_its_field(keys, staff, username, password,
                                                                               status, field, monkeypatch):
    seen = {}
    monkeypatch.setattr(auth, "_render", lambda req, st, ctx: seen.update(ctx, status=st) or auth.Response("form", status=st))
    r = sign_in_post(keys, staff, username=username, password=password)
    assert r.status_code == status and seen["status"] == status
    assert list(seen["errors"]) == [field] and seen["username"] == username and seen["next"] == "/cases"
    assert auth.SESSION_COOKIE not in set_cookies(r)


def test_the_sign_in_form_needs_its_own_csrf_value(keys, staff, monkeypatch):
    seen = {}
    monkeypatch.setattr(auth, "_render", lambda req, st, ctx: seen.update(ctx) or auth.Response("form", status=st))
    for csrf in ("", keys.sign_in_csrf_token("another-nonce"), keys.csrf_token("n0nce")):
        r = sign_in_post(keys, staff, csrf=csrf)
        assert r.status_code == 403 and "csrf_token" in seen["errors"]
        assert auth.SESSION_COOKIE not in set_cookies(r)
    assert staff.calls == []  # not even tried


def test_the_sign_in_page_gives_a_fresh_form_value_in_a_cookie(keys, staff):
    r = auth.sign_in_page(request(keys, staff, path="/sign-in", query_string={"next": "/cases/MO-1"}))
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    nonce, header = set_cookies(r)[auth.SIGN_IN_COOKIE]
    assert nonce["httponly"] and nonce["path"] == "/sign-in"
    page = r.get_data(as_text=True)
    assert keys.sign_in_csrf_token(nonce.value) in page and 'value="/cases/MO-1"' in page
    # signed in already: straight on
    r = auth.sign_in_page(request(keys, staff, path="/sign-in", cookie=session_cookie(keys),
                                  query_string={"next": "/cases"}))
    assert (r.status_code, r.headers["Location"]) == (303, "/cases")


def test_signing_out_ends_the_session_and_clears_the_cookie(keys, staff):
    good = keys.csrf_token("tok-cashier")
    with pytest.raises(auth.CsrfRefused):
        auth.sign_out(request(keys, staff, method="POST", path="/sign-out", cookie=session_cookie(keys)))
    assert staff.calls == [] and "tok-cashier" in staff.sessions
    r = auth.sign_out(request(keys, staff, method="POST", path="/sign-out", cookie=session_cookie(keys),
                              data={"csrf_token": good}))
    assert (r.status_code, r.headers["Location"]) == (303, "/sign-in?signed_out=1")
    assert [c[0] for c in staff.calls] == ["sign_out"] and "tok-cashier" not in staff.sessions
    morsel, _ = set_cookies(r)[auth.SESSION_COOKIE]
    assert morsel.value == "" and morsel["max-age"] == "0"
    # again (ended already), and with no cookie at all: the cookie is cleared, nothing else
    r = auth.sign_out(request(keys, staff, method="POST", path="/sign-out", cookie=session_cookie(keys),
                              headers={auth.CSRF_HEADER: good}))
    assert r.status_code == 303
    assert auth.sign_out(request(keys, staff, method="POST", path="/sign-out")).status_code == 303
    assert [c[0] for c in staff.calls] == ["sign_out", "sign_out"]


def test_a_page_sends_someone_not_signed_in_to_the_sign_in_page(keys, staff):
    r = auth.to_sign_in(request(keys, staff, path="/cases/MO-1", query_string={"tab": "x"}))
    assert (r.status_code, r.headers["Location"]) == (303, "/sign-in?next=/cases/MO-1%3Ftab%3Dx")
    ended = auth.to_sign_in(request(keys, staff, path="/", cookie=session_cookie(keys, "tok-gone")))
    assert ended.headers["Location"] == "/sign-in?next=/&ended=1"
    assert set_cookies(ended)[auth.SESSION_COOKIE][0]["max-age"] == "0"


def test_the_language_is_kept_in_a_cookie(keys, staff):
    r = auth.set_lang(request(keys, staff, method="POST", path="/lang", data={"lang": "en", "next": "/cases"}))
    assert (r.status_code, r.headers["Location"]) == (303, "/cases")
    assert set_cookies(r)[auth.LANG_COOKIE][0].value == "en"
    with pytest.raises(ValidationError):
        auth.set_lang(request(keys, staff, method="POST", path="/lang", data={"lang": "fr"}))
    assert auth.lang_of(request(keys, staff, cookie=f"{auth.LANG_COOKIE}=fr")) == "zh"


# --- the key --------------------------------------------------------------------------------------
def settings(tmp_path: Path, monkeypatch, **env) -> Settings:
    monkeypatch.setenv("PROPDESK_DATA_DIR", str(tmp_path / "var"))
    for name in ("PROPDESK_SECRET_KEY", "PROPDESK_COOKIE_SECURE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return Settings.from_env()


def test_without_a_configured_key_one_is_made_once_readable_by_the_owner_only(tmp_path, monkeypatch):
    s = settings(tmp_path, monkeypatch)
    key = s.signing_key()
    path = tmp_path / "var" / "secret_key"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600 and len(key) >= 32
    assert settings(tmp_path, monkeypatch).signing_key() == key  # the next process reads the same
    assert [p.name for p in path.parent.iterdir()] == ["secret_key"]  # nothing left aside
    assert s.cookie_secure is False


def test_a_configured_key_is_used_and_a_short_one_refused(tmp_path, monkeypatch):
    key = "s" * 40
    s = settings(tmp_path, monkeypatch, PROPDESK_SECRET_KEY=key, PROPDESK_COOKIE_SECURE="1")
    assert s.signing_key() == key.encode() and s.cookie_secure is True
    assert not (tmp_path / "var" / "secret_key").exists()
    with pytest.raises(ValueError, match="PROPDESK_SECRET_KEY"):
        settings(tmp_path, monkeypatch, PROPDESK_SECRET_KEY="short")
    with pytest.raises(ValueError, match="PROPDESK_COOKIE_SECURE"):
        settings(tmp_path, monkeypatch, PROPDESK_COOKIE_SECURE="maybe")


def test_a_form_post_over_the_limit_is_a_413_unread(keys, staff):
    big = {"csrf_token": "x", "reason": "租" * (auth.MAX_FORM_BYTES // 9 + 1)}  # URL-encoded: 9 bytes a character
    req = request(keys, staff, method="POST", path="/sign-in", data=big)
    with pytest.raises(Exception) as err:
        auth.form(req)
    assert error_status_and_body(err.value)[0] == 413
    ok = request(keys, staff, method="POST", path="/x", data={"reason": "租" * 5000})  # 45 000 bytes: read
    assert len(auth.form(ok)["reason"]) == 5000
