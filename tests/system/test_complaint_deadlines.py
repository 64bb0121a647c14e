"""Complaint time limits through the real services (issue #9 §5, §7): an ordinary complaint's
measures within 30 minutes and its outcome told within 3 days, with time injected into every
running process (`move_clock`), never slept. Met at minute 29: no breach; left at minute 31: one
breach event, recorded by reports, and notify writes to the responsible person and to the CS
supervisor. Then the outcome is told (a return visit is planned) and a second complaint on the same
matter reopens it as 二次投诉, to be closed only after a root-cause review."""
from __future__ import annotations

import pytest

from tests.helpers import wait_for

pytestmark = pytest.mark.system

DESK = {"id": "fd-wang", "role": "front_desk", "estates": ["E1"]}


def register(t, summary: str) -> str:
    return t.register_complaint({"complainant": "李女士", "unit_id": "1-1-303", "channel": "phone",
                                 "kind": "ordinary", "category": "cleaning_greening", "summary": summary}, DESK)["complaint_id"]


def events(rpc, complaint_id) -> list[str]:
    return [e["event_type"] for e in rpc.reports.timeline(complaint_id)]


def test_30_minutes_and_3_days_breach_once_and_tell_the_responsible_and_the_supervisor(rpc, move_clock):
    t = rpc.tickets
    in_time = register(t, "楼道灯不亮，已报多次")
    late = register(t, "保洁不及时")
    move_clock(minutes=29)
    t.set_complaint_measures({"complaint_id": in_time, "measures": "通知工程部今日内更换灯具"}, DESK)
    move_clock(minutes=2)  # minute 31
    wait_for(lambda: "complaint.measures_overdue" in events(rpc, late), what="the 30-minute breach")
    assert events(rpc, late).count("complaint.measures_overdue") == 1
    assert "complaint.measures_overdue" not in events(rpc, in_time)
    wait_for(lambda: {m["recipient_role"] for m in rpc.notify.list_messages(correlation_id=late)}
             >= {"staff", "cs_supervisor"}, what="notify's messages of the breach")
    to_person = [m for m in rpc.notify.list_messages(correlation_id=late) if m["recipient_role"] == "staff"]
    assert to_person[0]["recipient_id"] == DESK["id"]

    # 3 days after receipt the complainant of `in_time` has not been told the outcome: one breach
    move_clock(days=3)
    wait_for(lambda: "complaint.reply_overdue" in events(rpc, in_time), what="the 3-day breach")
    assert events(rpc, in_time).count("complaint.reply_overdue") == 1
    assert events(rpc, late).count("complaint.measures_overdue") == 1  # swept again: still one

    # the outcome told: resolved, and tickets plans its return visit
    t.record_complaint_handling({"complaint_id": in_time, "remedial": "当日更换灯具", "corrective": "每周巡检楼道灯"}, DESK)
    t.report_complaint_result({"complaint_id": in_time, "result": "灯具已更换"}, DESK)
    t.reply_to_complainant({"complaint_id": in_time, "channel": "phone", "text": "已更换，请确认"}, DESK)
    wait_for(lambda: "return_visit.planned" in events(rpc, in_time), what="the return visit planned")
    # a second complaint on the same matter: reopened, counted, and not closable before the review
    t.record_second_complaint({"complaint_id": in_time, "summary": "灯又不亮了"}, DESK)
    got = t.get_complaint(in_time, actor=DESK)
    assert (got["state"], got["second_complaints"]) == ("REOPENED", 1)
    wait_for(lambda: "complaint.reopened" in events(rpc, in_time), what="the reopening announced")
    assert "close_complaint" not in t.allowed_actions("complaint", in_time, "cs_supervisor")
