"""notify's public surface: every query, subscription and timer, at a glance.

Every outbound message of the desk (domain.md §7), to residents and to staff: stored from the
events below by their templates (`workflows/messages/domain.py`), delivered by a timer through the
channel plugins (`channels.py`, entry point group ``propdesk.notify_channels``) with retries.
Names are public contract: a query is an RPC method ``notify.<name>``; every event type below
reaches the one queue ``notify.on_event``. Renaming one orphans a queue.
"""
from __future__ import annotations

from propdesk.chassis.workflow import Query, Timer
from propdesk_services.notify.workflows.messages import domain as messages_domain
from propdesk_services.notify.workflows.messages import handlers as messages
from propdesk_services.notify.workflows.messages import schemas as messages_schemas
from propdesk_services.notify.workflows.messages import timers as delivery

COMMANDS: dict = {}

QUERIES = {
    "list_messages": Query(messages.list_messages, messages_schemas.ListMessagesArgs),
}

#: Every event type with a message template (``move_out.requested`` also records the tenant).
SUBSCRIPTIONS = {event_type: [messages.on_event] for event_type in messages_domain.HANDLED_EVENTS}

TIMERS = {
    "deliver_pending": Timer(delivery.deliver_pending, interval=1),
}
