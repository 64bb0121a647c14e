"""Fee clearance (费用结清) for a move-out, pure domain logic: finance's answer and its re-check.

domain.md §2.6 FEES_CHECKED and [004 WI/FW-020] (fees must be settled before a goods release slip
is issued at move-out), §8 (``billing.clearance_confirmed`` / ``billing.clearance_failed``).
Plain Python: no nameko, no SQL, no I/O. The stored row (`models.ClearanceRequest`) has the
attributes of `Clearance`, so the rules take either.

The rules:

- On ``move_out.requested`` finance checks the unit's balance once per move-out and answers
  ``billing.clearance_confirmed`` (nothing owed: the clearance is "confirmed") or
  ``billing.clearance_failed`` with the amount (the clearance stays "pending"). A unit with no
  fee account owes nothing and is confirmed; a credit (prepaid money) counts as nothing owed.
- A unit with a metered tariff in force (water, electricity) is not checked on the request: the
  check waits for engineering's final meter readings (``unit.supply_cut``, METERS_READ_AND_CUT),
  "awaiting_meters", and announces nothing (residents shows the case waiting for finance's check;
  neither answer of the contract is true yet). The cut's readings are billed, then the check is
  decided for the first time (`decide`: confirmed, or failed with the amount, as on a request); a
  final reading of its own (recorded from its cut) held for review keeps it waiting
  ("readings_held") until the supervisor accepts, corrects or supersedes it; an earlier
  move-out's of the unit does not. A cut that arrives before the request leaves "meters_read":
  the request then checks at once. A payment confirms none of these (it re-checks "pending" only).
- A payment re-checks the unit's pending clearances in its own unit of work: one it settles is
  confirmed and announced (``billing.clearance_confirmed``); one still owing keeps "pending" with
  the new amount and announces nothing: the failure already announced stands, consumers are not
  told "still not cleared" once per payment (the desk reads the current amount from the balance).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from propdesk.domain import Event
from propdesk.errors import ValidationError
from propdesk.money import CENT, money

#: A clearance's status: "pending" while the unit owes, "confirmed" once it owes nothing,
#: "withdrawn" when the move-out was withdrawn first (no payment confirms it any more).
PENDING = "pending"
CONFIRMED = "confirmed"
WITHDRAWN = "withdrawn"
#: not decided yet, nothing announced: the unit is metered and engineering's final readings are not
#: in ("awaiting_meters"), or one of them is held for the supervisor's review ("readings_held")
AWAITING_METERS = "awaiting_meters"
READINGS_HELD = "readings_held"
#: engineering's cut (``unit.supply_cut``) arrived before ``move_out.requested``: the request checks at once
METERS_READ = "meters_read"
UNDECIDED = (AWAITING_METERS, READINGS_HELD)
STATUSES = (PENDING, CONFIRMED, WITHDRAWN, AWAITING_METERS, READINGS_HELD, METERS_READ)

CLEARANCE_CONFIRMED = "billing.clearance_confirmed"
CLEARANCE_FAILED = "billing.clearance_failed"


@dataclass(kw_only=True)
class Clearance:
    """Finance's fee check for one move-out (费用结清); `last_outstanding` as last computed."""

    move_out_id: str
    unit_id: str
    party_id: str | None
    #: the unit's estate (管理处, vocab.ESTATES): from the move-out's event, else the fee account's
    estate: str | None = None
    status: str = PENDING
    last_outstanding: Decimal = Decimal("0.00")
    created_at: datetime | None = None
    updated_at: datetime | None = None


def withdraw(clearance: Clearance, at: datetime) -> bool:
    """The move-out was withdrawn: a pending (or not yet decided) clearance is closed (a later
    payment or final reading is the unit's, not the withdrawn case's). A confirmed one stays as it
    is. Returns whether it changed."""
    if clearance.status not in (PENDING, *UNDECIDED, METERS_READ):
        return False
    clearance.status = WITHDRAWN
    clearance.updated_at = at
    return True


def settled(outstanding: Decimal) -> bool:
    """Nothing owed (a credit counts as nothing owed)."""
    return Decimal(outstanding).quantize(CENT) <= 0


def clearance_event(
    unit_id: str,
    party_id: str | None,
    outstanding: Decimal,
    move_out_id: str | None,
    as_of: datetime,
    estate: str | None = None,
) -> Event:
    """Finance's fee-clearance answer (费用结清 check, [004 WI/FW-020]).

    ``billing.clearance_confirmed`` when `outstanding` <= 0, else ``billing.clearance_failed``.
    Payload: unit_id, estate, party_id, move_out_id, outstanding_amount ("1234.50"; negative for a
    credit), as_of (ISO 8601; must be timezone-aware: ValidationError as_of/timezone_aware).
    """
    if as_of.tzinfo is None or as_of.tzinfo.utcoffset(as_of) is None:
        raise ValidationError.one("as_of", "timezone_aware", "as_of must carry a timezone")
    amount = Decimal(outstanding).quantize(CENT)
    return Event(
        CLEARANCE_CONFIRMED if settled(amount) else CLEARANCE_FAILED,
        {
            "unit_id": unit_id,
            "estate": estate,
            "party_id": party_id,
            "move_out_id": move_out_id,
            "outstanding_amount": money(amount),
            "as_of": as_of.isoformat(),
        },
    )


