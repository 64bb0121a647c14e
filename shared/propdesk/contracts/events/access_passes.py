"""The events of access' passes (出入证, domain.md §2.9): issued, expired by themselves at the end
of their last valid day, handed back, revoked. Consumers come from the subscription tables."""
from __future__ import annotations

from marshmallow import Schema, fields

from propdesk.contracts.events._fields import Estate
from propdesk.contracts.registry import contract


@contract("pass.issued", 1, producer="access")
class PassIssuedV1(Schema):
    """A construction pass (施工出入证) or resident pass (住户证) was issued."""

    pass_id = fields.String(required=True)  # the pass number (SG-/ZH-yyyymmdd-nnnn)
    pass_type = fields.String(required=True)  # vocab.PASS_KINDS
    holder = fields.String(required=True)
    unit_id = fields.String(required=True, allow_none=True)
    location = fields.String(required=True, allow_none=True)
    estate = Estate()
    renovation_id = fields.String(required=True, allow_none=True)
    valid_from = fields.Date(required=True)
    valid_to = fields.Date(required=True)


@contract("pass.expired", 1, producer="access")
class PassExpiredV1(Schema):
    """A pass's last valid day ended (it expires by itself; announced once)."""

    pass_id = fields.String(required=True)
    pass_type = fields.String(required=True)
    holder = fields.String(required=True)
    unit_id = fields.String(required=True, allow_none=True)
    estate = Estate()
    valid_to = fields.Date(required=True)
    expired_at = fields.AwareDateTime(required=True)


@contract("pass.revoked", 1, producer="access")
class PassRevokedV1(Schema):
    """A pass was taken out of use: its renovation completed, its holder moved out, or the office
    revoked it (`reason`: vocab.PASS_REVOKE_REASONS; `cause`: the renovation or move-out id)."""

    pass_id = fields.String(required=True)
    pass_type = fields.String(required=True)
    holder = fields.String(required=True)
    unit_id = fields.String(required=True, allow_none=True)
    estate = Estate()
    reason = fields.String(required=True)
    note = fields.String(required=True, allow_none=True)
    cause = fields.String(required=True, allow_none=True)
    revoked_at = fields.AwareDateTime(required=True)


@contract("pass.returned", 1, producer="access")
class PassReturnedV1(Schema):
    """The holder handed the pass back at the desk or the gate."""

    pass_id = fields.String(required=True)
    pass_type = fields.String(required=True)
    unit_id = fields.String(required=True, allow_none=True)
    estate = Estate()
    returned_at = fields.AwareDateTime(required=True)
