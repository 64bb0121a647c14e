"""The generic JSON API (records_api.py) over the real departments: tickets and staff on the
harness (in-memory, no broker) behind the gateway's real `Remote`, routed as nameko routes the
gateway's `@http` rules, signed in through auth.py (a session cookie with its CSRF token, or a
Bearer API token that staff really created and resolves).

Checked: the kinds a person may list; a list with the department's filters (a bad value 400 naming
the field, an unknown argument 400 naming it); a record with its allowed actions, another estate's
404; any command (201 with Location for a new record, the idempotent replay, a key reused 409, the
department's 403 audited there, a command it has not 404, CSRF for a cookie); queries; 401 without
credentials and nothing called; the paths that are no department's answered as before (404 / 405);
and the owner APP (issue #9 §2): an API token an admin creates through this API submits a repair,
reads its progress, rates it 2, and the repair is escalated to the group hotline.
"""
from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from werkzeug.routing import Map, Rule
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from propdesk import plugins, policy
from propdesk.chassis.clock import FakeClock
from propdesk.errors import NotFound
from propdesk.testing.fake import ServiceHarness
from propdesk_services.gateway import auth
from propdesk_services.gateway.desk import records
from propdesk_services.gateway.desk.views import DESCRIPTIONS, NAMES
from propdesk_services.gateway.openapi import http_routes
from propdesk_services.gateway.remote import Remote
from propdesk_services.gateway.service import GatewayService, _spec

pytestmark = pytest.mark.unit

SECRET = b"r" * 43
ROUTES = Map([Rule(url, endpoint=name, methods=[method])
              for method, url, name, _ in http_routes(GatewayService, fallbacks=True)])
#: Who signs in by cookie: token ``tok-<who>`` (username = role, at E1; ``front_desk_e2`` at E2).
PEOPLE = {role: ([role], ["E1"]) for role in policy.ROLES}
PEOPLE["front_desk_e2"] = (["front_desk"], ["E2"])
REPAIR = {"unit_id": "1-1-303", "category": "water_electric", "summary": "厨房水龙头漏水", "client_name": "王先生",
          "preferred_time": "周六上午"}


class Department:
    """A harness as a nameko proxy is to `Remote` (a method it lacks fails as nameko's would)."""

    def __init__(self, harness: ServiceHarness, calls: list):
        self.harness, self.calls = harness, calls

    def __getattr__(self, method: str):
        def call(*args, **kwargs):
            self.calls.append((self.harness.name, method))
            if method in self.harness.messages.COMMANDS:
                return self.harness.command(method, *args, **kwargs)
            try:
                return self.harness.query(method, *args, **kwargs)
            except KeyError:
                raise AttributeError(f"{self.harness.name} has no {method}") from None
        return call


class Staff:
    """auth.py's staff: sessions as PEOPLE says; API tokens resolved by the real staff service."""

    def __init__(self, staff: Department):
        self.staff = staff

    def call(self, service, method, *args, **kwargs):
        if method == "resolve_session":
            who = args[0].removeprefix("tok-")
            if who not in PEOPLE:
                raise NotFound("no such session", field="token", rule="session_expired")
            roles, estates = PEOPLE[who]
            return {"session_id": "S", "expires_at": "x", "absolute_expires_at": "y",
                    "staff": {"id": who, "username": who, "name": who, "roles": roles, "estates": estates,
                              "must_change_password": False}}
        return getattr(self.staff, method)(*args, **kwargs)


