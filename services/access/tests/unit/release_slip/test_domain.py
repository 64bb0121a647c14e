"""The move-out goods release slip (物品放行条, domain.md §2.7, WI/FW-020), pure domain: the hold's
facts in any order, when a slip may be issued, the gate. (Slip numbers: test_handlers.py.)"""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from propdesk.contracts import registry
from propdesk.errors import Conflict, ValidationError
from propdesk_services.access.workflows.release_slip import domain as d

GOODS = ["办公桌 10 张", "文件柜 4 个"]


def hold(**kw) -> d.ReleaseHold:
    base = dict(move_out_id="MO-1", unit_id="T1-33F", tenant_party_id="TEN-T1-33F", estate="E2")
    base.update(kw)
    return d.ReleaseHold(**base)


def rules(exc: ValidationError) -> set[tuple[str, str]]:
    return {(p.field, p.rule) for p in exc.problems}


def test_new_hold_is_held():
    h = hold()
    assert (h.fees_cleared, h.release_approved, h.slip_no, h.released_by) == (False, False, None, None)
    assert not d.may_issue(h)


@pytest.mark.parametrize(
    "approved, cleared, may",
    [(False, False, False), (True, False, False), (False, True, False), (True, True, True)],
)
def test_may_issue_needs_approval_and_cleared_fees(approved, cleared, may):
    assert d.may_issue(hold(release_approved=approved, fees_cleared=cleared)) is may


def test_issue_and_release():
    h = hold(release_approved=True, fees_cleared=True)
    events = d.issue_slip(h, "FX-20261122-0003", [" 办公桌 10 张", "文件柜 4 个"])
    assert events == [
        (
            "release_slip.issued",
            {
                "slip_id": "FX-20261122-0003",
                "move_out_id": "MO-1",
                "unit_id": "T1-33F",
                "estate": "E2",
                "applicant_type": "tenant",
                "goods": GOODS,
                "clearance_ref": "MO-1",
            },
        )
    ]
    assert h.slip_no == "FX-20261122-0003"
    assert d.release_at_gate(h, "guard-07") == [
        ("release_slip.released", {"slip_id": "FX-20261122-0003", "move_out_id": "MO-1", "unit_id": "T1-33F", "estate": "E2",
                                  "guard_id": "guard-07"})
    ]
    assert h.released_by == "guard-07"


def test_clearance_ref_can_be_given():
    h = hold(release_approved=True, fees_cleared=True)
    ((_, payload),) = d.issue_slip(h, "FX-1", GOODS, clearance_ref="evt-123")
    assert payload["clearance_ref"] == "evt-123"


@pytest.mark.parametrize("approved, cleared", [(False, True), (True, False), (False, False)])
def test_no_slip_without_approval_and_cleared_fees(approved, cleared):
    h = hold(release_approved=approved, fees_cleared=cleared)
    with pytest.raises(Conflict):
        d.issue_slip(h, "FX-1", GOODS)
    assert h.slip_no is None


def test_second_slip_is_a_conflict():
    h = hold(release_approved=True, fees_cleared=True)
    d.issue_slip(h, "FX-1", GOODS)
    with pytest.raises(Conflict):
        d.issue_slip(h, "FX-2", GOODS)
    assert h.slip_no == "FX-1"


def test_issue_validation():
    h = hold(release_approved=True, fees_cleared=True)
    with pytest.raises(ValidationError) as e:
        d.issue_slip(h, " ", [])
    assert rules(e.value) == {("slip_no", "required"), ("goods", "required")}
    with pytest.raises(ValidationError) as e:
        d.issue_slip(h, "FX-1", ["办公桌", ""])
    assert rules(e.value) == {("goods", "not_blank")}
    assert h.slip_no is None


def test_gate_needs_a_slip_and_a_guard_and_releases_once():
    h = hold(release_approved=True, fees_cleared=True)
    with pytest.raises(Conflict):
        d.release_at_gate(h, "guard-07")
    d.issue_slip(h, "FX-1", GOODS)
    with pytest.raises(ValidationError) as e:
        d.release_at_gate(h, "")
    assert rules(e.value) == {("guard_id", "required")}
    d.release_at_gate(h, "guard-07")
    with pytest.raises(Conflict):
        d.release_at_gate(h, "guard-08")
    assert h.released_by == "guard-07"


def test_payloads_match_the_contracts():
    h = hold(release_approved=True, fees_cleared=True)
    events = d.issue_slip(h, "FX-1", GOODS) + d.release_at_gate(h, "guard-07")
    for event_type, payload in events:
        assert registry.validate_payload(event_type, 1, payload)


