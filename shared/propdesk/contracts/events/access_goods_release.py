"""The events of access' release slips filled in at the desk (物品放行条, domain.md §2.7): a slip
requested, rejected by the owner, cancelled, refused at the gate. A desk slip is announced issued and
released with the contracts of `events/access.py` (``release_slip.issued`` / ``.released``,
move_out_id null). Consumers come from the subscription tables."""
from __future__ import annotations

from marshmallow import Schema, fields

from propdesk.contracts.events._fields import Estate
from propdesk.contracts.registry import contract


@contract("release_slip.requested", 1, producer="access")
class ReleaseSlipRequestedV1(Schema):
    """The desk filled in a slip (owner, non-owner, contractor, no specimen on file); `state` is what
    it waits for first (vocab.RELEASE_SLIP_STATES), ISSUED when nothing."""

    slip_id = fields.String(required=True)
    unit_id = fields.String(required=True)
    estate = Estate()
    variant = fields.String(required=True)  # vocab.RELEASE_VARIANTS
    applicant_type = fields.String(required=True)  # vocab.RELEASE_APPLICANT_ROLES
    moving = fields.Boolean(required=True)
    state = fields.String(required=True)


@contract("release_slip.rejected", 1, producer="access")
class ReleaseSlipRejectedV1(Schema):
    """The owner, phoned by the desk, refused a non-owner's slip: rejected with the reason."""

    slip_id = fields.String(required=True)
    unit_id = fields.String(required=True)
    estate = Estate()
    variant = fields.String(required=True)
    applicant_type = fields.String(required=True)
    reason = fields.String(required=True)
    rejected_by = fields.String(required=True)


@contract("release_slip.cancelled", 1, producer="access")
class ReleaseSlipCancelledV1(Schema):
    """The desk cancelled (作废) a slip before it was used at the gate."""

    slip_id = fields.String(required=True)
    unit_id = fields.String(required=True)
    estate = Estate()
    reason = fields.String(required=True)
    cancelled_by = fields.String(required=True)


@contract("release_slip.refused", 1, producer="access")
class ReleaseSlipRefusedV1(Schema):
    """Security checked the goods against the slip at the gate and refused them, with the reason;
    the slip is used (a new slip is needed)."""

    slip_id = fields.String(required=True)
    move_out_id = fields.String(required=True, allow_none=True)
    unit_id = fields.String(required=True)
    estate = Estate()
    guard_id = fields.String(required=True)
    reason = fields.String(required=True)
