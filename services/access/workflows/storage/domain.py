"""Small-item storage at the counter (寄存), domain.md §2.11 [003 §4]. Pure: no SQL, no clock.

    (REQUESTED) -> refused: flammable, explosive, highly toxic, cash, securities, valuables, anything
                   unsuitable — the reason told to the owner; nothing is recorded
                -> STORED: each item's name, quantity and features logged (物品存取登记表), the
                   depositor signs, a shelf or room named
    STORED -> OVERDUE (more than 3 days: the depositor is contacted, a notify task; the desk logs
              each contact and its outcome) -> COLLECTED
    STORED -> COLLECTED: identity verified, the collector signs, the retrieval time filled in and
              signed by staff
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from propdesk.contracts.vocab import STORAGE_ITEM_KINDS, STORAGE_REFUSED_KINDS, STORAGE_STATES
from propdesk.domain import Event, as_utc, blank
from propdesk.errors import Conflict, Problem, ValidationError

STORED, OVERDUE, COLLECTED = "stored", "overdue", "collected"
assert (STORED, OVERDUE, COLLECTED) == STORAGE_STATES.codes
#: More than this long on the shelf and the depositor is contacted [003]: wall-clock (inferred).
OVERDUE_AFTER = timedelta(days=3)


@dataclass(kw_only=True)
class Deposit:
    storage_no: str
    depositor_name: str
    unit_id: str | None
    estate: str
    items: list
    state: str = STORED
    stored_at: datetime
    overdue_at: datetime


def validate_deposit(data: dict) -> None:
    """Every broken rule of a storage request at once. An item of a refused kind is refused with
    the reason (not_storable): flammable, explosive, highly toxic items, cash, securities and
    valuables are not kept at the counter; the owner is told why."""
    problems: list[Problem] = []
    items = data.get("items") or []
    if not items:
        problems.append(Problem("items", "required", "list each item left"))
    for n, item in enumerate(items):
        kind = item.get("kind") or "ordinary"
        if kind in STORAGE_REFUSED_KINDS:
            term = STORAGE_ITEM_KINDS[kind]
            problems.append(Problem(f"items.{n}.kind", "not_storable",
                                    f"{term.zh} ({term.en.lower()}) cannot be left at the counter: the office does "
                                    "not keep flammable, explosive or toxic goods, cash, securities or valuables"))
        if blank(item.get("name")):
            problems.append(Problem(f"items.{n}.name", "required", "name the item"))
        if not 1 <= (item.get("quantity") or 0) <= 999:
            problems.append(Problem(f"items.{n}.quantity", "range", "1 to 999"))
    if not data.get("depositor_signed"):
        problems.append(Problem("depositor_signed", "depositor_signature", "the depositor signs the storage log"))
    if problems:
        raise ValidationError(problems)


def stored(d: Deposit) -> list[Event]:
    return [Event("parcel.stored", {"parcel_id": d.storage_no, "depositor": d.depositor_name, "unit_id": d.unit_id,
                                    "estate": d.estate, "items": [i["name"] for i in d.items],
                                    "stored_at": as_utc(d.stored_at).isoformat(),
                                    "overdue_at": as_utc(d.overdue_at).isoformat()})]


def due_overdue(d: Deposit, now: datetime) -> bool:
    return d.state == STORED and as_utc(d.overdue_at) <= now


def flag_overdue(d: Deposit, now: datetime) -> list[Event]:
    """Over 3 days on the shelf: OVERDUE, the depositor to be contacted (once)."""
    if not due_overdue(d, now):
        return []
    d.state = OVERDUE
    return [Event("parcel.overdue", {"parcel_id": d.storage_no, "depositor": d.depositor_name, "unit_id": d.unit_id,
                                     "estate": d.estate, "items": [i["name"] for i in d.items],
                                     "stored_at": as_utc(d.stored_at).isoformat(), "overdue_at": now.isoformat()})]


def collect(d: Deposit, data: dict, now: datetime) -> list[Event]:
    """取件: identity verified and the collector signs; Conflict (storage_no, not_collected) twice."""
    problems: list[Problem] = []
    if blank(data.get("collector_name")):
        problems.append(Problem("collector_name", "required", "who collects"))
    if not data.get("identity_verified"):
        problems.append(Problem("identity_verified", "identity_verified", "verify the collector's identity"))
    if not data.get("collector_signed"):
        problems.append(Problem("collector_signed", "collector_signature", "the collector signs the log"))
    if problems:
        raise ValidationError(problems)
    if d.state == COLLECTED:
        raise Conflict(f"{d.storage_no} was collected already", field="storage_no", rule="not_collected")
    d.state = COLLECTED
    return [Event("parcel.collected", {"parcel_id": d.storage_no, "depositor": d.depositor_name, "unit_id": d.unit_id,
                                       "estate": d.estate, "collector": data["collector_name"].strip(),
                                       "collected_at": now.isoformat()})]


def record_contact(d: Deposit, outcome: str, by: str, now: datetime) -> dict:
    """The depositor was contacted about an overdue deposit (or could not be reached): the outcome is
    logged. Conflict (storage_no, not_collected) once collected."""
    if blank(outcome):
        raise ValidationError.one("outcome", "required", "say what the depositor answered")
    if d.state == COLLECTED:
        raise Conflict(f"{d.storage_no} was collected already", field="storage_no", rule="not_collected")
    return {"outcome": outcome.strip(), "by": by, "at": now.isoformat()}


def next_commands(d: Deposit) -> list[str]:
    if d.state == COLLECTED:
        return []
    return ["collect_stored_item", "record_depositor_contacted"] if d.state == OVERDUE else ["collect_stored_item"]
