"""The gateway's JSON API fuzzed from its own OpenAPI description (schemathesis), against the
whole system (every service its own process, real broker, demo data), plus the bad inputs the
desk is known to send (issue #3 §3).

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
from tests.helpers import wait_for, written

pytestmark = pytest.mark.system

EXAMPLES_PER_OPERATION = 25
FRONT_DESK = {"X-Staff-Id": "S-FD-01", "X-Staff-Role": "front_desk"}
FINANCE = {"X-Staff-Id": "S-FI-01", "X-Staff-Role": "finance"}
CHECKS = {
    GenerationMode.POSITIVE: [not_a_server_error, status_code_conformance, content_type_conformance,
                              response_schema_conformance],
    GenerationMode.NEGATIVE: [not_a_server_error, status_code_conformance, content_type_conformance,
                              response_schema_conformance, negative_data_rejection],
}


def schema():
    return schemathesis.openapi.from_dict(build_spec(GatewayService))


def databases(env) -> dict[str, str]:
    return {name: env.db_url(name) for name, cls in plugins.service_classes().items() if migrate.has_database(cls)}


def all_counts(env) -> dict[str, dict[str, int]]:
    return {name: written(url) for name, url in databases(env).items()}


def settled_counts(env) -> dict[str, dict[str, int]]:
    """Row counts once the events of earlier successes have been handled everywhere."""
    last = [all_counts(env)]

    def quiet():
        now = all_counts(env)
        same, last[0] = now == last[0], now
        return same

    wait_for(quiet, timeout=30, interval=0.4, what="the departments to settle")
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
    """Run the generated cases of one operation in one mode; the list of what went wrong.
    `seen` counts the answers by status class (2 for 2xx, 4 for 4xx ...)."""
    found: list[str] = []
    state = {"dirty": True, "counts": None}
    session = requests.Session()

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


def test_every_json_endpoint_survives_fuzzing_from_its_openapi_description(gateway_url, propdesk_env):
    wait_for(lambda: requests.get(gateway_url + "/api/units", timeout=30).status_code == 200,
             what="the gateway and its departments")
    found: list[str] = []
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
    if data is None and body is not None:
        data = json.dumps(body)
    return requests.post(base + path, data=data, timeout=60,
                         headers={"Content-Type": "application/json", **staff, **headers})


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
    wait_for(lambda: requests.get(gateway_url + "/api/units", timeout=30).status_code == 200,
             what="the gateway and its departments")
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
                                             "receipt_no": "R-F-1"}, staff=FINANCE), 400, {("amount", "type")}),
        # unknown units
        (post(gateway_url, "/api/move-outs", application(unit_id="9-9-999")), 400, {("unit_id", "unknown_unit")}),
        (post(gateway_url, "/api/payments", {"unit_id": "9-9-999", "amount": "10.00", "method": "cash",
                                             "receipt_no": "R-F-2"}, staff=FINANCE), 400, {("unit_id", "unknown_unit")}),
        # dates in the wrong order: an exit date before today
        (post(gateway_url, "/api/move-outs", application(exit_date=yesterday)), 400, {("exit_date", "not_before_today")}),
        (post(gateway_url, "/api/move-outs", application(exit_date="1999-01-01")), 400,
         {("exit_date", "not_before_today")}),
        # an unknown release slip, a case that has no work order
        (post(gateway_url, "/api/release-slips/RS-19990101-0001/release", staff={"X-Staff-Id": "S-SE-01",
                                                                                 "X-Staff-Role": "security"}),
         404, {("slip_no", "exists")}),
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
    cases = requests.get(gateway_url + "/api/move-outs", timeout=30).json()["move_outs"]
    assert [c["move_out_id"] for c in cases if c["unit_id"] == demo.DEMO_HAPPY_UNIT] == [move_out_id]
    timeline = wait_for(lambda: requests.get(f"{gateway_url}/api/timeline/{move_out_id}", timeout=30).json()["events"],
                        what="the case's timeline")
    assert [e["event_type"] for e in timeline].count("move_out.requested") == 1
    assert date.fromisoformat(first.json()["exit_date"]) > office_today()
