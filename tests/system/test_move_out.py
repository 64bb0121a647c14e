"""A tenant move-out through every service, as the desk drives it (domain.md §2.6, issue #2 §5).

All services run as separate processes under the real supervisor, on a real broker."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from propdesk import demo
from tests.helpers import wait_for

pytestmark = pytest.mark.system

FRONT_DESK = {"id": "fd-wang", "role": "front_desk"}
ENGINEER = {"id": "eng-li", "role": "engineering"}
CASHIER = {"id": "fin-zhao", "role": "cashier"}
GUARD = {"id": "sec-chen", "role": "security"}


def request(rpc, unit_id, tenant_id, **extra):
    return rpc.residents.request_move_out(
        request={"unit_id": unit_id, "tenant_party_id": tenant_id,
                 "exit_date": (date.today() + timedelta(days=3)).isoformat(),
                 "owner_consent_ref": "业主书面同意函 2026-117", "fitout_disposition": "restore", **extra},
        actor=FRONT_DESK)


def case(rpc, move_out_id):
    return rpc.residents.get_move_out(move_out_id)


def wait_inspection_opened(rpc, move_out_id):
    def opened():
        try:
            return rpc.tickets.get_inspection(move_out_id)
        except Exception:  # NotFound until tickets has handled move_out.requested
            return None
    return wait_for(opened, what="the inspection work order")


def final_supplies(rpc, unit_id):
    """What engineering records at the exit (METERS_READ_AND_CUT, §2.6): each meter as it last
    counted (nothing used since, so the cut bills nothing: 0 for a meter never read) and the A/C."""
    last = {}
    for r in sorted(rpc.billing.list_meter_readings(None, None, unit_id), key=lambda r: r["period"]):
        if r["state"] in ("ok", "accepted", "billed"):
            last[r["meter"]] = r["reading"]
    return [{"utility": m, "reading": last.get(m, "0")} for m in ("water", "electricity")] + [{"utility": "ac"}]


def cut_supply(rpc, move_out_id, supplies=None):
    """Engineering reads the meters and cuts the supply on the move-out's inspection work order, as
    the desk does (tickets.record_supply_cut): a metered unit's fee check is decided only then."""
    wait_inspection_opened(rpc, move_out_id)
    unit_id = case(rpc, move_out_id)["unit_id"]
    rpc.tickets.record_supply_cut(request={"move_out_id": move_out_id,
                                           "supplies": supplies or final_supplies(rpc, unit_id)}, actor=ENGINEER)


def fee_check_waits_for_the_meters(rpc, move_out_id):
    """Billing has the move-out's fee check and holds it for the final readings (nothing announced)."""
    def waiting():
        rows = rpc.billing.list_audit(action="clearance.check", object_id=move_out_id)
        return rows if rows and rows[-1]["details"]["status"] == "awaiting_meters" else None
    wait_for(waiting, what="billing's fee check to wait for the final readings")
    c = case(rpc, move_out_id)
    assert c["fees"] == "pending" and c["release_slip_no"] is None, c
    assert any("meter" in w for w in c["waiting_for"]), c["waiting_for"]
    return c


def drive_to_release(rpc, move_out_id):
    slip = wait_for(lambda: case(rpc, move_out_id)["release_slip_no"], what="the release slip")
    rpc.access.release_at_gate(request={"slip_no": slip}, actor=GUARD)
    wait_for(lambda: case(rpc, move_out_id)["state"] == "GOODS_RELEASED", what="goods released")
    return slip


def event_types(rpc, move_out_id):
    return [e["event_type"] for e in rpc.reports.timeline(move_out_id)]


