"""The goods release of a move-out and its slip's handlers (物品放行条, domain.md §2.7, WI/FW-020).

Plain functions of (message, uow): load, call `domain`, add rows, events and audit rows to the unit
of work. Who may give a command is `propdesk.policy`; the entrypoint (chassis) has checked the
role, the request's shape and the idempotency key before a command handler runs, and commits
after it returns (an event handler's effects commit with its inbox mark).

The hold, as events::

    move_out.requested (residents)          \\  whichever arrives first opens the hold;
    billing.clearance_confirmed/failed      -   each fact is recorded in any order, a stale
    move_out.release_approved (residents)   /   clearance (older as_of) changes nothing
        -> release_slip.issued, once, as soon as approval AND fee clearance are both in
    move_out.withdrawn (residents)          -> the hold is closed: nothing awaited, no slip ever
                                               (it may arrive first: the hold opens closed)
    release_at_gate (command, security)     -> release_slip.released, once

Every event and audit row of a case carries the move-out id as its correlation id. Slip numbers
are ``FX-<yyyymmdd>-<nnnn>`` (chassis numbering, by office day).

Estates (管理处): a hold keeps the unit's estate from the first of the case's events that names it,
and its slip has it too. Security sees and releases only the holds and slips of its estates
(`reader.estates`, `cmd.estates`): another estate's answers as a missing one (NotFound).
"""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from propdesk.chassis.estates import visible, within
from propdesk.contracts.envelope import Envelope
from propdesk.contracts.rpc import ReleaseHoldSchema, ReleaseSlipSchema
from propdesk.domain import as_utc
from propdesk.errors import NotFound
from propdesk_services.access.workflows.goods_release import domain as goods_release_domain
from propdesk_services.access.workflows.goods_release import handlers as goods_release
from propdesk_services.access.workflows.goods_release import qr
from propdesk_services.access.workflows.release_slip import domain
from propdesk_services.access.workflows.release_slip.models import ReleaseHold, ReleaseSlip

#: The number series of release slips (物品放行条) at the desk.
SERIES = "FX"

_SLIP = ReleaseSlipSchema()
_SLIPS = ReleaseSlipSchema(many=True)
_HOLD = ReleaseHoldSchema()


# --- reading ---------------------------------------------------------------------------------------
def _hold(session: Session, move_out_id: str, *, lock: bool = False) -> ReleaseHold | None:
    stmt = select(ReleaseHold).where(ReleaseHold.move_out_id == move_out_id)
    return session.scalars(stmt.with_for_update() if lock else stmt).first()


def hold_view(session: Session, hold: ReleaseHold) -> dict:
    slip = (session.scalars(select(ReleaseSlip).where(ReleaseSlip.slip_no == hold.slip_no)).first()
            if hold.slip_no else None)
    columns = {c.key: getattr(hold, c.key) for c in ReleaseHold.__table__.columns}
    return _HOLD.dump({**columns, "waiting_for": domain.waiting_for(hold), "closed": domain.is_closed(hold),
                       "slip": slip})


def get_release_hold(args: dict, reader) -> dict:
    """The hold of one move-out, what it still waits for, and its slip once issued."""
    hold = _hold(reader.session, args["move_out_id"])
    if hold is None or not visible(reader.estates, hold.estate):
        raise NotFound(f"no release hold for move-out {args['move_out_id']}", field="move_out_id", rule="exists")
    return hold_view(reader.session, hold)


def possible_actions(move_out_id: str, reader) -> list[str]:
    """What the move-out's goods release allows next (ACTIONS row "release_hold")."""
    hold = _hold(reader.session, move_out_id)
    if hold is None or not visible(reader.estates, hold.estate):
        raise NotFound(f"no release hold for move-out {move_out_id}", field="record_id", rule="exists")
    return domain.next_commands(hold)


def list_release_slips(args: dict, reader) -> list[dict]:
    """Issued slips (every variant) of the estates of the person asking, oldest first; `status`
    "issued" (not used yet) or "released"."""
    stmt = (within(select(ReleaseSlip), ReleaseSlip.estate, reader.estates).order_by(ReleaseSlip.id)
            .where(ReleaseSlip.issued_at.is_not(None)))  # a desk slip still waiting is not issued yet
    if args["status"] == "issued":
        stmt = stmt.where(ReleaseSlip.state == goods_release_domain.ISSUED)
    elif args["status"] == "released":
        stmt = stmt.where(ReleaseSlip.released_at.is_not(None))
    return _SLIPS.dump(reader.session.scalars(stmt).all())


# --- the case's incoming facts ---------------------------------------------------------------------
def on_move_out_requested(event: Envelope, uow) -> None:
    """Put the unit's goods release on hold (租户撤场: Security is notified to hold the goods)."""
    p = event.payload
    hold = _hold_for(uow, p)
    if domain.record_request(hold, p["unit_id"], p["tenant_id"]):
        hold.updated_at = uow.now()
        uow.audit("release_hold.open", "release_hold", hold.move_out_id,
                  {"unit_id": hold.unit_id, "tenant_party_id": hold.tenant_party_id})
    _issue_when_due(uow, hold)


