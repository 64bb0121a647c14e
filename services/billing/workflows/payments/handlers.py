"""Payments (收费): record a payment and re-check the unit's move-out clearances; read a unit's
balance and the arrears list. Plain functions on a unit of work / a reader (no nameko).

Estates (管理处): a fee account belongs to its unit's estate (its charges carry it, and so does
every payment into it). A person reads and pays into the accounts of their estates only
(`reader.estates`, `cmd.estates`): another estate's unit answers as one billing does not know
(NotFound unit_id/exists; a payment: unit_id/unknown_unit), the arrears list leaves it out."""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from propdesk.chassis.db import aware
from propdesk.chassis.estates import visible, within
from propdesk.contracts.envelope import new_id
from propdesk.contracts.rpc import BalanceSchema, OutstandingSchema, PaymentResultSchema
from propdesk.errors import NotFound
from propdesk.money import money
from propdesk_services.billing.workflows.fee_clearance import handlers as fee_clearance
from propdesk_services.billing.workflows.payments import domain
from propdesk_services.billing.workflows.payments.models import Charge, Payment, PaymentAllocation
from propdesk_services.billing.workflows.payments.schemas import ReceiptSchema
from propdesk_services.billing.workflows.payments.views import charges_of, fee_account, payments_of, receipt_recorded

#: Built once: building a marshmallow schema per call was ~6 % of billing's CPU under S2's load.
_BALANCE = BalanceSchema()
_RESULT = PaymentResultSchema()
_ARREARS = OutstandingSchema(many=True)
_RECEIPT = ReceiptSchema()
_RECEIPTS = ReceiptSchema(many=True, exclude=("lines",))


# --- commands --------------------------------------------------------------------------------------
def record_payment(cmd, uow) -> dict:
    """Record a payment taken at the counter or from the bank (开具收费票据), then re-check the
    unit's pending move-out clearances: a payment that settles the account confirms them.

    Methods: cash, cheque (number, date within 10 days and not post-dated, amount as written, seal
    checked), bank transfer, WeChat Pay / Alipay (their transaction number, once per channel). The
    receipt is the pre-printed number given, else billing numbers it (RC-yyyymmdd-nnnn). The payment
    is allocated to the charges the cashier chose (`charge_ids`, in that order), then the oldest open
    charges first; what is left over is a prepayment (预收款/预交物业费): on the payment row, in
    ``payment.received`` and the audit row (`prepaid_amount`), and in the answer.

    Returns {payment, balance: {unit_id, outstanding}, clearances: [...] (the unit's clearances that
    were pending), prepaid_amount, credit (the unit's prepaid money after it)}: the contract
    `rpc.PaymentResultSchema`, unchanged; what the payment paid is on its receipt (`get_receipt`).

    ValidationError: every problem of the payment at once (`domain.validate_payment`,
    `domain.check_channel`); receipt_no/duplicate_receipt, txn_no/duplicate_transaction,
    charge_ids/not_open. With an `idempotency_key`, the same key and payment answers the first
    answer again and records no second payment."""
    data = cmd.data
    row, out = book_payment(uow, cmd.actor.id, cmd.estates, data["unit_id"].strip(), data["amount"], data["method"],
                            receipt_no=data.get("receipt_no"), party_id=data.get("party_id"), details=data,
                            chosen=data.get("charge_ids"))
    return out


