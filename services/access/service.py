"""Access (门岗/物品放行): the goods release slip (物品放行条) of a tenant move-out (domain.md §2.7).

The release is held from ``move_out.requested`` until Finance confirms the fees are settled
(``billing.clearance_confirmed``) AND customer service approves the release
(``move_out.release_approved``); then the slip is issued (``release_slip.issued``). Security checks
the goods against the slip at the gate (`release_at_gate`, ``release_slip.released``).

The case's events may arrive in any order (each handler has its own queue): whichever arrives
first opens the hold, so a clearance or an approval that overtakes ``move_out.requested`` is
kept, not retried into the dead-letter queue. A clearance verdict only replaces an older one
(Finance's ``as_of``), so a stale "failed" cannot undo a newer "confirmed".
"""
from __future__ import annotations

from datetime import datetime, timezone

from nameko.rpc import rpc
from sqlalchemy import select

from propdesk.chassis.calendar import office_day
from propdesk.chassis.db import Database, aware
from propdesk.chassis.edge import command_actor, load_or_reject
from propdesk.chassis.idempotency import checked_key
from propdesk.chassis.messaging import subscribe
from propdesk.chassis.service import PropdeskService
from propdesk.contracts.envelope import utcnow
from propdesk.contracts.rpc import ReleaseHoldSchema, ReleaseSlipSchema
from propdesk.errors import NotFound
from propdesk_services.access import domain, models
from propdesk_services.access.schemas import ListReleaseSlipsSchema, MoveOutIdSchema, ReleaseAtGateSchema

#: 保安部 does the final gate check of slips and goods (domain.md §1.1, §2.7)
GATE_ROLES = {"security"}


class AccessService(PropdeskService):
    name = "access"
    http_port = 9104
    db = Database(models.Base.metadata)

    @staticmethod
    def load_demo(session) -> str:
        return "nothing to load (release holds open from move_out.requested events)"

    # -- events ----------------------------------------------------------------------------------
    @subscribe("move_out.requested")
    def on_move_out_requested(self, event):
        """Put the unit's goods release on hold (租户撤场: Security is notified to hold the goods)."""
        p = event.payload
        with self.db(correlation_id=p["move_out_id"]) as uow:
            hold, opened = _hold_for(uow.session, p["move_out_id"], p["unit_id"])
            if opened or hold.tenant_party_id is None:
                hold.unit_id, hold.tenant_party_id, hold.updated_at = p["unit_id"], p["tenant_id"], utcnow()
                uow.audit("release_hold.open", "release_hold", hold.move_out_id,
                          {"unit_id": hold.unit_id, "tenant_party_id": hold.tenant_party_id})
            _try_issue(uow, hold)
            uow.commit()

    @subscribe("billing.clearance_confirmed", "billing.clearance_failed")
    def on_clearance(self, event):
        """Finance's fee verdict for the move-out (WI/FW-020: no slip until fees are settled)."""
        p = event.payload
        if not p.get("move_out_id"):
            with self.db() as uow:  # not about a move-out: nothing is held for it, only mark it seen
                uow.commit()
            return
        cleared = event.event_type == "billing.clearance_confirmed"
        as_of = datetime.fromisoformat(p["as_of"]).astimezone(timezone.utc)
        with self.db(correlation_id=p["move_out_id"]) as uow:
            hold, _ = _hold_for(uow.session, p["move_out_id"], p["unit_id"])
            if domain.clearance_applies(aware(hold.clearance_as_of), as_of):
                hold.fees_cleared, hold.clearance_ref, hold.clearance_as_of = cleared, event.event_id, as_of
                hold.updated_at = utcnow()
                uow.audit("release_hold.fees_cleared" if cleared else "release_hold.fees_outstanding",
                          "release_hold", hold.move_out_id,
                          {"outstanding_amount": p["outstanding_amount"], "as_of": p["as_of"],
                           "clearance_ref": event.event_id})
            _try_issue(uow, hold)
            uow.commit()

    @subscribe("move_out.release_approved")
    def on_release_approved(self, event):
        """Customer service approved the release per the owner's written instruction."""
        p = event.payload
        with self.db(correlation_id=p["move_out_id"]) as uow:
            hold, _ = _hold_for(uow.session, p["move_out_id"], p["unit_id"])
            if not hold.release_approved:
                hold.release_approved = True
                hold.owner_written_opinion_ref = p["owner_written_opinion_ref"]
                hold.updated_at = utcnow()
                uow.audit("release_hold.approve", "release_hold", hold.move_out_id,
                          {"owner_written_opinion_ref": p["owner_written_opinion_ref"]})
            _try_issue(uow, hold)
            uow.commit()

    # -- commands --------------------------------------------------------------------------------
    @rpc
    def release_at_gate(self, slip_no: str, actor: dict, idempotency_key: str | None = None) -> dict:
        """Security checked the goods against the slip at the gate and let them out.
        `idempotency_key`: the same key and slip answers the first answer again and releases
        nothing twice (chassis/idempotency.py)."""
        actor = command_actor(actor, allowed_roles=GATE_ROLES)
        data = load_or_reject(ReleaseAtGateSchema(), {"slip_no": slip_no})
        checked_key(idempotency_key)
        with self.db(actor=actor) as uow:
            s = uow.session
            replay = uow.idempotent(idempotency_key, "release_at_gate", data)
            if replay is not None:
                return replay.result
            slip = s.scalars(select(models.ReleaseSlip)
                             .where(models.ReleaseSlip.slip_no == data["slip_no"]).with_for_update()).first()
            if slip is None:
                raise NotFound(f"no release slip {data['slip_no']}", field="slip_no", rule="exists")
            hold = s.scalars(select(models.ReleaseHold)
                             .where(models.ReleaseHold.slip_no == slip.slip_no).with_for_update()).one()
            uow.correlation_id = hold.move_out_id
            events = domain.release_at_gate(hold, actor.id)  # Conflict when already released
            now = utcnow()
            slip.released_at, slip.released_by, hold.updated_at = now, hold.released_by, now
            for event_type, payload in events:
                uow.emit(event_type, payload, correlation_id=hold.move_out_id)
            uow.audit("release_slip.release", "release_slip", slip.slip_no,
                      {"move_out_id": hold.move_out_id, "guard_id": hold.released_by})
            return uow.commit(result=ReleaseSlipSchema().dump(slip))

    # -- reads -----------------------------------------------------------------------------------
    @rpc
    def get_release_hold(self, move_out_id: str) -> dict:
        """The hold of one move-out, what it still waits for, and its slip once issued."""
        data = load_or_reject(MoveOutIdSchema(), {"move_out_id": move_out_id})
        with self.db.session() as s:
            hold = s.scalars(select(models.ReleaseHold)
                             .where(models.ReleaseHold.move_out_id == data["move_out_id"])).first()
            if hold is None:
                raise NotFound(f"no release hold for move-out {data['move_out_id']}", field="move_out_id", rule="exists")
            slip = (s.scalars(select(models.ReleaseSlip).where(models.ReleaseSlip.slip_no == hold.slip_no)).first()
                    if hold.slip_no else None)
            columns = {c.key: getattr(hold, c.key) for c in models.ReleaseHold.__table__.columns}
            return ReleaseHoldSchema().dump({**columns, "waiting_for": domain.waiting_for(hold), "slip": slip})

    @rpc
    def list_release_slips(self, status: str | None = None) -> list[dict]:
        """Issued slips, oldest first; `status` "issued" (still at the desk) or "released"."""
        data = load_or_reject(ListReleaseSlipsSchema(), {"status": status})
        stmt = select(models.ReleaseSlip).order_by(models.ReleaseSlip.id)
        if data["status"] == "issued":
            stmt = stmt.where(models.ReleaseSlip.released_at.is_(None))
        elif data["status"] == "released":
            stmt = stmt.where(models.ReleaseSlip.released_at.is_not(None))
        with self.db.session() as s:
            return ReleaseSlipSchema(many=True).dump(s.scalars(stmt).all())


