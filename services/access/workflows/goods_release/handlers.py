"""Release slips filled in at the desk, the gate's refusal, the guard's QR check and the KPI
(物品放行条, domain.md §2.7): handlers of (message, uow) and queries of (args, reader).

The slips live in the one register every variant shares (`release_slip.models.ReleaseSlip`,
numbered ``FX-yyyymmdd-nnnn``); the goods of a desk slip line by line in `ReleaseSlipItem`. The
move-out's slip is issued by its hold (`workflows/release_slip`) and used at the same gate:
``release_at_gate`` (release_slip's handler) calls `release_checked` here, ``refuse_at_gate`` is here.

Estates: a slip has its unit's estate; the desk and the gate see and act on their estates' slips only
(another estate's answers as a missing one). Every event and audit row of a slip carries its number as
the correlation id (a move-out's slip: the move-out's id).
"""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from decimal import Decimal

from sqlalchemy import func, or_, select

from propdesk.chassis.calendar import OFFICE_TZ
from propdesk.chassis.estates import visible, within
from propdesk.contracts.rpc.access_goods_release import (ReleaseKpiSchema, ReleaseSlipDetailSchema, SlipQrSchema,
                                                         SlipTokenCheckSchema)
from propdesk.demo import estate_of
from propdesk.errors import Conflict, NotFound, ValidationError
from propdesk_services.access.workflows.goods_release import domain, qr
from propdesk_services.access.workflows.goods_release.models import ReleaseSlipItem
from propdesk_services.access.workflows.registers import queue_item
from propdesk_services.access.workflows.release_slip.models import ReleaseSlip

#: The number series of release slips (the move-out's slips use the same).
SERIES = "FX"

_DETAIL = ReleaseSlipDetailSchema()
_DETAILS = ReleaseSlipDetailSchema(many=True)
_CHECK = SlipTokenCheckSchema()
_QR = SlipQrSchema()
_KPI = ReleaseKpiSchema()


# --- reading ---------------------------------------------------------------------------------------
def _slip(session, slip_no: str, estates, *, lock: bool = False) -> ReleaseSlip:
    stmt = select(ReleaseSlip).where(ReleaseSlip.slip_no == slip_no)
    slip = session.scalars(stmt.with_for_update() if lock else stmt).first()
    if slip is None or not visible(estates, slip.estate):
        raise NotFound(f"no release slip {slip_no}", field="slip_no", rule="exists")
    return slip


def lines_of(session, slip: ReleaseSlip) -> list[dict]:
    """The slip's goods line by line; a move-out's slip lists its goods as text, one line each."""
    rows = session.scalars(select(ReleaseSlipItem).where(ReleaseSlipItem.slip_no == slip.slip_no)
                           .order_by(ReleaseSlipItem.line)).all()
    if rows:
        return [{"line": r.line, "description": r.description, "quantity": r.quantity, "large": r.large,
                 "valuable": r.valuable} for r in rows]
    return [{"line": i, "description": g, "quantity": 1, "large": False, "valuable": False}
            for i, g in enumerate(slip.goods or [], start=1)]


def view(session, slip: ReleaseSlip) -> dict:
    columns = {c.key: getattr(slip, c.key) for c in ReleaseSlip.__table__.columns}
    return _DETAIL.dump({**columns, "lines": lines_of(session, slip), "signatures": slip.signatures or []})


def get_release_slip(args: dict, reader) -> dict:
    """One release slip of any variant: its goods line by line, checks, signatures and state."""
    return view(reader.session, _slip(reader.session, args["slip_no"], reader.estates))


def find_release_slips(args: dict, reader) -> list[dict]:
    """Release slips of the asker's estates, newest first (at most 200): by state, variant, unit, or
    a search in the number, unit and applicant's name."""
    stmt = within(select(ReleaseSlip), ReleaseSlip.estate, reader.estates)
    if args.get("state"):
        stmt = stmt.where(ReleaseSlip.state == args["state"])
    if args.get("variant"):
        stmt = stmt.where(ReleaseSlip.variant == args["variant"])
    if args.get("unit_id"):
        stmt = stmt.where(ReleaseSlip.unit_id == args["unit_id"])
    if args.get("q"):
        like = f"%{args['q'].strip()}%"
        stmt = stmt.where(or_(ReleaseSlip.slip_no.ilike(like), ReleaseSlip.unit_id.ilike(like),
                              ReleaseSlip.applicant_name.ilike(like)))
    slips = reader.session.scalars(stmt.order_by(ReleaseSlip.id.desc()).limit(200)).all()
    return [view(reader.session, s) for s in slips]


