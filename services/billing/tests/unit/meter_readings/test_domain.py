"""Meter readings, pure rules: the checks that hold a reading, the entry's problems."""
from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from propdesk.errors import Conflict, ValidationError
from propdesk_services.billing.tests.unit.cycle import rules
from propdesk_services.billing.workflows.meter_readings import domain


def test_the_first_reading_is_a_baseline():
    assert domain.check(D("100"), None, None, D("3")) == domain.Check("ok", None, None, None)


def test_lower_than_the_last_is_held():
    assert domain.check(D("99"), D("100"), D("10"), D("3")) == domain.Check("held", "lower_than_last", D("100"), D("-1"))


def test_a_jump_beyond_the_factor_is_held_and_at_the_factor_is_not():
    assert domain.check(D("131"), D("100"), D("10"), D("3")).hold_rule == "jump_beyond_factor"
    assert domain.check(D("130"), D("100"), D("10"), D("3")) == domain.Check("ok", None, D("100"), D("30"))
    assert domain.check(D("131"), D("100"), D("10"), D("4")).state == "ok"


def test_no_jump_check_without_a_last_consumption():
    assert domain.check(D("500"), D("100"), None, D("3")).state == "ok"
    assert domain.check(D("500"), D("100"), D("0"), D("3")).state == "ok"


def test_an_entry_with_every_problem():
    with pytest.raises(ValidationError) as e:
        domain.validate_entry({"unit_id": "", "meter": "gas", "period": "2026/11", "reading": "-3",
                               "read_on": "2026-12-01"}, date(2026, 11, 23), "rows[2].")
    assert rules(e.value) == {("rows[2].unit_id", "required"), ("rows[2].meter", "one_of"),
                              ("rows[2].period", "period_format"), ("rows[2].reading", "not_negative"),
                              ("rows[2].read_on", "not_in_future")}


def test_chinese_meter_words():
    entry = domain.validate_entry({"unit_id": "1-1-101", "meter": "电表", "period": "2026-11", "reading": "12.5"},
                                  date(2026, 11, 23))
    assert (entry.meter, entry.reading, entry.read_on) == ("electricity", D("12.5"), date(2026, 11, 23))


def test_readings_go_forward_and_billed_ones_stay():
    with pytest.raises(Conflict) as e:
        domain.check_not_before_latest("2026-12", "2026-11")
    assert e.value.rule == "later_reading_exists"
    domain.check_not_before_latest("2026-11", "2026-11")

    class Row:
        state, reading_no, notice_no, hold_rule = "billed", "MR-1", "FN-1", None
    with pytest.raises(Conflict):
        domain.check_correctable(Row())
    with pytest.raises(Conflict):
        domain.accept(Row())
    assert domain.next_commands(Row()) == []


def test_a_held_reading_is_superseded_only_once_the_meter_has_passed_it():
    class Row:
        state, reading_no, notice_no, hold_rule, period = "held", "MR-2", None, "lower_than_last", "2026-11"
    row = Row()
    assert domain.next_commands(row) == ["accept_meter_reading", "correct_meter_reading"]
    assert domain.next_commands(row, passed=True) == ["supersede_meter_reading"]
    for later in (None, "2026-11", "2026-10"):  # no later month's reading: accept or correct it instead
        with pytest.raises(Conflict) as e:
            domain.supersede(row, later)
        assert (e.value.field, e.value.rule) == ("period", "no_later_reading")
    domain.supersede(row, "2026-12")
    assert (row.state, row.hold_rule) == ("superseded", "lower_than_last")  # why it was held stays on it
    with pytest.raises(Conflict) as e:
        domain.supersede(row, "2026-12")
    assert e.value.rule == "not_held"
    with pytest.raises(Conflict) as e:
        domain.check_correctable(row)
    assert e.value.rule == "reading_superseded"
    assert domain.next_commands(row) == domain.next_commands(row, passed=True) == []
