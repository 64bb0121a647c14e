"""METERS_READ_AND_CUT (domain.md §2.6) in the move-out saga: ``unit.supply_cut`` is recorded on
the case (when, audited, once), without changing what the release waits for."""
from __future__ import annotations

from datetime import datetime

import pytest

from propdesk.errors import NotFound
from propdesk_services.residents.tests.unit.move_out.test_handlers import (  # noqa: F401 (fixture)
    CLERK, ENGINEER, actions, app, approved_case, call, clearance, inspection, publish, request,
)


def supply_cut(app, case: dict, move_out_id: str | None = None):
    move_out_id = move_out_id or case["move_out_id"]
    at = app.clock.now().isoformat()
    return publish(app, "unit.supply_cut", {
        "move_out_id": move_out_id, "work_order_no": "WO-20261122-0007", "unit_id": case["unit_id"], "estate": "E1",
        "utilities": ["water", "electricity", "ac"], "at": at,
        "final_readings": [{"meter": "water", "reading": "118", "read_at": at}]},
        move_out_id, ENGINEER, "on_supply_cut")


def test_the_supply_cut_is_recorded_on_the_case_once(app):
    case = call(app, "request_move_out", request(), actor=CLERK)
    assert call(app, "get_move_out", case["move_out_id"])["supply_cut_at"] is None
    supply_cut(app, case)
    got = call(app, "get_move_out", case["move_out_id"])
    assert datetime.fromisoformat(got["supply_cut_at"]) == app.clock.now()
    assert got["state"] == "APPLICATION_ACCEPTED"  # not a case state: the release guard is unchanged
    assert actions(app, case["move_out_id"]).count("move_out.supply_cut_recorded") == 1
    app.clock.advance(minutes=5)
    supply_cut(app, case)  # announced again: nothing changes, nothing audited
    assert call(app, "get_move_out", case["move_out_id"])["supply_cut_at"] == got["supply_cut_at"]
    assert actions(app, case["move_out_id"]).count("move_out.supply_cut_recorded") == 1
    # the saga goes on as before: inspection passed and fees cleared approve the release
    inspection(app, case, passed=True)
    clearance(app, case, cleared=True)
    assert call(app, "get_move_out", case["move_out_id"])["state"] == "RELEASE_APPROVED"


def test_a_cut_after_approval_is_recorded_and_an_unknown_move_out_is_a_fault(app):
    case = approved_case(app)
    supply_cut(app, case)
    got = call(app, "get_move_out", case["move_out_id"])
    assert got["state"] == "RELEASE_APPROVED" and got["supply_cut_at"] is not None
    with pytest.raises(NotFound):
        supply_cut(app, case, move_out_id="MO-20991231-0001")
