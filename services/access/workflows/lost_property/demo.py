"""Demo lost & found anchored on `now`: items of various ages — two just registered (to publicise),
publicised ones, one returned with its claim, a refused claim, confidential papers handed to the
police, one unclaimed for more than 3 months (to hand to finance) and one whose 3 months run out
when the service's timer next looks (it is flagged then)."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from propdesk.chassis.calendar import office_day
from propdesk.chassis.numbering import next_number
from propdesk_services.access.workflows.lost_property import domain
from propdesk_services.access.workflows.lost_property.handlers import SERIES
from propdesk_services.access.workflows.lost_property.models import LostItem
from propdesk_services.access.workflows.registers import office_midnight

# (days ago, category, description, items, place, state, extra)
_ITEMS = (
    (0.1, "ordinary", "黑色双肩包", ["黑色双肩包 1 个", "水杯 1 个"], "1号楼大堂", "registered", {}),
    (1, "ordinary", "儿童自行车", ["红色儿童自行车 1 辆"], "中心花园", "registered", {}),
    (6, "ordinary", "钥匙一串", ["钥匙 4 把(带小熊挂件)"], "地下车库B2", "publicised", {}),
    (20, "ordinary", "手机", ["白色手机 1 部"], "会所", "publicised",
     {"claims": [{"claimant_name": "某男", "claimant_description": "黑色手机", "id_type": "resident_id",
                  "id_number": "110105********0011", "outcome": "refused", "reason": "描述与物品不符", "by": "front_desk"}]}),
    (12, "ordinary", "钱包", ["棕色钱包 1 个", "身份证 1 张", "现金 200 元"], "2号楼电梯", "returned",
     {"claims": [{"claimant_name": "郑先生", "claimant_description": "棕色钱包, 内有身份证", "id_type": "resident_id",
                  "id_number": "110105********0013", "outcome": "returned", "by": "front_desk"}]}),
    (9, "confidential_papers", "公司合同文件", ["文件袋 1 个(盖章合同)"], "万通中心24F电梯厅", "handed_to_police",
     {"police_station": "阳光派出所", "police_officer": "李警官", "police_receipt_ref": "YG-2026-0117"}),
    (100, "ordinary", "雨伞", ["长柄雨伞 1 把"], "3号楼大堂", "unclaimed", {}),
    (95, "ordinary", "保温杯", ["保温杯 1 个"], "儿童游乐区", "publicised", {}),
)


def load(session: Session, now: datetime) -> str:
    if session.scalar(select(LostItem.id).limit(1)) is not None:
        return "lost property already loaded"
    for n, (ago, category, description, items, place, state, extra) in enumerate(_ITEMS):
        at = now - timedelta(days=ago)
        day = office_day(at)
        unit = "T1-24F" if place.startswith("万通") else None
        session.add(LostItem(
            item_no=next_number(session, SERIES, day), estate="E2" if unit else "E1", category=category,
            description=description, items=items, found_at=at - timedelta(minutes=20), found_place=place,
            unit_id=unit, found_by="保洁 刘阿姨" if n % 2 else "保安 吴师傅", registered_by="front_desk",
            second_registrar="cs_assistant", second_registrar_name="客服助理", state=state, registered_at=at,
            unclaimed_at=office_midnight(domain.add_months(day, domain.UNCLAIMED_AFTER_MONTHS)),
            publicised_at=at + timedelta(hours=2) if state in ("publicised", "unclaimed") else None,
            channels=["app", "notice_board"] if state in ("publicised", "unclaimed") else None,
            claims=extra.get("claims", []), police_station=extra.get("police_station"),
            police_officer=extra.get("police_officer"), police_receipt_ref=extra.get("police_receipt_ref"),
            closed_at=at + timedelta(days=1) if state in ("returned", "handed_to_police") else None,
            closed_by="front_desk" if state in ("returned", "handed_to_police") else None))
    return f"{len(_ITEMS)} found items"
