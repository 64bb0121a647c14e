"""Demo contacts (来电来访记录表): a month of the desk's calls and visits, ending at the moment the demo
is loaded, so that `make run` shows a living desk (open contacts in each person's queue, inquiries
awaiting an expert's reply, two of them overdue; their pending deadlines are breached by the first
sweep, which tells the owner and the CS supervisor).

Proportions *(inferred: domain.md §6 gives repair volumes only, ~190 repairs a month in the seed
estate [002 篇三], which makes repairs the largest class)*: of 40 contacts, 16 repairs (40%), 12
inquiries (30%), 8 procedures (20%), 4 complaints (10%); channels mostly phone and visits, some
owner-APP, a few patrol findings, letters, emails and radio calls; 6 at the office park (E2).
Owners are the demo staff accounts (the username is the staff id: ``front_desk``, ``cs_assistant``,
``front_desk_e2``...). Repair and complaint contacts of the month are TICKET_OPENED without a ticket
number: the repairs' and complaints' demo tickets are their own (not linked to these contacts).
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from propdesk import demo
from propdesk.chassis import numbering
from propdesk.chassis.calendar import office_day
from propdesk.chassis.tables import DeadlineRow
from propdesk_services.tickets.workflows.contacts import domain
from propdesk_services.tickets.workflows.contacts.models import ContactRecord

# (days ago, hour in Shanghai, channel, class, unit or None, summary, outcome, how it ends)
# how it ends: "fcr" closed at once; "expert" answered after an expert; "late" answered after the agreed
# time; "ticket" its ticket opened; "open" still RECEIVED/AWAITING_TICKET; "wait" awaiting a reply due
# in the future; "overdue" awaiting a reply whose agreed time has passed
_CONTACTS: tuple[tuple, ...] = (
    (29, 9, "phone", "repair", "1-1-401", "卧室墙面裂缝", None, "ticket"),
    (29, 10, "visit", "procedure", "1-1-303", "办理租户撤场申请", "已受理，转撤场审批", "fcr"),
    (28, 14, "phone", "inquiry", "2-1-502", "咨询物业费缴纳方式", "可现金、支票或银行转账", "fcr"),
    (27, 9, "app", "repair", "2-1-502", "可视对讲无图像", None, "ticket"),
    (27, 11, "phone", "repair", "1-1-502", "厨房烟道异味", None, "ticket"),
    (26, 15, "visit", "complaint", "1-2-1503", "楼上装修噪音影响休息", None, "ticket"),
    (25, 10, "phone", "inquiry", "3-2-902", "咨询供暖开始日期", "热力公司：11月15日起供暖", "expert"),
    (24, 9, "finding", "repair", None, "巡查发现水泵房浮球阀缺失", None, "ticket"),
    (24, 16, "phone", "repair", "1-1-901", "外墙渗水", None, "ticket"),
    (23, 10, "visit", "procedure", "1-2-203", "办理装修申请", "已发装修申请表，转装修审批", "fcr"),
    (22, 11, "phone", "inquiry", "1-1-1001", "咨询欠费明细", "已告知10月物业费未缴", "fcr"),
    (21, 9, "phone", "repair", "1-2-1101", "卫生间顶棚渗水", None, "ticket"),
    (20, 14, "online", "inquiry", "T1-31F", "咨询空调加时服务收费", "按收费标准每小时计费", "fcr"),
    (20, 15, "phone", "repair", "T1-24F", "办公室灯具不亮", None, "ticket"),
    (19, 10, "letter", "complaint", "3-2-502", "书面投诉：外墙裂缝久未处理", None, "ticket"),
    (18, 9, "phone", "repair", "1-1-1803", "主卧窗户渗漏", None, "ticket"),
    (17, 16, "visit", "procedure", "3-1-1502", "领取钥匙（收楼）", "已办理收楼手续", "fcr"),
    (16, 10, "phone", "inquiry", "1-1-602", "咨询电梯年检时间", "工程部：下周二年检", "late"),
    (15, 11, "radio", "repair", None, "2号楼大堂门禁故障（保安对讲报告）", None, "ticket"),
    (14, 9, "phone", "repair", "3-1-901", "暖气片漏水", None, "ticket"),
    (13, 14, "app", "inquiry", "2-2-1504", "咨询快递代收", "前台可代收，3天内领取", "fcr"),
    (12, 10, "visit", "procedure", "T1-33F", "办理物品放行条", "已开具放行条", "fcr"),
    (11, 15, "phone", "repair", "1-1-402", "墙面裂缝", None, "ticket"),
    (10, 9, "phone", "complaint", "T1-35F", "公共区域清洁不到位", None, "ticket"),
    (9, 10, "app", "repair", "2-1-1101", "防盗门锁芯损坏", None, "ticket"),
    (8, 11, "visit", "inquiry", "1-1-1202", "咨询停车位租赁", "已告知租赁价格与流程", "fcr"),
    (7, 14, "phone", "procedure", "3-2-1101", "办理住户出入证", "已办理", "fcr"),
    (6, 9, "phone", "repair", "1-1-1804", "烟道异味", None, "ticket"),
    (5, 10, "online", "procedure", "T1-32F", "办理施工出入证", "资料不全，已告知补交", "fcr"),
    (4, 15, "phone", "repair", "2-2-502", "水表漏水", None, "ticket"),
    (3, 9, "visit", "inquiry", "1-1-703", "咨询房屋出租备案", "已告知所需材料", "fcr"),
    (2, 10, "phone", "complaint", "1-2-1102", "邻居饲养宠物噪音", None, "ticket"),
    (2, 16, "phone", "inquiry", "1-1-1001", "咨询维修基金使用", None, "overdue"),
    (1, 10, "app", "repair", "3-1-204", "可视对讲无声音", None, "ticket"),
    (1, 11, "phone", "inquiry", "T1-34F", "咨询消防演练安排", None, "overdue"),
    (1, 14, "visit", "procedure", "1-2-904", "办理门禁卡补办", "已办理", "fcr"),
    (0, 9, "phone", "repair", "2-1-901", "厨房下水堵塞", None, "open"),
    (0, 9, "phone", "inquiry", "1-1-1204", "咨询燃气开通", None, "wait"),
    (0, 10, "visit", "procedure", "3-2-204", "办理水电过户", None, "open"),
    (0, 10, "phone", "inquiry", "2-2-1102", "咨询楼道堆物清理", None, "open"),
)
_STAFF_E1 = ("front_desk", "front_desk", "cs_assistant", "cs_specialist", "front_desk", "senior_cs")


def _caller(i: int) -> tuple[str, str]:
    parties = _PARTIES[i % len(_PARTIES)]
    return parties["name"], parties["phone"]


_PARTIES = [p for p in demo.parties() if p["role"] == "OWNER" and p["party_id"] != demo.OFFICE_LANDLORD_ID][::7]


def load(session: Session, now: datetime | None = None) -> str:
    """Add the demo contacts unless contacts are there already; say what was added. Times are counted
    back from `now` (the wall clock by default) so that the month ends today."""
    if session.scalar(select(ContactRecord.contact_id).limit(1)) is not None:
        return "contacts already loaded"
    now = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
    rows = []
    for i, (days_ago, hour, channel, cls, unit_id, summary, outcome, ends) in enumerate(_CONTACTS):
        estate = demo.estate_of(unit_id) or demo.RESIDENTIAL_ESTATE
        # hh:00 in Shanghai, `days_ago` office days back; today's never later than now
        received = (now - timedelta(days=days_ago)).replace(hour=(hour - 8) % 24, minute=(i * 7) % 60,
                                                           second=0, microsecond=0)
        if received > now:
            received = now - timedelta(minutes=90 - i)
        staff = "front_desk_e2" if estate == demo.OFFICE_ESTATE else _STAFF_E1[i % len(_STAFF_E1)]
        name, phone = _caller(i)
        if channel == domain.FINDING:
            name, phone = None, None
        contact_id = numbering.next_number(session, "CT", office_day(received))
        row = ContactRecord(contact_id=contact_id, channel=channel, classification=cls, caller_name=name,
                            caller_phone=phone, unit_id=unit_id, estate=estate, summary=summary, received_by=staff,
                            received_at=received, owner=staff, handovers=[],
                            state=domain.AWAITING_TICKET if cls in domain.TICKET_CLASSES else domain.RECEIVED)
        if ends == "fcr":
            row.state, row.fcr, row.outcome = domain.CLOSED, True, outcome
            row.closed_by, row.closed_at = staff, received + timedelta(minutes=5)
        elif ends == "ticket":
            row.state, row.fcr, row.ticket_type = domain.TICKET_OPENED, False, cls
            row.closed_by, row.closed_at = staff, received + timedelta(minutes=20)
        elif ends in ("expert", "late"):
            row.expert, row.reply_due_at = "工程部" if ends == "late" else "热力公司", received + timedelta(hours=4)
            answered = row.reply_due_at + timedelta(hours=1 if ends == "late" else -1)
            row.state, row.fcr, row.outcome, row.replied_late = domain.CLOSED, False, outcome, ends == "late"
            row.closed_by, row.closed_at = staff, answered
        elif ends in ("wait", "overdue"):
            due = now + timedelta(hours=3) if ends == "wait" else received + timedelta(hours=2)
            if ends == "overdue":
                due = min(due, now - timedelta(minutes=30))
            row.state, row.expert, row.reply_due_at = domain.AWAITING_REPLY, "工程部", due
            session.add(DeadlineRow(rule="contact.reply", record_type="contact", record_id=contact_id, due_at=due,
                                    state="pending", responsible=staff, estate=estate,
                                    summary=f"{contact_id} {unit_id or '公共区域'} {name or ''}".strip(),
                                    correlation_id=contact_id, created_at=received))
        rows.append(row)
    session.add_all(rows)
    session.flush()
    waiting = sum(1 for r in rows if r.state == domain.AWAITING_REPLY)
    return f"{len(rows)} contacts of the last month ({waiting} awaiting a reply, some overdue)"
