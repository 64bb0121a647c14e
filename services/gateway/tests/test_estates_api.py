"""Estates (管理处) at the desk and its JSON API, against the fake departments on the real broker
(fakes.py: they honour estates as the real departments do, test_fakes.py checks it).

``front_desk`` works for the residential estate E1, ``front_desk_e2`` for the office park E2,
``admin`` for both. Every RPC the gateway makes for a person carries the person's estates and the
client's address (a command's actor; a query's ``actor=``), so each sees and acts only within
their estates: another estate's case answers 404 exactly as an unknown one, lists and counts
leave it out. An API token acts within its own estates."""
from __future__ import annotations

import requests

from . import fakes
from .test_api import CASE_ID, MOVE_OUT, calls, desk, short_rpc_timeout, start_desk  # noqa: F401 (fixtures)

OFFICE_CASE = fakes.OFFICE_CASE_ID
E1, E2, BOTH = "front_desk", "front_desk_e2", "admin"


def ids(answer: list[dict], key: str = "move_out_id") -> list[str]:
    return [item[key] for item in answer]


def test_each_front_desk_sees_the_cases_and_units_of_its_estate_only(desk):
    assert ids(desk.get("/api/move-outs", staff=E1).json()["move_outs"]) == [CASE_ID]
    assert ids(desk.get("/api/move-outs", staff=E2).json()["move_outs"]) == [OFFICE_CASE]
    assert ids(desk.get("/api/move-outs", staff=BOTH).json()["move_outs"]) == [CASE_ID, OFFICE_CASE]
    units = desk.get("/api/units", staff=E2).json()
    assert ids(units["units"], "unit_id") == [fakes.OFFICE_UNIT] and units["units"][0]["estate"] == "E2"
    assert {u["estate"] for u in desk.get("/api/units", staff=E1).json()["units"]} == {"E1"}
    assert desk.get("/api/reports/move-outs", staff=E2).json()["total"] == 1
    assert desk.get("/api/reports/move-outs", staff=BOTH).json()["total"] == 2
    assert {m["correlation_id"] for m in desk.get("/api/messages", staff=E2).json()["messages"]} == {OFFICE_CASE}


def test_another_estates_case_answers_404_exactly_as_an_unknown_one(desk):
    other = desk.get(f"/api/move-outs/{CASE_ID}", staff=E2)
    unknown = desk.get("/api/move-outs/MO-20991231-0001", staff=E2)
    assert other.status_code == unknown.status_code == 404
    strip = lambda body: {k: v for k, v in body.items() if k != "message"}  # noqa: E731 (it names the id)
    assert strip(other.json()) == strip(unknown.json())
    assert desk.get(f"/api/move-outs/{OFFICE_CASE}", staff=E2).json()["estate"] == "E2"
    page = desk.get(f"/api/move-outs/{OFFICE_CASE}", staff=BOTH).json()
    assert (page["estate"], page["work_order"]["estate"], page["release"]["estate"]) == ("E2", "E2", "E2")
    assert desk.get(f"/api/timeline/{CASE_ID}", staff=E2).json()["events"] == []
    assert desk.get("/api/units/1-1-702/balance", staff=E2).status_code == 404


def test_another_estates_case_cannot_be_acted_on_and_the_department_is_told_who_and_from_where(desk):
    r = desk.post(f"/api/move-outs/{CASE_ID}/withdraw", {"reason": "租户续租"}, staff=E2)
    assert r.status_code == 404 and (r.json()["field"], r.json()["rule"]) == ("move_out_id", "exists")
    (_, _, _, kwargs), = calls("residents", "withdraw_move_out")
    assert kwargs["actor"] == {"id": E2, "role": "front_desk", "estates": ["E2"], "address": "127.0.0.1"}
    r = desk.post("/api/move-outs", MOVE_OUT, staff=E2)  # 1-1-702 is the residential estate's
    assert r.status_code == 400 and r.json()["problems"][0]["rule"] == "unknown_unit"
    r = desk.post(f"/api/move-outs/{OFFICE_CASE}/withdraw", {"reason": "租户续租"}, staff=E2)
    assert r.status_code == 200 and r.json()["state"] == "WITHDRAWN"


def test_every_department_is_asked_within_the_persons_estates(desk):
    desk.session(E2)  # signed in first
    fakes.ASKED.clear()
    assert desk.get(f"/api/move-outs/{OFFICE_CASE}", staff=E2).status_code == 200
    asked = {(service, method): actor for service, method, actor in fakes.ASKED}
    assert set(asked) >= {("residents", "get_move_out"), ("reports", "timeline"), ("access", "get_release_hold"),
                          ("tickets", "get_inspection"), ("notify", "list_messages"), ("billing", "get_balance")}
    assert all(actor == {"id": E2, "role": "front_desk", "estates": ["E2"], "address": "127.0.0.1"}
               for actor in asked.values()), asked


def test_an_api_token_acts_within_its_estates(desk):
    gate = {"Authorization": "Bearer pdt_gate-system-secret"}  # security at E1
    office_slip = requests.post(desk.base + f"/api/release-slips/{fakes.OFFICE_SLIP}/release", headers=gate, timeout=30)
    assert office_slip.status_code == 404 and office_slip.json()["field"] == "slip_no"
    assert requests.post(desk.base + "/api/release-slips/RS-20261102-0001/release", headers=gate,
                         timeout=30).status_code == 200
    erp = {"Authorization": "Bearer pdt_erp-secret"}  # E1 and E2
    listed = requests.get(desk.base + "/api/move-outs", headers=erp, timeout=30).json()["move_outs"]
    assert ids(listed) == [CASE_ID, OFFICE_CASE]


def test_the_desk_shows_the_office_park_only_to_its_front_desk(desk):
    office, home = desk.get("/", staff=E2).text, desk.get("/", staff=E1).text
    assert OFFICE_CASE in office and CASE_ID not in office
    assert CASE_ID in home and OFFICE_CASE not in home
    assert desk.get(f"/move-outs/{CASE_ID}", staff=E2).status_code == 404
