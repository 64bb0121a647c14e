"""The final meter reading at move-out (domain.md §2.6 METERS_READ_AND_CUT, issue #10 §1): read as
of the exit date, billed at once up to it (a ``meter`` charge on the ledger, so the balance, the
fee clearance and the deposit see it), never billed again by the month's run, and the meter's next
reading counts from it."""
from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

import pytest

from propdesk.errors import Conflict, ValidationError
from propdesk_services.billing.tests.unit.billing_run.support import drafted_run, harness, notices
from propdesk_services.billing.tests.unit.cycle import ENGINEER, SUPERVISOR, rules

#: 2026-12-10 10:00 in Beijing: the tenant of 1-1-101 left on the 8th (water read 112 in November)
DEC_10 = datetime(2026, 12, 10, 2, 0, tzinfo=timezone.utc)
UNIT = "1-1-101"


@pytest.fixture
def app():
    return harness(DEC_10)


def final(value: str, meter: str = "water", read_on: str | None = "2026-12-08", period: str = "2026-12") -> dict:
    return {"unit_id": UNIT, "meter": meter, "period": period, "reading": value, "read_on": read_on, "final": True}


def owed(app) -> Decimal:
    return Decimal(app.query("get_balance", UNIT)["outstanding"])


def test_a_final_reading_is_billed_at_once_up_to_the_exit_date(app):
    before = owed(app)
    out = app.command("record_meter_reading", final("118"), ENGINEER)
    # 112 -> 118: 6 m³ x ¥4.90 (E1 residential water), charged in the exit month
    assert (out["state"], out["source"], out["consumption"], out["read_on"]) == ("billed", "final", "6.00", "2026-12-08")
    assert owed(app) == before + Decimal("29.40")
    [audit] = app.audit("meter_reading.bill_final")
    assert '"amount": "29.40"' in audit.details and out["reading_no"] in audit.details
    # billed: never corrected any more
    with pytest.raises(Conflict) as e:
        app.command("correct_meter_reading", {"reading_id": out["reading_id"], "reading": "119", "note": "x"}, ENGINEER)
    assert e.value.rule == "reading_billed"


def test_the_months_run_does_not_bill_it_again_and_the_next_reading_counts_from_it(app):
    app.command("record_meter_reading", final("118"), ENGINEER)
    run = drafted_run(app, "E1", "2026-12")
    [n] = notices(app, run["run_id"], unit_id=UNIT)
    items = {x["item"] for x in app.query("get_fee_notice", n["notice_id"])["lines"]}
    assert "water" not in items and "property_fee" in items
    # the arrears brought forward include the final reading's charge (already on the ledger)
    assert Decimal(n["arrears_before"]) >= Decimal("29.40")
    nxt = app.command("record_meter_reading", {"unit_id": UNIT, "meter": "water", "period": "2027-01",
                                               "reading": "125"}, ENGINEER)
    assert (nxt["previous"], nxt["consumption"], nxt["state"]) == ("118.00", "7.00", "ok")


def test_a_held_final_reading_bills_once_accepted(app):
    before = owed(app)
    held = app.command("record_meter_reading", final("111"), ENGINEER)  # lower than 112: held, not billed
    assert (held["state"], held["hold_rule"]) == ("held", "lower_than_last")
    assert owed(app) == before and app.audit("meter_reading.bill_final") == []
    fixed = app.command("correct_meter_reading", {"reading_id": held["reading_id"], "reading": "114",
                                                  "note": "读错了"}, ENGINEER)
    assert (fixed["state"], fixed["consumption"]) == ("billed", "2.00")
    assert owed(app) == before + Decimal("9.80")


def test_a_jump_held_then_accepted_is_billed(app):
    before = owed(app)
    held = app.command("record_meter_reading", final("150"), ENGINEER)  # 38 used, 9 last month: > 3x
    assert held["state"] == "held"
    out = app.command("accept_meter_reading", {"reading_id": held["reading_id"], "note": "撤场前清洗用水"}, SUPERVISOR)
    assert out["state"] == "billed"
    assert owed(app) == before + Decimal("186.20")  # 38 x 4.90


def test_a_final_reading_names_its_exit_date_and_month(app):
    with pytest.raises(ValidationError) as e:
        app.command("record_meter_reading", final("118", read_on=None), ENGINEER)
    assert rules(e.value) == {("read_on", "required")}
    with pytest.raises(ValidationError) as e:
        app.command("record_meter_reading", final("118", period="2026-11"), ENGINEER)
    assert rules(e.value) == {("period", "not_exit_month")}
    with pytest.raises(ValidationError) as e:
        app.command("record_meter_reading", final("118", read_on="2026-12-11"), ENGINEER)
    assert ("read_on", "not_in_future") in rules(e.value)
    assert app.audit("meter_reading.record") == []  # nothing recorded

