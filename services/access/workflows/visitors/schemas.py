"""The visitor register's edge (shape only; the rules are `domain.validate_visit`'s) and what access
answers about a visitor (`VisitorSchema`: no owner's phone or ID number exists to show)."""
from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from propdesk.chassis.edge import OptionalText, RecordId
from propdesk.contracts.rpc.common import UtcDateTime
from propdesk.contracts.vocab import ESTATES, ID_DOCUMENT_TYPES, VISITOR_STATES
from propdesk_services.access.workflows.registers import label

_OPT = dict(load_default=None, allow_none=True)


class RegisterVisitorSchema(Schema):
    """来访登记: who comes in, whom they visit, when."""

    class Meta:
        unknown = RAISE
        label = {"zh": "来访登记", "en": "Register a visitor"}

    visitor_name = fields.String(required=True, validate=validate.Length(min=1, max=64), metadata=label("访客姓名", "Visitor's name"))
    id_type = fields.String(**_OPT, validate=validate.OneOf(ID_DOCUMENT_TYPES.codes),
                            metadata=label("证件类型", "ID type", choices=ID_DOCUMENT_TYPES.codes))
    id_number = fields.String(**_OPT, validate=validate.Length(max=32), metadata=label("证件号码", "ID number"))
    phone = fields.String(**_OPT, validate=validate.Length(max=32), metadata=label("访客电话", "Visitor's phone"))
    headcount = fields.Integer(load_default=1, metadata=label("人数", "People"))
    unit_id = fields.String(**_OPT, validate=validate.Length(max=32), metadata=label("被访单元", "Unit visited"))
    place = fields.String(**_OPT, validate=validate.Length(max=128), metadata=label("被访地点", "Place visited"))
    host_name = fields.String(required=True, validate=validate.Length(min=1, max=64), metadata=label("被访人", "Whom they visit"))
    purpose = fields.String(**_OPT, validate=validate.Length(max=200), metadata=label("来访事由", "Purpose"))
    estate = fields.String(**_OPT, validate=validate.OneOf(ESTATES.codes), metadata=label("管理处", "Estate", choices=ESTATES.codes))


class SignOutVisitorSchema(Schema):
    """访客离开: the time out."""

    class Meta:
        unknown = RAISE
        label = {"zh": "访客离开", "en": "Visitor left"}

    visitor_no = RecordId(metadata=label("来访编号", "Visit no."))


class VisitorSchema(Schema):
    visitor_no = fields.String(metadata=label("来访编号", "Visit no."))
    state = fields.String(metadata=label("状态", "State", vocab=VISITOR_STATES))
    estate = fields.String(metadata=label("管理处", "Estate", vocab=ESTATES))
    visitor_name = fields.String(metadata=label("访客姓名", "Visitor's name"))
    id_type = fields.String(allow_none=True, metadata=label("证件类型", "ID type", vocab=ID_DOCUMENT_TYPES))
    id_number_masked = fields.String(allow_none=True, metadata=label("证件号码", "ID number"))
    phone_masked = fields.String(allow_none=True, metadata=label("访客电话", "Visitor's phone"))
    headcount = fields.Integer(metadata=label("人数", "People"))
    unit_id = fields.String(allow_none=True, metadata=label("被访单元", "Unit visited"))
    place = fields.String(allow_none=True, metadata=label("被访地点", "Place visited"))
    host_name = fields.String(metadata=label("被访人", "Whom they visit"))
    purpose = fields.String(allow_none=True, metadata=label("来访事由", "Purpose"))
    time_in = UtcDateTime(metadata=label("来访时间", "Time in"))
    registered_by = fields.String(metadata=label("登记人", "Registered by"))
    time_out = UtcDateTime(allow_none=True, metadata=label("离开时间", "Time out"))
    signed_out_by = fields.String(allow_none=True, metadata=label("经办人(离开)", "Signed out by"))


class VisitorNoArgs(Schema):
    visitor_no = RecordId()


class ListVisitorsArgs(Schema):
    state = OptionalText(choices=VISITOR_STATES.codes, metadata=label("状态", "State"))
    unit_id = OptionalText(max_len=32, metadata=label("被访单元", "Unit visited"))
    q = OptionalText(max_len=64, metadata=label("搜索(姓名/编号)", "Search (name, no.)"))
