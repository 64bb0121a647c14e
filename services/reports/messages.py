"""reports' public surface: every query, subscription and timer, at a glance.

Read models fed by every event on the bus (domain.md §4, §7): the event log (a business case's
timeline, the latest events) and the move-out board (move-outs by state). Names are public
contract: a query is an RPC method ``reports.<name>``; the subscription's queue is
``reports.on_any_event``, bound to every event ("#"). Renaming one orphans a queue.
"""
from __future__ import annotations

from propdesk.chassis.workflow import Query
from propdesk_services.reports.workflows.event_log import handlers as event_log
from propdesk_services.reports.workflows.event_log import schemas as event_log_schemas
from propdesk_services.reports.workflows.move_out_board import handlers as move_out_board
from propdesk_services.reports.workflows.move_out_board import schemas as move_out_board_schemas

COMMANDS: dict = {}

QUERIES = {
    "timeline": Query(event_log.timeline, event_log_schemas.TimelineArgs),
    "recent_events": Query(event_log.recent_events, event_log_schemas.RecentEventsArgs),
    "move_out_counts": Query(move_out_board.move_out_counts, move_out_board_schemas.NoArgs),
}

SUBSCRIPTIONS = {"#": [event_log.on_any_event]}

TIMERS: dict = {}
