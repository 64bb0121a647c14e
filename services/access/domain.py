"""Access: the goods release slip (物品放行条) of a tenant move-out, pure domain logic.

domain.md §2.7, moving-out variant (多件物品放行 / 可能搬迁) and [004 WI/FW-020]: **Finance checks
the fee status; a slip is issued only after fees are settled**; at move-out CS approves the slip
per the owner's written instruction (§2.6 RELEASE_APPROVED, ``move_out.release_approved``), and
Security checks the goods against the slip at the gate and lets them out ([000]).

On ``move_out.requested`` access puts the unit's release on hold (a `ReleaseHold`); it sets
`fees_cleared` from ``billing.clearance_confirmed`` (True) / ``billing.clearance_failed`` (False)
and `release_approved` from ``move_out.release_approved``. The service stores the hold as a model
with the same attribute names and passes it in; functions read and assign only those attributes.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from propdesk.errors import Conflict, Problem, ValidationError

Event = tuple[str, dict]

#: The management office's day: slip numbers run per local calendar day (inferred: Beijing time).

#: What a move-out slip lists when the tenant's goods are not itemised at the desk: the goods on
#: the exit approval form (租户撤场审批表) the owner agreed to.
MOVE_OUT_GOODS = ["租户搬迁物品 tenant's goods per 租户撤场审批表"]


@dataclass
class ReleaseHold:
    """The held goods release of one move-out, and its slip once issued.

    `released_by` is the guard who let the goods out at the gate (None until then)."""

    move_out_id: str
    unit_id: str
    tenant_party_id: str
    fees_cleared: bool = False
    release_approved: bool = False
    slip_no: str | None = None
    released_by: str | None = None


def may_issue(hold: ReleaseHold) -> bool:
    """A slip may be issued iff CS approved the release AND fees are cleared (WI/FW-020).

    Whether one was already issued is `hold.slip_no` (`issue_slip` refuses a second one)."""
    return bool(hold.release_approved) and bool(hold.fees_cleared)


def waiting_for(hold: ReleaseHold) -> list[str]:
    """What the hold still waits for before a slip may be issued ([] once it may, or has)."""
    if hold.slip_no:
        return []
    waits = []
    if not hold.fees_cleared:
        waits.append("fee clearance")
    if not hold.release_approved:
        waits.append("release approval")
    return waits


def clearance_applies(current_as_of: datetime | None, as_of: datetime) -> bool:
    """Whether a fee-clearance verdict (``billing.clearance_confirmed`` / ``_failed``) replaces the
    one on the hold: only a verdict at least as recent as the stored one counts, so a stale
    "failed" delivered late cannot undo a newer "confirmed" (events may arrive in any order)."""
    return current_as_of is None or as_of >= current_as_of


def slip_no_for(seq: int, today: date) -> str:
    """Release slip number (物品放行条号): ``FX-YYYYMMDD-NNNN``, e.g. ``FX-20261122-0003``.

    `seq` is the day's running number, 1..9999 (the service keeps the counter)."""
    if not isinstance(seq, int) or isinstance(seq, bool) or not 1 <= seq <= 9999:
        raise ValidationError.one("seq", "between_1_and_9999", "release slip sequence must be 1..9999")
    return f"FX-{today:%Y%m%d}-{seq:04d}"


def issue_slip(hold: ReleaseHold, slip_no: str, goods: list[str], clearance_ref: str | None = None) -> list[Event]:
    """Issue the tenant's 物品放行条 and emit ``release_slip.issued``.

    Payload: slip_id, move_out_id, unit_id, applicant_type ("tenant"), goods (list of str),
    clearance_ref (the fee clearance it rests on: `clearance_ref` if given, e.g. the
    ``billing.clearance_confirmed`` event id, else the move_out_id the clearance was confirmed for).

    Validation (all at once): ``slip_no`` required; ``goods`` required (at least one item listed,
    large and valuable items are logged before release [000]) and ``not_blank``.
    Conflict: a slip was already issued, release not approved, or fees not cleared. Callers that
    must be idempotent check `may_issue` / `slip_no` first.
    """
    problems: list[Problem] = []
    if slip_no is None or not str(slip_no).strip():
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
    if not hold.release_approved:
        raise Conflict(f"move-out {hold.move_out_id}: goods release not approved by customer service yet")
    if not hold.fees_cleared:
        raise Conflict(f"move-out {hold.move_out_id}: fees not settled, no release slip (WI/FW-020)")

    hold.slip_no = str(slip_no).strip()
    return [
        (
            "release_slip.issued",
            {
                "slip_id": hold.slip_no,
                "move_out_id": hold.move_out_id,
                "unit_id": hold.unit_id,
                "applicant_type": "tenant",
                "goods": [g.strip() for g in items],
                "clearance_ref": clearance_ref if clearance_ref else hold.move_out_id,
            },
        )
    ]


def release_at_gate(hold: ReleaseHold, guard_id: str) -> list[Event]:
    """Security checked the goods against the slip at the gate and let them out: emit
    ``release_slip.released`` (payload slip_id, move_out_id, unit_id, guard_id).

    ValidationError (guard_id, required) when blank. Conflict: no slip issued, or the goods were
    already released (by `released_by`).
    """
    if guard_id is None or not str(guard_id).strip():
        raise ValidationError.one("guard_id", "required", "name the guard who checked the goods")
    if not hold.slip_no:
        raise Conflict(f"move-out {hold.move_out_id}: no release slip issued, the goods may not leave",
                       field="slip_no", rule="issued")
    if hold.released_by:
        raise Conflict(f"slip {hold.slip_no} was already released at the gate by {hold.released_by}",
                       field="slip_no", rule="released_once")
    hold.released_by = str(guard_id).strip()
    return [
        (
            "release_slip.released",
            {
                "slip_id": hold.slip_no,
                "move_out_id": hold.move_out_id,
                "unit_id": hold.unit_id,
                "guard_id": hold.released_by,
            },
        )
    ]
