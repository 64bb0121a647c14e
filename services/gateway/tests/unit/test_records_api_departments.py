"""Every real department's record kinds and commands through the generic JSON API, with no gateway
code of their own: each discovered department that declares RECORDS runs on the harness with its
demo data, and the API is walked as the front desk and a CS manager at E1 would: GET /api/records
names every kind, each kind's list answers, its first records answer with their allowed actions,
and every command's request schema is a valid JSON Schema.

    .venv/bin/python -m pytest -q services/gateway/tests/unit/test_records_api_departments.py -k billing
"""
from __future__ import annotations

import importlib

import jsonschema_rs
import pytest

from propdesk import plugins
from propdesk.chassis.clock import FakeClock
from propdesk.testing.fake import ServiceHarness

from .test_records_api import Department, Gateway, Staff, gw  # noqa: F401 (the fixture's caches)

DEPARTMENTS = [name for name in plugins.service_names() if name != "gateway"]
READERS = ("front_desk", "cs_manager")


@pytest.mark.parametrize("service", DEPARTMENTS)
def test_every_kind_and_command_of_the_department_is_reachable(gw, service):
    messages = importlib.import_module(f"propdesk_services.{service}.messages")
    kinds = getattr(messages, "RECORDS", {})
    if not kinds:
        pytest.skip(f"{service} declares no RECORDS")
    harness = gw.staff if service == "staff" else ServiceHarness(plugins.service_classes([service])[service],
                                                                 clock=FakeClock(), demo=True)
    gw.departments[service] = Department(harness, gw.calls)
    problems: list[str] = []
    walked = 0
    listed = {(k["service"], k["kind"]) for k in gw.get("/api/records", "cs_manager").body["kinds"]}
    problems += [f"GET /api/records lacks {service}.{kind}" for kind in kinds if (service, kind) not in listed]
    for who in READERS:
        for kind, record in kinds.items():
            r = gw.get(f"/api/{service}/{kind}", who)
            if r.status_code != 200:
                problems.append(f"{who} GET /api/{service}/{kind}: {r.status_code} {r.body}")
                continue
            for row in r.body["records"][:3]:
                walked += 1
                rid = row.get(record.id_field)
                one = gw.get(f"/api/{service}/{kind}/{rid}", who)
                if one.status_code != 200 or not isinstance(one.body.get("allowed_actions"), list):
                    problems.append(f"{who} GET /api/{service}/{kind}/{rid}: {one.status_code} {one.body}")
    commands = gw.get(f"/api/{service}/commands", "cs_manager")
    assert commands.status_code == 200, commands.body
    for name, spec in commands.body["commands"].items():
        try:
            jsonschema_rs.validator_for(spec["request_schema"])
        except Exception as exc:  # not a JSON Schema
            problems.append(f"{service}.{name}: request_schema {exc}")
    assert problems == [], "\n".join(problems[:30])
    print(f"{service}: {walked} records walked")
    assert walked > 0, f"{service}'s demo shows no record at E1"
