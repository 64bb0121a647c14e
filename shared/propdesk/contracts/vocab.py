"""The office's shared vocabulary, defined once: states, statuses, methods, limits, and their words.

The departments decide with these codes (their domains import them); the gateway, reports and the
desk read the same codes and labels from here, never a copy. A label says what is true in the
office's words, zh-CN first: FEES_CHECKED means "finance's fee check is in", which may well say
fees are outstanding, so it never reads as "paid".

A `Terms` is an ordered mapping code -> `Term(zh, en)`; ``terms.codes`` keeps the order (for a state
machine: least to most advanced), ``terms.label(code, "zh")`` is what a person reads.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Term:
    code: str
    zh: str
    en: str

    def label(self, lang: str = "zh") -> str:
        return self.en if lang == "en" else self.zh


class Terms:
    """An ordered vocabulary: ``"A" in terms``, ``terms.codes``, ``terms.label("A", "en")``."""

    def __init__(self, *terms: Term):
        self._terms = {t.code: t for t in terms}
        self.codes: tuple[str, ...] = tuple(self._terms)

    def __contains__(self, code) -> bool:
        return code in self._terms

    def __iter__(self):
        return iter(self._terms.values())

    def __getitem__(self, code: str) -> Term:
        return self._terms[code]

    def label(self, code: str, lang: str = "zh") -> str:
        term = self._terms.get(code)
        return term.label(lang) if term else code

    def rank(self, code: str | None) -> int:
        return self.codes.index(code) if code in self._terms else 0

    def as_dict(self) -> dict[str, dict[str, str]]:
        return {t.code: {"zh": t.zh, "en": t.en} for t in self}


# --- the tenant move-out (租户撤场, domain.md §2.6) -----------------------------------------------
#: The states of a move-out case, least to most advanced. WITHDRAWN ends a case before release
#: (the desk withdraws it with a reason); ARCHIVED ends a completed one. (§2.6 also names
#: METERS_READ_AND_CUT and DEPOSIT_REFUND: engineering's and finance's records, not part of the
#: release guard, so not case states.)
MOVE_OUT_STATES = Terms(
    Term("OWNER_CONSENT_PENDING", "待业主书面同意", "Owner's written consent pending"),
    Term("APPLICATION_ACCEPTED", "申请已受理", "Application accepted"),
    Term("DEFECTS_FOUND", "验收发现问题", "Defects found"),
    Term("INSPECTION_PASSED", "验收通过", "Inspection passed"),
    Term("FEES_CHECKED", "验收通过，费用已核查", "Inspection passed, fee check in"),
    Term("RELEASE_APPROVED", "已批准放行", "Release approved"),
    Term("GOODS_RELEASED", "物品已放行", "Goods released"),
    Term("ARCHIVED", "已归档", "Archived"),
    Term("WITHDRAWN", "已撤回", "Withdrawn"),
)
#: States in which a case is over: a unit may start a new move-out.
MOVE_OUT_CLOSED = ("ARCHIVED", "WITHDRAWN")
#: States from which the desk may still withdraw a case (before release is approved).
MOVE_OUT_WITHDRAWABLE = ("OWNER_CONSENT_PENDING", "APPLICATION_ACCEPTED", "DEFECTS_FOUND",
                         "INSPECTION_PASSED", "FEES_CHECKED")

#: How the tenant's fit-out is treated, agreed with the owner in writing (与客户协商对单元内装修情况的处理意见 [000]).
FITOUT_DISPOSITIONS = Terms(
    Term("restore", "恢复原状", "Restore to the handover condition"),
    Term("leave_to_owner", "装修移交客户", "Leave the fit-out to the owner"),
    Term("agreed_with_owner", "按与客户协议处理", "As separately agreed with the owner"),
)

INSPECTION_RESULTS = Terms(
    Term("pending", "待验收", "Inspection pending"),
    Term("passed", "验收通过", "Passed"),
    Term("defects_found", "发现问题", "Defects found"),
)

#: A move-out's fee check as the case shows it. Residents keeps pending | cleared | outstanding; the
#: last two say why a pending check waits, as billing's fee check does (domain.md §2.6: a metered
#: unit is checked only once engineering's final readings are billed): "awaiting_meters" until the
#: meters are read and the supply cut (METERS_READ_AND_CUT), "readings_held" while a final reading
#: is held for the finance supervisor's review. "pending" is then the finance check itself.
FEE_STATUSES = Terms(
    Term("pending", "待财务核查", "Fee check pending"),
    Term("cleared", "费用已结清", "Fees cleared"),
    Term("outstanding", "尚有欠费", "Fees outstanding"),
    Term("awaiting_meters", "待抄表", "Awaiting the final meter readings"),
    Term("readings_held", "抄表待复核", "Final meter reading held for review"),
)

#: An inspection work order's status (工程维修单), tickets.
WORK_ORDER_STATUSES = Terms(
    Term("open", "待验收", "Open"),
    Term("passed", "验收通过", "Passed"),
    Term("defects_found", "发现问题", "Defects found"),
    Term("cancelled", "已取消", "Cancelled"),
)
#: A work order engineering still has to inspect (open, or a re-inspection after defects).
WORK_ORDER_UNFINISHED = ("open", "defects_found")

#: A release slip's status (物品放行条): still at the desk, or the goods went out at the gate.
SLIP_STATUSES = Terms(
    Term("issued", "已开具", "Issued"),
    Term("released", "已放行", "Released"),
)

#: An outbound message's status; "failed" is retried until its last attempt.
MESSAGE_STATUSES = Terms(
    Term("pending", "待发送", "Pending"),
    Term("sent", "已发送", "Sent"),
    Term("failed", "发送失败", "Failed"),
)

# --- money (billing) ------------------------------------------------------------------------------
PAYMENT_METHODS = Terms(
    Term("cash", "现金", "Cash"),
    Term("cheque", "支票", "Cheque"),
    Term("bank", "银行转账", "Bank transfer"),
    Term("wechat", "微信支付", "WeChat Pay"),
    Term("alipay", "支付宝", "Alipay"),
)
#: The largest amount one payment or charge may carry (yuan); money is exact to the fen.
MAX_AMOUNT = Decimal("9999999999.99")
MONEY_PLACES = 2

# --- staff (who is acting; services/staff) -------------------------------------------------------------
#: The estates (管理处) the property company runs; every unit belongs to one, and staff work for one
#: or more (issue #8 §1). The demo has two: the residential estate of buildings 1-3 and the office park.
ESTATES = Terms(
    Term("E1", "阳光花园", "Sunshine Garden (residential, buildings 1-3)"),
    Term("E2", "万通中心", "Wantong Centre (office park)"),
)

#: The department a staff account belongs to (domain.md §1.1); what they may do is their roles
#: (`propdesk.policy.ROLES`), not this.
STAFF_DEPARTMENTS = Terms(
    Term("customer_service", "客服部", "Customer service"),
    Term("management_office", "管理处", "Management office"),
    Term("engineering", "工程部", "Engineering"),
    Term("security", "保安部", "Security"),
    Term("finance", "财务部", "Finance"),
    Term("administration", "系统管理", "System administration"),
)

# --- repairs (报修) and engineering work orders (工程维修单 QR-001FW), domain.md §2.2, §6 ------------
#: What a repair is about (domain.md §6's suggested categories).
REPAIR_CATEGORIES = Terms(
    Term("civil", "土建", "Civil works"),
    Term("doors_windows", "门窗/纱窗", "Doors, windows and screens"),
    Term("intercom", "可视对讲", "Video intercom"),
    Term("security_door", "防盗门", "Security door"),
    Term("lift", "电梯", "Lift"),
    Term("heating", "暖气", "Heating"),
    Term("fire", "消防", "Fire system"),
    Term("water_electric", "水电", "Water and electricity"),
    Term("public_facility", "公共设施", "Public facilities"),
    Term("other", "其他", "Other"),
)

#: Who has to fix it (domain.md §2.2 responsible party, inferred from [002 篇三]).
REPAIR_RESPONSIBLE_PARTIES = Terms(
    Term("property", "物业", "Property company"),
    Term("contractor", "施工方", "Builder (contractor)"),
    Term("manufacturer_warranty", "厂家维保", "Manufacturer (warranty)"),
    Term("utility", "热力/燃气", "Utility (heating, gas)"),
    Term("developer", "开发商", "Developer"),
)

#: The teams a work order is dispatched to (domain.md §2.1 dispatch targets [004 WI/FW-007]).
REPAIR_TEAMS = Terms(
    Term("maintenance", "维修班", "Maintenance team"),
    Term("cleaning_greening", "清洁绿化班", "Cleaning and greening team"),
    Term("security", "安防班", "Security team"),
    Term("office", "办公室", "Office"),
)

#: The states of a repair (domain.md §2.2), least to most advanced. CANCELLED ends a declined paid
#: repair or a mismatched order (its re-issue is a new repair, linked); CLOSED is 闭单.
REPAIR_STATES = Terms(
    Term("REPORTED", "已报修", "Reported"),
    Term("QUOTING", "报价中", "Being quoted"),
    Term("AWAITING_CONSENT", "待业主同意付费", "Awaiting the owner's consent to pay"),
    Term("DISPATCHED", "已派工", "Dispatched"),
    Term("RESCHEDULED", "已改约", "Rescheduled"),
    Term("IN_PROGRESS", "维修中", "In progress"),
    Term("MISMATCH", "单实不符待确认", "Scope mismatch, awaiting confirmation"),
    Term("DISPUTED", "责任有争议", "Responsibility disputed"),
    Term("COMPLETED", "已完工待验收", "Completed, awaiting CS acceptance"),
    Term("REOPENED", "返单", "Re-opened to engineering"),
    Term("RETURN_VISIT", "验收合格待回访", "Accepted, return visit due"),
    Term("ESCALATED", "已转集团95059", "Escalated to the group hotline 95059"),
    Term("CLOSED", "已闭单", "Closed"),
    Term("CANCELLED", "已取消", "Cancelled"),
)
#: The states in which a repair is still the office's work (list_repairs' coarse status "open").
REPAIR_OPEN_STATES = ("REPORTED", "QUOTING", "AWAITING_CONSENT", "DISPATCHED", "RESCHEDULED",
                      "IN_PROGRESS", "MISMATCH", "DISPUTED", "COMPLETED", "REOPENED", "RETURN_VISIT",
                      "ESCALATED")

#: Where a paid repair's price comes from (维修项目收费标准 or an engineering quote).
REPAIR_PRICE_SOURCES = Terms(
    Term("standard", "维修项目收费标准", "Price list"),
    Term("engineering_quote", "工程部报价", "Engineering quote"),
)

# --- the contact log (来电来访登记, domain.md §2.1; tickets/contacts) ---------------------------------
#: How a contact reached the office (§2.1 triggers [000][003][004]).
CONTACT_CHANNELS = Terms(
    Term("phone", "来电", "Phone call"),
    Term("visit", "来访", "Visit"),
    Term("letter", "来函", "Letter"),
    Term("online", "邮件/网络", "Email / online"),
    Term("radio", "对讲机", "Walkie-talkie"),
    Term("app", "业主APP", "Owner APP"),
    Term("finding", "巡查/部门发现", "Patrol or department finding"),
)
#: Every contact goes into exactly one of these classes (《来电来访记录表》 [000]).
CONTACT_CLASSES = Terms(
    Term("inquiry", "咨询", "Inquiry"),
    Term("procedure", "办手续", "Procedure"),
    Term("repair", "报修", "Repair"),
    Term("complaint", "投诉", "Complaint"),
)
#: A contact's state, least to most advanced. RECEIVED: registered, its receiver (首问负责人) works
#: on it; AWAITING_REPLY: an inquiry that needs an expert, a reply time agreed with the caller;
#: AWAITING_TICKET: a repair or complaint waiting for its ticket; TICKET_OPENED: the ticket is
#: open and linked (the contact log's part is done); CLOSED: answered or done.
CONTACT_STATES = Terms(
    Term("RECEIVED", "已登记", "Received"),
    Term("AWAITING_REPLY", "待答复", "Awaiting a reply"),
    Term("AWAITING_TICKET", "待开单", "Awaiting its ticket"),
    Term("TICKET_OPENED", "已转工单", "Ticket opened"),
    Term("CLOSED", "已办结", "Closed"),
)
#: States in which a contact is over: its owner no longer answers for it.
CONTACT_CLOSED = ("TICKET_OPENED", "CLOSED")

# --- complaints (投诉, 投诉处理表 QR-002FW), domain.md §2.3 ------------------------------------------
#: The kinds of complaint, each with its own path (domain.md §2.3 "Types").
COMPLAINT_KINDS = Terms(
    Term("ordinary", "一般投诉", "Ordinary"),
    Term("major", "重大投诉", "Major"),
    Term("written", "书面投诉", "Written"),
    Term("unreasonable", "不合理投诉", "Unreasonable"),
    Term("out_of_scope", "非物业管理范围", "Outside the property's scope"),
)

#: The states of a complaint (domain.md §2.3), least to most advanced. RECEIVED waits for triage
#: and measures (30 min); VOIDED is a complaint registered in error (never deleted).
COMPLAINT_STATES = Terms(
    Term("RECEIVED", "已受理待定措施", "Received, measures pending"),
    Term("MEASURES_SET", "已定处理措施", "Measures decided"),
    Term("ESCALATED", "已上报待批复", "Escalated, awaiting leadership"),
    Term("REOPENED", "二次投诉待检讨", "Reopened, root-cause review due"),
    Term("HANDLING", "处理中", "Being handled"),
    Term("RESULT_REPORTED", "处理结果已反馈", "Result back at the service centre"),
    Term("REPLIED", "已答复待回访", "Replied, return visit due"),
    Term("EXPLAINED", "已解释待回访", "Explained, return visit due"),
    Term("CLOSED", "已结案", "Closed"),
    Term("VOIDED", "已作废", "Voided"),
)
#: States in which the complainant has not been told the outcome yet (the 3-day rule runs).
COMPLAINT_OPEN_STATES = ("RECEIVED", "MEASURES_SET", "ESCALATED", "REOPENED", "HANDLING", "RESULT_REPORTED")

#: What a complaint is about ([004 WI/FW-012] ordinary categories, domain.md §6).
COMPLAINT_CATEGORIES = Terms(
    Term("renovation_noise", "装修噪音", "Renovation noise"),
    Term("public_facility", "公共设施故障", "Public-facility failure"),
    Term("newspaper", "报刊丢失或未收到", "Newspaper lost or not received"),
    Term("cleaning_greening", "公共区域清洁绿化", "Public-area cleaning and landscaping"),
    Term("pests", "虫害", "Pests"),
    Term("management_service", "管理服务", "Management service"),
    Term("other", "其他", "Other"),
)

#: How the outcome was told (复清楚); a written complaint is answered in writing.
COMPLAINT_REPLY_CHANNELS = Terms(
    Term("phone", "电话", "Phone"),
    Term("in_person", "面谈", "In person"),
    Term("written", "书面", "In writing"),
    Term("email", "电子邮件", "Email"),
    Term("app", "业主APP", "Owner app"),
)

#: Why a complaint was reopened: both count as 二次投诉.
COMPLAINT_REOPEN_REASONS = Terms(
    Term("dissatisfied", "回访不满意", "Dissatisfied at the return visit"),
    Term("second_complaint", "同一事项再次投诉", "Complained again about the same matter"),
)

#: Why an apology letter in the management office's name is sent ([000]).
COMPLAINT_APOLOGY_CAUSES = Terms(
    Term("misunderstanding", "误会", "A misunderstanding"),
    Term("employee_mistake", "员工过失", "An employee's mistake"),
)

# --- the monthly fee cycle (billing: fee schedules, meter readings, billing runs, dunning; domain.md §2.5) ---
#: What a charge is for (收费项目). Every charge on the ledger names one.
FEE_ITEMS = Terms(
    Term("property_fee", "物业服务费", "Property service fee"),
    Term("water", "代收水费", "Water (collected for the utility)"),
    Term("electricity", "代收电费", "Electricity (collected for the utility)"),
    Term("parking", "车位费", "Parking space fee"),
    Term("heating", "暖气费", "Heating fee"),
    Term("rent", "租金", "Rent"),
    Term("paid_service", "有偿服务费", "Paid service"),
    Term("one_off", "一次性费用", "One-off fee"),
)
#: How a schedule's amount is worked out (计费依据).
FEE_BASES = Terms(
    Term("per_area", "按建筑面积×单价", "Area × unit price"),
    Term("per_reading", "按用量×单价", "Consumption × tariff"),
    Term("per_space", "按车位数×单价", "Spaces × price"),
    Term("fixed", "每月固定金额", "Fixed monthly amount"),
)
#: Where a ledger charge came from (费用来源).
CHARGE_SOURCES = Terms(
    Term("schedule", "收费标准", "Fee schedule"),
    Term("meter", "抄表读数", "Meter reading"),
    Term("repair", "有偿维修", "Paid repair"),
    Term("one_off", "一次性收费", "One-off fee"),
    Term("legacy", "历史数据", "Earlier ledger"),
)
#: The kind of unit a fee schedule applies to (the unit register's kinds).
BILLED_UNIT_KINDS = Terms(
    Term("residential", "住宅", "Residential"),
    Term("office", "写字楼", "Office"),
    Term("retail", "商铺", "Retail"),
)
METER_KINDS = Terms(
    Term("water", "水表", "Water meter"),
    Term("electricity", "电表", "Electricity meter"),
)
#: The supplies engineering cuts at a move-out (domain.md §2.6 METERS_READ_AND_CUT: 断水、断电、停空调).
#: Water and electricity are metered (a final reading each: `METER_KINDS`); A/C is cut, not read.
UTILITIES = Terms(
    Term("water", "水", "Water"),
    Term("electricity", "电", "Electricity"),
    Term("ac", "空调", "A/C"),
)
#: A meter reading's state: "ok" passed the checks (billable); "held" is waiting for the finance
#: supervisor (lower than the last reading, or a jump beyond the factor); "accepted" was held and
#: accepted as read; "billed" is on an issued fee notice (never changed again); "superseded" was
#: held, the meter has since a later month's reading that bills its consumption, and the supervisor
#: set it aside (never billed, never counted, never changed again).
METER_READING_STATES = Terms(
    Term("ok", "已录入", "Recorded"),
    Term("held", "待复核", "Held for review"),
    Term("accepted", "复核通过", "Accepted after review"),
    Term("billed", "已计费", "Billed"),
    Term("superseded", "已被后续读数取代", "Superseded by a later reading"),
)
#: Readings that bill when the run drafts.
METER_READING_BILLABLE = ("ok", "accepted")
#: Why billing holds a meter reading for the finance supervisor's review (a reading's `hold_rule`,
#: kept once it is accepted, corrected or superseded): lower than the meter's last reading (a meter
#: replaced, a typing error), or a consumption beyond the tariff's jump factor (读数突增倍数) times
#: last month's. billing decides them (meter_readings.domain.check); the desk says them in these words.
METER_READING_HOLD_RULES = Terms(
    Term("lower_than_last", "读数低于上期读数", "Lower than the last reading"),
    Term("jump_beyond_factor", "用量超过上月用量的突增倍数", "Consumption over the jump factor × last month's"),
)
#: A billing run's state, in order (收费通知单 cycle: drafted, reviewed on the 25th, issued by the 26th).
BILLING_RUN_STATES = Terms(
    Term("drafting", "起草中", "Drafting"),
    Term("awaiting_review", "待财务主管审核", "Awaiting review"),
    Term("corrections_ordered", "需更正", "Corrections ordered"),
    Term("approved", "已审核锁定", "Approved (locked)"),
    Term("issuing", "开具中", "Issuing"),
    Term("issued", "已开具", "Issued"),
)
#: A fee notice's state (《缴费通知单》): paid or not is the ledger's, not the notice's.
FEE_NOTICE_STATES = Terms(
    Term("draft", "草稿", "Draft"),
    Term("approved", "已审核", "Approved"),
    Term("issued", "已开具待送达", "Issued, to deliver"),
    Term("delivered", "已签收", "Delivered (signed)"),
)
#: A dunning notice's state (《催款通知单》).
DUNNING_NOTICE_STATES = Terms(
    Term("issued", "已开具待送达", "Issued, to deliver"),
    Term("delivered", "已签收", "Delivered (signed)"),
)

# --- return visits (回访, 回访记录表 QR-003FW; domain.md §2.4; tickets/return_visits) -----------------
#: How the owner is visited [004 WI/FW-017/-018/-019].
RETURN_VISIT_METHODS = Terms(
    Term("phone", "电话回访", "Phone"),
    Term("in_person", "上门回访", "In person"),
    Term("email", "电子邮件/网络", "Email / online"),
    Term("written", "书面回访", "Written"),
)
#: Methods at which the owner signs the record (回访记录表: 业主/住户签名); by phone or email the
#: visitor records who answered instead (docs/workflows/tickets-return-visits.md).
RETURN_VISIT_SIGNED_METHODS = ("in_person", "written")
#: Why a visit is made: after an accepted repair or a resolved complaint, on the office's cadences
#: (every 7 days by phone; monthly), a survey or ad-hoc visit, or the next visit promised to a
#: dissatisfied owner.
RETURN_VISIT_OCCASIONS = Terms(
    Term("repair", "维修回访", "After a repair"),
    Term("complaint", "投诉回访", "After a complaint"),
    Term("weekly", "每七天电话回访", "Weekly phone visit"),
    Term("monthly", "月度回访", "Monthly visit"),
    Term("survey", "满意度调查", "Satisfaction survey"),
    Term("follow_up", "不满意再回访", "Follow-up of a dissatisfied visit"),
)
#: The cadences of a standing round of visits (周期回访, domain.md §2.4 Frequency).
RETURN_VISIT_CADENCES = Terms(
    Term("weekly", "每七天", "Every 7 days"),
    Term("monthly", "每月", "Monthly"),
)
#: The overall opinion (意见) and each rating (守时 / 态度 / 质量) of QR-003FW.
RETURN_VISIT_OPINIONS = Terms(
    Term("satisfied", "满意", "Satisfied"),
    Term("fairly_satisfied", "较满意", "Fairly satisfied"),
    Term("dissatisfied", "不满意", "Dissatisfied"),
)
#: A return visit's state, least to most advanced. DISSATISFIED waits for the supervisor's decision:
#: rectification ordered (responsible department, deadline) or explained with the next visit planned.
RETURN_VISIT_STATES = Terms(
    Term("PLANNED", "待回访", "Planned"),
    Term("DISSATISFIED", "不满意待处理", "Dissatisfied, follow-up to decide"),
    Term("RECTIFICATION_ORDERED", "整改中", "Rectification ordered"),
    Term("EXPLAINED", "已解释，另约回访", "Explained, next visit planned"),
    Term("CLOSED", "已完成", "Closed"),
    Term("CANCELLED", "已取消", "Cancelled"),
)
#: The departments a rectification is ordered to (责任部门, domain.md §1.1 and §2.2's dispatch teams).
RETURN_VISIT_DEPARTMENTS = Terms(
    Term("engineering", "工程部/维修班", "Engineering"),
    Term("cleaning_greening", "清洁绿化", "Cleaning and greening"),
    Term("security", "安管部", "Security"),
    Term("customer_service", "客服部", "Customer service"),
    Term("office", "办公室", "Office"),
    Term("finance", "财务部", "Finance"),
    Term("developer", "开发商/房产部门", "Developer / real-estate dept."),
)

# --- access: the counter's registers (passes, visitors, lost property, storage, mail; domain.md §2.9-§2.12) ---
#: A pass (出入证): a worker's construction pass or a resident's pass (§2.9).
PASS_KINDS = Terms(
    Term("construction", "施工出入证", "Construction pass"),
    Term("resident", "住户证", "Resident pass"),
)
#: A pass's state: ISSUED until it expires at the end of its last valid day, is handed back, or is
#: revoked (its renovation completed, its holder moved out, or by the office).
PASS_STATES = Terms(
    Term("issued", "有效", "Issued"),
    Term("expired", "已过期", "Expired"),
    Term("returned", "已交回", "Returned"),
    Term("revoked", "已注销", "Revoked"),
)
#: Who a resident pass's holder is to the unit (住户证: residents, including renters).
PASS_HOLDER_RELATIONS = Terms(
    Term("owner", "业主", "Owner"),
    Term("owner_family", "业主家庭成员", "Owner's household"),
    Term("tenant", "租户", "Tenant"),
    Term("tenant_family", "租户家庭成员", "Tenant's household"),
)
#: Why a pass was revoked.
PASS_REVOKE_REASONS = Terms(
    Term("renovation_completed", "装修竣工", "Renovation completed"),
    Term("moved_out", "住户迁出", "Holder moved out"),
    Term("by_office", "管理处注销", "Revoked by the office"),
)
#: A visitor in the register (来访登记): still in, or gone.
VISITOR_STATES = Terms(
    Term("in", "在访", "In"),
    Term("out", "已离开", "Left"),
)
#: What was found (拾获物品, §2.10); every category but "ordinary" is dangerous or important and
#: goes to the police [000].
LOST_ITEM_CATEGORIES = Terms(
    Term("ordinary", "一般物品", "Ordinary item"),
    Term("confidential_papers", "机密文件", "Confidential papers"),
    Term("large_cash", "大额现金", "Large amount of cash"),
    Term("rare_animal_plant", "珍稀动植物", "Rare animal or plant"),
    Term("firearm", "枪支弹药", "Firearm or ammunition"),
    Term("contraband", "违禁品", "Contraband"),
)
LOST_ITEM_POLICE_CATEGORIES = ("confidential_papers", "large_cash", "rare_animal_plant", "firearm", "contraband")
#: A found item's state, least to most advanced.
LOST_ITEM_STATES = Terms(
    Term("registered", "已登记", "Registered"),
    Term("publicised", "已公示", "Publicised"),
    Term("returned", "已归还失主", "Returned to its owner"),
    Term("handed_to_police", "已移交公安", "Handed to the police"),
    Term("unclaimed", "逾期无人认领", "Unclaimed after 3 months"),
    Term("handed_to_finance", "已移交财务", "Handed to finance"),
)
#: Where a found item is publicised (招领, [003]).
PUBLICITY_CHANNELS = Terms(
    Term("app", "业主APP", "Owner APP"),
    Term("owner_group", "业主群", "Owner groups"),
    Term("notice_board", "公告栏", "Notice board"),
)
#: A valid identity document shown at the counter.
ID_DOCUMENT_TYPES = Terms(
    Term("resident_id", "居民身份证", "Resident ID card"),
    Term("passport", "护照", "Passport"),
    Term("other", "其他有效证件", "Other valid ID"),
)
#: What a depositor leaves at the counter (寄存, §2.11); every kind but "ordinary" is refused.
STORAGE_ITEM_KINDS = Terms(
    Term("ordinary", "普通物品", "Ordinary item"),
    Term("flammable", "易燃物品", "Flammable"),
    Term("explosive", "易爆物品", "Explosive"),
    Term("toxic", "剧毒物品", "Highly toxic"),
    Term("cash", "现金", "Cash"),
    Term("securities", "有价证券", "Securities"),
    Term("valuables", "贵重物品", "Valuables"),
    Term("unsuitable", "其他不宜寄存物品", "Otherwise unsuitable"),
)
STORAGE_REFUSED_KINDS = ("flammable", "explosive", "toxic", "cash", "securities", "valuables", "unsuitable")
#: A deposit's state: stored, overdue after 3 days (the depositor is contacted), collected.
STORAGE_STATES = Terms(
    Term("stored", "寄存中", "Stored"),
    Term("overdue", "超期未取", "Overdue (over 3 days)"),
    Term("collected", "已取走", "Collected"),
)
#: What the post office or a courier left at the desk (§2.12).
MAIL_KINDS = Terms(
    Term("important", "重要邮件(挂号信/杂志)", "Important mail (registered letter, magazine)"),
    Term("parcel_notice", "包裹通知单", "Parcel notice"),
    Term("parcel", "快递包裹", "Parcel"),
    Term("newspaper", "报纸", "Newspaper"),
)
#: A mail item's state: waiting at the desk (the recipient told), or collected with a signature.
MAIL_STATES = Terms(
    Term("awaiting_collection", "待领取", "Awaiting collection"),
    Term("collected", "已领取", "Collected"),
)

# --- goods release slips (物品放行条 / 物品搬出放行单 QR-005FW), domain.md §2.7 ---------------------
#: Who a slip is for and so which checks it needs ([004 WI/FW-020][000]). "move_out" is the tenant
#: move-out saga's slip (issued by the release hold, §2.6); the other four are filled in at the desk.
RELEASE_VARIANTS = Terms(
    Term("owner", "业主本人", "Owner"),
    Term("non_owner", "非业主(租户/受托人)", "Non-owner (tenant or agent)"),
    Term("contractor", "施工单位", "Contractor"),
    Term("no_specimen", "无预留签字盖章", "No signature or seal specimen on file"),
    Term("move_out", "租户撤场", "Tenant move-out"),
)

#: Who applied for a slip (the applicant_type of release_slip.issued).
RELEASE_APPLICANT_ROLES = Terms(
    Term("owner", "业主", "Owner"),
    Term("tenant", "租户", "Tenant"),
    Term("agent", "受托人", "Agent (trustee)"),
    Term("contractor", "装修负责人", "Renovation's responsible person"),
    Term("client", "客户", "Client"),
)

#: The identity documents the desk checks.
ID_DOCUMENT_TYPES = Terms(
    Term("resident_id", "居民身份证", "Resident ID card"),
    Term("passport", "护照", "Passport"),
    Term("hk_macao_permit", "港澳通行证", "Hong Kong/Macao permit"),
    Term("business_licence", "营业执照", "Business licence"),
    Term("other", "其他证件", "Other document"),
)

#: The states of a release slip, least to most advanced. A desk slip waits for the owner's phone
#: confirmation (non-owner), Finance's fee clearance (moving / many items) and the manager's or
#: director's countersignature (no specimen on file), in that order, each only when its variant
#: needs it; then it is ISSUED and used once at the gate (RELEASED or REFUSED). REJECTED: the owner
#: refused on the phone; CANCELLED: withdrawn at the desk before use.
RELEASE_SLIP_STATES = Terms(
    Term("OWNER_CONFIRMATION", "待业主电话确认", "Awaiting the owner's confirmation"),
    Term("FEE_CLEARANCE", "待财务核费", "Awaiting fee clearance"),
    Term("COUNTERSIGNATURE", "待经理/主任会签", "Awaiting the manager's or director's signature"),
    Term("ISSUED", "已签发待放行", "Issued, not used yet"),
    Term("RELEASED", "已放行", "Released at the gate"),
    Term("REFUSED", "门岗拒绝放行", "Refused at the gate"),
    Term("REJECTED", "业主不同意", "Rejected (owner refused)"),
    Term("CANCELLED", "已作废", "Cancelled"),
)
#: A slip still on its way to the gate (the desk may cancel it).
RELEASE_SLIP_PENDING = ("OWNER_CONFIRMATION", "FEE_CLEARANCE", "COUNTERSIGNATURE", "ISSUED")
#: A slip that is over: used at the gate, or closed at the desk.
RELEASE_SLIP_CLOSED = ("RELEASED", "REFUSED", "REJECTED", "CANCELLED")

# --- keys (钥匙: QR-006FW 业主委托管理处保管钥匙单, QR-007FW 入户门钥匙外借记录表), domain.md §2.8 -----
#: Whose key the office holds: a vacant unit's (空置单元钥匙) or one an owner entrusted at handover.
KEY_KINDS = Terms(
    Term("vacant", "空置单元钥匙", "Vacant-unit key"),
    Term("entrusted", "业主委托保管钥匙", "Key entrusted by the owner"),
)

#: What a key opens (its classification on the key board).
KEY_CATEGORIES = Terms(
    Term("entry_door", "入户门", "Entry door"),
    Term("mailbox", "信报箱", "Mailbox"),
    Term("utility_room", "设备间/管井", "Utility room or shaft"),
    Term("other", "其他", "Other"),
)

#: A key's state: on the board with its custodian, lent out, or given back to its owner.
KEY_STATES = Terms(
    Term("IN_CUSTODY", "在管", "In custody"),
    Term("ON_LOAN", "已借出", "On loan"),
    Term("WITHDRAWN", "已退还业主", "Returned to the owner"),
)

#: The departments that borrow keys for their work (钥匙领用登记表).
KEY_BORROWER_DEPARTMENTS = Terms(
    Term("engineering", "工程部", "Engineering"),
    Term("security", "保安部", "Security"),
    Term("cleaning_greening", "清洁绿化", "Cleaning and greening"),
    Term("customer_service", "客服部", "Customer service"),
    Term("sales", "销售/房产部门", "Sales or real-estate department"),
    Term("other", "其他", "Other"),
)

# --- payments, bank statements, deposits, arrears (billing, domain.md §2.5; issue #10 §3-§4) -----------
#: A receipt (收费票据) as it stands: valid, reversed by a later entry, or itself a reversal (红冲).
RECEIPT_STATES = Terms(
    Term("valid", "有效", "Valid"),
    Term("reversed", "已红冲", "Reversed"),
    Term("reversal", "红冲票据", "Reversal"),
)
#: A bank statement line (银行流水): booked by matching, booked by the cashier, waiting in the
#: unmatched queue, or set aside by the cashier as no fee payment (with a reason).
BANK_LINE_STATES = Terms(
    Term("matched", "自动匹配入账", "Matched and booked"),
    Term("booked", "人工入账", "Booked by the cashier"),
    Term("unmatched", "待人工处理", "Unmatched"),
    Term("dismissed", "非收费款项", "Set aside (no fee payment)"),
)
#: Why matching left a bank line to the cashier (bank_statements.domain.REASONS): the system's codes,
#: never the cashier's own words (those are the line's note).
BANK_LINE_REASONS = Terms(
    Term("no_candidate", "没有金额和日期相符的待缴通知单", "No open notice of this amount and date"),
    Term("ambiguous", "金额和日期相符的通知单不止一张", "Several open notices of this amount and date"),
    Term("named_notice_differs", "附言中的通知单号与金额或日期不符", "The notice number in the reference does not fit"),
    Term("booking_refused", "自动入账被拒绝(如该笔已手工入账)", "Booking refused (e.g. already recorded by hand)"),
    Term("payment_reversed", "原入账已冲正", "Its payment was reversed"),
)
#: The bank export layouts a statement is read in (docs/workflows/billing-payments.md).
BANK_FORMATS = Terms(
    Term("cmb", "招商银行 企业网银 交易明细导出", "China Merchants Bank corporate export"),
    Term("icbc", "中国工商银行 企业网银 明细导出", "ICBC corporate export"),
    Term("icbc_personal", "中国工商银行 个人网银 明细查询文件下载", "ICBC personal online banking detail download"),
    Term("cmb_personal", "招商银行 一卡通 交易流水(个人)", "China Merchants Bank personal account statement"),
    Term("generic", "通用格式(日期,金额,付款人,摘要,流水号)", "Generic (date, amount, payer, reference, serial)"),
)
#: Deposits (押金) the office holds.
DEPOSIT_KINDS = Terms(
    Term("renovation", "装修押金", "Renovation deposit"),
    Term("tenant", "租户押金", "Tenant deposit"),
    Term("key", "钥匙押金", "Key deposit"),
)
#: A deposit's state: held, refund applied for (《退还押金申请表》), refunded (what was left after
#: the deductions, possibly nothing).
DEPOSIT_STATES = Terms(
    Term("held", "在押", "Held"),
    Term("refund_requested", "申请退还", "Refund requested"),
    Term("refunded", "已退还", "Refunded"),
)
#: Why part of a deposit is kept (扣款原因).
DEPOSIT_DEDUCTION_REASONS = Terms(
    Term("violation", "违规装修/违约", "Violation"),
    Term("damage", "损坏公共设施", "Damage"),
    Term("unpaid_fees", "欠费抵扣", "Unpaid fees"),
    Term("lost_key", "钥匙遗失", "Lost key"),
    Term("other", "其他", "Other"),
)
#: How old an unpaid charge is (欠费账龄), counted from the 1st of the month after its period.
ARREARS_AGES = Terms(
    Term("current", "当月", "Not yet due"),
    Term("d1_30", "1-30天", "1-30 days"),
    Term("d31_90", "31-90天", "31-90 days"),
    Term("d91_180", "91-180天", "91-180 days"),
    Term("d181_365", "181-365天", "181-365 days"),
    Term("over_365", "一年以上", "Over a year"),
)
