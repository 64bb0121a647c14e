"""Estates (管理处) in residents: every unit belongs to one (the demo: buildings 1-3 are E1, the office
tower T1 is E2), a move-out case has its unit's, and a person sees and acts within the estates they
work for only. Another estate's unit or case answers exactly as an unknown one, for reads and for
commands, and nothing is written; lists leave it out; without an actor (a service asking) nothing
is scoped. Every event of a case carries its estate."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest

from propdesk import demo
from propdesk.chassis.clock import FakeClock
from propdesk.contracts.envelope import Actor
from propdesk.errors import NotFound, ValidationError
from propdesk.testing.fake import ServiceHarness
from propdesk_services.residents.service import ResidentsService

TODAY = FakeClock().today()
FRONT_DESK_E1 = {"id": "front_desk", "role": "front_desk", "estates": ["E1"], "address": "10.0.1.1"}
FRONT_DESK_E2 = {"id": "front_desk_e2", "role": "front_desk", "estates": ["E2"], "address": "10.0.2.2"}
ADMIN = {"id": "admin", "role": "cs_manager", "estates": ["E1", "E2"]}
OFFICE_UNIT, OFFICE_TENANT = "T1-31F", "TEN-T1-31F"
FLAT, FLAT_TENANT = demo.DEMO_HAPPY_UNIT, demo.DEMO_HAPPY_TENANT


@pytest.fixture
def app() -> ServiceHarness:
    return ServiceHarness(ResidentsService, clock=FakeClock(), demo=True)


def request(unit_id: str, tenant: str) -> dict:
    return {"unit_id": unit_id, "tenant_party_id": tenant, "exit_date": (TODAY + timedelta(days=7)).isoformat(),
            "owner_consent_ref": "客户同意函 2026-201", "fitout_disposition": "restore"}


def scoped(actor: dict) -> dict:
    """The actor as a query's ``actor=`` (who asks, within which estates)."""
    return {k: actor[k] for k in ("id", "role", "estates")}


def refusal(exc_info) -> tuple:
    exc = exc_info.value
    if isinstance(exc, ValidationError):
        return tuple((p.field, p.rule) for p in exc.problems)
    return type(exc).__name__, exc.field, exc.rule


def written(app) -> tuple[int, int]:
    return len(app.events()), len(app.audit())


@pytest.fixture
def cases(app) -> dict[str, dict]:
    """One open move-out in each estate, each filed by that estate's front desk."""
    return {"E1": app.command("request_move_out", request(FLAT, FLAT_TENANT), actor=FRONT_DESK_E1),
            "E2": app.command("request_move_out", request(OFFICE_UNIT, OFFICE_TENANT), actor=FRONT_DESK_E2)}


# --- the register -----------------------------------------------------------------------------------
def test_every_demo_unit_is_in_its_estate():
    assert {u["estate"] for u in demo.units() if u["unit_id"].startswith("T1-")} == {"E2"}
    assert {u["estate"] for u in demo.units() if u["building"] in ("1", "2", "3")} == {"E1"}


def test_the_unit_list_shows_the_estates_of_the_person_asking(app):
    everything = app.query("list_units")
    e1 = app.query("list_units", actor=scoped(FRONT_DESK_E1))
    e2 = app.query("list_units", actor=scoped(FRONT_DESK_E2))
    assert len(everything) == len(demo.units()) and {u["estate"] for u in everything} == {"E1", "E2"}
    assert {u["unit_id"] for u in e2} == {u["unit_id"] for u in demo.units() if u["estate"] == "E2"}
    assert {u["estate"] for u in e1} == {"E1"} and len(e1) + len(e2) == len(everything)
    assert app.query("list_units", actor=scoped(ADMIN)) == everything
    assert app.query("list_units", True, actor=scoped(FRONT_DESK_E2)) == [u for u in e2 if u["tenant_party_id"]]
    assert app.query("list_units", actor={"id": "nobody", "estates": []}) == []


def test_another_estates_unit_answers_as_an_unknown_one(app):
    assert app.query("get_unit", OFFICE_UNIT, actor=scoped(FRONT_DESK_E2))["estate"] == "E2"
    with pytest.raises(NotFound) as other:
        app.query("get_unit", OFFICE_UNIT, actor=scoped(FRONT_DESK_E1))
    with pytest.raises(NotFound) as unknown:
        app.query("get_unit", "T9-99F", actor=scoped(FRONT_DESK_E1))
    assert refusal(other) == refusal(unknown) == ("NotFound", "unit_id", "exists")
    assert other.value.message == f"no unit {OFFICE_UNIT}"


# --- the move-out: commands -----------------------------------------------------------------------------
def test_a_move_out_for_another_estates_unit_is_refused_as_for_an_unknown_unit(app):
    with pytest.raises(ValidationError) as other:
        app.command("request_move_out", request(OFFICE_UNIT, OFFICE_TENANT), actor=FRONT_DESK_E1)
    with pytest.raises(ValidationError) as unknown:
        app.command("request_move_out", request("T9-99F", OFFICE_TENANT), actor=FRONT_DESK_E1)
    assert refusal(other) == refusal(unknown) == (("unit_id", "unknown_unit"),)
    assert written(app) == (0, 0) and app.query("list_move_outs") == []


