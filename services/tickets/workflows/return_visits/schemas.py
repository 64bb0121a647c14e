"""The return visits' edge: what their commands and queries may carry (marshmallow), and the visit
as the desk is shown it (回访记录表 QR-003FW).

The command schemas check only the *shape* (known keys, types, lengths, codes): the rules (the
signature when the owner is met or writes, an appointment not in the past, a deadline still to
come, the state) are `domain`'s, which names every broken rule at once. A time without a zone is
the office's (Asia/Shanghai: what the desk's date-time input sends); every time is stored in UTC.
"""
from __future__ import annotations

from datetime import timezone

from marshmallow import RAISE, Schema, fields, validate

from propdesk.chassis.calendar import OFFICE_TZ
from propdesk.chassis.edge import OptionalText, RecordId
from propdesk.contracts.vocab import (
    ESTATES, RETURN_VISIT_CADENCES, RETURN_VISIT_DEPARTMENTS, RETURN_VISIT_METHODS, RETURN_VISIT_OCCASIONS,
    RETURN_VISIT_OPINIONS, RETURN_VISIT_STATES,
)
from propdesk.domain import as_utc
from propdesk_services.tickets.workflows.return_visits.domain import MAX_TEXT


def label(zh: str, en: str, **more) -> dict:
    return {"label": {"zh": zh, "en": en}, **more}


class OfficeDateTime(fields.DateTime):
    """An ISO date-time; without a zone it is office time (Asia/Shanghai). Loaded as UTC; dumped
    as ISO 8601 with its offset (stored times come back from SQLite without one: they are UTC)."""

    def _deserialize(self, value, attr, data, **kwargs):
        moment = super()._deserialize(value, attr, data, **kwargs)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=OFFICE_TZ)
        return moment.astimezone(timezone.utc)

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else as_utc(value).isoformat()


def _text(zh: str, en: str, **kw):
    return fields.String(load_default=None, allow_none=True, validate=validate.Length(max=MAX_TEXT),
                         metadata=label(zh, en, **kw))


def _coded(terms, zh: str, en: str, required: bool = False):
    if required:
        return fields.String(required=True, validate=validate.OneOf(terms.codes),
                             metadata=label(zh, en, vocab=terms))
    return fields.String(load_default=None, allow_none=True, validate=validate.OneOf(terms.codes),
                         metadata=label(zh, en, vocab=terms))


def _visit_id():
    return RecordId(metadata=label("回访编号", "Return visit"))


class PlanReturnVisitSchema(Schema):
    """预约回访: a visit to a unit at an agreed time (a survey, an ad-hoc visit, or a repair or
    complaint followed up by hand)."""

    class Meta:
        unknown = RAISE
        label = {"zh": "预约回访", "en": "Plan a return visit"}

    unit_id = RecordId(max_len=32, metadata=label("单元", "Unit"))
    method = _coded(RETURN_VISIT_METHODS, "回访方式", "Method", required=True)
    due_at = OfficeDateTime(required=True, metadata=label("预约时间", "Appointment"))
    client_name = _text("回访对象", "Whom to visit")
    assignee = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64),
                             metadata=label("回访人", "Visitor (staff id)"))
    subject_type = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(("repair", "complaint")),
                                 metadata=label("回访事项", "Follows up", choices=("repair", "complaint")))
    subject_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64),
                               metadata=label("报修/投诉编号", "Repair or complaint id"))


class StartRoundSchema(Schema):
    """周期回访: a unit visited every 7 days by phone, or monthly by phone or in person."""

    class Meta:
        unknown = RAISE
        label = {"zh": "设定周期回访", "en": "Start a round of visits"}

    unit_id = RecordId(max_len=32, metadata=label("单元", "Unit"))
    cadence = _coded(RETURN_VISIT_CADENCES, "周期", "Cadence", required=True)
    method = _coded(RETURN_VISIT_METHODS, "回访方式", "Method", required=True)
    first_due_at = OfficeDateTime(required=True, metadata=label("首次预约时间", "First appointment"))
    client_name = _text("回访对象", "Whom to visit")
    assignee = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64),
                             metadata=label("回访人", "Visitor (staff id)"))


class StopRoundSchema(Schema):
    """结束周期回访."""

    class Meta:
        unknown = RAISE
        label = {"zh": "结束周期回访", "en": "Stop a round of visits"}

    round_id = RecordId(metadata=label("周期回访编号", "Round"))
    reason = _text("原因", "Reason")