def check(move_out_id: str, unit_id: str, party_id: str | None, outstanding: Decimal, at: datetime,
          estate: str | None = None) -> tuple[Clearance, Event]:
    """The fee check for a move-out just requested: the clearance to keep ("confirmed" when the
    unit owes nothing, else "pending" with the amount) and the answer to announce."""
    answer = clearance_event(unit_id, party_id, outstanding, move_out_id, at, estate)
    clearance = Clearance(
        move_out_id=move_out_id, unit_id=unit_id, party_id=party_id, estate=estate,
        status=CONFIRMED if answer.type == CLEARANCE_CONFIRMED else PENDING,
        last_outstanding=Decimal(outstanding).quantize(CENT), created_at=at, updated_at=at,
    )
    return clearance, answer


def awaiting_meters(move_out_id: str, unit_id: str, party_id: str | None, outstanding: Decimal, at: datetime,
                    estate: str | None = None, held: bool = False) -> Clearance:
    """The fee check of a move-out whose unit is metered: not decided, nothing announced, until
    engineering's final readings are billed ("awaiting_meters"; "readings_held" when the cut is in
    but a final reading is held for review). `outstanding` is the balance as it stood, for the record."""
    return Clearance(move_out_id=move_out_id, unit_id=unit_id, party_id=party_id, estate=estate,
                     status=READINGS_HELD if held else AWAITING_METERS,
                     last_outstanding=Decimal(outstanding).quantize(CENT), created_at=at, updated_at=at)


def decide(clearance, outstanding: Decimal, at: datetime) -> list[Event]:
    """The first decision of a fee check that waited for the final readings, once they are billed:
    as on a request, "confirmed" and ``billing.clearance_confirmed`` when the unit owes nothing,
    else "pending" and ``billing.clearance_failed`` with the amount. Only an undecided check."""
    if clearance.status not in UNDECIDED:
        return []
    amount = Decimal(outstanding).quantize(CENT)
    answer = clearance_event(clearance.unit_id, clearance.party_id, amount, clearance.move_out_id, at,
                             clearance.estate)
    clearance.status = CONFIRMED if answer.type == CLEARANCE_CONFIRMED else PENDING
    clearance.last_outstanding, clearance.updated_at = amount, at
    return [answer]


def redecide_after_final_readings(clearance, outstanding: Decimal, at: datetime) -> list[Event]:
    """Re-decide a move-out's fee check once engineering's final meter readings (``unit.supply_cut``)
    are on the ledger: the last month's water and electricity are part of what the tenant owes.

    Pending: settled -> "confirmed" and ``billing.clearance_confirmed``; still owing a different
    amount -> the new amount is announced (``billing.clearance_failed``: the desk shows what is owed
    now); the same amount -> nothing. Confirmed: owing now -> back to "pending" and
    ``billing.clearance_failed`` (residents holds the release if not yet approved, else records the
    contradiction for the CS supervisor); still settled -> nothing. Withdrawn (or not decided yet:
    `decide` is for that): nothing."""
    if clearance.status not in (PENDING, CONFIRMED):
        return []
    amount = Decimal(outstanding).quantize(CENT)
    before, was = clearance.status, Decimal(clearance.last_outstanding).quantize(CENT)
    answer = clearance_event(clearance.unit_id, clearance.party_id, amount, clearance.move_out_id, at,
                             clearance.estate)
    clearance.last_outstanding, clearance.updated_at = amount, at
    if answer.type == CLEARANCE_CONFIRMED:
        clearance.status = CONFIRMED
        return [answer] if before == PENDING else []
    clearance.status = PENDING
    return [answer] if before == CONFIRMED or amount != was else []


def recheck(clearance, outstanding: Decimal, at: datetime) -> list[Event]:
    """Re-check a pending clearance against the unit's balance after a payment.

    Stores the amount (`last_outstanding`, `updated_at`). Settled: status "confirmed" and
    ``billing.clearance_confirmed`` to announce. Still owing: stays "pending", nothing to announce
    (the failure already announced stands)."""
    answer = clearance_event(clearance.unit_id, clearance.party_id, outstanding, clearance.move_out_id, at,
                             clearance.estate)
    clearance.last_outstanding = Decimal(outstanding).quantize(CENT)
    clearance.updated_at = at
    if answer.type != CLEARANCE_CONFIRMED:
        return []
    clearance.status = CONFIRMED
    return [answer]
