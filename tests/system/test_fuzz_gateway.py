"""The gateway's JSON API fuzzed from its own OpenAPI description (schemathesis), against the
whole system (every service its own process, real broker, demo data), plus the bad inputs the
desk is known to send (issue #3 §3).

Authenticated: each operation is sent by a demo account signed in at /sign-in (session cookie and
CSRF token), one whose role the policy lets give the operation's command (`x-propdesk-roles`:
cs_manager where it may, else cashier, engineering, security), cs_manager for the reads.
Unauthenticated first: every operation but the document itself answers 401 (`_session`,
`sign_in_required`) whatever is generated, the credentials included (schemathesis makes up
cookies and bearer tokens from the security schemes), and nothing is written anywhere.

For every generated request, valid by the description (positive) or not (negative):
- no 5xx;
- the answer conforms to the description (status code, content type, body schema);
- every 4xx names the field and the rule (400: each problem; 403/404/409/413: `field`, `rule`);
- a rejected command (4xx) changes nothing in any department's database, but for the audit row a
  refused one (403) leaves on purpose (who tried what: propdesk.policy).

Bounded and reproducible: hypothesis derandomized, a few examples per operation and mode.
"""
from __future__ import annotations

import json
import os
import time
from datetime import date, timedelta

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from propdesk import demo, plugins
from propdesk.chassis import migrate
from propdesk.chassis.calendar import office_today
from propdesk_services.gateway.api import MAX_BODY_BYTES
from propdesk_services.gateway.openapi import build_spec, http_routes
from propdesk_services.gateway.service import GatewayService
from propdesk_services.gateway.tests.signing_in import signed_in
from tests.helpers import RowCounts, table_counts, wait_for

pytestmark = pytest.mark.system

EXAMPLES_PER_OPERATION = 25
UNAUTHENTICATED_EXAMPLES = 10
#: Who sends an operation: the first of these its command's roles include (demo usernames = roles).
PREFERRED_ROLES = ("cs_manager", "cashier", "engineering", "security")
READER = "cs_manager"
FRONT_DESK = "front_desk"
CASHIER = "cashier"
SECURITY = "security"
CHECKS = {
    GenerationMode.POSITIVE: [not_a_server_error, status_code_conformance, content_type_conformance,
                              response_schema_conformance],
    GenerationMode.NEGATIVE: [not_a_server_error, status_code_conformance, content_type_conformance,
                              response_schema_conformance, negative_data_rejection],
}


def schema(with_credentials: bool = False):
    """The gateway's description; without made-up credentials (the signed-in session brings real
    ones) unless `with_credentials`."""
    loaded = schemathesis.openapi.from_dict(build_spec(GatewayService))
    loaded.config.generation.update(with_security_parameters=with_credentials)
    return loaded


def sender(operation) -> str:
    """The demo account that sends `operation`: one whose role may give its command."""
    roles = operation.definition.raw.get("x-propdesk-roles")
    if not roles:
        return READER
    return next((role for role in PREFERRED_ROLES if role in roles), roles[0])


_SESSIONS: dict[tuple[str, str], requests.Session] = {}


def session_of(base: str, username: str) -> requests.Session:
    """A session signed in as `username` at `base` (once per system), waiting for the system to
    answer a signed-in request."""
    key = (base, username)
    if key not in _SESSIONS:
        def ready():
            try:
                session = signed_in(base, username)
                return session if session.get(base + "/api/units", timeout=30).status_code == 200 else None
            except (AssertionError, requests.RequestException):
                return None

        _SESSIONS[key] = wait_for(ready, timeout=60, interval=0.5, what=f"signing in as {username}")
    return _SESSIONS[key]


def raw_counts(env) -> dict[str, dict[str, int]]:
    """Every row of every department, audit rows of refusals included."""
    return {name: table_counts(url) for name, url in databases(env).items()}


def databases(env) -> dict[str, str]:
    return {name: env.db_url(name) for name, cls in plugins.service_classes().items() if migrate.has_database(cls)}


