"""Repairs (报修, 工程维修单 QR-001FW, domain.md §2.2, issue #9 §7) through every service, as the desk
and the owner APP drive them: a paid repair from report to billing's charge; a mismatched order
re-issued, a failed acceptance re-opened, a low APP rating escalated to 95059, with the return visit
planned on acceptance. All services run as separate processes under the real supervisor, on a real
broker, with the demo data (the price list)."""
from __future__ import annotations

import json

import pytest
from nameko.exceptions import RemoteError

from tests.helpers import wait_for

pytestmark = pytest.mark.system

DESK = {"id": "fd-wang", "role": "front_desk", "estates": ["E1"]}
APP = {"id": "token:owner-app", "role": "front_desk", "estates": ["E1"]}
CS = {"id": "cs-li", "role": "cs_assistant", "estates": ["E1"]}
AREA = {"id": "aa-zhao", "role": "area_assistant", "estates": ["E1"]}
SUPERVISOR = {"id": "sup-chen", "role": "cs_supervisor", "estates": ["E1"]}
ENGINEER = {"id": "eng-li", "role": "engineering", "estates": ["E1"]}


def timeline(rpc, repair_id):
    return [e["event_type"] for e in rpc.reports.timeline(repair_id)]


def test_a_paid_repair_from_report_to_the_charge_on_the_units_account(rpc):
    t = rpc.tickets
    rid = {"repair_id": t.report_repair({"unit_id": "1-1-303", "category": "water_electric", "paid": True,
                                         "summary": "厨房水龙头漏水", "client_name": "王先生"}, DESK)["repair_id"]}
    t.price_repair({**rid, "price_item": "P01", "quantity": 1}, DESK)
    with pytest.raises(RemoteError) as err:
        t.dispatch_repair({**rid, "team": "maintenance", "follow_up": "cs-li"}, DESK)
    assert json.loads(err.value.value)["rule"] == "no_dispatch_before_consent"
    t.record_consent({**rid, "consented": True, "consented_by": "王先生"}, DESK)
    t.dispatch_repair({**rid, "team": "maintenance", "follow_up": "cs-li"}, DESK)
    t.start_repair(rid, ENGINEER)
    t.complete_repair({**rid, "client_signature": "王先生"}, ENGINEER)
    wait_for(lambda: "paid_service.charged" in timeline(rpc, rid["repair_id"]), what="billing's charge")
    assert timeline(rpc, rid["repair_id"])[:3] == ["repair.reported", "repair.quote_issued", "repair.consent_given"]


def test_a_mismatch_reissued_a_failed_acceptance_reopened_and_a_low_app_rating_escalated(rpc):
    t = rpc.tickets
    r = t.submit_app_repair({"unit_id": "1-2-905", "category": "water_electric", "summary": "卫生间漏水"}, APP)
    rid = {"repair_id": r["repair_id"]}
    old = t.dispatch_repair({**rid, "team": "maintenance", "follow_up": "cs-li"}, DESK)["work_order_no"]
    t.cancel_mismatched_order({**rid, "reason": "需更换整段水管", "signature": "赵"}, AREA)
    with pytest.raises(RemoteError) as err:                                # an assistant alone is refused
        t.reissue_work_order(rid, AREA)
    assert err.value.exc_type == "Forbidden"
    new = t.reissue_work_order(rid, SUPERVISOR)
    assert {w["work_order_no"]: w["replaced_by"] for w in new["work_orders"]}[old] == new["work_order_no"]
    t.start_repair(rid, ENGINEER)
    t.complete_repair(rid, ENGINEER)
    assert t.record_acceptance({**rid, "passed": False, "defects": "仍渗水"}, CS)["state"] == "REOPENED"
    t.start_repair(rid, ENGINEER)
    t.complete_repair(rid, ENGINEER)
    t.record_acceptance({**rid, "passed": True}, CS)
    wait_for(lambda: "return_visit.planned" in timeline(rpc, r["repair_id"]), what="the return visit planned")
    assert t.repair_progress(r["repair_id"], actor=APP)["may_rate"] is True
    assert t.rate_repair({**rid, "rating": 2, "comment": "太慢"}, APP)["state"] == "ESCALATED"
    wait_for(lambda: "repair.escalated" in timeline(rpc, r["repair_id"]), what="the escalation logged")
    queues = {q["key"]: q["items"] for q in t.work_queues(actor=SUPERVISOR)}
    assert r["repair_id"] in [i["id"] for i in queues["repairs_escalated"]]
    assert [e for e in timeline(rpc, r["repair_id"]) if e in ("repair.order_cancelled", "repair.order_reissued",
                                                               "repair.reopened")] == \
        ["repair.order_cancelled", "repair.order_reissued", "repair.reopened"]