class RecordReturnVisitSchema(Schema):
    """回访记录表 QR-003FW: the owner's opinion, ratings and suggestions, and the signature."""

    class Meta:
        unknown = RAISE
        label = {"zh": "登记回访结果", "en": "Record the visit"}

    return_visit_id = _visit_id()
    method = _coded(RETURN_VISIT_METHODS, "回访方式", "Method")
    visited_at = OfficeDateTime(load_default=None, allow_none=True, metadata=label("回访时间", "Visited at"))
    content = _text("回访内容及处理结果", "What was discussed")
    punctuality = _coded(RETURN_VISIT_OPINIONS, "守时", "Punctuality")
    attitude = _coded(RETURN_VISIT_OPINIONS, "态度", "Attitude")
    quality = _coded(RETURN_VISIT_OPINIONS, "质量", "Quality")
    overall = _coded(RETURN_VISIT_OPINIONS, "意见", "Overall opinion")
    suggestions = _text("期望及提议", "Expectations and suggestions")
    respondent = _text("受访人", "Who answered (phone / email)")
    signed_by = _text("业主/住户签名", "Signed by the owner / resident")


class OrderRectificationSchema(Schema):
    """不满意: rectification ordered to a department with a deadline."""

    class Meta:
        unknown = RAISE
        label = {"zh": "安排整改", "en": "Order rectification"}

    return_visit_id = _visit_id()
    department = _coded(RETURN_VISIT_DEPARTMENTS, "责任部门", "Responsible department")
    measures = _text("整改内容", "What is to be done")
    deadline = OfficeDateTime(load_default=None, allow_none=True, metadata=label("整改期限", "Deadline"))


class ConfirmRectificationSchema(Schema):
    """整改完成: what was done; the visit is closed."""

    class Meta:
        unknown = RAISE
        label = {"zh": "确认整改完成", "en": "Confirm the rectification"}

    return_visit_id = _visit_id()
    result = _text("整改结果", "What was done")


class ExplainReturnVisitSchema(Schema):
    """暂不能解决: explained to the owner, the next visit booked."""

    class Meta:
        unknown = RAISE
        label = {"zh": "解释并另约回访", "en": "Explain and book the next visit"}

    return_visit_id = _visit_id()
    explanation = _text("解释说明", "Explanation")
    next_due_at = OfficeDateTime(load_default=None, allow_none=True, metadata=label("下次回访时间", "Next visit"))
    next_method = _coded(RETURN_VISIT_METHODS, "下次回访方式", "Next visit's method")


class RescheduleReturnVisitSchema(Schema):
    """改约: a new appointment agreed with the owner."""

    class Meta:
        unknown = RAISE
        label = {"zh": "改约回访时间", "en": "Reschedule"}

    return_visit_id = _visit_id()
    due_at = OfficeDateTime(required=True, metadata=label("预约时间", "Appointment"))
    method = _coded(RETURN_VISIT_METHODS, "回访方式", "Method")


class CancelReturnVisitSchema(Schema):
    """取消回访: the visit will not be made."""

    class Meta:
        unknown = RAISE
        label = {"zh": "取消回访", "en": "Cancel the visit"}

    return_visit_id = _visit_id()
    reason = _text("取消原因", "Reason")