class Gateway(GatewayService):
    """The gateway's routes as nameko dispatches them, its departments the harnesses."""

    def __init__(self):
        self.calls: list = []
        found = plugins.service_classes(["tickets", "staff"])  # the departments as plugins, not imports
        self.tickets = ServiceHarness(found["tickets"], clock=FakeClock())
        self.staff = ServiceHarness(found["staff"], clock=FakeClock())
        self.departments = {"tickets": Department(self.tickets, self.calls),
                            "staff": Department(self.staff, self.calls)}
        self.settings = SimpleNamespace(rpc_timeout_s=5.0)
        self.keys = auth.Keys(SECRET)
        self.auth = auth.Authenticator(self.keys, Staff(Remote(self.departments, 5.0).proxies["staff"]))

    def send(self, method: str, path: str, who: str | None = "front_desk", body=None, token: str | None = None,
             csrf: bool = True, key: str | None = None, query: dict | None = None):
        headers = {"Content-Type": "application/json"}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        elif who is not None:
            headers["Cookie"] = f"{auth.SESSION_COOKIE}={self.keys.cookie_value('tok-' + who)}"
            if csrf and method == "POST":
                headers[auth.CSRF_HEADER] = self.keys.csrf_token("tok-" + who)
        if key is not None:
            headers["Idempotency-Key"] = key
        data = json.dumps(body) if body is not None else None
        request = Request(EnvironBuilder(method=method, path=path, query_string=query, data=data,
                                         headers=headers).get_environ())
        auth.bind(request, self.auth)
        endpoint, values = ROUTES.bind("gateway.test").match(request.path, method=method)
        response = getattr(self, endpoint)(request, **values)
        response.body = json.loads(response.get_data(as_text=True) or "null")
        return response

    def get(self, path, who="front_desk", **kw):
        return self.send("GET", path, who, **kw)

    def post(self, path, body=None, who="front_desk", **kw):
        return self.send("POST", path, who, body=body, **kw)


@pytest.fixture
def gw() -> Gateway:
    DESCRIPTIONS.clear()
    NAMES.clear()
    records.RECORDS.clear()
    return Gateway()


def named(response) -> set[tuple[str, str]]:
    body = response.body
    if response.status_code == 400:
        return {(p["field"], p["rule"]) for p in body["problems"]}
    return {(body["field"], body["rule"])}


def report(gw, who="front_desk", **kw):
    r = gw.post("/api/tickets/commands/report_repair", {**REPAIR, **kw}, who)
    assert r.status_code == 201, r.body
    return r


# --- reading ------------------------------------------------------------------------------------------
def test_the_kinds_a_person_may_list_come_from_each_departments_describe_records(gw):
    r = gw.get("/api/records")
    assert r.status_code == 200, r.body
    kinds = {(k["service"], k["kind"]): k for k in r.body["kinds"]}
    assert {("tickets", "repair"), ("tickets", "complaint"), ("tickets", "contact")} <= set(kinds)
    repair = kinds[("tickets", "repair")]
    assert (repair["href"], repair["get"], repair["list"], repair["id_field"]) == (
        "/api/tickets/repair", "get_repair", "list_repairs", "repair_id")
    assert "report_repair" in repair["create"] and {f["name"] for f in repair["filters"]} >= {"state", "q"}
    assert r.body["unavailable"] == []


def test_a_list_takes_the_departments_filters_and_it_checks_them(gw):
    first = report(gw).body
    report(gw, unit_id="1-1-702", category="lift")
    r = gw.get("/api/tickets/repair", query={"unit_id": "1-1-303"})
    assert r.status_code == 200, r.body
    assert [x["repair_id"] for x in r.body["records"]] == [first["repair_id"]]
    assert len(gw.get("/api/tickets/repair").body["records"]) == 2
    assert gw.get("/api/tickets/repair", query={"state": ""}).status_code == 200  # empty: not a filter
    r = gw.get("/api/tickets/repair", query={"state": "NOPE", "colour": "red", "actor": "admin"})
    assert r.status_code == 400 and named(r) == {("colour", "unknown"), ("actor", "reserved")}
    r = gw.get("/api/tickets/repair", query={"category": "NOPE"})  # the department's rule
    assert r.status_code == 400 and {f for f, _ in named(r)} == {"category"}
    # a query string carries text: a boolean and an integer filter are given as the department takes them
    r = gw.get("/api/tickets/complaint", query={"second_only": "true", "limit": "5"})
    assert (r.status_code, r.body["records"]) == (200, []), r.body
    r = gw.get("/api/tickets/complaint", query={"second_only": "maybe", "limit": "five"})
    assert r.status_code == 400 and {f for f, _ in named(r)} == {"second_only", "limit"}, r.body


