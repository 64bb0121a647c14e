"""What access answers about release slips of every variant (物品放行条 / 物品搬出放行单 QR-005FW,
domain.md §2.7): the slip with its goods line by line and its signatures, the guard's token check,
the QR image for the print view, and the valid release-slip collection rate. See
`propdesk.contracts.rpc`."""
from __future__ import annotations

from marshmallow import Schema, fields

from propdesk.contracts import vocab
from propdesk.contracts.rpc.access import ReleaseSlipSchema
from propdesk.contracts.rpc.common import UtcDateTime


def _l(zh: str, en: str, **more) -> dict:
    return {"label": {"zh": zh, "en": en}, **more}


class GoodsLineSchema(Schema):
    """One line of a slip's goods; large and valuable lines are checked and logged at the gate."""

    line = fields.Integer(metadata=_l("序号", "Line"))
    description = fields.String(metadata=_l("物品名称", "Item"))
    quantity = fields.Integer(metadata=_l("数量", "Quantity"))
    large = fields.Boolean(metadata=_l("大件", "Large"))
    valuable = fields.Boolean(metadata=_l("贵重", "Valuable"))


class SignatureSchema(Schema):
    """A signature on the slip: as whom (applicant, owner, owner_by_phone, responsible_person,
    client, front_desk, manager), the person's name or staff id, when."""

    signed_as = fields.String(attribute="as", data_key="as", metadata=_l("签字身份", "Signed as"))
    name = fields.String(allow_none=True, load_default=None, metadata=_l("姓名", "Name"))
    by = fields.String(allow_none=True, load_default=None, metadata=_l("经办人", "Staff"))
    role = fields.String(allow_none=True, load_default=None, metadata=_l("岗位", "Role"))
    at = fields.String(metadata=_l("时间", "At"))


class ReleaseSlipDetailSchema(ReleaseSlipSchema):
    """A release slip of any variant, with its goods lines, checks and signatures. ID and phone
    numbers are masked. `access.get_release_slip`, `find_release_slips`."""

    slip_no = fields.String(metadata=_l("放行条编号", "Slip no."))
    # the move-out's slip's fields, labelled for the desk's record page and the printed slip
    move_out_id = fields.String(allow_none=True, metadata=_l("退租搬出单号", "Move-out",
                                                             description="null for a slip filled in at the desk"))
    estate = fields.String(allow_none=True, metadata=_l("管理处", "Estate", vocab=vocab.ESTATES))
    goods = fields.List(fields.String(), metadata=_l("放行物品", "Goods released"))
    clearance_ref = fields.String(allow_none=True, metadata=_l("核费依据", "Fee clearance ref."))
    released_at = UtcDateTime(allow_none=True, metadata=_l("放行时间", "Released at"))
    released_by = fields.String(allow_none=True, metadata=_l("放行保安", "Released by"))
    unit_id = fields.String(metadata=_l("单元", "Unit"))
    variant = fields.String(metadata=_l("类别", "Variant", vocab=vocab.RELEASE_VARIANTS))
    state = fields.String(metadata=_l("状态", "State", vocab=vocab.RELEASE_SLIP_STATES))
    applicant_type = fields.String(metadata=_l("申请人身份", "Applicant", vocab=vocab.RELEASE_APPLICANT_ROLES))
    moving = fields.Boolean(metadata=_l("搬迁/多件", "Moving"))
    applicant_name = fields.String(allow_none=True, metadata=_l("申请人", "Applicant's name"))
    id_type = fields.String(allow_none=True, metadata=_l("证件类型", "ID document", vocab=vocab.ID_DOCUMENT_TYPES))
    id_number = fields.String(allow_none=True, metadata=_l("证件号码", "ID number"))
    authorisation_ref = fields.String(allow_none=True, metadata=_l("业主委托书", "Authorisation letter"))
    owner_name = fields.String(allow_none=True, metadata=_l("业主", "Owner"))
    owner_phone = fields.String(allow_none=True, metadata=_l("业主电话", "Owner's phone"))
    owner_confirmed_by = fields.String(allow_none=True, metadata=_l("电话确认人", "Owner confirmation taken by"))
    owner_confirmed_at = UtcDateTime(allow_none=True, metadata=_l("业主确认时间", "Owner confirmed at"))
    renovation_ref = fields.String(allow_none=True, metadata=_l("装修编号", "Renovation"))
    responsible_person = fields.String(allow_none=True, metadata=_l("装修负责人", "Responsible person"))
    carrier_name = fields.String(allow_none=True, metadata=_l("带运人", "Carrier"))
    carrier_id_type = fields.String(allow_none=True, metadata=_l("带运人证件", "Carrier's ID document",
                                                                  vocab=vocab.ID_DOCUMENT_TYPES))
    carrier_id_number = fields.String(allow_none=True, metadata=_l("带运人证件号", "Carrier's ID number"))
    fees_checked_by = fields.String(allow_none=True, metadata=_l("核费人", "Fees checked by"))
    fees_checked_at = UtcDateTime(allow_none=True, metadata=_l("核费时间", "Fees checked at"))
    fees_outstanding = fields.String(allow_none=True, metadata=_l("欠费", "Outstanding"))
    issued_at = UtcDateTime(allow_none=True, metadata=_l("签发时间", "Issued at"))
    requested_by = fields.String(allow_none=True, metadata=_l("前台经办人", "Front desk"))
    requested_at = UtcDateTime(allow_none=True, metadata=_l("填单时间", "Filled in at"))
    refused_at = UtcDateTime(allow_none=True, metadata=_l("拒绝放行时间", "Refused at"))
    refused_by = fields.String(allow_none=True, metadata=_l("拒绝放行保安", "Refused by"))
    refusal_reason = fields.String(allow_none=True, metadata=_l("拒绝原因", "Refusal reason"))
    closed_at = UtcDateTime(allow_none=True, metadata=_l("关闭时间", "Closed at"))
    closed_by = fields.String(allow_none=True, metadata=_l("关闭人", "Closed by"))
    closed_reason = fields.String(allow_none=True, metadata=_l("原因", "Reason"))
    lines = fields.List(fields.Nested(GoodsLineSchema), metadata=_l("物品清单", "Goods"))
    signatures = fields.List(fields.Nested(SignatureSchema), metadata=_l("签字", "Signatures"))
    status = fields.Method("_status", metadata={"type": "string", "enum": list(vocab.SLIP_STATUSES.codes),
                                                **_l("放行情况", "At the gate", vocab=vocab.SLIP_STATUSES)})

    def _status(self, slip) -> str:
        released = slip.get("released_at") if isinstance(slip, dict) else slip.released_at
        return "released" if released else "issued"


