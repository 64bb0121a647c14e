"""The move-out saga (租户撤场, domain.md §2.6/§8): request validation, the release guard in every
order, exactly-once approval, and what the desk sees as still pending."""
from __future__ import annotations

import itertools
from datetime import date, datetime, timezone

import pytest

from propdesk.contracts import registry
from propdesk.errors import Conflict, ValidationError
from propdesk_services.residents.workflows.move_out import domain as d
from propdesk_services.residents.workflows.register.domain import Unit

TODAY = date(2026, 11, 22)


def leased_unit(**kw) -> Unit:
    base = dict(unit_id="1-1-303", building="1", kind="residential", owner_party_id="OWN-1-1-303", tenant_party_id="TEN-1-1-303")
    base.update(kw)
    return Unit(**base)


def new_case(**kw) -> d.MoveOutCase:
    base = dict(
        move_out_id="MO-1",
        unit_id="1-1-303",
        estate="E1",
        tenant_party_id="TEN-1-1-303",
        owner_party_id="OWN-1-1-303",
        exit_date=date(2026, 11, 30),
        owner_consent_ref="客户同意函 2026-118",
        fitout_disposition="restore",
        requested_by="cs-li",
    )
    base.update(kw)
    return d.MoveOutCase(**base)


def accepted_case(**kw) -> d.MoveOutCase:
    case = new_case(**kw)
    d.accept_move_out(case)
    return case


def rules(exc: ValidationError) -> set[tuple[str, str]]:
    return {(p.field, p.rule) for p in exc.problems}


def event_types(events) -> list[str]:
    return [t for t, _ in events]


# --- validate_move_out_request ----------------------------------------------------------------
def test_valid_request_passes():
    assert d.validate_move_out_request(leased_unit(), "TEN-1-1-303", date(2026, 11, 30), "客户同意函", "restore", TODAY) is None


def test_exit_today_is_allowed():
    assert d.validate_move_out_request(leased_unit(), "TEN-1-1-303", TODAY, "客户同意函", "leave_to_owner", TODAY) is None


def test_unknown_unit():
    with pytest.raises(ValidationError) as e:
        d.validate_move_out_request(None, "TEN-1-1-303", TODAY, "ref", "restore", TODAY)
    assert rules(e.value) == {("unit_id", "unknown_unit")}


def test_unit_must_be_leased():
    with pytest.raises(ValidationError) as e:
        d.validate_move_out_request(leased_unit(tenant_party_id=None), "TEN-1-1-303", TODAY, "ref", "restore", TODAY)
    assert rules(e.value) == {("unit_id", "must_be_leased")}


def test_tenant_must_be_the_units_tenant():
    with pytest.raises(ValidationError) as e:
        d.validate_move_out_request(leased_unit(), "TEN-9-9-999", TODAY, "ref", "restore", TODAY)
    assert rules(e.value) == {("tenant_party_id", "not_the_units_tenant")}


def test_tenant_required():
    with pytest.raises(ValidationError) as e:
        d.validate_move_out_request(leased_unit(), "  ", TODAY, "ref", "restore", TODAY)
    assert rules(e.value) == {("tenant_party_id", "required")}


@pytest.mark.parametrize("ref", [None, "", "   "])
def test_owner_written_consent_required(ref):
    with pytest.raises(ValidationError) as e:
        d.validate_move_out_request(leased_unit(), "TEN-1-1-303", TODAY, ref, "restore", TODAY)
    assert rules(e.value) == {("owner_consent_ref", "required_owner_written_consent")}


def test_exit_date_not_before_today():
    with pytest.raises(ValidationError) as e:
        d.validate_move_out_request(leased_unit(), "TEN-1-1-303", date(2026, 11, 21), "ref", "restore", TODAY)
    assert rules(e.value) == {("exit_date", "not_before_today")}


def test_exit_date_as_iso_string_and_bad_string():
    d.validate_move_out_request(leased_unit(), "TEN-1-1-303", "2026-12-01", "ref", "restore", TODAY)
    with pytest.raises(ValidationError) as e:
        d.validate_move_out_request(leased_unit(), "TEN-1-1-303", "1 Dec", "ref", "restore", TODAY)
    assert rules(e.value) == {("exit_date", "iso_date")}
    with pytest.raises(ValidationError) as e:
        d.validate_move_out_request(leased_unit(), "TEN-1-1-303", None, "ref", "restore", TODAY)
    assert rules(e.value) == {("exit_date", "required")}


