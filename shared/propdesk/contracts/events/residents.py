"""The events residents announces (residents: the register and the move-out saga (租户撤场)): one contract per (type, version).

Who consumes them is not written here: it is read from the subscription tables
(`messages.SUBSCRIPTIONS`) into docs/events.md."""
from __future__ import annotations

from marshmallow import Schema, fields

from propdesk.contracts.events._fields import Estate
from propdesk.contracts.registry import contract


@contract("move_out.requested", 1, producer="residents")
class MoveOutRequestedV1(Schema):
    """A tenant's move-out (租户撤场) was accepted with the owner's written consent: engineering
    inspects, finance checks fees, security holds the goods release."""

    move_out_id = fields.String(required=True)
    unit_id = fields.String(required=True)
    estate = Estate()  # the unit's (管理处); optional: added in place
    tenant_id = fields.String(required=True)
    owner_id = fields.String(required=True)
    owner_consent_doc = fields.String(required=True)
    exit_date = fields.Date(required=True)
    fitout_disposition = fields.String(required=True)


@contract("move_out.release_approved", 1, producer="residents")
class ReleaseApprovedV1(Schema):
    """Customer service approves the tenant's goods release per the owner's written instruction:
    inspection passed, fees cleared, owner consent on file."""

    move_out_id = fields.String(required=True)
    unit_id = fields.String(required=True)
    estate = Estate()  # the unit's (管理处); optional: added in place
    owner_written_opinion_ref = fields.String(required=True)


@contract("move_out.withdrawn", 1, producer="residents")
class MoveOutWithdrawnV1(Schema):
    """The desk withdrew a move-out before release was approved (the tenant stays, or applies
    again later): engineering cancels its inspection, security drops the hold. No slip follows."""

    move_out_id = fields.String(required=True)
    unit_id = fields.String(required=True)
    estate = Estate()  # the unit's (管理处); optional: added in place
    reason = fields.String(required=True)
    withdrawn_at = fields.AwareDateTime(required=True)


@contract("move_out.completed", 1, producer="residents")
class MoveOutCompletedV1(Schema):
    """CS filed every exit document and reported the exit to the owner (归档, domain.md §2.6
    ARCHIVED): billing stops billing the tenant, access revokes passes and collects keys."""

    move_out_id = fields.String(required=True)
    unit_id = fields.String(required=True)
    estate = Estate()  # the unit's (管理处); optional: added in place
    archived_at = fields.AwareDateTime(required=True)
