"""Residents: the tenant move-out saga (租户撤场/退租), pure domain logic.

domain.md §2.6 (tenant move-out, orchestrated by residents), §2.7 (goods release, moving-out
variant), §8 (event catalog and the saga guard). Plain Python: no nameko, no SQL, no I/O.

The service stores a `MoveOutCase` as a SQLAlchemy model with the same attribute names and passes
that model in; every function here reads and assigns only the attributes of the dataclasses below
(lists are always *re-assigned*, never mutated in place, so a JSON column notices the change).
Functions that change a case return the domain events it caused as ``[(event_type, payload)]``
with JSON-ready payloads (dates as ISO strings, money as "1234.50").

The saga (§2.6)::

    OWNER_CONSENT_PENDING -> APPLICATION_ACCEPTED (租户撤场审批表; move_out.requested)
      -> DEFECTS_FOUND (违约处理单) / INSPECTION_PASSED (单元验收移交记录表)
      -> FEES_CHECKED (费用结清, [004 WI/FW-020])
      -> RELEASE_APPROVED (物品放行条 approved; move_out.release_approved)
      -> GOODS_RELEASED (Security lets the goods out) -> ARCHIVED (move_out.completed)

Inspection and fee clearance run in parallel, so the case keeps them in their own attributes
(`inspection`, `fees`). Before approval `state` names what the desk must act on: DEFECTS_FOUND
while defects are open (whatever the fees), else the last step of the order above that is done
(INSPECTION_PASSED, then FEES_CHECKED once the fee check is in too); fees checked before the
inspection leave the case at APPLICATION_ACCEPTED, waiting for engineering. From approval on it only
moves forward. Everything else (what the case still waits for, whether release may be approved)
is derived from those attributes.

Release guard (§8, inferred conjunction grounded in [000] + [004 WI/FW-020])::

    inspection passed (defects settled = a later passing re-inspection)
    AND fees cleared AND the owner's written consent on file

When the guard first becomes true the case moves to RELEASE_APPROVED and emits
``move_out.release_approved`` exactly once; repeating a fact that is already known emits nothing.
After approval a *contradicting* fact (defects found, fees outstanding) raises `Conflict`: the
approval has gone to access and may already have produced a slip, so the saga does not silently
revoke it. Damage during the move is charged to the tenant separately ([000]); the service should
record such a conflict for the CS supervisor rather than retry it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from propdesk.contracts.vocab import FITOUT_DISPOSITIONS, MOVE_OUT_CLOSED, MOVE_OUT_STATES, MOVE_OUT_WITHDRAWABLE
from propdesk.domain import Event, as_utc as _utc, blank as _blank
from propdesk.errors import Conflict, Problem, ValidationError
from propdesk.money import money, yuan

# --- states, in the order of domain.md §2.6 (codes and labels: propdesk.contracts.vocab) ------------
OWNER_CONSENT_PENDING = "OWNER_CONSENT_PENDING"
APPLICATION_ACCEPTED = "APPLICATION_ACCEPTED"
DEFECTS_FOUND = "DEFECTS_FOUND"
INSPECTION_PASSED = "INSPECTION_PASSED"
FEES_CHECKED = "FEES_CHECKED"
RELEASE_APPROVED = "RELEASE_APPROVED"
GOODS_RELEASED = "GOODS_RELEASED"
ARCHIVED = "ARCHIVED"
WITHDRAWN = "WITHDRAWN"

STATES: tuple[str, ...] = MOVE_OUT_STATES.codes
assert all(s in STATES for s in (OWNER_CONSENT_PENDING, APPLICATION_ACCEPTED, DEFECTS_FOUND, INSPECTION_PASSED,
                                 FEES_CHECKED, RELEASE_APPROVED, GOODS_RELEASED, ARCHIVED, WITHDRAWN))

#: How far ahead an exit date may be: a tenant applies for a move-out that is coming, not one
#: years away (a typo such as 9999-12-31 would hold the unit's one open case forever). (inferred)
MAX_EXIT_DAYS_AHEAD = 366

#: A withdrawal's reason: required, at most this long.
MAX_REASON_LENGTH = 500


@dataclass(kw_only=True)
class MoveOutCase:
    """One tenant move-out (租户撤场审批表), orchestrated by residents (domain.md §2.6).

    `inspection` is "pending" | "passed" | "defects_found"; `defects` are the open defects of the
    latest inspection (empty once a re-inspection passes); `fees` is "pending" | "cleared" |
    "outstanding" with `outstanding_amount` as a money string; `release_slip_no` is the 物品放行条
    number once access issued it."""

    move_out_id: str
    unit_id: str
    #: the unit's estate (管理处, vocab.ESTATES): every event of the case carries it
    estate: str | None = None
    tenant_party_id: str
    owner_party_id: str
    exit_date: date
    owner_consent_ref: str
    fitout_disposition: str
    state: str = OWNER_CONSENT_PENDING
    inspection: str = "pending"
    defects: list[str] = field(default_factory=list)
    fees: str = "pending"
    outstanding_amount: str = "0.00"
    release_slip_no: str | None = None
    requested_by: str
    #: when the recorded inspection happened / Finance's `as_of` of the recorded fee verdict: a fact
    #: older than these reached residents late (a retry) and changes nothing
    inspection_at: datetime | None = None
    fees_as_of: datetime | None = None
    #: METERS_READ_AND_CUT (§2.6): when engineering read the meters as of the exit and cut the
    #: supply (``unit.supply_cut``). Recorded, not a case state: it is not part of the release guard
    #: (billing bills the final readings and re-decides the fee check, which is).
    supply_cut_at: datetime | None = None
    #: why the desk withdrew the case (WITHDRAWN), and when it was archived or withdrawn
    withdrawal_reason: str | None = None
    closed_at: datetime | None = None


# --- helpers ----------------------------------------------------------------------------------
def _rank(state: str | None) -> int:
    return MOVE_OUT_STATES.rank(state)


def release_decided(case) -> bool:
    """Release approved (or the case closed by withdrawal): the saga's facts no longer decide it."""
    return _rank(case.state) >= _rank(RELEASE_APPROVED)


