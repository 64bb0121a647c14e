"""The repairs' handlers (报修 and 工程维修单 QR-001FW, domain.md §2.2): plain functions of
(message, uow) / (args, reader). Who may give a command is `propdesk.policy`; the rules are
`domain`'s; here rows are loaded and written, numbers drawn, deadlines set and events emitted.

Numbers: a repair is ``BX-yyyymmdd-nnnn`` (报修; its id too), a work order ``WO-yyyymmdd-nnnn``
(the 工程维修单 series engineering's inspection orders share), a liaison note ``LN-...`` (工作联系单).
Every event and audit row of a repair carries the repair id as its correlation id.

Deadline ``repair.attendance``: set at dispatch (the agreed time, else 24 hours), moved by a
reschedule, set anew (24 hours) when the repair is re-opened (返单), met when the technician starts,
cancelled by a mismatch, a dispute or a liaison close.

Estates: a repair keeps its unit's estate (a common area: the estate of the person reporting it);
another estate's repair answers as an unknown one (NotFound repair_id/exists).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from propdesk import demo as demo_data
from propdesk.chassis.estates import visible, within
from propdesk.contracts import vocab
from propdesk.contracts.envelope import Envelope
from propdesk.contracts.rpc.tickets_repairs import (RepairDetailSchema, RepairPriceItemSchema,
                                                    RepairProgressSchema)
from propdesk.errors import NotFound, ValidationError
from propdesk_services.tickets.dumping import FastDump, dump_masked
from propdesk_services.tickets.workflows.repairs import domain
from propdesk_services.tickets.workflows.repairs.models import RepairOrder, RepairPriceItem, RepairWorkOrder

SERIES = "BX"
WORK_ORDER_SERIES = "WO"
LIAISON_SERIES = "LN"
RECORD = "repair"
ATTENDANCE = "repair.attendance"
LIST_LIMIT = 200

_REPAIR = RepairDetailSchema()
_REPAIRS = FastDump(RepairDetailSchema(exclude=("work_orders",)))  # a list of up to 200 (bench T1's way)
_PRICES = RepairPriceItemSchema(many=True)
_PROGRESS = RepairProgressSchema()


# --- reading ---------------------------------------------------------------------------------------
def _required(session: Session, repair_id: str, estates=None, lock: bool = False) -> RepairOrder:
    stmt = select(RepairOrder).where(RepairOrder.repair_id == repair_id)
    if lock:
        stmt = stmt.with_for_update()
    repair = session.scalars(stmt).one_or_none()
    if repair is None or not visible(estates, repair.estate):
        raise NotFound(f"no repair {repair_id}", field="repair_id", rule="exists")
    return repair


def _work_orders(session: Session, repair_id: str) -> list[RepairWorkOrder]:
    return list(session.scalars(select(RepairWorkOrder).where(RepairWorkOrder.repair_id == repair_id)
                                .order_by(RepairWorkOrder.issued_at, RepairWorkOrder.work_order_no)))


def view(session: Session, repair: RepairOrder) -> dict:
    out = _REPAIR.dump(repair)
    out["work_orders"] = _REPAIR.fields["work_orders"].inner.schema.dump(_work_orders(session, repair.repair_id),
                                                                         many=True)
    return out


def get_repair(args: dict, reader) -> dict:
    """One repair with its work orders (NotFound: repair_id, exists)."""
    return view(reader.session, _required(reader.session, args["repair_id"], reader.estates))


def list_repairs(args: dict, reader) -> list[dict]:
    """Repairs (报修) of the estates of the person asking, newest report first, at most 200 (the
    desk's list); filters: `status` (open | closed | cancelled), `state` (vocab.REPAIR_STATES),
    `category`, `unit_id`, `q` (number, work order, unit, location or summary)."""
    stmt = within(select(RepairOrder), RepairOrder.estate, reader.estates).order_by(
        RepairOrder.reported_on.desc(), RepairOrder.repair_id.desc())
    if args.get("status") is not None:
        stmt = stmt.where(RepairOrder.status == args["status"])
    for name in ("state", "category", "unit_id"):
        if args.get(name) is not None:
            stmt = stmt.where(getattr(RepairOrder, name) == args[name])
    if args.get("q"):
        like = f"%{args['q'].strip()}%"
        stmt = stmt.where(or_(RepairOrder.repair_id.ilike(like), RepairOrder.work_order_no.ilike(like),
                              RepairOrder.unit_id.ilike(like), RepairOrder.location.ilike(like),
                              RepairOrder.summary.ilike(like)))
    # personal numbers (a client's mobile, one typed into the summary) are masked in the list; the
    # repair's own page (get_repair) shows what was recorded (propdesk.privacy)
    return dump_masked(_REPAIRS, reader.session.scalars(stmt.limit(LIST_LIMIT)).all())


def repair_progress(args: dict, reader) -> dict:
    """A repair's progress as the owner APP reads it: state (with its words), the work order, the
    agreed time, completion and closing, whether a rating may be given now."""
    repair = _required(reader.session, args["repair_id"], reader.estates)
    term = vocab.REPAIR_STATES[repair.state]
    return _PROGRESS.dump({**{k: getattr(repair, k) for k in ("repair_id", "repair_no", "state", "work_order_no",
                                                               "attend_by", "completed_at", "closed_at", "rating")},
                           "state_label": {"zh": term.zh, "en": term.en},
                           "may_rate": repair.state == domain.RETURN_VISIT})


def list_repair_prices(args: dict, reader) -> list[dict]:
    """The 维修项目收费标准: the active items, by category and code."""
    rows = reader.session.scalars(select(RepairPriceItem).where(RepairPriceItem.active.is_(True))
                                  .order_by(RepairPriceItem.category, RepairPriceItem.code))
    return _PRICES.dump(rows.all())


def repair_counts(args: dict, reader) -> list[dict]:
    """Repair counts by category and responsible party (domain.md §4 "repair counts by category",
    [002 篇三]): reported, still open, closed and cancelled, for the repairs reported between `since`
    and `until` (ISO dates, both included; either may be left out), in the estates of the person
    asking; categories in the vocabulary's order."""
    stmt = within(select(RepairOrder.category, RepairOrder.responsible, RepairOrder.status,
                         func.count()), RepairOrder.estate, reader.estates)
    if args.get("since") is not None:
        stmt = stmt.where(RepairOrder.reported_on >= args["since"])
    if args.get("until") is not None:
        stmt = stmt.where(RepairOrder.reported_on <= args["until"])
    rows: dict[tuple[str, str], dict] = {}
    for category, responsible, status, n in reader.session.execute(
            stmt.group_by(RepairOrder.category, RepairOrder.responsible, RepairOrder.status)):
        row = rows.setdefault((category, responsible), {"category": category, "responsible": responsible,
                                                        "reported": 0, "open": 0, "closed": 0, "cancelled": 0})
        row["reported"] += n
        row[status if status in ("open", "closed", "cancelled") else "open"] += n
    order = {c: i for i, c in enumerate(vocab.REPAIR_CATEGORIES.codes)}
    parties = {c: i for i, c in enumerate(vocab.REPAIR_RESPONSIBLE_PARTIES.codes)}
    return sorted(rows.values(), key=lambda r: (order.get(r["category"], 99), parties.get(r["responsible"], 99)))


def possible_actions(repair_id: str, reader) -> list[str]:
    """What the repair's state allows next (ACTIONS row "repair")."""
    return domain.next_commands(_required(reader.session, repair_id, reader.estates))


# --- commands --------------------------------------------------------------------------------------
def _estate_for(unit_id, cmd_estates, fallback=None) -> str | None:
    """The estate a repair belongs to: the event's when it names one, else the unit's; a common
    area's is the estate of the person reporting it (the residential estate when not scoped)."""
    if fallback:
        return fallback
    if unit_id:
        return demo_data.estate_of(unit_id)
    return cmd_estates[0] if cmd_estates else demo_data.RESIDENTIAL_ESTATE


def _open(uow, *, data: dict, channel: str, actor_id: str, estates, contact_id=None, estate=None) -> RepairOrder:
    unit_id = data.get("unit_id")
    unit_estate = _estate_for(unit_id, estates, estate) if unit_id else "-"
    checked = domain.validate_report(unit_id=unit_id, unit_estate=unit_estate, location=data.get("location"),
                                     category=data.get("category"), responsible=data.get("responsible") or "property",
                                     summary=data.get("summary"), paid=data.get("paid"), channel=channel)
    repair_estate = _estate_for(checked["unit_id"], estates, estate)
    if estates is not None and repair_estate not in estates:  # another estate's unit: as an unknown one
        raise ValidationError.one("unit_id", "unknown_unit", f"no unit {unit_id}")
    number = uow.next_number(SERIES)
    uow.correlation_id = number
    repair = RepairOrder(repair_id=number, repair_no=number, estate=repair_estate, channel=channel,
                         contact_id=contact_id, client_name=data.get("client_name"),
                         client_phone=data.get("client_phone"), preferred_time=data.get("preferred_time"),
                         reported_by=actor_id, paid=checked["paid"], charge_requested=False,
                         follow_up_open=False, **{k: checked[k] for k in ("unit_id", "location", "category",
                                                                          "responsible", "summary")})
    events = domain.report(repair, uow.now())
    uow.session.add(repair)
    uow.session.flush()
    uow.emit_all(events)
    uow.audit("repair.report", RECORD, repair.repair_id,
              {"unit_id": repair.unit_id, "location": repair.location, "category": repair.category,
               "channel": channel, "paid": repair.paid, "contact_id": contact_id})
    return repair


def report_repair(cmd, uow) -> dict:
    """报修 at the desk (QR-001FW): REPORTED; emits ``repair.reported``."""
    repair = _open(uow, data=cmd.data, channel="desk", actor_id=cmd.actor.id, estates=cmd.estates)
    return view(uow.session, repair)


def submit_app_repair(cmd, uow) -> dict:
    """A repair from the owner APP (through the JSON API with an API token): channel "app"."""
    repair = _open(uow, data=cmd.data, channel="app", actor_id=cmd.actor.id, estates=cmd.estates)
    return view(uow.session, repair)


def open_repair_from_contact(event: Envelope, uow) -> None:
    """A contact classified 报修 opens its repair (category "other" until the desk dispatches it
    with its category); one repair per contact."""
    p = event.payload
    if p.get("classification") != "repair":
        return
    known = uow.session.scalars(select(RepairOrder).where(RepairOrder.contact_id == p["contact_id"])).first()
    if known is not None:
        return
    data = {"unit_id": p.get("unit_id"), "location": None if p.get("unit_id") else "公共区域 common area",
            "category": "other", "responsible": "property", "summary": (p.get("summary") or "报修")[:500],
            "client_name": (p.get("caller") or None) and p["caller"][:64], "paid": False}
    _open(uow, data=data, channel="contact", actor_id=p.get("received_by") or event.actor.id, estates=None,
          contact_id=p["contact_id"], estate=p.get("estate"))


def _act(cmd, uow, change, action: str, details: dict | None = None) -> tuple[RepairOrder, dict]:
    """Load the repair (locked, within the person's estates), apply `change(repair, now)` (the domain
    call returning events), emit, audit; answer the repair."""
    repair = _required(uow.session, cmd.data["repair_id"], cmd.estates, lock=True)
    uow.correlation_id = repair.repair_id
    before = repair.state
    events = change(repair, uow.now())
    uow.emit_all(events)
    uow.audit(action, RECORD, repair.repair_id, {"state_before": before, "state": repair.state, **(details or {})})
    return repair, view(uow.session, repair)


def request_quote(cmd, uow) -> dict:
    """The item is not on the 维修项目收费标准: engineering is asked to quote it (QUOTING)."""
    return _act(cmd, uow, domain.request_quote, "repair.quote_request")[1]


def price_repair(cmd, uow) -> dict:
    """A paid repair priced from the 维修项目收费标准 (item x quantity) or by engineering's quote: the
    owner's consent is due (AWAITING_CONSENT)."""
    d = cmd.data
    item = None
    if d["price_source"] == "standard" and d.get("price_item"):
        row = uow.session.get(RepairPriceItem, d["price_item"])
        if row is not None and row.active:
            item = {"code": row.code, "name": row.name, "price": row.price}
    return _act(cmd, uow, lambda r, now: domain.price(r, now, source=d["price_source"], item=item,
                                                      quantity=d.get("quantity"), amount=d.get("amount"),
                                                      role=cmd.actor.role),
                "repair.price", {"price_source": d["price_source"], "price_item": d.get("price_item")})[1]


def record_consent(cmd, uow) -> dict:
    """The owner, told the charge standard, agrees to pay (ready to dispatch) or declines (CANCELLED)."""
    d = cmd.data

    def change(repair, now):
        return domain.record_consent(repair, now, consented=d["consented"], consented_by=d.get("consented_by"),
                                     note=d.get("note"))
    return _act(cmd, uow, change, "repair.consent", {"consented": d["consented"]})[1]


def _due(data: dict, now: datetime) -> datetime:
    return domain.attendance_due(now, data.get("attend_by"))


def _issue_order(uow, repair: RepairOrder, by: str, replaces: str | None = None) -> None:
    """The work order row of the number the domain just set, and the attendance deadline."""
    for old in _work_orders(uow.session, repair.repair_id):
        if old.state == "issued" and old.work_order_no != repair.work_order_no:
            old.state, old.closed_at = "superseded", uow.now()
    uow.session.add(RepairWorkOrder(work_order_no=repair.work_order_no, repair_id=repair.repair_id,
                                    estate=repair.estate, team=repair.team, follow_up=repair.follow_up,
                                    issued_by=by, issued_at=uow.now(), due_at=repair.attend_by, state="issued",
                                    replaces=replaces))
    uow.set_deadline(ATTENDANCE, RECORD, repair.repair_id, repair.attend_by, responsible=repair.follow_up,
                     estate=repair.estate, summary=f"{repair.work_order_no} {repair.location}")
    uow.session.flush()


def dispatch_repair(cmd, uow) -> dict:
    """Issue the 工程维修单 to a team with the follow-up CS assistant; the attendance deadline is the
    agreed time, else 24 hours. A paid repair only after the owner's consent."""
    d = cmd.data
    now = uow.now()
    due = _due(d, now)

    def change(repair, now):
        domain.validate_dispatch(team=d.get("team"), follow_up=d.get("follow_up"), due_at=d.get("attend_by"), now=now,
                                 category=d.get("category"))
        if d.get("category") is not None:
            repair.category = d["category"]
        events = domain.dispatch(repair, now, number=lambda: uow.next_number(WORK_ORDER_SERIES), team=d["team"],
                                 follow_up=d["follow_up"], due_at=due)
        _issue_order(uow, repair, cmd.actor.id)
        return events
    return _act(cmd, uow, change, "repair.dispatch", {"team": d.get("team"), "due_at": due.isoformat()})[1]


def reschedule_repair(cmd, uow) -> dict:
    """The set time cannot be met: the owner contacted first, a new time agreed; the deadline moves."""
    d = cmd.data

    def change(repair, now):
        events = domain.reschedule(repair, now, owner_contacted=d["owner_contacted"], new_time=d.get("new_time"),
                                   agreed_with=d.get("agreed_with"))
        uow.set_deadline(ATTENDANCE, RECORD, repair.repair_id, repair.attend_by, responsible=repair.follow_up,
                         estate=repair.estate, summary=f"{repair.work_order_no} {repair.location}")
        order = uow.session.get(RepairWorkOrder, repair.work_order_no)
        if order is not None:
            order.due_at = repair.attend_by
        return events
    return _act(cmd, uow, change, "repair.reschedule",
                {"new_time": d["new_time"].isoformat() if d.get("new_time") else None})[1]


def start_repair(cmd, uow) -> dict:
    """The technician attends and starts (IN_PROGRESS); the attendance deadline is met."""
    in_time = {}

    def change(repair, now):
        events = domain.start(repair, now, technician=cmd.actor.id)
        in_time["attended_in_time"] = uow.meet_deadline(ATTENDANCE, RECORD, repair.repair_id)
        return events
    return _act(cmd, uow, change, "repair.start", in_time)[1]


def cancel_mismatched_order(cmd, uow) -> dict:
    """单实不符: the 分管助理 confirms; the work order is cancelled with the reason and a signature."""
    d = cmd.data

    def change(repair, now):
        events = domain.cancel_mismatched(repair, now, reason=d.get("reason"), signature=d.get("signature"),
                                          confirmed_by=cmd.actor.id)
        order = uow.session.get(RepairWorkOrder, repair.work_order_no)
        if order is not None:
            order.state, order.closed_at = "cancelled", now
            order.cancel_reason, order.cancel_signature, order.confirmed_by = \
                repair.cancel_reason, repair.cancel_signature, cmd.actor.id
        uow.cancel_deadlines(RECORD, repair.repair_id, ATTENDANCE)
        return events
    return _act(cmd, uow, change, "repair.order_cancel", {"reason": d.get("reason")})[1]


def reissue_work_order(cmd, uow) -> dict:
    """Supervisor level or above re-issues a mismatched order: a new work order linked to the old."""
    d = cmd.data

    def change(repair, now):
        domain.validate_dispatch(team=d.get("team") or repair.team, follow_up=d.get("follow_up") or repair.follow_up,
                                 due_at=d.get("attend_by"), now=now)
        old = repair.work_order_no
        events = domain.reissue(repair, now, number=lambda: uow.next_number(WORK_ORDER_SERIES),
                                team=d.get("team") or repair.team, follow_up=d.get("follow_up") or repair.follow_up,
                                due_at=_due(d, now), reissued_by=cmd.actor.id, summary=d.get("summary"))
        prior = uow.session.get(RepairWorkOrder, old)
        if prior is not None:
            prior.replaced_by = repair.work_order_no
        _issue_order(uow, repair, cmd.actor.id, replaces=old)
        return events
    return _act(cmd, uow, change, "repair.order_reissue")[1]


def complete_repair(cmd, uow) -> dict:
    """Engineering returns the order (copies 1 and 4); a paid repair is signed by the client and charged."""
    d = cmd.data

    def change(repair, now):
        events = domain.complete(repair, now, completed_by=cmd.actor.id, client_signature=d.get("client_signature"),
                                 materials=d.get("materials"))
        order = uow.session.get(RepairWorkOrder, repair.work_order_no)
        if order is not None:
            order.state, order.closed_at = "completed", now
        return events
    return _act(cmd, uow, change, "repair.complete", {"client_signature": d.get("client_signature")})[1]


def record_acceptance(cmd, uow) -> dict:
    """CS acceptance on the next patrol: passed (a return visit is due) or failed (返单 to engineering)."""
    d = cmd.data

    def change(repair, now):
        events = domain.record_acceptance(repair, now, passed=d["passed"], defects=d.get("defects"),
                                          inspector=cmd.actor.id)
        _reattend(uow, repair)
        return events
    return _act(cmd, uow, change, "repair.acceptance", {"passed": d["passed"], "defects": d.get("defects")})[1]


def _reattend(uow, repair: RepairOrder) -> None:
    """A re-opened repair (返单) is to be attended again: the attendance deadline anew."""
    if repair.state == domain.REOPENED:
        uow.set_deadline(ATTENDANCE, RECORD, repair.repair_id, repair.attend_by, responsible=repair.follow_up,
                         estate=repair.estate, summary=f"{repair.work_order_no} {repair.location} 返单")


def rate_repair(cmd, uow) -> dict:
    """The owner's APP rating (1-5): 3 or more closes the repair, below 3 escalates it to 95059."""
    d = cmd.data
    return _act(cmd, uow, lambda r, now: domain.rate(r, now, rating=d["rating"], comment=d.get("comment")),
                "repair.rate", {"rating": d["rating"]})[1]


def dispute_repair(cmd, uow) -> dict:
    """The other party refuses, or who is responsible is disputed (DISPUTED)."""
    d = cmd.data

    def change(repair, now):
        events = domain.dispute(repair, now, other_party=d.get("other_party"), reason=d.get("reason"))
        uow.cancel_deadlines(RECORD, repair.repair_id, ATTENDANCE)
        return events
    return _act(cmd, uow, change, "repair.dispute", {"other_party": d.get("other_party")})[1]


def resolve_dispute(cmd, uow) -> dict:
    """The responsible party is decided: the repair is to be dispatched again."""
    d = cmd.data
    return _act(cmd, uow, lambda r, now: domain.resolve_dispute(r, now, responsible=d.get("responsible")),
                "repair.dispute_resolve", {"responsible": d.get("responsible")})[1]


def close_with_liaison(cmd, uow) -> dict:
    """A quality defect of a fitted-out unit: 工作联系单 to the developer, closed with the owner's
    permission, the follow-up left open."""
    d = cmd.data

    def change(repair, now):
        events = domain.close_with_liaison(repair, now, number=lambda: uow.next_number(LIAISON_SERIES),
                                           note=d.get("note"), owner_permission=d["owner_permission"], by=cmd.actor.id)
        uow.cancel_deadlines(RECORD, repair.repair_id)
        return events
    return _act(cmd, uow, change, "repair.liaison_close")[1]


def settle_follow_up(cmd, uow) -> dict:
    """The developer's follow-up of a repair closed with a liaison note is done."""
    d = cmd.data
    return _act(cmd, uow, lambda r, now: domain.settle_follow_up(r, now, outcome=d.get("outcome")),
                "repair.follow_up_settle")[1]


# --- events ----------------------------------------------------------------------------------------
def on_return_visit_for_repair(event: Envelope, uow) -> None:
    """A return visit of a repair: satisfied / fairly satisfied closes it (闭单); dissatisfied
    sends it back to engineering (REOPENED). A visit of anything else, or of a repair not awaiting
    its visit, changes nothing (audited when it names a repair)."""
    p = event.payload
    if p.get("subject_type") != "repair" or not p.get("subject_id"):
        return
    repair = uow.session.get(RepairOrder, p["subject_id"])
    if repair is None:
        return
    uow.correlation_id = repair.repair_id
    before = repair.state
    events = domain.visited(repair, uow.now(), overall=p["overall"], visit_id=p["return_visit_id"])
    _reattend(uow, repair)
    uow.emit_all(events)
    uow.audit("repair.return_visit", RECORD, repair.repair_id,
              {"state_before": before, "state": repair.state, "overall": p["overall"],
               "return_visit_id": p["return_visit_id"], "applied": bool(events)})
