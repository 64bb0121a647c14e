"""Demo passes: two renovations' construction passes (装修出入证登记表) and resident passes (住户证)
of the flats and the office tower, anchored on `now`: most in use, some expiring within 3 days, some
expired, one revoked. Written straight to the session (a demo's events are not announced)."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from propdesk import demo
from propdesk.chassis.calendar import office_day
from propdesk.chassis.numbering import next_number
from propdesk_services.access.workflows.passes import domain
from propdesk_services.access.workflows.passes.handlers import SERIES
from propdesk_services.access.workflows.passes.models import AccessPass
from propdesk_services.access.workflows.registers import end_of_office_day

# (issued days ago, valid days from issue, kind, name, unit, relation / renovation, state)
_PASSES = (
    (20, 22, "construction", "张建国", "1-1-502", "RN-DEMO-1-1-502", "issued"),   # expires within 3 days
    (20, 22, "construction", "李卫东", "1-1-502", "RN-DEMO-1-1-502", "issued"),
    (20, 40, "construction", "王海涛", "1-1-502", "RN-DEMO-1-1-502", "issued"),
    (40, 30, "construction", "赵永强", "2-2-1503", "RN-DEMO-2-2-1503", "expired"),
    (40, 30, "construction", "孙志刚", "2-2-1503", "RN-DEMO-2-2-1503", "revoked"),
    (5, 60, "construction", "周明", "T1-24F", "RN-DEMO-T1-24F", "issued"),
    (30, 365, "resident", None, "1-1-303", "tenant", "issued"),
    (30, 365, "resident", None, "1-1-401", "owner", "issued"),
    (25, 365, "resident", None, "1-2-1101", "owner", "issued"),
    (25, 365, "resident", None, "1-2-1101", "owner_family", "issued"),
    (12, 365, "resident", None, "2-1-203", "tenant", "issued"),
    (12, 365, "resident", None, "3-2-902", "owner", "issued"),
    (400, 365, "resident", None, "3-1-204", "tenant", "expired"),
    (2, 14, "resident", None, "1-1-702", "tenant_family", "issued"),
)
_WORKER_IDS = ("110105198001010016", "11010519850202001X", "110105199003030015", "110105197904040019",
               "110105198805050013", "110105199206060011")  # valid check digits (propdesk.privacy)


def load(session: Session, now: datetime) -> str:
    """Add the demo passes unless passes are there; say what was added."""
    if session.scalar(select(AccessPass.id).limit(1)) is not None:
        return "passes already loaded"
    names = {p["party_id"]: p["name"] for p in demo.parties()}
    workers = iter(_WORKER_IDS)
    for n, (ago, days, kind, name, unit, ref, state) in enumerate(_PASSES):
        issued_at = now - timedelta(days=ago, hours=n % 5)
        valid_from = office_day(issued_at)
        valid_to = valid_from + timedelta(days=days - 1)
        construction = kind == domain.CONSTRUCTION
        holder = name or names.get(f"{'TEN' if 'tenant' in ref else 'OWN'}-{unit}", "住户")
        if ref == "owner_family" or ref == "tenant_family":
            holder = holder[0] + "小" + holder[-1]
        expires_at = end_of_office_day(valid_to)
        ended = {"expired": expires_at, "revoked": issued_at + timedelta(days=10)}.get(state)
        session.add(AccessPass(
            pass_no=next_number(session, SERIES[kind], valid_from), kind=kind, estate=demo.estate_of(unit),
            holder_name=holder, id_type="resident_id" if construction else None,
            holder_id_number=next(workers) if construction else None,
            id_copy_ref=f"IDC-{n + 1:04d}" if construction else None, photo_ref=f"PH-{n + 1:04d}", unit_id=unit,
            work_location=f"{unit} 室内装修" if construction else None, renovation_id=ref if construction else None,
            contractor="宏达装饰工程有限公司" if construction else None, relation=None if construction else ref,
            holder_party_id=None, valid_from=valid_from, valid_to=valid_to, expires_at=expires_at, state=state,
            issued_by="front_desk", issued_at=issued_at, end_reason="by_office" if state == "revoked" else None,
            end_note="违规动火, 收回施工证" if state == "revoked" else None, ended_at=ended,
            ended_by="security" if state == "revoked" else None))
    return f"{len(_PASSES)} passes"
