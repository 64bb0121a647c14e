"""The messages workflow's handlers: store the messages an event causes, list them for the desk.

Plain functions of (message, uow) / (args, reader); the chassis runs them (inbox, unit of work,
commit). Delivery is the timer in `timers.py`.

    <event of domain.HANDLED_EVENTS>  -> on_event: one "pending" row per message of its template,
                                         addressed to the tenant recorded from move_out.requested
    deliver_pending (timer, 1 s)      -> each due message through its channel; "sent" or "failed";
                                         notification.sent once its outcome is final
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from propdesk.chassis.estates import within
from propdesk.contracts.envelope import Envelope
from propdesk.contracts.rpc import MessageSchema
from propdesk_services.notify.workflows.messages import domain
from propdesk_services.notify.workflows.messages.models import Message, Tenancy

_MESSAGES = MessageSchema(many=True)


def on_event(event: Envelope, uow) -> None:
    """Store the messages one event causes, addressed and routed to their channel (inbox: the
    same event twice stores them once). ``move_out.requested`` also records the move-out's tenant."""
    p, s = event.payload, uow.session
    if event.event_type == "move_out.requested":
        s.merge(Tenancy(move_out_id=p["move_out_id"], tenant_id=p["tenant_id"], unit_id=p["unit_id"],
                        estate=p.get("estate")))
        s.flush()
    move_out_id = p.get("move_out_id")
    estate = p.get("estate") or estate_of_case(s, move_out_id)
    now = uow.now()
    for index, message in enumerate(domain.messages_for(event.event_type, p)):
        row = Message(
            message_id=domain.message_id_for(event.event_id, index), correlation_id=event.correlation_id,
            event_id=event.event_id, event_type=event.event_type, move_out_id=move_out_id, estate=estate,
            channel=domain.channel_for(message.recipient_role), recipient_role=message.recipient_role,
            recipient_id=message.recipient_id or tenant_of(s, message.recipient_role, move_out_id),
            subject=message.subject, body=message.body, status=domain.PENDING, attempts=0, created_at=now)
        s.add(row)
        uow.audit("message.queue", "message", row.message_id,
                  {"event_type": event.event_type, "channel": row.channel,
                   "recipient_role": row.recipient_role, "recipient_id": row.recipient_id})


def list_messages(args: dict, reader) -> list[dict]:
    """Stored messages of the estates of the person asking, oldest first; a staff role's "sent"
    messages are its desk inbox."""
    stmt = within(select(Message), Message.estate, reader.estates).order_by(Message.id)
    for column in ("correlation_id", "recipient_role", "status"):
        if args[column] is not None:
            stmt = stmt.where(getattr(Message, column) == args[column])
    return _MESSAGES.dump(reader.session.scalars(stmt).all())


def estate_of_case(session: Session, move_out_id: str | None) -> str | None:
    """The move-out's estate, as its ``move_out.requested`` named it (None when unknown)."""
    tenancy = session.get(Tenancy, move_out_id) if move_out_id else None
    return tenancy.estate if tenancy else None


def tenant_of(session: Session, recipient_role: str, move_out_id: str | None) -> str | None:
    """The tenant of a move-out, when the message is for the tenant and the tenancy is known."""
    if recipient_role != domain.TENANT or not move_out_id:
        return None
    tenancy = session.get(Tenancy, move_out_id)
    return tenancy.tenant_id if tenancy else None
