"""Working days (工作日) in mainland China, for billing and SLA rules.

Rules such as "dunning on the 11th working day of the month" or "answer within 3 working days"
count China's official working days: statutory holidays (法定节假日) are days off, and the weekend
days the State Council moves work to (调休 make-up working days) are working days.

Whether a date ``d`` is a working day, first rule that applies:

1. ``d`` is in the ``workdays`` overrides: working day.
2. ``d`` is in the ``holidays`` overrides: not a working day.
3. The ``chinese_calendar`` package (PyPI ``chinesecalendar``) knows ``d``'s year (1.11.0 knows
   2004-2026): its answer, i.e. holidays off, 调休 days on, otherwise Monday-Friday.
4. Otherwise Monday-Friday are working days. When the overrides name no date at all in ``d``'s
   year, that year is unconfigured: the first such lookup logs ONE warning for the year (per
   calendar instance) naming the year and ``PROPDESK_CALENDAR_FILE``. When the overrides name any
   date in the year, they are taken as that year's full list of holidays and 调休 days and no
   warning is logged.

Overrides come from the constructor or, through :meth:`WorkingCalendar.from_config`, from the YAML
file named by the environment variable ``PROPDESK_CALENDAR_FILE`` (default: none)::

    # example values: copy the real ones from the State Council's notice for the year
    holidays: [2027-01-01, 2027-02-08, 2027-02-09]
    workdays: [2027-02-07]

Counting conventions (all dates are ``datetime.date``; a ``datetime`` is cut to its date):

* ``add_working_days(d, n)`` is the n-th working day after ``d``; ``d`` itself never counts, and
  ``n == 0`` returns ``d`` unchanged.
* ``working_days_between(start, end)`` counts the working days in ``(start, end]``, so
  ``working_days_between(d, add_working_days(d, n)) == n``; it is negative when ``end < start``.
* ``nth_working_day(year, month, n)`` is the n-th working day of the month, ``n >= 1``.

Build one calendar per process (at service start-up, never at import time) and share it.
"""
from __future__ import annotations

import datetime as _dt
import logging
import os
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError
from collections.abc import Iterable, Mapping
from pathlib import Path

import chinese_calendar
import yaml

__all__ = ["CALENDAR_FILE_ENV", "CalendarConfigError", "WorkingCalendar", "process_calendar"]

log = logging.getLogger(__name__)

CALENDAR_FILE_ENV = "PROPDESK_CALENDAR_FILE"

_ONE_DAY = _dt.timedelta(days=1)


class CalendarConfigError(ValueError):
    """The calendar override file cannot be used; the message names the file and the problem."""


def _as_date(d: _dt.date) -> _dt.date:
    if isinstance(d, _dt.datetime):
        return d.date()
    if isinstance(d, _dt.date):
        return d
    raise TypeError(f"expected a datetime.date, got {type(d).__name__}: {d!r}")


def _package_years() -> str:
    try:
        years = {d.year for d in chinese_calendar.constants.holidays}
        return f"{min(years)}-{max(years)}"
    except Exception:  # pragma: no cover - only for the warning text
        return "a fixed range of years"


