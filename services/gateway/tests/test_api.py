"""The gateway's JSON API against fake departments, all in nameko containers on the real broker.

Each test starts the fakes (fakes.py: the real service names and RPC methods, canned answers,
every call recorded; staff signs in its accounts, username = role) and the gateway on a free port,
then talks HTTP to it with `requests`, signed in as a browser is (session cookie and CSRF token).
Sign-in itself, against the real staff service, is test_auth_api.py's.
"""
from __future__ import annotations

import json
import re
import logging
import socket

import pytest
import requests

from propdesk_services.gateway.api import MAX_BODY_BYTES
from propdesk_services.gateway.openapi import http_routes
from propdesk_services.gateway.service import GatewayService
from tests.helpers import wait_for

from . import fakes
from .signing_in import signed_in

RPC_TIMEOUT_S = 1.5
#: Who signs in (the fake staff's accounts: username = role code).
FRONT_DESK = "front_desk"
ENGINEERING = "engineering"
FINANCE = "cashier"
SECURITY = "security"
CASE_ID = fakes.CASE["move_out_id"]
MOVE_OUT = {"unit_id": "1-1-702", "tenant_party_id": "TEN-1-1-702", "exit_date": "2026-11-30",
            "owner_consent_ref": "OC-118", "fitout_disposition": "restore"}
