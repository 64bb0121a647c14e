"""Time limits (domain.md §5), one mechanism for every service: durable, swept, breached once.

A workflow declares its rules in ``messages.DEADLINES``::

    DEADLINES = {
        "complaint.measures": Deadline(event="complaint.measures_overdue", escalate_to="cs_supervisor"),
    }

and a handler sets, moves, meets or cancels a deadline on one record in its own unit of work, so
the deadline commits (or not) with the state change that caused it::

    uow.set_deadline("complaint.measures", "complaint", cid, due_at, responsible=staff, estate=e1)
    uow.meet_deadline("complaint.measures", "complaint", cid)   # True: in time; False: not pending
    uow.cancel_deadlines("complaint", cid)

The service sweeps (the timer ``sweep_deadlines`` the chassis adds, every
``Settings.deadline_sweep_interval_s``): each pending deadline whose ``due_at <= now`` is claimed
by one ``UPDATE ... WHERE state = 'pending'`` (of several processes exactly one wins), marked
``breached``, and in that same transaction the rule's breach event is emitted (payload: rule,
record_type, record_id, due_at, responsible, escalate_to, estate, summary; its contract subclasses
`propdesk.contracts.events._fields.DeadlineBreach`), the breach audited and the rule's `on_breach`
handler run. After the commit `propdesk_deadline_breaches_total{service,rule}` counts it. notify
tells the responsible person and the `escalate_to` role of every breach event.

A deadline met at minute 29 of 30 is ``met`` and never breaches; swept at minute 31 it is
breached exactly once; met after that it becomes ``met_late`` (the record is no longer overdue, the
breach stays counted). Whether a rule counts wall-clock time or working days is the workflow's
choice when it computes `due_at` (`uow.calendar` counts China's working days).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, NamedTuple

from prometheus_client import Counter
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from propdesk.chassis.tables import DeadlineRow
from propdesk.contracts.envelope import Actor

log = logging.getLogger(__name__)

PENDING, MET, MET_LATE, BREACHED, CANCELLED = "pending", "met", "met_late", "breached", "cancelled"
#: States in which a deadline still concerns its record (a queue shows its due time or the breach).
OPEN_STATES = (PENDING, BREACHED)

BREACHES = Counter("propdesk_deadline_breaches", "Deadlines that passed unmet (swept and announced)",
                   ["service", "rule"])

#: How many due deadlines one sweep claims at most (the next sweep takes the rest).
SWEEP_BATCH = 500


@dataclass(frozen=True)
class Deadline:
    """A rule's row in ``messages.DEADLINES``: the event its breach emits, the role told besides the
    responsible person, and an optional ``on_breach(breach, uow)`` for the workflow's own effects."""

    event: str
    escalate_to: str | None = None
    on_breach: Callable[["Breach", Any], None] | None = None


class Breach(NamedTuple):
    rule: str
    record_type: str
    record_id: str
    due_at: datetime
    responsible: str | None
    escalate_to: str | None
    estate: str | None
    summary: str | None

    def payload(self) -> dict:
        return {**self._asdict(), "due_at": self.due_at.isoformat()}


class DeadlineView(NamedTuple):
    """An open deadline of a record, as a queue shows it."""

    rule: str
    due_at: datetime
    state: str
    overdue: bool


def _aware(dt: datetime) -> datetime:
    from propdesk.chassis.db import aware

    return aware(dt)


def _pending(session: Session, rule: str, record_type: str, record_id: str) -> DeadlineRow | None:
    return session.scalars(select(DeadlineRow).where(
        DeadlineRow.rule == rule, DeadlineRow.record_type == record_type,
        DeadlineRow.record_id == str(record_id), DeadlineRow.state == PENDING)).first()


def set_deadline(uow, rule: str, record_type: str, record_id: str, due_at: datetime, *,
                 responsible: str | None = None, estate: str | None = None, summary: str | None = None) -> None:
    """A pending deadline for `rule` on the record, due at `due_at` (aware); one already pending
    for the same rule and record is moved (an agreed reply time renegotiated), not duplicated."""
    if due_at.tzinfo is None:
        raise ValueError("due_at must carry its time zone")
    due_at = due_at.astimezone(timezone.utc)  # stored as UTC: SQLite keeps no offset
    row = _pending(uow.session, rule, record_type, record_id)
    if row is None:
        uow.session.add(DeadlineRow(rule=rule, record_type=record_type, record_id=str(record_id), due_at=due_at,
                                    state=PENDING, responsible=responsible, estate=estate,
                                    summary=(summary or None) and summary[:200],
                                    correlation_id=uow.correlation_id, created_at=uow.now()))
    else:
        row.due_at = due_at
        row.responsible = responsible if responsible is not None else row.responsible
        row.estate = estate if estate is not None else row.estate
        row.summary = summary[:200] if summary else row.summary
    uow.session.flush()


