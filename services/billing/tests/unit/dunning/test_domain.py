"""Dunning, pure rules: the 11th working day (调休 included, 2027 by the fallback), unpaid months."""
from __future__ import annotations

import logging
from datetime import date
from decimal import Decimal as D

import pytest

from propdesk.chassis.calendar import WorkingCalendar
from propdesk_services.billing.workflows.dunning import domain

# the 11th working day of each month of 2026 on China's calendar (State Council notice for 2026)
ELEVENTH_2026 = {
    1: date(2026, 1, 16),   # New Year 1-3 Jan off, Sunday 4 Jan worked
    2: date(2026, 2, 14),   # Saturday 14 Feb is a 调休 working day before the Spring Festival
    3: date(2026, 3, 16), 4: date(2026, 4, 16), 5: date(2026, 5, 19), 6: date(2026, 6, 15),
    7: date(2026, 7, 15), 8: date(2026, 8, 17), 9: date(2026, 9, 15),
    10: date(2026, 10, 21),  # National Day week 1-7 Oct off
    11: date(2026, 11, 16), 12: date(2026, 12, 15),
}


@pytest.mark.parametrize("month, day", sorted(ELEVENTH_2026.items()))
def test_the_dunning_day_is_the_11th_working_day_of_the_following_month(month, day):
    period = f"{2026 - (month == 1):04d}-{12 if month == 1 else month - 1:02d}"
    assert domain.dunning_day(WorkingCalendar(), period) == day


def test_due_from_the_11th_working_day_not_on_the_10th():
    cal = WorkingCalendar()
    assert domain.period_due(date(2026, 10, 20), cal) is None
    assert domain.period_due(date(2026, 10, 21), cal) == "2026-09"
    assert domain.period_due(date(2026, 10, 31), cal) == "2026-09"  # a timer that missed the day catches up
    assert domain.period_due(date(2026, 2, 13), cal) is None       # Friday, the 10th
    assert domain.period_due(date(2026, 2, 14), cal) == "2026-01"  # the make-up Saturday


def test_2027_falls_back_to_weekdays_loudly_and_never_crashes(caplog):
    cal = WorkingCalendar()
    with caplog.at_level(logging.WARNING):
        assert domain.dunning_day(cal, "2026-12") == date(2027, 1, 15)  # Mon-Fri from 1 Jan (a Friday)
    assert "no holiday data for 2027" in caplog.text
    overrides = WorkingCalendar(holidays=[date(2027, 1, 1)])             # an override file for 2027
    assert domain.dunning_day(overrides, "2026-12") == date(2027, 1, 18)


def test_a_month_too_short_in_a_broken_override_falls_back_to_its_last_day(caplog):
    cal = WorkingCalendar(holidays=[date(2027, 3, d) for d in range(1, 32)])
    assert domain.dunning_day(cal, "2027-02") == date(2027, 3, 31)
    assert "last day of the month" in caplog.text


def test_payments_settle_the_oldest_months_first():
    charged = {"2026-09": D("100"), "2026-10": D("100"), "2026-11": D("150")}
    assert domain.unpaid_periods(charged, D("150")) == [("2026-10", D("50.00")), ("2026-11", D("150.00"))]
    assert domain.unpaid_periods(charged, D("350")) == []
    assert domain.unpaid_periods(charged, D("400")) == []
    assert domain.unpaid_periods(charged, D("0")) == [("2026-09", D("100.00")), ("2026-10", D("100.00")),
                                                      ("2026-11", D("150.00"))]
