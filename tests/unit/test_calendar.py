"""China's working days: package data for 2004-2026, overrides, and the fallback for later years.

Plain pytest: no broker, no network. Dates for 2026 are the package's (chinesecalendar 1.11.0),
which follow the State Council's notice: National Day 10-01..07 off, Saturday 10-10 worked (调休).
"""
from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

import pytest

from propdesk.chassis.calendar import (
    CALENDAR_FILE_ENV,
    CalendarConfigError,
    WorkingCalendar,
)

LOGGER = "propdesk.chassis.calendar"


@pytest.fixture
def cal() -> WorkingCalendar:
    return WorkingCalendar()


def _warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == LOGGER and r.levelno == logging.WARNING]


# ---- the package's data (2026) ---------------------------------------------------------------


def test_national_day_2026_is_seven_days_off(cal):
    golden_week = [date(2026, 10, d) for d in range(1, 8)]
    # Thursday 10-01 .. Wednesday 10-07: five of these are weekdays, off only because of the holiday
    assert [d.weekday() < 5 for d in golden_week].count(True) == 5
    assert [cal.is_working_day(d) for d in golden_week] == [False] * 7
    assert cal.is_working_day(date(2026, 10, 8))  # back to work on Thursday
    assert cal.is_working_day(date(2026, 9, 30))  # Wednesday before


@pytest.mark.parametrize("make_up_day", [date(2026, 10, 10), date(2026, 9, 20), date(2026, 2, 14)])
def test_tiaoxiu_make_up_weekend_day_is_a_working_day(cal, make_up_day):
    assert make_up_day.weekday() >= 5, "precondition: a Saturday or Sunday"
    assert cal.is_working_day(make_up_day)
    # ... while the weekend days around it are ordinary days off
    assert not cal.is_working_day(date(2026, 10, 11))  # the Sunday after 10-10


def test_ordinary_weekend_is_off_and_weekday_is_on(cal):
    assert not cal.is_working_day(date(2026, 11, 21))  # Saturday
    assert not cal.is_working_day(date(2026, 11, 22))  # Sunday
    assert cal.is_working_day(date(2026, 11, 23))  # Monday


def test_datetime_is_cut_to_its_date(cal):
    assert not cal.is_working_day(datetime(2026, 10, 1, 9, 30))
    assert cal.is_working_day(datetime(2026, 10, 10, 23, 59))


# ---- nth_working_day ---------------------------------------------------------------------------


def test_nth_working_day_in_a_month_with_a_holiday(cal):
    # October 2026: 1-7 off, Thu 8, Fri 9, Sat 10 (调休), then Mon 12 ...
    assert cal.nth_working_day(2026, 10, 1) == date(2026, 10, 8)
    assert cal.nth_working_day(2026, 10, 3) == date(2026, 10, 10)
    assert cal.nth_working_day(2026, 10, 4) == date(2026, 10, 12)
    # "dunning on the 11th working day": without the holiday it would be Thursday 10-15
    assert cal.nth_working_day(2026, 10, 11) == date(2026, 10, 21)


def test_nth_working_day_spring_festival_month(cal):
    # February 2026: 15-23 off, Saturdays 14 and 28 worked; 2-2..2-13 are ten ordinary weekdays
    assert cal.nth_working_day(2026, 2, 10) == date(2026, 2, 13)
    assert cal.nth_working_day(2026, 2, 11) == date(2026, 2, 14)
    assert cal.nth_working_day(2026, 2, 12) == date(2026, 2, 24)


def test_nth_working_day_rejects_impossible_requests(cal):
    with pytest.raises(ValueError, match="only 1[0-9] working days"):
        cal.nth_working_day(2026, 10, 25)
    with pytest.raises(ValueError):
        cal.nth_working_day(2026, 10, 0)


# ---- add_working_days / working_days_between ----------------------------------------------------


def test_add_working_days_across_national_day(cal):
    assert cal.add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 8)
    assert cal.add_working_days(date(2026, 9, 30), 3) == date(2026, 10, 10)  # the 调休 Saturday
    assert cal.add_working_days(date(2026, 9, 30), 4) == date(2026, 10, 12)


def test_add_working_days_across_mid_autumn(cal):
    # Thursday 09-24 + 1: Fri 25 .. Sun 27 are the Mid-Autumn holiday
    assert cal.add_working_days(date(2026, 9, 24), 1) == date(2026, 9, 28)


def test_add_working_days_from_a_holiday_and_zero(cal):
    # a request filed during the holiday: "3 working days" counts from the first day back
    assert cal.add_working_days(date(2026, 10, 3), 3) == date(2026, 10, 10)
    assert cal.add_working_days(date(2026, 10, 3), 0) == date(2026, 10, 3)
    with pytest.raises(ValueError):
        cal.add_working_days(date(2026, 10, 3), -1)


def test_working_days_between(cal):
    assert cal.working_days_between(date(2026, 9, 30), date(2026, 10, 10)) == 3
    assert cal.working_days_between(date(2026, 10, 10), date(2026, 9, 30)) == -3
    assert cal.working_days_between(date(2026, 10, 1), date(2026, 10, 7)) == 0
    assert cal.working_days_between(date(2026, 10, 8), date(2026, 10, 8)) == 0


