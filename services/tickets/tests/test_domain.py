"""The move-out inspection work order (工程维修单 / 单元验收移交记录表, domain.md §2.6)."""
from __future__ import annotations

from datetime import date

import pytest

from propdesk.errors import Conflict, ValidationError
from propdesk_services.tickets import domain as d


def wo(**kw) -> d.InspectionWorkOrder:
    base = dict(work_order_no="WO-20261122-0007", move_out_id="MO-1", unit_id="1-1-303")
    base.update(kw)
    return d.InspectionWorkOrder(**base)


def rules(exc: ValidationError) -> set[tuple[str, str]]:
    return {(p.field, p.rule) for p in exc.problems}


def test_new_order_is_open():
    order = wo()
    assert (order.status, order.defects, order.inspector) == ("open", [], None)


def test_work_order_no_format():
    assert d.work_order_no_for(7, date(2026, 11, 22)) == "WO-20261122-0007"
    assert d.work_order_no_for(9999, date(2027, 1, 5)) == "WO-20270105-9999"


@pytest.mark.parametrize("seq", [0, -1, 10000, True])
def test_work_order_seq_range(seq):
    with pytest.raises(ValidationError) as e:
        d.work_order_no_for(seq, date(2026, 11, 22))
    assert rules(e.value) == {("seq", "between_1_and_9999")}


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
    with pytest.raises(Conflict):
        d.record_result(order, True, [], "eng-zhao")
    with pytest.raises(Conflict):
        d.record_result(order, False, ["墙面破损"], "eng-zhao")
    assert order.status == "passed"


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


def test_payload_matches_the_contract():
    registry = pytest.importorskip("propdesk.contracts.registry")
    for passed, defects in [(False, ["墙面破损"]), (True, [])]:
        ((event_type, payload),) = d.record_result(wo(), passed, defects, "eng-zhao")
        assert registry.validate_payload(event_type, 1, payload)
