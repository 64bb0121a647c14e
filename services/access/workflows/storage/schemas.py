"""Storage's edge (shape only; the rules are the domain's) and what access answers about a deposit."""
from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from propdesk.chassis.edge import OptionalText, RecordId
from propdesk.contracts.rpc.common import UtcDateTime
from propdesk.contracts.vocab import ESTATES, STORAGE_ITEM_KINDS, STORAGE_STATES
from propdesk_services.access.workflows.registers import label

_OPT = dict(load_default=None, allow_none=True)


class StorageLineSchema(Schema):
    class Meta:
        unknown = RAISE

    name = fields.String(required=True, validate=validate.Length(max=100), metadata=label("物品名称", "Item"))
    quantity = fields.Integer(load_default=1, metadata=label("数量", "Quantity"))
    features = fields.String(**_OPT, validate=validate.Length(max=200), metadata=label("特征", "Features"))
    kind = fields.String(load_default="ordinary", validate=validate.OneOf(STORAGE_ITEM_KINDS.codes),
                         metadata=label("物品性质", "Kind", choices=STORAGE_ITEM_KINDS.codes))


class DepositItemSchema(Schema):
    """寄存登记 (物品存取登记表): each item logged, the depositor signs."""

    class Meta:
        unknown = RAISE
        label = {"zh": "物品寄存", "en": "Store items"}

    depositor_name = fields.String(required=True, validate=validate.Length(min=1, max=64), metadata=label("寄存人", "Depositor"))
    depositor_phone = fields.String(**_OPT, validate=validate.Length(max=32), metadata=label("联系电话", "Phone"))
    unit_id = fields.String(**_OPT, validate=validate.Length(max=32), metadata=label("单元", "Unit"))
    items = fields.List(fields.Nested(StorageLineSchema), required=True, validate=validate.Length(max=30),
                        metadata=label("寄存物品", "Items"))
    shelf = fields.String(**_OPT, validate=validate.Length(max=64), metadata=label("存放位置", "Shelf / room"))
    depositor_signed = fields.Boolean(load_default=False, metadata=label("寄存人已签字", "Depositor signed"))
    estate = fields.String(**_OPT, validate=validate.OneOf(ESTATES.codes), metadata=label("管理处", "Estate", choices=ESTATES.codes))


class CollectStoredItemSchema(Schema):
    """取件: identity verified, the collector signs; the staff member signs by giving the command."""

    class Meta:
        unknown = RAISE
        label = {"zh": "寄存取件", "en": "Collect stored items"}

    storage_no = RecordId(metadata=label("寄存编号", "Storage no."))
    collector_name = fields.String(required=True, validate=validate.Length(min=1, max=64), metadata=label("取件人", "Collector"))
    identity_verified = fields.Boolean(load_default=False, metadata=label("已核实身份", "Identity verified"))
    collector_signed = fields.Boolean(load_default=False, metadata=label("取件人已签字", "Collector signed"))


class RecordDepositorContactedSchema(Schema):
    """联系寄存人: the outcome of contacting the depositor of an overdue deposit."""

    class Meta:
        unknown = RAISE
        label = {"zh": "联系寄存人", "en": "Depositor contacted"}

    storage_no = RecordId(metadata=label("寄存编号", "Storage no."))
    outcome = fields.String(required=True, validate=validate.Length(min=1, max=300), metadata=label("联系结果", "Outcome"))


class StoredItemSchema(Schema):
    storage_no = fields.String(metadata=label("寄存编号", "Storage no."))
    state = fields.String(metadata=label("状态", "State", vocab=STORAGE_STATES))
    estate = fields.String(metadata=label("管理处", "Estate", vocab=ESTATES))
    depositor_name = fields.String(metadata=label("寄存人", "Depositor"))
    depositor_phone = fields.String(allow_none=True, metadata=label("联系电话", "Phone"))
    unit_id = fields.String(allow_none=True, metadata=label("单元", "Unit"))
    items = fields.List(fields.Dict(), metadata=label("寄存物品", "Items"))
    shelf = fields.String(allow_none=True, metadata=label("存放位置", "Shelf / room"))
    stored_at = UtcDateTime(metadata=label("寄存时间", "Stored at"))
    stored_by = fields.String(metadata=label("经办人", "Taken in by"))
    overdue_at = UtcDateTime(metadata=label("超期时间", "Overdue from"))
    contacts = fields.List(fields.Dict(), metadata=label("联系记录", "Contacts"))
    collected_at = UtcDateTime(allow_none=True, metadata=label("取件时间", "Collected at"))
    collector_name = fields.String(allow_none=True, metadata=label("取件人", "Collector"))
    collected_by = fields.String(allow_none=True, metadata=label("经办人(取件)", "Handed over by"))


class StorageNoArgs(Schema):
    storage_no = RecordId()


class ListStoredItemsArgs(Schema):
    state = OptionalText(choices=STORAGE_STATES.codes, metadata=label("状态", "State"))
    unit_id = OptionalText(max_len=32, metadata=label("单元", "Unit"))
    q = OptionalText(max_len=64, metadata=label("搜索(寄存人/编号)", "Search (depositor, no.)"))
