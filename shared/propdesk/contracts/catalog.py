"""The event catalog (domain.md §8) as contracts: payload schemas, producer, consumers.

Only the events that a running service emits are registered; the catalog grows with the
services. Money travels as a string with two decimals ("1234.50"), dates as ISO 8601.
"""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from propdesk.contracts import vocab
from propdesk.contracts.registry import contract

MONEY = validate.Regexp(r"^-?\d+\.\d{2}$", error="money as a string with two decimals, e.g. 1234.50")


class Money(fields.String):
    def __init__(self, **kwargs):
        super().__init__(validate=MONEY, **kwargs)


@contract("move_out.requested", 1, producer="residents", consumers=("tickets", "billing", "access", "notify", "reports"))
class MoveOutRequestedV1(Schema):
    """A tenant's move-out (租户撤场) was accepted with the owner's written consent: engineering
    inspects, finance checks fees, security holds the goods release."""

    move_out_id = fields.String(required=True)
    unit_id = fields.String(required=True)
    tenant_id = fields.String(required=True)
    owner_id = fields.String(required=True)
    owner_consent_doc = fields.String(required=True)
    exit_date = fields.Date(required=True)
    fitout_disposition = fields.String(required=True)


@contract("move_out.inspection_opened", 1, producer="tickets", consumers=("reports",))
class MoveOutInspectionOpenedV1(Schema):
    """Engineering has an inspection work order (工程维修单) for the unit (inferred event)."""

    move_out_id = fields.String(required=True)
    work_order_no = fields.String(required=True)
    unit_id = fields.String(required=True)


@contract("move_out.inspection_completed", 1, producer="tickets", consumers=("residents", "billing", "notify", "reports"))
class MoveOutInspectionCompletedV1(Schema):
    """Engineering recorded the unit inspection (单元验收移交记录表): passed, or defects with a
    breach notice (违约处理单)."""

    move_out_id = fields.String(required=True)
    work_order_no = fields.String(required=True)
    unit_id = fields.String(required=True)
    passed = fields.Boolean(required=True)
    defects = fields.List(fields.String(), required=True)
    breach_notice_id = fields.String(required=True, allow_none=True)


class _ClearanceV1(Schema):
    unit_id = fields.String(required=True)
    party_id = fields.String(required=True, allow_none=True)
    move_out_id = fields.String(required=True, allow_none=True)
    outstanding_amount = Money(required=True)
    as_of = fields.AwareDateTime(required=True)


@contract("billing.clearance_confirmed", 1, producer="billing", consumers=("access", "residents", "notify", "reports"))
class ClearanceConfirmedV1(_ClearanceV1):
    """Finance confirms the unit owes nothing (费用结清): a release slip may be issued."""


@contract("billing.clearance_failed", 1, producer="billing", consumers=("access", "residents", "notify", "reports"))
class ClearanceFailedV1(_ClearanceV1):
    """Finance found fees outstanding: no release slip until they are paid (WI/FW-020)."""


@contract("payment.received", 1, producer="billing", consumers=("reports", "access"))
class PaymentReceivedV1(Schema):
    """A payment was taken at the counter or matched from the bank (`prepaid_amount`: its prepayment, 预收款)."""

    payment_id = fields.String(required=True)
    party_id = fields.String(required=True, allow_none=True)
    unit_id = fields.String(required=True)
    amount = Money(required=True)
    method = fields.String(required=True, validate=validate.OneOf(vocab.PAYMENT_METHODS.codes))
    receipt_no = fields.String(required=True)
    matched_bank_slip = fields.String(load_default=None, allow_none=True)
    #: the part of `amount` beyond what the unit owed (预收款/预交物业费); added in place (optional):
    #: a payment announced without it prepaid nothing
    prepaid_amount = Money(load_default="0.00")


@contract("move_out.release_approved", 1, producer="residents", consumers=("access", "notify", "reports"))
class ReleaseApprovedV1(Schema):
    """Customer service approves the tenant's goods release per the owner's written instruction:
    inspection passed, fees cleared, owner consent on file."""

    move_out_id = fields.String(required=True)
    unit_id = fields.String(required=True)
    owner_written_opinion_ref = fields.String(required=True)


@contract("release_slip.issued", 1, producer="access", consumers=("residents", "notify", "reports"))
class ReleaseSlipIssuedV1(Schema):
    """A goods release slip (物品放行条) was issued."""

    slip_id = fields.String(required=True)
    move_out_id = fields.String(required=True, allow_none=True)
    unit_id = fields.String(required=True)
    applicant_type = fields.String(required=True)
    goods = fields.List(fields.String(), required=True)
    clearance_ref = fields.String(required=True, allow_none=True)


@contract("release_slip.released", 1, producer="access", consumers=("residents", "notify", "reports"))
class ReleaseSlipReleasedV1(Schema):
    """Security checked the goods against the slip at the gate and let them out."""

    slip_id = fields.String(required=True)
    move_out_id = fields.String(required=True, allow_none=True)
    unit_id = fields.String(required=True)
    guard_id = fields.String(required=True)


@contract("notification.sent", 1, producer="notify", consumers=("reports",))
class NotificationSentV1(Schema):
    """A message left through a channel (or failed to); the stored message keeps its status."""

    message_id = fields.String(required=True)
    channel = fields.String(required=True)
    recipient_role = fields.String(required=True)
    recipient_id = fields.String(required=True, allow_none=True)
    subject = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(["sent", "failed"]))


@contract("move_out.withdrawn", 1, producer="residents", consumers=("tickets", "access", "notify", "reports"))
class MoveOutWithdrawnV1(Schema):
    """The desk withdrew a move-out before release was approved (the tenant stays, or applies
    again later): engineering cancels its inspection, security drops the hold. No slip follows."""

    move_out_id = fields.String(required=True)
    unit_id = fields.String(required=True)
    reason = fields.String(required=True)
    withdrawn_at = fields.AwareDateTime(required=True)


@contract("move_out.completed", 1, producer="residents", consumers=("billing", "access", "reports"))
class MoveOutCompletedV1(Schema):
    """CS filed every exit document and reported the exit to the owner (归档, domain.md §2.6
    ARCHIVED): billing stops billing the tenant, access revokes passes and collects keys."""

    move_out_id = fields.String(required=True)
    unit_id = fields.String(required=True)
    archived_at = fields.AwareDateTime(required=True)