# --- what the desk is shown ----------------------------------------------------------------------
class ReturnVisitSchema(Schema):
    """A return visit as get_return_visit and list_return_visits answer it (回访记录表 QR-003FW)."""

    return_visit_id = fields.String(metadata=label("回访编号", "Return visit id"))
    return_visit_no = fields.String(metadata=label("回访单号", "Return visit no."))
    state = fields.String(metadata=label("状态", "State", vocab=RETURN_VISIT_STATES))
    unit_id = fields.String(allow_none=True, metadata=label("地点(单元)", "Unit"))
    estate = fields.String(allow_none=True, metadata=label("管理处", "Estate", vocab=ESTATES))
    occasion = fields.String(metadata=label("回访类别", "Occasion", vocab=RETURN_VISIT_OCCASIONS))
    method = fields.String(metadata=label("回访方式", "Method", vocab=RETURN_VISIT_METHODS))
    due_at = OfficeDateTime(metadata=label("预约时间", "Appointment"))
    overdue = fields.Boolean(metadata=label("已逾期", "Overdue"))
    subject_type = fields.String(allow_none=True, metadata=label("回访事项", "Follows up"))
    subject_id = fields.String(allow_none=True, metadata=label("报修/投诉编号", "Repair or complaint id"))
    subject_no = fields.String(allow_none=True, metadata=label("报修/投诉单号", "Repair or complaint no."))
    client_name = fields.String(allow_none=True, metadata=label("回访对象", "Whom to visit"))
    assignee = fields.String(allow_none=True, metadata=label("回访人", "Visitor"))
    round_id = fields.String(allow_none=True, metadata=label("周期回访", "Round"))
    previous_id = fields.String(allow_none=True, metadata=label("前次回访", "Previous visit"))
    visited_at = OfficeDateTime(allow_none=True, metadata=label("回访时间", "Visited at"))
    visited_by = fields.String(allow_none=True, metadata=label("回访人", "Visited by"))
    content = fields.String(allow_none=True, metadata=label("回访内容及处理结果", "What was discussed"))
    punctuality = fields.String(allow_none=True, metadata=label("守时", "Punctuality", vocab=RETURN_VISIT_OPINIONS))
    attitude = fields.String(allow_none=True, metadata=label("态度", "Attitude", vocab=RETURN_VISIT_OPINIONS))
    quality = fields.String(allow_none=True, metadata=label("质量", "Quality", vocab=RETURN_VISIT_OPINIONS))
    overall = fields.String(allow_none=True, metadata=label("意见", "Overall opinion", vocab=RETURN_VISIT_OPINIONS))
    suggestions = fields.String(allow_none=True, metadata=label("期望及提议", "Expectations and suggestions"))
    respondent = fields.String(allow_none=True, metadata=label("受访人", "Who answered"))
    signed_by = fields.String(allow_none=True, metadata=label("业主/住户签名", "Signed by"))
    department = fields.String(allow_none=True,
                               metadata=label("责任部门", "Responsible department", vocab=RETURN_VISIT_DEPARTMENTS))
    measures = fields.String(allow_none=True, metadata=label("整改内容", "Rectification"))
    rectification_due_at = OfficeDateTime(allow_none=True, metadata=label("整改期限", "Rectification deadline"))
    rectified_at = OfficeDateTime(allow_none=True, metadata=label("整改完成时间", "Rectified at"))
    rectification_result = fields.String(allow_none=True, metadata=label("整改结果", "Rectification result"))
    explanation = fields.String(allow_none=True, metadata=label("解释说明", "Explanation"))
    next_visit_id = fields.String(allow_none=True, metadata=label("下次回访", "Next visit"))
    cancel_reason = fields.String(allow_none=True, metadata=label("取消原因", "Why cancelled"))
    created_at = OfficeDateTime(metadata=label("登记时间", "Planned at"))


class RoundSchema(Schema):
    """A standing round of visits (周期回访) as get/list_return_visit_round(s) answer it."""

    round_id = fields.String(metadata=label("周期回访编号", "Round"))
    unit_id = fields.String(metadata=label("单元", "Unit"))
    estate = fields.String(allow_none=True, metadata=label("管理处", "Estate", vocab=ESTATES))
    cadence = fields.String(metadata=label("周期", "Cadence", vocab=RETURN_VISIT_CADENCES))
    method = fields.String(metadata=label("回访方式", "Method", vocab=RETURN_VISIT_METHODS))
    client_name = fields.String(allow_none=True, metadata=label("回访对象", "Whom to visit"))
    assignee = fields.String(allow_none=True, metadata=label("回访人", "Visitor"))
    next_due_at = OfficeDateTime(metadata=label("下次预约时间", "Next appointment"))
    active = fields.Boolean(metadata=label("进行中", "Active"))
    stop_reason = fields.String(allow_none=True, metadata=label("结束原因", "Why stopped"))


# --- query arguments ------------------------------------------------------------------------------
class ReturnVisitIdArgs(Schema):
    return_visit_id = RecordId()


class ListReturnVisitsArgs(Schema):
    state = OptionalText(choices=RETURN_VISIT_STATES.codes, metadata=label("状态", "State"))
    occasion = OptionalText(choices=RETURN_VISIT_OCCASIONS.codes, metadata=label("回访类别", "Occasion"))
    unit_id = OptionalText(max_len=32, metadata=label("单元", "Unit"))
    q = OptionalText(max_len=64, metadata=label("搜索", "Search"))


class RoundIdArgs(Schema):
    round_id = RecordId()


class ListRoundsArgs(Schema):
    unit_id = OptionalText(max_len=32, metadata=label("单元", "Unit"))


class KpiArgs(Schema):
    """The office days of the period (inclusive), optionally one estate, and the staff on duty
    for the quota reading of the completion rate (200 visits per agent per month)."""

    date_from = fields.Date(required=True)
    date_to = fields.Date(required=True)
    estate = OptionalText(max_len=8, choices=ESTATES.codes)
    agents = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=10000))
