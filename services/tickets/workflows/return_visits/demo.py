"""Demo return visits (回访): a month of visits at the desk, written straight into the tables.

Thirty-odd visits around today (the system clock): visits due today, three overdue (their
``return_visit.due`` deadlines are pending and past, so the service's first sweep breaches them and
the desk shows the badge), and a month of visits made with ratings in inferred proportions (domain.md
§6 gives none; §4's bands make 95 % the target): about 70 % 满意, 22 % 较满意, 8 % 不满意, of which
one has a rectification ordered and one waits for the supervisor; one round of 7-day phone visits.
Units are those of the seed's phase-2 repair list (domain.md §6) and two floors of the office tower.
"""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from uuid import NAMESPACE_URL, uuid5

from sqlalchemy import select
from sqlalchemy.orm import Session

from propdesk import demo
from propdesk.chassis.calendar import OFFICE_TZ
from propdesk.chassis.clock import SYSTEM_CLOCK
from propdesk.chassis.deadlines import PENDING
from propdesk.chassis.numbering import next_number
from propdesk.chassis.tables import DeadlineRow
from propdesk_services.tickets.workflows.return_visits import domain
from propdesk_services.tickets.workflows.return_visits.handlers import RECORD, SERIES
from propdesk_services.tickets.workflows.return_visits.models import ReturnVisitRound, ReturnVisitRow

#: units of the seed's phase-2 list (wall cracks, flue odour, seepage) and two office floors
UNITS = ("1-1-401", "1-1-402", "1-2-1503", "3-2-502", "3-2-902", "1-1-502", "1-1-602", "1-1-1202",
         "1-1-1804", "1-1-901", "1-2-1101", "1-2-1102", "T1-24F", "T1-31F")
NAMES = ("王先生", "李女士", "张先生", "刘女士", "陈先生", "杨女士", "赵先生")
#: 20 visits made over the last month: 14 满意, 4 较满意, 2 不满意 (inferred proportions)
OPINIONS = ("satisfied",) * 14 + ("fairly_satisfied",) * 4 + ("dissatisfied",) * 2
SUGGESTIONS = ("希望维修后及时清理现场", "师傅很耐心", None, "希望提前电话预约", None)


def _id(i: int) -> str:
    return uuid5(NAMESPACE_URL, f"propdesk-demo-return-visit-{i}").hex