def book_payment(uow, actor_id: str, estates, unit_id: str, amount_given, method, *, receipt_no=None,
                 party_id=None, details: dict | None = None, chosen=None, bank_line_id=None,
                 correlation_id: str | None = None):
    """Record one payment on a unit's fee account (the counter's, or a bank line's): checks,
    receipt number, allocation, ``payment.received``, audit row, the clearances' re-check. Returns
    (the payment row, record_payment's answer)."""
    s, details = uow.session, details or {}
    charges = fee_account(s, unit_id, estates, lock=True)
    given_receipt = (receipt_no or "").strip() if isinstance(receipt_no, str) else receipt_no
    amount = domain.validate_payment(bool(charges), amount_given, method, given_receipt or domain.RECEIPT_SERIES)
    domain.check_channel(method, details, amount, uow.today())
    txn_no = (details.get("txn_no") or "").strip() or None
    if given_receipt:
        domain.check_receipt_unused(given_receipt, receipt_recorded(s, given_receipt))
    if txn_no and s.scalar(select(Payment.payment_id).where(Payment.method == method, Payment.txn_no == txn_no)):
        raise domain.duplicate_txn(method, txn_no)
    # locked before the balance is summed: two payments that together settle the unit must see
    # each other (PostgreSQL; SQLite ignores it)
    pending = fee_clearance.pending_clearances(s, unit_id)
    payments = payments_of(s, unit_id)
    allocations = allocations_of(s, [p.payment_id for p in payments])
    items = domain.open_items(charges, payments, allocations)
    parts, _left = domain.allocate(items, amount, chosen)
    prepaid = domain.prepaid_part(domain.outstanding(charges, payments), amount)
    receipt = given_receipt or uow.next_number(domain.RECEIPT_SERIES)

    row = Payment(payment_id=new_id(), unit_id=unit_id, party_id=(party_id or "").strip() or None,
                  amount=amount, method=method, receipt_no=receipt, received_at=uow.now(),
                  recorded_by=actor_id, period=None, item=None, prepaid_amount=prepaid,
                  estate=charges[0].estate, txn_no=txn_no, cheque_date=details.get("cheque_date"),
                  note=(details.get("note") or "").strip() or None, bank_line_id=bank_line_id)
    s.add(row)
    try:
        s.flush()
    except IntegrityError:  # the same receipt or transaction recorded by a concurrent submission
        raise domain.duplicate_receipt(receipt) from None
    s.add_all(PaymentAllocation(payment_id=row.payment_id, charge_id=cid, amount=part) for cid, part in parts)
    uow.estate = row.estate

    # the payment belongs to the move-out it may settle, else it is a case of its own
    uow.correlation_id = pending[0].move_out_id if pending else (correlation_id or row.payment_id)
    event = domain.payment_received(row)
    event.payload["matched_bank_slip"] = bank_line_id
    uow.emit_all([event])
    uow.audit("payment.record", "payment", row.payment_id,
              {"unit_id": unit_id, "amount": money(amount), "method": row.method, "receipt_no": receipt,
               "prepaid_amount": money(prepaid),
               **({"txn_no": txn_no} if txn_no else {}), **({"bank_line_id": bank_line_id} if bank_line_id else {}),
               **({"charge_ids": [c for c, _ in parts]} if chosen else {})})

    balance = domain.outstanding(charges, [*payments, row])
    fee_clearance.recheck_after_payment(uow, pending, balance, row.payment_id)
    out = _RESULT.dump({"payment": row, "balance": {"unit_id": unit_id, "estate": row.estate, "outstanding": balance},
                        "clearances": pending, "prepaid_amount": prepaid, "credit": domain.credit(balance)})
    return row, out


