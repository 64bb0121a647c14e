"""The complaints' edge: what their commands and queries may carry (marshmallow), and the complaint
as it is answered.

The command schemas check only the *shape* (known keys, strings, lengths, times): the rules of
domain.md §2.3 (a written complaint's 收文 number and written reply, the agreed reply time of a
major one, the proper route of an out-of-scope one, the root-cause review, ...) are `domain`'s,
which names every broken rule. Labels (zh-CN, en) and vocabularies are for the desk's forms.
"""
from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from propdesk.chassis.edge import Flag, OptionalText, RecordId
from propdesk.contracts import vocab
from propdesk.contracts.rpc.tickets_complaints import ComplaintSchema as _ComplaintContract
from propdesk_services.tickets.workflows.complaints import domain

TEXT = validate.Length(max=domain.MAX_TEXT)
SHORT = validate.Length(max=200)


def _l(zh: str, en: str, **more) -> dict:
    return {"label": {"zh": zh, "en": en}, **more}


def _text(zh: str, en: str, required: bool = False, short: bool = False, **more):
    if required:
        return fields.String(required=True, validate=SHORT if short else TEXT, metadata=_l(zh, en, **more))
    return fields.String(load_default=None, allow_none=True, validate=SHORT if short else TEXT,
                         metadata=_l(zh, en, **more))


def _id():
    return RecordId(metadata=_l("投诉编号", "Complaint no."))


class _Strict(Schema):
    class Meta:
        unknown = RAISE


class RegisterComplaintSchema(_Strict):
    """登记投诉 (投诉处理表 QR-002FW)"""

    class Meta(_Strict.Meta):
        label = {"zh": "登记投诉", "en": "Register a complaint"}

    complainant = _text("投诉人姓名", "Complainant", short=True)
    complainant_phone = _text("联络电话", "Phone", short=True)
    unit_id = _text("住址(单元)", "Unit", short=True)
    channel = _text("投诉方式(来电/来访/来函...)", "Channel (phone, visit, letter...)", short=True)
    kind = _text("投诉类型", "Kind", short=True, vocab=vocab.COMPLAINT_KINDS)
    category = _text("投诉类别", "Category", short=True, vocab=vocab.COMPLAINT_CATEGORIES)
    summary = _text("投诉事由及要求", "Complaint and request")
    about_staff = _text("被投诉人(员工编号)", "Staff complained about (id)", short=True)
    about_department = _text("被投诉部门", "Department complained about", short=True, vocab=vocab.STAFF_DEPARTMENTS)
    about = _text("被投诉对象(设备/其他)", "Complained about (equipment, other)", short=True)
    doc_ref = _text("投诉文件编号/收文号", "Document / 收文 no.", short=True)


class TriageComplaintSchema(_Strict):
    class Meta(_Strict.Meta):
        label = {"zh": "投诉分类", "en": "Triage"}

    complaint_id = _id()
    kind = fields.String(required=True, metadata=_l("投诉类型", "Kind", vocab=vocab.COMPLAINT_KINDS))
    doc_ref = _text("收文号", "收文 no.", short=True)


class SetMeasuresSchema(_Strict):
    class Meta(_Strict.Meta):
        label = {"zh": "确定处理措施(30分钟内)", "en": "Decide the measures (within 30 min)"}

    complaint_id = _id()
    measures = _text("处理措施", "Measures", required=True)


class EscalateSchema(_Strict):
    class Meta(_Strict.Meta):
        label = {"zh": "上报(管理处主任/领导)", "en": "Escalate to the director / leadership"}

    complaint_id = _id()
    reply_due = fields.AwareDateTime(load_default=None, allow_none=True,
                                     metadata=_l("与投诉人约定的答复时间", "Reply time agreed with the complainant"))


class RecordHandlingSchema(_Strict):
    class Meta(_Strict.Meta):
        label = {"zh": "调查处理(补救/纠正措施)", "en": "Investigation and measures"}

    complaint_id = _id()
    remedial = _text("补救措施", "Remedial measures")
    corrective = _text("纠正措施", "Corrective measures")
    due = fields.AwareDateTime(load_default=None, allow_none=True, metadata=_l("完成时限", "Due"))


class ReportResultSchema(_Strict):
    class Meta(_Strict.Meta):
        label = {"zh": "处理结果反馈服务中心", "en": "Result back at the service centre"}

    complaint_id = _id()
    result = _text("处理结果", "Result", required=True)


class ReplySchema(_Strict):
    class Meta(_Strict.Meta):
        label = {"zh": "答复投诉人", "en": "Reply to the complainant"}

    complaint_id = _id()
    channel = fields.String(required=True, metadata=_l("答复方式", "Channel", vocab=vocab.COMPLAINT_REPLY_CHANNELS))
    text = _text("答复内容", "Reply")
    reply_ref = _text("书面答复编号", "Written reply ref.", short=True)


class ExplainSchema(_Strict):
    class Meta(_Strict.Meta):
        label = {"zh": "解释说明/指引途径", "en": "Explain / refer"}

    complaint_id = _id()
    explanation = _text("解释说明", "Explanation", required=True)
    redirected_to = _text("指引的部门或途径", "Referred to (body or route)", short=True)


