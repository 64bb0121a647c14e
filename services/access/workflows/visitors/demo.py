"""Demo visitors: today's visitor register anchored on `now` (most signed out, two still in) and one
from yesterday never signed out (overdue in the queue)."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from propdesk import demo
from propdesk.chassis.calendar import office_day
from propdesk.chassis.numbering import next_number
from propdesk_services.access.workflows.visitors.handlers import SERIES
from propdesk_services.access.workflows.visitors.models import Visitor

# (hours ago, stayed hours or None: still in, visitor, unit, host, purpose)
_VISITS = (
    (26, None, "钱晓峰", "2-1-502", "吴女士", "送货"),
    (5, 1, "冯丽", "1-1-303", "租户 李先生", "探亲"),
    (4, 0.5, "陈伟(快递)", "1-2-1101", "王先生", "送件"),
    (3, 1.5, "褚建华", "3-2-902", "刘女士", "维修空调"),
    (2, None, "卫东升", "1-1-702", "租户 周先生", "朋友来访"),
    (1, None, "蒋思远", "T1-24F", "华信科技 前台", "商务洽谈"),
    (0.5, 0.25, "沈芳", "1-1-401", "王先生", "送文件"),
)


def load(session: Session, now: datetime) -> str:
    if session.scalar(select(Visitor.id).limit(1)) is not None:
        return "visitors already loaded"
    for n, (ago, stayed, name, unit, host, purpose) in enumerate(_VISITS):
        time_in = now - timedelta(hours=ago)
        session.add(Visitor(
            visitor_no=next_number(session, SERIES, office_day(time_in)), estate=demo.estate_of(unit),
            visitor_name=name, id_type="resident_id", id_number_masked=f"110105********{1000 + n * 37:04d}",
            phone_masked=f"139****{2000 + n * 11:04d}", headcount=1 + n % 2, unit_id=unit, place=None,
            host_name=host, purpose=purpose, state="in" if stayed is None else "out", time_in=time_in,
            registered_by="security" if n % 2 else "front_desk",
            time_out=None if stayed is None else time_in + timedelta(hours=stayed),
            signed_out_by=None if stayed is None else "security"))
    return f"{len(_VISITS)} visitors"