@pytest.mark.parametrize("disposition", [None, "", "demolish", "Restore"])
def test_fitout_disposition_one_of(disposition):
    with pytest.raises(ValidationError) as e:
        d.validate_move_out_request(leased_unit(), "TEN-1-1-303", TODAY, "ref", disposition, TODAY)
    assert rules(e.value) == {("fitout_disposition", "one_of")}


def test_all_problems_reported_at_once():
    with pytest.raises(ValidationError) as e:
        d.validate_move_out_request(leased_unit(), "TEN-X", date(2026, 1, 1), "", "burn", TODAY)
    assert rules(e.value) == {
        ("tenant_party_id", "not_the_units_tenant"),
        ("owner_consent_ref", "required_owner_written_consent"),
        ("exit_date", "not_before_today"),
        ("fitout_disposition", "one_of"),
    }
    with pytest.raises(ValidationError) as e:
        d.validate_move_out_request(leased_unit(tenant_party_id=None), "TEN-X", date(2026, 1, 1), None, None, TODAY)
    assert ("unit_id", "must_be_leased") in rules(e.value)
    assert ("tenant_party_id", "not_the_units_tenant") not in rules(e.value)  # nothing to compare with


# --- accept_move_out ----------------------------------------------------------------------------
def test_accept_emits_move_out_requested():
    case = new_case()
    events = d.accept_move_out(case)
    assert case.state == d.APPLICATION_ACCEPTED
    assert events == [
        (
            "move_out.requested",
            {
                "move_out_id": "MO-1",
                "unit_id": "1-1-303",
                "estate": "E1",
                "tenant_id": "TEN-1-1-303",
                "owner_id": "OWN-1-1-303",
                "owner_consent_doc": "客户同意函 2026-118",
                "exit_date": "2026-11-30",
                "fitout_disposition": "restore",
            },
        )
    ]
    assert (case.inspection, case.fees, case.defects, case.release_slip_no) == ("pending", "pending", [], None)


def test_accept_twice_is_a_conflict():
    case = accepted_case()
    with pytest.raises(Conflict):
        d.accept_move_out(case)


def test_accept_without_consent_is_rejected():
    case = new_case(owner_consent_ref=" ")
    with pytest.raises(ValidationError) as e:
        d.accept_move_out(case)
    assert rules(e.value) == {("owner_consent_ref", "required_owner_written_consent")}
    assert case.state == d.OWNER_CONSENT_PENDING


def test_facts_before_acceptance_are_conflicts():
    case = new_case()
    with pytest.raises(Conflict):
        d.record_inspection(case, True, [])
    with pytest.raises(Conflict):
        d.record_clearance(case, True, "0.00")


# --- the guard, in every order --------------------------------------------------------------------
def test_inspection_then_clearance():
    case = accepted_case()
    assert d.record_inspection(case, True, []) == []
    assert case.state == d.INSPECTION_PASSED
    events = d.record_clearance(case, True, "0.00")
    assert events == [
        ("move_out.release_approved", {"move_out_id": "MO-1", "unit_id": "1-1-303", "estate": "E1", "owner_written_opinion_ref": "客户同意函 2026-118"})
    ]
    assert case.state == d.RELEASE_APPROVED


def test_clearance_then_inspection():
    case = accepted_case()
    assert d.record_clearance(case, True, "0.00") == []
    assert case.state == d.APPLICATION_ACCEPTED and case.fees == "cleared"  # still waits for engineering
    assert event_types(d.record_inspection(case, True, [])) == ["move_out.release_approved"]
    assert case.state == d.RELEASE_APPROVED


def test_defects_then_reinspection_pass():
    case = accepted_case()
    assert d.record_inspection(case, False, ["墙面破损", "门锁损坏"]) == []
    assert case.state == d.DEFECTS_FOUND and case.defects == ["墙面破损", "门锁损坏"]
    assert d.record_clearance(case, True, "0.00") == []  # fees alone do not release
    assert case.state == d.DEFECTS_FOUND and case.inspection == "defects_found"  # defects block: say so
    assert event_types(d.record_inspection(case, True, [])) == ["move_out.release_approved"]
    assert case.defects == []


