"""The move-out's handlers (租户撤场, domain.md §2.6 and §7 "move-out saga orchestration").

Plain functions of (message, uow): load, call `domain`, add rows, events and audit rows to the unit
of work. Who may give a command is `propdesk.policy`; the entrypoint (chassis) has checked the
role, the request's shape and the idempotency key before a command handler runs, and commits
after it returns.

The saga, as events::

    request_move_out (command)              -> move_out.requested
    move_out.inspection_completed (tickets) \\
    billing.clearance_confirmed/failed      -> move_out.release_approved, once, when
                                               inspection passed AND fees cleared AND owner consent
    release_slip.issued (access)            -> the slip number is noted on the case
    release_slip.released (access)          -> GOODS_RELEASED
    archive_move_out (command)              -> ARCHIVED, move_out.completed
    withdraw_move_out (command, before approval) -> WITHDRAWN, move_out.withdrawn

A fact that contradicts an approval already given (defects or fees outstanding after release was
approved, a slip for a case not approved) is a domain `Conflict`: it is recorded on the case
(`conflicts`, audit ``move_out.conflict``) for the CS supervisor and acknowledged, never retried.
Any other error propagates, so the chassis retries it and then dead-letters it.

Each queue delivers in order, but a retried event comes back behind later ones: an inspection
older than the one the case holds (by the event's occurred_at) or a fee verdict older than the one
it holds (by Finance's as_of) is stale and changes nothing (`domain.is_stale`).

Events not about a move-out are acknowledged and change nothing: a fee clearance without a
move-out id or with one residents does not know (billing checks fees for other reasons too), a
release slip without a move-out id (an owner's or a contractor's). An inspection or a slip naming a
move-out id residents never issued is a fault: NotFound, retried, then dead-lettered.

Move-out ids are ``MO-<yyyymmdd>-<nnnn>`` (chassis numbering, by office day); every event and
audit row of a case carries the move-out id as its correlation id.

Estates (管理处): a case has its unit's estate, and every event of it carries it (``estate``). A
person sees and acts on the cases and units of their estates only (`cmd.estates`,
`reader.estates`): another estate's case or unit answers exactly as an unknown one (NotFound
move_out_id/exists; a request for such a unit: unit_id/unknown_unit). The saga's incoming events
are not scoped (departments trust each other's events).
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Callable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from propdesk.chassis.db import aware
from propdesk.chassis.estates import visible, within
from propdesk.contracts.envelope import Envelope
from propdesk.contracts.rpc import MoveOutSchema
from propdesk.contracts.vocab import MOVE_OUT_CLOSED
from propdesk.domain import Event
from propdesk.errors import Conflict, NotFound
from propdesk.privacy import mask
from propdesk_services.residents.workflows.move_out import domain
from propdesk_services.residents.workflows.move_out.models import MoveOutCase
from propdesk_services.residents.workflows.register.views import party_names, unit_of

#: The number series of move-outs at the desk.
SERIES = "MO"

#: The case attributes an event may change; an event that changes none of them is not audited.
TRACKED = ("state", "inspection", "defects", "breach_notice_id", "fees", "outstanding_amount", "release_slip_no",
           "supply_cut_at")

_CASE = MoveOutSchema()


# --- reading ---------------------------------------------------------------------------------------
def open_move_out_id(session: Session, unit_id: str) -> str | None:
    return session.scalar(select(MoveOutCase.move_out_id).where(
        MoveOutCase.unit_id == unit_id, MoveOutCase.state.not_in(MOVE_OUT_CLOSED)))


def case_views(session: Session, cases: list[MoveOutCase]) -> list[dict]:
    names = party_names(session, [c.tenant_party_id for c in cases] + [c.owner_party_id for c in cases])
    return [
        _CASE.dump({
            **{attr: getattr(case, attr) for attr in (
                "move_out_id", "unit_id", "estate", "tenant_party_id", "owner_party_id", "exit_date", "owner_consent_ref",
                "fitout_disposition", "state", "inspection", "breach_notice_id", "fees", "outstanding_amount",
                "release_slip_no", "requested_by", "withdrawal_reason")},
            "defects": list(case.defects or []),
            "conflicts": list(case.conflicts or []),
            "tenant_name": names.get(case.tenant_party_id),
            "owner_name": names.get(case.owner_party_id),
            "waiting_for": domain.waiting_for(case),
            "created_at": aware(case.created_at),
            "updated_at": aware(case.updated_at),
            "closed_at": aware(case.closed_at),
            "supply_cut_at": aware(case.supply_cut_at),
        })
        for case in cases
    ]


def _case(session: Session, move_out_id: str, estates=None, *, lock: bool = False) -> MoveOutCase:
    """The case; NotFound (move_out_id, exists) when there is none or it is of an estate outside
    `estates` (None: not scoped): the same answer for both."""
    # locked: inspection and clearance arrive on different queues and may be handled at once by
    # two workers (PostgreSQL); SQLite serialises writers anyway and ignores it
    case = session.get(MoveOutCase, move_out_id, with_for_update=lock)
    if case is None or not visible(estates, case.estate):
        raise NotFound(f"no move-out {move_out_id}", field="move_out_id", rule="exists")
    return case


def get_move_out(args: dict, reader) -> dict:
    """One move-out case with owner/tenant names and what it still waits for (waiting_for)."""
    return case_views(reader.session, [_case(reader.session, args["move_out_id"], reader.estates)])[0]


def list_move_outs(args: dict, reader) -> list[dict]:
    """Move-out cases of the estates of the person asking, newest first; only those in `state` when
    given. Personal numbers typed into the free text (a consent reference, a defect) are masked in
    the list; the case's own page (`get_move_out`) shows what was typed."""
    stmt = within(select(MoveOutCase), MoveOutCase.estate, reader.estates).order_by(
        MoveOutCase.created_at.desc(), MoveOutCase.move_out_id.desc())
    if args["state"] is not None:
        stmt = stmt.where(MoveOutCase.state == args["state"])
    return mask(case_views(reader.session, list(reader.session.scalars(stmt))))


