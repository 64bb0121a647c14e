"""Notify: every outbound message of the desk (domain.md §7), to residents and to staff.

Two steps, so that a slow or broken channel never holds a database transaction or loses a message:

1. `on_event` turns each event of `domain.HANDLED_EVENTS` into stored messages ("pending"), in
   the event's unit of work (inbox: the same event twice stores them once). The tenant of a
   move-out is remembered from ``move_out.requested`` (`Tenancy`), so a later message whose event
   does not name the tenant is still addressed.
2. `deliver_pending` (a 1-second timer) reads due messages, oldest first, in bounded batches
   (`DELIVERY_BATCH`, up to `BATCHES_PER_TICK` of them, so a backlog drains instead of growing); sends
   each through its channel plugin (`channels.py`) OUTSIDE any transaction; then, per message,
   records "sent" or "failed" (attempts + 1, last_error, next try per `domain.retry_at`) and emits
   ``notification.sent`` in one unit of work. ``notification.sent`` is emitted once per message:
   when it was sent, or when its last attempt failed.

Outbound messages are at-least-once: a crash (or a failed commit) after a channel accepted a
message and before its "sent" mark is recorded sends it again on the next tick. The mail spool
makes the repeat harmless (same file, overwritten); a future SMS/SMTP channel may duplicate.
The timer waits for its previous run, so one notify process never sends a message twice in
parallel; run one notify process per database (the SQLite default is one anyway).
"""
from __future__ import annotations

import uuid

from nameko.rpc import rpc
from nameko.timer import timer
from sqlalchemy import and_, or_, select

from propdesk.chassis.db import Database
from propdesk.chassis.edge import load_or_reject
from propdesk.chassis.messaging import subscribe
from propdesk.chassis.service import PropdeskService
from propdesk.contracts.envelope import utcnow
from propdesk.contracts.rpc import MessageSchema
from propdesk_services.notify import domain, models
from propdesk_services.notify.channels import NotifyChannels
from propdesk_services.notify.schemas import ListMessagesSchema

#: Messages read and sent together (one read, then one small unit of work per message).
DELIVERY_BATCH = 50
#: Batches one timer tick works through at most while full batches keep coming (the rest wait for
#: the next tick). 50 a tick was the ceiling before: about 10 move-outs a second made a backlog.
BATCHES_PER_TICK = 20

_MESSAGE_NS = uuid.UUID("3f0c7d52-7a36-4f43-9a43-2f6a1c8e5b10")


def message_id_for(event_id: str, index: int) -> str:
    """The same event always yields the same message ids (a duplicate cannot store a second copy)."""
    return uuid.uuid5(_MESSAGE_NS, f"{event_id}/{index}").hex


