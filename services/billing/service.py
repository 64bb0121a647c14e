"""Billing (财务): unit fee accounts, payments, and fee clearance (费用结清) for move-outs.

On ``move_out.requested`` finance checks the unit's balance and answers
``billing.clearance_confirmed`` (nothing owed) or ``billing.clearance_failed`` (with the amount):
no goods release slip until fees are settled (domain.md §2.6 FEES_CHECKED, [004 WI/FW-020]).
A payment recorded at the counter (`record_payment`) re-checks the unit's pending clearances in
the same unit of work and confirms those it settles.

A payment that leaves the unit still owing emits nothing beyond ``payment.received`` (which
carries the move-out's correlation id): the clearance stays pending with the new amount stored
(audited as ``clearance.recheck``), and the failure already announced stands. The desk reads the
current amount from `get_balance`; consumers are not told "still not cleared" once per payment.
"""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from nameko.rpc import rpc
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from propdesk.chassis.db import Database
from propdesk.chassis.edge import command_actor, load_or_reject, record_id
from propdesk.chassis.idempotency import checked_key
from propdesk.chassis.messaging import subscribe
from propdesk.chassis.service import PropdeskService
from propdesk.contracts.envelope import new_id, utcnow
from propdesk.contracts.rpc import BalanceSchema, OutstandingSchema, PaymentResultSchema
from propdesk.errors import NotFound, ValidationError
from propdesk_services.billing import demo, domain, models
from propdesk_services.billing.schemas import RecordPaymentSchema

CONFIRMED = "billing.clearance_confirmed"


def _duplicate_receipt(receipt_no: str) -> ValidationError:
    return ValidationError.one("receipt_no", "duplicate_receipt",
                               f"receipt {receipt_no} is already recorded; a payment is recorded once")


def _unit_outstanding(s: Session, unit_id: str) -> Decimal:
    return domain.outstanding(
        s.scalars(select(models.Charge).where(models.Charge.unit_id == unit_id)).all(),
        s.scalars(select(models.Payment).where(models.Payment.unit_id == unit_id)).all(),
    )


def _unit_known(s: Session, unit_id: str) -> bool:
    """A unit billing knows is a unit with a fee account, i.e. at least one charge."""
    return s.scalar(select(models.Charge.id).where(models.Charge.unit_id == unit_id).limit(1)) is not None


#: Built once: building a marshmallow schema per call was ~6 % of billing's CPU under S2's load.
_BALANCE = BalanceSchema()


