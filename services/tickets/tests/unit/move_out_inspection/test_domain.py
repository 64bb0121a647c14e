"""The move-out inspection work order (工程维修单 / 单元验收移交记录表, domain.md §2.6)."""
from __future__ import annotations

import pytest

from propdesk.contracts import registry
from propdesk.contracts.vocab import WORK_ORDER_STATUSES
from propdesk.errors import Conflict, ValidationError
from propdesk_services.tickets.workflows.move_out_inspection import domain as d


def wo(**kw) -> d.InspectionWorkOrder:
    base = dict(work_order_no="WO-20261122-0007", move_out_id="MO-1", unit_id="1-1-303", estate="E1")
    base.update(kw)
    return d.InspectionWorkOrder(**base)


def rules(exc: ValidationError) -> set[tuple[str, str]]:
    return {(p.field, p.rule) for p in exc.problems}


def test_new_order_is_open():
    order = wo()
    assert (order.status, order.defects, order.inspector) == ("open", [], None)


def test_opening_announces_the_work_order():
    order = wo(status="passed", defects=["x"], inspector="someone")
    assert d.open_inspection(order) == [
        ("move_out.inspection_opened", {"move_out_id": "MO-1", "work_order_no": "WO-20261122-0007", "unit_id": "1-1-303",
                                           "estate": "E1"})]
    assert (order.status, order.defects, order.inspector) == ("open", [], None)


def test_every_status_is_a_word_of_the_shared_vocabulary():
    assert {d.OPEN, d.DEFECTS_FOUND, d.PASSED, d.CANCELLED} == set(WORK_ORDER_STATUSES.codes)


def test_pass():
    order = wo()
    events = d.record_result(order, True, [], "eng-zhao")
    assert events == [
        (
            "move_out.inspection_completed",
            {
                "move_out_id": "MO-1",
                "work_order_no": "WO-20261122-0007",
                "unit_id": "1-1-303",
                "estate": "E1",
                "passed": True,
                "defects": [],
                "breach_notice_id": None,
            },
        )
    ]
    assert (order.status, order.inspector) == ("passed", "eng-zhao")


def test_defects_then_reinspection_pass():
    order = wo()
    (event_type, payload), = d.record_result(order, False, [" 墙面破损 ", "门锁损坏"], "eng-zhao")
    assert event_type == "move_out.inspection_completed"
    assert payload["passed"] is False
    assert payload["defects"] == ["墙面破损", "门锁损坏"]
    assert payload["breach_notice_id"] == "WY-20261122-0007"
    assert (order.status, order.defects) == ("defects_found", ["墙面破损", "门锁损坏"])

    # re-inspection still finds one: same breach notice
    (_, again), = d.record_result(order, False, ["门锁损坏"], "eng-qian")
    assert again["breach_notice_id"] == "WY-20261122-0007" and again["defects"] == ["门锁损坏"]

    (_, passed), = d.record_result(order, True, [], "eng-qian")
    assert passed["passed"] is True and passed["breach_notice_id"] is None
    assert (order.status, order.defects, order.inspector) == ("passed", [], "eng-qian")


def test_recording_on_a_passed_order_is_a_conflict():
    order = wo()
    d.record_result(order, True, [], "eng-zhao")
    with pytest.raises(Conflict) as e:
        d.record_result(order, True, [], "eng-zhao")
    assert (e.value.field, e.value.rule) == ("passed", "passed_is_final")
    with pytest.raises(Conflict):
        d.record_result(order, False, ["墙面破损"], "eng-zhao")
    assert order.status == "passed"


@pytest.mark.parametrize("status", ["open", "defects_found"])
def test_a_withdrawn_move_out_cancels_an_unfinished_inspection(status):
    order = wo(status=status, defects=["门锁损坏"] if status == "defects_found" else [])
    assert d.cancel(order) is True
    assert order.status == "cancelled" and d.breach_notice_of(order) is None
    assert order.defects == ([] if status == "open" else ["门锁损坏"])  # what was found stays on record


@pytest.mark.parametrize("status", ["passed", "cancelled"])
def test_a_finished_or_cancelled_order_is_not_cancelled_again(status):
    order = wo(status=status)
    assert d.cancel(order) is False
    assert order.status == status


@pytest.mark.parametrize("passed, defects", [(True, []), (False, ["墙面破损"])])
def test_recording_on_a_cancelled_order_is_a_conflict(passed, defects):
    order = wo()
    d.cancel(order)
    with pytest.raises(Conflict) as e:
        d.record_result(order, passed, defects, "eng-zhao")
    assert (e.value.field, e.value.rule) == ("move_out_id", "work_order_cancelled")
    assert (order.status, order.defects, order.inspector) == ("cancelled", [], None)


def test_validation_reports_every_problem():
    order = wo()
    with pytest.raises(ValidationError) as e:
        d.record_result(order, False, [], " ")
    assert rules(e.value) == {("inspector", "required"), ("defects", "required_when_failed")}
    with pytest.raises(ValidationError) as e:
        d.record_result(order, True, ["墙面破损"], None)
    assert rules(e.value) == {("inspector", "required"), ("defects", "must_be_empty_when_passed")}
    with pytest.raises(ValidationError) as e:
        d.record_result(order, False, ["墙面破损", ""], "eng-zhao")
    assert rules(e.value) == {("defects", "not_blank")}
    assert (order.status, order.defects, order.inspector) == ("open", [], None)


def test_breach_notice_for_other_numbering():
    assert d.breach_notice_no_for("X-1") == "WY-X-1"
    assert d.breach_notice_no_for("WO-20261122-10000") == "WY-20261122-10000"  # a day's 10,000th order


def test_payload_matches_the_contract():
    for passed, defects in [(False, ["墙面破损"]), (True, [])]:
        ((event_type, payload),) = d.record_result(wo(), passed, defects, "eng-zhao")
        assert registry.validate_payload(event_type, 1, payload)