def load(session: Session, now: datetime | None = None) -> str:
    """Add the demo visits unless there are return visits already; say what was added."""
    if session.scalar(select(ReturnVisitRow.return_visit_id).limit(1)) is not None:
        return "return visits already loaded"
    now = (now or SYSTEM_CLOCK.now()).astimezone(timezone.utc)
    today = now.astimezone(OFFICE_TZ).date()
    rows: list[ReturnVisitRow] = []

    def visit(i: int, due_at: datetime, occasion: str, **kw) -> ReturnVisitRow:
        unit = UNITS[i % len(UNITS)]
        subject = occasion if occasion in ("repair", "complaint") else None
        row = ReturnVisitRow(
            return_visit_id=_id(i), return_visit_no=next_number(session, SERIES, due_at.astimezone(OFFICE_TZ).date()),
            unit_id=unit, estate=demo.estate_of(unit), occasion=occasion, method=kw.pop("method", "phone"),
            due_at=due_at, state=domain.PLANNED, subject_type=subject,
            subject_id=f"DEMO-{subject.upper()}-{i}" if subject else None,
            subject_no=f"{'RP' if subject == 'repair' else 'CP'}-{due_at.astimezone(OFFICE_TZ):%Y%m%d}-{i:04d}"
            if subject else None,
            client_name=NAMES[i % len(NAMES)], assignee="cs_assistant" if i % 2 else None, planned_by=None,
            correlation_id=_id(i), created_at=due_at - timedelta(days=2), updated_at=due_at - timedelta(days=2),
            **kw)
        rows.append(row)
        return row

    def at(day_offset: int, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(today + timedelta(days=day_offset), time(hour, minute), OFFICE_TZ).astimezone(timezone.utc)

    n = 0
    # a month of visits made (every day or two, from 30 days ago)
    for k, opinion in enumerate(OPINIONS):
        due = at(-30 + int(k * 1.4), 10 + k % 6)
        v = visit(n, due, ("repair", "complaint", "repair", "weekly", "monthly")[k % 5],
                  method="in_person" if k % 4 == 3 else "phone")
        v.visited_at, v.visited_by = due + timedelta(minutes=10 + k % 3 * 20), "cs_assistant"
        v.overall, v.quality = opinion, opinion
        v.punctuality = "satisfied" if opinion != "dissatisfied" else "fairly_satisfied"
        v.attitude = "satisfied"
        v.suggestions = SUGGESTIONS[k % len(SUGGESTIONS)]
        if v.method == "in_person":
            v.signed_by = v.respondent = v.client_name
        else:
            v.respondent = v.client_name
        v.state = domain.CLOSED if opinion in domain.CONTENT else domain.DISSATISFIED
        v.updated_at = v.visited_at
        n += 1
    dissatisfied = [r for r in rows if r.state == domain.DISSATISFIED]
    # the first dissatisfied one: rectification ordered to engineering, due in two days
    first = dissatisfied[0]
    first.state, first.department, first.measures = domain.RECTIFICATION_ORDERED, "engineering", "外墙渗水复修，复查窗边密封胶"
    first.rectification_due_at = at(2, 17)
    # due today, at the desk's working hours
    for hour in (9, 11, 14, 15, 16):
        visit(n, at(0, hour, 30), ("repair", "complaint", "survey")[n % 3])
        n += 1
    # overdue: yesterday and the day before
    for day, hour in ((-1, 10), (-1, 16), (-2, 14)):
        visit(n, at(day, hour), ("repair", "complaint")[n % 2])
        n += 1
    # coming days
    for day in (1, 2, 3):
        visit(n, at(day, 10), "repair", method="in_person")
        n += 1
    # a round of 7-day phone visits for a unit with a repeated complaint (wall cracks, 1-2-1503)
    rnd = ReturnVisitRound(round_id=_id(999), unit_id="1-2-1503", estate="E1", cadence="weekly", method="phone",
                           client_name="张先生", assignee="cs_assistant", next_due_at=at(7, 10), active=True,
                           started_by="cs_supervisor", created_at=at(-7, 9), updated_at=at(-7, 9))
    session.add(rnd)
    weekly = visit(n, at(0, 10), "weekly")
    weekly.unit_id, weekly.client_name, weekly.round_id = "1-2-1503", "张先生", rnd.round_id
    n += 1

    for r in rows:
        session.add(r)
        if r.state == domain.PLANNED:
            session.add(DeadlineRow(rule=domain.DUE_RULE, record_type=RECORD, record_id=r.return_visit_id,
                                    due_at=domain.overdue_at(r.due_at), state=PENDING, responsible=r.assignee,
                                    estate=r.estate, summary=f"{r.return_visit_no} {r.unit_id}",
                                    correlation_id=r.correlation_id, created_at=r.created_at))
        elif r.state == domain.RECTIFICATION_ORDERED:
            session.add(DeadlineRow(rule=domain.RECTIFICATION_RULE, record_type=RECORD, record_id=r.return_visit_id,
                                    due_at=r.rectification_due_at, state=PENDING, responsible="cs_supervisor",
                                    estate=r.estate, summary=f"{r.return_visit_no} {r.unit_id}",
                                    correlation_id=r.correlation_id, created_at=r.updated_at))
    session.flush()
    planned = sum(r.state == domain.PLANNED for r in rows)
    return f"{len(rows)} return visits ({planned} planned, {len(rows) - planned} made), 1 round"
