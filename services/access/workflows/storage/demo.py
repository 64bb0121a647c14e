"""Demo storage log (物品存取登记表) anchored on `now`: deposits of various ages — today's, one of
two days, one over 3 days (overdue: the depositor to be contacted) and a collected one."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from propdesk import demo
from propdesk.chassis.calendar import office_day
from propdesk.chassis.numbering import next_number
from propdesk_services.access.workflows.storage import domain
from propdesk_services.access.workflows.storage.handlers import SERIES
from propdesk_services.access.workflows.storage.models import StoredItem

# (days ago, unit, items, shelf, state)
_DEPOSITS = (
    (0.2, "1-1-303", [("纸箱", 2, "黄色胶带封口")], "A-1", "stored"),
    (2, "2-1-1101", [("行李箱", 1, "银色 24 寸")], "A-2", "stored"),
    (5, "3-2-902", [("花盆", 3, "陶瓷")], "B-1", "overdue"),
    (4, "1-2-702", [("快递包裹", 1, "代收, 鞋盒大小")], "A-3", "collected"),
    (1, "T1-24F", [("文件箱", 2, "华信科技")], "T1-前台", "stored"),
)


def load(session: Session, now: datetime) -> str:
    if session.scalar(select(StoredItem.id).limit(1)) is not None:
        return "storage already loaded"
    owners = {p["party_id"]: p for p in demo.parties()}
    for n, (ago, unit, items, shelf, state) in enumerate(_DEPOSITS):
        at = now - timedelta(days=ago)
        who = owners.get(f"OWN-{unit}") or owners.get(f"TEN-{unit}") or {"name": "寄存人", "phone": None}
        session.add(StoredItem(
            storage_no=next_number(session, SERIES, office_day(at)), estate=demo.estate_of(unit),
            depositor_name=who["name"], depositor_phone=who.get("phone"), unit_id=unit,
            items=[{"name": i, "quantity": q, "features": f, "kind": "ordinary"} for i, q, f in items], shelf=shelf,
            state=state, contacts=[{"outcome": "电话未接通, 已短信提醒", "by": "front_desk",
                                    "at": (at + timedelta(days=3, hours=2)).isoformat()}] if state == "overdue" else [],
            stored_at=at, stored_by="front_desk", overdue_at=at + domain.OVERDUE_AFTER,
            collected_at=at + timedelta(days=1) if state == "collected" else None,
            collector_name=who["name"] if state == "collected" else None,
            collected_by="front_desk" if state == "collected" else None))
    return f"{len(_DEPOSITS)} deposits"
