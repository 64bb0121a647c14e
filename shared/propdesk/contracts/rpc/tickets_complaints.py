"""What tickets answers about complaints (投诉处理表 QR-002FW): `get_complaint`, `list_complaints`
and every complaint command. Labels (zh, en) and vocabularies are for the desk's record pages."""
from __future__ import annotations

from marshmallow import Schema, fields

from propdesk.contracts import vocab
from propdesk.contracts.rpc.common import UtcDateTime


def _l(zh: str, en: str, **more) -> dict:
    return {"label": {"zh": zh, "en": en}, **more}


class ComplaintSchema(Schema):
    """One complaint as the desk and other systems read it. The complainant's phone is masked in
    lists (`list_complaints`) and in full on the record (`get_complaint`)."""

    complaint_id = fields.String(metadata=_l("投诉编号", "Complaint no."))
    complaint_no = fields.String(metadata=_l("投诉编号", "Complaint no."))  # the number is the id
    state = fields.String(metadata=_l("状态", "State", vocab=vocab.COMPLAINT_STATES,
                                      enum=list(vocab.COMPLAINT_STATES.codes)))
    kind = fields.String(allow_none=True, metadata=_l("投诉类型", "Kind", vocab=vocab.COMPLAINT_KINDS))
    category = fields.String(allow_none=True, metadata=_l("投诉类别", "Category", vocab=vocab.COMPLAINT_CATEGORIES))
    unit_id = fields.String(allow_none=True, metadata=_l("住址", "Unit"))
    estate = fields.String(allow_none=True, metadata=_l("管理处", "Estate", vocab=vocab.ESTATES))
    contact_id = fields.String(allow_none=True, metadata=_l("来电来访记录", "Contact"))
    channel = fields.String(allow_none=True, metadata=_l("投诉方式", "Channel"))
    complainant = fields.String(metadata=_l("投诉人姓名", "Complainant"))
    complainant_phone = fields.String(allow_none=True, metadata=_l("联络电话", "Phone"))
    summary = fields.String(metadata=_l("投诉事由及要求", "Complaint and request"))
    about_staff = fields.String(allow_none=True, metadata=_l("被投诉人", "Staff complained about"))
    about_department = fields.String(allow_none=True, metadata=_l("被投诉部门", "Department complained about",
                                                                  vocab=vocab.STAFF_DEPARTMENTS))
    about = fields.String(allow_none=True, metadata=_l("被投诉对象", "Complained about (other)"))
    doc_ref = fields.String(allow_none=True, metadata=_l("投诉文件编号/收文号", "Document / 收文 no."))
    received_at = UtcDateTime(metadata=_l("投诉时间", "Received at"))
    received_by = fields.String(metadata=_l("接待人", "Received by"))
    measures = fields.String(allow_none=True, metadata=_l("处理措施", "Measures"))
    measures_at = UtcDateTime(allow_none=True, metadata=_l("措施确定时间", "Measures decided at"))
    measures_due = UtcDateTime(allow_none=True, metadata=_l("措施时限", "Measures due"))
    reply_due = UtcDateTime(allow_none=True, metadata=_l("约定答复时间", "Agreed reply time"))
    escalated_at = UtcDateTime(allow_none=True, metadata=_l("上报时间", "Escalated at"))
    remedial = fields.String(allow_none=True, metadata=_l("补救措施", "Remedial measures"))
    corrective = fields.String(allow_none=True, metadata=_l("纠正措施", "Corrective measures"))
    handling_due = UtcDateTime(allow_none=True, metadata=_l("完成时限", "Handling due"))
    handled_by = fields.String(allow_none=True, metadata=_l("处理人", "Handled by"))
    result = fields.String(allow_none=True, metadata=_l("处理结果", "Result"))
    reply_channel = fields.String(allow_none=True, metadata=_l("答复方式", "Reply channel",
                                                               vocab=vocab.COMPLAINT_REPLY_CHANNELS))
    reply_text = fields.String(allow_none=True, metadata=_l("答复内容", "Reply"))
    reply_ref = fields.String(allow_none=True, metadata=_l("书面答复编号", "Written reply ref."))
    replied_at = UtcDateTime(allow_none=True, metadata=_l("答复时间", "Replied at"))
    outcome_due = UtcDateTime(allow_none=True, metadata=_l("答复时限(3天)", "Outcome due (3 days)"))
    within_3_days = fields.Boolean(allow_none=True, metadata=_l("3天内答复", "Told within 3 days"))
    explanation = fields.String(allow_none=True, metadata=_l("解释说明", "Explanation"))
    redirected_to = fields.String(allow_none=True, metadata=_l("指引途径", "Referred to"))
    progress_notices = fields.Integer(metadata=_l("进度通知次数", "Progress notices"))
    second_complaints = fields.Integer(metadata=_l("二次投诉次数", "Second complaints"))
    reopen_reason = fields.String(allow_none=True, metadata=_l("重开原因", "Reopened because",
                                                               vocab=vocab.COMPLAINT_REOPEN_REASONS))
    reopened_at = UtcDateTime(allow_none=True, metadata=_l("重开时间", "Reopened at"))
    root_cause = fields.String(allow_none=True, metadata=_l("检讨分析原因", "Root cause"))
    apology_cause = fields.String(allow_none=True, metadata=_l("致歉原因", "Apology because",
                                                               vocab=vocab.COMPLAINT_APOLOGY_CAUSES))
    apology_ref = fields.String(allow_none=True, metadata=_l("致歉信编号", "Apology letter ref."))
    apology_issuer = fields.String(allow_none=True, metadata=_l("致歉单位", "Apology issued by"))
    feedback = fields.String(allow_none=True, metadata=_l("回访结果", "Return-visit result"))
    satisfaction = fields.String(allow_none=True, metadata=_l("满意度", "Satisfaction"))
    closed_at = UtcDateTime(allow_none=True, metadata=_l("结案时间", "Closed at"))
    void_reason = fields.String(allow_none=True, metadata=_l("作废原因", "Void reason"))
    created_at = UtcDateTime(metadata=_l("登记时间", "Created at"))
    updated_at = UtcDateTime(metadata=_l("更新时间", "Updated at"))