def test_outstanding_then_cleared():
    case = accepted_case()
    d.record_inspection(case, True, [])
    assert d.record_clearance(case, False, "1234.5") == []
    assert (case.fees, case.outstanding_amount, case.state) == ("outstanding", "1234.50", d.FEES_CHECKED)
    assert event_types(d.record_clearance(case, True, "0")) == ["move_out.release_approved"]
    assert case.outstanding_amount == "0.00"


def test_credit_balance_counts_as_cleared():
    case = accepted_case()
    d.record_inspection(case, True, [])
    assert event_types(d.record_clearance(case, True, "-20.00")) == ["move_out.release_approved"]


FACTS = {
    "defects": lambda c: d.record_inspection(c, False, ["墙面破损"]),
    "outstanding": lambda c: d.record_clearance(c, False, "392.60"),
    "pass": lambda c: d.record_inspection(c, True, []),
    "cleared": lambda c: d.record_clearance(c, True, "0.00"),
}


@pytest.mark.parametrize("order", list(itertools.permutations(FACTS)))
def test_release_approved_exactly_once_whatever_the_order(order):
    """Any order of facts (then both good facts repeated twice): approval comes at the first
    step where the latest inspection passed and the latest fee check cleared, and only once;
    a contradicting fact after approval is a Conflict."""
    case = accepted_case()
    steps = list(order) + ["pass", "cleared", "pass", "cleared"]
    latest = {"inspection": None, "fees": None}
    expected_at = None
    approved_at = []
    for i, name in enumerate(steps):
        if expected_at is not None and name in ("defects", "outstanding"):
            with pytest.raises(Conflict):
                FACTS[name](case)
            continue
        latest["inspection" if name in ("defects", "pass") else "fees"] = name
        if expected_at is None and latest == {"inspection": "pass", "fees": "cleared"}:
            expected_at = i
        events = FACTS[name](case)
        approved_at += [i] * event_types(events).count("move_out.release_approved")
        assert set(event_types(events)) <= {"move_out.release_approved"}
    assert approved_at == [expected_at]
    assert case.state == d.RELEASE_APPROVED


def test_repeated_inputs_emit_approval_once():
    case = accepted_case()
    events = []
    for _ in range(3):
        events += d.record_inspection(case, True, [])
        events += d.record_clearance(case, True, "0.00")
    assert event_types(events) == ["move_out.release_approved"]


def test_contradicting_facts_after_approval_are_conflicts_and_change_nothing():
    case = accepted_case()
    d.record_inspection(case, True, [])
    d.record_clearance(case, True, "0.00")
    with pytest.raises(Conflict):
        d.record_inspection(case, False, ["搬运损坏电梯厅地砖"])
    with pytest.raises(Conflict):
        d.record_clearance(case, False, "50.00")
    assert (case.state, case.inspection, case.fees, case.defects) == (d.RELEASE_APPROVED, "passed", "cleared", [])


def test_a_fact_older_than_the_one_recorded_changes_nothing():
    """Facts reach residents in any order (retries): an inspection or fee verdict older than the one
    the case holds is stale, before approval (no step back) and after it (no conflict)."""
    case = accepted_case()
    t0, t1 = datetime(2026, 11, 22, 9, tzinfo=timezone.utc), datetime(2026, 11, 22, 10, tzinfo=timezone.utc)
    assert d.record_clearance(case, True, "0.00", as_of=t1) == []
    assert d.record_clearance(case, False, "356.25", as_of=t0) == []
    assert (case.fees, case.outstanding_amount) == ("cleared", "0.00")
    assert d.record_inspection(case, True, [], at=t1) != []
    assert case.state == d.RELEASE_APPROVED
    assert d.record_inspection(case, False, ["墙面破损"], at=t0) == []
    assert d.record_clearance(case, False, "10.00", as_of=t0) == []
    assert (case.state, case.inspection, case.fees, case.defects) == (d.RELEASE_APPROVED, "passed", "cleared", [])


