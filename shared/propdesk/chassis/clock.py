"""The time a unit of work runs at: the wall clock in a service, a clock the test moves in tests.

Time limits (30 minutes, 3 days, the 11th working day) are tested at minute 29 and 31 by moving a
`FakeClock`, never by sleeping. Handlers ask their unit of work (`uow.now()`, `uow.today()`),
never `datetime.now()`.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from propdesk.chassis.calendar import office_day


class SystemClock:
    """The wall clock, UTC."""

    def now(self) -> datetime:
        return datetime.now(timezone.utc)

    def today(self) -> date:
        """The office day (Asia/Shanghai) of now."""
        return office_day(self.now())


class FakeClock(SystemClock):
    """A clock that stands still until moved: ``clock.advance(minutes=31)``."""

    def __init__(self, start: datetime | None = None):
        start = start or datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)  # a Monday, 10:00 in Shanghai
        if start.tzinfo is None:
            raise ValueError("FakeClock needs an aware datetime")
        self._now = start.astimezone(timezone.utc)

    def now(self) -> datetime:
        return self._now

    def advance(self, **delta) -> datetime:
        self._now += timedelta(**delta)
        return self._now

    def set(self, moment: datetime) -> None:
        self._now = moment.astimezone(timezone.utc)


SYSTEM_CLOCK = SystemClock()
