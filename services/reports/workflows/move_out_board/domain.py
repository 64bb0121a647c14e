"""The move-out board: where each tenant move-out (租户撤场, domain.md §2.6) stands, from its events.
Pure: no nameko, no SQL, no I/O.

The states are the office's, `propdesk.contracts.vocab.MOVE_OUT_STATES` (residents decides with the
same codes); the board adds two facts of its own: the goods release slip's number
(`release_slip_no`, 物品放行条) and whether finance's fee check is in (`fees_checked`).

Events of one case reach reports in any order (each producer has its own outbox), so the state only
moves forward along the saga, least to most advanced as the vocabulary orders them::

    move_out.requested                      -> APPLICATION_ACCEPTED
    move_out.inspection_completed (defects) -> DEFECTS_FOUND
    move_out.inspection_completed (passed)  -> INSPECTION_PASSED, FEES_CHECKED if the fee check is in
    billing.clearance_confirmed / _failed   -> fees_checked; INSPECTION_PASSED -> FEES_CHECKED
    move_out.release_approved               -> RELEASE_APPROVED
    release_slip.issued                     -> RELEASE_APPROVED (a slip means release was approved), slip no.
    release_slip.released                   -> GOODS_RELEASED
    move_out.completed                      -> ARCHIVED
    move_out.withdrawn                      -> WITHDRAWN

A re-inspection that passes after defects were found is forward (DEFECTS_FOUND -> INSPECTION_PASSED);
a late "defects" after a pass is not. ARCHIVED and WITHDRAWN close a case: nothing moves it after.
OWNER_CONSENT_PENDING is residents' state before it accepts an application, which no event reports,
so the board never counts a case there (the counts still list it, with 0).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from propdesk.contracts.vocab import MOVE_OUT_CLOSED, MOVE_OUT_STATES

APPLICATION_ACCEPTED = "APPLICATION_ACCEPTED"
DEFECTS_FOUND = "DEFECTS_FOUND"
INSPECTION_PASSED = "INSPECTION_PASSED"
FEES_CHECKED = "FEES_CHECKED"
RELEASE_APPROVED = "RELEASE_APPROVED"
GOODS_RELEASED = "GOODS_RELEASED"
ARCHIVED = "ARCHIVED"
WITHDRAWN = "WITHDRAWN"
assert all(s in MOVE_OUT_STATES for s in (APPLICATION_ACCEPTED, DEFECTS_FOUND, INSPECTION_PASSED, FEES_CHECKED,
                                          RELEASE_APPROVED, GOODS_RELEASED, ARCHIVED, WITHDRAWN))
assert set(MOVE_OUT_CLOSED) == {ARCHIVED, WITHDRAWN}


@dataclass(kw_only=True)
class MoveOutCard:
    """One case on the board (the service stores it as a row with the same attribute names)."""

    move_out_id: str
    unit_id: str
    state: str | None = None
    release_slip_no: str | None = None
    fees_checked: bool = False


def _inspection(card, p: dict) -> str:
    if not p.get("passed"):
        return DEFECTS_FOUND
    return FEES_CHECKED if card.fees_checked else INSPECTION_PASSED


def _clearance(card, p: dict) -> str:
    card.fees_checked = True
    return FEES_CHECKED if card.state == INSPECTION_PASSED else APPLICATION_ACCEPTED


def _slip_issued(card, p: dict) -> str:
    card.release_slip_no = card.release_slip_no or p.get("slip_id")
    return RELEASE_APPROVED


def _goods_released(card, p: dict) -> str:
    card.release_slip_no = card.release_slip_no or p.get("slip_id")
    return GOODS_RELEASED


#: event type -> the state it shows the case has reached (noting the board's own facts on the way)
_REACHES: dict[str, Callable[[MoveOutCard, dict], str]] = {
    "move_out.requested": lambda card, p: APPLICATION_ACCEPTED,
    "move_out.inspection_completed": _inspection,
    "billing.clearance_confirmed": _clearance,
    "billing.clearance_failed": _clearance,
    "move_out.release_approved": lambda card, p: RELEASE_APPROVED,
    "release_slip.issued": _slip_issued,
    "release_slip.released": _goods_released,
    "move_out.completed": lambda card, p: ARCHIVED,
    "move_out.withdrawn": lambda card, p: WITHDRAWN,
}


def move_out_id_of(event_type: str, payload: dict) -> str | None:
    """The move-out an event is about (None for other events, or a slip or a fee check not tied
    to a move-out)."""
    if event_type not in _REACHES:
        return None
    return payload.get("move_out_id") or None


def apply(card, event_type: str, payload: dict) -> None:
    """Count one more event of the case: its state becomes the later of the current one and the
    one the event reaches (a closed case stays closed); the slip number and the fee check are
    noted. Events that don't concern the board change nothing. ValueError for a state the
    vocabulary does not know."""
    reach = _REACHES.get(event_type)
    if reach is None:
        return
    if card.state is not None and card.state not in MOVE_OUT_STATES:
        raise ValueError(f"unknown move-out state {card.state!r}")
    reached = reach(card, payload)
    if card.state in MOVE_OUT_CLOSED:
        return
    if card.state is None or MOVE_OUT_STATES.rank(reached) > MOVE_OUT_STATES.rank(card.state):
        card.state = reached