#: One `RowCounts` a department database, kept for the run: the settle loop counts every 0.5 s
_COUNTERS: dict[str, RowCounts] = {}


@pytest.fixture(autouse=True, scope="module")
def _close_counters():
    yield
    for counts in _COUNTERS.values():
        counts.close()
    _COUNTERS.clear()


def all_counts(env) -> dict[str, dict[str, int]]:
    return {name: (_COUNTERS.get(url) or _COUNTERS.setdefault(url, RowCounts(url)))()
            for name, url in databases(env).items()}


#: How long the row counts must stay the same to call the system settled: longer than the slowest
#: background tick that acts on earlier work (notify sends what it queued every second; the
#: deadline sweep runs every 0.5 s here). A 0.4 s lull once came between notify queueing 37
#: messages and sending them, and the sends landed in the check (CI: 31 rows "written").
QUIET_S = 3.0


def settled_counts(env) -> dict[str, dict[str, int]]:
    """Row counts once the events of earlier successes have been handled everywhere: unchanged
    for `QUIET_S`."""
    last, since = [all_counts(env)], [time.monotonic()]

    def quiet():
        now = all_counts(env)
        if now != last[0]:
            last[0], since[0] = now, time.monotonic()
        return time.monotonic() - since[0] >= QUIET_S

    wait_for(quiet, timeout=60, interval=0.5, what="the departments to settle")
    return last[0]


def named(response) -> list[str]:
    """What is wrong with a 4xx body: empty when it names the field and the rule."""
    body = response.json()
    if response.status_code == 400:
        if body.get("error") != "validation" or not body.get("problems"):
            return [f"400 without problems: {body}"]
        return [f"problem without field/rule: {p}" for p in body["problems"] if not p.get("field") or not p.get("rule")]
    if not body.get("field") or not body.get("rule"):
        return [f"{response.status_code} without field/rule: {body}"]
    return []


