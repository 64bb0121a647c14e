"""Marshmallow schemas at residents' edge: what a command may carry, and what the desk is shown.

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


class ConflictNoteSchema(Schema):
    at = fields.String()
    event_type = fields.String()
    event_id = fields.String()
    message = fields.String()


class MoveOutSchema(Schema):
    """A move-out case as the desk sees it, with what it still waits for (waiting_for)."""

    move_out_id = fields.String()
    unit_id = fields.String()
    tenant_party_id = fields.String()
    tenant_name = fields.String(allow_none=True)
    owner_party_id = fields.String()
    owner_name = fields.String(allow_none=True)
    exit_date = fields.Date()
    owner_consent_ref = fields.String()
    fitout_disposition = fields.String()
    state = fields.String()
    inspection = fields.String()
    defects = fields.List(fields.String())
    breach_notice_id = fields.String(allow_none=True)
    fees = fields.String()
    outstanding_amount = fields.String()
    release_slip_no = fields.String(allow_none=True)
    requested_by = fields.String()
    waiting_for = fields.List(fields.String())
    conflicts = fields.List(fields.Nested(ConflictNoteSchema))
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()


class UnitSchema(Schema):
    """A unit of the register with its owner and (if leased) its tenant."""

    unit_id = fields.String()
    building = fields.String()
    kind = fields.String()
    owner_party_id = fields.String()
    owner_name = fields.String(allow_none=True)
    tenant_party_id = fields.String(allow_none=True)
    tenant_name = fields.String(allow_none=True)


class UnitDetailSchema(UnitSchema):
    open_move_out_id = fields.String(allow_none=True)
