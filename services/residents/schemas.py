"""Marshmallow schemas at residents' edge: what a command may carry.

What the desk is shown (the move-out case, the unit) is a contract of its own, shared with the
gateway: `propdesk.contracts.rpc` (`MoveOutSchema`, `UnitSchema`, `UnitDetailSchema`).

The request schema checks only the *shape* (known keys, strings). The rules of a move-out
application (leased unit, the unit's own tenant, the owner's written consent, the exit date, the
fit-out disposition) are `domain.validate_move_out_request`'s, which reports every broken rule at
once with the rule names of domain.md §2.6.
"""
from __future__ import annotations

from marshmallow import RAISE, Schema, fields


class MoveOutRequestSchema(Schema):
    """租户撤场申请: the tenant's written application, approved in writing by the owner."""

    class Meta:
        unknown = RAISE

    unit_id = fields.String(load_default=None, allow_none=True)
    tenant_party_id = fields.String(load_default=None, allow_none=True)
    exit_date = fields.String(load_default=None, allow_none=True)  # ISO date; the domain parses it
    owner_consent_ref = fields.String(load_default=None, allow_none=True)
    fitout_disposition = fields.String(load_default=None, allow_none=True)
