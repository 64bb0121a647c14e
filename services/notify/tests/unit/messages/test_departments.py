"""The departments' message templates (domain.md §2.2-§2.12, §7): who hears of which event, in the
office's words, Chinese first. Pure: `domain.messages_for` on payloads valid under their contracts."""
from __future__ import annotations

import pytest

from propdesk.contracts import registry
from propdesk.policy import ROLES
from propdesk_services.notify.tests.samples import SAMPLES, UNIT, breach
from propdesk_services.notify.workflows.messages import domain as d


def to(event_type: str, **changes) -> list[tuple[str, str | None]]:
    return [(m.recipient_role, m.recipient_id) for m in d.messages_for(event_type, {**SAMPLES[event_type], **changes})]


def one(event_type: str, **changes) -> d.Message:
    (message,) = d.messages_for(event_type, {**SAMPLES[event_type], **changes})
    return message


@pytest.mark.parametrize("event_type", sorted(SAMPLES))
def test_every_sample_is_valid_under_its_contract_and_every_message_is_bilingual(event_type):
    registry.validate_payload(event_type, 1, SAMPLES[event_type])
    messages = d.messages_for(event_type, SAMPLES[event_type])
    assert messages, f"{event_type} tells nobody"
    for m in messages:
        assert " / " in m.subject  # 中文 / English
        first_line, rest = m.body.split("\n", 1)
        assert any("\u4e00" <= ch <= "\u9fff" for ch in first_line), "Chinese first"
        assert rest.strip()
        # a staff role code, one named staff member, or a resident (by party id only)
        assert m.recipient_role in ROLES or m.recipient_role == "staff" or m.recipient_role in d.RESIDENT_ROLES
        if m.recipient_role == "staff" or m.recipient_role in d.RESIDENT_ROLES:
            assert m.recipient_id


def test_every_breach_tells_the_responsible_person_and_the_role_it_escalates_to():
    for event_type in registry.breach_event_types():
        payload = breach(event_type)
        registry.validate_payload(event_type, 1, payload)
        assert [(m.recipient_role, m.recipient_id) for m in d.messages_for(event_type, payload)] == [
            ("staff", "staff-cs-7"), ("cs_supervisor", None)]


# -- repairs ---------------------------------------------------------------------------------------
def test_a_dispatched_repair_tells_the_owner_through_the_desk_and_the_follow_up_assistant():
    assert to("repair.dispatched") == [("front_desk", None), ("staff", "staff-cs-7")]
    desk, follow_up = d.messages_for("repair.dispatched", SAMPLES["repair.dispatched"])
    assert desk.subject.startswith("请转告业主") and UNIT in desk.subject and "维修已派工" in desk.subject
    assert "维修班" in desk.body and "WO-20261130-0001" in desk.body and "2026-11-30T06:00" in desk.body
    assert "由您跟进" in follow_up.body


def test_the_owner_named_by_party_id_is_mailed_directly():
    assert to("repair.dispatched", party_id="OWN-1-1-303")[0] == ("owner", "OWN-1-1-303")


def test_a_common_area_repair_has_no_owner_to_tell():
    assert to("repair.dispatched", unit_id=None) == [("staff", "staff-cs-7")]
    assert "公共区域" in one("repair.dispatched", unit_id=None).subject


def test_a_reissued_order_names_the_old_one():
    desk, _ = d.messages_for("repair.order_reissued", SAMPLES["repair.order_reissued"])
    assert "WO-20261130-0002" in desk.body and "原工单 WO-20261130-0001 已作废重开" in desk.body


def test_a_rescheduled_repair_tells_the_owner_and_engineering_the_new_time():
    assert to("repair.rescheduled") == [("front_desk", None), ("engineering", None)]
    for m in d.messages_for("repair.rescheduled", SAMPLES["repair.rescheduled"]):
        assert "2026-12-01T01:30" in m.body
    assert "李先生" in d.messages_for("repair.rescheduled", SAMPLES["repair.rescheduled"])[0].body


def test_a_reopened_repair_goes_back_to_engineering_with_why():
    m = one("repair.reopened")
    assert m.recipient_role == "engineering" and "验收不合格" in m.body and "渗水未止" in m.body
    assert "回访不满意" in one("repair.reopened", reason="return_visit_dissatisfied").body


def test_a_repair_rated_below_3_tells_the_cs_manager_it_went_to_95059():
    m = one("repair.escalated")
    assert m.recipient_role == "cs_manager" and "95059" in m.subject
    assert "评分 2" in m.body and "修了三次还漏" in m.body


def test_a_contact_handed_over_is_told_to_its_new_owner():
    m = one("contact.handed_over")
    assert (m.recipient_role, m.recipient_id) == ("staff", "cs-zhao")
    assert "CT-20261130-0001" in m.subject and "fd-wang" in m.body and "下班交接" in m.body and "首问负责制" in m.body


# -- complaints and return visits ------------------------------------------------------------------
@pytest.mark.parametrize("kind, told", [("major", True), ("written", True), ("ordinary", False), (None, False)])
def test_a_major_or_written_complaint_is_reported_to_the_cs_supervisor_at_once(kind, told):
    assert to("complaint.registered", kind=kind) == ([("cs_supervisor", None)] if told else [])


@pytest.mark.parametrize("department, role", [("engineering", "engineering"), ("security", "security"),
                                              ("finance", "finance_supervisor"), ("cleaning_greening", "cs_supervisor"),
                                              ("developer", "cs_supervisor")])
def test_a_rectification_is_told_to_the_department_or_the_cs_supervisor_who_passes_it_on(department, role):
    m = one("return_visit.rectification_ordered", department=department)
    assert m.recipient_role == role and "重新打胶" in m.body and "2026-12-03T10:00" in m.body