def test_a_newer_fact_still_wins_before_approval():
    case = accepted_case()
    t0, t1 = datetime(2026, 11, 22, 9, tzinfo=timezone.utc), datetime(2026, 11, 22, 10, tzinfo=timezone.utc)
    d.record_inspection(case, False, ["墙面破损"], at=t0)
    d.record_clearance(case, False, "356.25", as_of=t0)
    assert d.record_inspection(case, True, [], at=t1) == []
    assert event_types(d.record_clearance(case, True, "0.00", as_of=t1.replace(tzinfo=None))) == [
        "move_out.release_approved"]  # a time read back from SQLite has lost its zone: it is UTC


def test_guard_needs_owner_consent():
    case = accepted_case()
    case.owner_consent_ref = ""  # e.g. the consent document was withdrawn and cleared by staff
    d.record_inspection(case, True, [])
    assert d.record_clearance(case, True, "0.00") == []
    assert not d.release_guard_met(case)
    assert "owner's written consent (客户书面同意)" in d.waiting_for(case)


# --- inspection / clearance validation ------------------------------------------------------------
def test_inspection_validation():
    case = accepted_case()
    with pytest.raises(ValidationError) as e:
        d.record_inspection(case, False, [])
    assert rules(e.value) == {("defects", "required_when_failed")}
    with pytest.raises(ValidationError) as e:
        d.record_inspection(case, True, ["墙面破损"])
    assert rules(e.value) == {("defects", "must_be_empty_when_passed")}
    with pytest.raises(ValidationError) as e:
        d.record_inspection(case, False, ["墙面破损", "  "])
    assert rules(e.value) == {("defects", "not_blank")}
    assert case.inspection == "pending"


def test_clearance_validation():
    case = accepted_case()
    for cleared, amount, rule in [
        (True, "10.00", "not_positive_when_cleared"),
        (False, "0.00", "positive_when_outstanding"),
        (False, "-5", "positive_when_outstanding"),
        (False, "abc", "decimal"),
        (True, "NaN", "decimal"),
    ]:
        with pytest.raises(ValidationError) as e:
            d.record_clearance(case, cleared, amount)
        assert rules(e.value) == {("outstanding_amount", rule)}
    assert case.fees == "pending"


def test_defects_list_is_reassigned_not_mutated():
    case = accepted_case()
    before = case.defects
    d.record_inspection(case, False, ["墙面破损"])
    assert before == [] and case.defects is not before


# --- slip, gate, archive --------------------------------------------------------------------------
def approved_case() -> d.MoveOutCase:
    case = accepted_case()
    d.record_inspection(case, True, [])
    d.record_clearance(case, True, "0.00")
    return case


def test_slip_before_approval_is_a_conflict():
    case = accepted_case()
    with pytest.raises(Conflict):
        d.record_slip_issued(case, "FX-20261122-0001")


def test_slip_gate_archive():
    case = approved_case()
    assert d.record_slip_issued(case, "FX-20261122-0001") == []
    assert d.record_slip_issued(case, "FX-20261122-0001") == []  # duplicate delivery
    with pytest.raises(Conflict):
        d.record_slip_issued(case, "FX-20261122-0002")
    with pytest.raises(ValidationError) as e:
        d.record_slip_issued(case, "")
    assert rules(e.value) == {("slip_no", "required")}
    assert case.state == d.RELEASE_APPROVED
    assert d.record_goods_released(case) == []
    assert case.state == d.GOODS_RELEASED
    assert d.record_goods_released(case) == []
    # a late duplicate of the guard's inputs changes nothing
    assert d.record_clearance(case, True, "0.00") == [] and case.state == d.GOODS_RELEASED
    events = d.archive_move_out(case, datetime(2026, 12, 1, 9, 30, tzinfo=timezone.utc))
    assert events == [("move_out.completed", {"move_out_id": "MO-1", "unit_id": "1-1-303", "estate": "E1", "archived_at": "2026-12-01T09:30:00+00:00"})]
    assert case.state == d.ARCHIVED
    assert d.archive_move_out(case, datetime(2026, 12, 2, tzinfo=timezone.utc)) == []


def test_goods_released_before_the_slip_notice_notes_the_slip():
    """The gate release names its slip. It reaches residents on another queue than the slip
    notice, so it may come first: the case is released with that slip, the late notice is a no-op."""
    case = approved_case()
    assert d.record_goods_released(case, "FX-20261122-0001") == []
    assert (case.state, case.release_slip_no) == (d.GOODS_RELEASED, "FX-20261122-0001")
    assert d.record_slip_issued(case, "FX-20261122-0001") == []
    assert (case.state, case.release_slip_no) == (d.GOODS_RELEASED, "FX-20261122-0001")