def fuzz_operation(operation, mode: GenerationMode, base_url: str, env, seen: dict[int, int]) -> list[str]:
    """Run the generated cases of one operation in one mode, signed in as its `sender`; the list
    of what went wrong. `seen` counts the answers by status class (2 for 2xx, 4 for 4xx ...)."""
    found: list[str] = []
    state = {"dirty": True, "counts": None}
    session = session_of(base_url, sender(operation))

    @settings(max_examples=EXAMPLES_PER_OPERATION, derandomize=True, deadline=None, database=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case):
        command = case.method.upper() == "POST"
        if command and state["dirty"]:
            state["counts"], state["dirty"] = settled_counts(env), False
        response = case.call(base_url=base_url, session=session, timeout=60)
        seen[response.status_code // 100] = seen.get(response.status_code // 100, 0) + 1
        label = f"{mode.value} {case.method} {case.formatted_path} headers={case.headers} query={case.query} body={case.body!r:.300}"
        try:
            case.validate_response(response, checks=CHECKS[mode])
        except Exception as exc:  # schemathesis raises a failure group naming each broken check
            found.append(f"{label} -> {response.status_code} {response.text[:300]}: {str(exc)[:600]}")
        if 400 <= response.status_code < 500:
            found.extend(f"{label}: {p}" for p in named(response))
            if command and all_counts(env) != state["counts"]:
                found.append(f"{label}: rejected ({response.status_code}) but something was written")
        elif command:
            state["dirty"] = True

    run()
    return found


def modes(operation) -> tuple[GenerationMode, ...]:
    """Positive always; negative where there is something to get wrong (parameters or a body)."""
    raw = operation.definition.raw
    if raw.get("parameters") or raw.get("requestBody"):
        return (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    return (GenerationMode.POSITIVE,)


def fuzz_unauthenticated(operation, mode: GenerationMode, base_url: str) -> list[str]:
    """Generated cases of one operation sent by nobody (with whatever credentials schemathesis
    makes up): each is a 401 naming _session/sign_in_required, as described (the document: 200)."""
    found: list[str] = []
    public = operation.definition.raw.get("security") == []
    session = requests.Session()

    @settings(max_examples=UNAUTHENTICATED_EXAMPLES, derandomize=True, deadline=None, database=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case):
        response = case.call(base_url=base_url, session=session, timeout=60)
        label = f"{mode.value} {case.method} {case.formatted_path} headers={case.headers} cookies={case.cookies}"
        try:
            case.validate_response(response, checks=[not_a_server_error, status_code_conformance,
                                                     content_type_conformance, response_schema_conformance])
        except Exception as exc:
            found.append(f"{label} -> {response.status_code} {response.text[:300]}: {str(exc)[:600]}")
        if public:
            if response.status_code != 200:
                found.append(f"{label}: the public document answered {response.status_code}")
        elif response.status_code != 401 or rules(response) != {("_session", "sign_in_required")}:
            found.append(f"{label}: not a 401 _session/sign_in_required: {response.status_code} {response.text[:300]}")

    run()
    return found


def test_every_json_endpoint_survives_fuzzing_from_its_openapi_description(gateway_url, propdesk_env):
    for username in {READER} | {sender(op.ok()) for op in schema().get_all_operations()}:
        session_of(gateway_url, username)  # the system is up and signs these people in

    # nobody signed in: every operation is 401 and nothing anywhere changes (not even an audit row)
    settled_counts(propdesk_env)
    before = raw_counts(propdesk_env)
    found: list[str] = []
    for operation in [result.ok() for result in schema(with_credentials=True).get_all_operations()]:
        for mode in modes(operation):
            found += fuzz_unauthenticated(operation, mode, gateway_url)
    assert found == [], "\n".join(found[:40])
    assert raw_counts(propdesk_env) == before

    # signed in
    seen: dict[int, int] = {}
    operations = [result.ok() for result in schema().get_all_operations()]
    for operation in operations:
        for mode in modes(operation):
            found += fuzz_operation(operation, mode, gateway_url, propdesk_env, seen)
    assert found == [], "\n".join(found[:40])
    assert len(operations) == len([r for r in http_routes(GatewayService) if r[1].startswith("/api/")])
    assert seen.get(2, 0) > 0 and seen.get(4, 0) > 100, seen  # both answers were reached


# --- the bad inputs the desk is known to send --------------------------------------------------------
def post(base: str, path: str, body=None, staff=FRONT_DESK, data=None, **headers) -> requests.Response:
    """POST as the demo account `staff`, signed in (session cookie, CSRF token)."""
    if data is None and body is not None:
        data = json.dumps(body)
    return session_of(base, staff).post(base + path, data=data, timeout=60,
                                        headers={"Content-Type": "application/json", **headers})


def application(**changes) -> dict:
    return {"unit_id": demo.DEMO_HAPPY_UNIT, "tenant_party_id": demo.DEMO_HAPPY_TENANT,
            "exit_date": (office_today() + timedelta(days=5)).isoformat(), "owner_consent_ref": "OC-2026-118",
            "fitout_disposition": "restore", **changes}


def rules(response) -> set[tuple[str, str]]:
    body = response.json()
    if response.status_code == 400:
        return {(p["field"], p["rule"]) for p in body["problems"]}
    return {(body["field"], body["rule"])}


def test_known_bad_inputs_then_a_duplicate_submission(gateway_url, propdesk_env):
    """One system for both (starting one takes most of the time)."""
    for username in (FRONT_DESK, CASHIER, SECURITY):
        session_of(gateway_url, username)  # the system is up and signs people in (a sign-in writes)
    known_bad_inputs_are_refused_by_name_and_write_nothing(gateway_url, propdesk_env)
    a_duplicate_submission_acts_once(gateway_url)


def known_bad_inputs_are_refused_by_name_and_write_nothing(gateway_url: str, propdesk_env) -> None:
    before = settled_counts(propdesk_env)
    yesterday = (office_today() - timedelta(days=1)).isoformat()
    cases = [
        # oversized: refused before parsing, naming the rule
        (post(gateway_url, "/api/move-outs", data="{" + " " * MAX_BODY_BYTES + "}"), 413, {("_body", "max_bytes")}),
        # wrong types
        (post(gateway_url, "/api/move-outs", application(unit_id=303, exit_date=20261130)), 400,
         {("unit_id", "type"), ("exit_date", "type")}),
        (post(gateway_url, "/api/payments", {"unit_id": demo.DEMO_ARREARS_UNIT, "amount": [1], "method": "cash",
                                             "receipt_no": "R-F-1"}, staff=CASHIER), 400, {("amount", "type")}),
        # unknown units
        (post(gateway_url, "/api/move-outs", application(unit_id="9-9-999")), 400, {("unit_id", "unknown_unit")}),
        (post(gateway_url, "/api/payments", {"unit_id": "9-9-999", "amount": "10.00", "method": "cash",
                                             "receipt_no": "R-F-2"}, staff=CASHIER), 400, {("unit_id", "unknown_unit")}),
        # dates in the wrong order: an exit date before today
        (post(gateway_url, "/api/move-outs", application(exit_date=yesterday)), 400, {("exit_date", "not_before_today")}),
        (post(gateway_url, "/api/move-outs", application(exit_date="1999-01-01")), 400,
         {("exit_date", "not_before_today")}),
        # an unknown release slip, a case that has no work order
        (post(gateway_url, "/api/release-slips/RS-19990101-0001/release", staff=SECURITY),
         404, {("slip_no", "exists")}),
        # nobody signed in, or signed in but without the CSRF token: refused before anything
        (requests.post(gateway_url + "/api/move-outs", json=application(), timeout=60,
                       headers={"X-Staff-Id": "hacker", "X-Staff-Role": "cs_manager"}),
         401, {("_session", "sign_in_required")}),
        (post(gateway_url, "/api/move-outs", application(), **{"X-CSRF-Token": None}), 403, {("csrf_token", "csrf")}),
        # a role the policy refuses: the department says so (and audits it: a refused row, not counted)
        (post(gateway_url, "/api/move-outs", application(), staff=SECURITY), 403, {("actor.role", "role_not_allowed")}),
    ]
    for response, status, expected in cases:
        assert (response.status_code, rules(response)) == (status, expected), response.text
        assert named(response) == [], response.text
    assert all_counts(propdesk_env) == before


def a_duplicate_submission_acts_once(gateway_url: str) -> None:
    """The desk's double click: the same Idempotency-Key answers the same case, one case and one
    move_out.requested; the same key with another application is a 409 naming the header."""
    key = "desk-double-click-0001"
    first = post(gateway_url, "/api/move-outs", application(), **{"Idempotency-Key": key})
    assert first.status_code == 201, first.text
    again = post(gateway_url, "/api/move-outs", application(), **{"Idempotency-Key": key})
    assert (again.status_code, again.json()) == (201, first.json())
    other = post(gateway_url, "/api/move-outs", application(owner_consent_ref="OC-OTHER"), **{"Idempotency-Key": key})
    assert other.status_code == 409 and rules(other) == {("Idempotency-Key", "reused_with_different_request")}
    move_out_id = first.json()["move_out_id"]
    reader = session_of(gateway_url, FRONT_DESK)
    cases = reader.get(gateway_url + "/api/move-outs", timeout=30).json()["move_outs"]
    assert [c["move_out_id"] for c in cases if c["unit_id"] == demo.DEMO_HAPPY_UNIT] == [move_out_id]
    timeline = wait_for(lambda: reader.get(f"{gateway_url}/api/timeline/{move_out_id}", timeout=30).json()["events"],
                        what="the case's timeline")
    assert [e["event_type"] for e in timeline].count("move_out.requested") == 1
    assert date.fromisoformat(first.json()["exit_date"]) > office_today()