def is_open(case) -> bool:
    """Open until archived or withdrawn; a unit has at most one open move-out."""
    return case.state not in MOVE_OUT_CLOSED


def is_stale(recorded_at: datetime | None, at: datetime | None) -> bool:
    """Whether a fact from `at` is older than the one recorded at `recorded_at` (then it is ignored:
    each fact's events reach residents in any order once one is retried)."""
    return recorded_at is not None and at is not None and _utc(at) < _utc(recorded_at)


# --- the request --------------------------------------------------------------------------------
def validate_move_out_request(
    unit: Unit | None,
    tenant_party_id: str | None,
    exit_date: date | str | None,
    owner_consent_ref: str | None,
    fitout_disposition: str | None,
    today: date,
) -> None:
    """Check a move-out application (租户撤场申请) before it is accepted; report every problem at once.

    Rules (domain.md §2.6, [000]: the tenant applies in writing, the owner's WRITTEN consent is
    required, and they agree how the fit-out is treated):

    ============================  =================================  ==========================
    field                         rule                               when
    ============================  =================================  ==========================
    unit_id                       unknown_unit                       no such unit
    unit_id                       must_be_leased                     the unit has no tenant
    tenant_party_id               required                           blank
    tenant_party_id               not_the_units_tenant               not the unit's tenant
    owner_consent_ref             required_owner_written_consent     blank (客户书面同意)
    exit_date                     required / iso_date                missing / unreadable
    exit_date                     not_before_today                   before `today`
    exit_date                     at_most_a_year_ahead               more than 366 days after `today`
    fitout_disposition            one_of                             not in FITOUT_DISPOSITIONS
    ============================  =================================  ==========================

    Raises `ValidationError` listing every broken rule; returns None when the request is valid.
    `exit_date` may be a date or an ISO string.
    """
    problems: list[Problem] = []
    if unit is None:
        problems.append(Problem("unit_id", "unknown_unit", "no such unit in the register"))
    elif not unit.tenant_party_id:
        problems.append(
            Problem("unit_id", "must_be_leased", f"unit {unit.unit_id} has no tenant: only a leased unit has a tenant move-out")
        )

    if _blank(tenant_party_id):
        problems.append(Problem("tenant_party_id", "required", "name the tenant moving out"))
    elif unit is not None and unit.tenant_party_id and tenant_party_id != unit.tenant_party_id:
        problems.append(
            Problem("tenant_party_id", "not_the_units_tenant", f"{tenant_party_id} is not the tenant of unit {unit.unit_id}")
        )

    if _blank(owner_consent_ref):
        problems.append(
            Problem(
                "owner_consent_ref",
                "required_owner_written_consent",
                "the owner's WRITTEN consent (客户书面同意) is required: give its document reference",
            )
        )

    exit_day: date | None = None
    if exit_date is None or (isinstance(exit_date, str) and not exit_date.strip()):
        problems.append(Problem("exit_date", "required", "give the exit date"))
    elif isinstance(exit_date, datetime):
        exit_day = exit_date.date()
    elif isinstance(exit_date, date):
        exit_day = exit_date
    elif isinstance(exit_date, str):
        try:
            exit_day = date.fromisoformat(exit_date.strip())
        except ValueError:
            problems.append(Problem("exit_date", "iso_date", "exit date as YYYY-MM-DD"))
    else:
        problems.append(Problem("exit_date", "iso_date", "exit date as YYYY-MM-DD"))
    if exit_day is not None and exit_day < today:
        problems.append(Problem("exit_date", "not_before_today", f"exit date {exit_day.isoformat()} is before today {today.isoformat()}"))
    elif exit_day is not None and exit_day > today + timedelta(days=MAX_EXIT_DAYS_AHEAD):
        problems.append(Problem("exit_date", "at_most_a_year_ahead",
                                f"exit date {exit_day.isoformat()} is more than {MAX_EXIT_DAYS_AHEAD} days after today"))

    if fitout_disposition not in FITOUT_DISPOSITIONS:
        problems.append(
            Problem("fitout_disposition", "one_of", "fit-out disposition must be one of: " + ", ".join(FITOUT_DISPOSITIONS.codes))
        )

    if problems:
        raise ValidationError(problems)


