"""The repairs' work queues (the desk home): what waits for whom, oldest first."""
from __future__ import annotations

from sqlalchemy import select

from propdesk.chassis.deadlines import pending_of
from propdesk.chassis.estates import within
from propdesk.chassis.records import queue_item
from propdesk.privacy import mask_text
from propdesk_services.tickets.workflows.repairs import domain
from propdesk_services.tickets.workflows.repairs.handlers import ATTENDANCE, RECORD
from propdesk_services.tickets.workflows.repairs.models import RepairOrder

LIMIT = 200

#: Who sees which queue (domain.md §1.1): the desk dispatches; CS assistants accept on patrol;
#: the desk, its supervisors and engineering see overdue attendance; supervisors and up the escalations.
DESK_ROLES = frozenset({"front_desk", "cs_assistant", "area_assistant", "cs_supervisor", "cs_manager"})
ACCEPTANCE_ROLES = frozenset({"front_desk", "cs_assistant", "area_assistant", "senior_cs", "cs_supervisor"})
OVERDUE_ROLES = DESK_ROLES | {"engineering", "director"}
ESCALATION_ROLES = frozenset({"cs_supervisor", "cs_manager", "director"})


def _rows(reader, *states):
    stmt = within(select(RepairOrder), RepairOrder.estate, reader.estates).where(RepairOrder.state.in_(states))
    return list(reader.session.scalars(stmt.order_by(RepairOrder.updated_at, RepairOrder.repair_id).limit(LIMIT)))


def _item(r: RepairOrder, detail: str, now, *, due_at=None, overdue=False, owner=None, team=False) -> dict:
    """A repair as a queue item: where and what (free text, masked); its category (and the team it
    went to, `team`) are the item's ``fields``, said in the words of `RepairDetailSchema`'s category
    and team (vocab REPAIR_CATEGORIES, REPAIR_TEAMS), not labels of one language in its text."""
    coded = {"category": r.category, **({"team": r.team} if team and r.team else {})}
    return queue_item(RECORD, r.repair_no or r.repair_id, r.location, mask_text(detail), r.updated_at or r.created_at,
                      due_at, now, owner, record_id=r.repair_id, overdue=overdue, fields=coded)


def _attendance(reader, rows) -> dict:
    return pending_of(reader.session, RECORD, [r.repair_id for r in rows], reader.now())


def to_dispatch(args: dict, reader) -> list[dict]:
    """Repairs reported and free to dispatch (a paid one once the owner agreed)."""
    now = reader.now()
    return [_item(r, r.summary, now, owner=r.reported_by) for r in _rows(reader, domain.REPORTED)
            if not r.paid or r.consent_at is not None]


def awaiting_acceptance(args: dict, reader) -> list[dict]:
    """Completed repairs awaiting CS acceptance on the next patrol."""
    now = reader.now()
    return [_item(r, f"{r.work_order_no} {r.summary}", now, owner=r.follow_up)
            for r in _rows(reader, domain.COMPLETED)]


def attendance_overdue(args: dict, reader) -> list[dict]:
    """Dispatched (or re-opened) repairs not attended by their set (or agreed) time."""
    rows = _rows(reader, domain.DISPATCHED, domain.RESCHEDULED, domain.REOPENED)
    open_deadlines = _attendance(reader, rows)
    now = reader.now()
    out = []
    for r in rows:
        late = [d for d in open_deadlines.get(r.repair_id, []) if d.rule == ATTENDANCE and d.overdue]
        if late:
            out.append(_item(r, r.work_order_no or "", now, due_at=late[0].due_at, overdue=True, owner=r.follow_up,
                             team=True))
    return sorted(out, key=lambda i: i["due_at"])


def escalated(args: dict, reader) -> list[dict]:
    """APP repairs rated below 3, escalated to the group hotline 95059."""
    now = reader.now()
    return [_item(r, f"★{r.rating} {r.rating_comment or ''}".strip(), now, owner=r.follow_up)
            for r in _rows(reader, domain.ESCALATED)]
