"""``unit.supply_cut`` (METERS_READ_AND_CUT, domain.md §2.6) on billing's harness: a metered unit's
move-out fee check waits, unannounced, for engineering's final readings; they are recorded by the
final-reading rules and billed at once, and THEN the check is decided for the first time, once per
move-out (issue #10: a tenant must not be cleared before the last month's water and electricity
are billed). A unit with no metered tariff in force is decided at once on the request."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select

from propdesk.errors import Conflict
from propdesk_services.billing.tests.unit.billing_run.support import harness
from propdesk_services.billing.tests.unit.support import (
    ARREARS, ARREARS_UNIT, CASHIER, CLEARANCE_EVENTS, clearance, outbox, payment, request_clearance, trail,
    without_metered_tariffs,
)
from propdesk_services.billing.tests.unit.support import supply_cut as support_supply_cut
from propdesk_services.billing.workflows.fee_clearance.handlers import on_unit_supply_cut
from propdesk_services.billing.workflows.meter_readings.models import MeterReading

#: 2026-12-10 10:00 Beijing: the tenant of 1-1-101 leaves today; November read water 112, electricity 2197
DEC_10 = datetime(2026, 12, 10, 2, 0, tzinfo=timezone.utc)
UNIT, TENANT, MO = "1-1-101", "TEN-1-1-101", "MO-20261210-0001"
ENGINEER = {"id": "eng-01", "role": "engineering"}


@pytest.fixture
def app():
    return harness(DEC_10)


def supply_cut(app, water="118", electricity="2217", unit_id=UNIT):
    at = app.clock.now().isoformat()
    readings = [{"meter": m, "reading": v, "read_at": at} for m, v in (("water", water), ("electricity", electricity))
                if v is not None]
    return app.event("unit.supply_cut",
                     {"move_out_id": MO, "work_order_no": "WO-20261210-0001", "unit_id": unit_id, "estate": "E1",
                      "utilities": ["water", "electricity", "ac"], "at": at, "final_readings": readings},
                     correlation_id=MO, producer="tickets")


def owed(app) -> Decimal:
    return Decimal(app.query("get_balance", UNIT)["outstanding"])


def paid_up_then_requested(app):
    """The unit's fees are paid, then the move-out is requested: the check waits for the meters."""
    if owed(app) > 0:
        app.command("record_payment", payment(str(owed(app)), unit_id=UNIT), CASHIER)
    return request_clearance(app, MO, UNIT, TENANT)


def fee_answers(app, move_out_id=MO) -> list[str]:
    return [t for t in outbox(app, move_out_id) if t in CLEARANCE_EVENTS]


SUPERVISOR = {"id": "fin-sup", "role": "finance_supervisor"}


def held_reading_id(app) -> str:
    with app.session() as s:
        return s.scalar(select(MeterReading.reading_id).where(MeterReading.unit_id == UNIT,
                                                             MeterReading.state == "held",
                                                             MeterReading.source == "final"))


def test_a_metered_units_check_waits_for_the_final_readings_then_is_decided_with_them(app):
    c = paid_up_then_requested(app)
    assert (c.status, c.last_outstanding) == ("awaiting_meters", Decimal("0.00"))
    assert fee_answers(app) == []                              # neither answer is true yet: nothing announced
    assert trail(app, object_id=MO)[-1]["details"]["status"] == "awaiting_meters"
    event = supply_cut(app)
    assert app.deliver(event) == [on_unit_supply_cut.__name__]
    # water 112 -> 118: 6 m³ × ¥4.90 = 29.40; electricity 2197 -> 2217: 20 kWh × ¥0.5283 = 10.566 -> 10.57
    assert owed(app) == Decimal("39.97")
    with app.session() as s:
        rows = s.scalars(select(MeterReading).where(MeterReading.unit_id == UNIT, MeterReading.period == "2026-12")
                         .order_by(MeterReading.meter)).all()
        who = event.actor.id  # the engineer who read the meters (the event's actor)
        assert [(r.meter, r.source, r.state, str(r.consumption), r.read_on, r.recorded_by) for r in rows] == [
            ("electricity", "final", "billed", "20.00", "2026-12-10", who),
            ("water", "final", "billed", "6.00", "2026-12-10", who)]
    c = clearance(app, MO)
    assert (c.status, c.last_outstanding) == ("pending", Decimal("39.97"))
    [failed] = [e for e in app.events() if e.correlation_id == MO and e.event_type in CLEARANCE_EVENTS]
    assert (failed.event_type, failed.payload["outstanding_amount"]) == ("billing.clearance_failed", "39.97")
    assert failed.payload["move_out_id"] == MO and failed.payload["party_id"] == TENANT
    assert [a["action"] for a in trail(app, object_id=MO)][-2:] == ["clearance.final_readings", "clearance.check"]
    # the re-check after a payment: paying the last month's water and electricity clears the move-out
    app.command("record_payment", payment("39.97", receipt_no="SK-T-0009", unit_id=UNIT), CASHIER)
    assert clearance(app, MO).status == "confirmed"
    assert fee_answers(app) == ["billing.clearance_failed", "billing.clearance_confirmed"]


