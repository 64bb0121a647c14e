"""Complaints' pure rules (domain.md §2.3): each kind's path, the refusals by name, the time limits."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from propdesk.contracts.vocab import COMPLAINT_STATES
from propdesk.errors import Conflict, Forbidden, ValidationError
from propdesk_services.tickets.workflows.complaints import domain
from propdesk_services.tickets.workflows.complaints.domain import Complaint

T0 = datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)


def complaint(kind="ordinary", **more) -> Complaint:
    c = Complaint(complaint_id="CP-20261123-0001", unit_id="1-1-401", estate="E1", complainant="王伟",
                  summary="楼上装修噪音", received_at=T0, received_by="fd-wang", kind=kind, **more)
    domain.register(c)
    return c


def rule_of(excinfo) -> set[str]:
    err = excinfo.value
    return {p.rule for p in err.problems} if isinstance(err, ValidationError) else {err.rule}


def test_every_state_is_in_the_vocabulary():
    for s in (domain.RECEIVED, domain.MEASURES_SET, domain.ESCALATED, domain.REOPENED, domain.HANDLING,
              domain.RESULT_REPORTED, domain.REPLIED, domain.EXPLAINED, domain.CLOSED, domain.VOIDED):
        assert s in COMPLAINT_STATES


def test_registration_names_every_broken_rule_at_once():
    with pytest.raises(ValidationError) as e:
        domain.validate_registration({"kind": "written", "category": "weather", "about_department": "x"})
    assert {(p.field, p.rule) for p in e.value.problems} == {
        ("complainant", "required"), ("summary", "required"), ("unit_id", "required"),
        ("category", "one_of"), ("about_department", "one_of"), ("doc_ref", "written_needs_doc_ref")}


def test_the_ordinary_path_to_closed():
    c = complaint()
    assert domain.next_commands(c)[:2] == ["triage_complaint", "set_complaint_measures"]
    domain.set_measures(c, "联系装修户限时施工", T0 + timedelta(minutes=10))
    assert c.state == domain.MEASURES_SET
    domain.record_handling(c, "约谈装修户", "装修时间告示", None, "cs_assistant", "cs-li")
    assert c.state == domain.HANDLING
    domain.report_result(c, "已整改")
    assert c.state == domain.RESULT_REPORTED
    [ev] = domain.reply(c, "phone", "已告知处理结果", None, T0 + timedelta(days=2))
    assert ev.type == "complaint.resolved" and ev.payload["within_3_days"] is True
    assert c.state == domain.REPLIED
    [ev] = domain.close(c, "满意", "satisfied", T0 + timedelta(days=5))
    assert ev.type == "complaint.closed" and c.state == domain.CLOSED


def test_reply_after_three_days_is_recorded_late():
    c = complaint(state=domain.RESULT_REPORTED)
    c.state = domain.RESULT_REPORTED
    [ev] = domain.reply(c, "phone", None, None, T0 + timedelta(days=3, minutes=1))
    assert ev.payload["within_3_days"] is False


def test_measures_only_for_an_ordinary_triaged_complaint():
    with pytest.raises(Conflict) as e:
        domain.set_measures(complaint(kind=None), "x", T0)
    assert rule_of(e) == {"triage_first"}
    with pytest.raises(Conflict) as e:
        domain.set_measures(complaint(kind="major"), "x", T0)
    assert rule_of(e) == {"ordinary_only"}


def test_a_major_complaint_needs_an_agreed_reply_time_and_the_director():
    c = complaint(kind="major")
    with pytest.raises(ValidationError) as e:
        domain.escalate(c, None, T0)
    assert rule_of(e) == {"reply_time_agreed"}
    with pytest.raises(ValidationError) as e:
        domain.escalate(c, T0 - timedelta(hours=1), T0)
    assert rule_of(e) == {"in_future"}
    [ev] = domain.escalate(c, T0 + timedelta(days=2), T0)
    assert ev.type == "complaint.escalated" and ev.payload["level"] == "director"
    with pytest.raises(Forbidden) as e:
        domain.record_handling(c, "x", None, None, "cs_manager", "csm-1")
    assert rule_of(e) == {"major_handled_by_director"}
    domain.record_handling(c, "x", None, None, "director", "dir-1")
    assert c.state == domain.HANDLING


def test_a_written_complaint_is_answered_only_in_writing():
    c = complaint(kind="written", doc_ref="SW-001")
    c.state = domain.RESULT_REPORTED
    with pytest.raises(ValidationError) as e:
        domain.reply(c, "phone", "电话答复", None, T0)
    assert rule_of(e) == {"written_reply_required"}
    with pytest.raises(ValidationError):
        domain.reply(c, "written", "书面答复", None, T0)
    domain.reply(c, "written", "书面答复", "HF-001", T0)
    assert c.state == domain.REPLIED


def test_out_of_scope_names_the_route_and_unreasonable_is_explained():
    c = complaint(kind="out_of_scope")
    with pytest.raises(ValidationError) as e:
        domain.explain(c, "不属物业管理范围", None, T0)
    assert rule_of(e) == {"route_required"}
    [ev] = domain.explain(c, "不属物业管理范围", "区城管局 12319", T0)
    assert ev.type == "complaint.resolved" and c.state == domain.EXPLAINED
    with pytest.raises(Conflict) as e:
        domain.explain(complaint(kind="ordinary"), "x", None, T0)
    assert rule_of(e) == {"unreasonable_or_out_of_scope_only"}


def test_reopening_counts_a_second_complaint_and_needs_a_review_before_closing():
    c = complaint()
    with pytest.raises(Conflict) as e:
        domain.reopen(c, "second_complaint", T0)
    assert rule_of(e) == {"not_told_yet"}
    c.state = domain.REPLIED
    [ev] = domain.reopen(c, "dissatisfied", T0 + timedelta(days=4))
    assert ev.payload == {**ev.payload, "reason": "dissatisfied", "second_complaints": 1}
    assert c.state == domain.REOPENED and domain.next_commands(c)[0] == "review_complaint_cause"
    with pytest.raises(Conflict) as e:
        domain.close(c, "x", None, T0)
    assert rule_of(e) == {"root_cause_review_required"}
    with pytest.raises(Conflict) as e:
        domain.report_result(c, "x")
    assert rule_of(e) == {"root_cause_review_required"}
    domain.review_root_cause(c, "首次处理未跟进到底", "每日跟进", "sup-1")
    assert c.state == domain.HANDLING
    # the 3 days of a reopened complaint run from the reopening
    assert domain.reply_due_at(c) == T0 + timedelta(days=7)


def test_the_person_complained_about_may_not_touch_it():
    c = complaint(about_staff="cs-zhao")
    with pytest.raises(Forbidden) as e:
        domain.guard_not_about(c, "cs-zhao")
    assert rule_of(e) == {"complained_about_may_not_edit"}
    domain.guard_not_about(c, "cs-li")


def test_apology_letter_only_for_a_misunderstanding_or_a_mistake_and_once():
    c = complaint()
    c.state = domain.HANDLING
    with pytest.raises(ValidationError) as e:
        domain.record_apology(c, "weather", "DQ-1", "阳光花园管理处")
    assert rule_of(e) == {"misunderstanding_or_mistake_only"}
    domain.record_apology(c, "employee_mistake", "DQ-1", "阳光花园管理处")
    with pytest.raises(Conflict) as e:
        domain.record_apology(c, "misunderstanding", "DQ-2", "阳光花园管理处")
    assert rule_of(e) == {"apology_already_recorded"}


def test_time_limits_are_wall_clock():
    c = complaint()
    assert domain.measures_due_at(c) == T0 + timedelta(minutes=30)
    assert domain.reply_due_at(c) == T0 + timedelta(hours=72)
    domain.progress_notice(c, "phone", T0 + timedelta(days=3, hours=1))
    assert domain.reply_due_at(c) == T0 + timedelta(days=6, hours=1)


def test_voided_and_closed_complaints_refuse_changes_by_name():
    c = complaint()
    domain.void(c, "重复登记")
    with pytest.raises(Conflict) as e:
        domain.amend(c, {"summary": "x"})
    assert rule_of(e) == {"complaint_voided"}
    with pytest.raises(Conflict) as e:
        domain.reopen(c, "second_complaint", T0)
    assert rule_of(e) == {"complaint_voided"}