def test_goods_released_without_slip_is_a_conflict():
    case = approved_case()
    with pytest.raises(Conflict):
        d.record_goods_released(case)
    with pytest.raises(Conflict):
        d.archive_move_out(case, datetime(2026, 12, 1, tzinfo=timezone.utc))


# --- waiting_for ----------------------------------------------------------------------------------
def test_waiting_for_through_the_saga():
    case = new_case()
    assert d.waiting_for(case) == ["acceptance of the application by customer service (租户撤场审批表)"]
    d.accept_move_out(case)
    assert d.waiting_for(case) == ["engineering inspection (单元验收)",
                                   "final meter readings and supply cut by engineering (抄表并断水断电)",
                                   "fee clearance check by finance (费用结清)"]
    d.record_supply_cut(case, datetime(2026, 11, 22, 2, tzinfo=timezone.utc))  # the fee check itself is finance's
    assert d.waiting_for(case) == ["engineering inspection (单元验收)", "fee clearance check by finance (费用结清)"]
    d.record_clearance(case, False, "1234.5")
    assert d.waiting_for(case) == ["engineering inspection (单元验收)", "fee clearance: ¥1,234.50 outstanding (费用结清)"]
    d.record_inspection(case, False, ["墙面破损", "门锁损坏"])
    assert d.waiting_for(case) == [
        "defects to be settled: 墙面破损, 门锁损坏 (违约处理单)",
        "fee clearance: ¥1,234.50 outstanding (费用结清)",
    ]
    d.record_inspection(case, True, [])
    assert d.waiting_for(case) == ["fee clearance: ¥1,234.50 outstanding (费用结清)"]
    d.record_clearance(case, True, "0.00")
    assert d.waiting_for(case) == ["goods release slip to be issued (物品放行条)"]
    d.record_slip_issued(case, "FX-20261122-0003")
    assert d.waiting_for(case) == ["goods release at the gate, slip FX-20261122-0003 (物品放行)"]
    d.record_goods_released(case)
    assert d.waiting_for(case) == ["archiving of the exit documents and report to the owner (归档)"]
    d.archive_move_out(case, datetime(2026, 12, 1, tzinfo=timezone.utc))
    assert d.waiting_for(case) == []


def test_waiting_for_without_consent():
    assert d.waiting_for(new_case(owner_consent_ref="")) == ["owner's written consent (客户书面同意)"]


def test_payloads_match_the_contracts():
    case = new_case()
    events = d.accept_move_out(case)
    d.record_inspection(case, True, [])
    events += d.record_clearance(case, True, "0.00")
    for event_type, payload in events:
        assert registry.validate_payload(event_type, 1, payload)


def test_exit_date_at_most_a_year_ahead_boundary():
    from datetime import timedelta
    last = TODAY + timedelta(days=d.MAX_EXIT_DAYS_AHEAD)
    assert d.validate_move_out_request(leased_unit(), "TEN-1-1-303", last, "客户同意函", "restore", TODAY) is None
    with pytest.raises(ValidationError) as e:
        d.validate_move_out_request(leased_unit(), "TEN-1-1-303", last + timedelta(days=1), "客户同意函", "restore", TODAY)
    assert rules(e.value) == {("exit_date", "at_most_a_year_ahead")}


def test_a_withdrawn_case_ignores_later_facts_and_is_never_approved():
    case = accepted_case()
    at = datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)
    [event] = d.withdraw_move_out(case, "租户续租", at)
    assert event.type == "move_out.withdrawn" and case.state == d.WITHDRAWN and case.closed_at == at
    assert d.record_inspection(case, True, [], at=at) == [] and d.record_clearance(case, True, "0.00", as_of=at) == []
    assert case.state == d.WITHDRAWN and not d.is_open(case) and d.waiting_for(case) == []
    with pytest.raises(Conflict):
        d.record_slip_issued(case, "FX-1")
    with pytest.raises(Conflict):
        d.record_goods_released(case, "FX-1")
    assert d.withdraw_move_out(case, "again", at) == []