def on_clearance(event: Envelope, uow) -> None:
    """Finance's fee verdict for the move-out (WI/FW-020: no slip until fees are settled). A
    verdict not about a move-out (billing checks fees for other reasons too) holds nothing: it is
    acknowledged and changes nothing."""
    p = event.payload
    if not p.get("move_out_id"):
        return
    cleared = event.event_type == "billing.clearance_confirmed"
    as_of = datetime.fromisoformat(p["as_of"]).astimezone(timezone.utc)
    hold = _hold_for(uow, p)
    if domain.record_clearance(hold, cleared, event.event_id, as_of):
        hold.updated_at = uow.now()
        uow.audit("release_hold.fees_cleared" if cleared else "release_hold.fees_outstanding",
                  "release_hold", hold.move_out_id,
                  {"outstanding_amount": p["outstanding_amount"], "as_of": p["as_of"], "clearance_ref": event.event_id})
    _issue_when_due(uow, hold)


def on_release_approved(event: Envelope, uow) -> None:
    """Customer service approved the release per the owner's written instruction."""
    p = event.payload
    hold = _hold_for(uow, p)
    if domain.record_approval(hold, p["owner_written_opinion_ref"]):
        hold.updated_at = uow.now()
        uow.audit("release_hold.approve", "release_hold", hold.move_out_id,
                  {"owner_written_opinion_ref": p["owner_written_opinion_ref"]})
    _issue_when_due(uow, hold)


def on_move_out_withdrawn(event: Envelope, uow) -> None:
    """The desk withdrew the move-out before its release was approved (撤回): security drops the
    hold. It is closed (audited ``release_hold.withdraw``), waits for nothing and never gets a slip,
    whatever arrives later. A withdrawal that overtakes the case's other events opens it closed."""
    p = event.payload
    hold = _hold_for(uow, p)
    if domain.withdraw(hold, as_utc(datetime.fromisoformat(p["withdrawn_at"])).astimezone(timezone.utc)):
        hold.updated_at = uow.now()
        uow.audit("release_hold.withdraw", "release_hold", hold.move_out_id,
                  {"reason": p["reason"], "withdrawn_at": p["withdrawn_at"], "event_id": event.event_id,
                   "by": event.actor.as_dict()})


def _hold_for(uow, payload: dict) -> ReleaseHold:
    """The move-out's hold (locked), opened now if this is the first of its events to arrive; its
    estate from the first event that names one."""
    move_out_id, unit_id, estate = payload["move_out_id"], payload["unit_id"], payload.get("estate")
    uow.correlation_id = move_out_id
    hold = _hold(uow.session, move_out_id, lock=True)
    if hold is not None:
        hold.estate = hold.estate or estate
        return hold
    opened = domain.open_hold(move_out_id, unit_id, estate)
    now = uow.now()
    hold = ReleaseHold(**{k: getattr(opened, k) for k in opened.__dataclass_fields__}, created_at=now, updated_at=now)
    uow.session.add(hold)
    return hold


def _issue_when_due(uow, hold: ReleaseHold) -> None:
    """Issue the tenant's slip once approval and fee clearance are both there (and only once)."""
    if not domain.due_for_slip(hold):
        return
    now = uow.now()
    events = domain.issue_slip(hold, uow.next_number(SERIES), goods=list(domain.MOVE_OUT_GOODS),
                               clearance_ref=hold.clearance_ref)
    for event in events:
        p = event.payload
        uow.session.add(ReleaseSlip(
            slip_no=p["slip_id"], move_out_id=p["move_out_id"], unit_id=p["unit_id"], estate=hold.estate,
            applicant_type=p["applicant_type"], goods=p["goods"], clearance_ref=p["clearance_ref"], issued_at=now,
            variant=goods_release_domain.MOVE_OUT, state=goods_release_domain.ISSUED, token_nonce=qr.new_nonce()))
        uow.emit(event.type, p)
        uow.audit("release_slip.issue", "release_slip", p["slip_id"],
                  {"move_out_id": hold.move_out_id, "clearance_ref": p["clearance_ref"]})
    hold.updated_at = now


# --- commands --------------------------------------------------------------------------------------
def release_at_gate(cmd, uow) -> dict:
    """Security checked the goods against the slip at the gate and let them out (物品放行): emits
    ``release_slip.released``; answers the slip. NotFound (slip_no, exists) for an unknown slip
    (or another estate's);
    Conflict (slip_no, released_once) when the goods already left. An idempotency key answers the
    first answer again and releases nothing twice."""
    s, slip_no = uow.session, cmd.data["slip_no"]
    checked = cmd.data.get("checked_items") or []
    slip = s.scalars(select(ReleaseSlip).where(ReleaseSlip.slip_no == slip_no).with_for_update()).first()
    if slip is None or not visible(cmd.estates, slip.estate):
        raise NotFound(f"no release slip {slip_no}", field="slip_no", rule="exists")
    if slip.move_out_id is None:  # a slip filled in at the desk (owner, non-owner, contractor, ...)
        goods_release.release_desk_slip(uow, slip, cmd.actor.id, checked)
        return _SLIP.dump(slip)
    hold = s.scalars(select(ReleaseHold).where(ReleaseHold.slip_no == slip.slip_no).with_for_update()).one()
    uow.correlation_id = hold.move_out_id
    events = domain.release_at_gate(hold, cmd.actor.id)  # Conflict when already released
    goods_release.release_checked(uow, slip, cmd.actor.id, checked)  # Conflict when refused at the gate before
    now = uow.now()
    slip.released_at, slip.released_by, hold.updated_at = now, hold.released_by, now
    uow.emit_all(events)
    uow.audit("release_slip.release", "release_slip", slip.slip_no,
              {"move_out_id": hold.move_out_id, "guard_id": hold.released_by})
    return _SLIP.dump(slip)
