"""The move-out projection and timeline lines of reports (domain.md §2.6, §8)."""
from __future__ import annotations

import pytest

from propdesk_services.reports import domain as d

PASSED = {"move_out_id": "MO-1", "passed": True, "defects": [], "unit_id": "1-1-303"}
DEFECTS = {"move_out_id": "MO-1", "passed": False, "defects": ["墙面破损"], "unit_id": "1-1-303",
           "breach_notice_id": "WY-7"}


def run(events, state=None):
    for event_type, payload in events:
        state = d.move_out_state_after(state, event_type, payload)
    return state


def test_the_saga_in_order():
    events = [("move_out.requested", {}), ("move_out.inspection_completed", DEFECTS),
              ("move_out.inspection_completed", PASSED), ("move_out.release_approved", {}),
              ("release_slip.issued", {}), ("release_slip.released", {})]
    states, state = [], None
    for event in events:
        state = run([event], state)
        states.append(state)
    assert states == [d.APPLICATION_ACCEPTED, d.DEFECTS_FOUND, d.INSPECTION_PASSED, d.RELEASE_APPROVED,
                      d.SLIP_ISSUED, d.GOODS_RELEASED]


@pytest.mark.parametrize("current, event, expected", [
    (d.SLIP_ISSUED, ("move_out.requested", {}), d.SLIP_ISSUED),                  # late request
    (d.INSPECTION_PASSED, ("move_out.inspection_completed", DEFECTS), d.INSPECTION_PASSED),
    (d.GOODS_RELEASED, ("release_slip.issued", {}), d.GOODS_RELEASED),
    (d.DEFECTS_FOUND, ("move_out.inspection_completed", PASSED), d.INSPECTION_PASSED),
    (d.RELEASE_APPROVED, ("billing.clearance_confirmed", {}), d.RELEASE_APPROVED),  # not a state event
    (None, ("release_slip.issued", {}), d.SLIP_ISSUED),                            # first seen out of order
    (None, ("notification.sent", {}), None),
])
def test_never_backwards(current, event, expected):
    assert d.move_out_state_after(current, *event) == expected


def test_unknown_current_state_is_an_error():
    with pytest.raises(ValueError):
        d.move_out_state_after("ARCHIVED?", "move_out.requested", {})


def test_move_out_id_of():
    assert d.move_out_id_of("release_slip.issued", {"move_out_id": "MO-1"}) == "MO-1"
    assert d.move_out_id_of("release_slip.issued", {"move_out_id": None}) is None
    assert d.move_out_id_of("billing.clearance_confirmed", {"move_out_id": "MO-1"}) is None


def test_summaries():
    assert d.summary("move_out.inspection_completed", DEFECTS) == \
        "验收发现问题 Defects found in 1-1-303: 墙面破损 (违约处理单 WY-7)"
    assert d.summary("billing.clearance_failed", {"unit_id": "1-1-702", "outstanding_amount": "356.25"}) == \
        "费用未结清 Fees outstanding: 1-1-702 ¥356.25"
    assert d.summary("release_slip.released", {"slip_id": "FX-1", "guard_id": "guard-07"}) == \
        "物品已放行 Goods released at the gate: slip FX-1, guard guard-07"
    # an event without a template names its ids
    assert d.summary("key.loaned", {"key_id": "K-1", "unit_id": "1-1-303", "purpose": "repair"}) == \
        "key.loaned: key_id K-1, unit_id 1-1-303"


def test_timeline_entry():
    entry = d.timeline_entry(event_id="e1", event_type="move_out.release_approved",
                             occurred_at="2026-11-22T10:00:00+00:00", producer="residents", actor_id="cs-3",
                             actor_role="cs_supervisor",
                             payload={"unit_id": "1-1-303", "owner_written_opinion_ref": "OP-9"})
    assert entry["actor"] == {"id": "cs-3", "role": "cs_supervisor"}
    assert entry["summary"] == "放行已批准 Release approved for 1-1-303 per OP-9"
    assert entry["payload"]["owner_written_opinion_ref"] == "OP-9"