def reverse_payment(cmd, uow) -> dict:
    """Reverse a payment (红冲): a new entry with the negative amount and its own receipt number
    (RC-), the reversed allocations, the reason; the payment itself is never edited. A payment
    booked from a bank line puts the line back in the cashier's unmatched queue. Conflict
    payment_id/already_reversed (once), payment_id/is_reversal (a reversal is not reversed);
    NotFound for another estate's payment. ``payment.reversed``."""
    s, data = uow.session, cmd.data
    original = _payment(s, data["payment_id"], cmd.estates)
    reversed_by = s.scalar(select(Payment.payment_id).where(Payment.reverses == original.payment_id))
    domain.check_reversible(original, reversed_by is not None)
    reason = data["reason"].strip()
    row = Payment(payment_id=new_id(), unit_id=original.unit_id, party_id=original.party_id,
                  amount=-Decimal(original.amount), method=original.method,
                  receipt_no=uow.next_number(domain.RECEIPT_SERIES), received_at=uow.now(), recorded_by=cmd.actor.id,
                  period=original.period, item=original.item, prepaid_amount=-Decimal(original.prepaid_amount or 0),
                  estate=original.estate, txn_no=None, reverses=original.payment_id, note=reason)
    s.add(row)
    s.flush()
    s.add_all(PaymentAllocation(payment_id=row.payment_id, charge_id=a.charge_id, amount=-Decimal(a.amount))
              for a in allocations_of(s, [original.payment_id]))
    uow.estate = original.estate
    uow.correlation_id = original.payment_id
    uow.emit("payment.reversed", {
        "payment_id": row.payment_id, "reverses": original.payment_id, "unit_id": row.unit_id, "estate": row.estate,
        "amount": money(original.amount), "receipt_no": row.receipt_no, "reversed_receipt_no": original.receipt_no,
        "reason": reason})
    uow.audit("payment.reverse", "payment", original.payment_id,
              {"reversal_id": row.payment_id, "receipt_no": row.receipt_no, "amount": money(row.amount), "reason": reason})
    if original.bank_line_id:  # booked from a bank line: the line goes back to the cashier's queue
        from propdesk_services.billing.workflows.bank_statements.handlers import reopen_line

        reopen_line(uow, original.bank_line_id, cmd.actor.id)
    charges = charges_of(s, row.unit_id)
    balance = domain.outstanding(charges, payments_of(s, row.unit_id))
    return {**receipt_view(s, row), "balance": money(balance)}


def _payment(s, payment_id: str, estates) -> Payment:
    row = s.get(Payment, payment_id)
    if row is None or not visible(estates, row.estate):
        raise NotFound(f"no payment {payment_id}", field="payment_id", rule="exists")
    return row


def allocations_of(s, payment_ids) -> list[PaymentAllocation]:
    ids = list(payment_ids)
    if not ids:
        return []
    return list(s.scalars(select(PaymentAllocation).where(PaymentAllocation.payment_id.in_(ids))
                          .order_by(PaymentAllocation.id)))


def receipt_view(s, row: Payment) -> dict:
    """A receipt (收费票据) as the desk shows and prints it: the payment, in words, and what it paid."""
    allocs = allocations_of(s, [row.payment_id])
    charges = {c.id: c for c in s.scalars(select(Charge).where(Charge.id.in_([a.charge_id for a in allocs])))} if allocs else {}
    reversed_by = s.scalar(select(Payment.receipt_no).where(Payment.reverses == row.payment_id))
    reverses_no = s.scalar(select(Payment.receipt_no).where(Payment.payment_id == row.reverses)) if row.reverses else None
    return _RECEIPT.dump({
        "payment_id": row.payment_id, "receipt_no": row.receipt_no, "unit_id": row.unit_id, "estate": row.estate,
        "party_id": row.party_id, "amount": row.amount, "amount_in_words": domain.amount_in_words(row.amount),
        "method": row.method, "txn_no": row.txn_no, "cheque_date": row.cheque_date, "received_at": aware(row.received_at),
        "recorded_by": row.recorded_by, "prepaid_amount": row.prepaid_amount or Decimal("0"), "note": row.note,
        "reverses": row.reverses, "reverses_receipt_no": reverses_no, "reversed_by_receipt_no": reversed_by,
        "bank_line_id": row.bank_line_id,
        "state": "reversal" if row.reverses else ("reversed" if reversed_by else "valid"),
        "lines": [{"charge_id": a.charge_id, "period": charges[a.charge_id].period if a.charge_id in charges else None,
                   "item": charges[a.charge_id].item if a.charge_id in charges else None, "amount": a.amount}
                  for a in allocs],
    })


