"""Delivery: the 1-second timer that sends due messages through the channel plugins.

`deliver_pending(db)` reads due messages, oldest first, in bounded batches (`DELIVERY_BATCH`, up
to `BATCHES_PER_TICK` of them, so a backlog drains instead of growing); sends each through its
channel (`propdesk_services.notify.channels`) OUTSIDE any transaction; then, per message, records
the attempt (`domain.record_attempt`) in one unit of work, with ``notification.sent`` when the
outcome is final. That event's causation id is the event the message was made from, its
correlation id the case's.

Several notify processes (`propdesk run --scale notify=2`) share the messages: a batch read as
due is first CLAIMED, each message by a conditional update that sets `next_attempt_at` to
`CLAIM_S` from now only if it is still due, unchanged (same status, same attempts), in one short
transaction; a process sends only what it claimed, so two processes never send one message at
once. The claim is the message's lease: the attempt's outcome replaces it; a process that dies
between its claim and its record leaves the message to another after `CLAIM_S`.

Outbound messages are at-least-once: a crash (or a failed commit) after a channel accepted a
message and before its "sent" mark is recorded sends it again once the claim runs out. The mail
spool makes the repeat harmless (same file, overwritten); a future SMS/SMTP channel may duplicate.

Time is the service's clock (`db.clock`, `uow.now()`): a test moves a `FakeClock` past a retry
delay and ticks again, never sleeps.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import and_, or_, select, update

from propdesk_services.notify import channels as notify_channels
from propdesk_services.notify.workflows.messages import domain
from propdesk_services.notify.workflows.messages.handlers import tenant_of
from propdesk_services.notify.workflows.messages.models import Message

#: Messages read and sent together (one read, then one small unit of work per message).
DELIVERY_BATCH = 50
#: Batches one timer tick works through at most while full batches keep coming (the rest wait for
#: the next tick). 50 a tick was the ceiling before: about 10 move-outs a second made a backlog.
BATCHES_PER_TICK = 20
#: How long a claimed message is its process' to send and record (then due again for any process:
#: only if that process died in between). Longer than a batch's sends can take.
CLAIM_S = 300


def _due(now):
    """Due for an attempt: pending and not claimed (or its claim ran out), or failed with a retry due."""
    return or_(and_(Message.status == domain.PENDING,
                    or_(Message.next_attempt_at.is_(None), Message.next_attempt_at <= now)),
               and_(Message.status == domain.FAILED, Message.next_attempt_at.is_not(None),
                    Message.next_attempt_at <= now))


def deliver_pending(db) -> int:
    """Send due messages through their channels, then record each outcome; batch after batch
    while batches come back full, up to `BATCHES_PER_TICK`. Returns how many this process sent
    (claimed and attempted)."""
    channels = notify_channels.installed()
    done = 0
    for _ in range(BATCHES_PER_TICK):
        due, attempted = _deliver_batch(db, channels)
        done += attempted
        if due < DELIVERY_BATCH:
            break
    return done


def _deliver_batch(db, channels: dict) -> tuple[int, int]:
    """One batch of due messages, oldest first: (how many were due, how many this process claimed
    and attempted)."""
    now = db.clock.now()
    with db.session() as s:
        due = s.scalars(select(Message).where(_due(now)).order_by(Message.created_at, Message.id)
                        .limit(DELIVERY_BATCH)).all()
        s.expunge_all()  # plain values from here on: nothing below writes through this session
        for message in due:  # the tenant may be known by now (events arrive in any order)
            message.recipient_id = message.recipient_id or tenant_of(s, message.recipient_role, message.move_out_id)
    mine = _claim(db, due, now)
    # the session is closed: sending happens outside any transaction
    for message in mine:
        _record(db, message, _send(channels, message))
    return len(due), len(mine)


def _claim(db, due: list[Message], now) -> list[Message]:
    """The messages of `due` this process may send: each still due and unchanged since it was read
    (same status and attempts) gets its claim (`next_attempt_at` = now + `CLAIM_S`) in one short
    transaction; another process' claim, or its attempt meanwhile, leaves it out (rowcount 0).
    PostgreSQL: a row another claim holds is waited for, then found no longer due; SQLite: the
    write lock orders the two transactions."""
    if not due:
        return []
    until = now + timedelta(seconds=CLAIM_S)
    mine = []
    with db.session() as s:
        for message in due:
            claimed = s.execute(update(Message).where(
                Message.id == message.id, Message.status == message.status,
                Message.attempts == message.attempts, _due(now)).values(next_attempt_at=until)
                .execution_options(synchronize_session=False)).rowcount
            if claimed == 1:
                mine.append(message)
        s.commit()
    return mine


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