def test_a_cut_with_nothing_to_bill_clears_a_paid_up_metered_unit(app):
    paid_up_then_requested(app)
    app.deliver(supply_cut(app, water="112", electricity="2197"))  # the meters did not move since November
    assert (clearance(app, MO).status, owed(app), fee_answers(app)) == ("confirmed", 0, ["billing.clearance_confirmed"])


def test_a_payment_does_not_decide_a_check_that_waits_for_the_meters(app):
    paid_up_then_requested(app)
    app.command("record_payment", payment("50.00", receipt_no="SK-T-0010", unit_id=UNIT), CASHIER)  # prepaid
    assert (clearance(app, MO).status, fee_answers(app)) == ("awaiting_meters", [])
    app.deliver(supply_cut(app))                                              # 39.97 billed, 50.00 paid ahead
    assert (clearance(app, MO).status, fee_answers(app)) == ("confirmed", ["billing.clearance_confirmed"])


def test_a_unit_with_no_metered_tariff_in_force_is_decided_at_once(app):
    without_metered_tariffs(app)
    c = paid_up_then_requested(app)
    assert (c.status, fee_answers(app)) == ("confirmed", ["billing.clearance_confirmed"])
    app.deliver(supply_cut(app))           # readings without a tariff bill nothing: the decision stands
    assert (clearance(app, MO).status, owed(app), fee_answers(app)) == ("confirmed", 0, ["billing.clearance_confirmed"])
    # nor is a unit billing does not bill (no fee account): it owes nothing, confirmed at once
    assert request_clearance(app, "MO-NONE", "9-9-999", "TEN-X").status == "confirmed"


def test_the_same_cut_again_is_absorbed_once_per_move_out(app):
    paid_up_then_requested(app)
    event = supply_cut(app)
    app.deliver(event)
    events, balance = len(app.events()), owed(app)
    assert app.deliver(event) == []                                          # redelivered: the inbox
    assert app.deliver(supply_cut(app)) == [on_unit_supply_cut.__name__]     # announced again: nothing new
    assert (len(app.events()), owed(app), fee_answers(app)) == (events, balance, ["billing.clearance_failed"])
    with app.session() as s:
        assert len(s.scalars(select(MeterReading).where(MeterReading.unit_id == UNIT,
                                                        MeterReading.source == "final")).all()) == 2


def test_a_held_final_reading_keeps_the_check_waiting_until_corrected(app):
    paid_up_then_requested(app)
    app.deliver(supply_cut(app, water="111", electricity=None))             # lower than 112: held, not billed
    assert (clearance(app, MO).status, owed(app), fee_answers(app)) == ("readings_held", 0, [])
    # the readings the desk reads name the move-out a final reading belongs to (its fee line: 抄表待复核)
    assert [(r["state"], r["source"], r["move_out_id"]) for r in app.query("list_meter_readings", None, "held", UNIT)] \
        == [("held", "final", MO)]
    app.command("record_payment", payment("1.00", receipt_no="SK-T-0011", unit_id=UNIT), CASHIER)
    assert (clearance(app, MO).status, fee_answers(app)) == ("readings_held", [])  # a payment decides nothing
    fixed = app.command("correct_meter_reading", {"reading_id": held_reading_id(app), "reading": "114",
                                                  "note": "读错了"}, SUPERVISOR)
    # 112 -> 114: 2 m³ × ¥4.90 = 9.80, less the 1.00 paid ahead
    assert (fixed["state"], owed(app)) == ("billed", Decimal("8.80"))
    c = clearance(app, MO)
    assert (c.status, c.last_outstanding, fee_answers(app)) == ("pending", Decimal("8.80"), ["billing.clearance_failed"])


def test_a_held_final_reading_accepted_as_read_decides_the_check(app):
    paid_up_then_requested(app)
    app.deliver(supply_cut(app, water="111", electricity="2197"))           # water held; electricity unchanged
    assert clearance(app, MO).status == "readings_held"
    app.command("accept_meter_reading", {"reading_id": held_reading_id(app), "note": "表已更换 new meter"}, SUPERVISOR)
    assert (clearance(app, MO).status, owed(app), fee_answers(app)) == ("confirmed", 0, ["billing.clearance_confirmed"])


