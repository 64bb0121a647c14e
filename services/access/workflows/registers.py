"""What the counter's registers share (passes, visitors, lost property, storage, mail; domain.md
§2.9-§2.12): office days as UTC moments. Record reading, labels, the estate of a new record and
queue items are the chassis' (`propdesk.chassis.records`), re-exported here for the registers.
No rule of any one register lives here."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from propdesk.chassis.calendar import OFFICE_TZ
from propdesk.chassis.records import absent, aware, estate_for, iso, label, queue_item  # noqa: F401


def office_midnight(day: date) -> datetime:
    """The UTC moment an office day (Asia/Shanghai) begins."""
    return datetime.combine(day, time(0), tzinfo=OFFICE_TZ).astimezone(timezone.utc)


def end_of_office_day(day: date) -> datetime:
    """The UTC moment an office day ends (the next day's midnight at the property)."""
    return office_midnight(day + timedelta(days=1))