class BillingService(PropdeskService):
    name = "billing"
    http_port = 9103
    db = Database(models.Base.metadata)

    @staticmethod
    def load_demo(session) -> str:
        return demo.load(session)

    # -- events ----------------------------------------------------------------------------
    @subscribe("move_out.requested")
    def on_move_out_requested(self, event):
        """Check the unit's fees for a move-out (费用结清) and answer confirmed or failed; once per
        move-out. A unit with no fee account owes nothing and is confirmed."""
        p = event.payload
        move_out_id, unit_id, tenant_id = p["move_out_id"], p["unit_id"], p["tenant_id"]
        with self.db() as uow:
            s = uow.session
            if s.get(models.ClearanceRequest, move_out_id) is not None:
                uow.commit()  # already checked (the move-out was announced twice): inbox only
                return
            now = utcnow()
            amount = _unit_outstanding(s, unit_id)
            event_type, payload = domain.clearance_event(unit_id, tenant_id, amount, move_out_id, now)
            status = "confirmed" if event_type == CONFIRMED else "pending"
            s.add(models.ClearanceRequest(move_out_id=move_out_id, unit_id=unit_id, party_id=tenant_id,
                                          status=status, last_outstanding=amount, created_at=now, updated_at=now))
            uow.emit(event_type, payload)
            uow.audit("clearance.check", "clearance", move_out_id,
                      {"unit_id": unit_id, "outstanding": domain.money(amount), "status": status})
            uow.commit()

    # -- commands --------------------------------------------------------------------------
    @rpc
    def record_payment(self, payment: dict, actor: dict, idempotency_key: str | None = None) -> dict:
        """Record a payment taken at the counter or from the bank (开具收费票据), then re-check the
        unit's pending move-out clearances: a payment that settles the account confirms them.

        Returns {payment, balance: {unit_id, outstanding}, clearances: [{move_out_id, status,
        outstanding, ...}] (the unit's clearances that were pending)}.

        `idempotency_key`: the same key and payment answers the first answer again and records no
        second payment (chassis/idempotency.py)."""
        actor = command_actor(actor, allowed_roles={"finance", "front_desk"})
        data = load_or_reject(RecordPaymentSchema(), payment)
        checked_key(idempotency_key)
        unit_id = data["unit_id"].strip()
        with self.db(actor=actor) as uow:
            s = uow.session
            replay = uow.idempotent(idempotency_key, "record_payment", data)
            if replay is not None:
                return replay.result
            amount = domain.validate_payment(_unit_known(s, unit_id), data["amount"], data["method"], data["receipt_no"])
            receipt_no = data["receipt_no"].strip()
            if s.scalar(select(models.Payment.payment_id).where(models.Payment.receipt_no == receipt_no)) is not None:
                raise _duplicate_receipt(receipt_no)
            pending = s.scalars(select(models.ClearanceRequest)
                                .where(models.ClearanceRequest.unit_id == unit_id,
                                       models.ClearanceRequest.status == "pending")
                                .order_by(models.ClearanceRequest.created_at, models.ClearanceRequest.move_out_id)
                                # locked before the balance is summed: two payments that together
                                # settle the unit must see each other (PostgreSQL; SQLite ignores it)
                                .with_for_update()).all()
            now = utcnow()
            party_id = (data["party_id"] or "").strip() or None
            row = models.Payment(payment_id=new_id(), unit_id=unit_id, party_id=party_id, amount=amount,
                                 method=data["method"], receipt_no=receipt_no, received_at=now,
                                 recorded_by=actor.id, period=None, item=None)
            s.add(row)
            s.flush()
            case = pending[0].move_out_id if pending else row.payment_id
            uow.emit("payment.received",
                     {"payment_id": row.payment_id, "party_id": party_id, "unit_id": unit_id,
                      "amount": domain.money(amount), "method": row.method, "receipt_no": receipt_no,
                      "matched_bank_slip": None},
                     correlation_id=case)
            uow.audit("payment.record", "payment", row.payment_id,
                      {"unit_id": unit_id, "amount": domain.money(amount), "method": row.method,
                       "receipt_no": receipt_no}, correlation_id=case)

            balance = _unit_outstanding(s, unit_id)
            for req in pending:
                event_type, payload = domain.clearance_event(unit_id, req.party_id, balance, req.move_out_id, now)
                req.last_outstanding, req.updated_at = balance, now
                if event_type == CONFIRMED:
                    req.status = "confirmed"
                    uow.emit(event_type, payload, correlation_id=req.move_out_id)
                    uow.audit("clearance.confirm", "clearance", req.move_out_id,
                              {"payment_id": row.payment_id, "outstanding": domain.money(balance)},
                              correlation_id=req.move_out_id)
                else:
                    uow.audit("clearance.recheck", "clearance", req.move_out_id,
                              {"payment_id": row.payment_id, "outstanding": domain.money(balance)},
                              correlation_id=req.move_out_id)
            answer = PaymentResultSchema().dump({"payment": row, "balance": {"unit_id": unit_id, "outstanding": balance},
                                                 "clearances": pending})
            try:
                return uow.commit(result=answer)
            except IntegrityError:  # the same receipt recorded by a concurrent submission
                raise _duplicate_receipt(receipt_no) from None

    # -- reads -----------------------------------------------------------------------------
    @rpc
    def get_balance(self, unit_id: str) -> dict:
        """A unit's fee account: what it owes, its charges (by period) and payments (oldest first)."""
        unit_id = record_id("unit_id", unit_id, max_len=32)
        with self.db.session() as s:
            charges = s.scalars(select(models.Charge).where(models.Charge.unit_id == unit_id)
                                .order_by(models.Charge.period, models.Charge.item, models.Charge.id)).all()
            if not charges:  # no charge, no fee account (`_unit_known`); one read fewer on this hot path
                raise NotFound(f"no fee account for unit {unit_id}", field="unit_id", rule="exists")
            payments = s.scalars(select(models.Payment).where(models.Payment.unit_id == unit_id)
                                 .order_by(models.Payment.received_at, models.Payment.receipt_no)).all()
            return _BALANCE.dump({"unit_id": unit_id, "outstanding": domain.outstanding(charges, payments),
                                         "charges": charges, "payments": payments})

    @rpc
    def list_arrears(self) -> list[dict]:
        """Units that owe something (月份欠费情况明细表), by unit id: {unit_id, outstanding}."""
        charges: dict[str, list] = defaultdict(list)
        payments: dict[str, list] = defaultdict(list)
        with self.db.session() as s:
            for c in s.scalars(select(models.Charge)):
                charges[c.unit_id].append(c)
            for p in s.scalars(select(models.Payment)):
                payments[p.unit_id].append(p)
        owing = ((unit_id, domain.outstanding(charges[unit_id], payments[unit_id])) for unit_id in sorted(charges))
        return OutstandingSchema(many=True).dump(
            [{"unit_id": unit_id, "outstanding": amount} for unit_id, amount in owing if amount > 0])