def accept_move_out(case: MoveOutCase) -> list[Event]:
    """CS accepts the owner-approved application and fills 租户撤场审批表 (§2.6 APPLICATION_ACCEPTED).

    Call after `validate_move_out_request` on a case whose request fields are set. Resets the
    tracking attributes (inspection/fees pending, no defects, no slip) and emits
    ``move_out.requested`` so Engineering inspects, Finance checks fees and Security holds the
    goods release. Payload: move_out_id, unit_id, estate, tenant_id, owner_id, owner_consent_doc,
    exit_date (ISO), fitout_disposition.

    Raises `Conflict` if the case was already accepted, `ValidationError` (owner_consent_ref,
    required_owner_written_consent) if the owner's written consent is missing.
    """
    if _rank(case.state) >= _rank(APPLICATION_ACCEPTED):
        raise Conflict(f"move-out {case.move_out_id} was already accepted (state {case.state})")
    if _blank(case.owner_consent_ref):
        raise ValidationError.one(
            "owner_consent_ref", "required_owner_written_consent", "the owner's WRITTEN consent (客户书面同意) is required"
        )
    case.state = APPLICATION_ACCEPTED
    case.inspection = "pending"
    case.defects = []
    case.fees = "pending"
    case.outstanding_amount = "0.00"
    case.release_slip_no = None
    return [
        Event(
            "move_out.requested",
            {
                "move_out_id": case.move_out_id,
                "unit_id": case.unit_id,
                "estate": case.estate,
                "tenant_id": case.tenant_party_id,
                "owner_id": case.owner_party_id,
                "owner_consent_doc": case.owner_consent_ref,
                "exit_date": case.exit_date.isoformat(),
                "fitout_disposition": case.fitout_disposition,
            },
        )
    ]


# --- the guard ----------------------------------------------------------------------------------
def release_guard_met(case: MoveOutCase) -> bool:
    """The §8 saga guard: inspection passed (defects settled) AND fees cleared AND owner consent."""
    return (
        _rank(case.state) >= _rank(APPLICATION_ACCEPTED)
        and case.inspection == "passed"
        and case.fees == "cleared"
        and not _blank(case.owner_consent_ref)
    )


