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


class OffsetClock(SystemClock):
    """The wall clock moved forward by the number of seconds written in a file: how a system test
    moves the time of services running as separate processes ("31 minutes later") without sleeping.
    Chosen by ``PROPDESK_CLOCK_FILE`` (`clock_from_env`); never set in production. A missing or empty
    file is no offset."""

    def __init__(self, path):
        from pathlib import Path

        self.path = Path(path)

    def offset(self) -> timedelta:
        try:
            text = self.path.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return timedelta(0)
        return timedelta(seconds=float(text or 0))

    def now(self) -> datetime:
        return datetime.now(timezone.utc) + self.offset()

    @staticmethod
    def advance(path, **delta) -> None:
        """Move every service reading `path` forward by `delta` (a test's hand on the clock)."""
        clock = OffsetClock(path)
        total = clock.offset() + timedelta(**delta)
        aside = clock.path.with_suffix(".tmp")
        aside.write_text(str(total.total_seconds()), encoding="utf-8")
        aside.replace(clock.path)


CLOCK_FILE_ENV = "PROPDESK_CLOCK_FILE"

SYSTEM_CLOCK = SystemClock()


def clock_from_env(environ=None):
    """The service's clock: the wall clock, or an `OffsetClock` when ``PROPDESK_CLOCK_FILE`` names
    one (system tests)."""
    import os

    path = (environ if environ is not None else os.environ).get(CLOCK_FILE_ENV)
    return OffsetClock(path) if path else SYSTEM_CLOCK
