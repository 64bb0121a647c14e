"""Renovation events residents will announce (装修, domain.md §2.14), declared ahead so access can
subscribe now (its construction passes end with the renovation). Residents produces them once its
renovation workflow is built; the fields are the agreed minimum, contracts grow additively."""
from __future__ import annotations

from marshmallow import Schema, fields

from propdesk.contracts.events._fields import Estate
from propdesk.contracts.registry import contract


@contract("renovation.completed", 1, producer="residents")
class RenovationCompletedV1(Schema):
    """A renovation is over: its completion inspection passed (竣工验收) and the works ended.
    Access revokes the renovation's construction passes."""

    renovation_id = fields.String(required=True)
    unit_id = fields.String(required=True)
    estate = Estate()
    completed_at = fields.AwareDateTime(required=True)
