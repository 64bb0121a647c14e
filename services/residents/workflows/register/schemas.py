"""The register's query arguments (what the desk is shown is `propdesk.contracts.rpc.UnitSchema`)."""
from __future__ import annotations

from marshmallow import Schema, fields

from propdesk.chassis.edge import Flag, OptionalText, RecordId


class ListUnitsArgs(Schema):
    leased_only = Flag(load_default=False, metadata={"label": {"zh": "仅出租单元", "en": "Let units only"}})
    q = OptionalText(max_len=64, metadata={"label": {"zh": "搜索（单元、姓名、电话）", "en": "Search (unit, name, phone)"}})


class UnitIdArgs(Schema):
    unit_id = RecordId(max_len=32)


def _label(zh: str, en: str, **more) -> dict:
    return {"label": {"zh": zh, "en": en}, **more}


class UnitRecordSchema(Schema):
    """How the desk shows a unit of the register (labels of `propdesk.contracts.rpc.UnitDetailSchema`'s fields)."""

    unit_id = fields.String(metadata=_label("单元", "Unit"))
    building = fields.String(metadata=_label("楼栋", "Building"))
    kind = fields.String(metadata=_label("类型", "Kind"))
    estate = fields.String(metadata=_label("管理处", "Estate"))
    owner_name = fields.String(metadata=_label("业主", "Owner"))
    owner_phone = fields.String(metadata=_label("业主电话", "Owner's phone"))
    tenant_name = fields.String(metadata=_label("租户", "Tenant"))
    tenant_phone = fields.String(metadata=_label("租户电话", "Tenant's phone"))
    open_move_out_id = fields.String(metadata=_label("进行中的撤场", "Open move-out"))