class ProgressNoticeSchema(_Strict):
    class Meta(_Strict.Meta):
        label = {"zh": "发进度通知", "en": "Send a progress notice"}

    complaint_id = _id()
    channel = fields.String(required=True, metadata=_l("通知方式", "Channel", vocab=vocab.COMPLAINT_REPLY_CHANNELS))
    note = _text("通知内容", "Note")


class SecondComplaintSchema(_Strict):
    class Meta(_Strict.Meta):
        label = {"zh": "二次投诉(同一事项)", "en": "Second complaint (same matter)"}

    complaint_id = _id()
    summary = _text("再次投诉内容", "What the complainant says now", required=True)


class ReviewCauseSchema(_Strict):
    class Meta(_Strict.Meta):
        label = {"zh": "检讨分析原因", "en": "Root-cause review"}

    complaint_id = _id()
    root_cause = _text("原因分析", "Root cause", required=True)
    corrective = _text("纠正措施", "Corrective measures", required=True)


class CloseSchema(_Strict):
    class Meta(_Strict.Meta):
        label = {"zh": "结案(立卷备查)", "en": "Close and file"}

    complaint_id = _id()
    feedback = _text("投诉人意见(回访结果)", "Complainant's feedback", required=True)
    satisfaction = fields.String(load_default=None, allow_none=True,
                                 validate=validate.OneOf(("satisfied", "fairly_satisfied")),
                                 metadata=_l("满意度", "Satisfaction", choices=("satisfied", "fairly_satisfied")))


class ApologySchema(_Strict):
    class Meta(_Strict.Meta):
        label = {"zh": "致歉信(以管理处名义)", "en": "Apology letter (management office)"}

    complaint_id = _id()
    cause = fields.String(required=True, metadata=_l("原因", "Cause", vocab=vocab.COMPLAINT_APOLOGY_CAUSES))
    letter_ref = _text("致歉信编号", "Letter ref.", required=True, short=True)


class AmendComplaintSchema(_Strict):
    class Meta(_Strict.Meta):
        label = {"zh": "更正投诉记录", "en": "Correct the record"}

    complaint_id = _id()
    complainant = fields.String(validate=SHORT, metadata=_l("投诉人姓名", "Complainant"))
    complainant_phone = fields.String(allow_none=True, validate=SHORT, metadata=_l("联络电话", "Phone"))
    summary = fields.String(validate=TEXT, metadata=_l("投诉事由及要求", "Complaint and request"))
    category = fields.String(allow_none=True, validate=SHORT,
                             metadata=_l("投诉类别", "Category", vocab=vocab.COMPLAINT_CATEGORIES))
    about_staff = fields.String(allow_none=True, validate=SHORT, metadata=_l("被投诉人", "Staff complained about"))
    about_department = fields.String(allow_none=True, validate=SHORT,
                                     metadata=_l("被投诉部门", "Department", vocab=vocab.STAFF_DEPARTMENTS))
    about = fields.String(allow_none=True, validate=SHORT, metadata=_l("被投诉对象", "Complained about"))


class VoidComplaintSchema(_Strict):
    class Meta(_Strict.Meta):
        label = {"zh": "作废(登记错误)", "en": "Void (registered in error)"}

    complaint_id = _id()
    reason = _text("作废原因", "Reason", required=True)


# --- what is answered ---------------------------------------------------------------------------------
class ComplaintSchema(_ComplaintContract):
    """`rpc.ComplaintSchema` dumped from a `ComplaintRecord`, with the due times by the domain's rules."""

    complaint_no = fields.Function(lambda c: c.complaint_id, metadata=_l("投诉编号", "Complaint no."))
    measures_due = fields.Function(lambda c: domain.measures_due_at(c).isoformat() if domain.needs_measures(c) else None,
                                   metadata=_l("措施时限(30分钟)", "Measures due (30 min)", format="datetime"))
    outcome_due = fields.Function(lambda c: domain.reply_due_at(c).isoformat()
                                  if c.state in vocab.COMPLAINT_OPEN_STATES else None,
                                  metadata=_l("答复时限(3天)", "Outcome due (3 days)", format="datetime"))


# --- query arguments -------------------------------------------------------------------------------------
class ComplaintIdArgs(Schema):
    complaint_id = RecordId()


class ListComplaintsArgs(Schema):
    state = OptionalText(choices=vocab.COMPLAINT_STATES.codes, metadata=_l("状态", "State", vocab=vocab.COMPLAINT_STATES))
    kind = OptionalText(choices=vocab.COMPLAINT_KINDS.codes, metadata=_l("投诉类型", "Kind", vocab=vocab.COMPLAINT_KINDS))
    unit_id = OptionalText(metadata=_l("单元", "Unit"))
    q = OptionalText(max_len=100, metadata=_l("搜索", "Search"))
    second_only = Flag(load_default=False, metadata=_l("仅二次投诉", "Second complaints only"))
    limit = fields.Integer(load_default=200, validate=validate.Range(min=1, max=500), metadata=_l("条数", "Limit"))


class StatisticsArgs(Schema):
    since = fields.Date(required=True, metadata=_l("自（日期）", "From (date)"))
    until = fields.Date(required=True, metadata=_l("至（日期）", "To (date)"))
    estate = OptionalText(max_len=8, choices=vocab.ESTATES.codes, metadata=_l("管理处", "Estate", vocab=vocab.ESTATES))
