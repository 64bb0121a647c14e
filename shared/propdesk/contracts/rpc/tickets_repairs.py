"""What tickets answers about repairs (报修) and their engineering work orders (工程维修单 QR-001FW).

`RepairDetailSchema` is `RepairSchema` (`tickets.list_repairs`' contract, unchanged) grown
additively with the workflow's fields; the desk reads labels and vocabularies from the metadata."""
from __future__ import annotations

from marshmallow import fields

from propdesk.contracts import vocab
from propdesk.contracts.rpc.common import Money, UtcDateTime
from propdesk.contracts.rpc.tickets import RepairSchema
from marshmallow import Schema


def _l(zh: str, en: str, **more) -> dict:
    return {"label": {"zh": zh, "en": en}, **more}


class RepairWorkOrderSchema(Schema):
    """One 工程维修单 issued for a repair; a mismatched one is cancelled and names its re-issue."""

    work_order_no = fields.String(metadata=_l("维修单号", "Work order no."))
    repair_id = fields.String()
    team = fields.String(metadata=_l("班组", "Team", vocab=vocab.REPAIR_TEAMS))
    follow_up = fields.String(metadata=_l("跟进客服助理", "Follow-up assistant"))
    issued_by = fields.String(metadata=_l("开单人", "Issued by"))
    issued_at = UtcDateTime(metadata=_l("开单时间", "Issued at"))
    due_at = UtcDateTime(metadata=_l("约定上门时间", "Attend by"))
    state = fields.String(metadata=_l("状态", "State"))  # issued | cancelled | superseded | completed
    cancel_reason = fields.String(allow_none=True, metadata=_l("作废原因", "Cancellation reason"))
    cancel_signature = fields.String(allow_none=True, metadata=_l("作废签字", "Cancellation signature"))
    confirmed_by = fields.String(allow_none=True, metadata=_l("分管助理确认", "Confirmed by"))
    replaces = fields.String(allow_none=True, metadata=_l("原单号", "Replaces"))
    replaced_by = fields.String(allow_none=True, metadata=_l("重开单号", "Re-issued as"))