def _progress(case: MoveOutCase) -> list[Event]:
    """Recompute `state` before approval; approve release (once) when the guard becomes true."""
    if _rank(case.state) >= _rank(RELEASE_APPROVED):
        return []
    if release_guard_met(case):
        case.state = RELEASE_APPROVED
        return [
            Event(
                "move_out.release_approved",
                {
                    "move_out_id": case.move_out_id,
                    "unit_id": case.unit_id,
                    "estate": case.estate,
                    "owner_written_opinion_ref": case.owner_consent_ref,
                },
            )
        ]
    # before approval the state names what the desk must act on: open defects first (违约处理单),
    # then the steps of §2.6 in order; `fees` and `inspection` keep the parallel details
    if case.inspection == "defects_found":
        case.state = DEFECTS_FOUND
    elif case.inspection == "passed":
        case.state = FEES_CHECKED if case.fees != "pending" else INSPECTION_PASSED
    else:
        case.state = APPLICATION_ACCEPTED
    return []


def _require_accepted(case: MoveOutCase, what: str) -> None:
    if case.state == WITHDRAWN:
        raise Conflict(f"move-out {case.move_out_id} was withdrawn: cannot record {what}")
    if _rank(case.state) < _rank(APPLICATION_ACCEPTED):
        raise Conflict(f"move-out {case.move_out_id} is not accepted yet: cannot record {what}")


def record_inspection(case: MoveOutCase, passed: bool, defects: list[str], at: datetime | None = None) -> list[Event]:
    """Record Engineering's unit inspection (单元验收移交记录表), from ``move_out.inspection_completed``.

    ``passed`` False with defects -> DEFECTS_FOUND (CS issues 违约处理单: fix by a deadline or pay);
    a later passing re-inspection settles them (defects cleared). The latest result before release
    approval wins. Returns ``move_out.release_approved`` if this completes the guard, else [].

    Validation (field ``defects``): ``required_when_failed`` (no defects on a failed inspection),
    ``must_be_empty_when_passed``, ``not_blank`` (a blank defect). Conflict: case not accepted yet,
    or defects reported after release was approved. A repeated pass after approval is a no-op.

    `at` is when the inspection was recorded (the event's occurred_at): a result older than the
    one the case holds changes nothing and returns [] (before or after approval). On a withdrawn
    case it changes nothing either (engineering may finish an inspection it had started).
    """
    if case.state == WITHDRAWN:
        return []
    _require_accepted(case, "an inspection")
    items = list(defects or [])
    if passed and items:
        raise ValidationError.one("defects", "must_be_empty_when_passed", "a passed inspection lists no defects")
    if not passed and not items:
        raise ValidationError.one("defects", "required_when_failed", "list the defects found (单元验收移交记录表)")
    if any(_blank(d) for d in items):
        raise ValidationError.one("defects", "not_blank", "a defect needs a description")
    if is_stale(case.inspection_at, at):
        return []
    if _rank(case.state) >= _rank(RELEASE_APPROVED):
        if passed:
            return []
        raise Conflict(
            f"move-out {case.move_out_id}: goods release was already approved; defects found now "
            "are charged to the tenant separately, not by reopening the move-out"
        )
    if passed:
        case.inspection = "passed"
        case.defects = []
    else:
        case.inspection = "defects_found"
        case.defects = [d.strip() for d in items]
    if at is not None:
        case.inspection_at = at
    return _progress(case)


def record_clearance(case: MoveOutCase, cleared: bool, outstanding_amount: str | Decimal,
                     as_of: datetime | None = None) -> list[Event]:
    """Record Finance's fee check (费用结清, [004 WI/FW-020]) from ``billing.clearance_confirmed/failed``.

    ``cleared`` True needs an amount <= 0 (a credit is allowed); False needs an amount > 0. The
    latest result before release approval wins (outstanding, then paid and cleared, approves).
    Returns ``move_out.release_approved`` if this completes the guard, else [].

    Validation (field ``outstanding_amount``): ``decimal`` (not a number),
    ``not_positive_when_cleared``, ``positive_when_outstanding``. Conflict: case not accepted yet,
    or fees outstanding after release was approved. A repeated clearance after approval is a no-op.

    `as_of` is Finance's time of the verdict: a verdict older than the one the case holds changes
    nothing and returns [] (before or after approval). On a withdrawn case it changes nothing.
    """
    if case.state == WITHDRAWN:
        return []
    _require_accepted(case, "a fee clearance")
    try:
        amount = Decimal(str(outstanding_amount).strip())
        if not amount.is_finite():
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        raise ValidationError.one("outstanding_amount", "decimal", "amount as a number, e.g. 1234.50") from None
    if cleared and amount > 0:
        raise ValidationError.one("outstanding_amount", "not_positive_when_cleared", "cleared fees leave nothing outstanding")
    if not cleared and amount <= 0:
        raise ValidationError.one("outstanding_amount", "positive_when_outstanding", "outstanding fees are a positive amount")
    if is_stale(case.fees_as_of, as_of):
        return []
    if _rank(case.state) >= _rank(RELEASE_APPROVED):
        if cleared:
            return []
        raise Conflict(
            f"move-out {case.move_out_id}: goods release was already approved; {yuan(amount)} "
            "now outstanding is collected separately, not by reopening the move-out"
        )
    case.fees = "cleared" if cleared else "outstanding"
    case.outstanding_amount = money(amount)
    if as_of is not None:
        case.fees_as_of = as_of
    return _progress(case)


