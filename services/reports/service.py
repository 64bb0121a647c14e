"""Reports: read models fed by every event on the bus (domain.md §4, §7).

`on_any_event` keeps the event log (each event once, however often it is delivered) and the state
of each tenant move-out (`domain.move_out_state_after`). The queries read only these tables:
a case's timeline, move-out counts by state, the latest events.

An event type without a contract is dead-lettered by the subscriber before it reaches the log
(`propdesk dlq list` shows it): register its contract and replay it.
"""
from __future__ import annotations

from datetime import timezone

from nameko.rpc import rpc
from sqlalchemy import func, select

from propdesk.chassis.db import Database, aware
from propdesk.chassis.edge import load_or_reject
from propdesk.chassis.messaging import subscribe
from propdesk.chassis.service import PropdeskService
from propdesk.contracts.envelope import utcnow
from propdesk.contracts.rpc import MoveOutCountsSchema, RecentEventSchema, TimelineEntrySchema
from propdesk_services.reports import domain, models
from propdesk_services.reports.schemas import RecentEventsSchema, TimelineSchema


class ReportsService(PropdeskService):
    name = "reports"
    http_port = 9106
    db = Database(models.Base.metadata)

    @staticmethod
    def load_demo(session) -> str:
        return "nothing to load (reports are fed by events)"

    # -- events ----------------------------------------------------------------------------------
    @subscribe("#")
    def on_any_event(self, event):
        """Log the event; advance its move-out's state when it is one of the case's events."""
        with self.db() as uow:
            s = uow.session
            if s.scalar(select(models.EventLog.id).where(models.EventLog.event_id == event.event_id)) is None:
                now = utcnow()
                s.add(models.EventLog(
                    event_id=event.event_id, event_type=event.event_type, version=event.version,
                    producer=event.producer, correlation_id=event.correlation_id, causation_id=event.causation_id,
                    actor_id=event.actor.id, actor_role=event.actor.role,
                    occurred_at=aware(event.occurred_at).astimezone(timezone.utc), payload=event.payload,
                    received_at=now))
                self._project_move_out(uow, event, now)
            uow.commit()

    @staticmethod
    def _project_move_out(uow, event, now) -> None:
        move_out_id = domain.move_out_id_of(event.event_type, event.payload)
        if move_out_id is None:
            return
        row = uow.session.get(models.MoveOutProjection, move_out_id, with_for_update=True)
        before = row.state if row else None
        after = domain.move_out_state_after(before, event.event_type, event.payload)
        if row is None:
            row = models.MoveOutProjection(move_out_id=move_out_id, unit_id=event.payload.get("unit_id") or "",
                                           state=after, updated_at=now)
            uow.session.add(row)
        if after != before:
            row.state, row.updated_at = after, now
            uow.audit("move_out.state", "move_out", move_out_id,
                      {"from": before, "to": after, "event_type": event.event_type, "event_id": event.event_id})

    # -- reads -----------------------------------------------------------------------------------
    @rpc
    def timeline(self, correlation_id: str) -> list[dict]:
        """A business case's events (a move-out: its id), in the order they happened."""
        data = load_or_reject(TimelineSchema(), {"correlation_id": correlation_id})
        with self.db.session() as s:
            rows = s.scalars(select(models.EventLog)
                             .where(models.EventLog.correlation_id == data["correlation_id"])
                             .order_by(models.EventLog.occurred_at, models.EventLog.id)).all()
            return TimelineEntrySchema(many=True).dump([_entry(r) for r in rows])

    @rpc
    def move_out_counts(self) -> dict:
        """Move-outs by state (every known state listed, 0 when none) and in total."""
        with self.db.session() as s:
            counted = dict(s.execute(select(models.MoveOutProjection.state, func.count())
                                     .group_by(models.MoveOutProjection.state)).all())
        by_state = {state: counted.pop(state, 0) for state in domain.MOVE_OUT_STATES}
        by_state.update(counted)
        return MoveOutCountsSchema().dump({"by_state": by_state, "total": sum(by_state.values())})

    @rpc
    def recent_events(self, limit: int = 50) -> list[dict]:
        """The latest events received, newest first (with their correlation id)."""
        data = load_or_reject(RecentEventsSchema(), {"limit": limit})
        with self.db.session() as s:
            rows = s.scalars(select(models.EventLog).order_by(models.EventLog.id.desc()).limit(data["limit"])).all()
            return RecentEventSchema(many=True).dump([{**_entry(r), "correlation_id": r.correlation_id} for r in rows])


def _entry(row: models.EventLog) -> dict:
    return domain.timeline_entry(event_id=row.event_id, event_type=row.event_type,
                                 occurred_at=aware(row.occurred_at).isoformat(), producer=row.producer,
                                 actor_id=row.actor_id, actor_role=row.actor_role, payload=row.payload)