def test_a_case_has_its_units_estate_and_every_event_carries_it(app, cases):
    assert (cases["E1"]["estate"], cases["E2"]["estate"]) == ("E1", "E2")
    assert {e.payload["move_out_id"]: e.payload["estate"] for e in app.events("move_out.requested")} == {
        cases["E1"]["move_out_id"]: "E1", cases["E2"]["move_out_id"]: "E2"}
    office = cases["E2"]["move_out_id"]
    app.deliver(app.event("move_out.inspection_completed", {
        "move_out_id": office, "work_order_no": "WO-1", "unit_id": OFFICE_UNIT, "passed": True, "defects": [],
        "breach_notice_id": None}, correlation_id=office, actor=Actor("eng", "engineering")))
    app.deliver(app.event("billing.clearance_confirmed", {
        "unit_id": OFFICE_UNIT, "party_id": OFFICE_TENANT, "move_out_id": office, "outstanding_amount": "0.00",
        "as_of": app.clock.now().isoformat()}, correlation_id=office))
    (approved,) = app.events("move_out.release_approved")
    assert approved.payload["estate"] == "E2"  # the saga's incoming events are not scoped
    app.command("withdraw_move_out", {"move_out_id": cases["E1"]["move_out_id"], "reason": "续租"},
                actor=FRONT_DESK_E1)
    assert app.events("move_out.withdrawn")[0].payload["estate"] == "E1"


@pytest.mark.parametrize("command, request_of", [
    ("withdraw_move_out", lambda move_out_id: {"move_out_id": move_out_id, "reason": "租户续租"}),
    ("archive_move_out", lambda move_out_id: {"move_out_id": move_out_id}),
])
def test_another_estates_case_is_refused_as_an_unknown_one_and_nothing_is_written(app, cases, command, request_of):
    office = cases["E2"]["move_out_id"]
    before = written(app)
    with pytest.raises(NotFound) as other:
        app.command(command, request_of(office), actor=FRONT_DESK_E1)
    with pytest.raises(NotFound) as unknown:
        app.command(command, request_of("MO-20991231-0001"), actor=FRONT_DESK_E1)
    assert refusal(other) == refusal(unknown) == ("NotFound", "move_out_id", "exists")
    assert written(app) == before
    assert app.query("get_move_out", office) == cases["E2"]


def test_the_own_estates_case_may_be_withdrawn_and_the_audit_says_from_where(app, cases):
    office = cases["E2"]["move_out_id"]
    withdrawn = app.command("withdraw_move_out", {"move_out_id": office, "reason": "租户续租"}, actor=FRONT_DESK_E2)
    assert withdrawn["state"] == "WITHDRAWN"
    rows = [r for r in app.audit() if r.object_id == office]
    assert [(r.action, json.loads(r.details).get("from")) for r in rows] == [
        ("move_out.requested", "10.0.2.2"), ("move_out.withdrawn", "10.0.2.2")]
    assert json.loads(rows[-1].details)["state_before"] == "APPLICATION_ACCEPTED"


# --- the move-out: reads -----------------------------------------------------------------------------
def test_another_estates_case_answers_as_an_unknown_one(app, cases):
    office = cases["E2"]["move_out_id"]
    assert app.query("get_move_out", office, actor=scoped(FRONT_DESK_E2))["move_out_id"] == office
    assert app.query("get_move_out", office, actor=scoped(ADMIN))["move_out_id"] == office
    with pytest.raises(NotFound) as other:
        app.query("get_move_out", office, actor=scoped(FRONT_DESK_E1))
    with pytest.raises(NotFound) as unknown:
        app.query("get_move_out", "MO-20991231-0001", actor=scoped(FRONT_DESK_E1))
    assert refusal(other) == refusal(unknown) == ("NotFound", "move_out_id", "exists")
    with pytest.raises(NotFound) as other:
        app.query("allowed_actions", "move_out", office, "front_desk", actor=scoped(FRONT_DESK_E1))
    assert refusal(other) == ("NotFound", "move_out_id", "exists")
    assert app.query("allowed_actions", "move_out", office, "front_desk", actor=scoped(FRONT_DESK_E2)) == [
        "withdraw_move_out"]


def test_the_case_list_shows_the_estates_of_the_person_asking(app, cases):
    ids = {estate: case["move_out_id"] for estate, case in cases.items()}
    listed = lambda actor=None, **kw: [c["move_out_id"] for c in app.query("list_move_outs", actor=actor, **kw)]  # noqa: E731
    assert listed(scoped(FRONT_DESK_E1)) == [ids["E1"]]
    assert listed(scoped(FRONT_DESK_E2)) == [ids["E2"]]
    assert listed(scoped(FRONT_DESK_E2), state="APPLICATION_ACCEPTED") == [ids["E2"]]
    assert sorted(listed(scoped(ADMIN))) == sorted(listed()) == sorted(ids.values())
    assert listed({"id": "nobody", "estates": []}) == []
