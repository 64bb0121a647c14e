"""Demo repairs: a month (24 Oct - 23 Nov 2026) of repairs in the proportions of domain.md §6's
phase 2 (~600 orders in four months, scaled to 40: the property company's own jobs most, then
intercom, civil works, lifts, heating, screens, security doors, fire), in every state, some past
their attendance time; the 维修项目收费标准 price list. Units are propdesk.demo's (buildings 1-3;
two office-tower jobs at E2). Written straight to the session (not through commands): the events
of a demo are not announced."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from propdesk import demo
from propdesk.chassis.tables import DeadlineRow
from propdesk_services.tickets.workflows.repairs import domain
from propdesk_services.tickets.workflows.repairs.models import RepairOrder, RepairPriceItem, RepairWorkOrder

#: The last moment of the demo month when no time is given (the test clock's morning of Monday 23 Nov
#: 2026 is just after); given `now`, the month ends an hour before it (`ends_at`).
END = datetime(2026, 11, 23, 1, 0, tzinfo=timezone.utc)


def ends_at(now: datetime | None) -> datetime:
    """The last moment of the demo month: an hour before `now`, END without it."""
    return END if now is None else now.astimezone(timezone.utc) - timedelta(hours=1)

PRICES = (
    # code, name, category, unit, price (yuan) — the 维修项目收费标准 (inferred demo prices)
    ("P01", "更换水龙头 Replace a tap", "water_electric", "个", "30.00"),
    ("P02", "疏通下水道 Unblock a drain", "water_electric", "次", "50.00"),
    ("P03", "更换开关/插座 Replace a switch or socket", "water_electric", "个", "20.00"),
    ("P04", "更换灯具 Replace a light fitting", "water_electric", "个", "25.00"),
    ("P05", "更换门锁锁芯 Replace a lock cylinder", "security_door", "个", "80.00"),
    ("P06", "更换纱窗 Replace an insect screen", "doors_windows", "扇", "60.00"),
    ("P07", "墙面修补 Patch a wall", "civil", "平方米", "45.00"),
    ("P08", "更换角阀 Replace an angle valve", "water_electric", "个", "35.00"),
    ("P09", "暖气放气/调试 Bleed a radiator", "heating", "组", "20.00"),
    ("P10", "更换可视对讲分机 Replace an intercom handset", "intercom", "台", "260.00"),
)

_RESPONSIBLE = {"civil": "contractor", "doors_windows": "manufacturer_warranty", "lift": "manufacturer_warranty",
                "heating": "utility"}
_TEAM = {"public_facility": "cleaning_greening", "fire": "security", "intercom": "security"}

# (unit or None, location, category, summary, state, paid item code or None)
_REPAIRS = (
    ("1-1-401", None, "civil", "墙面裂缝 wall crack", "DISPUTED", None),
    ("1-2-1503", None, "civil", "墙面裂缝 wall crack", "CLOSED", None),
    ("3-2-902", None, "civil", "外墙渗水 exterior seepage", "IN_PROGRESS", None),
    ("1-1-901", None, "doors_windows", "顶层窗户渗水 top-floor window leak", "CLOSED", None),
    ("2-1-502", None, "doors_windows", "纱窗破损 torn insect screen", "AWAITING_CONSENT", "P06"),
    ("1-1-502", None, "intercom", "可视对讲无图像 intercom shows no picture", "CLOSED", None),
    ("1-2-1101", None, "intercom", "可视对讲无声音 intercom has no sound", "COMPLETED", None),
    ("2-2-905", None, "intercom", "对讲分机损坏 intercom handset broken", "DISPATCHED", "P10"),
    ("3-1-204", None, "intercom", "门口机不响 door station silent", "RETURN_VISIT", None),
    ("1-1-1202", None, "security_door", "防盗门锁芯卡滞 lock cylinder sticks", "CLOSED", "P05"),
    (None, "2号楼1单元电梯", "lift", "电梯异响 lift makes a noise", "DISPATCHED", None),
    (None, "3号楼2单元电梯", "lift", "电梯按钮失灵 lift button dead", "CLOSED", None),
    ("1-1-1804", None, "heating", "暖气漏水 radiator leaking", "RESCHEDULED", None),
    ("2-1-1101", None, "heating", "暖气不热 radiator cold", "CLOSED", "P09"),
    (None, "1号楼消防通道", "fire", "应急灯不亮 emergency light out", "CLOSED", None),
    ("1-1-303", None, "water_electric", "厨房水龙头漏水 kitchen tap drips", "CLOSED", "P01"),
    ("1-1-702", None, "water_electric", "卫生间下水堵塞 bathroom drain blocked", "CLOSED", "P02"),
    ("1-2-203", None, "water_electric", "插座无电 socket dead", "CLOSED", None),
    ("2-1-301", None, "water_electric", "客厅灯不亮 living-room light out", "CLOSED", "P04"),
    ("2-2-1504", None, "water_electric", "角阀漏水 angle valve leaking", "REOPENED", "P08"),
    ("3-1-1502", None, "water_electric", "电表箱跳闸 meter box trips", "CLOSED", None),
    ("3-2-502", None, "water_electric", "热水器进水管漏水 water-heater pipe leaking", "DISPATCHED", None),
    ("1-1-1001", None, "water_electric", "开关面板松动 switch plate loose", "REPORTED", "P03"),
    ("2-1-1504", None, "water_electric", "马桶水箱漏水 cistern leaking", "REPORTED", None),
    ("3-2-1101", None, "water_electric", "阳台地漏返水 balcony drain backs up", "ESCALATED", None),
    ("1-2-905", None, "water_electric", "卫生间灯不亮 bathroom light out", "CLOSED", None),
    ("2-2-301", None, "water_electric", "水管冻裂 frozen pipe split", "DISPATCHED", None),
    ("1-1-602", None, "water_electric", "烟道异味 flue odour", "QUOTING", None),
    (None, "小区北门道闸", "public_facility", "道闸不抬杆 barrier does not lift", "CLOSED", None),
    (None, "2号楼大堂", "public_facility", "大堂门禁失灵 lobby access control fails", "CLOSED", None),
    (None, "中心花园", "public_facility", "园路灯不亮 garden path lights out", "IN_PROGRESS", None),
    (None, "1号楼1单元", "public_facility", "楼道灯不亮 stairwell lights out", "CLOSED", None),
    (None, "地下车库B1", "public_facility", "车库排水沟堵塞 garage gutter blocked", "COMPLETED", None),
    (None, "泵房", "public_facility", "浮球阀缺失 float valve missing", "MISMATCH", None),
    (None, "3号楼屋面", "public_facility", "屋面防水层破损 roof membrane damaged", "REPORTED", None),
    ("1-2-1102", None, "other", "入户门门铃不响 doorbell silent", "CLOSED", None),
    ("3-1-905", None, "other", "晾衣架卡住 clothes airer stuck", "CANCELLED", "P07"),
    ("2-2-1101", None, "other", "精装木地板起拱 fitted floor buckling", "CLOSED", None),
    ("T1-24F", None, "water_electric", "办公区空调不制冷 office air-con not cooling", "DISPATCHED", None),
    ("T1-31F", None, "public_facility", "卫生间感应龙头失灵 sensor tap fails", "REPORTED", None),
)

_PEOPLE = ("王先生", "李女士", "张先生", "刘女士", "陈先生", "杨女士", "赵先生", "黄女士")


def load(session: Session, now: datetime | None = None) -> str:
    """Add the demo repairs and the price list unless repairs are there; say what was added. The
    month ends an hour before `now` (the service's clock), on 23 Nov 2026 without it."""
    if session.scalar(select(RepairOrder.repair_id).limit(1)) is not None:
        return "repairs already loaded"
    prices = {}
    for code, name, category, unit, price in PRICES:
        prices[code] = row = RepairPriceItem(code=code, name=name, category=category, unit=unit,
                                             price=Decimal(price), active=True)
        session.add(row)
    span = len(_REPAIRS)
    end = ends_at(now)
    overdue = 0
    for n, (unit_id, location, category, summary, state, item) in enumerate(_REPAIRS, start=1):
        # reported across the month, the open ones mostly recent
        back = timedelta(days=30) * (span - n) / span if state in ("CLOSED", "CANCELLED") else \
            timedelta(days=12) * (span - n) / span + timedelta(hours=6)
        at = end - back - timedelta(hours=4)
        number = f"BX-{at:%Y%m%d}-{9000 + n:04d}"
        repair = RepairOrder(
            repair_id=number, repair_no=number, unit_id=unit_id,
            estate=demo.estate_of(unit_id) or demo.RESIDENTIAL_ESTATE,
            location=location or unit_id, category=category, responsible=_RESPONSIBLE.get(category, "property"),
            summary=summary, reported_on=at.date(), state=state, status=domain.status_of(state),
            channel=("app", "desk", "contact")[n % 3], client_name=None if location else _PEOPLE[n % len(_PEOPLE)],
            preferred_time="工作日上午 weekday mornings" if unit_id else None, reported_by="front_desk",
            paid=item is not None, charge_requested=False, follow_up_open=False, reopen_count=0,
            created_at=at, updated_at=at)
        if item is not None:
            p = prices[item]
            repair.price_source, repair.price_item, repair.amount = "standard", item, p.price
            repair.charge_description = p.name
            if state not in ("AWAITING_CONSENT", "QUOTING", "CANCELLED"):
                repair.consent_by, repair.consent_at = repair.client_name, at + timedelta(hours=1)
        if state == "QUOTING":
            repair.paid = True
        if state == "CANCELLED":
            repair.cancel_reason, repair.closed_at = "consent_declined", at + timedelta(hours=2)
        dispatched = state not in ("REPORTED", "QUOTING", "AWAITING_CONSENT", "CANCELLED", "DISPUTED")
        if dispatched:
            wo = f"WO-{at:%Y%m%d}-{9000 + n:04d}"
            due = at + timedelta(hours=24)
            if state in ("DISPATCHED", "RESCHEDULED") and n % 2 == 0:
                due = end - timedelta(hours=n % 5 + 2)  # past its time: an overdue attendance
                overdue += 1
            elif state in ("DISPATCHED", "RESCHEDULED"):
                due = end + timedelta(hours=n % 7 + 4)
            repair.work_order_no, repair.team = wo, _TEAM.get(category, "maintenance")
            repair.follow_up, repair.attend_by, repair.dispatched_at = "cs_assistant", due, at + timedelta(hours=2)
            order_state = "cancelled" if state == "MISMATCH" else (
                "issued" if state in ("DISPATCHED", "RESCHEDULED", "IN_PROGRESS", "REOPENED") else "completed")
            session.add(RepairWorkOrder(work_order_no=wo, repair_id=number, estate=repair.estate, team=repair.team,
                                        follow_up="cs_assistant", issued_by="front_desk",
                                        issued_at=repair.dispatched_at, due_at=due, state=order_state,
                                        cancel_reason="实际为水泵房整体更换 the job is a pump-room refit"
                                        if state == "MISMATCH" else None,
                                        cancel_signature="area_assistant" if state == "MISMATCH" else None,
                                        confirmed_by="area_assistant" if state == "MISMATCH" else None))
            if state in ("DISPATCHED", "RESCHEDULED"):
                session.add(DeadlineRow(rule="repair.attendance", record_type="repair", record_id=number, due_at=due,
                                        state="pending", responsible="cs_assistant", estate=repair.estate,
                                        summary=f"{wo} {repair.location}", correlation_id=number, created_at=at))
            if state == "MISMATCH":
                repair.cancel_reason = "实际为水泵房整体更换 the job is a pump-room refit"
                repair.cancel_signature = repair.mismatch_confirmed_by = "area_assistant"
        if state in ("IN_PROGRESS", "COMPLETED", "REOPENED", "RETURN_VISIT", "ESCALATED", "CLOSED"):
            repair.technician, repair.started_at = "engineering", at + timedelta(hours=20)
        if state in ("COMPLETED", "RETURN_VISIT", "ESCALATED", "CLOSED", "REOPENED"):
            repair.completed_at, repair.completed_by = at + timedelta(days=1), "engineering"
            repair.client_signed_by = repair.client_name if repair.paid else None
            repair.charge_requested = repair.paid
        if state in ("RETURN_VISIT", "ESCALATED", "CLOSED"):
            repair.accepted_by, repair.accepted_at = "cs_assistant", at + timedelta(days=2)
        if state == "REOPENED":
            repair.defects, repair.reopen_count = "角阀仍渗水 the valve still seeps", 1
        if state == "ESCALATED":
            repair.rating, repair.rating_comment = 2, "等了三天 waited three days"
            repair.escalated_at = at + timedelta(days=3)
        if state == "RESCHEDULED":
            repair.reschedule_count = 1
        if state == "DISPUTED":
            repair.disputed_with, repair.dispute_reason = "contractor", "施工方称属业主装修造成 builder blames the fit-out"
            repair.state_before_dispute = "REPORTED"
        if state == "CLOSED":
            repair.closed_at = at + timedelta(days=4)
            if category == "other" and unit_id == "2-2-1101":
                repair.liaison_no, repair.follow_up_open = f"LN-{at:%Y%m%d}-9001", True
                repair.liaison_note = "精装地板起拱，请房产部门协调施工方更换 fitted floor buckling: developer to replace"
                repair.responsible = "developer"
        session.add(repair)
    session.flush()
    return f"{span} repairs over a month ({overdue} past their attendance time), {len(PRICES)} price-list items"