PAYMENT = {"unit_id": "1-1-702", "amount": 392.6, "method": "cash", "receipt_no": "R-0001"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Desk:
    """The gateway over HTTP, as the person `staff` names (signed in once per test; None: nobody)."""

    def __init__(self, base: str):
        self.base = base
        self.sessions: dict[str, requests.Session] = {}

    def session(self, staff: str | None):
        if staff is None:
            return requests
        if staff not in self.sessions:
            self.sessions[staff] = signed_in(self.base, staff)
        return self.sessions[staff]

    def request(self, method: str, path: str, staff: str | None = FRONT_DESK, **kw) -> requests.Response:
        return self.session(staff).request(method, self.base + path, timeout=30, **kw)

    def get(self, path: str, staff: str | None = FRONT_DESK, **kw) -> requests.Response:
        return self.request("GET", path, staff, **kw)

    def post(self, path: str, body=None, staff: str | None = FRONT_DESK, data=None, headers: dict | None = None,
             **kw) -> requests.Response:
        headers = {"Content-Type": "application/json", **(headers or {})}
        if data is None and body is not None:
            data = json.dumps(body)
        return self.request("POST", path, staff, data=data, headers=headers, **kw)


def calls(service: str, method: str) -> list:
    return [c for c in fakes.CALLS if (c[0], c[1]) == (service, method)]


def problems(response) -> set[tuple[str, str]]:
    body = response.json()
    assert body["error"] == "validation", body
    return {(p["field"], p["rule"]) for p in body["problems"]}


@pytest.fixture
def short_rpc_timeout(monkeypatch):
    """Set before `start_service` builds the settings (fixture order), so the gateway reads it."""
    monkeypatch.setenv("PROPDESK_RPC_TIMEOUT_S", str(RPC_TIMEOUT_S))


@pytest.fixture
def start_desk(short_rpc_timeout, start_service, propdesk_env):
    assert propdesk_env.rpc_timeout_s == RPC_TIMEOUT_S
    fakes.CALLS.clear()
    fakes.STAFF_CALLS.clear()
    fakes.SESSIONS.clear()

    def start(without: tuple[str, ...] = ()) -> Desk:
        for fake in fakes.ALL:
            if fake.name not in without:
                start_service(fake)
        port = free_port()
        start_service(GatewayService, port=port)
        return Desk(f"http://127.0.0.1:{port}")

    yield start
    fakes.CALLS.clear()
    fakes.STAFF_CALLS.clear()
    fakes.SESSIONS.clear()


@pytest.fixture
def desk(start_desk) -> Desk:
    return start_desk()


# --- the page ------------------------------------------------------------------------------------
def test_the_page_and_its_files_are_served_from_the_gateway_only(desk):
    """The desk (desk/pages.py) is the gateway's own page; its scripts come from the pinned npm
    packages the project installs (/static/vendor/) and from desk/static, never from elsewhere."""
    assert requests.get(desk.base + "/", allow_redirects=False, timeout=30).headers["Location"].startswith("/sign-in")
    polled = requests.get(desk.base + f"/move-outs/{CASE_ID}/live", timeout=30, allow_redirects=False, headers={
        "HX-Request": "true", "HX-Current-URL": f"{desk.base}/move-outs/{CASE_ID}"})
    # an htmx poll after the session ended: the page (not the fragment) goes to sign-in and back
    assert polled.status_code == 200 and polled.headers["HX-Redirect"] == f"/sign-in?next=/move-outs/{CASE_ID}"
    page = desk.get("/")
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert "物业客服台" in page.text
    csrf = desk.session(FRONT_DESK).headers["X-CSRF-Token"]
    assert f'"X-CSRF-Token": "{csrf}"' in page.text  # htmx sends it with every request (hx-headers)
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert "http://" not in page.text and "https://" not in page.text  # nothing fetched from elsewhere
    scripts = re.findall(r'<script src="([^"]+)"', page.text)
    assert any(s.startswith("/static/vendor/htmx.org/htmx.min.js?v=2.0.") for s in scripts), scripts
    for path in [*scripts, *re.findall(r'<link rel="stylesheet" href="([^"]+)"', page.text)]:
        r = desk.get(path)
        assert r.status_code == 200 and r.headers["Content-Type"].startswith(("text/javascript", "text/css")), path
    assert desk.get("/static/vendor/htmx.org/package.json").status_code == 404  # only the listed files
    assert desk.get("/static/desk/../pages.py").status_code == 404
    assert desk.get("/static/service.py").status_code == 404
    assert desk.get("/static/..%2Fservice.py").status_code == 404
    assert desk.get("/static/nothing.js").status_code == 404
    wait_for(lambda: desk.get("/health").status_code == 200, what="the gateway's consumers to be ready")
    assert desk.get("/health").json() == {"service": "gateway", "status": "up"}


UNKNOWN_PATHS = [("GET", "/api/nothing"), ("POST", "/api/nothing"), ("GET", "/api/units/"), ("GET", "/api/"),
                 ("GET", "/api"), ("DELETE", f"/api/move-outs/{CASE_ID}/inspection/extra"),
                 ("PUT", "/api/release-slips/RS-1")]
WRONG_METHODS = [("GET", "/api/payments", {"POST"}), ("DELETE", "/api/units", {"GET", "HEAD"}),
                 ("PUT", f"/api/move-outs/{CASE_ID}", {"GET", "HEAD"}),
                 ("GET", f"/api/move-outs/{CASE_ID}/withdraw", {"POST"}),
                 ("PATCH", "/api/move-outs", {"GET", "HEAD", "POST"})]


def test_an_unknown_path_under_api_is_a_json_404_naming_the_path(desk):
    for method, path in UNKNOWN_PATHS:
        r = desk.request(method, path)
        assert (r.status_code, r.headers["Content-Type"]) == (404, "application/json"), (method, path, r.text)
        body = r.json()
        assert (body["error"], body["field"], body["rule"]) == ("not_found", "_path", "not_found")
        assert path in body["message"]
    assert fakes.CALLS == []


def test_a_method_a_path_does_not_take_is_a_json_405_naming_the_method(desk):
    for method, path, allowed in WRONG_METHODS:
        r = desk.request(method, path)
        assert (r.status_code, r.headers["Content-Type"]) == (405, "application/json"), (method, path, r.text)
        body = r.json()
        assert (body["error"], body["field"], body["rule"]) == ("method_not_allowed", "_method", "not_allowed")
        assert set(r.headers["Allow"].split(", ")) == allowed
    assert fakes.CALLS == []


def test_outside_the_api_a_missing_page_is_still_a_plain_404(desk):
    r = desk.get("/nothing.html")
    assert r.status_code == 404 and not r.headers["Content-Type"].startswith("application/json")


# --- units and fees --------------------------------------------------------------------------------
def test_leased_units_come_with_their_arrears(desk):
    r = desk.get("/api/units?leased=1")
    assert r.status_code == 200
    body = r.json()
    assert body["unavailable"] == []
    assert {u["unit_id"]: u["outstanding"] for u in body["units"]} == {"1-1-702": "392.60", "1-1-303": "0.00"}
    assert calls("residents", "list_units")[-1][3] == {"leased_only": True}
    everything = desk.get("/api/units").json()["units"]
    assert len(everything) == 3 and calls("residents", "list_units")[-1][3] == {"leased_only": False}
    assert desk.get("/api/units?leased=perhaps").status_code == 400


def test_units_are_listed_without_arrears_when_billing_is_not_running(start_desk):
    desk = start_desk(without=("billing",))
    body = desk.get("/api/units?leased=1").json()
    assert [u["outstanding"] for u in body["units"]] == [None, None]
    assert [(u["service"], u["error"]) for u in body["unavailable"]] == [("billing", "unavailable")]
    r = desk.get("/api/units/1-1-702/balance")
    assert r.status_code == 503
    assert r.json()["error"] == "unavailable" and r.json()["service"] == "billing"


def test_balance_of_a_unit(desk):
    r = desk.get("/api/units/1-1-702/balance")
    assert r.status_code == 200 and r.json()["outstanding"] == "392.60"
    assert desk.get("/api/units/MISSING/balance").status_code == 404


def test_a_payment_reaches_billing_as_money_with_two_decimals(desk):
    r = desk.post("/api/payments", PAYMENT, staff=FINANCE)
    assert r.status_code == 201, r.text
    assert r.json()["balance"]["outstanding"] == "0.00"
    (_, _, (payment,), kwargs), = calls("billing", "record_payment")
    assert payment == {"unit_id": "1-1-702", "amount": "392.60", "method": "cash", "receipt_no": "R-0001"}
    assert kwargs == {"actor": {"id": "cashier", "role": "cashier", "estates": ["E1"], "address": "127.0.0.1"}}


@pytest.mark.parametrize("change, expected", [
    ({"amount": -5}, ("amount", "range")),
    ({"amount": 0}, ("amount", "range")),
    ({"amount": "abc"}, ("amount", "type")),
    ({"amount": "12.345"}, ("amount", "type")),
    ({"amount": True}, ("amount", "type")),
    ({"amount": "1e30"}, ("amount", "range")),            # past what the ledger keeps, not a 500
    ({"amount": "10000000000.00"}, ("amount", "range")),
    ({"method": "card"}, ("method", "one_of")),
    ({"receipt_no": " "}, ("receipt_no", "required")),
    ({"unit_id": None}, ("unit_id", "not_null")),
    ({"tip": "10"}, ("tip", "unknown_field")),
])
def test_a_malformed_payment_is_rejected_at_the_edge(desk, change, expected):
    r = desk.post("/api/payments", {**PAYMENT, **change}, staff=FINANCE)
    assert r.status_code == 400
    assert expected in problems(r)
    assert calls("billing", "record_payment") == []


def test_a_payment_by_security_is_forbidden_by_billing(desk):
    r = desk.post("/api/payments", PAYMENT, staff=SECURITY)
    assert r.status_code == 403 and r.json()["error"] == "forbidden"
    assert len(calls("billing", "record_payment")) == 1


# --- move-outs -------------------------------------------------------------------------------------
def test_requesting_a_move_out_creates_the_case(desk):
    r = desk.post("/api/move-outs", MOVE_OUT)
    assert r.status_code == 201, r.text
    assert r.json()["state"] == "APPLICATION_ACCEPTED"
    assert r.headers["Location"] == f"/api/move-outs/{CASE_ID}"
    (_, _, (request,), kwargs), = calls("residents", "request_move_out")
    assert request == MOVE_OUT
    assert kwargs == {"actor": {"id": "front_desk", "role": "front_desk", "estates": ["E1"], "address": "127.0.0.1"}}


@pytest.mark.parametrize("body, expected", [
    ({k: v for k, v in MOVE_OUT.items() if k != "owner_consent_ref"}, {("owner_consent_ref", "required")}),
    ({**MOVE_OUT, "owner_consent_ref": "  "}, {("owner_consent_ref", "required")}),
    ({**MOVE_OUT, "exit_date": "30/11/2026"}, {("exit_date", "type")}),
    ({**MOVE_OUT, "fitout_disposition": "burn"}, {("fitout_disposition", "one_of")}),
    ({**MOVE_OUT, "unit_id": 702}, {("unit_id", "type")}),
    ({**MOVE_OUT, "unit_id": "1" * 33}, {("unit_id", "length")}),
    ({**MOVE_OUT, "pets": 2}, {("pets", "unknown_field")}),
    ({}, {("unit_id", "required"), ("tenant_party_id", "required"), ("exit_date", "required"),
          ("owner_consent_ref", "required"), ("fitout_disposition", "required")}),
    ([MOVE_OUT], {("_body", "object")}),
])
def test_a_malformed_move_out_request_never_reaches_residents(desk, body, expected):
    r = desk.post("/api/move-outs", body)
    assert r.status_code == 400
    assert problems(r) == expected
    assert calls("residents", "request_move_out") == []


@pytest.mark.parametrize("data, rule", [("{not json", "json"), ("", "required"), ("\xff\xfe", "json"),
                                        ("[" * 60000, "json")])  # nested deeper than the parser goes
def test_a_body_that_is_not_json_is_named_body(desk, data, rule):
    r = desk.post("/api/move-outs", data=data.encode("latin-1"))
    assert r.status_code == 400
    assert problems(r) == {("_body", rule)}
    assert calls("residents", "request_move_out") == []


def test_a_body_over_the_limit_is_refused_unread(desk):
    r = desk.post("/api/move-outs", {**MOVE_OUT, "owner_consent_ref": "x" * (MAX_BODY_BYTES + 1)})
    assert r.status_code == 413 and r.json()["error"] == "too_large"
    chunked = desk.post("/api/move-outs", data=(b"x" * 1024 for _ in range(80)))  # no Content-Length
    assert chunked.status_code == 413
    assert calls("residents", "request_move_out") == []


def test_who_is_acting_is_the_signed_in_person_never_a_header(desk):
    """The X-Staff-* headers of old change nothing: without a session they do not sign anyone in,
    with one they do not change who acts."""
    claimed = {"X-Staff-Id": "hacker", "X-Staff-Role": "cs_manager"}
    r = desk.post("/api/move-outs", MOVE_OUT, staff=None, headers=claimed)
    assert r.status_code == 401 and (r.json()["field"], r.json()["rule"]) == ("_session", "sign_in_required")
    assert desk.get("/api/units", staff=None, headers=claimed).status_code == 401
    assert fakes.CALLS == []
    r = desk.post("/api/move-outs", MOVE_OUT, headers=claimed)
    assert r.status_code == 201 and r.json()["requested_by"] == "front_desk"
    assert desk.get("/api/staff", headers=claimed).json()["me"]["id"] == "front_desk"
    r = desk.post("/api/release-slips/RS-1/release", {}, staff=SECURITY, headers={"X-Staff-Role": "cs_manager"})
    assert r.status_code == 200
    assert calls("access", "release_at_gate")[-1][3] == {"actor": {"id": "security", "role": "security", "estates": ["E1"], "address": "127.0.0.1"}}


def test_every_route_under_api_but_the_document_is_401_without_credentials_and_calls_nobody(desk):
    for method, url, _, _ in http_routes(GatewayService, fallbacks=True):
        if not url.startswith("/api") or url == "/api/openapi.json":
            continue
        path = url.replace("<path:rest>", "anything").replace("<move_out_id>", CASE_ID).replace(
            "<unit_id>", "1-1-702").replace("<slip_no>", "RS-1").replace("<correlation_id>", CASE_ID)
        r = desk.request(method, path, staff=None, data=json.dumps(MOVE_OUT),
                         headers={"Content-Type": "application/json"})
        assert (r.status_code, r.headers["Content-Type"]) == (401, "application/json"), (method, path, r.text)
        assert r.headers["WWW-Authenticate"].startswith("Bearer")
        if method != "HEAD":
            assert (r.json()["error"], r.json()["field"]) == ("unauthorized", "_session")
    assert fakes.CALLS == [] and fakes.STAFF_CALLS == []  # no credentials: not even staff was asked
    assert desk.get("/api/openapi.json", staff=None).status_code == 200


@pytest.mark.parametrize("credentials, rpc", [
    ({"Cookie": "propdesk_session=forged.value.sig"}, None),  # a signature that does not hold: no RPC
    ({"Authorization": "Basic Zm9vOmJhcg=="}, None),
    ({"Authorization": "Bearer not-a-pdt-token"}, None),
    ({"Authorization": "Bearer pdt_unknown"}, "resolve_api_token"),
])
def test_credentials_that_are_not_valid_are_401(desk, credentials, rpc):
    r = desk.post("/api/move-outs", MOVE_OUT, staff=None, headers=credentials)
    assert r.status_code == 401 and r.json()["rule"] == "sign_in_required", r.text
    assert [c[0] for c in fakes.STAFF_CALLS] == ([rpc] if rpc else [])
    assert fakes.CALLS == []


def test_a_signed_in_request_resolves_its_session_once(desk):
    session = desk.session(FRONT_DESK)
    fakes.STAFF_CALLS.clear()
    assert session.get(f"{desk.base}/api/move-outs/{CASE_ID}", timeout=30).status_code == 200  # six RPCs ...
    assert session.post(f"{desk.base}/api/move-outs", json=MOVE_OUT, timeout=30).status_code == 201
    assert [c[0] for c in fakes.STAFF_CALLS] == ["resolve_session", "resolve_session"]  # ... one to staff each


def test_a_command_by_cookie_needs_the_csrf_token(desk):
    session = desk.session(FRONT_DESK)
    good = session.headers["X-CSRF-Token"]
    for token in (None, "", "0" * 64, good[:-1] + ("0" if good[-1] != "0" else "1")):
        r = session.post(f"{desk.base}/api/move-outs", json=MOVE_OUT, headers={"X-CSRF-Token": token}, timeout=30)
        assert r.status_code == 403, (token, r.text)
        assert (r.json()["error"], r.json()["field"], r.json()["rule"]) == ("forbidden", "csrf_token", "csrf")
    # the token of another session is not this one's
    other = desk.session(ENGINEERING).headers["X-CSRF-Token"]
    r = session.post(f"{desk.base}/api/move-outs", json=MOVE_OUT, headers={"X-CSRF-Token": other}, timeout=30)
    assert r.status_code == 403
    assert calls("residents", "request_move_out") == []
    assert session.get(f"{desk.base}/api/units", headers={"X-CSRF-Token": None}, timeout=30).status_code == 200
    # a form post may carry it as the field csrf_token (the body is then not JSON: 400, but not 403)
    r = session.post(f"{desk.base}/api/move-outs", data={"csrf_token": good}, headers={"X-CSRF-Token": None},
                     timeout=30)
    assert r.status_code == 400 and {field for field, _ in problems(r)} == {"_body"}


def test_an_api_token_acts_with_its_roles_and_needs_no_csrf_token(desk):
    gate = {"Authorization": "Bearer pdt_gate-system-secret"}
    r = desk.post("/api/release-slips/RS-1/release", {}, staff=None, headers=gate)
    assert r.status_code == 200, r.text
    assert calls("access", "release_at_gate")[-1][3] == {"actor": {"id": "token:gate-system", "role": "security", "estates": ["E1"], "address": "127.0.0.1"}}
    me = desk.get("/api/staff", staff=None, headers=gate).json()["me"]
    assert (me["id"], me["kind"], me["roles"], me["csrf_token"]) == ("token:gate-system", "token", ["security"], None)
    r = desk.post("/api/move-outs", MOVE_OUT, staff=None, headers=gate)  # security may not: the department says
    assert r.status_code == 403 and r.json()["rule"] == "role_not_allowed"
    # the ERP's token has two roles: each command acts with the one the policy allows
    erp = {"Authorization": "Bearer pdt_erp-secret"}
    assert desk.post("/api/payments", PAYMENT, staff=None, headers=erp).status_code == 201
    assert desk.post(f"/api/move-outs/{CASE_ID}/withdraw", {"reason": "续租"}, staff=None, headers=erp).status_code == 200
    assert calls("billing", "record_payment")[-1][3] == {"actor": {"id": "token:erp", "role": "cashier", "estates": ["E1", "E2"], "address": "127.0.0.1"}}
    assert calls("residents", "withdraw_move_out")[-1][3] == {"actor": {"id": "token:erp", "role": "cs_manager", "estates": ["E1", "E2"], "address": "127.0.0.1"}}
    # explicit credentials win: a bad token is 401 even beside a valid session cookie
    r = desk.post("/api/move-outs", MOVE_OUT, headers={"Authorization": "Bearer pdt_unknown"})
    assert r.status_code == 401


def test_a_person_none_of_whose_roles_may_is_refused_by_the_department_naming_the_roles(desk):
    r = desk.post("/api/move-outs", MOVE_OUT, staff="multi")  # security and engineering
    assert r.status_code == 403
    body = r.json()
    assert (body["field"], body["rule"]) == ("actor.role", "role_not_allowed")
    assert "security, engineering" in body["message"] and "cs_manager" in body["message"]
    (_, _, _, kwargs), = calls("residents", "request_move_out")  # the department was asked: it refuses
    assert kwargs == {"actor": {"id": "multi", "role": "security", "estates": ["E1"], "address": "127.0.0.1"}}  # (and audits) with the first role
    r = desk.post(f"/api/move-outs/{CASE_ID}/inspection", {"passed": True}, staff="multi")
    assert r.status_code == 200 and calls("tickets", "record_inspection")[-1][3] == {
        "actor": {"id": "multi", "role": "engineering", "estates": ["E1"], "address": "127.0.0.1"}}
    r = desk.post("/api/move-outs", MOVE_OUT, staff="roleless")
    assert r.status_code == 403 and r.json()["rule"] == "role_not_allowed"
    assert len(calls("residents", "request_move_out")) == 1


def test_the_departments_rejections_map_to_their_status(desk):
    r = desk.post("/api/move-outs", {**MOVE_OUT, "exit_date": "2020-01-01"})
    assert r.status_code == 400
    assert r.json()["problems"] == [{"field": "exit_date", "rule": "not_before_today",
                                     "message": "exit date is before today"}]
    r = desk.post("/api/move-outs", MOVE_OUT, staff=ENGINEERING)
    assert r.status_code == 403 and r.json()["error"] == "forbidden" and "engineering" in r.json()["message"]
    r = desk.post("/api/move-outs", {**MOVE_OUT, "unit_id": "MISSING"})
    assert r.status_code == 404 and r.json()["error"] == "not_found"
    r = desk.post("/api/move-outs", {**MOVE_OUT, "unit_id": "LOCKED"})
    assert r.status_code == 409 and r.json()["error"] == "conflict"
    r = desk.post("/api/move-outs", {**MOVE_OUT, "unit_id": "BOOM"})
    assert r.status_code == 500
    assert r.json() == {"error": "internal", "service": "residents",
                        "message": "residents could not complete the request (RuntimeError)"}


def gateway_records(caplog) -> list[logging.LogRecord]:
    """What the gateway logged (not the fake departments' workers, which run in this process)."""
    def of_a_department(record):
        worker = record.args[0] if isinstance(record.args, tuple) and record.args else None
        return getattr(worker, "service_name", "gateway") != "gateway"

    return [r for r in caplog.records if not of_a_department(r)]


def test_rejections_are_one_info_line_naming_field_and_rule_and_faults_stay_errors(desk, caplog):
    wait_for(lambda: desk.get("/health").status_code == 200, what="the gateway's consumers to be ready")
    caplog.set_level(logging.INFO)
    rejections = [  # (response, the field/rule the line names)
        (desk.post("/api/move-outs", {**MOVE_OUT, "fitout_disposition": "burn"}), "fitout_disposition/one_of"),
        (desk.post("/api/move-outs", {**MOVE_OUT, "exit_date": "2020-01-01"}), "exit_date/not_before_today"),
        (desk.post("/api/move-outs", MOVE_OUT, staff=ENGINEERING), "actor.role/role_not_allowed"),
        (desk.get("/api/move-outs/MO-20991231-0001"), "move_out_id/exists"),
        (desk.post("/api/move-outs", {**MOVE_OUT, "unit_id": "LOCKED"}), "_state/state_allows"),
        (desk.get("/api/nothing"), "_path/not_found"),
        (desk.post("/api/units", {}), "_method/not_allowed"),
    ]
    assert [r.status_code for r, _ in rejections] == [400, 400, 403, 404, 409, 404, 405]
    records = gateway_records(caplog)
    assert [r for r in records if r.levelno >= logging.WARNING or r.exc_info] == []
    lines = [r.getMessage() for r in records if r.name == "propdesk.gateway"]
    assert len(lines) == len(rejections), lines
    for (response, named), line in zip(rejections, lines):
        request = response.request
        assert line.startswith(f"rejected {response.status_code} {request.method} {request.path_url}"), line
        assert named in line and "\n" not in line
    caplog.clear()
    assert desk.post("/api/move-outs", {**MOVE_OUT, "unit_id": "BOOM"}).status_code == 500  # a fault
    (fault,) = [r for r in gateway_records(caplog) if r.name == "propdesk.gateway"]
    assert fault.levelno == logging.ERROR and "RuntimeError" in fault.getMessage()


def test_the_move_out_list_filters_by_state(desk):
    r = desk.get("/api/move-outs")
    assert r.status_code == 200 and [c["move_out_id"] for c in r.json()["move_outs"]] == [CASE_ID]
    assert desk.get("/api/move-outs?state=GOODS_RELEASED").json() == {"move_outs": []}
    assert calls("residents", "list_move_outs")[-1][3] == {"state": "GOODS_RELEASED"}
    r = desk.get("/api/move-outs?state=NO_SUCH_STATE")  # well-formed: residents judges it
    assert r.status_code == 400 and problems(r) == {("state", "one_of")}
    before = len(calls("residents", "list_move_outs"))
    r = desk.get("/api/move-outs?state=released;drop")  # malformed: stopped at the edge
    assert r.status_code == 400 and problems(r) == {("state", "invalid")}
    assert len(calls("residents", "list_move_outs")) == before


def test_a_case_comes_with_its_timeline_release_messages_and_balance(desk):
    r = desk.get(f"/api/move-outs/{CASE_ID}")
    assert r.status_code == 200
    case = r.json()
    assert case["state"] == "APPLICATION_ACCEPTED" and case["waiting_for"] == fakes.CASE["waiting_for"]
    assert [e["event_type"] for e in case["timeline"]] == ["move_out.requested"]
    assert case["release"]["waiting_for"] == fakes.HOLD["waiting_for"] and case["release"]["slip"] is None
    assert [m["message_id"] for m in case["messages"]] == ["M-1"]
    assert case["balance"]["outstanding"] == "392.60"
    assert case["work_order"]["work_order_no"] == "WO-20261102-0001"
    assert case["fee_status"] == case["fees"] == "outstanding"  # billing answered: its answer, as the desk says it
    assert case["unavailable"] == []
    assert calls("notify", "list_messages")[-1][3]["correlation_id"] == CASE_ID
    assert calls("billing", "get_balance")[-1][2] == ("1-1-702",)


def test_a_cut_case_whose_final_reading_billing_holds_says_readings_held_over_the_broker(desk):
    """MO-X-CUT: the supply is cut and the fee check pending; billing holds the case's final water
    reading for review. The API and the case page both say 抄表待复核 (billing's readings of the unit
    asked through the broker, beside the rest); residents' plain ``fees`` stays pending."""
    case = desk.get(f"/api/move-outs/{fakes.CUT_CASE_ID}").json()
    assert (case["fee_status"], case["fees"], case["unavailable"]) == ("readings_held", "pending", [])
    assert [c[3] for c in calls("billing", "list_meter_readings")] == [
        {"period": None, "state": None, "unit_id": "1-1-702"}]
    page = desk.get(f"/move-outs/{fakes.CUT_CASE_ID}")
    assert page.status_code == 200
    assert re.search(r'<dd id="fees-status" data-fees="readings_held">\s*抄表待复核', page.text)
    assert len(calls("billing", "list_meter_readings")) == 2  # the desk asked too, for the same unit
    assert calls("billing", "list_meter_readings")[-1][3]["unit_id"] == "1-1-702"


def test_a_case_shows_what_is_missing_when_a_department_does_not_answer(desk):
    case = desk.get("/api/move-outs/MO-X-NOHOLD").json()
    assert case["release"] is None and case["work_order"] is None  # not opened yet: not a failure
    assert case["unavailable"] == []
    r = desk.get("/api/move-outs/MO-X-SLOWREPORTS")
    assert r.status_code == 200
    case = r.json()
    assert case["timeline"] == [] and case["release"]["move_out_id"] == "MO-X-SLOWREPORTS"
    assert [(u["service"], u["error"]) for u in case["unavailable"]] == [("reports", "timeout")]


def test_an_unknown_case_is_404_and_a_malformed_id_400(desk):
    r = desk.get("/api/move-outs/MO-20991231-0001")
    assert r.status_code == 404 and r.json() == {"error": "not_found", "message": "no move-out MO-20991231-0001",
                                                 "field": "move_out_id", "rule": "exists"}
    before = len(fakes.CALLS)
    r = desk.get("/api/move-outs/bad%20id%3B")
    assert r.status_code == 400 and problems(r) == {("move_out_id", "invalid")}
    assert len(fakes.CALLS) == before


def test_a_slow_department_is_answered_504_within_the_rpc_timeout(desk):
    r = desk.get("/api/timeline/SLOW")
    assert r.status_code == 504
    body = r.json()
    assert body["error"] == "timeout" and body["service"] == "reports"
    assert "did not answer" in body["message"]


def test_a_department_that_is_not_running_is_answered_503(start_desk):
    desk = start_desk(without=("notify",))
    r = desk.get("/api/messages")
    assert r.status_code == 503
    assert r.json()["error"] == "unavailable" and r.json()["service"] == "notify"
    case = desk.get(f"/api/move-outs/{CASE_ID}").json()  # the case still shows, without messages
    assert case["messages"] == [] and [u["service"] for u in case["unavailable"]] == ["notify"]


def test_recording_the_inspection(desk):
    r = desk.post(f"/api/move-outs/{CASE_ID}/inspection", {"passed": True}, staff=ENGINEERING)
    assert r.status_code == 200 and r.json()["work_order_no"] == "WO-20261102-0001"
    (_, _, args, kwargs), = calls("tickets", "record_inspection")
    assert args == ({"move_out_id": CASE_ID, "passed": True, "defects": []},)
    assert kwargs == {"actor": {"id": "engineering", "role": "engineering", "estates": ["E1"], "address": "127.0.0.1"}}
    r = desk.post(f"/api/move-outs/{CASE_ID}/inspection", {"passed": False, "defects": ["墙面污损"]},
                  staff=FRONT_DESK)
    assert r.status_code == 403
    r = desk.post("/api/move-outs/LOCKED/inspection", {"passed": True}, staff=ENGINEERING)
    assert r.status_code == 409


@pytest.mark.parametrize("body, expected", [
    ({"passed": "yes"}, ("passed", "type")),
    ({"passed": 1}, ("passed", "type")),
    ({}, ("passed", "required")),
    ({"passed": False, "defects": [""]}, ("defects.0", "required")),
    ({"passed": False, "defects": "墙面污损"}, ("defects", "type")),
])
def test_a_malformed_inspection_never_reaches_tickets(desk, body, expected):
    r = desk.post(f"/api/move-outs/{CASE_ID}/inspection", body, staff=ENGINEERING)
    assert r.status_code == 400 and expected in problems(r)
    assert calls("tickets", "record_inspection") == []


SUPPLIES = [{"utility": "water", "reading": "118.5"}, {"utility": "electricity", "reading": 2217},
            {"utility": "ac"}]


def test_recording_the_supply_cut(desk):
    r = desk.post(f"/api/move-outs/{CASE_ID}/supply-cut", {"supplies": SUPPLIES}, staff=ENGINEERING)
    assert r.status_code == 200, r.text
    assert (r.json()["utilities_cut"], r.json()["supply_cut_by"]) == (["water", "electricity", "ac"], "engineering")
    (_, _, args, kwargs), = calls("tickets", "record_supply_cut")
    assert args == ({"move_out_id": CASE_ID, "supplies": [  # readings as strings, the A/C without one
        {"utility": "water", "reading": "118.5"}, {"utility": "electricity", "reading": "2217"},
        {"utility": "ac", "reading": None}]},)
    assert kwargs == {"actor": {"id": "engineering", "role": "engineering", "estates": ["E1"], "address": "127.0.0.1"}}
    r = desk.post(f"/api/move-outs/{CASE_ID}/supply-cut", {"supplies": SUPPLIES}, staff=FRONT_DESK)
    assert (r.status_code, r.json()["field"], r.json()["rule"]) == (403, "actor.role", "role_not_allowed")
    r = desk.post("/api/move-outs/CUT/supply-cut", {"supplies": SUPPLIES}, staff=ENGINEERING)
    assert (r.status_code, r.json()["field"], r.json()["rule"]) == (409, "move_out_id", "supply_already_cut")
    r = desk.post(f"/api/move-outs/{CASE_ID}/supply-cut", {"supplies": [{"utility": "water"}]}, staff=ENGINEERING)
    assert r.status_code == 400 and problems(r) == {("supplies[0].reading", "required")}  # tickets' rule, named


def test_a_malformed_supply_cut_never_reaches_tickets(desk):
    for body, expected in [
        ({}, {("supplies", "required")}),
        ({"supplies": []}, {("supplies", "length")}),
        ({"supplies": "water"}, {("supplies", "type")}),
        ({"supplies": [{"utility": "gas", "reading": "1"}]}, {("supplies.0.utility", "one_of")}),
        ({"supplies": [{"reading": "1"}]}, {("supplies.0.utility", "required")}),
        ({"supplies": [{"utility": "water", "reading": True}]}, {("supplies.0.reading", "type")}),
        ({"supplies": [{"utility": "water", "reading": "1" * 21}]}, {("supplies.0.reading", "length")}),
        ({"supplies": [{"utility": "water", "reading": "1", "meter_no": "W-1"}]},
         {("supplies.0.meter_no", "unknown_field")}),
        ({"supplies": SUPPLIES + [{"utility": "ac"}]}, {("supplies", "length")}),
    ]:
        r = desk.post(f"/api/move-outs/{CASE_ID}/supply-cut", body, staff=ENGINEERING)
        assert r.status_code == 400 and problems(r) == expected, (body, r.text)
    r = desk.post("/api/move-outs/not%20an%20id/supply-cut", {"supplies": SUPPLIES}, staff=ENGINEERING)
    assert r.status_code == 400 and problems(r) == {("move_out_id", "invalid")}
    assert calls("tickets", "record_supply_cut") == []


def test_releasing_at_the_gate(desk):
    r = desk.post("/api/release-slips/RS-20261102-0001/release", None, staff=SECURITY)
    assert r.status_code == 200 and r.json()["status"] == "released"
    assert calls("access", "release_at_gate")[-1][2:] == (({"slip_no": "RS-20261102-0001"},),
                                                          {"actor": {"id": "security", "role": "security", "estates": ["E1"], "address": "127.0.0.1"}})
    assert desk.post("/api/release-slips/RS-1/release", {}, staff=SECURITY).status_code == 200
    assert desk.post("/api/release-slips/RS-1/release", {}, staff=FRONT_DESK).status_code == 403
    assert desk.post("/api/release-slips/LOCKED/release", {}, staff=SECURITY).status_code == 409
    assert desk.post("/api/release-slips/MISSING/release", {}, staff=SECURITY).status_code == 404
    before = len(calls("access", "release_at_gate"))
    r = desk.post("/api/release-slips/RS-1/release", {"goods": ["sofa"]}, staff=SECURITY)
    assert r.status_code == 400 and problems(r) == {("goods", "unknown_field")}
    assert len(calls("access", "release_at_gate")) == before


def test_withdrawing_a_move_out_with_the_reason(desk):
    r = desk.post(f"/api/move-outs/{CASE_ID}/withdraw", {"reason": "租户决定续租"})
    assert r.status_code == 200, r.text
    assert (r.json()["state"], r.json()["withdrawal_reason"]) == ("WITHDRAWN", "租户决定续租")
    (_, _, args, kwargs), = calls("residents", "withdraw_move_out")
    assert args == ({"move_out_id": CASE_ID, "reason": "租户决定续租"},)
    assert kwargs == {"actor": {"id": "front_desk", "role": "front_desk", "estates": ["E1"], "address": "127.0.0.1"}}
    assert desk.post(f"/api/move-outs/{CASE_ID}/withdraw", {"reason": "x"}, staff=SECURITY).status_code == 403
    r = desk.post("/api/move-outs/MO-X-APPROVED/withdraw", {"reason": "租户决定续租"})
    assert r.status_code == 409
    assert (r.json()["field"], r.json()["rule"]) == ("move_out_id", "before_release_approval")
    r = desk.post("/api/move-outs/MO-20991231-0001/withdraw", {"reason": "租户决定续租"})
    assert r.status_code == 404 and (r.json()["field"], r.json()["rule"]) == ("move_out_id", "exists")


@pytest.mark.parametrize("body, expected", [
    ({}, {("reason", "required")}),
    ({"reason": "   "}, {("reason", "required")}),
    ({"reason": "租" * 501}, {("reason", "length")}),
    ({"reason": 5}, {("reason", "type")}),
    ({"reason": "续租", "move_out_id": "MO-1"}, {("move_out_id", "unknown_field")}),
    (None, {("_body", "required")}),
])
def test_a_malformed_withdrawal_never_reaches_residents(desk, body, expected):
    r = desk.post(f"/api/move-outs/{CASE_ID}/withdraw", body)
    assert r.status_code == 400 and problems(r) == expected
    r = desk.post("/api/move-outs/bad%20id/withdraw", {"reason": "续租"})
    assert r.status_code == 400 and problems(r) == {("move_out_id", "invalid")}
    assert calls("residents", "withdraw_move_out") == []


def test_archiving_a_move_out_once_the_goods_are_released(desk):
    r = desk.post("/api/move-outs/MO-X-RELEASED/archive", None)
    assert r.status_code == 200 and r.json()["state"] == "ARCHIVED", r.text
    (_, _, args, kwargs), = calls("residents", "archive_move_out")
    assert (args, kwargs) == (({"move_out_id": "MO-X-RELEASED"},), {"actor": {"id": "front_desk", "role": "front_desk", "estates": ["E1"], "address": "127.0.0.1"}})
    assert desk.post("/api/move-outs/MO-X-RELEASED/archive", {}).status_code == 200
    r = desk.post(f"/api/move-outs/{CASE_ID}/archive", {})
    assert r.status_code == 409 and (r.json()["field"], r.json()["rule"]) == ("move_out_id", "goods_released_first")
    assert desk.post("/api/move-outs/MO-X-RELEASED/archive", {}, staff=ENGINEERING).status_code == 403
    assert desk.post("/api/move-outs/MO-20991231-0001/archive", {}).status_code == 404
    before = len(calls("residents", "archive_move_out"))
    r = desk.post("/api/move-outs/MO-X-RELEASED/archive", {"reason": "done"})
    assert r.status_code == 400 and problems(r) == {("reason", "unknown_field")}
    assert desk.post("/api/move-outs/MO-X-RELEASED/archive", {}, staff=None).status_code == 401
    assert len(calls("residents", "archive_move_out")) == before


def test_timeline_counts_messages_and_staff(desk):
    r = desk.get(f"/api/timeline/{CASE_ID}")
    assert r.status_code == 200
    assert r.json()["correlation_id"] == CASE_ID and r.json()["events"][0]["actor"]["role"] == "front_desk"
    assert desk.get("/api/timeline/MISSING").status_code == 404
    assert desk.get("/api/reports/move-outs").json()["total"] == 1
    r = desk.get(f"/api/messages?correlation_id={CASE_ID}&recipient_role=engineering")
    assert [m["message_id"] for m in r.json()["messages"]] == ["M-1"]
    assert calls("notify", "list_messages")[-1][3] == {"correlation_id": CASE_ID, "recipient_role": "engineering",
                                                       "status": None}
    assert desk.get("/api/messages?correlation_id=a%20b").status_code == 400
    staff = desk.get("/api/staff").json()
    assert {k: v for k, v in staff["me"].items() if k != "csrf_token"} == {
        "id": "front_desk", "name": "前台员工", "roles": ["front_desk"], "estates": ["E1"], "kind": "session",
        "must_change_password": False}
    assert staff["me"]["csrf_token"] == desk.session(FRONT_DESK).headers["X-CSRF-Token"]
    assert set(staff["roles"]) >= {"front_desk", "cashier", "cs_manager"}
    assert "residents.withdraw_move_out" in staff["commands"]["front_desk"]
    assert "residents.archive_move_out" not in staff["commands"]["security"]


def test_the_openapi_document_describes_every_json_endpoint(desk):
    r = desk.get("/api/openapi.json")
    assert r.status_code == 200
    spec = r.json()
    assert spec["openapi"].startswith("3.")
    routes = [(m, url) for m, url, _, _ in http_routes(GatewayService) if url.startswith("/api/")]
    assert len(routes) >= 13
    for method, url in routes:
        path = url.replace("<", "{").replace(">", "}")
        operation = spec["paths"][path][method.lower()]
        assert operation["summary"] and operation["responses"]
        if url == "/api/openapi.json":
            assert operation["security"] == [] and "401" not in operation["responses"]
            continue
        assert "401" in operation["responses"]
        if method == "POST":
            assert operation["security"] == [{"sessionCookie": [], "csrfToken": []}, {"apiToken": []}]
            assert "400" in operation["responses"] and "403" in operation["responses"]
            assert operation["x-propdesk-roles"]
        else:
            assert operation["security"] == [{"sessionCookie": []}, {"apiToken": []}]
    schemes = spec["components"]["securitySchemes"]
    assert schemes["sessionCookie"] == {**schemes["sessionCookie"], "type": "apiKey", "in": "cookie",
                                        "name": "propdesk_session"}
    assert (schemes["csrfToken"]["in"], schemes["csrfToken"]["name"]) == ("header", "X-CSRF-Token")
    assert (schemes["apiToken"]["type"], schemes["apiToken"]["scheme"]) == ("http", "bearer")
    assert "X-Staff" not in json.dumps(spec)
    payment = spec["paths"]["/api/payments"]["post"]
    assert (payment["x-propdesk-command"], payment["x-propdesk-roles"]) == (
        "billing.record_payment", ["cashier", "counter_staff", "front_desk"])
    body = spec["paths"]["/api/move-outs"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/MoveOutRequest"}
    request_schema = spec["components"]["schemas"]["MoveOutRequest"]
    assert set(request_schema["required"]) == set(MOVE_OUT)
    assert request_schema["properties"]["fitout_disposition"]["enum"] == ["restore", "leave_to_owner",
                                                                           "agreed_with_owner"]
    withdraw = spec["paths"]["/api/move-outs/{move_out_id}/withdraw"]["post"]
    assert withdraw["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/WithdrawRequest"}
    reason = spec["components"]["schemas"]["WithdrawRequest"]
    assert reason["required"] == ["reason"] and reason["properties"]["reason"]["maxLength"] == 500
    cut = spec["paths"]["/api/move-outs/{move_out_id}/supply-cut"]["post"]
    assert (cut["x-propdesk-command"], cut["x-propdesk-roles"]) == ("tickets.record_supply_cut", ["engineering"])
    assert cut["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/SupplyCutRequest"}
    assert cut["responses"]["200"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/WorkOrder"}
    supplies = spec["components"]["schemas"]["SupplyCutRequest"]["properties"]["supplies"]
    assert (supplies["minItems"], supplies["maxItems"]) == (1, 3)
    row = spec["components"]["schemas"]["SupplyRow"]
    assert row["required"] == ["utility"] and row["properties"]["utility"]["enum"] == ["water", "electricity", "ac"]
    archive = spec["paths"]["/api/move-outs/{move_out_id}/archive"]["post"]
    assert "requestBody" not in archive and archive["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/MoveOut"}


def test_a_chunked_body_within_the_limit_is_read(desk):
    r = desk.post("/api/move-outs", data=(part.encode() for part in (json.dumps(MOVE_OUT)[:20], json.dumps(MOVE_OUT)[20:])))
    assert r.status_code == 201, r.text


# --- idempotency keys ------------------------------------------------------------------------------
COMMANDS = [  # (path, body, staff, service, method)
    ("/api/move-outs", MOVE_OUT, FRONT_DESK, "residents", "request_move_out"),
    (f"/api/move-outs/{CASE_ID}/inspection", {"passed": True}, ENGINEERING, "tickets", "record_inspection"),
    ("/api/payments", PAYMENT, FINANCE, "billing", "record_payment"),
    ("/api/release-slips/RS-20261102-0001/release", None, SECURITY, "access", "release_at_gate"),
    (f"/api/move-outs/{CASE_ID}/withdraw", {"reason": "租户决定续租"}, FRONT_DESK, "residents",
     "withdraw_move_out"),
    ("/api/move-outs/MO-X-RELEASED/archive", None, FRONT_DESK, "residents", "archive_move_out"),
    (f"/api/move-outs/{CASE_ID}/supply-cut", {"supplies": SUPPLIES}, ENGINEERING, "tickets", "record_supply_cut"),
]


@pytest.mark.parametrize("path, body, staff, service, method", COMMANDS)
def test_the_idempotency_key_header_reaches_the_department(desk, path, body, staff, service, method):
    key = "desk-7f3a9c2e-0001"
    r = desk.post(path, body, staff=staff, headers={"Idempotency-Key": key})
    assert r.status_code in (200, 201), r.text
    (*_, kwargs), = calls(service, method)
    assert kwargs == {"actor": {"id": staff, "role": staff, "estates": ["E1"], "address": "127.0.0.1"}, "idempotency_key": key}


@pytest.mark.parametrize("path, body, staff, service, method", COMMANDS)
def test_a_key_the_department_holds_for_another_request_is_a_409_naming_the_header(
        desk, path, body, staff, service, method):
    r = desk.post(path, body, staff=staff, headers={"Idempotency-Key": "REUSED"})
    assert r.status_code == 409, r.text
    answer = r.json()
    assert (answer["error"], answer["field"], answer["rule"]) == (
        "conflict", "Idempotency-Key", "reused_with_different_request")


@pytest.mark.parametrize("key, rule", [("k" * 129, "length"), ("two words", "charset"), ("clé", "charset"),
                                       ("a/b", "charset")])
def test_a_malformed_idempotency_key_is_rejected_at_the_edge(desk, key, rule):
    r = desk.post("/api/payments", {**PAYMENT, "amount": "x"}, staff=FINANCE, headers={"Idempotency-Key": key})
    assert r.status_code == 400
    assert problems(r) == {("Idempotency-Key", rule), ("amount", "type")}  # reported with the body's problems
    assert calls("billing", "record_payment") == []


def test_the_openapi_document_describes_the_idempotency_key_header(desk):
    spec = desk.get("/api/openapi.json").json()
    header = spec["components"]["parameters"]["IdempotencyKey"]
    assert (header["in"], header["name"], header["required"]) == ("header", "Idempotency-Key", False)
    for path, method in (("/api/payments", "post"), ("/api/move-outs", "post"),
                         ("/api/move-outs/{move_out_id}/inspection", "post"),
                         ("/api/release-slips/{slip_no}/release", "post"),
                         ("/api/move-outs/{move_out_id}/withdraw", "post"),
                         ("/api/move-outs/{move_out_id}/archive", "post"),
                         ("/api/move-outs/{move_out_id}/supply-cut", "post")):
        operation = spec["paths"][path][method]
        assert {"$ref": "#/components/parameters/IdempotencyKey"} in operation["parameters"]
        assert "409" in operation["responses"]
