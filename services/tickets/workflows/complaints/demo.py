"""Demo complaints: a month (24 Oct - 23 Nov 2026) of complaints in the categories of [004 WI/FW-012]
(domain.md §6: renovation noise the most, then public facilities, cleaning and greening, pests,
newspapers, management service), mostly ordinary, a few major, written, unreasonable and out of
scope; most closed, some waiting for their return visit, some still open, two reopened (二次投诉),
and some past their 30 minutes or 3 days (their deadlines pending past due: the desk shows them
overdue and the service's sweep announces the breaches). Written straight to the session (not
through commands): the events of a demo are not announced."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from propdesk import demo
from propdesk.chassis.tables import DeadlineRow
from propdesk_services.tickets.workflows.complaints import domain
from propdesk_services.tickets.workflows.complaints.models import ComplaintRecord

#: The last moment of the demo month when no time is given (the test clock's morning of Monday 23 Nov
#: 2026 is just after); given `now`, the month ends an hour before it (`ends_at`).
END = datetime(2026, 11, 23, 1, 0, tzinfo=timezone.utc)


def ends_at(now: datetime | None) -> datetime:
    """The last moment of the demo month: an hour before `now`, END without it."""
    return END if now is None else now.astimezone(timezone.utc) - timedelta(hours=1)

# (days before END, unit, kind, category, summary, state, about_staff)
_COMPLAINTS = (
    (30, "1-1-502", "ordinary", "renovation_noise", "楼上周末早上七点装修电钻噪音", "CLOSED", None),
    (29, "2-1-1101", "ordinary", "public_facility", "单元门禁坏了三天无人修", "CLOSED", None),
    (28, "3-2-902", "ordinary", "cleaning_greening", "楼道垃圾两天未清运", "CLOSED", None),
    (27, "1-2-203", "ordinary", "renovation_noise", "隔壁装修午休时间施工", "CLOSED", None),
    (26, "1-1-1202", "ordinary", "pests", "地下车库老鼠多", "CLOSED", None),
    (25, "2-2-905", "written", "management_service", "来函：物业费收支公示不清", "CLOSED", None),
    (24, "1-1-303", "ordinary", "newspaper", "订阅的报纸连续三天未收到", "CLOSED", None),
    (22, "3-1-204", "ordinary", "renovation_noise", "装修垃圾堆放在楼道", "CLOSED", None),
    (21, "1-2-1503", "major", "public_facility", "电梯困人四十分钟无人到场", "CLOSED", None),
    (20, "2-1-502", "unreasonable", "management_service", "要求物业赔偿邻居漏水造成的损失", "CLOSED", None),
    (19, "1-1-401", "ordinary", "cleaning_greening", "草坪修剪后草屑未清理", "CLOSED", None),
    (17, "3-2-502", "ordinary", "management_service", "前台接待态度冷淡", "CLOSED", "fd-zhang"),
    (15, "1-2-1101", "out_of_scope", "other", "小区外马路路灯不亮", "EXPLAINED", None),
    (14, "2-2-1503", "ordinary", "renovation_noise", "楼上装修夜间施工", "REOPENED", None),
    (12, "1-1-1804", "ordinary", "public_facility", "楼顶水箱溢水", "REPLIED", None),
    (10, "T1-24F", "ordinary", "cleaning_greening", "办公区卫生间清洁不及时", "REPLIED", None),
    (9, "3-1-1002", "ordinary", "pests", "绿化带蚊虫多", "HANDLING", None),
    (7, "1-2-702", "written", "public_facility", "来函：地下车库照明不足", "ESCALATED", None),
    (6, "2-1-203", "major", "management_service", "保安与业主发生争执", "ESCALATED", "sec-wu"),
    (4, "3-2-1204", "ordinary", "renovation_noise", "装修切割石材粉尘大", "RESULT_REPORTED", None),
    (3, "1-1-602", "ordinary", "newspaper", "快递和报纸被放错单元", "MEASURES_SET", None),
    (2, "2-2-402", "unreasonable", "management_service", "要求物业代为管教邻居小孩", "RECEIVED", None),
    (0.05, "1-2-1404", "ordinary", "public_facility", "楼道声控灯不亮", "RECEIVED", None),
    (0.02, "3-1-703", None, None, "来电投诉停车位被占", "RECEIVED", None),
)

_TOLD = ("REPLIED", "EXPLAINED", "CLOSED", "REOPENED")
_HANDLED = ("HANDLING", "RESULT_REPORTED", *_TOLD)


def load(session: Session, now: datetime | None = None) -> str:
    """Add the demo complaints unless complaints are already there; say what was added. The month
    ends an hour before `now` (the service's clock), on 23 Nov 2026 without it."""
    if session.scalar(select(ComplaintRecord.complaint_id).limit(1)) is not None:
        return "complaints already loaded"
    names = {p["party_id"]: p for p in demo.parties()}
    end = ends_at(now)
    for n, (days, unit_id, kind, category, summary, state, about_staff) in enumerate(_COMPLAINTS, start=1):
        at = end - timedelta(days=days)
        number = f"CP-{at:%Y%m%d}-{9000 + n:04d}"
        owner = names.get(f"OWN-{unit_id}", {})
        c = ComplaintRecord(
            complaint_id=number, unit_id=unit_id, estate=demo.estate_of(unit_id), state=state, kind=kind,
            category=category, channel="letter" if kind == "written" else ("visit" if n % 3 == 0 else "phone"),
            complainant=owner.get("name") or "未留姓名", complainant_phone=owner.get("phone"), summary=summary,
            about_staff=about_staff, about_department="customer_service" if about_staff == "fd-zhang" else None,
            doc_ref=f"SW-2026-{n:03d}" if kind == "written" else None, received_at=at, received_by="fd-wang",
            clock_from=at, progress_notices=0, second_complaints=0, created_at=at, updated_at=at)
        if state != "RECEIVED" and kind == "ordinary":
            c.measures, c.measures_at = "当日安排责任部门上门核实并处理", at + timedelta(minutes=20 if n % 4 else 45)
        if kind in ("major", "written") and state != "RECEIVED":
            c.escalated_at = at + timedelta(minutes=15)
            c.reply_due = at + timedelta(days=2 if kind == "major" else 5)
        if state in _HANDLED and kind not in domain.EXPLAINED_KINDS:
            c.remedial, c.corrective = "责任部门上门处理", "纳入每日巡查"
            c.handled_by = "director" if kind == "major" else "cs-li"
            c.handling_due = at + timedelta(days=2)
        if state in ("RESULT_REPORTED", *_TOLD) and kind not in domain.EXPLAINED_KINDS:
            c.result = "已处理完毕"
        if state in _TOLD:
            c.replied_at = at + timedelta(days=1 if n % 5 else 4)
            c.within_3_days = c.replied_at <= at + domain.REPLY_WITHIN
            if kind in domain.EXPLAINED_KINDS:
                c.explanation = "已向业主解释相关规定"
                c.redirected_to = "市政服务热线12345" if kind == "out_of_scope" else None
            else:
                c.reply_channel = "written" if kind == "written" else "phone"
                c.reply_ref = f"HF-2026-{n:03d}" if kind == "written" else None
                c.reply_text = "已告知处理过程和结果"
        if state == "CLOSED":
            c.closed_at, c.feedback, c.satisfaction = c.replied_at + timedelta(days=3), "业主表示满意", "satisfied"
        if about_staff == "fd-zhang":
            c.apology_cause, c.apology_ref, c.apology_issuer = "employee_mistake", "DQ-2026-001", "阳光花园管理处"
        if state == "REOPENED":
            c.second_complaints, c.reopen_reason = 1, "dissatisfied"
            c.reopened_at = c.clock_from = c.replied_at + timedelta(days=3)
        session.add(c)
        _deadlines(session, c)
    session.flush()
    return f"{len(_COMPLAINTS)} complaints"


def _deadlines(session: Session, c: ComplaintRecord) -> None:
    def add(rule, due, state, closed_at=None):
        session.add(DeadlineRow(rule=rule, record_type="complaint", record_id=c.complaint_id, due_at=due, state=state,
                                responsible=c.received_by, estate=c.estate, summary=f"{c.complaint_id} {c.unit_id}",
                                correlation_id=c.complaint_id, created_at=c.received_at, closed_at=closed_at))

    if c.kind in domain.MEASURES_KINDS:
        due = domain.measures_due_at(c)
        if c.state == "RECEIVED":
            add(domain.MEASURES_RULE, due, "pending")
        else:
            done = c.measures_at or c.escalated_at
            add(domain.MEASURES_RULE, due, "met" if done and done <= due else "met_late", done)
    if c.state in domain.COMPLAINT_OPEN_STATES:
        add(domain.REPLY_RULE, domain.reply_due_at(c), "pending")
    elif c.replied_at is not None:
        add(domain.REPLY_RULE, domain.reply_due_at(c), "met" if c.within_3_days else "met_late", c.replied_at)
    if c.state == "ESCALATED" and c.reply_due is not None:
        add(domain.AGREED_REPLY_RULE, c.reply_due, "pending")