def possible_actions(slip_no: str, reader) -> list[str]:
    """What the slip's state allows next (ACTIONS row "release_slip")."""
    slip = _slip(reader.session, slip_no, reader.estates)
    return domain.next_commands(slip)


# --- the desk ----------------------------------------------------------------------------------------
def _issue_when_complete(uow, slip: ReleaseSlip) -> None:
    """A slip whose last step is done is issued: its QR nonce, ``release_slip.issued``."""
    lines = lines_of(uow.session, slip)
    for event in domain.issue(slip, domain.goods_text(lines), qr.new_nonce(), uow.now()):
        uow.emit(event.type, event.payload)
        uow.audit("release_slip.issue", "release_slip", slip.slip_no,
                  {"variant": slip.variant, "clearance_ref": slip.clearance_ref})


def request_goods_release(cmd, uow) -> dict:
    """开具物品放行条: the desk fills in a slip (owner, non-owner, contractor, no specimen on file;
    moving: fees first) with the goods item by item. It is issued at once when nothing is awaited,
    else it waits for the owner's confirmation, the fee clearance or the countersignature. Answers
    the slip. ValidationError naming every broken rule (`domain.validate_request`); a unit of another
    estate is unknown (unit_id, unknown_unit)."""
    data = cmd.data
    domain.validate_request(data)
    unit_id = data["unit_id"].strip()
    estate = estate_of(unit_id)
    if not visible(cmd.estates, estate):
        raise ValidationError.one("unit_id", "unknown_unit", f"no unit {unit_id} in your estates")
    now = uow.now()
    slip = ReleaseSlip(slip_no=uow.next_number(SERIES), move_out_id=None, unit_id=unit_id, estate=estate,
                       goods=[], clearance_ref=None)
    uow.correlation_id = slip.slip_no
    events = domain.open_request(slip, data, cmd.actor.id, cmd.actor.role, now)
    lines = domain.goods_lines(data["items"])
    slip.goods = domain.goods_text(lines)
    uow.session.add(slip)
    uow.session.flush()
    uow.session.add_all(ReleaseSlipItem(slip_no=slip.slip_no, **line) for line in lines)
    uow.session.flush()
    uow.emit_all(events)
    uow.audit("release_slip.request", "release_slip", slip.slip_no,
              {"variant": slip.variant, "unit_id": unit_id, "moving": slip.moving, "state": slip.state,
               "lines": len(lines), "id_type": slip.id_type, "id_number": slip.id_number})
    _issue_when_complete(uow, slip)
    return view(uow.session, slip)


def _acting_on(cmd, uow) -> ReleaseSlip:
    slip = _slip(uow.session, cmd.data["slip_no"], cmd.estates, lock=True)
    uow.correlation_id = slip.move_out_id or slip.slip_no
    return slip


def confirm_owner_authorisation(cmd, uow) -> dict:
    """业主电话确认: the desk phoned the owner about a non-owner's slip. Confirmed: the slip goes on
    (and is issued when nothing else is awaited). Refused: REJECTED with the reason
    (``release_slip.rejected``)."""
    slip = _acting_on(cmd, uow)
    d = cmd.data
    events = domain.confirm_owner(slip, d["confirmed"], d.get("owner_name"), d.get("reason"), cmd.actor.id, uow.now())
    uow.emit_all(events)
    uow.audit("release_slip.owner_confirmed" if d["confirmed"] else "release_slip.owner_refused",
              "release_slip", slip.slip_no, {"owner_name": slip.owner_name, "reason": d.get("reason"),
                                             "state": slip.state})
    _issue_when_complete(uow, slip)
    return view(uow.session, slip)


def record_fee_clearance(cmd, uow) -> dict:
    """财务核费: Finance checked the unit's fees for a moving slip (WI/FW-020). Settled: the slip goes
    on; outstanding: it stays waiting with the amount (no slip while fees are outstanding)."""
    slip = _acting_on(cmd, uow)
    d = cmd.data
    cleared = domain.record_fee_check(slip, d["cleared"], d.get("clearance_ref"), d.get("outstanding_amount"),
                                      cmd.actor.id, uow.now())
    uow.audit("release_slip.fees_cleared" if cleared else "release_slip.fees_outstanding", "release_slip",
              slip.slip_no, {"clearance_ref": slip.clearance_ref, "outstanding_amount": slip.fees_outstanding})
    _issue_when_complete(uow, slip)
    return view(uow.session, slip)


