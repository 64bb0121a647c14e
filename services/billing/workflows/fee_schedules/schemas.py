"""The fee schedules' edge: command shapes (the domain names the rules) and what the desk is shown."""
from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from propdesk.chassis.edge import OptionalText, RecordId
from propdesk.contracts.rpc.common import UtcDateTime
from propdesk.contracts.vocab import BILLED_UNIT_KINDS, ESTATES, FEE_BASES, FEE_ITEMS


def label(zh: str, en: str, **more) -> dict:
    return {"label": {"zh": zh, "en": en}, **more}


class SetFeeScheduleSchema(Schema):
    """设定收费标准: a fee standard from the management contract (finance supervisor only)."""

    class Meta:
        unknown = RAISE
        label = {"zh": "设定收费标准", "en": "Set a fee schedule"}

    estate = fields.String(required=True, metadata=label("管理处", "Estate", choices=ESTATES.codes))
    unit_kind = fields.String(required=True, metadata=label("单元类型", "Unit kind", choices=BILLED_UNIT_KINDS.codes))
    item = fields.String(required=True, metadata=label("收费项目", "Fee item", choices=FEE_ITEMS.codes))
    basis = fields.String(required=True, metadata=label("计费依据", "Basis", choices=FEE_BASES.codes))
    unit_price = fields.Raw(required=True, metadata=label("单价(元)", "Unit price (yuan)", format="decimal"))
    effective_from = fields.String(required=True, metadata=label("起始月份", "From (YYYY-MM)"))
    effective_to = fields.String(load_default=None, allow_none=True, metadata=label("截止月份", "Until (YYYY-MM)"))
    jump_factor = fields.Raw(load_default=None, allow_none=True,
                             metadata=label("读数突增倍数", "Reading jump factor", format="decimal"))
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200),
                         metadata=label("依据(合同条款)", "Basis in the contract"))


class SetBilledUnitSchema(Schema):
    """收费单元资料: a unit's billing basis (area, kind, parking spaces, payer)."""

    class Meta:
        unknown = RAISE
        label = {"zh": "设定收费单元", "en": "Set a billed unit"}

    unit_id = RecordId(max_len=32, metadata=label("单元", "Unit"))
    estate = fields.String(required=True, metadata=label("管理处", "Estate", choices=ESTATES.codes))
    kind = fields.String(required=True, metadata=label("单元类型", "Unit kind", choices=BILLED_UNIT_KINDS.codes))
    area_m2 = fields.Raw(required=True, metadata=label("计费面积(㎡)", "Billable area (m²)", format="decimal"))
    parking_spaces = fields.Integer(load_default=0, metadata=label("车位数", "Parking spaces"))
    payer_party_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64),
                                   metadata=label("缴费人", "Payer"))
    active = fields.Boolean(load_default=True, metadata=label("计费中", "Billed"))


class FeeScheduleSchema(Schema):
    """A fee schedule as the desk shows it."""

    schedule_id = fields.String(metadata=label("编号", "Id"))
    estate = fields.String(metadata=label("管理处", "Estate", vocab=ESTATES))
    unit_kind = fields.String(metadata=label("单元类型", "Unit kind", vocab=BILLED_UNIT_KINDS))
    item = fields.String(metadata=label("收费项目", "Fee item", vocab=FEE_ITEMS))
    basis = fields.String(metadata=label("计费依据", "Basis", vocab=FEE_BASES))
    unit_price = fields.Decimal(places=4, as_string=True, metadata=label("单价", "Unit price"))
    effective_from = fields.String(metadata=label("起始月份", "From"))
    effective_to = fields.String(allow_none=True, metadata=label("截止月份", "Until"))
    jump_factor = fields.Decimal(as_string=True, allow_none=True, metadata=label("读数突增倍数", "Jump factor"))
    note = fields.String(allow_none=True, metadata=label("依据", "Basis in the contract"))
    version = fields.Integer(metadata=label("版本", "Version"))
    updated_by = fields.String(metadata=label("修改人", "Changed by"))
    updated_at = UtcDateTime(metadata=label("修改时间", "Changed at"))


class BilledUnitSchema(Schema):
    unit_id = fields.String(metadata=label("单元", "Unit"))
    estate = fields.String(metadata=label("管理处", "Estate", vocab=ESTATES))
    kind = fields.String(metadata=label("单元类型", "Unit kind", vocab=BILLED_UNIT_KINDS))
    area_m2 = fields.Decimal(as_string=True, metadata=label("计费面积", "Area"))
    parking_spaces = fields.Integer(metadata=label("车位数", "Parking spaces"))
    payer_party_id = fields.String(allow_none=True, metadata=label("缴费人", "Payer"))
    active = fields.Boolean(metadata=label("计费中", "Billed"))


# --- query arguments ------------------------------------------------------------------------------
class ScheduleIdArgs(Schema):
    schedule_id = RecordId(max_len=40)


class ListFeeSchedulesArgs(Schema):
    estate = OptionalText(choices=ESTATES.codes, metadata=label("管理处", "Estate"))
    unit_kind = OptionalText(choices=BILLED_UNIT_KINDS.codes, metadata=label("单元类型", "Unit kind"))
    item = OptionalText(choices=FEE_ITEMS.codes, metadata=label("收费项目", "Fee item"))


class BilledUnitArgs(Schema):
    unit_id = RecordId(max_len=32)
