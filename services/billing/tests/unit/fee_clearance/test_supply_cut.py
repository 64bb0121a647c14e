"""``unit.supply_cut`` (METERS_READ_AND_CUT, domain.md §2.6) on billing's harness: engineering's
final readings are recorded by the final-reading rules and billed at once, and the move-out's fee
check is re-decided with them, once per move-out (issue #10: a tenant cleared before the last
month's water and electricity were billed)."""
from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select

from propdesk_services.billing.tests.unit.billing_run.support import harness
from propdesk_services.billing.tests.unit.support import ARREARS, ARREARS_UNIT, CASHIER, clearance, outbox, payment, request_clearance, trail
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


def cleared_then_cut(app):
    """The move-out is requested and its fees paid (cleared), then engineering reads and cuts."""
    request_clearance(app, MO, UNIT, TENANT)
    if owed(app) > 0:
        app.command("record_payment", payment(str(owed(app)), unit_id=UNIT), CASHIER)
    assert clearance(app, MO).status == "confirmed"


def test_the_final_readings_are_billed_and_a_cleared_move_out_owes_them_again(app):
    cleared_then_cut(app)
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
    [failed] = [e for e in app.events() if e.correlation_id == MO and e.event_type == "billing.clearance_failed"]
    assert failed.payload["outstanding_amount"] == "39.97" and failed.payload["move_out_id"] == MO
    assert [a["action"] for a in trail(app, object_id=MO)][-2:] == ["clearance.final_readings", "clearance.redecide"]
    # paying the last month's water and electricity clears the move-out
    app.command("record_payment", payment("39.97", receipt_no="SK-T-0009", unit_id=UNIT), CASHIER)
    assert clearance(app, MO).status == "confirmed"
    assert outbox(app, MO)[-1] == "billing.clearance_confirmed"


def test_the_same_cut_again_is_absorbed_once_per_move_out(app):
    cleared_then_cut(app)
    event = supply_cut(app)
    app.deliver(event)
    events, balance = len(app.events()), owed(app)
    assert app.deliver(event) == []                                          # redelivered: the inbox
    assert app.deliver(supply_cut(app)) == [on_unit_supply_cut.__name__]     # announced again: nothing new
    assert (len(app.events()), owed(app)) == (events, balance)
    with app.session() as s:
        assert len(s.scalars(select(MeterReading).where(MeterReading.unit_id == UNIT,
                                                        MeterReading.source == "final")).all()) == 2


def test_a_held_final_reading_keeps_the_move_out_pending_until_accepted(app):
    cleared_then_cut(app)
    app.deliver(supply_cut(app, water="111", electricity=None))             # lower than 112: held, not billed
    assert owed(app) == 0 and clearance(app, MO).status == "confirmed"
    with app.session() as s:
        held = s.scalar(select(MeterReading).where(MeterReading.unit_id == UNIT, MeterReading.state == "held"))
        reading_id = held.reading_id
    fixed = app.command("correct_meter_reading", {"reading_id": reading_id, "reading": "114", "note": "读错了"},
                        {"id": "fin-sup", "role": "finance_supervisor"})
    assert (fixed["state"], owed(app)) == ("billed", Decimal("9.80"))


def test_baselines_bill_nothing_and_a_unit_billing_does_not_bill_records_nothing(app):
    # 1-1-702 owes its two unpaid months and its meters were never read: the final readings are
    # baselines (bill nothing), the pending fee check keeps its amount and nothing is announced again
    request_clearance(app, "MO-ARR")
    c = clearance(app, "MO-ARR")
    assert (c.status, c.last_outstanding) == ("pending", Decimal(ARREARS))
    events = len(app.events())
    cut = supply_cut(app, unit_id=ARREARS_UNIT)
    cut.payload["move_out_id"] = "MO-ARR"
    app.deliver(cut)
    c = clearance(app, "MO-ARR")
    assert (c.status, c.last_outstanding, len(app.events())) == ("pending", Decimal(ARREARS), events)
    with app.session() as s:
        assert [(r.state, r.consumption) for r in s.scalars(select(MeterReading).where(
            MeterReading.unit_id == ARREARS_UNIT))] == [("ok", None), ("ok", None)]
    other = harness(DEC_10)
    other.deliver(supply_cut(other, unit_id="9-9-999"))
    with other.session() as s:
        assert s.scalars(select(MeterReading).where(MeterReading.unit_id == "9-9-999")).all() == []
    assert [a["action"] for a in trail(other, object_id=MO)] == ["clearance.final_readings"]
