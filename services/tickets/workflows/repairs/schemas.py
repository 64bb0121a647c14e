"""The repairs' edge: what each command and query may carry (shape only; `domain` names the business
rules, every broken one at once) and the repair as the desk is shown it
(`propdesk.contracts.rpc.RepairDetailSchema`, `RepairSchema` grown additively). Labels (zh-CN, en)
are for the desk's forms."""
from __future__ import annotations

from datetime import timezone

from marshmallow import RAISE, Schema, fields, validate

from propdesk.chassis.calendar import OFFICE_TZ
from propdesk.chassis.edge import Flag, OptionalText, RecordId
from propdesk.contracts import vocab
from propdesk.contracts.rpc.tickets_repairs import RepairDetailSchema  # noqa: F401  (re-exported)


def label(zh: str, en: str, **more) -> dict:
    return {"label": {"zh": zh, "en": en}, **more}


def text(zh: str, en: str, length: int = 500, **more):
    return fields.String(load_default=None, allow_none=True, validate=validate.Length(max=length),
                         metadata=label(zh, en, **more))


def code(zh: str, en: str, terms):
    return fields.String(load_default=None, allow_none=True, metadata=label(zh, en, vocab=terms))


class OfficeDateTime(fields.DateTime):
    """An ISO time; one without an offset is office time (Asia/Shanghai: the desk's datetime field)."""

    def _deserialize(self, value, attr, data, **kwargs):
        moment = super()._deserialize(value, attr, data, **kwargs)
        return (moment if moment.tzinfo is not None else moment.replace(tzinfo=OFFICE_TZ)).astimezone(timezone.utc)


def when(zh: str, en: str):
    return OfficeDateTime(load_default=None, allow_none=True, metadata=label(zh, en))


class _Strict(Schema):
    class Meta:
        unknown = RAISE


class _OnRepair(_Strict):
    repair_id = RecordId(metadata=label("报修编号", "Repair id"))


class ReportRepairSchema(_Strict):
    """报修登记 (QR-001FW): a repair in a unit or a common area."""

    class Meta:
        unknown = RAISE
        label = {"zh": "报修登记", "en": "Report a repair"}

    unit_id = text("单元", "Unit", 32)
    location = text("报修地点(公共区域)", "Location (common area)", 128)
    category = code("维修项目类别", "Category", vocab.REPAIR_CATEGORIES)
    responsible = fields.String(load_default="property", metadata=label(
        "责任方", "Responsible party", vocab=vocab.REPAIR_RESPONSIBLE_PARTIES))
    summary = text("报修内容", "Repair content")
    client_name = text("业主姓名", "Client name", 64)
    client_phone = text("联络电话", "Contact number", 32)
    preferred_time = text("方便维修时间", "Convenient time", 64)
    paid = Flag(load_default=False, metadata=label("有偿维修", "Paid repair"))


class SubmitAppRepairSchema(ReportRepairSchema):
    """业主APP报修: a repair submitted by the owner through the APP (an API token)."""

    class Meta:
        unknown = RAISE
        label = {"zh": "APP报修", "en": "Owner APP repair"}

    app_ref = text("APP单号", "APP reference", 64)


class RequestQuoteSchema(_OnRepair):
    class Meta:
        unknown = RAISE
        label = {"zh": "请工程部报价", "en": "Ask engineering for a quote"}


class PriceRepairSchema(_OnRepair):
    """有偿维修报价: an item of the 维修项目收费标准, or engineering's quote."""

    class Meta:
        unknown = RAISE
        label = {"zh": "有偿维修报价", "en": "Price a paid repair"}

    price_source = fields.String(load_default="standard", metadata=label(
        "价格来源", "Price from", vocab=vocab.REPAIR_PRICE_SOURCES))
    price_item = text("收费标准项目编号", "Price-list item", 16)
    quantity = fields.Raw(load_default=None, allow_none=True, metadata=label("数量", "Quantity"))
    amount = fields.Raw(load_default=None, allow_none=True, metadata=label("报价金额", "Quoted amount"))


class RecordConsentSchema(_OnRepair):
    """业主确认付费: consent to pay (or refusal), after being told the charge standard."""

    class Meta:
        unknown = RAISE
        label = {"zh": "业主付费确认", "en": "Owner's consent to pay"}

    consented = fields.Boolean(required=True, metadata=label("同意付费", "Agrees to pay"))
    consented_by = text("确认人", "Client", 64)
    note = text("备注", "Note")


class DispatchRepairSchema(_OnRepair):
    """派工 (工程维修单): the team, the follow-up CS assistant (by area), the agreed time."""

    class Meta:
        unknown = RAISE
        label = {"zh": "派工", "en": "Dispatch"}

    team = code("班组", "Team", vocab.REPAIR_TEAMS)
    follow_up = text("跟进客服助理", "Follow-up assistant", 64)
    attend_by = when("约定上门时间", "Attend by")
    category = code("维修项目类别", "Category", vocab.REPAIR_CATEGORIES)


