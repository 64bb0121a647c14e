"""Deposits (押金): take one, the refund application, deductions, the refund; reads and the
cashier's queue of refunds to pay. Plain functions on a unit of work / a reader."""
from __future__ import annotations

from sqlalchemy import select

from propdesk.chassis.db import aware
from propdesk.chassis.estates import visible, within
from propdesk.contracts.envelope import new_id
from propdesk.errors import NotFound
from propdesk.money import money
from propdesk_services.billing.workflows.deposits import domain
from propdesk_services.billing.workflows.deposits.models import Deposit, DepositDeduction
from propdesk_services.billing.workflows.deposits.schemas import DepositSchema
from propdesk_services.billing.workflows.payments.views import fee_account

_DEPOSIT = DepositSchema()


def _deposit(s, deposit_id: str, estates, lock: bool = False) -> Deposit:
    stmt = select(Deposit).where(Deposit.deposit_id == deposit_id)
    row = s.scalar(stmt.with_for_update() if lock else stmt)
    if row is None or not visible(estates, row.estate):
        raise NotFound(f"no deposit {deposit_id}", field="deposit_id", rule="exists")
    return row


def _deductions(s, deposit_id: str) -> list[DepositDeduction]:
    return list(s.scalars(select(DepositDeduction).where(DepositDeduction.deposit_id == deposit_id)
                          .order_by(DepositDeduction.id)))


def deposit_view(s, d: Deposit, deductions=None) -> dict:
    deductions = _deductions(s, d.deposit_id) if deductions is None else deductions
    left = domain.remaining(d.amount, deductions)
    return _DEPOSIT.dump({**{c: getattr(d, c) for c in (
        "deposit_id", "deposit_no", "unit_id", "estate", "kind", "state", "payer_name", "party_id", "amount", "method",
        "receipt_no", "received_by", "purpose", "applicant_name", "refund_account", "refund_reason",
        "refunded_amount", "refund_method", "refunded_by")},
        "received_at": aware(d.received_at), "requested_at": aware(d.requested_at), "refunded_at": aware(d.refunded_at),
        "deducted": d.amount - left, "remaining": left,
        "deductions": [{"reason_kind": x.reason_kind, "reason": x.reason, "reference": x.reference, "amount": x.amount,
                        "recorded_by": x.recorded_by, "recorded_at": aware(x.recorded_at)} for x in deductions]})


def take_deposit(cmd, uow) -> dict:
    """收取押金: a deposit on a unit billing knows (DP- number, also its receipt). ``deposit.collected``."""
    s, data = uow.session, cmd.data
    account = fee_account(s, data["unit_id"], cmd.estates)
    amount = domain.validate_deposit(data, bool(account))
    number = uow.next_number(domain.SERIES)
    d = Deposit(deposit_id=new_id(), deposit_no=number, unit_id=data["unit_id"], estate=account[0].estate,
                kind=data["kind"], state=domain.HELD, payer_name=data["payer_name"].strip(),
                party_id=(data.get("party_id") or "").strip() or None, amount=amount, method=data["method"],
                receipt_no=number, received_at=uow.now(), received_by=cmd.actor.id,
                purpose=(data.get("purpose") or "").strip() or None)
    s.add(d)
    s.flush()
    uow.estate = d.estate
    uow.correlation_id = d.deposit_id
    uow.emit("deposit.collected", {"deposit_id": d.deposit_id, "deposit_no": d.deposit_no, "unit_id": d.unit_id,
                                   "estate": d.estate, "type": d.kind, "amount": money(amount), "method": d.method})
    uow.audit("deposit.take", "deposit", d.deposit_id,
              {"deposit_no": number, "unit_id": d.unit_id, "kind": d.kind, "amount": money(amount), "method": d.method})
    return deposit_view(s, d, [])


def request_deposit_refund(cmd, uow) -> dict:
    """《退还押金申请表》 handed in: the deposit waits for its deductions and the refund. Conflict
    state/not_held when it is not held (asked twice, or refunded)."""
    s, data = uow.session, cmd.data
    d = _deposit(s, data["deposit_id"], cmd.estates, lock=True)
    domain.check_request(d)
    d.state, d.requested_by, d.requested_at = domain.REFUND_REQUESTED, cmd.actor.id, uow.now()
    d.applicant_name, d.refund_reason = data["applicant_name"].strip(), data["reason"].strip()
    d.refund_account = (data.get("refund_account") or "").strip() or None
    uow.estate = d.estate
    uow.correlation_id = d.deposit_id
    uow.emit("deposit.refund_requested", {"deposit_id": d.deposit_id, "deposit_no": d.deposit_no,
                                          "unit_id": d.unit_id, "estate": d.estate, "type": d.kind,
                                          "amount": money(d.amount)})
    uow.audit("deposit.refund_requested", "deposit", d.deposit_id,
              {"deposit_no": d.deposit_no, "applicant_name": d.applicant_name, "reason": d.refund_reason})
    return deposit_view(s, d)


