"""Return visits' reads: one visit, the lists, the desk's queues and the satisfaction KPIs
(domain.md §4). Plain functions of (args, reader); every read is within the asker's estates."""
from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import case, func, or_, select

from propdesk.chassis.calendar import OFFICE_TZ
from propdesk.chassis.deadlines import pending_of
from propdesk.chassis.estates import within
from propdesk.chassis.records import queue_item
from propdesk.contracts.vocab import RETURN_VISIT_OPINIONS
from propdesk.domain import as_utc
from propdesk_services.tickets.workflows.return_visits import domain
from propdesk_services.tickets.workflows.return_visits.handlers import (
    RECORD, dump, round_dump, round_of, visit_of,
)
from propdesk_services.tickets.workflows.return_visits.models import ReturnVisitRound, ReturnVisitRow

LIST_LIMIT = 200
#: The quota of the completion rate: return visits per agent per month (domain.md §4, §6).
VISITS_PER_AGENT_MONTH = 200


def get_return_visit(args: dict, reader) -> dict:
    """One return visit (回访记录表 QR-003FW); NotFound (return_visit_id, exists) when absent or of
    another estate."""
    return dump(visit_of(reader.session, args["return_visit_id"], reader.estates), reader.now())


def list_return_visits(args: dict, reader) -> list[dict]:
    """Return visits of the asker's estates, newest appointment first (at most 200); filters: state,
    occasion, unit, and `q` (the visit's or the subject's number, the unit, whom to visit)."""
    stmt = within(select(ReturnVisitRow), ReturnVisitRow.estate, reader.estates)
    for name in ("state", "occasion", "unit_id"):
        if args.get(name) is not None:
            stmt = stmt.where(getattr(ReturnVisitRow, name) == args[name])
    if args.get("q"):
        like = f"%{args['q'].strip()}%"
        stmt = stmt.where(or_(ReturnVisitRow.return_visit_no.ilike(like), ReturnVisitRow.unit_id.ilike(like),
                              ReturnVisitRow.subject_no.ilike(like), ReturnVisitRow.client_name.ilike(like)))
    rows = reader.session.scalars(stmt.order_by(ReturnVisitRow.due_at.desc(), ReturnVisitRow.return_visit_no.desc())
                                  .limit(LIST_LIMIT)).all()
    now = reader.now()
    return [dump(r, now) for r in rows]


def get_return_visit_round(args: dict, reader) -> dict:
    """One round of visits (周期回访); NotFound (round_id, exists)."""
    return round_dump(round_of(reader.session, args["round_id"], reader.estates))


def list_return_visit_rounds(args: dict, reader) -> list[dict]:
    """The rounds of visits of the asker's estates, active first, then by next appointment."""
    stmt = within(select(ReturnVisitRound), ReturnVisitRound.estate, reader.estates)
    if args.get("unit_id") is not None:
        stmt = stmt.where(ReturnVisitRound.unit_id == args["unit_id"])
    rows = reader.session.scalars(stmt.order_by(ReturnVisitRound.active.desc(), ReturnVisitRound.next_due_at)
                                  .limit(LIST_LIMIT)).all()
    return [round_dump(r) for r in rows]


# --- the desk's queues ----------------------------------------------------------------------------
def _end_of_office_day(now: datetime) -> datetime:
    day = now.astimezone(OFFICE_TZ).date() + timedelta(days=1)
    return datetime.combine(day, time(0), OFFICE_TZ)


def _item(row: ReturnVisitRow, detail: str, since, due_at, overdue: bool, now, *, method: bool = False) -> dict:
    """A visit as a queue item: its unit and the repair or complaint it follows up; its occasion
    (and how to visit, `method`) are the item's ``fields``, said in the words of
    `ReturnVisitSchema`'s occasion and method (vocab RETURN_VISIT_OCCASIONS, RETURN_VISIT_METHODS),
    not labels of one language in its text."""
    coded = {"occasion": row.occasion, **({"method": row.method} if method and row.method else {})}
    title = " ".join(x for x in (row.unit_id or "", row.subject_no or "") if x)
    return queue_item(RECORD, row.return_visit_no, title, detail, since, due_at, now, row.assignee,
                      record_id=row.return_visit_id, overdue=overdue, fields=coded)


def visits_due_today(args: dict, reader) -> list[dict]:
    """Planned visits whose appointment is today or earlier (overdue ones first by appointment),
    with the appointment as due time; overdue once the ``return_visit.due`` deadline passed."""
    now = reader.now()
    stmt = within(select(ReturnVisitRow), ReturnVisitRow.estate, reader.estates).where(
        ReturnVisitRow.state == domain.PLANNED, ReturnVisitRow.due_at < _end_of_office_day(now)).order_by(
        ReturnVisitRow.due_at, ReturnVisitRow.return_visit_no).limit(LIST_LIMIT)
    rows = reader.session.scalars(stmt).all()
    deadlines = pending_of(reader.session, RECORD, [r.return_visit_id for r in rows], now)
    out = []
    for r in rows:
        views = [v for v in deadlines.get(r.return_visit_id, []) if v.rule == domain.DUE_RULE]
        overdue = any(v.overdue for v in views) or now > domain.overdue_at(as_utc(r.due_at))
        out.append(_item(r, r.client_name or "", r.created_at, r.due_at, overdue, now, method=True))
    return out


def visits_dissatisfied(args: dict, reader) -> list[dict]:
    """Dissatisfied visits waiting for the supervisor's follow-up (rectification or explanation),
    oldest first."""
    stmt = within(select(ReturnVisitRow), ReturnVisitRow.estate, reader.estates).where(
        ReturnVisitRow.state == domain.DISSATISFIED).order_by(ReturnVisitRow.visited_at).limit(LIST_LIMIT)
    now = reader.now()
    return [_item(r, r.suggestions or r.content or "", r.visited_at, None, False, now)
            for r in reader.session.scalars(stmt).all()]