def _hold_for(session, move_out_id: str, unit_id: str) -> tuple[models.ReleaseHold, bool]:
    """The move-out's hold, opened now if this is the first of its events to arrive."""
    hold = session.scalars(select(models.ReleaseHold)
                           .where(models.ReleaseHold.move_out_id == move_out_id).with_for_update()).first()
    if hold is not None:
        return hold, False
    now = utcnow()
    hold = models.ReleaseHold(move_out_id=move_out_id, unit_id=unit_id, tenant_party_id=None,
                              fees_cleared=False, release_approved=False, created_at=now, updated_at=now)
    session.add(hold)
    return hold, True


def _try_issue(uow, hold: models.ReleaseHold) -> None:
    """Issue the tenant's slip once approval and fee clearance are both there (and only once)."""
    if hold.slip_no or not domain.may_issue(hold):
        return
    now = utcnow()
    slip_no = domain.slip_no_for(_next_seq(uow.session, office_day(now)), office_day(now))
    events = domain.issue_slip(hold, slip_no, goods=list(domain.MOVE_OUT_GOODS), clearance_ref=hold.clearance_ref)
    for event_type, payload in events:
        uow.session.add(models.ReleaseSlip(
            slip_no=payload["slip_id"], move_out_id=payload["move_out_id"], unit_id=payload["unit_id"],
            applicant_type=payload["applicant_type"], goods=payload["goods"],
            clearance_ref=payload["clearance_ref"], issued_at=now))
        uow.emit(event_type, payload, correlation_id=hold.move_out_id)
        uow.audit("release_slip.issue", "release_slip", payload["slip_id"],
                  {"move_out_id": hold.move_out_id, "clearance_ref": payload["clearance_ref"]})
    hold.updated_at = now


def _next_seq(session, day) -> int:
    row = session.get(models.SlipSequence, day, with_for_update=True)
    if row is None:
        row = models.SlipSequence(day=day, last_seq=0)
        session.add(row)
    row.last_seq += 1
    return row.last_seq