def test_happy_path_from_request_to_archive_then_the_unit_moves_out_again(rpc):
    mo = request(rpc, demo.DEMO_HAPPY_UNIT, demo.DEMO_HAPPY_TENANT)
    move_out_id = mo["move_out_id"]
    assert mo["state"] == "APPLICATION_ACCEPTED"

    wait_inspection_opened(rpc, move_out_id)
    assert any("inspection" in w for w in fee_check_waits_for_the_meters(rpc, move_out_id)["waiting_for"])

    # the inspection passed, the unit's water and electricity not read yet: no release (§2.6 order)
    rpc.tickets.record_inspection(request={"move_out_id": move_out_id, "passed": True, "defects": []}, actor=ENGINEER)
    c = wait_for(lambda: (c := case(rpc, move_out_id))["inspection"] == "passed" and c, what="inspection passed")
    assert (c["state"], c["fees"], c["release_slip_no"]) == ("INSPECTION_PASSED", "pending", None)
    cut_supply(rpc, move_out_id)
    drive_to_release(rpc, move_out_id)

    # the timeline is fed from every department's events, each on a queue of its own: it is
    # complete when all of them have arrived, not as soon as the last one in the saga's order has
    expected = ("move_out.requested", "move_out.inspection_opened", "billing.clearance_confirmed",
                "move_out.inspection_completed", "unit.supply_cut", "move_out.release_approved",
                "release_slip.issued", "release_slip.released")
    types = wait_for(lambda: (t := event_types(rpc, move_out_id)) and set(expected) <= set(t) and t,
                     what="the timeline to show every event of the case")
    for each in expected:
        assert types.count(each) == 1, (each, types)
    # finance cleared the move-out only once the final readings were in, and release followed that
    assert types.index("unit.supply_cut") < types.index("billing.clearance_confirmed") \
        < types.index("move_out.release_approved"), types
    timeline = rpc.reports.timeline(move_out_id)
    assert {"id": "fd-wang", "role": "front_desk"} in [e["actor"] for e in timeline]
    assert rpc.reports.move_out_counts()["by_state"].get("GOODS_RELEASED") == 1
    wait_for(lambda: rpc.notify.list_messages(correlation_id=move_out_id), what="notifications stored")

    # the case can end: archived (CS files the exit documents), and the unit may start a new move-out
    assert rpc.residents.allowed_actions("move_out", move_out_id, "front_desk") == ["archive_move_out"]
    archived = rpc.residents.archive_move_out(request={"move_out_id": move_out_id}, actor=FRONT_DESK)
    assert archived["state"] == "ARCHIVED" and archived["waiting_for"] == []
    wait_for(lambda: "move_out.completed" in event_types(rpc, move_out_id), what="move_out.completed on the timeline")
    wait_for(lambda: rpc.reports.move_out_counts()["by_state"].get("ARCHIVED") == 1, what="the board to count it")
    assert rpc.residents.get_unit(demo.DEMO_HAPPY_UNIT)["open_move_out_id"] is None

    again = request(rpc, demo.DEMO_HAPPY_UNIT, demo.DEMO_HAPPY_TENANT, owner_consent_ref="业主书面同意函 2027-002")
    assert again["move_out_id"] != move_out_id and again["state"] == "APPLICATION_ACCEPTED"
    wait_inspection_opened(rpc, again["move_out_id"])
    withdrawn = rpc.residents.withdraw_move_out(request={"move_out_id": again["move_out_id"], "reason": "租户续租"},
                                                actor=FRONT_DESK)
    assert withdrawn["state"] == "WITHDRAWN"
    wait_for(lambda: rpc.tickets.get_inspection(again["move_out_id"])["status"] == "cancelled",
             what="engineering to cancel the inspection")
    wait_for(lambda: rpc.access.get_release_hold(again["move_out_id"])["closed"], what="security to drop the hold")
    assert request(rpc, demo.DEMO_HAPPY_UNIT, demo.DEMO_HAPPY_TENANT)["state"] == "APPLICATION_ACCEPTED"


def test_fees_outstanding_block_the_slip_until_paid(rpc):
    mo = request(rpc, demo.DEMO_ARREARS_UNIT, demo.DEMO_ARREARS_TENANT)
    move_out_id = mo["move_out_id"]
    wait_inspection_opened(rpc, move_out_id)
    rpc.tickets.record_inspection(request={"move_out_id": move_out_id, "passed": True, "defects": []}, actor=ENGINEER)
    cut_supply(rpc, move_out_id)  # its meters were never read: baselines, nothing more to bill
    c = wait_for(lambda: (c := case(rpc, move_out_id))["fees"] == "outstanding" and c["inspection"] == "passed" and c,
                 what="inspection passed with fees outstanding")
    assert c["outstanding_amount"] == str(demo.DEMO_ARREARS_AMOUNT)
    assert c["release_slip_no"] is None
    assert any("fee" in w for w in c["waiting_for"])

    rpc.billing.record_payment(request={"unit_id": demo.DEMO_ARREARS_UNIT, "amount": str(demo.DEMO_ARREARS_AMOUNT),
                                        "method": "cash", "receipt_no": "R-SYS-0001"}, actor=CASHIER)
    drive_to_release(rpc, move_out_id)
    # reports hears access on a queue of its own: wait for the slip on the timeline, then count it
    types = wait_for(lambda: (t := event_types(rpc, move_out_id)) and "release_slip.released" in t and t,
                     what="the slip issued and released on the timeline")
    assert types.count("release_slip.issued") == 1, types


