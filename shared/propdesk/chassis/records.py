"""What every workflow's records need, written once: one record by its number within the asker's
estates, a list with its filters and search, the estate a new record belongs to, a form field's
labels, and a work-queue item (`workflow.WorkQueue`).

    def _complaint(session, complaint_id, estates, lock=False):
        return records.one(session, ComplaintRecord.complaint_id, complaint_id, estates,
                           what="complaint", field="complaint_id", lock=lock)

    def list_complaints(args, reader):
        rows = records.listing(reader, ComplaintRecord, args, equals=("state", "kind", "unit_id"),
                               search=(ComplaintRecord.complaint_id, ComplaintRecord.summary),
                               newest=(ComplaintRecord.received_at, ComplaintRecord.complaint_id))

Another estate's record answers exactly as an unknown one (`absent`: NotFound, ``exists``); lists
leave it out (`estates.within`). Nothing of one workflow's rules lives here.
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Iterable

from sqlalchemy import or_, select

from propdesk.chassis.estates import visible, within
from propdesk.errors import NotFound, ValidationError

#: How many rows a list answers at most unless its arguments ask for fewer (the desk pages them).
LIST_LIMIT = 200


def label(zh: str, en: str, **more) -> dict:
    """A field's metadata: its labels (zh-CN, en) and anything else the desk reads (``vocab``,
    ``choices``, ``format``)."""
    return {"label": {"zh": zh, "en": en}, **more}


def absent(what: str, number: str, field: str) -> NotFound:
    """The one answer for a record that does not exist or belongs to another estate."""
    return NotFound(f"no {what} {number}", field=field, rule="exists")


def one(session, column, value: str, estates: Iterable[str] | None, *, what: str, field: str, lock: bool = False):
    """The row of `column`'s model whose `column` is `value`, visible to a caller of `estates`
    (None: not scoped), locked for update when `lock`; `absent` otherwise."""
    model = column.class_
    stmt = select(model).where(column == value)
    row = session.scalars(stmt.with_for_update() if lock else stmt).first()
    if row is None or not visible(estates, getattr(row, "estate", None)):
        raise absent(what, value, field)
    return row


def listing(reader, model, args: dict, *, equals: Iterable[str] = (), search: Iterable = (),
            newest: Iterable | None = None, limit: int = LIST_LIMIT) -> list:
    """The rows of `model` within the reader's estates, newest first: each argument named in
    `equals` that is given filters by equality, ``q`` searches `search` (columns, a part of the
    text), at most ``args["limit"]`` or `limit` rows. `newest`: the columns that order them,
    descending (default the primary key)."""
    stmt = within(select(model), model.estate, reader.estates)
    for name in equals:
        value = args.get(name)
        if value not in (None, ""):
            stmt = stmt.where(getattr(model, name) == (value.strip() if isinstance(value, str) else value))
    q = (args.get("q") or "").strip()
    columns = list(search)
    if q and columns:
        like = f"%{q}%"
        stmt = stmt.where(or_(*(c.ilike(like) for c in columns)))
    order = list(newest) if newest is not None else list(model.__table__.primary_key.columns)
    stmt = stmt.order_by(*(c.desc() for c in order)).limit(args.get("limit") or limit)
    return list(reader.session.scalars(stmt))


def estate_for(cmd, unit_id: str | None, estate: str | None = None) -> str:
    """The estate (管理处) a new record belongs to: its unit's; without a unit, the one the request
    names, else the only estate the person works for. Another estate's unit is refused as unknown
    (unit_id/unknown_unit), a record without unit or estate is refused (estate/required)."""
    from propdesk.contracts.vocab import ESTATES
    from propdesk.demo import estate_of

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


def aware(moment: datetime | None) -> datetime | None:
    """A stored time (SQLite drops the zone) as an aware UTC datetime."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=timezone.utc)


def iso(moment: datetime | date | None) -> str | None:
    if moment is None:
        return None
    if isinstance(moment, datetime):
        moment = aware(moment)
    return moment.isoformat()


def queue_item(record: str, number: str, title: str, detail: str, since: datetime | None,
               due_at: datetime | None, now: datetime, owner: str | None = None, *, record_id: str | None = None,
               overdue: bool | None = None, fields: dict | None = None) -> dict:
    """One item of a work queue (`workflow.WorkQueue`): overdue when its due time has passed,
    unless the workflow says (`overdue`, e.g. a breached deadline). `fields` {field name: value}
    names coded values of the record (a kind, a state, why it waits) by the names of its kind's
    fields, which the desk says in the words the kind's description gives them (its schema's
    ``vocab``), never as codes in `title` or `detail`; a date or time in it is sent as ISO 8601."""
    since, due_at = aware(since), aware(due_at)
    late = overdue if overdue is not None else bool(due_at is not None and due_at <= now)
    item = {"record": record, "id": record_id or number, "number": number, "title": title, "detail": detail,
            "since": iso(since), "due_at": iso(due_at), "overdue": late, "owner": owner}
    if fields:
        item["fields"] = {name: iso(value) if isinstance(value, (date, datetime)) else value
                          for name, value in fields.items()}
    return item
