"""The events of access' small-item storage (寄存, domain.md §2.11). domain.md §8 names them
``parcel.*`` ("parcel storage"); notify contacts the depositor of an overdue deposit."""
from __future__ import annotations

from marshmallow import Schema, fields

from propdesk.contracts.events._fields import Estate
from propdesk.contracts.registry import contract


@contract("parcel.stored", 1, producer="access")
class ParcelStoredV1(Schema):
    """Items were left at the counter (物品存取登记表) and the depositor signed."""

    parcel_id = fields.String(required=True)  # the storage number (JC-yyyymmdd-nnnn)
    depositor = fields.String(required=True)
    unit_id = fields.String(required=True, allow_none=True)
    estate = Estate()
    items = fields.List(fields.String(), required=True)
    stored_at = fields.AwareDateTime(required=True)
    overdue_at = fields.AwareDateTime(required=True)


@contract("parcel.overdue", 1, producer="access")
class ParcelOverdueV1(Schema):
    """A deposit is more than 3 days on the shelf: the depositor is to be contacted (announced once)."""

    parcel_id = fields.String(required=True)
    depositor = fields.String(required=True)
    unit_id = fields.String(required=True, allow_none=True)
    estate = Estate()
    items = fields.List(fields.String(), required=True)
    stored_at = fields.AwareDateTime(required=True)
    overdue_at = fields.AwareDateTime(required=True)


@contract("parcel.collected", 1, producer="access")
class ParcelCollectedV1(Schema):
    """The deposit was collected: identity verified, the collector and the staff member signed."""

    parcel_id = fields.String(required=True)
    depositor = fields.String(required=True)
    unit_id = fields.String(required=True, allow_none=True)
    estate = Estate()
    collector = fields.String(required=True)
    collected_at = fields.AwareDateTime(required=True)
