"""Estates (管理处) in tickets: a work order keeps its unit's estate from the move-out's events, a
repair has its unit's (the demo's are all in the residential estate E1); engineering sees and
records only what belongs to the estates it works for. Another estate's work order answers
exactly as a missing one, for reads and for the command, and nothing is written; lists leave it
out; a service asking (no actor) is not scoped."""
from __future__ import annotations

import pytest

from propdesk.chassis.clock import FakeClock
from propdesk.errors import NotFound
from propdesk.testing.fake import ServiceHarness
from propdesk_services.tickets.service import TicketsService

ENGINEER_E1 = {"id": "engineering", "role": "engineering", "estates": ["E1"]}
ENGINEER_E2 = {"id": "eng-e2", "role": "engineering", "estates": ["E2"]}
BOTH = {"id": "admin", "role": "engineering", "estates": ["E1", "E2"]}


@pytest.fixture
def app() -> ServiceHarness:
    app = ServiceHarness(TicketsService, clock=FakeClock(), demo=True)
    for move_out_id, unit_id, estate in (("MO-E1", "1-1-303", "E1"), ("MO-E2", "T1-31F", "E2")):
        app.deliver(requested(app, move_out_id, unit_id, estate))
    return app


def requested(app, move_out_id: str, unit_id: str, estate: str | None):
    payload = {"move_out_id": move_out_id, "unit_id": unit_id, "tenant_id": f"TEN-{unit_id}",
               "owner_id": f"OWN-{unit_id}", "owner_consent_doc": "DOC-1", "exit_date": "2026-11-30",
               "fitout_disposition": "restore"}
    if estate is not None:
        payload["estate"] = estate
    return app.event("move_out.requested", payload, correlation_id=move_out_id, producer="residents")


def refusal(exc_info) -> tuple:
    return type(exc_info.value).__name__, exc_info.value.field, exc_info.value.rule


def test_a_work_order_keeps_its_units_estate_and_announces_it(app):
    assert {e.payload["move_out_id"]: e.payload["estate"] for e in app.events("move_out.inspection_opened")} == {
        "MO-E1": "E1", "MO-E2": "E2"}
    assert app.query("get_inspection", "MO-E2")["estate"] == "E2"


def test_another_estates_work_order_answers_as_a_missing_one(app):
    assert app.query("get_inspection", "MO-E2", actor=ENGINEER_E2)["move_out_id"] == "MO-E2"
    with pytest.raises(NotFound) as other:
        app.query("get_inspection", "MO-E2", actor=ENGINEER_E1)
    with pytest.raises(NotFound) as missing:
        app.query("get_inspection", "MO-NONE", actor=ENGINEER_E1)
    assert refusal(other) == refusal(missing) == ("NotFound", "move_out_id", "exists")
    with pytest.raises(NotFound):
        app.query("allowed_actions", "move_out_inspection", "MO-E2", "engineering", actor=ENGINEER_E1)
    assert app.query("allowed_actions", "move_out_inspection", "MO-E2", "engineering", actor=ENGINEER_E2) == [
        "record_inspection", "record_supply_cut"]


def test_the_work_order_list_shows_the_estates_of_the_person_asking(app):
    listed = lambda actor=None: [w["move_out_id"] for w in app.query("list_work_orders", actor=actor)]  # noqa: E731
    assert listed(ENGINEER_E1) == ["MO-E1"] and listed(ENGINEER_E2) == ["MO-E2"]
    assert sorted(listed(BOTH)) == sorted(listed()) == ["MO-E1", "MO-E2"]
    assert app.query("list_work_orders", "open", actor=ENGINEER_E2)[0]["move_out_id"] == "MO-E2"


def test_another_estates_inspection_is_refused_as_a_missing_one_and_nothing_is_written(app):
    before = (len(app.events()), len(app.audit()))
    with pytest.raises(NotFound) as other:
        app.command("record_inspection", {"move_out_id": "MO-E2", "passed": True}, ENGINEER_E1)
    with pytest.raises(NotFound) as missing:
        app.command("record_inspection", {"move_out_id": "MO-NONE", "passed": True}, ENGINEER_E1)
    assert refusal(other) == refusal(missing)
    assert (len(app.events()), len(app.audit())) == before
    assert app.query("get_inspection", "MO-E2")["status"] == "open"
    done = app.command("record_inspection", {"move_out_id": "MO-E2", "passed": True}, ENGINEER_E2)
    assert done["status"] == "passed"
    assert app.events("move_out.inspection_completed")[0].payload["estate"] == "E2"


def test_repairs_are_listed_for_their_estate(app):
    everything = app.query("list_repairs")
    assert {r["estate"] for r in everything} == {"E1", "E2"}  # the demo's flats and two office-tower jobs
    assert app.query("list_repairs", actor=ENGINEER_E1) == [r for r in everything if r["estate"] == "E1"]
    assert app.query("list_repairs", actor=ENGINEER_E2) == [r for r in everything if r["estate"] == "E2"]


def test_a_work_order_whose_events_carried_no_estate_is_seen_unscoped_until_one_does(app):
    app.deliver(requested(app, "MO-OLD", "3-2-902", None))
    assert app.query("get_inspection", "MO-OLD")["estate"] is None
    with pytest.raises(NotFound):
        app.query("get_inspection", "MO-OLD", actor=BOTH)
    app.deliver(app.event("move_out.withdrawn", {"move_out_id": "MO-OLD", "unit_id": "3-2-902", "estate": "E1",
                                                 "reason": "续租", "withdrawn_at": app.clock.now().isoformat()},
                          correlation_id="MO-OLD", producer="residents"))
    assert app.query("get_inspection", "MO-OLD", actor=ENGINEER_E1)["status"] == "cancelled"
