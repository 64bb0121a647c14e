"""residents: the unit and party register, and the tenant move-out saga (租户撤场/退租).

domain.md §2.6 and §7 ("move-out saga orchestration"). The rules are in `domain.py`; this class
loads rows, calls the domain, and writes the rows, events and audit trail in one unit of work.

Move-out ids are ``MO-<yyyymmdd>-<nnnn>``: the request day in Asia/Shanghai and a four-digit
sequence number of that day (``MO-20261122-0001``), so the desk can read and say them. Every
event and audit row of a case carries the move-out id as its correlation id.

The saga, as events::

    request_move_out (RPC)                 -> move_out.requested
    move_out.inspection_completed  (tickets) \\
    billing.clearance_confirmed/failed (billing) -> move_out.release_approved, once, when
                                               inspection passed AND fees cleared AND owner consent
    release_slip.issued  (access)          -> the slip number is noted on the case
    release_slip.released (access)         -> GOODS_RELEASED

A fact that contradicts an approval already given (defects or fees outstanding after release was
approved) is a domain `Conflict`: it is recorded on the case (`conflicts`, audit
``move_out.conflict``) for the CS supervisor and acknowledged, never retried. Any other error in
a handler propagates, so the chassis retries it and then dead-letters it.

Each queue delivers in order, but a retried event comes back behind later ones: an inspection
result older than the one the case holds (by the event's occurred_at) or a fee verdict older than
the one it holds (by Finance's as_of) is stale and changes nothing, before or after approval.

Events that are not about a move-out are acknowledged (inbox row) and change nothing: a fee
clearance without a move-out id or with one residents does not know (billing checks fees for
other reasons too), a release slip without a move-out id (an owner's or a contractor's). An
inspection or a slip naming a move-out id residents never issued is a fault: NotFound, retried,
then dead-lettered for someone to look at.

A case is *open* until it is ARCHIVED; a unit has at most one open move-out (Conflict otherwise,
backed by a partial unique index).
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Callable

from nameko.rpc import rpc
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from propdesk.chassis.calendar import office_today
from propdesk.chassis.db import Database, UnitOfWork, aware
from propdesk.chassis.edge import command_actor, flag, load_or_reject, optional_text, record_id
from propdesk.chassis.idempotency import checked_key
from propdesk.chassis.messaging import subscribe
from propdesk.chassis.service import PropdeskService
from propdesk.contracts.envelope import Envelope, utcnow
from propdesk.contracts.rpc import MoveOutSchema, UnitDetailSchema, UnitSchema
from propdesk.errors import Conflict, NotFound, ValidationError
from propdesk_services.residents import demo, domain
from propdesk_services.residents.models import Base, MoveOutCase, Party, Unit
from propdesk_services.residents.schemas import MoveOutRequestSchema

#: Who may register a tenant's move-out application: the front desk and customer service.
MOVE_OUT_ROLES = {"front_desk", "cs_assistant", "cs_supervisor", "cs_manager"}

#: How often a request counts the day's next number again when another request took it meanwhile.
MOVE_OUT_ID_TRIES = 5

#: The case attributes an event may change; an event that changes none of them is not audited.
TRACKED = ("state", "inspection", "defects", "breach_notice_id", "fees", "outstanding_amount", "release_slip_no")


class _MoveOutIdTaken(Exception):
    """Another request inserted a case with the number this one counted (it counts again)."""


def next_move_out_id(session: Session, day: date) -> str:
    """``MO-<yyyymmdd>-<nnnn>``: the next number of that day (cases are never deleted). Counted
    before the insert: a request that finds its number taken meanwhile counts again.

    The range on the primary key lets the database count only that day's ids (a LIKE alone is
    not sargable in SQLite: it scanned every case ever registered, ~70 ms at 125,000 cases);
    the LIKE keeps the count exact under any collation."""
    prefix = f"MO-{day:%Y%m%d}-"
    taken = session.scalar(select(func.count()).select_from(MoveOutCase).where(
        MoveOutCase.move_out_id.between(prefix, prefix + "9999"), MoveOutCase.move_out_id.like(prefix + "%")))
    return f"{prefix}{taken + 1:04d}"


def open_move_out_id(session: Session, unit_id: str) -> str | None:
    return session.scalar(
        select(MoveOutCase.move_out_id).where(MoveOutCase.unit_id == unit_id, MoveOutCase.state != domain.ARCHIVED)
    )


def party_names(session: Session, party_ids) -> dict[str, str]:
    ids = {p for p in party_ids if p}
    if not ids:
        return {}
    return dict(session.execute(select(Party.party_id, Party.name).where(Party.party_id.in_(ids))).all())


def case_views(session: Session, cases: list[MoveOutCase]) -> list[dict]:
    names = party_names(session, [c.tenant_party_id for c in cases] + [c.owner_party_id for c in cases])
    return [
        MoveOutSchema().dump({
            **{attr: getattr(case, attr) for attr in (
                "move_out_id", "unit_id", "tenant_party_id", "owner_party_id", "exit_date", "owner_consent_ref",
                "fitout_disposition", "state", "inspection", "breach_notice_id", "fees", "outstanding_amount",
                "release_slip_no", "requested_by")},
            "defects": list(case.defects or []),
            "conflicts": list(case.conflicts or []),
            "tenant_name": names.get(case.tenant_party_id),
            "owner_name": names.get(case.owner_party_id),
            "waiting_for": domain.waiting_for(case),
            "created_at": aware(case.created_at),
            "updated_at": aware(case.updated_at),
        })
        for case in cases
    ]


def unit_views(session: Session, units: list[Unit]) -> list[dict]:
    names = party_names(session, [u.owner_party_id for u in units] + [u.tenant_party_id for u in units])
    return [
        {
            "unit_id": u.unit_id, "building": u.building, "kind": u.kind,
            "owner_party_id": u.owner_party_id, "owner_name": names.get(u.owner_party_id),
            "tenant_party_id": u.tenant_party_id, "tenant_name": names.get(u.tenant_party_id),
        }
        for u in units
    ]


class ResidentsService(PropdeskService):
    """Units, parties (owners/tenants) and the tenant move-out saga (租户撤场)."""

    name = "residents"
    http_port = 9101
    db = Database(Base.metadata)

    @staticmethod
    def load_demo(session) -> str:
        return demo.load(session)

    # -- commands --------------------------------------------------------------------------------
    @rpc
    def request_move_out(self, request: dict, actor: dict, idempotency_key: str | None = None) -> dict:
        """Register a tenant's move-out application with the owner's written consent and accept it
        (租户撤场审批表): emits ``move_out.requested`` so engineering inspects, finance checks the
        fees and security holds the goods release. Returns the case as `get_move_out`.

        ValidationError (every broken rule at once, see `domain.validate_move_out_request`);
        Forbidden for roles other than front desk and customer service; Conflict when the unit
        already has an open move-out.

        `idempotency_key` (chassis/idempotency.py): the same key with the same request answers the
        first case again and opens no second one; with another request it is a Conflict."""
        staff = command_actor(actor, allowed_roles=MOVE_OUT_ROLES)
        data = load_or_reject(MoveOutRequestSchema(), request)
        checked_key(idempotency_key)
        today = office_today()
        for _ in range(MOVE_OUT_ID_TRIES):
            try:
                return self._accept_move_out(staff, data, today, idempotency_key)
            except _MoveOutIdTaken:
                continue  # another request took the number between counting and inserting: count again
        raise Conflict("too many move-outs are being registered at this moment: try again",
                       field="move_out_id", rule="busy_try_again")

    def _accept_move_out(self, staff, data: dict, today: date, idempotency_key: str | None) -> dict:
        with self.db.session() as s:
            move_out_id = next_move_out_id(s, today)
        with self.db(actor=staff, correlation_id=move_out_id) as uow:
            s = uow.session
            replay = uow.idempotent(idempotency_key, "request_move_out", data)
            if replay is not None:
                return replay.result
            unit_id = (data["unit_id"] or "").strip()
            unit = s.get(Unit, unit_id) if unit_id else None
            domain.validate_move_out_request(
                unit, data["tenant_party_id"], data["exit_date"], data["owner_consent_ref"],
                data["fitout_disposition"], today,
            )
            already = open_move_out_id(s, unit.unit_id)
            if already:
                raise Conflict(f"unit {unit.unit_id} already has an open move-out {already}",
                               field="unit_id", rule="one_open_move_out")
            now = utcnow()
            case = MoveOutCase(
                move_out_id=move_out_id, unit_id=unit.unit_id, tenant_party_id=data["tenant_party_id"],
                owner_party_id=unit.owner_party_id, exit_date=date.fromisoformat(data["exit_date"].strip()),
                owner_consent_ref=data["owner_consent_ref"].strip(), fitout_disposition=data["fitout_disposition"],
                state=domain.OWNER_CONSENT_PENDING, inspection="pending", defects=[], breach_notice_id=None,
                fees="pending", outstanding_amount="0.00", release_slip_no=None, requested_by=staff.id,
                conflicts=[], created_at=now, updated_at=now,
            )
            events = domain.accept_move_out(case)
            s.add(case)
            try:
                s.flush()
            except IntegrityError:
                s.rollback()
                if s.get(MoveOutCase, move_out_id) is not None:
                    raise _MoveOutIdTaken(move_out_id) from None
                raise Conflict(f"unit {unit.unit_id} got another move-out at the same moment: look it up before retrying",
                               field="unit_id", rule="one_open_move_out") from None
            for event_type, payload in events:
                uow.emit(event_type, payload)
            uow.audit("move_out.requested", "move_out", move_out_id, {
                "unit_id": case.unit_id, "tenant_party_id": case.tenant_party_id,
                "exit_date": case.exit_date.isoformat(), "owner_consent_ref": case.owner_consent_ref,
                "fitout_disposition": case.fitout_disposition, "state": case.state,
            })
            return uow.commit(result=case_views(s, [case])[0])

    # -- reads -----------------------------------------------------------------------------------
    @rpc
    def get_move_out(self, move_out_id: str) -> dict:
        """One move-out case with owner/tenant names and what it still waits for (waiting_for)."""
        move_out_id = record_id("move_out_id", move_out_id)
        with self.db.session() as s:
            case = s.get(MoveOutCase, move_out_id)
            if case is None:
                raise NotFound(f"no move-out {move_out_id}", field="move_out_id", rule="exists")
            return case_views(s, [case])[0]

    @rpc
    def list_move_outs(self, state: str | None = None) -> list[dict]:
        """Move-out cases, newest first; only those in `state` when given."""
        state = optional_text("state", state)
        if state is not None and state not in domain.STATES:
            raise ValidationError.one("state", "one_of", "state must be one of " + ", ".join(domain.STATES))
        with self.db.session() as s:
            stmt = select(MoveOutCase).order_by(MoveOutCase.created_at.desc(), MoveOutCase.move_out_id.desc())
            if state is not None:
                stmt = stmt.where(MoveOutCase.state == state)
            return case_views(s, list(s.scalars(stmt)))

    @rpc
    def list_units(self, leased_only: bool = False) -> list[dict]:
        """The unit register with owner and tenant names; only let units when `leased_only`."""
        leased_only = flag("leased_only", leased_only)
        with self.db.session() as s:
            stmt = select(Unit).order_by(Unit.unit_id)
            if leased_only:
                stmt = stmt.where(Unit.tenant_party_id.is_not(None))
            return UnitSchema(many=True).dump(unit_views(s, list(s.scalars(stmt))))

    @rpc
    def get_unit(self, unit_id: str) -> dict:
        """One unit with owner and tenant names and its open move-out (open_move_out_id), if any."""
        unit_id = record_id("unit_id", unit_id, max_len=32)
        with self.db.session() as s:
            unit = s.get(Unit, unit_id)
            if unit is None:
                raise NotFound(f"no unit {unit_id}", field="unit_id", rule="exists")
            view = unit_views(s, [unit])[0]
            return UnitDetailSchema().dump({**view, "open_move_out_id": open_move_out_id(s, unit.unit_id)})

    # -- the saga's incoming facts ----------------------------------------------------------------
    @subscribe("move_out.inspection_completed")
    def on_inspection_completed(self, event: Envelope) -> None:
        """Engineering's unit inspection (单元验收移交记录表): passed, or defects with a 违约处理单."""
        p = event.payload

        def apply(case: MoveOutCase) -> list[domain.Event]:
            decided = case.state in (domain.RELEASE_APPROVED, domain.GOODS_RELEASED, domain.ARCHIVED)
            stale = domain.is_stale(case.inspection_at, event.occurred_at)
            events = domain.record_inspection(case, p["passed"], p["defects"], at=event.occurred_at)
            if not decided and not stale:  # the latest result before approval wins, its breach notice with it
                case.breach_notice_id = None if p["passed"] else p["breach_notice_id"]
            return events

        self._apply(event, p["move_out_id"], apply, "move_out.inspection_recorded",
                    {"passed": p["passed"], "defects": p["defects"], "work_order_no": p["work_order_no"],
                     "breach_notice_id": p["breach_notice_id"]})

    @subscribe("billing.clearance_confirmed", "billing.clearance_failed")
    def on_clearance(self, event: Envelope) -> None:
        """Finance's fee check (费用结清, [004 WI/FW-020]). Clearances not about a known move-out
        (other purposes of billing's check) are acknowledged and ignored."""
        p = event.payload
        if not p.get("move_out_id"):
            return self._acknowledge()
        cleared = event.event_type == "billing.clearance_confirmed"
        as_of = datetime.fromisoformat(p["as_of"])
        self._apply(event, p["move_out_id"],
                    lambda case: domain.record_clearance(case, cleared, p["outstanding_amount"], as_of=as_of),
                    "move_out.clearance_recorded",
                    {"cleared": cleared, "outstanding_amount": p["outstanding_amount"], "as_of": p["as_of"]},
                    unknown_case="ignore")

    @subscribe("release_slip.issued")
    def on_release_slip_issued(self, event: Envelope) -> None:
        """Access issued the tenant's 物品放行条: note its number on the case."""
        p = event.payload
        if not p.get("move_out_id"):
            return self._acknowledge()  # a slip that is not part of a move-out (an owner's or a contractor's)
        self._apply(event, p["move_out_id"], lambda case: domain.record_slip_issued(case, p["slip_id"]),
                    "move_out.release_slip_issued", {"slip_id": p["slip_id"]})

    @subscribe("release_slip.released")
    def on_goods_released(self, event: Envelope) -> None:
        """Security checked the goods against the slip at the gate and let them out (物品放行)."""
        p = event.payload
        if not p.get("move_out_id"):
            return self._acknowledge()
        self._apply(event, p["move_out_id"], lambda case: domain.record_goods_released(case, p["slip_id"]),
                    "move_out.goods_released", {"slip_id": p["slip_id"], "guard_id": p["guard_id"]})

    def _acknowledge(self) -> None:
        """Mark an event that is not about a move-out as processed (inbox row) and change nothing."""
        with self.db() as uow:
            uow.commit()

    def _apply(self, event: Envelope, move_out_id: str, apply: Callable[[MoveOutCase], list[domain.Event]],
               action: str, details: dict, unknown_case: str = "fail") -> None:
        """One incoming fact about a case: apply it with the domain, emit what it causes, audit what
        changed, or record a contradiction (Conflict) on the case instead of retrying it.

        An unknown move-out id is a fault (NotFound: retried, then dead-lettered) unless
        ``unknown_case="ignore"``: then the event is acknowledged and changes nothing."""
        with self.db(correlation_id=move_out_id) as uow:
            # locked: inspection and clearance arrive on different queues and may be handled at
            # once by two workers (PostgreSQL); SQLite serialises writers anyway and ignores it
            case = uow.session.get(MoveOutCase, move_out_id, with_for_update=True)
            if case is None:
                if unknown_case == "ignore":
                    uow.commit()
                    return
                raise NotFound(f"{event.event_type} {event.event_id} names unknown move-out {move_out_id}")
            before = {attr: getattr(case, attr) for attr in TRACKED}
            try:
                events = apply(case)
            except Conflict as exc:
                self._record_conflict(uow, case, event, str(exc))
                uow.commit()
                return
            changed = {attr: getattr(case, attr) for attr in TRACKED} != before
            if changed:
                case.updated_at = utcnow()
                uow.audit(action, "move_out", move_out_id,
                          {**details, "event_id": event.event_id, "by": event.actor.as_dict(), "state": case.state})
            for event_type, payload in events:
                uow.emit(event_type, payload)
                uow.audit(event_type, "move_out", move_out_id, payload)
            uow.commit()

    @staticmethod
    def _record_conflict(uow: UnitOfWork, case: MoveOutCase, event: Envelope, message: str) -> None:
        uow.session.expire(case)  # keep nothing the domain may have touched before refusing
        now = utcnow()
        note = {"at": now.isoformat(), "event_type": event.event_type, "event_id": event.event_id, "message": message}
        case.conflicts = [*(case.conflicts or []), note]
        case.updated_at = now
        uow.audit("move_out.conflict", "move_out", case.move_out_id, {**note, "by": event.actor.as_dict()})