class RepairDetailSchema(RepairSchema):
    """A repair from report to 闭单 (`tickets.get_repair`, `list_repairs`, every repair command)."""

    repair_id = fields.String(metadata=_l("报修编号", "Repair id"))
    repair_no = fields.String(metadata=_l("报修单号", "Repair no."))
    unit_id = fields.String(allow_none=True, metadata=_l("单元", "Unit", description="null for common areas"))
    estate = fields.String(metadata=_l("管理处", "Estate", vocab=vocab.ESTATES))
    location = fields.String(metadata=_l("报修地点", "Location"))
    category = fields.String(metadata=_l("维修项目类别", "Category", vocab=vocab.REPAIR_CATEGORIES))
    responsible = fields.String(metadata=_l("责任方", "Responsible party", vocab=vocab.REPAIR_RESPONSIBLE_PARTIES))
    summary = fields.String(metadata=_l("报修内容", "Repair content"))
    reported_on = fields.Date(metadata=_l("报修日期", "Reported on"))
    status = fields.String(metadata=_l("开/闭", "Open or closed"))  # open | closed | cancelled
    state = fields.String(metadata=_l("状态", "State", vocab=vocab.REPAIR_STATES))
    channel = fields.String(allow_none=True, metadata=_l("来源", "Channel"))  # desk | contact | app
    contact_id = fields.String(allow_none=True, metadata=_l("来电来访记录", "Contact"))
    client_name = fields.String(allow_none=True, metadata=_l("业主姓名", "Client"))
    client_phone = fields.String(allow_none=True, metadata=_l("联络电话", "Contact number"))
    preferred_time = fields.String(allow_none=True, metadata=_l("预约维修时间", "Convenient time"))
    reported_by = fields.String(allow_none=True, metadata=_l("接待人", "Received by"))
    paid = fields.Boolean(metadata=_l("有偿维修", "Paid repair"))
    price_source = fields.String(allow_none=True, metadata=_l("价格来源", "Price from", vocab=vocab.REPAIR_PRICE_SOURCES))
    price_item = fields.String(allow_none=True, metadata=_l("收费标准项目", "Price-list item"))
    amount = Money(allow_none=True, metadata=_l("金额", "Amount"))
    consent_by = fields.String(allow_none=True, metadata=_l("同意付费人", "Consent given by"))
    consent_at = UtcDateTime(allow_none=True, metadata=_l("同意时间", "Consent at"))
    work_order_no = fields.String(allow_none=True, metadata=_l("工程维修单号", "Work order no."))
    team = fields.String(allow_none=True, metadata=_l("班组", "Team", vocab=vocab.REPAIR_TEAMS))
    follow_up = fields.String(allow_none=True, metadata=_l("跟进人", "Follow-up assistant"))
    attend_by = UtcDateTime(allow_none=True, metadata=_l("约定上门时间", "Attend by"))
    technician = fields.String(allow_none=True, metadata=_l("维修技工", "Technician"))
    completed_at = UtcDateTime(allow_none=True, metadata=_l("完工时间", "Completed at"))
    client_signed_by = fields.String(allow_none=True, metadata=_l("客户签字", "Client's signature"))
    accepted_by = fields.String(allow_none=True, metadata=_l("验收人", "Accepted by"))
    accepted_at = UtcDateTime(allow_none=True, metadata=_l("验收时间", "Accepted at"))
    defects = fields.String(allow_none=True, metadata=_l("返单问题", "Defects (re-opened)"))
    reopen_count = fields.Integer(allow_none=True, metadata=_l("返单次数", "Times re-opened"))
    rating = fields.Integer(allow_none=True, metadata=_l("APP评分", "APP rating"))
    rating_comment = fields.String(allow_none=True, metadata=_l("评价", "Rating comment"))
    disputed_with = fields.String(allow_none=True,
                                  metadata=_l("争议方", "Disputed with", vocab=vocab.REPAIR_RESPONSIBLE_PARTIES))
    dispute_reason = fields.String(allow_none=True, metadata=_l("争议原因", "Dispute"))
    liaison_no = fields.String(allow_none=True, metadata=_l("工作联系单号", "Liaison note no."))
    liaison_note = fields.String(allow_none=True, metadata=_l("工作联系单内容", "Liaison note"))
    follow_up_open = fields.Boolean(metadata=_l("后续跟进未完", "Follow-up open"))
    cancel_reason = fields.String(allow_none=True, metadata=_l("作废/取消原因", "Cancellation reason"))
    closed_at = UtcDateTime(allow_none=True, metadata=_l("闭单时间", "Closed at"))
    created_at = UtcDateTime(allow_none=True, metadata=_l("登记时间", "Logged at"))
    updated_at = UtcDateTime(allow_none=True, metadata=_l("更新时间", "Updated at"))
    work_orders = fields.List(fields.Nested(RepairWorkOrderSchema), metadata=_l("工程维修单", "Work orders"))


class RepairProgressSchema(Schema):
    """A repair's progress as the owner APP reads it (`tickets.repair_progress`): no staff names
    or personal numbers."""

    repair_id = fields.String()
    repair_no = fields.String()
    state = fields.String(metadata={"enum": list(vocab.REPAIR_STATES.codes)})
    state_label = fields.Dict(keys=fields.String(), values=fields.String())  # {"zh", "en"}
    work_order_no = fields.String(allow_none=True)
    attend_by = UtcDateTime(allow_none=True)
    completed_at = UtcDateTime(allow_none=True)
    closed_at = UtcDateTime(allow_none=True)
    rating = fields.Integer(allow_none=True)
    may_rate = fields.Boolean()


class RepairPriceItemSchema(Schema):
    """An item of the 维修项目收费标准 (`tickets.list_repair_prices`)."""

    code = fields.String(metadata=_l("编号", "Code"))
    name = fields.String(metadata=_l("项目", "Item"))
    category = fields.String(metadata=_l("类别", "Category", vocab=vocab.REPAIR_CATEGORIES))
    unit = fields.String(metadata=_l("单位", "Unit"))
    price = Money(metadata=_l("单价", "Price"))
