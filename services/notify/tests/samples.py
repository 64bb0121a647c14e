"""One valid payload (checked against its contract by the unit tests) for every event type notify
templates, but the move-out saga's (the integration test has those, addressed to one move-out) and
the deadline breaches (`breach`). Used by the unit tier and by the broker's wiring test."""
from __future__ import annotations

UNIT = "1-1-303"
T = "2026-11-30T02:00:00+00:00"

_REPAIR = {"repair_id": "r-1", "repair_no": "BX-20261130-0001", "work_order_no": "WO-20261130-0001",
           "unit_id": UNIT, "estate": "E1"}
_COMPLAINT = {"complaint_id": "c-1", "complaint_no": "CP-20261130-0001", "unit_id": UNIT, "estate": "E1"}
_PASS = {"pass_id": "SG-20261101-0001", "pass_type": "construction", "holder": "王师傅", "unit_id": UNIT,
         "estate": "E1"}

SAMPLES: dict[str, dict] = {
    "repair.dispatched": {**_REPAIR, "state": "DISPATCHED", "team": "maintenance", "follow_up": "staff-cs-7",
                          "due_at": "2026-11-30T06:00:00+00:00"},
    "repair.order_reissued": {**_REPAIR, "work_order_no": "WO-20261130-0002", "state": "DISPATCHED",
                              "team": "maintenance", "follow_up": "staff-cs-7", "due_at": "2026-11-30T08:00:00+00:00",
                              "old_work_order_no": "WO-20261130-0001", "reissued_by": "staff-sup-1"},
    "repair.rescheduled": {**_REPAIR, "state": "RESCHEDULED", "new_time": "2026-12-01T01:30:00+00:00",
                           "agreed_with": "李先生"},
    "repair.reopened": {**_REPAIR, "state": "REOPENED", "reason": "acceptance_failed", "defects": "渗水未止",
                        "by": "staff-cs-7"},
    "repair.escalated": {**_REPAIR, "state": "ESCALATED", "rating": 2, "comment": "修了三次还漏", "hotline": "95059"},
    "contact.handed_over": {"contact_id": "k-1", "contact_no": "CT-20261130-0001", "estate": "E1",
                            "from_owner": "fd-wang", "to_owner": "cs-zhao", "reason": "下班交接", "by": "fd-wang"},
    "complaint.registered": {**_COMPLAINT, "contact_id": None, "kind": "major", "received_by": "fd-wang"},
    "complaint.escalated": {**_COMPLAINT, "kind": "major", "level": "director", "reply_due": T},
    "complaint.resolved": {**_COMPLAINT, "kind": "ordinary", "within_3_days": True, "second_complaints": 0},
    "complaint.reopened": {**_COMPLAINT, "reason": "dissatisfied", "second_complaints": 1},
    "return_visit.planned": {"return_visit_id": "v-1", "return_visit_no": "RV-20261130-0001", "subject_type": "repair",
                             "subject_id": "r-1", "unit_id": UNIT, "estate": "E1", "occasion": "repair",
                             "method": "phone", "due_at": T, "assignee": "staff-cs-7"},
    "return_visit.completed": {"return_visit_id": "v-1", "return_visit_no": "RV-20261130-0001",
                               "subject_type": "complaint", "subject_id": "c-1", "unit_id": UNIT, "estate": "E1",
                               "overall": "dissatisfied"},
    "return_visit.rectification_ordered": {"return_visit_id": "v-1", "return_visit_no": "RV-20261130-0001",
                                           "subject_type": "repair", "subject_id": "r-1", "unit_id": UNIT,
                                           "estate": "E1", "department": "engineering", "measures": "重新打胶",
                                           "deadline": "2026-12-03T10:00:00+00:00"},
    "release_slip.refused": {"slip_id": "FX-20261130-0002", "move_out_id": None, "unit_id": UNIT, "estate": "E1",
                             "guard_id": "guard-07", "reason": "物品与放行条不符"},
    "pass.expired": {**_PASS, "valid_to": "2026-11-29", "expired_at": "2026-11-29T16:00:00+00:00"},
    "pass.revoked": {**_PASS, "reason": "renovation_completed", "note": None, "cause": "RN-1", "revoked_at": T},
    "lost_item.expired": {"item_id": "SH-20260830-0001", "category": "ordinary", "description": "黑色雨伞",
                          "estate": "E1", "registered_at": "2026-08-30T02:00:00+00:00", "expired_at": T},
    "lost_item.claim_refused": {"item_id": "SH-20261120-0002", "estate": "E1", "claimant": "赵某",
                                "reason": "无法说明物品特征", "escalate_to": "cs_supervisor", "refused_at": T},
    "parcel.overdue": {"parcel_id": "JC-20261126-0001", "depositor": "陈女士", "unit_id": UNIT, "estate": "E1",
                       "items": ["纸箱 1 个", "雨伞"], "stored_at": "2026-11-26T02:00:00+00:00",
                       "overdue_at": "2026-11-29T02:00:00+00:00"},
    "mail.received": {"mail_id": "YJ-20261130-0001", "kind": "parcel_notice", "unit_id": UNIT, "estate": "E1",
                      "recipient": "刘先生", "signed_by": "staff-fd-1", "received_at": T},
    "billing.notices_issued": {"run_id": "run-1", "run_no": "BR-202611", "period": "2026-11", "estate": "E1",
                               "notice_count": 321, "total_amount": "343146.54", "issued_by": "staff-cashier"},
    "arrears.dunning_issued": {"dunning_id": "d-1", "dunning_no": "CK-20261215-0001", "unit_id": UNIT,
                               "estate": "E1", "party_id": "OWN-1-1-303", "period": "2026-11",
                               "amount_due": "2138.00", "periods": ["2026-10", "2026-11"]},
    "paid_service.charged": {"charge_id": 7, "repair_id": "r-1", "work_order_no": "WO-20261130-0001",
                             "unit_id": UNIT, "estate": "E1", "amount": "120.00", "item": "更换水龙头",
                             "period": "2026-12"},
}


def breach(event_type: str) -> dict:
    """A breach payload (`DeadlineBreach`) naming the responsible person and the role told."""
    return {"rule": event_type, "record_type": "record", "record_id": "x-1", "due_at": T,
            "responsible": "staff-cs-7", "escalate_to": "cs_supervisor", "estate": "E1", "summary": f"{event_type} x-1"}