def test_an_escalated_complaint_tells_the_level_it_went_to_the_agreed_reply_time():
    m = one("complaint.escalated")
    assert m.recipient_role == "director" and "重大投诉" in m.body and "2026-11-30T02:00" in m.body


def test_a_resolved_complaint_tells_the_complainant_a_return_visit_follows():
    m = one("complaint.resolved")
    assert m.recipient_role == "front_desk" and "CP-20261130-0001" in m.subject and "回访" in m.body
    assert to("complaint.resolved", party_id="RES-1") == [("resident", "RES-1")]


def test_a_reopened_complaint_tells_the_cs_supervisor_a_root_cause_review_is_due():
    m = one("complaint.reopened")
    assert m.recipient_role == "cs_supervisor" and "二次投诉" in m.subject
    assert "检讨分析原因" in m.body and "回访不满意" in m.body and "第 1 次" in m.body


def test_a_planned_return_visit_is_the_assignees_task():
    assert to("return_visit.planned") == [("staff", "staff-cs-7")]
    assert to("return_visit.planned", assignee=None) == []
    assert "电话回访" in one("return_visit.planned").body


@pytest.mark.parametrize("overall", ["satisfied", "fairly_satisfied"])
def test_only_a_dissatisfied_return_visit_is_told(overall):
    assert to("return_visit.completed", overall=overall) == []


def test_a_dissatisfied_return_visit_tells_the_cs_supervisor():
    m = one("return_visit.completed")
    assert m.recipient_role == "cs_supervisor" and "不满意" in m.subject and "complaint c-1" in m.body
    assert "整改" in m.body


# -- access ----------------------------------------------------------------------------------------
def test_an_expired_pass_tells_the_front_desk_to_tell_the_holder_and_security_not_to_admit_it():
    desk, gate = d.messages_for("pass.expired", SAMPLES["pass.expired"])
    assert (desk.recipient_role, gate.recipient_role) == ("front_desk", "security")
    assert "通知持证人" in desk.subject and "王师傅" in desk.body and "2026-11-29" in desk.body
    assert "施工出入证" in gate.body and "不再凭此证放行" in gate.body


@pytest.mark.parametrize("reason, words", [("renovation_completed", "装修竣工"), ("moved_out", "住户迁出"),
                                           ("by_office", "管理处注销")])
def test_a_revoked_pass_says_why(reason, words):
    for m in d.messages_for("pass.revoked", {**SAMPLES["pass.revoked"], "reason": reason}):
        assert words in m.body and "已注销" in m.body


def test_an_unclaimed_item_after_three_months_is_told_to_finance_and_the_desk():
    assert to("lost_item.expired") == [("finance_supervisor", None), ("front_desk", None)]
    finance, _ = d.messages_for("lost_item.expired", SAMPLES["lost_item.expired"])
    assert "三个月" in finance.body and "黑色雨伞" in finance.body and "2026-08-30" in finance.body


def test_a_refused_claim_goes_to_the_role_it_escalates_to():
    assert to("lost_item.claim_refused", escalate_to="cs_manager") == [("cs_manager", None)]


def test_an_overdue_deposit_is_a_task_for_the_front_desk_to_contact_the_depositor():
    m = one("parcel.overdue")
    assert m.recipient_role == "front_desk" and "联系寄存人" in m.subject
    assert "陈女士" in m.body and "纸箱 1 个、雨伞" in m.body and "2026-11-26" in m.body


def test_mail_is_announced_to_its_recipient_but_not_a_newspaper():
    m = one("mail.received")
    assert m.recipient_role == "front_desk" and "包裹通知单" in m.subject and "刘先生" in m.body
    assert to("mail.received", party_id="RES-9") == [("resident", "RES-9")]
    assert to("mail.received", kind="newspaper") == []


def test_goods_refused_at_the_gate_tell_the_desk_a_new_slip_is_needed():
    m = one("release_slip.refused")
    assert m.recipient_role == "front_desk" and "物品与放行条不符" in m.body and "重新办理" in m.body


def test_a_desk_slip_is_told_to_security_and_its_release_to_the_desk_not_to_a_tenant():
    issued = {"slip_id": "FX-1", "move_out_id": None, "unit_id": UNIT, "applicant_type": "owner",
              "goods": ["沙发"], "clearance_ref": None}
    assert [m.recipient_role for m in d.messages_for("release_slip.issued", issued)] == ["security"]
    released = {"slip_id": "FX-1", "move_out_id": None, "unit_id": UNIT, "guard_id": "guard-07"}
    (m,) = d.messages_for("release_slip.released", released)
    assert m.recipient_role == "front_desk" and "报客户" not in m.body


# -- billing ---------------------------------------------------------------------------------------
def test_issued_notices_are_a_delivery_task_for_the_cs_supervisor():
    m = one("billing.notices_issued")
    assert m.recipient_role == "cs_supervisor" and "×321" in m.subject and "¥343,146.54" in m.body
    assert "签收" in m.body


def test_a_dunning_notice_reaches_the_units_owner():
    m = one("arrears.dunning_issued")
    assert (m.recipient_role, m.recipient_id) == ("owner", "OWN-1-1-303")
    assert "¥2,138.00" in m.subject and "2026-10, 2026-11" in m.body and "CK-20261215-0001" in m.body
    assert to("arrears.dunning_issued", party_id=None) == [("front_desk", None)]


def test_a_paid_service_charge_is_told_to_the_owner():
    m = one("paid_service.charged")
    assert m.recipient_role == "front_desk" and "¥120.00" in m.subject and "更换水龙头" in m.body
