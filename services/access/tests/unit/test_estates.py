"""Estates (管理处) in access: a release hold keeps the unit's estate from the first of the case's
events that names it, and its slip has it too; security sees and releases only what belongs to the
estates it works for. Another estate's hold or slip answers exactly as a missing one, for reads and
for the gate release, and nothing is written; the slip list leaves it out; a service asking (no
actor) is not scoped. The slip's events carry the estate."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from propdesk.chassis.clock import FakeClock
from propdesk.contracts.envelope import Actor
from propdesk.errors import NotFound
from propdesk.testing.fake import ServiceHarness
from propdesk_services.access.service import AccessService

T0 = datetime(2026, 11, 22, 9, 0, tzinfo=timezone.utc)
GUARD_E1 = {"id": "security", "role": "security", "estates": ["E1"]}
GUARD_E2 = {"id": "sec-e2", "role": "security", "estates": ["E2"]}
BOTH = {"id": "admin", "role": "security", "estates": ["E1", "E2"]}
CASES = {"MO-E1": ("1-1-303", "E1"), "MO-E2": ("T1-31F", "E2")}


def deliver(app, event_type: str, payload: dict) -> None:
    app.deliver(app.event(event_type, payload, correlation_id=payload["move_out_id"],
                          actor=Actor("residents", "system"), producer="residents"))


def issued(app, move_out_id: str, *, estate_on_request: bool = True) -> str:
    """Drive a case to its slip: the fee verdict first (it names no estate in old events), then
    the request and the approval from residents."""
    unit_id, estate = CASES[move_out_id]
    named = {"estate": estate} if estate_on_request else {}
    deliver(app, "billing.clearance_confirmed", {"unit_id": unit_id, "party_id": f"TEN-{unit_id}",
                                                 "move_out_id": move_out_id, "outstanding_amount": "0.00",
                                                 "as_of": T0.isoformat()})
    deliver(app, "move_out.requested", {
        "move_out_id": move_out_id, "unit_id": unit_id, **named, "tenant_id": f"TEN-{unit_id}",
        "owner_id": f"OWN-{unit_id}", "owner_consent_doc": "DOC-1", "exit_date": "2026-11-30",
        "fitout_disposition": "restore"})
    deliver(app, "move_out.release_approved", {"move_out_id": move_out_id, "unit_id": unit_id, "estate": estate,
                                               "owner_written_opinion_ref": "客户书面意见 2026-031"})
    return app.query("get_release_hold", move_out_id)["slip_no"]


@pytest.fixture
def app() -> ServiceHarness:
    return ServiceHarness(AccessService, clock=FakeClock(T0))


@pytest.fixture
def slips(app) -> dict[str, str]:
    return {move_out_id: issued(app, move_out_id) for move_out_id in CASES}


def refusal(exc_info) -> tuple:
    return type(exc_info.value).__name__, exc_info.value.field, exc_info.value.rule


def test_the_hold_and_its_slip_keep_the_estate_and_announce_it(app, slips):
    hold = app.query("get_release_hold", "MO-E2")
    assert hold["estate"] == "E2" and hold["slip"]["estate"] == "E2"
    assert {e.payload["move_out_id"]: e.payload["estate"] for e in app.events("release_slip.issued")} == {
        "MO-E1": "E1", "MO-E2": "E2"}


def test_another_estates_hold_answers_as_a_missing_one(app, slips):
    assert app.query("get_release_hold", "MO-E2", actor=GUARD_E2)["move_out_id"] == "MO-E2"
    with pytest.raises(NotFound) as other:
        app.query("get_release_hold", "MO-E2", actor=GUARD_E1)
    with pytest.raises(NotFound) as missing:
        app.query("get_release_hold", "MO-NONE", actor=GUARD_E1)
    assert refusal(other) == refusal(missing) == ("NotFound", "move_out_id", "exists")
    with pytest.raises(NotFound):
        app.query("allowed_actions", "release_hold", "MO-E2", "security", actor=GUARD_E1)
    assert app.query("allowed_actions", "release_hold", "MO-E2", "security", actor=GUARD_E2) == ["release_at_gate"]


def test_the_slip_list_shows_the_estates_of_the_person_asking(app, slips):
    listed = lambda actor=None, **kw: [s["slip_no"] for s in app.query("list_release_slips", actor=actor, **kw)]  # noqa: E731
    assert listed(GUARD_E1) == [slips["MO-E1"]] and listed(GUARD_E2, status="issued") == [slips["MO-E2"]]
    assert listed(BOTH) == listed() == [slips["MO-E1"], slips["MO-E2"]]


def test_another_estates_slip_is_refused_at_the_gate_as_a_missing_one_and_nothing_is_written(app, slips):
    before = (len(app.events()), len(app.audit()))
    with pytest.raises(NotFound) as other:
        app.command("release_at_gate", {"slip_no": slips["MO-E2"]}, GUARD_E1)
    with pytest.raises(NotFound) as missing:
        app.command("release_at_gate", {"slip_no": "FX-20991231-0001"}, GUARD_E1)
    assert refusal(other) == refusal(missing) == ("NotFound", "slip_no", "exists")
    assert (len(app.events()), len(app.audit())) == before
    released = app.command("release_at_gate", {"slip_no": slips["MO-E2"]}, GUARD_E2)
    assert released["status"] == "released"
    assert app.events("release_slip.released")[0].payload["estate"] == "E2"


def test_a_hold_opened_by_an_event_without_estate_gets_it_from_a_later_one(app):
    unit_id, _ = CASES["MO-E2"]
    deliver(app, "billing.clearance_confirmed", {"unit_id": unit_id, "party_id": None, "move_out_id": "MO-E2",
                                                 "outstanding_amount": "0.00", "as_of": T0.isoformat()})
    assert app.query("get_release_hold", "MO-E2")["estate"] is None
    with pytest.raises(NotFound):
        app.query("get_release_hold", "MO-E2", actor=BOTH)  # an unknown estate is nobody's
    issued(app, "MO-E2", estate_on_request=False)  # the approval names it
    assert app.query("get_release_hold", "MO-E2", actor=GUARD_E2)["estate"] == "E2"