def deduct_from_deposit(cmd, uow) -> dict:
    """A deduction with its reason (扣款): never more than what is left (amount/exceeds_deposit)."""
    s, data = uow.session, cmd.data
    d = _deposit(s, data["deposit_id"], cmd.estates, lock=True)
    deductions = _deductions(s, d.deposit_id)
    amount = domain.check_deduction(d, deductions, data)
    x = DepositDeduction(deposit_id=d.deposit_id, reason_kind=data["reason_kind"], reason=data["reason"].strip(),
                         reference=(data.get("reference") or "").strip() or None, amount=amount,
                         recorded_by=cmd.actor.id, recorded_at=uow.now())
    s.add(x)
    s.flush()
    uow.estate = d.estate
    uow.correlation_id = d.deposit_id
    uow.audit("deposit.deduct", "deposit", d.deposit_id,
              {"deposit_no": d.deposit_no, "reason_kind": x.reason_kind, "reason": x.reason, "amount": money(amount),
               "remaining": money(domain.remaining(d.amount, [*deductions, x]))})
    return deposit_view(s, d, [*deductions, x])


def refund_deposit(cmd, uow) -> dict:
    """退还押金: what is left after the deductions goes back (possibly 0.00); ``deposit.refunded``."""
    s, data = uow.session, cmd.data
    d = _deposit(s, data["deposit_id"], cmd.estates, lock=True)
    domain.check_refund(d, data["method"])
    deductions = _deductions(s, d.deposit_id)
    left = domain.remaining(d.amount, deductions)
    d.state, d.refunded_amount, d.refund_method = domain.REFUNDED, left, data["method"]
    d.refunded_by, d.refunded_at = cmd.actor.id, uow.now()
    uow.estate = d.estate
    uow.correlation_id = d.deposit_id
    uow.emit("deposit.refunded", {"deposit_id": d.deposit_id, "deposit_no": d.deposit_no, "unit_id": d.unit_id,
                                  "estate": d.estate, "type": d.kind, "amount": money(d.amount),
                                  "deductions": [{"reason_kind": x.reason_kind, "reason": x.reason,
                                                  "amount": money(x.amount)} for x in deductions],
                                  "deducted": money(d.amount - left), "refunded": money(left), "method": d.refund_method})
    uow.audit("deposit.refund", "deposit", d.deposit_id,
              {"deposit_no": d.deposit_no, "refunded": money(left), "deducted": money(d.amount - left)})
    return deposit_view(s, d, deductions)


def get_deposit(args: dict, reader) -> dict:
    return deposit_view(reader.session, _deposit(reader.session, args["deposit_id"], reader.estates))


def list_deposits(args: dict, reader) -> list[dict]:
    """Deposits of the asker's estates (filters: unit, kind, state), newest first; at most 200."""
    stmt = within(select(Deposit), Deposit.estate, reader.estates)
    for key in ("unit_id", "kind", "state"):
        if args.get(key):
            stmt = stmt.where(getattr(Deposit, key) == args[key])
    rows = list(reader.session.scalars(stmt.order_by(Deposit.received_at.desc(), Deposit.deposit_no.desc()).limit(200)))
    ded: dict[str, list] = {}
    if rows:
        for x in reader.session.scalars(select(DepositDeduction).where(
                DepositDeduction.deposit_id.in_([r.deposit_id for r in rows]))):
            ded.setdefault(x.deposit_id, []).append(x)
    return [{k: v for k, v in deposit_view(reader.session, r, ded.get(r.deposit_id, [])).items() if k != "deductions"}
            for r in rows]


def possible_actions(deposit_id: str, reader) -> list[str]:
    return domain.next_commands(_deposit(reader.session, deposit_id, reader.estates))


def refunds_requested(args: dict, reader) -> list[dict]:
    """QUEUE: deposits whose refund was applied for, waiting for deductions and the refund, oldest first.
    The deposit's kind is the item's ``fields`` (said in the words of `DepositSchema`'s kind, vocab
    DEPOSIT_KINDS), not a code in its title."""
    rows = reader.session.scalars(within(select(Deposit), Deposit.estate, reader.estates)
                                  .where(Deposit.state == domain.REFUND_REQUESTED)
                                  .order_by(Deposit.requested_at, Deposit.deposit_no).limit(500))
    return [{"record": "deposit", "id": d.deposit_id, "number": d.deposit_no, "title": d.unit_id,
             "detail": money(d.amount), "fields": {"kind": d.kind}, "since": aware(d.requested_at).isoformat(),
             "due_at": None, "overdue": False, "owner": None} for d in rows]