def test_a_cut_that_overtakes_the_request_lets_the_request_decide_at_once(app):
    if owed(app) > 0:
        app.command("record_payment", payment(str(owed(app)), unit_id=UNIT), CASHIER)
    app.deliver(supply_cut(app))                                              # tickets' event came first
    assert (clearance(app, MO).status, owed(app), fee_answers(app)) == ("meters_read", Decimal("39.97"), [])
    c = request_clearance(app, MO, UNIT, TENANT)
    assert (c.status, c.party_id, c.last_outstanding) == ("pending", TENANT, Decimal("39.97"))
    assert fee_answers(app) == ["billing.clearance_failed"]
    assert request_clearance(app, MO, UNIT, TENANT).status == "pending" and len(fee_answers(app)) == 1


def test_a_withdrawn_move_out_waiting_for_the_meters_is_not_decided_by_the_cut(app):
    paid_up_then_requested(app)
    app.deliver(app.event("move_out.withdrawn", {"move_out_id": MO, "unit_id": UNIT, "estate": "E1",
                                                 "reason": "租户续租", "withdrawn_at": app.clock.now().isoformat()},
                          correlation_id=MO, producer="residents"))
    assert clearance(app, MO).status == "withdrawn"
    app.deliver(supply_cut(app))
    assert (clearance(app, MO).status, fee_answers(app)) == ("withdrawn", [])


def test_baselines_bill_nothing_and_a_unit_billing_does_not_bill_records_nothing(app):
    # 1-1-702 owes its two unpaid months and its meters were never read: the final readings are
    # baselines (bill nothing); the check, waiting for them, is decided on the cut with what is owed
    assert request_clearance(app, "MO-ARR").status == "awaiting_meters"
    cut = supply_cut(app, unit_id=ARREARS_UNIT)
    cut.payload["move_out_id"] = "MO-ARR"
    app.deliver(cut)
    c = clearance(app, "MO-ARR")
    assert (c.status, c.last_outstanding) == ("pending", Decimal(ARREARS))
    assert fee_answers(app, "MO-ARR") == ["billing.clearance_failed"]
    with app.session() as s:
        assert [(r.state, r.consumption) for r in s.scalars(select(MeterReading).where(
            MeterReading.unit_id == ARREARS_UNIT))] == [("ok", None), ("ok", None)]
    other = harness(DEC_10)
    other.deliver(supply_cut(other, unit_id="9-9-999"))
    with other.session() as s:
        assert s.scalars(select(MeterReading).where(MeterReading.unit_id == "9-9-999")).all() == []
    assert [a["action"] for a in trail(other, object_id=MO)] == ["clearance.final_readings"]


# --- a later move-out of the same unit: it waits for its own final readings only -------------------
#: 2027-01-12 10:00 Beijing: the unit's next tenant leaves; the earlier move-out's December reading is still held
JAN_12 = datetime(2027, 1, 12, 2, 0, tzinfo=timezone.utc)
MO_NEXT, TENANT_NEXT = "MO-20270112-0001", "TEN-1-1-101-B"


def withdraw(app, move_out_id=MO):
    app.deliver(app.event("move_out.withdrawn", {"move_out_id": move_out_id, "unit_id": UNIT, "estate": "E1",
                                                 "reason": "租户续租", "withdrawn_at": app.clock.now().isoformat()},
                          correlation_id=move_out_id, producer="residents"))


def an_earlier_move_out_left_a_reading_held(app, water=None, electricity=None):
    """December: the move-out MO's cut brings a final reading the checks hold, then MO is withdrawn
    (its reading stays held, nobody reviews it). January: the unit's next tenant moves out."""
    paid_up_then_requested(app)
    app.deliver(supply_cut(app, water=water, electricity=electricity))
    assert clearance(app, MO).status == "readings_held"
    withdraw(app)
    app.clock.set(JAN_12)


def cut_next(app, readings):
    return support_supply_cut(app, MO_NEXT, UNIT, readings)


