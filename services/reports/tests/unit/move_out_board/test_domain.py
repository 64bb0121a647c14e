"""The move-out board's projection (domain.md §2.6, §8): vocabulary states, forward only, closed
cases stay closed, the slip number and the fee check as facts of the case."""
from __future__ import annotations

import pytest

from propdesk.contracts.vocab import MOVE_OUT_STATES
from propdesk_services.reports.workflows.move_out_board import domain as d

PASSED = {"move_out_id": "MO-1", "passed": True, "defects": [], "unit_id": "1-1-303"}
DEFECTS = {"move_out_id": "MO-1", "passed": False, "defects": ["墙面破损"], "unit_id": "1-1-303",
           "breach_notice_id": "WY-7"}
CLEARED = {"unit_id": "1-1-303", "party_id": None, "move_out_id": "MO-1", "outstanding_amount": "0.00",
           "as_of": "2026-11-22T09:00:00+00:00"}
SLIP = {"slip_id": "FX-1", "move_out_id": "MO-1", "unit_id": "1-1-303"}


def card(state=None, **kw) -> d.MoveOutCard:
    return d.MoveOutCard(move_out_id="MO-1", unit_id="1-1-303", state=state, **kw)


def states_along(events, start=None) -> list[str]:
    c, out = card(start), []
    for event_type, payload in events:
        d.apply(c, event_type, payload)
        out.append(c.state)
    return out


def test_the_saga_in_order_uses_the_vocabulary_states():
    events = [("move_out.requested", {}), ("move_out.inspection_completed", DEFECTS),
              ("move_out.inspection_completed", PASSED), ("billing.clearance_failed", CLEARED),
              ("billing.clearance_confirmed", CLEARED), ("move_out.release_approved", {}),
              ("release_slip.issued", SLIP), ("release_slip.released", SLIP), ("move_out.completed", {})]
    assert states_along(events) == [d.APPLICATION_ACCEPTED, d.DEFECTS_FOUND, d.INSPECTION_PASSED, d.FEES_CHECKED,
                                    d.FEES_CHECKED, d.RELEASE_APPROVED, d.RELEASE_APPROVED, d.GOODS_RELEASED,
                                    d.ARCHIVED]
    assert set(states_along(events)) <= set(MOVE_OUT_STATES.codes)


def test_the_slip_is_a_fact_of_the_case_not_a_state():
    c = card(d.RELEASE_APPROVED)
    d.apply(c, "release_slip.issued", SLIP)
    assert (c.state, c.release_slip_no) == (d.RELEASE_APPROVED, "FX-1")
    first_seen = card()
    d.apply(first_seen, "release_slip.issued", SLIP)  # overtook the approval: a slip means it was approved
    assert (first_seen.state, first_seen.release_slip_no) == (d.RELEASE_APPROVED, "FX-1")
    released_first = card(d.RELEASE_APPROVED)
    d.apply(released_first, "release_slip.released", SLIP)  # the gate's event names the slip too
    assert (released_first.state, released_first.release_slip_no) == (d.GOODS_RELEASED, "FX-1")
    d.apply(released_first, "release_slip.issued", {**SLIP, "slip_id": "FX-1"})
    assert (released_first.state, released_first.release_slip_no) == (d.GOODS_RELEASED, "FX-1")


def test_fees_checked_before_the_inspection_passes_wait_for_it():
    c = card(d.APPLICATION_ACCEPTED)
    d.apply(c, "billing.clearance_failed", CLEARED)
    assert (c.state, c.fees_checked) == (d.APPLICATION_ACCEPTED, True)
    d.apply(c, "move_out.inspection_completed", DEFECTS)
    assert c.state == d.DEFECTS_FOUND  # open defects first, whatever the fees
    d.apply(c, "move_out.inspection_completed", PASSED)
    assert c.state == d.FEES_CHECKED
    fee_check_first = card()
    d.apply(fee_check_first, "billing.clearance_confirmed", CLEARED)  # before the request reached reports
    assert (fee_check_first.state, fee_check_first.fees_checked) == (d.APPLICATION_ACCEPTED, True)


@pytest.mark.parametrize("current, event, expected", [
    (d.RELEASE_APPROVED, ("move_out.requested", {}), d.RELEASE_APPROVED),         # late request
    (d.INSPECTION_PASSED, ("move_out.inspection_completed", DEFECTS), d.INSPECTION_PASSED),
    (d.FEES_CHECKED, ("move_out.inspection_completed", DEFECTS), d.FEES_CHECKED),
    (d.GOODS_RELEASED, ("release_slip.issued", SLIP), d.GOODS_RELEASED),
    (d.DEFECTS_FOUND, ("move_out.inspection_completed", PASSED), d.INSPECTION_PASSED),
    (d.RELEASE_APPROVED, ("billing.clearance_confirmed", CLEARED), d.RELEASE_APPROVED),
    (d.RELEASE_APPROVED, ("payment.received", {}), d.RELEASE_APPROVED),         # not a board event
    (None, ("release_slip.released", SLIP), d.GOODS_RELEASED),                  # first seen out of order
    (None, ("notification.sent", {}), None),
])
def test_never_backwards(current, event, expected):
    c = card(current)
    d.apply(c, *event)
    assert c.state == expected


@pytest.mark.parametrize("closed", [d.ARCHIVED, d.WITHDRAWN])
@pytest.mark.parametrize("event", [("move_out.requested", {}), ("move_out.inspection_completed", PASSED),
                                   ("release_slip.released", SLIP), ("move_out.withdrawn", {}),
                                   ("move_out.completed", {})])
def test_a_closed_case_stays_closed(closed, event):
    c = card(closed)
    d.apply(c, *event)
    assert c.state == closed


@pytest.mark.parametrize("state", [d.APPLICATION_ACCEPTED, d.DEFECTS_FOUND, d.INSPECTION_PASSED, d.FEES_CHECKED])
def test_a_case_is_withdrawn_before_release(state):
    c = card(state)
    d.apply(c, "move_out.withdrawn", {"move_out_id": "MO-1", "reason": "租户续租"})
    assert c.state == d.WITHDRAWN


def test_a_released_case_is_archived():
    c = card(d.GOODS_RELEASED)
    d.apply(c, "move_out.completed", {"move_out_id": "MO-1"})
    assert c.state == d.ARCHIVED


def test_unknown_current_state_is_an_error():
    with pytest.raises(ValueError):
        d.apply(card("SLIP_ISSUED"), "move_out.requested", {})


def test_move_out_id_of():
    assert d.move_out_id_of("release_slip.issued", {"move_out_id": "MO-1"}) == "MO-1"
    assert d.move_out_id_of("release_slip.issued", {"move_out_id": None}) is None
    assert d.move_out_id_of("billing.clearance_confirmed", {"move_out_id": "MO-1"}) == "MO-1"
    assert d.move_out_id_of("billing.clearance_failed", {"move_out_id": None}) is None  # not a move-out's check
    assert d.move_out_id_of("move_out.withdrawn", {"move_out_id": "MO-1"}) == "MO-1"
    assert d.move_out_id_of("payment.received", {"move_out_id": "MO-1"}) is None