def record_supply_cut(case: MoveOutCase, at: datetime) -> list[Event]:
    """Record METERS_READ_AND_CUT (§2.6) from ``unit.supply_cut``: the time engineering read the
    meters as of the exit and cut the supply. Returns [] (no new event: billing decides the fees
    with the final readings). Once: a second announcement changes nothing; nothing on a withdrawn
    case. Conflict: the case is not accepted yet."""
    if case.state == WITHDRAWN or case.supply_cut_at is not None:
        return []
    _require_accepted(case, "the supply cut")
    case.supply_cut_at = at
    return []


def record_slip_issued(case: MoveOutCase, slip_no: str) -> list[Event]:
    """Note the 物品放行条 access issued (``release_slip.issued``). Returns [] (no new event).

    Same slip again is a no-op. Conflict: release not approved yet, or a different slip already
    noted. ValidationError (slip_no, required) when blank.
    """
    if _blank(slip_no):
        raise ValidationError.one("slip_no", "required", "give the release slip number")
    if case.state == WITHDRAWN or _rank(case.state) < _rank(RELEASE_APPROVED):
        raise Conflict(f"move-out {case.move_out_id}: goods release is not approved, no slip may be issued")
    if case.release_slip_no:
        if case.release_slip_no == slip_no:
            return []
        raise Conflict(f"move-out {case.move_out_id} already has release slip {case.release_slip_no}")
    case.release_slip_no = slip_no
    return []


def record_goods_released(case: MoveOutCase, slip_no: str | None = None) -> list[Event]:
    """Security let the goods out at the gate (``release_slip.released``): state GOODS_RELEASED.

    `slip_no` is the slip the gate release names. ``release_slip.issued`` and
    ``release_slip.released`` reach residents on separate queues, so the release may come first:
    on an approved case with no slip noted yet, the release notes its slip (the late
    ``release_slip.issued`` is then a no-op).

    Returns [] (the move-out completes with `archive_move_out`). Repeating it is a no-op.
    Conflict: release not approved (or the case withdrawn), or no release slip noted nor named.
    """
    if case.state == WITHDRAWN:
        raise Conflict(f"move-out {case.move_out_id} was withdrawn: no goods may be released for it")
    if _rank(case.state) >= _rank(GOODS_RELEASED):
        return []
    if _rank(case.state) >= _rank(RELEASE_APPROVED) and not case.release_slip_no and not _blank(slip_no):
        case.release_slip_no = slip_no
    if _rank(case.state) < _rank(RELEASE_APPROVED) or not case.release_slip_no:
        raise Conflict(f"move-out {case.move_out_id}: no release slip issued, goods cannot have been released")
    case.state = GOODS_RELEASED
    return []


def archive_move_out(case: MoveOutCase, archived_at: datetime) -> list[Event]:
    """CS files every exit document and reports the exit to the owner (§2.6 ARCHIVED, 档案).

    Emits ``move_out.completed`` (move_out_id, unit_id, archived_at ISO) so billing stops billing
    and access revokes passes and collects keys. The case is closed: the unit may start a new
    move-out. Conflict (field ``move_out_id``, rule ``goods_released_first``) unless the goods were
    released; archiving twice is a no-op.
    """
    if case.state == ARCHIVED:
        return []
    if case.state != GOODS_RELEASED:
        raise Conflict(f"move-out {case.move_out_id}: goods not released yet, cannot archive "
                       f"(state {MOVE_OUT_STATES.label(case.state, 'en')})",
                       field="move_out_id", rule="goods_released_first")
    case.state = ARCHIVED
    case.closed_at = archived_at
    return [
        Event(
            "move_out.completed",
            {"move_out_id": case.move_out_id, "unit_id": case.unit_id, "estate": case.estate,
             "archived_at": archived_at.isoformat()},
        )
    ]


