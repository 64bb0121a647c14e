"""Lost & found (拾获物品), domain.md §2.10. Pure: no SQL, no clock.

    REGISTERED (two staff count it together, both named, both sign; itemised) [003]
      -> HANDED_TO_POLICE   dangerous or important items (confidential papers, large cash, rare
                            animals or plants, firearms, contraband) [000]; never publicised
      -> PUBLICISED         APP, owner groups, notice board [003]
      -> RETURNED           a claim verified: the claimant described the item and showed a valid
                            ID, the condition confirmed with them, they signed [000][003]
         (a claim that cannot be verified is refused with its reason and escalated to the
          service-centre head; the item stays where it was) [003]
      -> UNCLAIMED          3 months after registration, flagged by the service's timer [003]
      -> HANDED_TO_FINANCE  the listed item handed to finance [003]

Items are kept strictly, never borrowed or used [000].
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime

from propdesk.contracts.vocab import LOST_ITEM_CATEGORIES, LOST_ITEM_POLICE_CATEGORIES, LOST_ITEM_STATES, PUBLICITY_CHANNELS
from propdesk.domain import Event, as_utc, blank
from propdesk.errors import Conflict, Problem, ValidationError
from propdesk.privacy import valid_id_number

REGISTERED, PUBLICISED, RETURNED = "registered", "publicised", "returned"
HANDED_TO_POLICE, UNCLAIMED, HANDED_TO_FINANCE = "handed_to_police", "unclaimed", "handed_to_finance"
assert (REGISTERED, PUBLICISED, RETURNED, HANDED_TO_POLICE, UNCLAIMED, HANDED_TO_FINANCE) == LOST_ITEM_STATES.codes
#: States in which the item is on the shelf, waiting for its owner.
HELD = (REGISTERED, PUBLICISED)
#: Unclaimed after this many months, the item is listed for finance [003].
UNCLAIMED_AFTER_MONTHS = 3


@dataclass(kw_only=True)
class LostItem:
    item_no: str
    category: str
    description: str
    estate: str
    state: str = REGISTERED
    registered_at: datetime
    unclaimed_at: datetime
    claims: list = field(default_factory=list)


def police_required(category: str) -> bool:
    return category in LOST_ITEM_POLICE_CATEGORIES


def add_months(day: date, months: int) -> date:
    """The same day `months` later (the month's last day when it has fewer days)."""
    year, month = divmod(day.month - 1 + months, 12)
    year, month = day.year + year, month + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def validate_registration(data: dict, registrar: str) -> None:
    """Every broken rule of a registration at once.

    ===================  ==========================  ==========================================
    field                rule                        when
    ===================  ==========================  ==========================================
    items                required                    no item listed (the itemised entry)
    second_registrar     second_registrar_differs    the second counter is the one registering
    both_signed          both_signatures             the two staff have not both signed
    category             one_of                      not in LOST_ITEM_CATEGORIES
    ===================  ==========================  ==========================================
    """
    problems: list[Problem] = []
    if not [i for i in data.get("items") or [] if not blank(i)]:
        problems.append(Problem("items", "required", "list every item found"))
    if (data.get("second_registrar") or "").strip().lower() == registrar.strip().lower():
        problems.append(Problem("second_registrar", "second_registrar_differs",
                                "two different staff count a found item together"))
    if not data.get("both_signed"):
        problems.append(Problem("both_signed", "both_signatures", "both staff sign the register"))
    if data.get("category") not in LOST_ITEM_CATEGORIES:
        problems.append(Problem("category", "one_of", "say what kind of item it is"))
    if problems:
        raise ValidationError(problems)


def registered(item: LostItem, payload: dict) -> list[Event]:
    return [Event("lost_item.registered", {
        "item_id": item.item_no, "category": item.category, "description": item.description,
        "estate": item.estate, "police_required": police_required(item.category), **payload})]


def _held(item: LostItem) -> None:
    if item.state not in HELD:
        raise Conflict(f"item {item.item_no} is {item.state}, no longer held", field="item_no", rule="item_held")


def publicise(item: LostItem, channels: list[str], now: datetime) -> list[Event]:
    """招领: publicise the item (APP, owner groups, notice board). Conflict for an item the police
    take (police_item_not_publicised) or one no longer held (item_held)."""
    _held(item)
    if police_required(item.category):
        raise Conflict("a dangerous or important item goes to the police, it is not publicised",
                       field="item_no", rule="police_item_not_publicised")
    unknown = [c for c in channels if c not in PUBLICITY_CHANNELS]
    if not channels or unknown:
        raise ValidationError.one("channels", "one_of", f"choose among {', '.join(PUBLICITY_CHANNELS.codes)}")
    item.state = PUBLICISED
    return [Event("lost_item.publicised", {"item_id": item.item_no, "description": item.description,
                                           "estate": item.estate, "channels": list(channels),
                                           "publicised_at": now.isoformat()})]


def hand_to_police(item: LostItem) -> list[Event]:
    """移交公安: Conflict (item_held) unless the item is still on the shelf."""
    _held(item)
    item.state = HANDED_TO_POLICE
    return []


def validate_claim(data: dict) -> None:
    """A claim that may be verified: the claimant described the item, showed a valid ID (a resident
    ID card with its check digit, or another document's number), the description matched, the
    condition was confirmed with them and they signed.

    ===================  =====================  ================================================
    claimant_description required               no description from the claimant
    id_number            valid_id_required      no ID shown, or a resident ID number that is not valid
    id_checked           valid_id_required      the desk did not check the ID against the person
    description_matches  description_verified   the description does not match the item
    condition_confirmed  condition_confirmed    the condition not confirmed with the claimant
    claimant_signed      claimant_signature     the claimant did not sign (撿拾物品记录单)
    ===================  =====================  ================================================
    """
    problems: list[Problem] = []
    if blank(data.get("claimant_description")):
        problems.append(Problem("claimant_description", "required", "the claimant describes the item first"))
    number = (data.get("id_number") or "").strip()
    if not number or (data.get("id_type", "resident_id") == "resident_id" and not valid_id_number(number)):
        problems.append(Problem("id_number", "valid_id_required", "a claim needs a valid ID"))
    if not data.get("id_checked"):
        problems.append(Problem("id_checked", "valid_id_required", "check the ID against the person"))
    if not data.get("description_matches"):
        problems.append(Problem("description_matches", "description_verified",
                                "the description does not match: refuse the claim instead"))
    if not data.get("condition_confirmed"):
        problems.append(Problem("condition_confirmed", "condition_confirmed", "confirm the item's condition with the claimant"))
    if not data.get("claimant_signed"):
        problems.append(Problem("claimant_signed", "claimant_signature", "the claimant signs the record"))
    if problems:
        raise ValidationError(problems)


def return_to_claimant(item: LostItem, claim: dict, now: datetime) -> list[Event]:
    """The claim is verified: RETURNED. Conflict (item_held) when no longer on the shelf; a
    police item is the police's to return (police_item)."""
    _held(item)
    if police_required(item.category):
        raise Conflict("a dangerous or important item is handed to the police", field="item_no", rule="police_item")
    item.state = RETURNED
    item.claims = [*item.claims, {**claim, "outcome": "returned", "at": now.isoformat()}]
    return [Event("lost_item.claimed", {"item_id": item.item_no, "estate": item.estate,
                                        "claimant": claim["claimant_name"], "returned_at": now.isoformat()})]


def refuse_claim(item: LostItem, claim: dict, reason: str, now: datetime) -> list[Event]:
    """The claim cannot be verified: refused (politely) with its reason and escalated to the
    service-centre head; the item stays held. Conflict (item_held) when not on the shelf."""
    _held(item)
    if blank(reason):
        raise ValidationError.one("reason", "required", "say why the claim is refused")
    item.claims = [*item.claims, {**claim, "outcome": "refused", "reason": reason, "at": now.isoformat()}]
    return [Event("lost_item.claim_refused", {"item_id": item.item_no, "estate": item.estate,
                                              "claimant": claim["claimant_name"], "reason": reason,
                                              "escalate_to": "cs_supervisor", "refused_at": now.isoformat()})]


def due_unclaimed(item: LostItem, now: datetime) -> bool:
    return item.state in HELD and not police_required(item.category) and as_utc(item.unclaimed_at) <= now


def flag_unclaimed(item: LostItem, now: datetime) -> list[Event]:
    """3 months on the shelf: UNCLAIMED, listed for finance (once)."""
    if not due_unclaimed(item, now):
        return []
    item.state = UNCLAIMED
    return [Event("lost_item.expired", {"item_id": item.item_no, "category": item.category,
                                        "description": item.description, "estate": item.estate,
                                        "registered_at": as_utc(item.registered_at).isoformat(),
                                        "expired_at": now.isoformat()})]


def hand_to_finance(item: LostItem) -> None:
    """移交财务: only an unclaimed item (Conflict unclaimed_first)."""
    if item.state != UNCLAIMED:
        raise Conflict(f"item {item.item_no} is {item.state}: only an item unclaimed for 3 months goes to finance",
                       field="item_no", rule="unclaimed_first")
    item.state = HANDED_TO_FINANCE


def next_commands(item: LostItem) -> list[str]:
    if item.state in HELD:
        if police_required(item.category):
            return ["hand_lost_item_to_police"]
        out = ["publicise_lost_item"] if item.state == REGISTERED else []
        return out + ["return_lost_item", "refuse_lost_item_claim", "hand_lost_item_to_police"]
    if item.state == UNCLAIMED:
        return ["hand_lost_item_to_finance"]
    return []
