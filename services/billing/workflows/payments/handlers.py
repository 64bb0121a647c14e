"""Payments (收费): record a payment and re-check the unit's move-out clearances; read a unit's
balance and the arrears list. Plain functions on a unit of work / a reader (no nameko).

Estates (管理处): a fee account belongs to its unit's estate (its charges carry it, and so does
every payment into it). A person reads and pays into the accounts of their estates only
(`reader.estates`, `cmd.estates`): another estate's unit answers as one billing does not know
(NotFound unit_id/exists; a payment: unit_id/unknown_unit), the arrears list leaves it out."""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from propdesk.chassis.estates import within
from propdesk.contracts.envelope import new_id
from propdesk.contracts.rpc import BalanceSchema, OutstandingSchema, PaymentResultSchema
from propdesk.errors import NotFound
from propdesk.money import money
from propdesk_services.billing.workflows.fee_clearance import handlers as fee_clearance
from propdesk_services.billing.workflows.payments import domain
from propdesk_services.billing.workflows.payments.models import Charge, Payment
from propdesk_services.billing.workflows.payments.views import fee_account, payments_of, receipt_recorded

#: Built once: building a marshmallow schema per call was ~6 % of billing's CPU under S2's load.
_BALANCE = BalanceSchema()
_RESULT = PaymentResultSchema()
_ARREARS = OutstandingSchema(many=True)


# --- commands --------------------------------------------------------------------------------------
def record_payment(cmd, uow) -> dict:
    """Record a payment taken at the counter or from the bank (开具收费票据), then re-check the
    unit's pending move-out clearances: a payment that settles the account confirms them.

    A payment beyond what the unit owes (or into a unit that owes nothing) is taken, and the part
    beyond what was owed is recorded as a prepayment (预收款/预交物业费): on the payment row, in
    ``payment.received`` and the audit row (`prepaid_amount`), and in the answer.

    Returns {payment, balance: {unit_id, outstanding}, clearances: [{move_out_id, status,
    outstanding, ...}] (the unit's clearances that were pending), prepaid_amount (this payment's
    prepayment), credit (the unit's prepaid money after it)}.

    ValidationError: every problem of the payment at once (`domain.validate_payment`: unknown_unit,
    positive_amount, max_2_decimals, ...); receipt_no/duplicate_receipt when the receipt is already
    recorded. With an `idempotency_key`, the same key and payment answers the first answer again and
    records no second payment."""
    s, data = uow.session, cmd.data
    unit_id = data["unit_id"].strip()
    charges = fee_account(s, unit_id, cmd.estates, lock=True)
    amount = domain.validate_payment(bool(charges), data["amount"], data["method"], data["receipt_no"])
    receipt_no = data["receipt_no"].strip()
    domain.check_receipt_unused(receipt_no, receipt_recorded(s, receipt_no))
    # locked before the balance is summed: two payments that together settle the unit must see
    # each other (PostgreSQL; SQLite ignores it)
    pending = fee_clearance.pending_clearances(s, unit_id)
    payments = payments_of(s, unit_id)
    prepaid = domain.prepaid_part(domain.outstanding(charges, payments), amount)

    row = Payment(payment_id=new_id(), unit_id=unit_id, party_id=(data["party_id"] or "").strip() or None,
                  amount=amount, method=data["method"], receipt_no=receipt_no, received_at=uow.now(),
                  recorded_by=cmd.actor.id, period=None, item=None, prepaid_amount=prepaid,
                  estate=charges[0].estate)
    s.add(row)
    try:
        s.flush()
    except IntegrityError:  # the same receipt recorded by a concurrent submission
        raise domain.duplicate_receipt(receipt_no) from None

    # the payment belongs to the move-out it may settle, else it is a case of its own
    uow.correlation_id = pending[0].move_out_id if pending else row.payment_id
    uow.emit_all([domain.payment_received(row)])
    uow.audit("payment.record", "payment", row.payment_id,
              {"unit_id": unit_id, "amount": money(amount), "method": row.method, "receipt_no": receipt_no,
               "prepaid_amount": money(prepaid)})

    balance = domain.outstanding(charges, [*payments, row])
    fee_clearance.recheck_after_payment(uow, pending, balance, row.payment_id)
    return _RESULT.dump({"payment": row, "balance": {"unit_id": unit_id, "estate": row.estate, "outstanding": balance},
                         "clearances": pending, "prepaid_amount": prepaid, "credit": domain.credit(balance)})


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