def test_between_inverts_add_for_every_day_of_2026(cal):
    d = date(2026, 1, 1)
    while d <= date(2026, 11, 30):
        for n in (0, 1, 3, 11):
            later = cal.add_working_days(d, n)
            assert cal.working_days_between(d, later) == n, (d, n)
            if n:
                assert cal.is_working_day(later), (d, n)
        d += timedelta(days=1)


# ---- overrides ---------------------------------------------------------------------------------


def test_constructor_overrides_the_package_both_ways():
    cal = WorkingCalendar(holidays={date(2026, 10, 9)}, workdays={date(2026, 10, 3)})
    assert not cal.is_working_day(date(2026, 10, 9))  # a package working day, closed locally
    assert cal.is_working_day(date(2026, 10, 3))  # a package holiday, open locally
    assert cal.is_working_day(date(2026, 10, 8))  # untouched days keep the package's answer


def test_a_date_cannot_be_both_holiday_and_workday():
    with pytest.raises(ValueError, match="2027-01-01"):
        WorkingCalendar(holidays={date(2027, 1, 1)}, workdays={date(2027, 1, 1)})


OVERRIDE_2027 = """\
# a made-up 2027 schedule for the test
holidays:
  - 2027-01-01
  - 2027-02-08
  - 2027-02-09
  - 2027-02-10
workdays: [2027-02-06, "2027-02-20"]
"""


def test_override_file_for_2027(tmp_path, monkeypatch, caplog):
    path = tmp_path / "calendar.yaml"
    path.write_text(OVERRIDE_2027, encoding="utf-8")
    monkeypatch.setenv(CALENDAR_FILE_ENV, str(path))
    caplog.set_level(logging.WARNING, logger=LOGGER)

    cal = WorkingCalendar.from_config()

    assert cal.source == str(path)
    assert not cal.is_working_day(date(2027, 1, 1))  # a Friday, listed as a holiday
    assert cal.is_working_day(date(2027, 2, 6))  # a Saturday, listed as a workday
    assert cal.is_working_day(date(2027, 2, 20))  # quoted dates are accepted too
    assert cal.is_working_day(date(2027, 1, 4))  # an unlisted Monday
    assert not cal.is_working_day(date(2027, 1, 3))  # an unlisted Sunday
    assert cal.nth_working_day(2027, 1, 1) == date(2027, 1, 4)
    assert cal.add_working_days(date(2027, 2, 5), 2) == date(2027, 2, 11)  # Sat 6, then Thu 11
    # 2026 still comes from the package
    assert not cal.is_working_day(date(2026, 10, 1))
    # the year is configured, so no fallback warning
    assert _warnings(caplog) == []


def test_no_env_var_means_no_overrides(monkeypatch):
    monkeypatch.delenv(CALENDAR_FILE_ENV, raising=False)
    cal = WorkingCalendar.from_config()
    assert cal.holidays == frozenset() and cal.workdays == frozenset()
    assert cal.source is None


# ---- fallback for years the package does not know ----------------------------------------------


def test_2027_without_override_falls_back_to_weekdays_and_warns_once(caplog):
    caplog.set_level(logging.WARNING, logger=LOGGER)
    cal = WorkingCalendar()

    assert cal.is_working_day(date(2027, 1, 1))  # a Friday: New Year unknown, so working
    assert not cal.is_working_day(date(2027, 1, 2))  # Saturday
    assert not cal.is_working_day(date(2027, 1, 3))  # Sunday
    assert cal.nth_working_day(2027, 1, 2) == date(2027, 1, 4)
    assert cal.add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 1)

    warnings = _warnings(caplog)
    assert len(warnings) == 1, warnings
    assert "2027" in warnings[0] and CALENDAR_FILE_ENV in warnings[0]

    cal.is_working_day(date(2028, 3, 1))
    warnings = _warnings(caplog)
    assert len(warnings) == 2 and "2028" in warnings[1]


def test_no_warning_for_years_the_package_knows(caplog):
    caplog.set_level(logging.WARNING, logger=LOGGER)
    cal = WorkingCalendar()
    cal.working_days_between(date(2026, 1, 1), date(2026, 12, 31))
    assert _warnings(caplog) == []


# ---- bad override files ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("holidays: [2027-01-01\n", "not valid YAML"),
        ("holidays: [2027-02-30]\n", "impossible date"),
        ("holidays: 2027-01-01\n", "must be a list"),
        ("holidays: [next friday]\n", "not a YYYY-MM-DD date"),
        ("holidays: [2027-01-01 10:00:00]\n", "without a time"),
        ("holiday: [2027-01-01]\n", "unknown key"),
        ("- 2027-01-01\n", "must be a mapping"),
        ("holidays: [2027-01-01]\nworkdays: [2027-01-01]\n", "both holidays and workdays"),
    ],
)
def test_bad_override_file_names_the_file(tmp_path, monkeypatch, text, problem):
    path = tmp_path / "broken-calendar.yaml"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setenv(CALENDAR_FILE_ENV, str(path))
    with pytest.raises(CalendarConfigError) as excinfo:
        WorkingCalendar.from_config()
    message = str(excinfo.value)
    assert str(path) in message
    assert CALENDAR_FILE_ENV in message
    assert problem in message


def test_missing_override_file_names_the_file(tmp_path, monkeypatch):
    path = tmp_path / "nowhere.yaml"
    monkeypatch.setenv(CALENDAR_FILE_ENV, str(path))
    with pytest.raises(CalendarConfigError, match="nowhere.yaml"):
        WorkingCalendar.from_config()