def possible_actions(move_out_id: str, reader) -> list[str]:
    """What the case's state allows next (ACTIONS row "move_out")."""
    return domain.next_commands(_case(reader.session, move_out_id, reader.estates))


# --- commands --------------------------------------------------------------------------------------
def request_move_out(cmd, uow) -> dict:
    """Register a tenant's move-out application with the owner's written consent and accept it
    (租户撤场审批表): emits ``move_out.requested`` so engineering inspects, finance checks the
    fees and security holds the goods release. Answers the case as `get_move_out`.

    ValidationError: every broken rule at once (`domain.validate_move_out_request`; a unit of an
    estate the person does not work for is unknown_unit, as an unregistered one). Conflict
    (unit_id, one_open_move_out) when the unit already has an open move-out."""
    s, data = uow.session, cmd.data
    unit = unit_of(s, (data["unit_id"] or "").strip(), cmd.estates)
    domain.validate_move_out_request(unit, data["tenant_party_id"], data["exit_date"], data["owner_consent_ref"],
                                     data["fitout_disposition"], uow.today())
    already = open_move_out_id(s, unit.unit_id)
    if already:
        raise Conflict(f"unit {unit.unit_id} already has an open move-out {already}",
                       field="unit_id", rule="one_open_move_out")
    move_out_id = uow.next_number(SERIES)
    uow.correlation_id = move_out_id
    now = uow.now()
    case = MoveOutCase(
        move_out_id=move_out_id, unit_id=unit.unit_id, estate=unit.estate, tenant_party_id=data["tenant_party_id"],
        owner_party_id=unit.owner_party_id, exit_date=date.fromisoformat(data["exit_date"].strip()),
        owner_consent_ref=data["owner_consent_ref"].strip(), fitout_disposition=data["fitout_disposition"],
        state=domain.OWNER_CONSENT_PENDING, inspection="pending", defects=[], breach_notice_id=None,
        fees="pending", outstanding_amount="0.00", release_slip_no=None, requested_by=cmd.actor.id,
        conflicts=[], created_at=now, updated_at=now,
    )
    events = domain.accept_move_out(case)
    s.add(case)
    try:
        s.flush()
    except IntegrityError:  # the partial unique index: another request opened one meanwhile
        raise Conflict(f"unit {unit.unit_id} got another move-out at the same moment: look it up before retrying",
                       field="unit_id", rule="one_open_move_out") from None
    uow.emit_all(events)
    uow.audit("move_out.requested", "move_out", move_out_id, {
        "unit_id": case.unit_id, "estate": case.estate, "tenant_party_id": case.tenant_party_id,
        "exit_date": case.exit_date.isoformat(), "owner_consent_ref": case.owner_consent_ref,
        "fitout_disposition": case.fitout_disposition, "state": case.state,
    })
    return case_views(s, [case])[0]


def _close(cmd, uow, act: Callable[[MoveOutCase, datetime], list[Event]], action: str, details: dict) -> dict:
    case = _case(uow.session, cmd.data["move_out_id"], cmd.estates, lock=True)
    uow.correlation_id = case.move_out_id
    before = case.state
    events = act(case, uow.now())
    if case.state != before:
        case.updated_at = uow.now()
        uow.emit_all(events)
        uow.audit(action, "move_out", case.move_out_id, {**details, "state_before": before, "state": case.state})
    return case_views(uow.session, [case])[0]


def withdraw_move_out(cmd, uow) -> dict:
    """Withdraw a move-out before its release is approved, with the reason (撤回): the case is
    closed, engineering cancels the inspection, security drops the hold; the unit may apply again.
    Conflict (move_out_id, before_release_approval) once release is approved."""
    reason = cmd.data["reason"]
    return _close(cmd, uow, lambda case, at: domain.withdraw_move_out(case, reason, at),
                  "move_out.withdrawn", {"reason": (reason or "").strip()})


def archive_move_out(cmd, uow) -> dict:
    """File every exit document and report the exit to the owner (归档): state ARCHIVED, emits
    ``move_out.completed``; the unit may start a new move-out. Conflict (move_out_id,
    goods_released_first) before the goods are released."""
    return _close(cmd, uow, domain.archive_move_out, "move_out.archived", {})