def rectifications_due(args: dict, reader) -> list[dict]:
    """Rectifications ordered after dissatisfied visits, soonest deadline first; overdue once the
    ``return_visit.rectification`` deadline passed."""
    now = reader.now()
    stmt = within(select(ReturnVisitRow), ReturnVisitRow.estate, reader.estates).where(
        ReturnVisitRow.state == domain.RECTIFICATION_ORDERED).order_by(
        ReturnVisitRow.rectification_due_at).limit(LIST_LIMIT)
    rows = reader.session.scalars(stmt).all()
    deadlines = pending_of(reader.session, RECORD, [r.return_visit_id for r in rows], now)
    out = []
    for r in rows:
        views = [v for v in deadlines.get(r.return_visit_id, []) if v.rule == domain.RECTIFICATION_RULE]
        overdue = any(v.overdue for v in views) or now > as_utc(r.rectification_due_at)
        out.append(_item(r, r.measures or "", r.updated_at, r.rectification_due_at, overdue, now))
    return out


# --- KPIs (domain.md §4) --------------------------------------------------------------------------
def _rate(part: int, whole: int) -> str | None:
    if not whole:
        return None
    return str((Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP))


def return_visit_kpis(args: dict, reader) -> dict:
    """The return-visit KPIs of a period (office days date_from..date_to inclusive) per estate and
    in total, within the asker's estates (one estate when `estate` is given):

    - return-visit rate (回访率): visits due in the period (appointment in it; cancelled ones left
      out) that were made ÷ visits due; `on_time`: made before the ``return_visit.due`` deadline;
    - satisfaction (客户满意率, inferred formula of §4): of the visits recorded in the period,
      (满意 + 较满意) ÷ recorded, and the strict rate 满意 ÷ recorded, with the points deducted by
      §4's bands; each dimension's (守时, 态度, 质量) counts;
    - with `agents` (staff on duty), the quota reading of the completion rate (回访完成率): visits
      recorded ÷ (200 × agents), meant for a one-month period."""
    start, end = domain.office_window(args["date_from"], args["date_to"])
    estate_col = ReturnVisitRow.estate
    base = within(select(), estate_col, reader.estates)
    if args.get("estate") is not None:
        base = base.where(estate_col == args["estate"])

    made = ReturnVisitRow.visited_at.is_not(None)
    due_rows = reader.session.execute(base.add_columns(
        estate_col, func.count(), func.sum(case((made, 1), else_=0))).select_from(ReturnVisitRow).where(
        ReturnVisitRow.due_at >= start, ReturnVisitRow.due_at < end, ReturnVisitRow.state != domain.CANCELLED)
        .group_by(estate_col)).all()
    visited = reader.session.execute(base.add_columns(
        estate_col, ReturnVisitRow.due_at, ReturnVisitRow.visited_at).select_from(ReturnVisitRow).where(
        ReturnVisitRow.due_at >= start, ReturnVisitRow.due_at < end, made)).all()
    opinions = {}
    for dim in ("overall", "punctuality", "attitude", "quality"):
        col = getattr(ReturnVisitRow, dim)
        opinions[dim] = reader.session.execute(base.add_columns(estate_col, col, func.count())
                                               .select_from(ReturnVisitRow).where(
            ReturnVisitRow.visited_at >= start, ReturnVisitRow.visited_at < end, col.is_not(None))
            .group_by(estate_col, col)).all()

    rows: dict = {}

    def empty(estate) -> dict:
        return {"estate": estate, "due": 0, "made": 0, "made_on_time": 0,
                **{dim: {code: 0 for code in RETURN_VISIT_OPINIONS.codes} for dim in opinions}}

    def row_of(estate):
        return rows.setdefault(estate, empty(estate))

    for estate, n, m in due_rows:
        r = row_of(estate)
        r["due"], r["made"] = n, int(m or 0)
    for estate, due_at, visited_at in visited:
        if as_utc(visited_at) <= domain.overdue_at(as_utc(due_at)):
            row_of(estate)["made_on_time"] += 1
    for dim, counted in opinions.items():
        for estate, code, n in counted:
            row_of(estate)[dim][code] = n

    def finish(r: dict) -> dict:
        o = r["overall"]
        recorded = sum(o.values())
        r["recorded"] = recorded
        r["return_visit_rate"] = _rate(r["made"], r["due"])
        r["on_time_rate"] = _rate(r["made_on_time"], r["due"])
        r["satisfaction_rate"] = _rate(o["satisfied"] + o["fairly_satisfied"], recorded)
        r["strict_satisfaction_rate"] = _rate(o["satisfied"], recorded)
        r["satisfaction_deduction"] = domain.satisfaction_deduction(
            None if not recorded else (o["satisfied"] + o["fairly_satisfied"]) / recorded)
        if args.get("agents"):
            r["quota"] = VISITS_PER_AGENT_MONTH * args["agents"]
            r["completion_rate"] = _rate(recorded, r["quota"])
        return r

    per_estate = [finish(rows[k]) for k in sorted(rows, key=lambda e: e or "")]
    total = empty(None)
    for r in per_estate:
        for k in ("due", "made", "made_on_time"):
            total[k] += r[k]
        for dim in opinions:
            for c in total[dim]:
                total[dim][c] += r[dim][c]
    return {"date_from": args["date_from"].isoformat(), "date_to": args["date_to"].isoformat(),
            "estates": per_estate, "total": finish(total)}
