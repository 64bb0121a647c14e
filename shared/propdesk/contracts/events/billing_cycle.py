"""The events of billing's monthly fee cycle (domain.md §2.5, §8): notices issued and delivered,
dunning notices issued and delivered, paid services charged, and the cycle's missed time limits.

Who consumes them is not written here: it is read from the subscription tables into docs/events.md."""
from __future__ import annotations

from marshmallow import Schema, fields

from propdesk.contracts.events._fields import DeadlineBreach, Estate, Money
from propdesk.contracts.registry import contract


@contract("billing.notices_issued", 1, producer="billing")
class NoticesIssuedV1(Schema):
    """The cashier issued a billing run's 《缴费通知单》 (one event per run, not per notice): CS
    delivers them (the desk's queue of notices to deliver lists each)."""

    run_id = fields.String(required=True)
    run_no = fields.String(required=True)
    period = fields.String(required=True)  # YYYY-MM
    estate = Estate()
    notice_count = fields.Integer(required=True)
    total_amount = Money(required=True)
    issued_by = fields.String(required=True)


@contract("billing.notice_delivered", 1, producer="billing")
class NoticeDeliveredV1(Schema):
    """CS handed a fee notice to the client, who signed for it (签收)."""

    notice_id = fields.String(required=True)
    notice_no = fields.String(required=True)
    unit_id = fields.String(required=True)
    estate = Estate()
    period = fields.String(required=True)
    signed_by = fields.String(required=True)
    signed_at = fields.AwareDateTime(required=True)


@contract("arrears.dunning_issued", 1, producer="billing")
class DunningIssuedV1(Schema):
    """A 《催款通知单》 was issued on the 11th working day of the month after `period` for a unit
    still owing: `amount_due` in all, `periods` the unpaid months (oldest first)."""

    dunning_id = fields.String(required=True)
    dunning_no = fields.String(required=True)
    unit_id = fields.String(required=True)
    estate = Estate()
    party_id = fields.String(required=True, allow_none=True)
    period = fields.String(required=True)
    amount_due = Money(required=True)
    periods = fields.List(fields.String(), required=True)


@contract("arrears.dunning_delivered", 1, producer="billing")
class DunningDeliveredV1(Schema):
    """CS handed a dunning notice to the client, who signed for it."""

    dunning_id = fields.String(required=True)
    dunning_no = fields.String(required=True)
    unit_id = fields.String(required=True)
    estate = Estate()
    signed_by = fields.String(required=True)
    signed_at = fields.AwareDateTime(required=True)


@contract("paid_service.charged", 1, producer="billing")
class PaidServiceChargedV1(Schema):
    """A paid repair (有偿服务) the client signed for is on the unit's fee account (once per repair)."""

    charge_id = fields.Integer(required=True)
    repair_id = fields.String(required=True)
    work_order_no = fields.String(required=True)
    unit_id = fields.String(required=True)
    estate = Estate()
    amount = Money(required=True)
    item = fields.String(required=True)
    period = fields.String(required=True)


@contract("billing.review_overdue", 1, producer="billing")
class BillingReviewOverdueV1(DeadlineBreach):
    """A billing run was not approved by the end of the 25th (the finance supervisor's review, §2.5)."""


@contract("billing.issue_overdue", 1, producer="billing")
class BillingIssueOverdueV1(DeadlineBreach):
    """A billing run's notices were not issued by the end of the 26th (26日前, §2.5)."""
