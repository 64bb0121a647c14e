"""Fee schedules, pure rules: periods, validation, which schedule is in force, rounding."""
from __future__ import annotations

from decimal import Decimal

import pytest

from propdesk.errors import ValidationError
from propdesk_services.billing.tests.unit.cycle import rules
from propdesk_services.billing.workflows.fee_schedules import domain

GOOD = {"estate": "E1", "unit_kind": "residential", "item": "property_fee", "basis": "per_area",
        "unit_price": "2.50", "effective_from": "2026-11"}


def test_periods():
    assert domain.next_period("2026-12") == "2027-01" and domain.previous_period("2027-01") == "2026-12"
    assert domain.next_period("2026-03") == "2026-04" and domain.previous_period("2026-10") == "2026-09"
    assert domain.is_period("2026-11") and not domain.is_period("2026-13") and not domain.is_period("2026-1")
    with pytest.raises(ValidationError) as e:
        domain.check_period("11/2026")
    assert rules(e.value) == {("period", "period_format")}


def test_a_good_schedule():
    s = domain.validate_schedule(GOOD, None)
    assert (s.unit_price, s.effective_to, s.jump_factor) == (Decimal("2.50"), None, None)


def test_every_problem_at_once():
    with pytest.raises(ValidationError) as e:
        domain.validate_schedule({"estate": "E9", "unit_kind": "castle", "item": "moat", "basis": "vibes",
                                  "unit_price": "-1", "effective_from": "2026-13"}, None)
    assert rules(e.value) == {("estate", "one_of"), ("unit_kind", "one_of"), ("item", "one_of"), ("basis", "one_of"),
                              ("unit_price", "not_negative"), ("effective_from", "period_format")}


@pytest.mark.parametrize("change, problem", [
    ({"item": "water"}, ("basis", "metered_item")),
    ({"basis": "per_reading"}, ("basis", "metered_item")),
    ({"unit_price": "2.12345"}, ("unit_price", "max_4_decimals")),
    ({"unit_price": "abc"}, ("unit_price", "decimal")),
    ({"unit_price": None}, ("unit_price", "required")),
    ({"effective_to": "2026-10"}, ("effective_to", "ends_before_start")),
    ({"jump_factor": "3"}, ("jump_factor", "per_reading_only")),
    ({"item": "water", "basis": "per_reading", "jump_factor": "1"}, ("jump_factor", "min_factor")),
])
def test_a_rule(change, problem):
    with pytest.raises(ValidationError) as e:
        domain.validate_schedule({**GOOD, **change}, None)
    assert rules(e.value) == {problem}


def test_another_estates_schedule_is_refused():
    with pytest.raises(ValidationError) as e:
        domain.validate_schedule(GOOD, ("E2",))
    assert rules(e.value) == {("estate", "not_your_estate")}


def test_the_schedule_in_force_is_the_latest_not_after_the_period_and_not_ended():
    old = domain.Schedule("E1", "residential", "property_fee", "per_area", Decimal("2.30"), "2025-01")
    new = domain.Schedule("E1", "residential", "property_fee", "per_area", Decimal("2.50"), "2026-11")
    heat = domain.Schedule("E1", "residential", "heating", "per_area", Decimal("5.80"), "2026-11", "2027-03")
    other = domain.Schedule("E1", "office", "property_fee", "per_area", Decimal("8"), "2020-01")
    found = domain.applicable([old, new, heat, other], "E1", "residential", "2026-10")
    assert found == {"property_fee": old}
    assert domain.applicable([old, new, heat, other], "E1", "residential", "2026-12") == {"property_fee": new, "heating": heat}
    assert domain.applicable([old, new, heat, other], "E1", "residential", "2027-04") == {"property_fee": new}


def test_amounts_round_half_up_to_the_fen():
    assert domain.line_amount(Decimal("65.38"), Decimal("2.50")) == Decimal("163.45")
    assert domain.line_amount(Decimal("1"), Decimal("0.005")) == Decimal("0.01")
    assert domain.line_amount(Decimal("150"), Decimal("0.5283")) == Decimal("79.25")


def test_a_billed_unit():
    with pytest.raises(ValidationError) as e:
        domain.validate_billed_unit({"unit_id": " ", "estate": "E1", "kind": "residential", "area_m2": "0",
                                     "parking_spaces": -1}, None)
    assert rules(e.value) == {("unit_id", "required"), ("area_m2", "positive_amount"), ("parking_spaces", "not_negative")}
