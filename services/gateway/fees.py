"""What a move-out's fee check waits for, in the words of vocab.FEE_STATUSES: the one rule the
desk's case page (`desk.views.DeskView.fee_status`) and ``GET /api/move-outs/{id}``'s
``fee_status`` both follow, so the API says what the desk shows.

residents keeps the case's ``fees`` "pending" until billing answers the fee check (cleared or
outstanding); that plain value stays as it is in every answer. A pending check says more:

- "awaiting_meters" (待抄表): a metered unit's check waits for the final readings, and the case
  knows them as no supply cut yet (``supply_cut_at``, from ``unit.supply_cut``; billing checks an
  unmetered unit at once on the request, so a pending check before the cut is the wait for the
  meters, the rule residents' ``waiting_for`` also follows);
- "readings_held" (抄表待复核): after the cut, a final reading of this move-out that billing holds
  for the finance supervisor's review (billing's meter readings of the unit, `own_final_reading`);
- "pending" (待财务核查): else, the finance check itself.

A closed case (archived, withdrawn) and one whose owner has not consented yet keep ``fees`` as it
is. billing's readings are asked only when they decide the answer (`needs_readings`); when billing
does not answer them the status is "pending", as residents has it, and the caller names billing
as unavailable.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from propdesk.chassis.calendar import office_day
from propdesk.contracts.vocab import MOVE_OUT_CLOSED

#: residents' plain fee value while billing has not answered
PENDING = "pending"
#: billing's source of a final (move-out) reading, and a reading's state while held for review
FINAL_READING, HELD_READING = "final", "held"
#: a case in this state has not been sent to the departments yet (no fee check asked)
NOT_STARTED = ("OWNER_CONSENT_PENDING",)


def _check_pending(case: dict) -> bool:
    state = case.get("state")
    return case.get("fees") == PENDING and state not in MOVE_OUT_CLOSED and state not in NOT_STARTED


def needs_readings(case: dict) -> bool:
    """Whether the case's fee status depends on billing's meter readings of its unit: a pending
    check after the supply cut (only then does the desk or the API ask billing for them)."""
    return _check_pending(case) and bool(case.get("supply_cut_at")) and bool(case.get("unit_id"))


def fee_status(case: dict, readings: Iterable[dict] | None = None) -> str | None:
    """The case's fee status (a code of vocab.FEE_STATUSES; residents' ``fees`` when the check is not
    pending). `readings`: billing's meter readings of the case's unit (``list_meter_readings`` with
    its unit_id), when `needs_readings`; None when not asked or billing did not answer."""
    fees = case.get("fees")
    if not _check_pending(case):
        return fees
    if not case.get("supply_cut_at"):
        return "awaiting_meters"
    if any(own_final_reading(r, case) and r.get("state") == HELD_READING for r in readings or ()):
        return "readings_held"
    return PENDING


def own_final_reading(reading: dict, case: dict) -> bool:
    """A final reading of this move-out's cut: billing's ``move_out_id`` when it answers one, else
    read on the office day of the case's cut (a final reading is read as of the cut); an earlier
    move-out's final reading of the unit still held is that move-out's, not this one's."""
    if reading.get("source") != FINAL_READING:
        return False
    if reading.get("move_out_id") is not None:
        return reading["move_out_id"] == case.get("move_out_id")
    try:
        cut_day = office_day(datetime.fromisoformat(str(case.get("supply_cut_at")))).isoformat()
    except (TypeError, ValueError):
        return False
    return str(reading.get("read_on") or "")[:10] == cut_day