def countersign_release_slip(cmd, uow) -> dict:
    """经理/主任会签: the second signature of a slip of a client with no signature or seal specimen
    on file, by the department manager or the director (not the front-desk handler); the slip is
    issued."""
    slip = _acting_on(cmd, uow)
    domain.countersign(slip, cmd.actor.id, cmd.actor.role, uow.now())
    uow.audit("release_slip.countersign", "release_slip", slip.slip_no, {"role": cmd.actor.role})
    _issue_when_complete(uow, slip)
    return view(uow.session, slip)


def cancel_release_slip(cmd, uow) -> dict:
    """作废: the desk withdraws a slip before it was used at the gate (a move-out's slip follows its
    move-out instead)."""
    slip = _acting_on(cmd, uow)
    uow.emit_all(domain.cancel(slip, cmd.data.get("reason"), cmd.actor.id, uow.now()))
    uow.audit("release_slip.cancel", "release_slip", slip.slip_no, {"reason": slip.closed_reason})
    return view(uow.session, slip)


# --- the gate ------------------------------------------------------------------------------------------
def release_checked(uow, slip: ReleaseSlip, guard_id: str, checked_lines) -> None:
    """The gate's checks of any slip before its goods leave (used once, issued, large and valuable
    lines checked) and the slip marked RELEASED; the caller announces it."""
    domain.release(slip, lines_of(uow.session, slip), guard_id, checked_lines, uow.now())


def release_desk_slip(uow, slip: ReleaseSlip, guard_id: str, checked_lines) -> None:
    """Release a desk slip at the gate: `release_checked`, ``release_slip.released``, audited."""
    uow.correlation_id = slip.slip_no
    release_checked(uow, slip, guard_id, checked_lines)
    event = domain.released_event(slip)
    uow.emit(event.type, event.payload)
    uow.audit("release_slip.release", "release_slip", slip.slip_no,
              {"guard_id": slip.released_by, "checked_items": sorted(checked_lines or [])})


def refuse_at_gate(cmd, uow) -> dict:
    """门岗拒绝放行: Security checked the goods against the slip and refuses them, with the reason
    (``release_slip.refused``); the slip is used. Any variant, the move-out's too."""
    slip = _acting_on(cmd, uow)
    uow.emit_all(domain.refuse(slip, cmd.actor.id, cmd.data.get("reason"), uow.now()))
    uow.audit("release_slip.refuse", "release_slip", slip.slip_no,
              {"guard_id": cmd.actor.id, "reason": slip.refusal_reason, "move_out_id": slip.move_out_id})
    return view(uow.session, slip)


# --- the QR code ----------------------------------------------------------------------------------------
def verify_slip_token(args: dict, reader) -> dict:
    """The guard's scan: is this token genuine (signed by the office for this very slip) and the slip
    unused? A forged or altered token, or one for a slip of another estate, is not genuine; a genuine
    one answers the slip with its goods, and `usable` when it is ISSUED."""
    found = qr.read_token(args["token"])
    if found is None:
        return _CHECK.dump({"genuine": False, "usable": False, "reason": "forged", "slip": None})
    slip_no, nonce = found
    slip = reader.session.scalars(select(ReleaseSlip).where(ReleaseSlip.slip_no == slip_no)).first()
    if slip is None or not visible(reader.estates, slip.estate) or not slip.token_nonce:
        return _CHECK.dump({"genuine": False, "usable": False, "reason": "unknown_slip", "slip": None})
    if slip.token_nonce != nonce:
        return _CHECK.dump({"genuine": False, "usable": False, "reason": "forged", "slip": None})
    return _checked(reader.session, slip)


def check_release_slip(args: dict, reader) -> dict:
    """The guard typed the slip's number (no code to scan): the same answer as a scan of a genuine
    token — the slip with its goods, `usable` when it is ISSUED, else the reason (released_once,
    used_once, not_valid, issued: not issued yet). NotFound for an unknown slip or another estate's."""
    return _checked(reader.session, _slip(reader.session, args["slip_no"], reader.estates))


def _checked(session, slip: ReleaseSlip) -> dict:
    try:
        domain.check_usable(slip)
        reason = None
    except Conflict as exc:
        reason = exc.rule
    return _CHECK.dump({"genuine": True, "usable": reason is None, "reason": reason, "slip_no": slip.slip_no,
                        "state": slip.state, "slip": view(session, slip)})


