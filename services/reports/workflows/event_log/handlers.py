"""The event log's handlers: every event on the bus logged once, and the reads of it (a case's
timeline, the latest events).

`on_any_event` is subscribed to every event ("#"). It logs each event once (however often it is
delivered: the inbox, and the log's unique event id) and hands each newly logged event to the read
models fed from the log (`READ_MODELS`: the move-out board), all in the event's unit of work.
An event type without a contract is dead-lettered by the subscriber before it reaches the log
(`propdesk dlq list` shows it): register its contract and replay it.

Estates (管理处): each logged event has its business case's estate (its payload's ``estate``, else
what an earlier event of the case named; the case's rows without one get it as soon as an event
names it). Asked by a person (`reader.estates`), the timeline, the latest events and the board
show only their estates' cases: another estate's timeline is empty, as an unknown case's.
"""
from __future__ import annotations

from datetime import timezone

from sqlalchemy import select, update

from propdesk.chassis.db import aware
from propdesk.chassis.estates import within
from propdesk.contracts.envelope import Envelope
from propdesk.contracts.rpc import RecentEventSchema, TimelineEntrySchema
from propdesk_services.reports.workflows.event_log import domain
from propdesk_services.reports.workflows.event_log.models import EventLog
from propdesk_services.reports.workflows.move_out_board import handlers as move_out_board

#: What every newly logged event is also counted in: handler(event, uow).
READ_MODELS = (move_out_board.project,)

_TIMELINE = TimelineEntrySchema(many=True)
_RECENT = RecentEventSchema(many=True)


def on_any_event(event: Envelope, uow) -> None:
    """Log the event; count it in the read models (its move-out's state when it is one of the
    case's events)."""
    s = uow.session
    if s.scalar(select(EventLog.id).where(EventLog.event_id == event.event_id)) is not None:
        return
    estate = event.payload.get("estate")
    if estate:  # the case's rows logged before any of its events named the estate get it now
        s.execute(update(EventLog).where(EventLog.correlation_id == event.correlation_id,
                                         EventLog.estate.is_(None)).values(estate=estate))
    else:
        estate = case_estate(s, event.correlation_id)
    s.add(EventLog(
        event_id=event.event_id, event_type=event.event_type, version=event.version,
        producer=event.producer, correlation_id=event.correlation_id, causation_id=event.causation_id,
        estate=estate,
        actor_id=event.actor.id, actor_role=event.actor.role,
        occurred_at=aware(event.occurred_at).astimezone(timezone.utc), payload=event.payload,
        received_at=uow.now()))
    for read_model in READ_MODELS:
        read_model(event, uow)


def case_estate(session, correlation_id: str) -> str | None:
    """The estate an event of the business case named, if any did."""
    return session.scalar(select(EventLog.estate).where(EventLog.correlation_id == correlation_id,
                                                        EventLog.estate.is_not(None)).limit(1))


def timeline(args: dict, reader) -> list[dict]:
    """A business case's events (a move-out: its id), in the order they happened (then as received);
    none for a case of an estate the person asking does not work for (as for an unknown case)."""
    stmt = select(EventLog).where(EventLog.correlation_id == args["correlation_id"])
    rows = reader.session.scalars(within(stmt, EventLog.estate, reader.estates)
                                  .order_by(EventLog.occurred_at, EventLog.id)).all()
    return _TIMELINE.dump([_entry(r) for r in rows])


def recent_events(args: dict, reader) -> list[dict]:
    """The latest events received of the estates of the person asking, newest first (with their
    correlation id)."""
    stmt = within(select(EventLog), EventLog.estate, reader.estates)
    rows = reader.session.scalars(stmt.order_by(EventLog.id.desc()).limit(args["limit"])).all()
    return _RECENT.dump([{**_entry(r), "correlation_id": r.correlation_id} for r in rows])


def _entry(row: EventLog) -> dict:
    return domain.timeline_entry(event_id=row.event_id, event_type=row.event_type,
                                 occurred_at=aware(row.occurred_at).isoformat(), producer=row.producer,
                                 actor_id=row.actor_id, actor_role=row.actor_role, payload=row.payload)