class RescheduleRepairSchema(_OnRepair):
    """改约: the set time cannot be met; the owner was contacted and a new time agreed."""

    class Meta:
        unknown = RAISE
        label = {"zh": "改约", "en": "Reschedule"}

    owner_contacted = Flag(load_default=False, metadata=label("已先联系业主", "Owner contacted first"))
    new_time = when("新约定时间", "New time")
    agreed_with = text("约定人", "Agreed with", 64)


class StartRepairSchema(_OnRepair):
    class Meta:
        unknown = RAISE
        label = {"zh": "上门维修", "en": "Start the work"}


class CancelMismatchedSchema(_OnRepair):
    """单实不符: the 分管助理 confirms; the order is cancelled with a reason and a signature."""

    class Meta:
        unknown = RAISE
        label = {"zh": "单实不符作废", "en": "Cancel a mismatched order"}

    reason = text("作废原因", "Reason")
    signature = text("分管助理签字", "Signature", 64)


class ReissueWorkOrderSchema(_OnRepair):
    """重开工程维修单 (supervisor level or above)."""

    class Meta:
        unknown = RAISE
        label = {"zh": "重开维修单", "en": "Re-issue the work order"}

    team = code("班组", "Team", vocab.REPAIR_TEAMS)
    follow_up = text("跟进客服助理", "Follow-up assistant", 64)
    attend_by = when("约定上门时间", "Attend by")
    summary = text("更正后的报修内容", "Corrected repair content")


class CompleteRepairSchema(_OnRepair):
    """完工: engineering returns copies 1 and 4; a paid repair is signed by the client."""

    class Meta:
        unknown = RAISE
        label = {"zh": "完工", "en": "Complete"}

    client_signature = text("客户签字", "Client's signature", 64)
    materials = text("领用材料", "Materials")


class RecordAcceptanceSchema(_OnRepair):
    """客服验收 on the next patrol: passed, or the defects (返单)."""

    class Meta:
        unknown = RAISE
        label = {"zh": "客服验收", "en": "CS acceptance"}

    passed = fields.Boolean(required=True, metadata=label("验收合格", "Passed"))
    defects = text("不合格问题", "Defects")


class RateRepairSchema(_OnRepair):
    """业主APP评分 (1-5); below 3 goes to the group hotline 95059."""

    class Meta:
        unknown = RAISE
        label = {"zh": "APP评分", "en": "APP rating"}

    rating = fields.Integer(required=True, strict=False, metadata=label("评分(1-5)", "Rating (1-5)"))
    comment = text("评价", "Comment")


class DisputeRepairSchema(_OnRepair):
    class Meta:
        unknown = RAISE
        label = {"zh": "责任争议", "en": "Mark disputed"}

    other_party = code("争议方", "Disputed with", vocab.REPAIR_RESPONSIBLE_PARTIES)
    reason = text("争议内容", "What is disputed")


class ResolveDisputeSchema(_OnRepair):
    class Meta:
        unknown = RAISE
        label = {"zh": "争议解决", "en": "Settle the dispute"}

    responsible = code("责任方", "Responsible party", vocab.REPAIR_RESPONSIBLE_PARTIES)


class CloseWithLiaisonSchema(_OnRepair):
    """精装质量问题: 工作联系单 to the developer; closed with the owner's permission."""

    class Meta:
        unknown = RAISE
        label = {"zh": "发工作联系单并闭单", "en": "Liaison note and close"}

    note = text("工作联系单内容", "Liaison note")
    owner_permission = Flag(load_default=False, metadata=label("业主同意闭单", "Owner permits closing"))


class SettleFollowUpSchema(_OnRepair):
    class Meta:
        unknown = RAISE
        label = {"zh": "后续跟进完成", "en": "Follow-up settled"}

    outcome = text("跟进结果", "Outcome")


# --- query arguments ------------------------------------------------------------------------------
class RepairIdArgs(Schema):
    repair_id = RecordId()


class ListRepairsArgs(Schema):
    status = OptionalText()  # open | closed | cancelled (the read-only list's filter, kept)
    state = OptionalText(choices=vocab.REPAIR_STATES.codes)
    category = OptionalText(choices=vocab.REPAIR_CATEGORIES.codes)
    unit_id = OptionalText()
    q = OptionalText()


class NoArgs(Schema):
    pass


class RepairCountsArgs(Schema):
    since = fields.Date(load_default=None, allow_none=True)
    until = fields.Date(load_default=None, allow_none=True)