class WorkingCalendar:
    """China's working days, with local overrides and a Monday-Friday fallback (see module doc)."""

    def __init__(
        self,
        holidays: Iterable[_dt.date] = (),
        workdays: Iterable[_dt.date] = (),
        *,
        source: str | None = None,
    ):
        self.holidays: frozenset[_dt.date] = frozenset(_as_date(d) for d in holidays)
        self.workdays: frozenset[_dt.date] = frozenset(_as_date(d) for d in workdays)
        self.source = source
        both = self.holidays & self.workdays
        if both:
            listed = ", ".join(sorted(d.isoformat() for d in both))
            raise ValueError(f"dates listed as both holidays and workdays: {listed}")
        self._override_years = {d.year for d in self.holidays | self.workdays}
        self._warned_years: set[int] = set()

    def __repr__(self) -> str:
        return (
            f"WorkingCalendar(holidays={len(self.holidays)}, workdays={len(self.workdays)}, "
            f"source={self.source!r})"
        )

    # ---- configuration --------------------------------------------------------------------

    @classmethod
    def from_config(cls, environ: Mapping[str, str] | None = None) -> "WorkingCalendar":
        """The calendar with the overrides from ``$PROPDESK_CALENDAR_FILE`` (none when unset)."""
        env = os.environ if environ is None else environ
        path = env.get(CALENDAR_FILE_ENV, "").strip()
        if not path:
            return cls()
        return cls.from_file(path)

    @classmethod
    def from_file(cls, path: str | os.PathLike) -> "WorkingCalendar":
        """Read a YAML override file: ``holidays: [dates]``, ``workdays: [dates]``, both optional."""
        path = Path(path)
        where = f"calendar file {str(path)!r} ({CALENDAR_FILE_ENV})"
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CalendarConfigError(f"cannot read {where}: {exc}") from exc
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise CalendarConfigError(f"{where} is not valid YAML: {exc}") from exc
        except ValueError as exc:  # PyYAML builds unquoted dates itself: 2027-02-30 fails here
            raise CalendarConfigError(f"{where} has an impossible date: {exc}") from exc
        if data is None:
            data = {}
        if not isinstance(data, dict):
            raise CalendarConfigError(
                f"{where} must be a mapping with 'holidays' and/or 'workdays' lists, "
                f"got {type(data).__name__}"
            )
        unknown = sorted(str(k) for k in data if k not in ("holidays", "workdays"))
        if unknown:
            raise CalendarConfigError(
                f"{where} has unknown key(s) {', '.join(unknown)}; only 'holidays' and 'workdays' are allowed"
            )
        holidays = _parse_dates(data.get("holidays"), "holidays", where)
        workdays = _parse_dates(data.get("workdays"), "workdays", where)
        try:
            return cls(holidays, workdays, source=str(path))
        except ValueError as exc:
            raise CalendarConfigError(f"{where}: {exc}") from exc

    # ---- the rule -------------------------------------------------------------------------

    def is_working_day(self, d: _dt.date) -> bool:
        d = _as_date(d)
        if d in self.workdays:
            return True
        if d in self.holidays:
            return False
        try:
            return bool(chinese_calendar.is_workday(d))
        except NotImplementedError:
            pass  # the package has no data for this year
        if d.year not in self._override_years and d.year not in self._warned_years:
            self._warned_years.add(d.year)
            log.warning(
                "no holiday data for %d: chinese_calendar knows %s and no override names a date "
                "in %d, so Monday-Friday count as working days (statutory holidays and 调休 "
                "make-up days are ignored). Set %s to a YAML file listing %d's holidays and "
                "workdays.",
                d.year, _package_years(), d.year, CALENDAR_FILE_ENV, d.year,
            )
        return d.weekday() < 5

    # ---- counting -------------------------------------------------------------------------

    def add_working_days(self, d: _dt.date, n: int) -> _dt.date:
        """The n-th working day after ``d`` (``d`` itself does not count; ``n == 0`` gives ``d``)."""
        d = _as_date(d)
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        current = d
        while n:
            current += _ONE_DAY
            if self.is_working_day(current):
                n -= 1
        return current

    def working_days_between(self, start: _dt.date, end: _dt.date) -> int:
        """Working days in ``(start, end]``; negative when ``end < start``."""
        start, end = _as_date(start), _as_date(end)
        if end < start:
            return -self.working_days_between(end, start)
        count = 0
        current = start
        while current < end:
            current += _ONE_DAY
            if self.is_working_day(current):
                count += 1
        return count

    def nth_working_day(self, year: int, month: int, n: int) -> _dt.date:
        """The n-th (1-based) working day of the month; ValueError when the month has fewer."""
        if n < 1:
            raise ValueError(f"n must be >= 1, got {n}")
        current = _dt.date(year, month, 1)
        seen = 0
        while current.month == month:
            if self.is_working_day(current):
                seen += 1
                if seen == n:
                    return current
            current += _ONE_DAY
        raise ValueError(f"{year}-{month:02d} has only {seen} working days, asked for the {n}th")


def _parse_dates(value: object, key: str, where: str) -> list[_dt.date]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise CalendarConfigError(
            f"{where}: '{key}' must be a list of dates like [2027-01-01], got {type(value).__name__}"
        )
    dates = []
    for item in value:
        if isinstance(item, _dt.datetime):
            raise CalendarConfigError(f"{where}: '{key}' has {item!r}; give a date without a time")
        if isinstance(item, _dt.date):
            dates.append(item)
            continue
        if isinstance(item, str):
            try:
                dates.append(_dt.date.fromisoformat(item.strip()))
                continue
            except ValueError:
                pass
        raise CalendarConfigError(f"{where}: '{key}' has {item!r}, which is not a YYYY-MM-DD date")
    return dates


# -- the office's clock --------------------------------------------------------------------------
try:
    #: The property's time zone: business days, document numbers (MO-/WO-/FX-yyyymmdd) and "today".
    OFFICE_TZ: _dt.tzinfo = ZoneInfo("Asia/Shanghai")
except ZoneInfoNotFoundError:  # no tz database on the host: China keeps UTC+8 all year
    OFFICE_TZ = _dt.timezone(_dt.timedelta(hours=8), "CST")


def office_day(moment: _dt.datetime) -> _dt.date:
    """The date at the property for an aware moment (17:30 UTC is already tomorrow in Beijing)."""
    return moment.astimezone(OFFICE_TZ).date()


def office_today() -> _dt.date:
    """Today at the property, whatever the server's clock zone."""
    return _dt.datetime.now(OFFICE_TZ).date()


_PROCESS_CALENDAR: WorkingCalendar | None = None


def process_calendar() -> WorkingCalendar:
    """The process' calendar (`WorkingCalendar.from_config`), built on first use and shared: what
    `uow.calendar` and `reader.calendar` count working days with."""
    global _PROCESS_CALENDAR
    if _PROCESS_CALENDAR is None:
        _PROCESS_CALENDAR = WorkingCalendar.from_config()
    return _PROCESS_CALENDAR
