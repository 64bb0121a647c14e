"""The events of access' lost & found (拾获物品, domain.md §2.10). Notify publicises and escalates,
finance is told of items unclaimed after 3 months; consumers come from the subscription tables."""
from __future__ import annotations

from marshmallow import Schema, fields

from propdesk.contracts.events._fields import Estate
from propdesk.contracts.registry import contract


@contract("lost_item.registered", 1, producer="access")
class LostItemRegisteredV1(Schema):
    """A found item was registered by two staff together (both named)."""

    item_id = fields.String(required=True)  # the item number (SH-yyyymmdd-nnnn)
    category = fields.String(required=True)  # vocab.LOST_ITEM_CATEGORIES
    description = fields.String(required=True)
    estate = Estate()
    police_required = fields.Boolean(required=True)  # dangerous or important: goes to the police
    found_by = fields.String(required=True)
    found_at = fields.AwareDateTime(required=True)
    registrars = fields.List(fields.String(), required=True)  # the two staff ids


@contract("lost_item.publicised", 1, producer="access")
class LostItemPublicisedV1(Schema):
    """The item is publicised (招领) on the channels named (vocab.PUBLICITY_CHANNELS)."""

    item_id = fields.String(required=True)
    description = fields.String(required=True)
    estate = Estate()
    channels = fields.List(fields.String(), required=True)
    publicised_at = fields.AwareDateTime(required=True)


@contract("lost_item.claimed", 1, producer="access")
class LostItemClaimedV1(Schema):
    """A claim was verified and the item returned to the claimant (who signed)."""

    item_id = fields.String(required=True)
    estate = Estate()
    claimant = fields.String(required=True)
    returned_at = fields.AwareDateTime(required=True)


@contract("lost_item.claim_refused", 1, producer="access")
class LostItemClaimRefusedV1(Schema):
    """A claim could not be verified: refused with its reason, escalated to `escalate_to` (a role)."""

    item_id = fields.String(required=True)
    estate = Estate()
    claimant = fields.String(required=True)
    reason = fields.String(required=True)
    escalate_to = fields.String(required=True)
    refused_at = fields.AwareDateTime(required=True)


@contract("lost_item.expired", 1, producer="access")
class LostItemExpiredV1(Schema):
    """Unclaimed 3 months after registration: listed to be handed to finance (announced once)."""

    item_id = fields.String(required=True)
    category = fields.String(required=True)
    description = fields.String(required=True)
    estate = Estate()
    registered_at = fields.AwareDateTime(required=True)
    expired_at = fields.AwareDateTime(required=True)
