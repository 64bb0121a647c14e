"""The events of billing's payments, bank statements and deposits (issue #10 §3-§4, domain.md §2.5, §8).

``payment.received`` stays in `billing.py` (it is older than these); a payment booked from a bank
line names the line in its ``matched_bank_slip``. Who consumes these is read from the subscription
tables into docs/events.md."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from propdesk.contracts import vocab
from propdesk.contracts.events._fields import DeadlineBreach, Estate, Money
from propdesk.contracts.registry import contract


@contract("payment.reversed", 1, producer="billing")
class PaymentReversedV1(Schema):
    """A payment was reversed (红冲) by a new entry of the negative amount with its own receipt;
    the reversed payment is unchanged. `amount` is the reversed payment's (positive)."""

    payment_id = fields.String(required=True)  # the reversal's own entry
    reverses = fields.String(required=True)  # the payment reversed
    unit_id = fields.String(required=True)
    estate = Estate()
    amount = Money(required=True)
    receipt_no = fields.String(required=True)
    reversed_receipt_no = fields.String(required=True)
    reason = fields.String(required=True)


@contract("billing.bank_line_overdue", 1, producer="billing")
class BankLineOverdueV1(DeadlineBreach):
    """A bank line no notice matched was neither booked nor set aside by the end of the next working
    day after its import (bank reconciliation is daily, domain.md §2.5): the cashier who imported it
    and the finance supervisor are told."""


@contract("bank_statement.imported", 1, producer="billing")
class BankStatementImportedV1(Schema):
    """The cashier imported a bank statement: its new lines were matched and booked or queued for
    the cashier (`unmatched_lines`); lines imported before were counted, not booked again."""

    statement_id = fields.String(required=True)
    statement_no = fields.String(required=True)
    estate = Estate()
    bank_format = fields.String(required=True, validate=validate.OneOf(vocab.BANK_FORMATS.codes))
    credit_lines = fields.Integer(required=True)
    new_lines = fields.Integer(required=True)
    repeated_lines = fields.Integer(required=True)
    matched_lines = fields.Integer(required=True)
    unmatched_lines = fields.Integer(required=True)


class DeductionV1(Schema):
    reason_kind = fields.String(required=True, validate=validate.OneOf(vocab.DEPOSIT_DEDUCTION_REASONS.codes))
    reason = fields.String(required=True)
    amount = Money(required=True)


@contract("deposit.collected", 1, producer="billing")
class DepositCollectedV1(Schema):
    """A deposit (押金: renovation, tenant, key) was taken and is held (domain.md §8)."""

    deposit_id = fields.String(required=True)
    deposit_no = fields.String(required=True)
    unit_id = fields.String(required=True)
    estate = Estate()
    type = fields.String(required=True, validate=validate.OneOf(vocab.DEPOSIT_KINDS.codes))
    amount = Money(required=True)
    method = fields.String(required=True, validate=validate.OneOf(vocab.PAYMENT_METHODS.codes))


@contract("deposit.refund_requested", 1, producer="billing")
class DepositRefundRequestedV1(Schema):
    """The client handed in the 《退还押金申请表》: finance assesses deductions, then refunds."""

    deposit_id = fields.String(required=True)
    deposit_no = fields.String(required=True)
    unit_id = fields.String(required=True)
    estate = Estate()
    type = fields.String(required=True, validate=validate.OneOf(vocab.DEPOSIT_KINDS.codes))
    amount = Money(required=True)


@contract("deposit.refunded", 1, producer="billing")
class DepositRefundedV1(Schema):
    """A deposit went back to the client: `refunded` = `amount` − the `deductions` (never negative)."""

    deposit_id = fields.String(required=True)
    deposit_no = fields.String(required=True)
    unit_id = fields.String(required=True)
    estate = Estate()
    type = fields.String(required=True, validate=validate.OneOf(vocab.DEPOSIT_KINDS.codes))
    amount = Money(required=True)
    deductions = fields.List(fields.Nested(DeductionV1), required=True)
    deducted = Money(required=True)
    refunded = Money(required=True)
    method = fields.String(required=True, validate=validate.OneOf(vocab.PAYMENT_METHODS.codes))