def test_waiting_for_names_what_is_missing():
    assert d.waiting_for(hold()) == ["fee clearance", "release approval"]
    assert d.waiting_for(hold(fees_cleared=True)) == ["release approval"]
    assert d.waiting_for(hold(release_approved=True)) == ["fee clearance"]
    assert d.waiting_for(hold(release_approved=True, fees_cleared=True)) == []
    assert d.waiting_for(hold(slip_no="FX-1")) == []


def test_only_a_newer_clearance_verdict_applies():
    t1 = datetime(2026, 11, 22, 9, 0, tzinfo=timezone.utc)
    t2 = datetime(2026, 11, 22, 10, 0, tzinfo=timezone.utc)
    assert d.clearance_applies(None, t1)
    assert d.clearance_applies(t1, t2) and d.clearance_applies(t1, t1)
    assert not d.clearance_applies(t2, t1)
    # a stored time read back without its zone (SQLite) is UTC
    assert not d.clearance_applies(t2.replace(tzinfo=None), t1)
    assert d.clearance_applies(t1.replace(tzinfo=None), t2)


# --- the facts, in any order ----------------------------------------------------------------------
T1 = datetime(2026, 11, 22, 9, 0, tzinfo=timezone.utc)
T2 = datetime(2026, 11, 22, 11, 0, tzinfo=timezone.utc)


def test_a_hold_opened_by_a_later_event_knows_no_tenant_until_the_request():
    h = d.open_hold("MO-1", "T1-33F")
    assert (h.tenant_party_id, h.fees_cleared, h.release_approved, h.slip_no) == (None, False, False, None)
    assert d.record_request(h, "T1-33F", "TEN-T1-33F") is True
    assert h.tenant_party_id == "TEN-T1-33F"
    assert d.record_request(h, "T1-33F", "TEN-OTHER") is False  # a repeat changes nothing
    assert h.tenant_party_id == "TEN-T1-33F"


def test_a_clearance_replaces_only_an_older_verdict():
    h = hold()
    assert d.record_clearance(h, False, "evt-failed", T1) is True
    assert (h.fees_cleared, h.clearance_ref, h.clearance_as_of) == (False, "evt-failed", T1)
    assert d.record_clearance(h, True, "evt-paid", T2) is True
    assert (h.fees_cleared, h.clearance_ref) == (True, "evt-paid")
    assert d.record_clearance(h, False, "evt-stale", T1) is False  # older as_of, delivered late
    assert (h.fees_cleared, h.clearance_ref, h.clearance_as_of) == (True, "evt-paid", T2)


def test_the_first_approval_is_kept():
    h = hold()
    assert d.record_approval(h, "客户书面意见 2026-031") is True
    assert d.record_approval(h, "another") is False
    assert (h.release_approved, h.owner_written_opinion_ref) == (True, "客户书面意见 2026-031")


def test_a_slip_is_due_once_both_facts_are_in_and_none_was_issued():
    h = hold()
    assert not d.due_for_slip(h)
    d.record_approval(h, "ref")
    assert not d.due_for_slip(h)
    d.record_clearance(h, True, "evt-paid", T1)
    assert d.due_for_slip(h)
    d.issue_slip(h, "FX-1", GOODS)
    assert not d.due_for_slip(h)


# --- a withdrawn move-out (move_out.withdrawn) ----------------------------------------------------
def test_a_withdrawal_closes_the_hold_once():
    h = hold()
    assert not d.is_closed(h)
    assert d.withdraw(h, T1) is True
    assert d.is_closed(h) and h.withdrawn_at == T1
    assert d.withdraw(h, T2) is False  # a second withdrawal changes nothing
    assert h.withdrawn_at == T1


def test_a_closed_hold_waits_for_nothing_and_never_gets_a_slip():
    h = hold()
    d.withdraw(h, T1)
    assert d.waiting_for(h) == []
    d.record_approval(h, "ref")
    d.record_clearance(h, True, "evt-paid", T2)
    assert not d.may_issue(h) and not d.due_for_slip(h)
    with pytest.raises(Conflict) as e:
        d.issue_slip(h, "FX-1", GOODS)
    assert (e.value.field, e.value.rule) == ("move_out_id", "not_withdrawn")
    assert h.slip_no is None


def test_the_goods_of_a_withdrawn_move_out_do_not_leave():
    h = hold(release_approved=True, fees_cleared=True)
    d.issue_slip(h, "FX-1", GOODS)
    d.withdraw(h, T1)  # a contradiction residents never sends (it withdraws only before approval)
    with pytest.raises(Conflict) as e:
        d.release_at_gate(h, "guard-07")
    assert (e.value.field, e.value.rule) == ("slip_no", "move_out_withdrawn")
    assert h.released_by is None
