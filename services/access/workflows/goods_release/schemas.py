"""The desk's release slips' edge: what their commands and queries may carry (marshmallow).

Shape only (known keys, types, lengths); the rules of each variant (identity checked, the owner's
authorisation letter, the carrier's ID, ...) are `domain.validate_request`'s, which names every
broken rule at once. Labels (zh-CN, en) are for the desk's forms. What access answers (a slip, a
token check, a QR image, the KPI) is a contract: `propdesk.contracts.rpc.access_goods_release`.
"""
from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from propdesk.chassis.edge import Flag, OptionalText, RecordId
from propdesk.contracts.vocab import (ID_DOCUMENT_TYPES, RELEASE_SLIP_STATES, RELEASE_VARIANTS)
from propdesk_services.access.workflows.goods_release.domain import DESK_VARIANTS


def label(zh: str, en: str, **more) -> dict:
    return {"label": {"zh": zh, "en": en}, **more}


def _text(zh: str, en: str, max_len: int = 64, **more):
    return fields.String(load_default=None, allow_none=True, validate=validate.Length(max=max_len),
                         metadata=label(zh, en, **more))


def _flag(zh: str, en: str):
    return Flag(load_default=False, metadata=label(zh, en))


class GoodsItemSchema(Schema):
    """One line of goods (物品名称, 数量; 大件/贵重 flagged)."""

    class Meta:
        unknown = RAISE

    description = fields.String(required=True, validate=validate.Length(max=128), metadata=label("物品名称", "Item"))
    quantity = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=9999),
                              metadata=label("数量", "Quantity"))
    large = _flag("大件", "Large item")
    valuable = _flag("贵重", "Valuable item")


class RequestGoodsReleaseSchema(Schema):
    """开具物品放行条: the desk fills in a slip for an owner, a non-owner, a contractor or a client
    with no signature or seal specimen on file, with the goods item by item."""

    class Meta:
        unknown = RAISE
        label = {"zh": "开具物品放行条", "en": "Issue a goods release slip"}

    variant = fields.String(required=True, validate=validate.OneOf(DESK_VARIANTS),
                            metadata=label("放行类别", "Variant", choices=DESK_VARIANTS))
    unit_id = _text("单元", "Unit", 32)
    moving = _flag("搬迁/多件物品(须先核费)", "Moving out or many items (fees cleared first)")
    applicant_name = _text("申请人姓名", "Applicant's name")
    applicant_role = OptionalText(choices=("tenant", "agent"),
                                  metadata=label("申请人身份(非业主)", "Applicant (non-owner)",
                                                 choices=("tenant", "agent")))
    id_type = OptionalText(choices=ID_DOCUMENT_TYPES.codes,
                           metadata=label("证件类型", "ID document", choices=ID_DOCUMENT_TYPES.codes))
    id_number = _text("证件号码", "ID number", 32)
    identity_checked = _flag("已核对证件", "ID checked")
    owner_record_checked = _flag("已与业主资料核对(业主)", "Checked against the owner record (owner)")
    authorisation_ref = _text("业主委托书编号(非业主)", "Owner's authorisation letter ref. (non-owner)", 128)
    owner_name = _text("业主姓名(非业主)", "Owner's name (non-owner)")
    owner_phone = _text("业主电话(非业主)", "Owner's phone (non-owner)", 32)
    renovation_ref = _text("装修申请/施工许可证编号(施工单位)", "Renovation ref. (contractor)")
    responsible_person_checked = _flag("已核实为装修负责人(施工单位)", "Is the renovation's responsible person (contractor)")
    carrier_name = _text("带运人姓名(无预留签字)", "Carrier's name (no specimen)")
    carrier_id_type = OptionalText(choices=ID_DOCUMENT_TYPES.codes,
                                   metadata=label("带运人证件类型", "Carrier's ID document",
                                                  choices=ID_DOCUMENT_TYPES.codes))
    carrier_id_number = _text("带运人证件号码", "Carrier's ID number", 32)
    goods_checked = _flag("已核对物品类别和数量(无预留签字)", "Goods types and quantities checked (no specimen)")
    applicant_signed = _flag("申请人/业主/装修负责人已签字", "Signed by the applicant")
    items = fields.List(fields.Nested(GoodsItemSchema), load_default=list,
                        metadata=label("物品清单", "Goods, item by item", format="list"))


class _SlipSchema(Schema):
    class Meta:
        unknown = RAISE

    slip_no = RecordId(max_len=32, metadata=label("放行条编号", "Release slip no."))


class ConfirmOwnerSchema(_SlipSchema):
    """业主电话确认: the desk phoned the owner about a non-owner's slip."""

    class Meta:
        unknown = RAISE
        label = {"zh": "业主电话确认", "en": "Owner's confirmation by phone"}

    confirmed = Flag(required=True, metadata=label("业主同意放行", "Owner agrees"))
    owner_name = _text("接电话的业主", "Owner who answered")
    reason = _text("业主不同意的原因", "Why the owner refused", 256)


class FeeClearanceSchema(_SlipSchema):
    """财务核费: Finance checked the unit's fees before a moving slip is issued (WI/FW-020)."""

    class Meta:
        unknown = RAISE
        label = {"zh": "财务核费", "en": "Fee clearance"}

    cleared = Flag(required=True, metadata=label("费用已结清", "Fees settled"))
    clearance_ref = _text("核费依据(收据/余额单号)", "Receipt or balance ref.", 64)
    outstanding_amount = _text("欠费金额", "Amount outstanding", 20)


class CountersignSchema(_SlipSchema):
    """部门经理/主任会签: the second signature of a slip without a specimen on file."""

    class Meta:
        unknown = RAISE
        label = {"zh": "经理/主任会签", "en": "Countersign"}


class CancelSlipSchema(_SlipSchema):
    """作废放行条: withdrawn at the desk before it was used."""

    class Meta:
        unknown = RAISE
        label = {"zh": "作废", "en": "Cancel the slip"}

    reason = _text("作废原因", "Reason", 256)


class RefuseAtGateSchema(_SlipSchema):
    """门岗拒绝放行: the goods do not match the slip."""

    class Meta:
        unknown = RAISE
        label = {"zh": "拒绝放行", "en": "Refuse at the gate"}

    reason = _text("拒绝原因", "Reason", 256)


# --- query arguments ------------------------------------------------------------------------------
class SlipNoArgs(Schema):
    slip_no = RecordId(max_len=32)


class FindSlipsArgs(Schema):
    state = OptionalText(choices=RELEASE_SLIP_STATES.codes, metadata=label("状态", "State"))
    variant = OptionalText(choices=RELEASE_VARIANTS.codes, metadata=label("类别", "Variant"))
    unit_id = OptionalText(max_len=32, metadata=label("单元", "Unit"))
    q = OptionalText(max_len=64, metadata=label("搜索", "Search"))


class TokenArgs(Schema):
    token = fields.String(required=True, validate=validate.Length(min=1, max=512))


class SlipNoArgs(Schema):
    slip_no = RecordId(max_len=32)


class QrArgs(Schema):
    slip_no = RecordId(max_len=32)
    kind = fields.String(load_default="svg", validate=validate.OneOf(("svg", "png")))


class KpiArgs(Schema):
    since = fields.Date(load_default=None, allow_none=True)
    until = fields.Date(load_default=None, allow_none=True)


#: What the desk is shown of a slip (RECORDS["release_slip"].fields): the contract.
from propdesk.contracts.rpc.access_goods_release import ReleaseSlipDetailSchema  # noqa: E402,F401
