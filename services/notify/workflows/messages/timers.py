"""Delivery: the 1-second timer that sends due messages through the channel plugins.

`deliver_pending(db)` reads due messages, oldest first, in bounded batches (`DELIVERY_BATCH`, up
to `BATCHES_PER_TICK` of them, so a backlog drains instead of growing); sends each through its
channel (`propdesk_services.notify.channels`) OUTSIDE any transaction; then, per message, records
the attempt (`domain.record_attempt`) in one unit of work, with ``notification.sent`` when the
outcome is final. That event's causation id is the event the message was made from, its
correlation id the case's.

Outbound messages are at-least-once: a crash (or a failed commit) after a channel accepted a
message and before its "sent" mark is recorded sends it again on the next tick. The mail spool
makes the repeat harmless (same file, overwritten); a future SMS/SMTP channel may duplicate.
nameko's timer waits for its previous run, so one notify process never sends a message twice in
parallel; run one notify process per database (the SQLite default is one anyway).

Time is the service's clock (`db.clock`, `uow.now()`): a test moves a `FakeClock` past a retry
delay and ticks again, never sleeps.
"""
from __future__ import annotations

from sqlalchemy import and_, or_, select

from propdesk_services.notify import channels as notify_channels
from propdesk_services.notify.workflows.messages import domain
from propdesk_services.notify.workflows.messages.handlers import tenant_of
from propdesk_services.notify.workflows.messages.models import Message

#: Messages read and sent together (one read, then one small unit of work per message).
DELIVERY_BATCH = 50
#: Batches one timer tick works through at most while full batches keep coming (the rest wait for
#: the next tick). 50 a tick was the ceiling before: about 10 move-outs a second made a backlog.
BATCHES_PER_TICK = 20


def deliver_pending(db) -> int:
    """Send due messages through their channels, then record each outcome; batch after batch
    while batches come back full, up to `BATCHES_PER_TICK`. Returns how many were due."""
    channels = notify_channels.installed()
    done = 0
    for _ in range(BATCHES_PER_TICK):
        due = _deliver_batch(db, channels)
        done += due
        if due < DELIVERY_BATCH:
            break
    return done


def _deliver_batch(db, channels: dict) -> int:
    """One batch of due messages, oldest first; how many were due."""
    now = db.clock.now()
    with db.session() as s:
        due = s.scalars(
            select(Message)
            .where(or_(Message.status == domain.PENDING,
                       and_(Message.status == domain.FAILED, Message.next_attempt_at.is_not(None),
                            Message.next_attempt_at <= now)))
            .order_by(Message.created_at, Message.id)
            .limit(DELIVERY_BATCH)
        ).all()
        s.expunge_all()  # plain values from here on: nothing below writes through this session
        for message in due:  # the tenant may be known by now (events arrive in any order)
            message.recipient_id = message.recipient_id or tenant_of(s, message.recipient_role, message.move_out_id)
    # the session is closed: sending happens outside any transaction
    for message in due:
        _record(db, message, _send(channels, message))
    return len(due)


def _send(channels: dict, message: Message) -> str | None:
    """Hand one message to its channel; the error text if it failed."""
    channel = channels.get(message.channel)
    try:
        if channel is None:
            raise LookupError(f"no notify channel named {message.channel!r} is installed")
        channel.send(message)
    except Exception as exc:  # any channel fault is recorded on the message and retried
        return f"{type(exc).__name__}: {exc}"[:2000]
    return None


def _record(db, sent: Message, error: str | None) -> None:
    """One attempt's outcome, in its own unit of work."""
    with db(correlation_id=sent.correlation_id) as uow:
        row = uow.session.get(Message, sent.id, with_for_update=True)
        if row.status == domain.SENT:
            return
        row.recipient_id = sent.recipient_id
        final = domain.record_attempt(row, error, uow.now())
        if final:
            event = domain.notification_sent(row)
            uow.emit(event.type, event.payload, correlation_id=row.correlation_id, causation_id=row.event_id)
        uow.audit(f"message.{row.status}", "message", row.message_id,
                  {"channel": row.channel, "attempts": row.attempts, "error": error, "final": final})
        uow.commit()