@pytest.mark.parametrize("cut_first", [False, True], ids=["request_then_cut", "cut_then_request"])
def test_a_held_final_reading_of_an_earlier_move_out_does_not_keep_the_next_one_waiting(app, cut_first):
    an_earlier_move_out_left_a_reading_held(app, water="111")               # lower than November's 112: held
    if cut_first:
        app.deliver(cut_next(app, {"water": "118", "electricity": "2217"}))
        assert clearance(app, MO_NEXT).status == "meters_read"
    c = request_clearance(app, MO_NEXT, UNIT, TENANT_NEXT)
    if not cut_first:
        assert (c.status, fee_answers(app, MO_NEXT)) == ("awaiting_meters", [])
        app.deliver(cut_next(app, {"water": "118", "electricity": "2217"}))
    # its own readings count from November (the held December one does not count): 6 m³ + 20 kWh = 39.97
    c = clearance(app, MO_NEXT)
    assert (c.status, c.last_outstanding, owed(app)) == ("pending", Decimal("39.97"), Decimal("39.97"))
    assert fee_answers(app, MO_NEXT) == ["billing.clearance_failed"]
    assert (clearance(app, MO).status, fee_answers(app)) == ("withdrawn", [])
    with app.session() as s:
        assert {(r.period, r.meter, r.state, r.move_out_id) for r in s.scalars(select(MeterReading).where(
            MeterReading.unit_id == UNIT, MeterReading.source == "final"))} == {
            ("2026-12", "water", "held", MO), ("2027-01", "water", "billed", MO_NEXT),
            ("2027-01", "electricity", "billed", MO_NEXT)}


def test_the_earlier_move_outs_reading_accepted_later_is_billed_once_and_decides_nothing_of_the_next(app):
    # December's electricity 2197 -> 2797: 600 kWh against November's 157, beyond 3x: held
    an_earlier_move_out_left_a_reading_held(app, electricity="2797")
    request_clearance(app, MO_NEXT, UNIT, TENANT_NEXT)
    app.deliver(cut_next(app, {"water": "118"}))                           # 6 m³ × ¥4.90: 29.40
    c = clearance(app, MO_NEXT)
    assert (c.status, c.last_outstanding, fee_answers(app, MO_NEXT)) == (
        "pending", Decimal("29.40"), ["billing.clearance_failed"])
    decided = len(trail(app, object_id=MO_NEXT))
    app.command("accept_meter_reading", {"reading_id": held_reading_id(app), "note": "空调整月运行 confirmed"},
                SUPERVISOR)
    # billed once, on the unit's ledger (600 kWh × ¥0.5283 = 316.98), as the earlier move-out's reading
    assert owed(app) == Decimal("29.40") + Decimal("316.98")
    assert sorted((json.loads(a.details)["period"], json.loads(a.details)["amount"])
                  for a in app.audit("meter_reading.bill_final")) == [("2026-12", "316.98"), ("2027-01", "29.40")]
    # the next move-out's check was decided on its own cut: not decided, re-checked or announced again
    c = clearance(app, MO_NEXT)
    assert (c.status, c.last_outstanding, fee_answers(app, MO_NEXT)) == (
        "pending", Decimal("29.40"), ["billing.clearance_failed"])
    assert len(trail(app, object_id=MO_NEXT)) == decided
    assert (clearance(app, MO).status, fee_answers(app)) == ("withdrawn", [])


def test_a_held_reading_that_a_later_reading_counted_past_is_not_accepted_billing_it_twice(app):
    # December's water 150: 38 m³ against November's 9, beyond 3x: held; January's final counts from November
    an_earlier_move_out_left_a_reading_held(app, water="150")
    request_clearance(app, MO_NEXT, UNIT, TENANT_NEXT)
    app.deliver(cut_next(app, {"water": "118"}))                           # 112 -> 118 billed: 29.40
    assert (clearance(app, MO_NEXT).status, owed(app)) == ("pending", Decimal("29.40"))
    # accepting December's 150 now would bill 112 -> 150 again over January's 112 -> 118
    with pytest.raises(Conflict) as e:
        app.command("accept_meter_reading", {"reading_id": held_reading_id(app), "note": "x"}, SUPERVISOR)
    assert (e.value.field, e.value.rule) == ("period", "later_reading_exists")
    assert (owed(app), fee_answers(app, MO_NEXT)) == (Decimal("29.40"), ["billing.clearance_failed"])


def test_the_cut_claims_the_exit_months_final_reading_entered_at_the_counter(app):
    paid_up_then_requested(app)
    held = app.command("record_meter_reading", {"unit_id": UNIT, "meter": "water", "period": "2026-12",
                                                "reading": "111", "read_on": "2026-12-10", "final": True}, ENGINEER)
    app.deliver(supply_cut(app, water="118", electricity=None))  # the month's final water reading is there already
    with app.session() as s:
        assert s.get(MeterReading, held["reading_id"]).move_out_id == MO
    assert (clearance(app, MO).status, fee_answers(app)) == ("readings_held", [])  # it waits for that one
    app.command("correct_meter_reading", {"reading_id": held["reading_id"], "reading": "114", "note": "读错了"},
                SUPERVISOR)
    assert (clearance(app, MO).status, owed(app), fee_answers(app)) == ("pending", Decimal("9.80"),
                                                                        ["billing.clearance_failed"])
