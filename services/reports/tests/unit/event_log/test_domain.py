"""The timeline's lines (domain.md §2.6, §8): the vocabulary's labels of what became true, then
the details."""
from __future__ import annotations

import pytest

from propdesk.contracts import events  # noqa: F401  (registers the catalog's contracts)
from propdesk.contracts.registry import all_contracts
from propdesk_services.reports.workflows.event_log import domain as d

DEFECTS = {"move_out_id": "MO-1", "passed": False, "defects": ["墙面破损"], "unit_id": "1-1-303",
           "breach_notice_id": "WY-7"}
CLEARANCE = {"unit_id": "1-1-702", "party_id": None, "move_out_id": "MO-2", "as_of": "2026-11-22T09:00:00+00:00"}


def test_summaries():
    assert d.summary("move_out.inspection_completed", DEFECTS) == \
        "验收发现问题 Defects found in 1-1-303: 墙面破损 (违约处理单 WY-7)"
    assert d.summary("move_out.inspection_completed", {**DEFECTS, "passed": True, "defects": []}) == \
        "验收通过 Inspection passed: 1-1-303"
    assert d.summary("move_out.inspection_opened", {"work_order_no": "WO-1", "unit_id": "1-1-303"}) == \
        "待验收 Inspection pending: work order WO-1 opened for 1-1-303"
    assert d.summary("release_slip.issued", {"slip_id": "FX-1", "unit_id": "1-1-303", "goods": ["沙发", "冰箱"]}) == \
        "物品放行条已开具 Release slip issued: FX-1 for 1-1-303: 沙发, 冰箱"
    assert d.summary("release_slip.released", {"slip_id": "FX-1", "guard_id": "guard-07"}) == \
        "物品已放行 Goods released: slip FX-1 at the gate, guard guard-07"
    assert d.summary("notification.sent", {"status": "failed", "recipient_role": "front_desk", "recipient_id": None,
                                           "channel": "staff_inbox", "subject": "待放行"}) == \
        "通知发送失败 Message failed to front_desk via staff_inbox: 待放行"
    # an event without a line of its own reads as its contract says, with its ids; an unknown one names them
    assert d.summary("key.loaned", {"key_id": "K-1", "unit_id": "1-1-303", "purpose": "repair"}).endswith(
        ": key_id K-1, unit_id 1-1-303")
    assert d.summary("no.such_event", {"x_id": "X-1"}) == "no.such_event: x_id X-1"


def test_a_fee_check_says_what_is_true():
    cleared = d.summary("billing.clearance_confirmed", {**CLEARANCE, "outstanding_amount": "0.00"})
    outstanding = d.summary("billing.clearance_failed", {**CLEARANCE, "outstanding_amount": "1356.25"})
    assert cleared == "费用已结清 Fees cleared: 1-1-702"
    assert outstanding == "尚有欠费 Fees outstanding: 1-1-702 ¥1,356.25"
    assert "已结清" not in outstanding and "cleared" not in outstanding


def test_a_withdrawn_and_a_completed_move_out():
    assert d.summary("move_out.withdrawn", {"move_out_id": "MO-1", "unit_id": "1-1-303", "reason": "租户续租",
                                            "withdrawn_at": "2026-11-23T02:00:00+00:00"}) == \
        "已撤回 Withdrawn: 1-1-303, reason: 租户续租"
    assert d.summary("move_out.completed", {"move_out_id": "MO-1", "unit_id": "1-1-303",
                                            "archived_at": "2026-11-30T08:00:00+00:00"}) == \
        "已归档 Archived: 1-1-303, exit reported to the owner"


@pytest.mark.parametrize("event_type", sorted({c.event_type for c in all_contracts()
                                                if c.schema.__module__.startswith("propdesk.contracts.events")}))
def test_every_event_of_the_catalog_reads_in_words(event_type):
    """A line of its own, or what its contract says it means; never the bare event type."""
    line = d.summary(event_type, {"unit_id": "1-1-303"})
    assert not line.startswith(event_type), line
    assert "1-1-303" in line or event_type in d._SUMMARIES or line.startswith("超时 Overdue")


def test_no_line_for_an_event_that_does_not_exist():
    assert set(d._SUMMARIES) <= {c.event_type for c in all_contracts()}


def test_timeline_entry():
    entry = d.timeline_entry(event_id="e1", event_type="move_out.release_approved",
                             occurred_at="2026-11-22T10:00:00+00:00", producer="residents", actor_id="cs-3",
                             actor_role="cs_supervisor",
                             payload={"unit_id": "1-1-303", "owner_written_opinion_ref": "OP-9"})
    assert entry["actor"] == {"id": "cs-3", "role": "cs_supervisor"}
    assert entry["summary"] == "已批准放行 Release approved: 1-1-303 per OP-9"
    assert entry["payload"]["owner_written_opinion_ref"] == "OP-9"


def test_an_event_without_a_line_of_its_own_reads_as_its_contract_says():
    from propdesk.contracts import registry

    doc = registry.get("repair.reported", registry.latest_version("repair.reported")).doc
    line = d.summary("repair.reported", {"repair_id": "R-1", "unit_id": "1-1-303"})
    assert line.startswith(" ".join(doc.split()).split(". ")[0].rstrip(".")[:40]) and "repair_id R-1" in line


def test_a_breach_reads_as_overdue_with_what_and_since_when():
    line = d.summary("complaint.measures_overdue", {"rule": "complaint.measures", "record_type": "complaint",
                                                    "record_id": "CP-1", "due_at": "2026-11-30T10:30:00+08:00",
                                                    "responsible": "front_desk", "summary": "CP-1 1-1-303"})
    assert line == ("超时 Overdue: CP-1 1-1-303 (rule complaint.measures, due 2026-11-30T10:30:00+08:00, "
                    "responsible front_desk)")
