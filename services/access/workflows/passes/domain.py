"""Passes (出入证): construction passes (施工出入证, 装修出入证登记表) and resident passes (住户证),
domain.md §2.9. Pure: no nameko, no SQL, no clock (times are arguments).

    ISSUED(valid_from .. valid_to) -> EXPIRED   by itself, at the end of valid_to (the office day
                                                 at the property, Asia/Shanghai)
                                   -> RETURNED  the holder hands it back at the desk or the gate
                                   -> REVOKED   its renovation completed (renovation.completed),
                                                its holder moved out (move_out.completed), or the
                                                office revoked it (reason given)

APPLIED (施工出入证申请表 / 住户证申请表) is the paper the desk checks before issuing: a pass is
recorded when it is issued (inferred). A construction pass carries the worker's name, work location,
validity dates, photo (a reference to the photo on file), the worker's ID number and the reference
of the ID copy filed with the register; it is stamped and laminated before issue [000].
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from propdesk.contracts.vocab import PASS_HOLDER_RELATIONS, PASS_KINDS, PASS_REVOKE_REASONS, PASS_STATES
from propdesk.domain import Event, as_utc, blank
from propdesk.errors import Conflict, Problem, ValidationError
from propdesk.privacy import valid_id_number

CONSTRUCTION, RESIDENT = "construction", "resident"
ISSUED, EXPIRED, RETURNED, REVOKED = "issued", "expired", "returned", "revoked"
assert {CONSTRUCTION, RESIDENT} == set(PASS_KINDS.codes)
assert {ISSUED, EXPIRED, RETURNED, REVOKED} == set(PASS_STATES.codes)
RENOVATION_COMPLETED, MOVED_OUT, BY_OFFICE = "renovation_completed", "moved_out", "by_office"
assert {RENOVATION_COMPLETED, MOVED_OUT, BY_OFFICE} == set(PASS_REVOKE_REASONS.codes)

#: A pass is valid for at most this many days (inferred: a renovation or a lease is renewed yearly).
MAX_VALID_DAYS = 366
#: The desk's queue shows passes that expire within this many days.
EXPIRING_WITHIN = timedelta(days=3)
#: The relations whose passes end when the unit's tenant moves out (租户撤场).
TENANT_HOUSEHOLD = ("tenant", "tenant_family")


@dataclass(kw_only=True)
class Pass:
    """One pass (the model in models.py has these attributes)."""

    pass_no: str
    kind: str
    holder_name: str
    holder_id_number: str | None
    id_copy_ref: str | None
    photo_ref: str
    unit_id: str | None
    work_location: str | None
    renovation_id: str | None
    contractor: str | None
    relation: str | None
    estate: str
    valid_from: date
    valid_to: date
    expires_at: datetime
    state: str = ISSUED
    end_reason: str | None = None
    ended_at: datetime | None = None


def validate_issue(kind: str, data: dict, today: date) -> None:
    """Every broken rule of a pass request at once (ValidationError), nothing when it may be issued.

    ====================  ==========================  =========================================
    field                 rule                        when
    ====================  ==========================  =========================================
    holder_id_number      required                    a construction pass without the worker's ID
    holder_id_number      valid_id_number             not an 18-character ID with its check digit
                                                      (resident ID card; other documents: any text)
    id_copy_ref           id_copy_on_file             construction pass, no ID copy filed
    photo_ref             required                    no photo
    stamped_and_laminated stamped_and_laminated       construction pass not stamped and laminated
    unit_id               required                    resident pass without its unit
    relation              required                    resident pass without the holder's relation
    valid_to              not_before_valid_from       ends before it begins
    valid_to              not_in_the_past             ends before today
    valid_to              at_most_a_year              valid for more than 366 days
    ====================  ==========================  =========================================
    """
    problems: list[Problem] = []
    number = data.get("holder_id_number")
    if kind == CONSTRUCTION:
        if blank(number):
            problems.append(Problem("holder_id_number", "required", "a construction pass needs the worker's ID number"))
        if blank(data.get("id_copy_ref")):
            problems.append(Problem("id_copy_ref", "id_copy_on_file", "file a copy of the worker's ID first"))
        if not data.get("stamped_and_laminated"):
            problems.append(Problem("stamped_and_laminated", "stamped_and_laminated",
                                    "a construction pass is stamped and laminated before issue"))
    else:
        if blank(data.get("unit_id")):
            problems.append(Problem("unit_id", "required", "a resident pass is for a unit"))
        if data.get("relation") not in PASS_HOLDER_RELATIONS:
            problems.append(Problem("relation", "required", "say who the holder is to the unit"))
    if not blank(number) and data.get("id_type", "resident_id") == "resident_id" and not valid_id_number(number):
        problems.append(Problem("holder_id_number", "valid_id_number", "not a valid resident ID number"))
    if blank(data.get("photo_ref")):
        problems.append(Problem("photo_ref", "required", "a pass carries the holder's photo"))
    valid_from, valid_to = data["valid_from"], data["valid_to"]
    if valid_to < valid_from:
        problems.append(Problem("valid_to", "not_before_valid_from", "the pass ends before it begins"))
    elif valid_to < today:
        problems.append(Problem("valid_to", "not_in_the_past", "the pass would already have expired"))
    elif (valid_to - valid_from).days + 1 > MAX_VALID_DAYS:
        problems.append(Problem("valid_to", "at_most_a_year", f"a pass is valid for at most {MAX_VALID_DAYS} days"))
    if problems:
        raise ValidationError(problems)


def issued(p: Pass) -> list[Event]:
    return [Event("pass.issued", {
        "pass_id": p.pass_no, "pass_type": p.kind, "holder": p.holder_name, "unit_id": p.unit_id,
        "location": p.work_location, "estate": p.estate, "renovation_id": p.renovation_id,
        "valid_from": p.valid_from.isoformat(), "valid_to": p.valid_to.isoformat()})]


def is_valid_at(p: Pass, moment: datetime, starts_at: datetime) -> bool:
    """Whether the pass lets its holder in at `moment` (`starts_at`: the UTC start of valid_from)."""
    return p.state == ISSUED and starts_at <= moment < as_utc(p.expires_at)


def due_to_expire(p: Pass, now: datetime) -> bool:
    return p.state == ISSUED and as_utc(p.expires_at) <= now


def expire(p: Pass, now: datetime) -> list[Event]:
    """The pass's last valid day is over: EXPIRED, once. Nothing for a pass not yet due or already ended."""
    if not due_to_expire(p, now):
        return []
    p.state, p.end_reason, p.ended_at = EXPIRED, None, now
    return [Event("pass.expired", {
        "pass_id": p.pass_no, "pass_type": p.kind, "holder": p.holder_name, "unit_id": p.unit_id,
        "estate": p.estate, "valid_to": p.valid_to.isoformat(), "expired_at": now.isoformat()})]