def test_a_record_comes_with_the_actions_allowed_now_and_another_estates_is_absent(gw):
    rid = report(gw).body["repair_id"]
    r = gw.get(f"/api/tickets/repair/{rid}")
    assert r.status_code == 200, r.body
    assert (r.body["id"], r.body["record"]["repair_id"], r.body["record"]["state"]) == (rid, rid, "REPORTED")
    assert "dispatch_repair" in r.body["allowed_actions"]
    assert "start_repair" not in r.body["allowed_actions"]
    assert "dispatch_repair" not in gw.get(f"/api/tickets/repair/{rid}", "engineering").body["allowed_actions"]
    other = gw.get(f"/api/tickets/repair/{rid}", "front_desk_e2")
    unknown = gw.get("/api/tickets/repair/BX-20990101-0001")
    assert other.status_code == unknown.status_code == 404
    assert other.body["rule"] == unknown.body["rule"] and other.body["field"] == unknown.body["field"]
    assert gw.get("/api/tickets/repair/a%20b").status_code == 400
    assert gw.get("/api/tickets/nothing/X").body["field"] == "kind"


def test_queries_of_the_department_but_commands_and_secret_ones(gw):
    report(gw)
    r = gw.get("/api/tickets/queries/repair_counts")
    assert r.status_code == 200 and isinstance(r.body, list), r.body
    for path in ("/api/staff/queries/resolve_api_token", "/api/staff/queries/resolve_session",
                 "/api/tickets/queries/report_repair", "/api/tickets/queries/nothing"):
        r = gw.get(path, query={"token": "pdt_x"})
        assert (r.status_code, r.body["field"], r.body["rule"]) == (404, "query", "exists"), (path, r.body)
    assert ("staff", "resolve_api_token") not in gw.calls
    r = gw.get("/api/tickets/queries/list_audit", "front_desk")  # READS: the department's rule, said first here
    assert (r.status_code, r.body["rule"]) == (403, "role_not_allowed")
    assert gw.get("/api/tickets/queries/list_audit", "cs_manager").status_code == 200
    commands = gw.get("/api/staff/commands").body["commands"]
    assert "create_api_token" in commands and "sign_in" not in commands  # public ones are not given here
    rate = gw.get("/api/tickets/commands").body["commands"]["rate_repair"]
    assert rate["href"] == "/api/tickets/commands/rate_repair" and "front_desk" in rate["roles"]
    schema = rate["request_schema"]  # JSON Schema from the department's fields
    assert (schema["type"], set(schema["required"]), schema["additionalProperties"]) == (
        "object", {"repair_id", "rating"}, False)
    assert schema["properties"]["rating"]["type"] == "integer"


# --- commands -----------------------------------------------------------------------------------------
def test_a_command_creates_with_location_and_a_replay_acts_once(gw):
    r = gw.post("/api/tickets/commands/report_repair", REPAIR, key="app-0001")
    assert r.status_code == 201, r.body
    assert r.headers["Location"] == f"/api/tickets/repair/{r.body['repair_id']}"
    again = gw.post("/api/tickets/commands/report_repair", REPAIR, key="app-0001")
    assert (again.status_code, again.body) == (201, r.body)
    assert len(gw.tickets.events("repair.reported")) == 1
    other = gw.post("/api/tickets/commands/report_repair", {**REPAIR, "summary": "另一件"}, key="app-0001")
    assert (other.status_code, named(other)) == (409, {("Idempotency-Key", "reused_with_different_request")})
    acting = gw.post("/api/tickets/commands/dispatch_repair", {"repair_id": r.body["repair_id"],
                                                               "team": "maintenance", "follow_up": "cs_assistant"})
    assert acting.status_code == 200 and "Location" not in acting.headers, acting.body


