"""Access: the goods release slip (物品放行条) of a tenant move-out, pure domain logic.

domain.md §2.7, moving-out variant (多件物品放行 / 可能搬迁) and [004 WI/FW-020]: **Finance checks
the fee status; a slip is issued only after fees are settled**; at move-out CS approves the slip
per the owner's written instruction (§2.6 RELEASE_APPROVED, ``move_out.release_approved``), and
Security checks the goods against the slip at the gate and lets them out ([000]).

On ``move_out.requested`` access puts the unit's release on hold (a `ReleaseHold`); it sets
`fees_cleared` from ``billing.clearance_confirmed`` (True) / ``billing.clearance_failed`` (False)
and `release_approved` from ``move_out.release_approved``. The case's events may arrive in any
order (each handler has its own queue): whichever arrives first opens the hold, and each fact is
recorded whatever the order (`record_request`, `record_clearance`, `record_approval`). A clearance
verdict only replaces an older one (Finance's ``as_of``), so a stale "failed" cannot undo a newer
"confirmed".

A move-out withdrawn before its release was approved (``move_out.withdrawn``) closes the hold
(`withdraw`): it waits for nothing more and never gets a slip, whatever arrives after it. The
withdrawal may overtake the case's other events too: then it opens the hold, closed.

The service stores the hold as a model with the same attribute names and passes it in; functions
read and assign only those attributes. Plain Python: no nameko, no SQL, no I/O.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from propdesk.domain import Event, as_utc, blank
from propdesk.errors import Conflict, Problem, ValidationError

#: What a move-out slip lists when the tenant's goods are not itemised at the desk: the goods on
#: the exit approval form (租户撤场审批表) the owner agreed to.
MOVE_OUT_GOODS = ["租户搬迁物品 tenant's goods per 租户撤场审批表"]

#: What a hold may still wait for, in the words `waiting_for` answers.
FEE_CLEARANCE = "fee clearance"
RELEASE_APPROVAL = "release approval"


@dataclass
class ReleaseHold:
    """The held goods release of one move-out, and its slip once issued.

    `tenant_party_id` is None until ``move_out.requested`` names the tenant (a later event of the
    case may arrive first and open the hold). `clearance_ref` / `clearance_as_of` are the fee
    verdict the hold rests on (its event id and Finance's ``as_of``). `released_by` is the guard
    who let the goods out at the gate (None until then). `withdrawn_at` closes the hold: the
    move-out was withdrawn (None while it goes on)."""

    move_out_id: str
    unit_id: str
    tenant_party_id: str | None
    #: the unit's estate (管理处, vocab.ESTATES), from the first of the case's events that names it
    estate: str | None = None
    fees_cleared: bool = False
    release_approved: bool = False
    slip_no: str | None = None
    released_by: str | None = None
    clearance_ref: str | None = None
    clearance_as_of: datetime | None = None
    owner_written_opinion_ref: str | None = None
    withdrawn_at: datetime | None = None


def open_hold(move_out_id: str, unit_id: str, estate: str | None = None) -> ReleaseHold:
    """The hold a move-out gets from whichever of its events arrives first: nothing known yet
    but the unit (and its estate, when the event names it)."""
    return ReleaseHold(move_out_id=move_out_id, unit_id=unit_id, tenant_party_id=None, estate=estate)


# --- the facts the hold collects -----------------------------------------------------------------
def record_request(hold: ReleaseHold, unit_id: str, tenant_party_id: str) -> bool:
    """``move_out.requested`` (租户撤场: Security is told to hold the goods): the hold learns the
    unit and the tenant. True when it changed the hold (the first request; a repeat changes
    nothing)."""
    if hold.tenant_party_id is not None:
        return False
    hold.unit_id, hold.tenant_party_id = unit_id, tenant_party_id
    return True


def clearance_applies(current_as_of: datetime | None, as_of: datetime) -> bool:
    """Whether a fee-clearance verdict (``billing.clearance_confirmed`` / ``_failed``) replaces the
    one on the hold: only a verdict at least as recent as the stored one counts, so a stale
    "failed" delivered late cannot undo a newer "confirmed" (events may arrive in any order).
    A stored time read back without its zone is UTC."""
    return current_as_of is None or as_of >= as_utc(current_as_of)


def record_clearance(hold: ReleaseHold, cleared: bool, clearance_ref: str, as_of: datetime) -> bool:
    """Finance's fee verdict for the move-out (WI/FW-020: no slip until fees are settled). True
    when it replaced the hold's verdict; a stale one (older `as_of`) changes nothing."""
    if not clearance_applies(hold.clearance_as_of, as_of):
        return False
    hold.fees_cleared, hold.clearance_ref, hold.clearance_as_of = bool(cleared), clearance_ref, as_of
    return True


def record_approval(hold: ReleaseHold, owner_written_opinion_ref: str) -> bool:
    """Customer service approved the release per the owner's written instruction. True the first
    time; an approval already recorded keeps its reference."""
    if hold.release_approved:
        return False
    hold.release_approved = True
    hold.owner_written_opinion_ref = owner_written_opinion_ref
    return True


def withdraw(hold: ReleaseHold, at: datetime) -> bool:
    """``move_out.withdrawn``: the desk withdrew the move-out (before release was approved), so
    security drops the hold: it is closed at `at` (the withdrawal's time) and no slip follows.
    True when it closed the hold; a hold already closed keeps its first withdrawal."""
    if is_closed(hold):
        return False
    hold.withdrawn_at = at
    return True


def is_closed(hold: ReleaseHold) -> bool:
    """Whether the hold is over without a slip: its move-out was withdrawn."""
    return hold.withdrawn_at is not None


# --- what follows from them ----------------------------------------------------------------------
def may_issue(hold: ReleaseHold) -> bool:
    """A slip may be issued iff CS approved the release AND fees are cleared (WI/FW-020), and the
    move-out was not withdrawn.

    Whether one was already issued is `hold.slip_no` (`issue_slip` refuses a second one)."""
    return bool(hold.release_approved) and bool(hold.fees_cleared) and not is_closed(hold)


def due_for_slip(hold: ReleaseHold) -> bool:
    """Whether the hold's slip should be issued now: it may be, and none was issued yet."""
    return not hold.slip_no and may_issue(hold)


def waiting_for(hold: ReleaseHold) -> list[str]:
    """What the hold still waits for before a slip may be issued ([] once it may, or has, and []
    when it is closed: a withdrawn move-out waits for nothing)."""
    if hold.slip_no or is_closed(hold):
        return []
    waits = []
    if not hold.fees_cleared:
        waits.append(FEE_CLEARANCE)
    if not hold.release_approved:
        waits.append(RELEASE_APPROVAL)
    return waits


def issue_slip(hold: ReleaseHold, slip_no: str, goods: list[str], clearance_ref: str | None = None) -> list[Event]:
    """Issue the tenant's 物品放行条 and emit ``release_slip.issued``.

    Payload: slip_id, move_out_id, unit_id, applicant_type ("tenant"), goods (list of str),
    clearance_ref (the fee clearance it rests on: `clearance_ref` if given, e.g. the
    ``billing.clearance_confirmed`` event id, else the move_out_id the clearance was confirmed for).

    Validation (all at once): ``slip_no`` required; ``goods`` required (at least one item listed,
    large and valuable items are logged before release [000]) and ``not_blank``.
    Conflict: a slip was already issued, the move-out was withdrawn (move_out_id, not_withdrawn),
    release not approved, or fees not cleared. Callers that must be idempotent check
    `due_for_slip` first.
    """
    problems: list[Problem] = []
    if blank(slip_no):
        problems.append(Problem("slip_no", "required", "give the release slip number"))
    items = list(goods or [])
    if not items:
        problems.append(Problem("goods", "required", "list the goods to be moved out"))
    elif any(not isinstance(g, str) or not g.strip() for g in items):
        problems.append(Problem("goods", "not_blank", "every item needs a description"))
    if problems:
        raise ValidationError(problems)

    if hold.slip_no:
        raise Conflict(f"move-out {hold.move_out_id} already has release slip {hold.slip_no}")
    if is_closed(hold):
        raise Conflict(f"move-out {hold.move_out_id} was withdrawn: no release slip",
                       field="move_out_id", rule="not_withdrawn")
    if not hold.release_approved:
        raise Conflict(f"move-out {hold.move_out_id}: goods release not approved by customer service yet")
    if not hold.fees_cleared:
        raise Conflict(f"move-out {hold.move_out_id}: fees not settled, no release slip (WI/FW-020)")

    hold.slip_no = str(slip_no).strip()
    return [Event("release_slip.issued", {
        "slip_id": hold.slip_no,
        "move_out_id": hold.move_out_id,
        "unit_id": hold.unit_id,
        "estate": hold.estate,
        "applicant_type": "tenant",
        "goods": [g.strip() for g in items],
        "clearance_ref": clearance_ref if clearance_ref else hold.move_out_id,
    })]


def next_commands(hold: ReleaseHold) -> list[str]:
    """What the hold's state allows now: the gate release once a slip is out, not yet released,
    and the move-out not withdrawn."""
    return ["release_at_gate"] if hold.slip_no and not hold.released_by and not is_closed(hold) else []


def release_at_gate(hold: ReleaseHold, guard_id: str) -> list[Event]:
    """Security checked the goods against the slip at the gate and let them out: emit
    ``release_slip.released`` (payload slip_id, move_out_id, unit_id, guard_id).

    ValidationError (guard_id, required) when blank. Conflict: no slip issued (slip_no, issued),
    the goods were already released (slip_no, released_once; by `released_by`), or the move-out
    was withdrawn (slip_no, move_out_withdrawn: the goods stay; residents withdraws only before
    approval, so a slip and a withdrawal together are a contradiction, not a release).
    """
    if blank(guard_id):
        raise ValidationError.one("guard_id", "required", "name the guard who checked the goods")
    if not hold.slip_no:
        raise Conflict(f"move-out {hold.move_out_id}: no release slip issued, the goods may not leave",
                       field="slip_no", rule="issued")
    if hold.released_by:
        raise Conflict(f"slip {hold.slip_no} was already released at the gate by {hold.released_by}",
                       field="slip_no", rule="released_once")
    if is_closed(hold):
        raise Conflict(f"move-out {hold.move_out_id} of slip {hold.slip_no} was withdrawn: the goods may not leave",
                       field="slip_no", rule="move_out_withdrawn")
    hold.released_by = str(guard_id).strip()
    return [Event("release_slip.released", {
        "slip_id": hold.slip_no,
        "move_out_id": hold.move_out_id,
        "unit_id": hold.unit_id,
        "estate": hold.estate,
        "guard_id": hold.released_by,
    })]