def test_failed_inspection_blocks_until_a_passing_reinspection(rpc):
    mo = request(rpc, demo.DEMO_HAPPY_UNIT, demo.DEMO_HAPPY_TENANT)
    move_out_id = mo["move_out_id"]
    wait_inspection_opened(rpc, move_out_id)
    rpc.tickets.record_inspection(request={"move_out_id": move_out_id, "passed": False,
                                           "defects": ["墙面破损 wall damaged"]}, actor=ENGINEER)
    wait_for(lambda: case(rpc, move_out_id)["state"] == "DEFECTS_FOUND", what="defects found")
    cut_supply(rpc, move_out_id)
    wait_for(lambda: case(rpc, move_out_id)["fees"] == "cleared", what="fee clearance")
    assert case(rpc, move_out_id)["release_slip_no"] is None
    assert any("墙面破损" in w for w in case(rpc, move_out_id)["waiting_for"])

    rpc.tickets.record_inspection(request={"move_out_id": move_out_id, "passed": True, "defects": []}, actor=ENGINEER)
    drive_to_release(rpc, move_out_id)


def test_the_final_meter_readings_are_billed_before_the_move_out_is_cleared(rpc):
    """METERS_READ_AND_CUT (issue #10): the paid-up tenant's fee check waits for engineering to
    read the meters as of the exit and cut the supply; billing bills the last water and electricity
    at once, then decides: the move-out owes them until paid; residents records the cut."""
    unit, tenant = "1-1-102", "TEN-1-1-102"  # building 1's flats have November's readings (demo)
    owed = rpc.billing.get_balance(unit)["outstanding"]
    if owed != "0.00":
        rpc.billing.record_payment(request={"unit_id": unit, "amount": owed, "method": "cash",
                                            "receipt_no": "R-SYS-0102"}, actor=CASHIER)
    move_out_id = request(rpc, unit, tenant)["move_out_id"]
    wait_inspection_opened(rpc, move_out_id)
    fee_check_waits_for_the_meters(rpc, move_out_id)  # paid up, but not cleared before the meters are read
    last = {s["utility"]: s.get("reading") for s in final_supplies(rpc, unit)}
    cut_supply(rpc, move_out_id, [
        {"utility": "water", "reading": str(Decimal(last["water"]) + 2)},
        {"utility": "electricity", "reading": str(Decimal(last["electricity"]) + 10)},
        {"utility": "ac"}])
    # 2 m³ × ¥4.90 + 10 kWh × ¥0.5283 (E1 residential tariffs) = 9.80 + 5.28 = 15.08
    c = wait_for(lambda: (c := case(rpc, move_out_id))["fees"] == "outstanding" and c["supply_cut_at"] and c,
                 what="the final readings billed")
    assert c["outstanding_amount"] == "15.08"
    # reports' timeline hears both departments on queues of its own: wait for it, then read it
    types = wait_for(lambda: (t := event_types(rpc, move_out_id)) and {"unit.supply_cut", "billing.clearance_failed"}
                     <= set(t) and t, what="the cut and the fee check on the timeline")
    assert "billing.clearance_confirmed" not in types  # never cleared without them
    rpc.billing.record_payment(request={"unit_id": unit, "amount": "15.08", "method": "cash",
                                        "receipt_no": "R-SYS-0103"}, actor=CASHIER)
    rpc.tickets.record_inspection(request={"move_out_id": move_out_id, "passed": True, "defects": []}, actor=ENGINEER)
    drive_to_release(rpc, move_out_id)