def test_refusals_are_the_departments_and_change_nothing(gw):
    before = len(gw.tickets.events())
    r = gw.post("/api/tickets/commands/report_repair", REPAIR, "engineering")
    assert (r.status_code, named(r)) == (403, {("actor.role", "role_not_allowed")})
    assert gw.tickets.audit("refused")  # the department refused it and audited it
    r = gw.post("/api/tickets/commands/report_repair", {**REPAIR, "extra": 1})
    assert r.status_code == 400 and {f for f, _ in named(r)} == {"extra"}, r.body
    r = gw.post("/api/tickets/commands/report_repair", {**REPAIR, "category": "NOPE"})
    assert r.status_code == 400 and {f for f, _ in named(r)} == {"category"}, r.body
    r = gw.post("/api/tickets/commands/report_repair", [1, 2])
    assert (r.status_code, named(r)) == (400, {("_body", "type")})
    r = gw.post("/api/tickets/commands/report_repair", REPAIR, key="two words")
    assert (r.status_code, named(r)) == (400, {("Idempotency-Key", "charset")})
    r = gw.post("/api/tickets/commands/start_repair", {"repair_id": "BX-20990101-0001"}, "engineering")
    assert r.status_code == 404
    for path in ("/api/tickets/commands/nothing", "/api/staff/commands/sign_in"):
        r = gw.post(path, {})
        assert (r.status_code, named(r)) == (404, {("command", "exists")}), path
    r = gw.post("/api/tickets/commands/report_repair", REPAIR, csrf=False)  # a cookie without its CSRF token
    assert (r.status_code, named(r)) == (403, {("csrf_token", "csrf")})
    rid = report(gw).body["repair_id"]
    r = gw.post("/api/tickets/commands/start_repair", {"repair_id": rid}, "engineering")  # not dispatched yet
    assert r.status_code == 409, r.body
    assert len(gw.tickets.events()) == before + 1  # only the one reported


def test_without_credentials_every_generic_route_is_401_and_nobody_is_asked(gw):
    for method, path in (("GET", "/api/records"), ("GET", "/api/tickets/repair"), ("GET", "/api/tickets/repair/X"),
                         ("GET", "/api/tickets/commands"), ("POST", "/api/tickets/commands/report_repair"),
                         ("GET", "/api/tickets/queries/repair_counts"), ("GET", "/api/nowhere/x/y")):
        r = gw.send(method, path, None, body=REPAIR if method == "POST" else None)
        assert (r.status_code, named(r)) == (401, {("_session", "sign_in_required")}), path
    r = gw.send("POST", "/api/tickets/commands/report_repair", None, body=REPAIR, token="pdt_unknown")
    assert r.status_code == 401
    assert gw.calls == [("staff", "resolve_api_token")] and gw.tickets.events() == []  # the token only


def test_a_path_that_is_no_departments_is_answered_as_before(gw):
    r = gw.get("/api/move-outs/MO-1/withdraw")  # the generic record route took it: a POST-only endpoint
    assert (r.status_code, named(r), r.headers["Allow"]) == (405, {("_method", "not_allowed")}, "POST")
    r = gw.send("PUT", "/api/release-slips/RS-1")
    assert (r.status_code, named(r)) == (404, {("_path", "not_found")})
    r = gw.get("/api/nowhere/x")
    assert (r.status_code, named(r)) == (404, {("_path", "not_found")})
    r = gw.send("PUT", "/api/tickets/repair")
    assert r.status_code == 405 and set(r.headers["Allow"].split(", ")) == {"GET", "HEAD"}
    assert gw.calls == [c for c in gw.calls if c[1] == "resolve_api_token"]


def test_the_openapi_document_describes_the_generic_routes():
    paths = _spec()["paths"]
    command = paths["/api/{service}/commands/{command}"]["post"]
    assert {"201", "200", "400", "401", "403", "404", "409"} <= set(command["responses"])
    assert command["requestBody"]["content"]["application/json"]["schema"]["type"] == "object"
    assert {"$ref": "#/components/parameters/IdempotencyKey"} in command["parameters"]
    assert "front_desk" in command["x-propdesk-roles"]
    service = next(p for p in paths["/api/{service}/{kind}/{record_id}"]["get"]["parameters"] if p["name"] == "service")
    assert "tickets" in service["schema"]["enum"] and "gateway" not in service["schema"]["enum"]
    assert "/api/records" in paths and "/api/{service}/queries/{query}" in paths
    for path, operations in paths.items():  # a name that is no department's is a 404 (as no endpoint's path)
        if path.startswith("/api/{service}/"):
            assert all("404" in op["responses"] for op in operations.values()), path


