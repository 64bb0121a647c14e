"""Visitor registration at the counter (来访登记), domain.md §2.9 and §9.1 (named only: the states
are inferred). Pure: no SQL, no clock.

    IN (registered: name, whom they visit, time in) -> OUT (time out)

Owners' private information is protected: the register keeps whom the visitor came to see as the
visitor names them (unit and name), never the owner's phone or ID number; the visitor's own ID and
phone numbers are kept masked (the desk has checked the card in hand; the register needs no more).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from propdesk.contracts.vocab import VISITOR_STATES
from propdesk.domain import blank
from propdesk.errors import Conflict, Problem, ValidationError
from propdesk.privacy import mask_text

IN, OUT = "in", "out"
assert (IN, OUT) == VISITOR_STATES.codes
MAX_HEADCOUNT = 50


@dataclass(kw_only=True)
class Visit:
    visitor_no: str
    visitor_name: str
    unit_id: str | None
    host_name: str
    state: str = IN
    time_in: datetime
    time_out: datetime | None = None


def validate_visit(data: dict) -> None:
    """Every broken rule of a registration at once: whom they visit (a unit or a place, and a
    name), a headcount of 1..50."""
    problems: list[Problem] = []
    if blank(data.get("unit_id")) and blank(data.get("place")):
        problems.append(Problem("unit_id", "required", "name the unit (or the place) the visitor goes to"))
    if not 1 <= data.get("headcount", 1) <= MAX_HEADCOUNT:
        problems.append(Problem("headcount", "range", f"1 to {MAX_HEADCOUNT} people"))
    if problems:
        raise ValidationError(problems)


def kept_private(value: str | None) -> str | None:
    """What the register keeps of a personal number: masked (propdesk.privacy for ID cards and mobiles;
    anything else keeps its last four characters)."""
    if not value or not value.strip():
        return None
    value = value.strip()
    masked = mask_text(value)
    if masked == value and len(value) > 4:
        masked = "*" * (len(value) - 4) + value[-4:]
    return masked


def sign_out(visit: Visit, now: datetime) -> None:
    """The visitor left: OUT with the time. Conflict (visitor_no, visitor_in) when already out."""
    if visit.state != IN:
        raise Conflict(f"visitor {visit.visitor_no} already left", field="visitor_no", rule="visitor_in")
    visit.state, visit.time_out = OUT, now


def next_commands(visit: Visit) -> list[str]:
    return ["sign_out_visitor"] if visit.state == IN else []