def release_slip_qr(args: dict, reader) -> dict:
    """The slip's QR code for its print view: the token, what the code encodes, and the image (SVG
    or PNG) as data to embed. Conflict (slip_no, issued) before the slip is issued: a waiting slip
    has no code yet."""
    slip = _slip(reader.session, args["slip_no"], reader.estates)
    if not slip.token_nonce:
        raise Conflict(f"slip {slip.slip_no} is not issued yet: no QR code", field="slip_no", rule="issued")
    token = qr.make_token(slip.slip_no, slip.token_nonce)
    text = qr.content(token)
    return _QR.dump({"slip_no": slip.slip_no, "token": token, "content": text, **qr.image(text, args["kind"])})


# --- the KPI ---------------------------------------------------------------------------------------------
def _office_start(day) -> datetime:
    return datetime.combine(day, time(0), tzinfo=OFFICE_TZ).astimezone(timezone.utc)


def release_slip_kpi(args: dict, reader) -> dict:
    """The valid release-slip collection rate (收取有效放行条率, domain.md §4: valid slips collected
    at release ÷ releases, target 100%) over the releases of the office days `since`..`until`
    (both optional) in the asker's estates, with the counts of slips issued, refused, rejected and
    cancelled in the period and those still waiting."""
    since, until = args.get("since"), args.get("until")

    def period(stmt, column):
        stmt = within(stmt, ReleaseSlip.estate, reader.estates)
        if since:
            stmt = stmt.where(column >= _office_start(since))
        if until:
            stmt = stmt.where(column < _office_start(until + timedelta(days=1)))
        return stmt

    s = reader.session
    released = s.scalars(period(select(ReleaseSlip).where(ReleaseSlip.released_at.is_not(None)),
                                ReleaseSlip.released_at)).all()
    valid = sum(1 for slip in released if domain.valid_slip(slip))

    def count(column, *where):
        return s.scalar(period(select(func.count()).select_from(ReleaseSlip).where(column.is_not(None), *where),
                               column))

    rate = None if not released else f"{(Decimal(valid) * 100 / Decimal(len(released))).quantize(Decimal('0.01'))}"
    waiting = s.scalar(within(select(func.count()).select_from(ReleaseSlip), ReleaseSlip.estate, reader.estates)
                       .where(ReleaseSlip.state.in_((domain.OWNER_CONFIRMATION, domain.FEE_CLEARANCE,
                                                     domain.COUNTERSIGNATURE))))
    return _KPI.dump({
        "since": since, "until": until, "releases": len(released), "valid_slips_collected": valid,
        "collection_rate": rate, "issued": count(ReleaseSlip.issued_at), "refused": count(ReleaseSlip.refused_at),
        "rejected": count(ReleaseSlip.closed_at, ReleaseSlip.state == domain.REJECTED),
        "cancelled": count(ReleaseSlip.closed_at, ReleaseSlip.state == domain.CANCELLED), "waiting": waiting,
    })


# --- work queues -------------------------------------------------------------------------------------------
def _items(reader, state: str, since_attr: str = "requested_at") -> list[dict]:
    """The slips in `state` as a queue: the variant is the item's ``fields`` (said in the words of
    `ReleaseSlipDetailSchema`'s variant, vocab RELEASE_VARIANTS), not its label in the detail."""
    stmt = within(select(ReleaseSlip), ReleaseSlip.estate, reader.estates).where(ReleaseSlip.state == state)
    now = reader.now()
    out = []
    for slip in reader.session.scalars(stmt.order_by(ReleaseSlip.id)).all():
        since = getattr(slip, since_attr) or slip.requested_at or slip.issued_at
        detail = " · ".join(x for x in (slip.applicant_name or "", "; ".join((slip.goods or [])[:3])) if x)
        out.append(queue_item("release_slip", slip.slip_no, f"{slip.slip_no} {slip.unit_id}", detail, since, None,
                              now, slip.requested_by, overdue=False, fields={"variant": slip.variant}))
    return out


def slips_awaiting_owner(args: dict, reader) -> list[dict]:
    """Non-owners' slips whose owner the desk still has to phone, oldest first."""
    return _items(reader, domain.OWNER_CONFIRMATION)


def slips_awaiting_fees(args: dict, reader) -> list[dict]:
    """Moving slips waiting for Finance's fee clearance, oldest first."""
    return _items(reader, domain.FEE_CLEARANCE)


def slips_awaiting_countersignature(args: dict, reader) -> list[dict]:
    """Slips without a specimen on file waiting for the manager's or director's signature."""
    return _items(reader, domain.COUNTERSIGNATURE)


def slips_at_gate(args: dict, reader) -> list[dict]:
    """Issued slips not used yet (the goods may come to the gate), oldest first."""
    return _items(reader, domain.ISSUED, since_attr="issued_at")
