"""The repairs' work queues (the desk home): what waits for whom, oldest first."""
from __future__ import annotations

from sqlalchemy import select

from propdesk.chassis.deadlines import pending_of
from propdesk.chassis.estates import within
from propdesk.contracts import vocab
from propdesk.domain import as_utc
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


def _item(r: RepairOrder, detail: str, *, due_at=None, overdue=False, owner=None) -> dict:
    since = r.updated_at or r.created_at
    return {"record": RECORD, "id": r.repair_id, "number": r.repair_no or r.repair_id,
            "title": f"{r.location} {vocab.REPAIR_CATEGORIES.label(r.category)}",
            "detail": mask_text(detail), "since": as_utc(since).isoformat() if since else None,
            "due_at": as_utc(due_at).isoformat() if due_at else None, "overdue": overdue, "owner": owner}


def _attendance(reader, rows) -> dict:
    return pending_of(reader.session, RECORD, [r.repair_id for r in rows], reader.now())


def to_dispatch(args: dict, reader) -> list[dict]:
    """Repairs reported and free to dispatch (a paid one once the owner agreed)."""
    return [_item(r, r.summary, owner=r.reported_by) for r in _rows(reader, domain.REPORTED)
            if not r.paid or r.consent_at is not None]


def awaiting_acceptance(args: dict, reader) -> list[dict]:
    """Completed repairs awaiting CS acceptance on the next patrol."""
    return [_item(r, f"{r.work_order_no} {r.summary}", owner=r.follow_up) for r in _rows(reader, domain.COMPLETED)]


def attendance_overdue(args: dict, reader) -> list[dict]:
    """Dispatched (or re-opened) repairs not attended by their set (or agreed) time."""
    rows = _rows(reader, domain.DISPATCHED, domain.RESCHEDULED, domain.REOPENED)
    open_deadlines = _attendance(reader, rows)
    out = []
    for r in rows:
        late = [d for d in open_deadlines.get(r.repair_id, []) if d.rule == ATTENDANCE and d.overdue]
        if late:
            out.append(_item(r, f"{r.work_order_no} {vocab.REPAIR_TEAMS.label(r.team)}", due_at=late[0].due_at,
                             overdue=True, owner=r.follow_up))
    return sorted(out, key=lambda i: i["due_at"])


def escalated(args: dict, reader) -> list[dict]:
    """APP repairs rated below 3, escalated to the group hotline 95059."""
    return [_item(r, f"评分 {r.rating}: {r.rating_comment or ''}".strip(), owner=r.follow_up)
            for r in _rows(reader, domain.ESCALATED)]