def _must_be_active(p: Pass) -> None:
    if p.state != ISSUED:
        raise Conflict(f"pass {p.pass_no} is {p.state}, no longer in use", field="pass_no", rule="pass_in_use")


def revoke(p: Pass, reason: str, now: datetime, *, note: str | None = None, cause: str | None = None) -> list[Event]:
    """Take a pass out of use (REVOKED) for `reason` (PASS_REVOKE_REASONS); `cause` is the
    renovation or move-out that ended it. Conflict (pass_no, pass_in_use) when it is not in use."""
    _must_be_active(p)
    p.state, p.end_reason, p.ended_at = REVOKED, reason, now
    return [Event("pass.revoked", {
        "pass_id": p.pass_no, "pass_type": p.kind, "holder": p.holder_name, "unit_id": p.unit_id,
        "estate": p.estate, "reason": reason, "note": note, "cause": cause, "revoked_at": now.isoformat()})]


def return_pass(p: Pass, now: datetime) -> list[Event]:
    """The holder handed the pass back (RETURNED). Conflict (pass_no, pass_in_use) when not in use."""
    _must_be_active(p)
    p.state, p.end_reason, p.ended_at = RETURNED, None, now
    return [Event("pass.returned", {
        "pass_id": p.pass_no, "pass_type": p.kind, "unit_id": p.unit_id, "estate": p.estate,
        "returned_at": now.isoformat()})]


def revoked_by_renovation(p: Pass, renovation_id: str) -> bool:
    """Whether a completed renovation ends this pass: a construction pass of that renovation, in use."""
    return p.state == ISSUED and p.kind == CONSTRUCTION and p.renovation_id == renovation_id


def revoked_by_move_out(p: Pass, unit_id: str) -> bool:
    """Whether the unit's tenant moving out ends this pass: a resident pass of that unit held by
    the tenant's household (the owner's and the owner's family's stay valid), in use (inferred)."""
    return p.state == ISSUED and p.kind == RESIDENT and p.unit_id == unit_id and p.relation in TENANT_HOUSEHOLD


def next_commands(p: Pass) -> list[str]:
    return ["return_pass", "revoke_pass"] if p.state == ISSUED else []