class NotifyService(PropdeskService):
    name = "notify"
    http_port = 9105
    db = Database(models.Base.metadata)
    channels = NotifyChannels()

    @staticmethod
    def load_demo(session) -> str:
        return "nothing to load (messages are made from events)"

    # -- events ----------------------------------------------------------------------------------
    @subscribe(*sorted(set(domain.HANDLED_EVENTS) | {"move_out.requested"}))
    def on_event(self, event):
        """Store the messages one event causes, addressed and routed to their channel."""
        p = event.payload
        with self.db() as uow:
            s = uow.session
            if event.event_type == "move_out.requested":
                s.merge(models.Tenancy(move_out_id=p["move_out_id"], tenant_id=p["tenant_id"], unit_id=p["unit_id"]))
                s.flush()
            move_out_id = p.get("move_out_id")
            now = utcnow()
            for index, message in enumerate(domain.messages_for(event.event_type, p)):
                row = models.Message(
                    message_id=message_id_for(event.event_id, index), correlation_id=event.correlation_id,
                    event_id=event.event_id, event_type=event.event_type, move_out_id=move_out_id,
                    channel=domain.channel_for(message.recipient_role), recipient_role=message.recipient_role,
                    recipient_id=message.recipient_id or _tenant_of(s, message.recipient_role, move_out_id),
                    subject=message.subject, body=message.body, status="pending", attempts=0, created_at=now)
                s.add(row)
                uow.audit("message.queue", "message", row.message_id,
                          {"event_type": event.event_type, "channel": row.channel,
                           "recipient_role": row.recipient_role, "recipient_id": row.recipient_id})
            uow.commit()

    # -- delivery --------------------------------------------------------------------------------
    @timer(interval=1)
    def deliver_pending(self):
        """Send due messages through their channels, then record each outcome; batch after batch
        while batches come back full, up to `BATCHES_PER_TICK`."""
        for _ in range(BATCHES_PER_TICK):
            if self._deliver_batch() < DELIVERY_BATCH:
                return

    def _deliver_batch(self) -> int:
        """One batch of due messages, oldest first; how many were due."""
        now = utcnow()
        with self.db.session() as s:
            due = s.scalars(
                select(models.Message)
                .where(or_(models.Message.status == "pending",
                           and_(models.Message.status == "failed", models.Message.next_attempt_at.is_not(None),
                                models.Message.next_attempt_at <= now)))
                .order_by(models.Message.created_at, models.Message.id)
                .limit(DELIVERY_BATCH)
            ).all()
            s.expunge_all()  # plain values from here on: nothing below writes through this session
            for message in due:  # the tenant may be known by now (events arrive in any order)
                message.recipient_id = message.recipient_id or _tenant_of(s, message.recipient_role,
                                                                          message.move_out_id)
        # the session is closed: sending happens outside any transaction
        for message in due:
            self._record(message, self._send(message))
        return len(due)

    def _send(self, message: models.Message) -> str | None:
        """Hand one message to its channel; the error text if it failed."""
        channel = self.channels.get(message.channel)
        try:
            if channel is None:
                raise LookupError(f"no notify channel named {message.channel!r} is installed")
            channel.send(message)
        except Exception as exc:  # any channel fault is recorded on the message and retried
            return f"{type(exc).__name__}: {exc}"[:2000]
        return None

    def _record(self, sent: models.Message, error: str | None) -> None:
        with self.db(correlation_id=sent.correlation_id) as uow:
            row = uow.session.get(models.Message, sent.id, with_for_update=True)
            if row.status == "sent":
                return
            now = utcnow()
            row.attempts += 1
            row.recipient_id = sent.recipient_id
            if error is None:
                row.status, row.sent_at, row.next_attempt_at = "sent", now, None
            else:
                row.status, row.last_error, row.next_attempt_at = "failed", error, domain.retry_at(row.attempts, now)
            final = row.status == "sent" or row.next_attempt_at is None
            if final:
                uow.emit("notification.sent", {
                    "message_id": row.message_id, "channel": row.channel, "recipient_role": row.recipient_role,
                    "recipient_id": row.recipient_id, "subject": row.subject, "status": row.status})
            uow.audit(f"message.{row.status}", "message", row.message_id,
                      {"channel": row.channel, "attempts": row.attempts, "error": error, "final": final})
            uow.commit()

    # -- reads -----------------------------------------------------------------------------------
    @rpc
    def list_messages(self, correlation_id: str | None = None, recipient_role: str | None = None,
                      status: str | None = None) -> list[dict]:
        """Stored messages, oldest first; a staff role's "sent" messages are its desk inbox."""
        data = load_or_reject(ListMessagesSchema(), {"correlation_id": correlation_id,
                                                     "recipient_role": recipient_role, "status": status})
        stmt = select(models.Message).order_by(models.Message.id)
        for column in ("correlation_id", "recipient_role", "status"):
            if data[column] is not None:
                stmt = stmt.where(getattr(models.Message, column) == data[column])
        with self.db.session() as s:
            return MessageSchema(many=True).dump(s.scalars(stmt).all())


def _tenant_of(session, recipient_role: str, move_out_id: str | None) -> str | None:
    """The tenant of a move-out, when the message is for the tenant and the tenancy is known."""
    if recipient_role != domain.TENANT or not move_out_id:
        return None
    tenancy = session.get(models.Tenancy, move_out_id)
    return tenancy.tenant_id if tenancy else None