# --- queries ---------------------------------------------------------------------------------------
def possible_actions(unit_id: str, reader) -> list[str]:
    """A unit with a fee account may always be paid into (ACTIONS row "unit"): arrears, or a
    prepayment (预收款)."""
    if not fee_account(reader.session, unit_id, reader.estates):
        raise NotFound(f"no fee account for unit {unit_id}", field="record_id", rule="exists")
    return ["record_payment"]


def get_balance(args: dict, reader) -> dict:
    """A unit's fee account: what it owes, its prepaid money not yet used (credit, 预收款), its
    charges (by period) and payments (oldest first). NotFound (unit_id, exists) for a unit billing
    does not know."""
    s, unit_id = reader.session, args["unit_id"]
    charges = fee_account(s, unit_id, reader.estates)
    if not charges:  # no charge, no fee account (or another estate's); one read fewer on this hot path
        raise NotFound(f"no fee account for unit {unit_id}", field="unit_id", rule="exists")
    payments = payments_of(s, unit_id)
    owed = domain.outstanding(charges, payments)
    return _BALANCE.dump({"unit_id": unit_id, "estate": charges[0].estate, "outstanding": owed, "credit": domain.credit(owed),
                          "charges": charges, "payments": payments})


def list_arrears(args: dict, reader) -> list[dict]:
    """Units of the estates of the person asking that owe something (月份欠费情况明细表), by unit id:
    {unit_id, estate, outstanding}."""
    charges: dict[str, list] = defaultdict(list)
    payments: dict[str, list] = defaultdict(list)
    for c in reader.session.scalars(within(select(Charge), Charge.estate, reader.estates)):
        charges[c.unit_id].append(c)
    for p in reader.session.scalars(within(select(Payment), Payment.estate, reader.estates)):
        payments[p.unit_id].append(p)
    owing = ((unit_id, domain.outstanding(charges[unit_id], payments[unit_id])) for unit_id in sorted(charges))
    return _ARREARS.dump([{"unit_id": unit_id, "estate": charges[unit_id][0].estate, "outstanding": amount}
                          for unit_id, amount in owing if amount > 0])


# --- receipts (收费票据) -------------------------------------------------------------------------------
def get_receipt(args: dict, reader) -> dict:
    """A receipt (收费票据) with what it paid, its amount in words, and its reversal if any. NotFound
    for another estate's."""
    return receipt_view(reader.session, _payment(reader.session, args["payment_id"], reader.estates))


def list_receipts(args: dict, reader) -> list[dict]:
    """Receipts of the asker's estates, newest first (filters: unit, method, receipt number); at most 200."""
    stmt = within(select(Payment), Payment.estate, reader.estates)
    for key in ("unit_id", "method", "receipt_no"):
        if args.get(key):
            stmt = stmt.where(getattr(Payment, key) == args[key])
    rows = list(reader.session.scalars(stmt.order_by(Payment.received_at.desc(), Payment.receipt_no.desc()).limit(200)))
    reversed_ids = set(reader.session.scalars(select(Payment.reverses).where(
        Payment.reverses.in_([r.payment_id for r in rows])))) if rows else set()
    return _RECEIPTS.dump([{
        "payment_id": r.payment_id, "receipt_no": r.receipt_no, "unit_id": r.unit_id, "estate": r.estate,
        "party_id": r.party_id, "amount": r.amount, "method": r.method, "txn_no": r.txn_no,
        "received_at": aware(r.received_at), "recorded_by": r.recorded_by, "reverses": r.reverses,
        "state": "reversal" if r.reverses else ("reversed" if r.payment_id in reversed_ids else "valid")}
        for r in rows])


def possible_receipt_actions(payment_id: str, reader) -> list[str]:
    row = _payment(reader.session, payment_id, reader.estates)
    if row.reverses or Decimal(row.amount) < 0:
        return []
    if reader.session.scalar(select(Payment.payment_id).where(Payment.reverses == row.payment_id)):
        return []
    return ["reverse_payment"]