# --- the owner APP (issue #9 §2) ----------------------------------------------------------------------
def test_the_owner_app_submits_a_repair_reads_its_progress_and_a_low_rating_escalates_it(gw):
    # an admin creates the APP's token through this API (staff's command; the secret answered once)
    made = gw.post("/api/staff/commands/create_api_token",
                   {"name": "owner-app", "roles": ["owner_app"], "estates": ["E1"]}, "admin")
    assert made.status_code in (200, 201), made.body
    token = made.body["token"]
    assert token.startswith("pdt_")
    # the APP submits a repair (no cookie, no CSRF token) and reads its progress
    r = gw.post("/api/tickets/commands/submit_app_repair",
                {"unit_id": "1-1-303", "category": "water_electric", "summary": "卫生间漏水", "app_ref": "APP-778"},
                None, token=token, key="APP-778")
    assert r.status_code == 201, r.body
    rid = r.body["repair_id"]
    assert (r.body["channel"], r.headers["Location"]) == ("app", f"/api/tickets/repair/{rid}")
    assert gw.tickets.events("repair.reported")[0].actor.id == "token:owner-app"
    progress = gw.get("/api/tickets/queries/repair_progress", None, token=token, query={"repair_id": rid})
    assert progress.status_code == 200, progress.body
    assert (progress.body["state"], progress.body["may_rate"]) == ("REPORTED", False)
    # the office works it through the same API, each as themselves
    assert gw.post("/api/tickets/commands/dispatch_repair", {"repair_id": rid, "team": "maintenance",
                                                             "follow_up": "cs_assistant"}).status_code == 200
    for command in ("start_repair", "complete_repair"):
        assert gw.post(f"/api/tickets/commands/{command}", {"repair_id": rid}, "engineering").status_code == 200
    assert gw.post("/api/tickets/commands/record_acceptance", {"repair_id": rid, "passed": True},
                   "cs_assistant").status_code == 200
    progress = gw.get("/api/tickets/queries/repair_progress", None, token=token, query={"repair_id": rid})
    assert progress.body["may_rate"] is True
    # the owner rates it 2: escalated to the group hotline (an event, and the supervisors' queue)
    r = gw.post("/api/tickets/commands/rate_repair", {"repair_id": rid, "rating": 2, "comment": "等太久"},
                None, token=token)
    assert (r.status_code, r.body["state"], r.body["rating"]) == (200, "ESCALATED", 2)
    [escalated] = gw.tickets.events("repair.escalated")
    assert (escalated.payload["rating"], escalated.payload["hotline"]) == (2, "95059")
    queues = gw.get("/api/tickets/queries/work_queues", "cs_supervisor").body
    assert [i["id"] for q in queues if q["key"] == "repairs_escalated" for i in q["items"]] == [rid]
    # the token acts within its estate and with its role only: the owner APP submits and rates
    # repairs and nothing else a front desk may do (owner_app), and reads phone numbers masked
    for command, body in (("start_repair", {"repair_id": rid}),
                          ("register_contact", {"channel": "app", "classification": "inquiry", "summary": "x"}),
                          ("register_complaint", {"unit_id": "1-1-303", "summary": "x"})):
        r = gw.post(f"/api/tickets/commands/{command}", body, None, token=token)
        assert (r.status_code, r.body["rule"]) == (403, "role_not_allowed"), command
    # revoked: 401, nothing done
    assert gw.post("/api/staff/commands/revoke_api_token", {"name": "owner-app"}, "admin").status_code == 200
    r = gw.get("/api/tickets/queries/repair_progress", None, token=token, query={"repair_id": rid})
    assert r.status_code == 401