def withdraw_move_out(case: MoveOutCase, reason: str | None, at: datetime) -> list[Event]:
    """The desk withdraws a move-out before its goods release is approved (the tenant stays after
    all, or the application is to be made again): state WITHDRAWN, the case is closed and the unit
    may start a new move-out. Emits ``move_out.withdrawn`` (move_out_id, unit_id, reason,
    withdrawn_at) so engineering cancels the inspection and security drops the hold. (inferred:
    §2.6 has no withdrawal, but an office must be able to end an application that will not go on.)

    ValidationError (field ``reason``): ``required`` (blank), ``length`` (over 500 characters).
    Conflict (field ``move_out_id``, rule ``before_release_approval``): release already approved
    (access may have issued the slip: the case runs to its end), or the case is archived.
    Withdrawing twice is a no-op.
    """
    if case.state == WITHDRAWN:
        return []
    if _blank(reason):
        raise ValidationError.one("reason", "required", "say why the move-out is withdrawn")
    if len(reason.strip()) > MAX_REASON_LENGTH:
        raise ValidationError.one("reason", "length", f"a reason is at most {MAX_REASON_LENGTH} characters")
    if case.state not in MOVE_OUT_WITHDRAWABLE:
        raise Conflict(f"move-out {case.move_out_id} is {MOVE_OUT_STATES.label(case.state, 'en')}: "
                       "only a case whose release is not yet approved can be withdrawn",
                       field="move_out_id", rule="before_release_approval")
    case.state = WITHDRAWN
    case.withdrawal_reason = reason.strip()
    case.closed_at = at
    return [Event("move_out.withdrawn", {"move_out_id": case.move_out_id, "unit_id": case.unit_id,
                                         "estate": case.estate, "reason": case.withdrawal_reason,
                                         "withdrawn_at": at.isoformat()})]


# --- what the desk sees -------------------------------------------------------------------------
def next_commands(case: MoveOutCase) -> list[str]:
    """The residents commands the case's state allows now (the policy then says who may give them)."""
    commands = []
    if case.state in MOVE_OUT_WITHDRAWABLE:
        commands.append("withdraw_move_out")
    if case.state == GOODS_RELEASED:
        commands.append("archive_move_out")
    return commands



def waiting_for(case: MoveOutCase) -> list[str]:
    """Exactly what the case still waits for, office-readable English with the Chinese term.

    Before approval: the inspection (pending / defects to settle) and the fee check (pending /
    amount outstanding), whichever are missing; a fee check not made yet before engineering read the
    meters and cut the supply names that too (billing checks a metered unit once its final readings
    are billed: METERS_READ_AND_CUT, §2.6). Then the slip, the gate, the archiving. Empty
    once archived.
    """
    state = case.state
    if state in MOVE_OUT_CLOSED:
        return []
    if _rank(state) < _rank(APPLICATION_ACCEPTED):
        if _blank(case.owner_consent_ref):
            return ["owner's written consent (客户书面同意)"]
        return ["acceptance of the application by customer service (租户撤场审批表)"]
    if state == GOODS_RELEASED:
        return ["archiving of the exit documents and report to the owner (归档)"]
    if state == RELEASE_APPROVED:
        if not case.release_slip_no:
            return ["goods release slip to be issued (物品放行条)"]
        return [f"goods release at the gate, slip {case.release_slip_no} (物品放行)"]
    waits: list[str] = []
    if case.inspection == "defects_found":
        waits.append(f"defects to be settled: {', '.join(case.defects)} (违约处理单)")
    elif case.inspection != "passed":
        waits.append("engineering inspection (单元验收)")
    if case.fees == "outstanding":
        waits.append(f"fee clearance: {yuan(case.outstanding_amount)} outstanding (费用结清)")
    elif case.fees != "cleared":
        if case.supply_cut_at is None:  # a metered unit's fee check waits for the final readings (§2.6)
            waits.append("final meter readings and supply cut by engineering (抄表并断水断电)")
        waits.append("fee clearance check by finance (费用结清)")
    if _blank(case.owner_consent_ref):
        waits.append("owner's written consent (客户书面同意)")
    return waits
