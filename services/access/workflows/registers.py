"""What the counter's registers share (passes, visitors, lost property, storage, mail; domain.md
§2.9-§2.12): form labels, the estate a new record belongs to, office days as UTC moments, and the
shape of a work-queue item. No rule of any one register lives here."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from propdesk.chassis.calendar import OFFICE_TZ
from propdesk.chassis.estates import visible
from propdesk.contracts.vocab import ESTATES
from propdesk.demo import estate_of
from propdesk.errors import NotFound, ValidationError


def label(zh: str, en: str, **more) -> dict:
    """A form field's metadata: its labels (zh-CN, en) and anything else the desk reads."""
    return {"label": {"zh": zh, "en": en}, **more}


def office_midnight(day: date) -> datetime:
    """The UTC moment an office day (Asia/Shanghai) begins."""
    return datetime.combine(day, time(0), tzinfo=OFFICE_TZ).astimezone(timezone.utc)


def end_of_office_day(day: date) -> datetime:
    """The UTC moment an office day ends (the next day's midnight at the property)."""
    return office_midnight(day + timedelta(days=1))


def estate_for(cmd, unit_id: str | None, estate: str | None = None) -> str:
    """The estate (管理处) a new record belongs to: its unit's; without a unit, the one the request
    names, else the only estate the person works for. Another estate's unit is refused as unknown
    (unit_id/unknown_unit), a record without unit or estate is refused (estate/required)."""
    if unit_id:
        found = estate_of(unit_id)
        if not visible(cmd.estates, found):
            raise ValidationError.one("unit_id", "unknown_unit", f"no unit {unit_id} in your estates")
        return found
    if estate:
        if estate not in ESTATES or not visible(cmd.estates, estate):
            raise ValidationError.one("estate", "one_of", f"estate {estate} is not one of yours")
        return estate
    if cmd.estates is not None and len(cmd.estates) == 1:
        return cmd.estates[0]
    raise ValidationError.one("estate", "required", "name the estate (管理处) when there is no unit")


def absent(what: str, number: str, field: str) -> NotFound:
    """The one answer for a record that does not exist or belongs to another estate."""
    return NotFound(f"no {what} {number}", field=field, rule="exists")


def iso(moment: datetime | date | None) -> str | None:
    if moment is None:
        return None
    if isinstance(moment, datetime) and moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.isoformat()


def aware(moment: datetime | None) -> datetime | None:
    """A stored time (SQLite drops the zone) as an aware UTC datetime."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=timezone.utc)


def queue_item(record: str, number: str, title: str, detail: str, since: datetime,
               due_at: datetime | None, now: datetime, owner: str | None = None) -> dict:
    """One item of a work queue (`propdesk.chassis.workflow.WorkQueue`)."""
    since, due_at = aware(since), aware(due_at)
    return {"record": record, "id": number, "number": number, "title": title, "detail": detail,
            "since": iso(since), "due_at": iso(due_at), "overdue": bool(due_at is not None and due_at <= now),
            "owner": owner}