def meet_deadline(uow, rule: str, record_type: str, record_id: str) -> bool:
    """The deadline was met now: True when it was pending (met in time); False when it had
    already been breached (it becomes ``met_late``) or there was none."""
    now = uow.now()
    base = (DeadlineRow.rule == rule, DeadlineRow.record_type == record_type,
            DeadlineRow.record_id == str(record_id))
    met = uow.session.execute(update(DeadlineRow).where(*base, DeadlineRow.state == PENDING)
                              .values(state=MET, closed_at=now)).rowcount
    if met:
        return True
    uow.session.execute(update(DeadlineRow).where(*base, DeadlineRow.state == BREACHED)
                        .values(state=MET_LATE, closed_at=now))
    return False


def cancel_deadlines(uow, record_type: str, record_id: str, rule: str | None = None) -> int:
    """Cancel the record's pending deadlines (of `rule`, or all): the record no longer needs them.
    A breached one is closed too (it stays counted). Returns how many were pending."""
    conds = [DeadlineRow.record_type == record_type, DeadlineRow.record_id == str(record_id)]
    if rule is not None:
        conds.append(DeadlineRow.rule == rule)
    n = uow.session.execute(update(DeadlineRow).where(*conds, DeadlineRow.state == PENDING)
                            .values(state=CANCELLED, closed_at=uow.now())).rowcount
    uow.session.execute(update(DeadlineRow).where(*conds, DeadlineRow.state == BREACHED)
                        .values(state=MET_LATE, closed_at=uow.now()))
    return n


def pending_of(session: Session, record_type: str, record_ids, now: datetime | None = None) -> dict[str, list[DeadlineView]]:
    """{record id: its open deadlines (pending or breached), soonest first}. ``overdue`` is true
    for a breached one, and for a pending one past due at `now` (not swept yet)."""
    ids = [str(i) for i in record_ids]
    if not ids:
        return {}
    out: dict[str, list[DeadlineView]] = {}
    for chunk in (ids[i:i + 500] for i in range(0, len(ids), 500)):
        rows = session.execute(select(DeadlineRow.record_id, DeadlineRow.rule, DeadlineRow.due_at, DeadlineRow.state)
                               .where(DeadlineRow.record_type == record_type, DeadlineRow.record_id.in_(chunk),
                                      DeadlineRow.state.in_(OPEN_STATES))
                               .order_by(DeadlineRow.due_at)).all()
        for record_id, rule, due_at, state in rows:
            due_at = _aware(due_at)
            overdue = state == BREACHED or (now is not None and due_at <= now)
            out.setdefault(record_id, []).append(DeadlineView(rule, due_at, state, overdue))
    return out


def sweep(db, service: str, rules: dict[str, Deadline], batch: int = SWEEP_BATCH) -> int:
    """Breach every pending deadline that is due (at most `batch`): one unit of work each, claimed
    by a conditional update so that two processes never breach the same one. Returns how many this
    sweep breached."""
    now = db.clock.now()
    with db.session() as s:
        due = s.execute(select(DeadlineRow.id, DeadlineRow.rule).where(
            DeadlineRow.state == PENDING, DeadlineRow.due_at <= now)
            .order_by(DeadlineRow.due_at, DeadlineRow.id).limit(batch)).all()
    breached = 0
    for deadline_id, rule in due:
        spec = rules.get(rule)
        if spec is None:
            log.error("deadline %s has the rule %r, which this service's DEADLINES does not name; left pending",
                      deadline_id, rule)
            continue
        with db(actor=Actor.system(service)) as uow:
            claimed = uow.session.execute(update(DeadlineRow).where(
                DeadlineRow.id == deadline_id, DeadlineRow.state == PENDING)
                .values(state=BREACHED, closed_at=now)).rowcount
            if not claimed:
                continue  # met, moved or breached by another process meanwhile
            row = uow.session.get(DeadlineRow, deadline_id)
            if row.correlation_id:
                uow.correlation_id = row.correlation_id
            breach = Breach(rule, row.record_type, row.record_id, _aware(row.due_at), row.responsible,
                            spec.escalate_to, row.estate, row.summary)
            uow.emit(spec.event, breach.payload())
            uow.audit("deadline.breached", row.record_type, row.record_id,
                      {"rule": rule, "due_at": breach.due_at.isoformat(), "responsible": row.responsible})
            if spec.on_breach is not None:
                spec.on_breach(breach, uow)
            uow.commit()
        BREACHES.labels(service, rule).inc()
        breached += 1
    return breached


def declare(service: str, rules: dict[str, Deadline]) -> None:
    """Export each rule's breach counter at 0 from the service's start."""
    for rule in rules:
        BREACHES.labels(service, rule)
