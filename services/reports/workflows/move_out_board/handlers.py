"""The move-out board's handlers: count a logged event on its case's card, and the counts by state.

The board is fed from the event log (`event_log.handlers.on_any_event` calls `project` for every
event it logs for the first time, in that event's unit of work); it has no queue of its own.
"""
from __future__ import annotations

from sqlalchemy import func, select

from propdesk.chassis.estates import within
from propdesk.contracts.envelope import Envelope
from propdesk.contracts.rpc import MoveOutCountsSchema
from propdesk.contracts.vocab import MOVE_OUT_STATES
from propdesk_services.reports.workflows.move_out_board import domain
from propdesk_services.reports.workflows.move_out_board.models import MoveOutProjection

_COUNTS = MoveOutCountsSchema()
_TRACKED = ("state", "release_slip_no", "fees_checked")


def project(event: Envelope, uow) -> None:
    """Count one event on its move-out's card (`domain.apply`); a state change is audited
    (``move_out.state``, from/to)."""
    move_out_id = domain.move_out_id_of(event.event_type, event.payload)
    if move_out_id is None:
        return
    s, now = uow.session, uow.now()
    card = s.get(MoveOutProjection, move_out_id, with_for_update=True)
    if card is None:
        card = MoveOutProjection(move_out_id=move_out_id, unit_id=event.payload.get("unit_id") or "",
                                 state=None, release_slip_no=None, fees_checked=False, updated_at=now)
        s.add(card)
    card.estate = card.estate or event.payload.get("estate")
    before = {attr: getattr(card, attr) for attr in _TRACKED}
    domain.apply(card, event.event_type, event.payload)
    if {attr: getattr(card, attr) for attr in _TRACKED} != before:
        card.updated_at = now
    if card.state != before["state"]:
        uow.audit("move_out.state", "move_out", move_out_id,
                  {"from": before["state"], "to": card.state, "release_slip_no": card.release_slip_no,
                   "event_type": event.event_type, "event_id": event.event_id})


def move_out_counts(args: dict, reader) -> dict:
    """Move-outs of the estates of the person asking by state (every state of the vocabulary
    listed, 0 when none) and in total."""
    stmt = within(select(MoveOutProjection.state, func.count()), MoveOutProjection.estate, reader.estates)
    counted = dict(reader.session.execute(stmt.group_by(MoveOutProjection.state)).all())
    by_state = {state: counted.pop(state, 0) for state in MOVE_OUT_STATES.codes}
    by_state.update(counted)  # a state the vocabulary no longer knows is still counted, not hidden
    return _COUNTS.dump({"by_state": by_state, "total": sum(by_state.values())})