# --- the saga's incoming facts -------------------------------------------------------------------------
def on_inspection_completed(event: Envelope, uow) -> None:
    """Engineering's unit inspection (单元验收移交记录表): passed, or defects with a 违约处理单."""
    p = event.payload

    def apply(case: MoveOutCase) -> list[Event]:
        decided = domain.release_decided(case)
        stale = domain.is_stale(case.inspection_at, event.occurred_at)
        events = domain.record_inspection(case, p["passed"], p["defects"], at=event.occurred_at)
        if not decided and not stale:  # the latest result before approval wins, its breach notice with it
            case.breach_notice_id = None if p["passed"] else p["breach_notice_id"]
        return events

    _apply(uow, event, p["move_out_id"], apply, "move_out.inspection_recorded",
           {"passed": p["passed"], "defects": p["defects"], "work_order_no": p["work_order_no"],
            "breach_notice_id": p["breach_notice_id"]})


def on_clearance(event: Envelope, uow) -> None:
    """Finance's fee check (费用结清, [004 WI/FW-020]). Clearances not about a known move-out
    (other purposes of billing's check) are acknowledged and ignored."""
    p = event.payload
    if not p.get("move_out_id"):
        return
    cleared = event.event_type == "billing.clearance_confirmed"
    as_of = datetime.fromisoformat(p["as_of"])
    _apply(uow, event, p["move_out_id"],
           lambda case: domain.record_clearance(case, cleared, p["outstanding_amount"], as_of=as_of),
           "move_out.clearance_recorded",
           {"cleared": cleared, "outstanding_amount": p["outstanding_amount"], "as_of": p["as_of"]},
           unknown_case="ignore")


def on_supply_cut(event: Envelope, uow) -> None:
    """Engineering read the meters as of the exit and cut the supply (``unit.supply_cut``,
    METERS_READ_AND_CUT): the time is recorded on the case (and the step is on its timeline)."""
    p = event.payload
    at = datetime.fromisoformat(p["at"])
    _apply(uow, event, p["move_out_id"], lambda case: domain.record_supply_cut(case, at),
           "move_out.supply_cut_recorded",
           {"at": p["at"], "utilities": p["utilities"], "work_order_no": p["work_order_no"]})


def on_release_slip_issued(event: Envelope, uow) -> None:
    """Access issued the tenant's 物品放行条: note its number on the case. A slip that is not part
    of a move-out (an owner's or a contractor's) is ignored."""
    p = event.payload
    if not p.get("move_out_id"):
        return
    _apply(uow, event, p["move_out_id"], lambda case: domain.record_slip_issued(case, p["slip_id"]),
           "move_out.release_slip_issued", {"slip_id": p["slip_id"]})


def on_goods_released(event: Envelope, uow) -> None:
    """Security checked the goods against the slip at the gate and let them out (物品放行)."""
    p = event.payload
    if not p.get("move_out_id"):
        return
    _apply(uow, event, p["move_out_id"], lambda case: domain.record_goods_released(case, p["slip_id"]),
           "move_out.goods_released", {"slip_id": p["slip_id"], "guard_id": p["guard_id"]})


def _apply(uow, event: Envelope, move_out_id: str, apply: Callable[[MoveOutCase], list[Event]],
           action: str, details: dict, unknown_case: str = "fail") -> None:
    """One incoming fact about a case: apply it with the domain, emit what it causes, audit what
    changed, or record a contradiction (Conflict) on the case instead of retrying it.

    An unknown move-out id is a fault (NotFound: retried, then dead-lettered) unless
    ``unknown_case="ignore"``: then the event is acknowledged and changes nothing."""
    uow.correlation_id = move_out_id
    case = uow.session.get(MoveOutCase, move_out_id, with_for_update=True)
    if case is None:
        if unknown_case == "ignore":
            return
        raise NotFound(f"{event.event_type} {event.event_id} names unknown move-out {move_out_id}",
                       field="move_out_id", rule="exists")
    before = {attr: getattr(case, attr) for attr in TRACKED}
    try:
        events = apply(case)
    except Conflict as exc:
        _record_conflict(uow, case, event, exc.message)
        return
    if {attr: getattr(case, attr) for attr in TRACKED} != before:
        case.updated_at = uow.now()
        uow.audit(action, "move_out", move_out_id,
                  {**details, "event_id": event.event_id, "by": event.actor.as_dict(), "state": case.state})
    for e in events:
        uow.emit(e.type, e.payload)
        uow.audit(e.type, "move_out", move_out_id, e.payload)


def _record_conflict(uow, case: MoveOutCase, event: Envelope, message: str) -> None:
    uow.session.expire(case)  # keep nothing the domain may have touched before refusing
    now = uow.now()
    note = {"at": now.isoformat(), "event_type": event.event_type, "event_id": event.event_id, "message": message}
    case.conflicts = [*(case.conflicts or []), note]
    case.updated_at = now
    uow.audit("move_out.conflict", "move_out", case.move_out_id, {**note, "by": event.actor.as_dict()})