class SlipTokenCheckSchema(Schema):
    """The guard's scan (`access.verify_slip_token`): whether the token is genuine (signed by the
    office for this slip) and the slip still unused (ISSUED); the slip when genuine."""

    genuine = fields.Boolean()
    usable = fields.Boolean(metadata={"description": "genuine and ISSUED: may be released or refused now"})
    reason = fields.String(allow_none=True, metadata={
        "description": "why not: forged, unknown_slip, released_once, used_once, not_valid, not_issued"})
    slip_no = fields.String(allow_none=True)
    state = fields.String(allow_none=True)
    slip = fields.Nested(ReleaseSlipDetailSchema, allow_none=True)


class SlipQrSchema(Schema):
    """A slip's QR code for the print view (`access.release_slip_qr`): embed ``data_uri`` in an
    <img>, or the SVG text inline."""

    slip_no = fields.String()
    token = fields.String()
    content = fields.String(metadata={"description": "what the code encodes: the desk's gate URL or the token"})
    media_type = fields.String()
    data = fields.String(metadata={"description": "SVG text, or base64 PNG"})
    data_uri = fields.String()


class ReleaseKpiSchema(Schema):
    """Release slips in a period (office days): the valid release-slip collection rate (收取有效放行条率
    = valid slips collected at release ÷ releases, domain.md §4, target 100%) and the counts."""

    since = fields.Date(allow_none=True)
    until = fields.Date(allow_none=True)
    releases = fields.Integer()
    valid_slips_collected = fields.Integer()
    collection_rate = fields.String(allow_none=True, metadata={"description": "a percentage, two decimals; null without releases"})
    issued = fields.Integer()
    refused = fields.Integer()
    rejected = fields.Integer()
    cancelled = fields.Integer()
    waiting = fields.Integer(metadata={"description": "slips still awaiting a confirmation, fees or a signature"})
