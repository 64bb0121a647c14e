"""The demo data set (domain.md §6), as plain deterministic data: no I/O, no randomness.

What it holds:

- **A residential estate** [002 篇三]: buildings 1–3, two 单元 (stairs) each, rooms 01–04 per floor,
  unit ids ``building-stair-room`` such as ``1-1-401`` and ``3-2-902``. Building 1 stair 1 has all 18
  floors (the highest room seen is 1-1-1804); the other five stairs have floors 1, 2, 5, 9, 11 and
  15, which covers every unit the seed names (wall cracks, flue odour, exterior seepage).
- **An office tower** [000][002 篇八]: floors ``T1-24F`` and ``T1-31F``..``T1-35F`` let by a landlord
  (客户 in [000]) to tenant companies (租户), and ``T1-36F`` vacant.
- **Two estates** (管理处, `vocab.ESTATES`): the flats of buildings 1–3 are the residential estate
  ``E1``, the office tower is the office park ``E2`` (`RESIDENTIAL_ESTATE`, `OFFICE_ESTATE`,
  `estate_of`).
- Owners for every unit, tenants for about a third of the flats and for the let office floors.
- Monthly property fee (物业服务费, item ``property_fee``) for 2026-09 and 2026-10: area × ¥2.50/m²
  for flats, × ¥8.00/m² for offices **(inferred rates)**; payments for most of them, and a handful
  of accounts in arrears (some of them leased, so a demo move-out can show fees outstanding).
- A few open repairs from the seed's phase-2 list [002 篇三], as plain dicts.

Every function returns fresh lists of plain dicts (callers may change them). Amounts are
`Decimal`; `str()` them for JSON. Unit dicts carry the attributes of residents' `Unit`
(unit_id, building, kind, estate, owner_party_id, tenant_party_id) plus ``floor`` and ``area_m2``;
party dicts those of `Party` (party_id, name, role, phone); charge and payment dicts those of
billing's `Charge` / `Payment`.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

ESTATE_NAME = "新世界花园"
TOWER_NAME = "万通中心 T1"
#: The estates (管理处, `propdesk.contracts.vocab.ESTATES`) the demo's units belong to.
RESIDENTIAL_ESTATE = "E1"  # 阳光花园: buildings 1-3
OFFICE_ESTATE = "E2"  # 万通中心: the office tower T1

PERIODS: tuple[str, ...] = ("2026-09", "2026-10")
RESIDENTIAL_RATE = Decimal("2.50")  # ¥ per m² per month (inferred)
OFFICE_RATE = Decimal("8.00")  # ¥ per m² per month (inferred)

#: Repair categories and responsible parties suggested by domain.md §6.
REPAIR_CATEGORIES: tuple[str, ...] = ("土建", "门窗/纱窗", "可视对讲", "防盗门", "电梯", "暖气", "消防", "水电", "公共设施", "其他")
RESPONSIBLE_PARTIES: tuple[str, ...] = ("物业", "施工方", "厂家(维保)", "热力公司", "燃气公司")

BUILDINGS = ("1", "2", "3")
STAIRS = ("1", "2")
ROOMS = ("01", "02", "03", "04")
FULL_STAIR = ("1", "1")  # building 1, 单元 1: every floor
FULL_FLOORS = tuple(range(1, 19))
OTHER_FLOORS = (1, 2, 5, 9, 11, 15)
ROOM_AREA_M2 = {"01": Decimal("65.38"), "02": Decimal("78.52"), "03": Decimal("78.52"), "04": Decimal("92.16")}

#: Units the seed names [002 篇三]; all of them are in the data set.
SEED_NAMED_UNITS: tuple[str, ...] = (
    "1-1-401", "1-1-402", "1-2-1503", "3-2-502", "3-2-902",  # wall cracks
    "1-1-502", "1-1-602", "1-1-1202", "1-1-1804",  # flue odour
    "1-1-901", "1-2-1101", "1-2-1102",  # exterior seepage
)

OFFICE_LANDLORD_ID = "OWN-T1"
OFFICE_LANDLORD_NAME = "华鼎置业有限公司"
OFFICE_FLOORS: dict[str, tuple[Decimal, str | None]] = {
    # floor: (area m², tenant company or None when vacant)
    "24F": (Decimal("1620.00"), "中科智联信息技术有限公司"),
    "31F": (Decimal("1480.50"), "汇通国际货运代理有限公司"),
    "32F": (Decimal("1480.50"), "德信会计师事务所(特殊普通合伙)"),
    "33F": (Decimal("1480.50"), "博远建筑设计研究院有限公司"),
    "34F": (Decimal("1480.50"), "启明教育科技有限公司"),
    "35F": (Decimal("1480.50"), "瑞丰保险经纪有限公司"),
    "36F": (Decimal("1480.50"), None),
}

#: The leased flat with every fee paid: the happy-path move-out.
DEMO_HAPPY_UNIT = "1-1-303"
DEMO_HAPPY_TENANT = "TEN-1-1-303"
#: The leased flat owing both months: the move-out that shows "fees outstanding".
DEMO_ARREARS_UNIT = "1-1-702"
DEMO_ARREARS_TENANT = "TEN-1-1-702"

#: The password of every demo staff account (services/staff/demo.py: one account per role, the
#: username is the role code, e.g. ``front_desk``; ``front_desk_e2`` works at the office park).
#: For the demo only: `propdesk demo` prints it so a person can sign in after `make run`.
DEMO_STAFF_PASSWORD = "propdesk-demo"

#: Unpaid periods per account in arrears (the rest of the estate has paid).
ARREARS: dict[str, tuple[str, ...]] = {
    DEMO_ARREARS_UNIT: ("2026-09", "2026-10"),  # leased
    "3-2-1101": ("2026-10",),  # leased
    "T1-24F": ("2026-10",),  # leased office floor
    "1-1-1001": ("2026-10",),  # owner-occupied
    "1-2-203": ("2026-09", "2026-10"),  # not renovated yet
    "3-1-1502": ("2026-09", "2026-10"),  # keys not collected
}
#: Part payments: unit -> (period, amount paid of that period's charge).
PART_PAID: dict[str, tuple[str, Decimal]] = {"2-2-1504": ("2026-10", Decimal("100.00"))}

_SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
_GIVEN = (
    "伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟",
    "涛", "明", "超", "秀兰", "霞", "平", "刚", "桂英", "建华", "志强", "海燕", "玉兰", "国庆", "红梅", "文博",
)


def _person_name(i: int, salt: int) -> str:
    return _SURNAMES[(i * 7 + salt) % len(_SURNAMES)] + _GIVEN[(i * 11 + salt * 3 + i // 30) % len(_GIVEN)]


def _phone(i: int, salt: int) -> str:
    prefix = ("138", "139", "135", "186", "158", "131")[(i + salt) % 6]
    return f"{prefix}{(i * 7919 + salt * 104729 + 24680) % 100_000_000:08d}"


def _fee(area: Decimal, rate: Decimal) -> Decimal:
    return (area * rate).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _residential_layout() -> list[tuple[str, str, int, str]]:
    """(building, stair, floor, room) for every flat in the data set, in a fixed order."""
    out = []
    for b in BUILDINGS:
        for s in STAIRS:
            floors = FULL_FLOORS if (b, s) == FULL_STAIR else OTHER_FLOORS
            for f in floors:
                for r in ROOMS:
                    out.append((b, s, f, r))
    return out


def _leased(unit_id: str, floor: int, room: str) -> bool:
    # about a third of the flats are let (deterministic rule), plus the two demo units
    return (floor + int(room)) % 3 == 0 or unit_id in (DEMO_HAPPY_UNIT, DEMO_ARREARS_UNIT)


def estate_of(unit_id: str | None) -> str | None:
    """The estate of a demo unit id: ``T1-*`` is the office park (E2), a flat of buildings 1-3 the
    residential estate (E1); None for no unit (a common area is the caller's to place)."""
    if not unit_id:
        return None
    return OFFICE_ESTATE if unit_id.startswith("T1-") else RESIDENTIAL_ESTATE


def units() -> list[dict]:
    """Every unit: unit_id, building, kind ("residential" | "office"), estate ("E1" | "E2"),
    owner_party_id, tenant_party_id (None when not let), floor, area_m2 (Decimal)."""
    out: list[dict] = []
    for b, s, f, r in _residential_layout():
        unit_id = f"{b}-{s}-{f}{r}"
        out.append(
            {
                "unit_id": unit_id,
                "building": b,
                "kind": "residential",
                "estate": RESIDENTIAL_ESTATE,
                "owner_party_id": f"OWN-{unit_id}",
                "tenant_party_id": f"TEN-{unit_id}" if _leased(unit_id, f, r) else None,
                "floor": f,
                "area_m2": ROOM_AREA_M2[r],
            }
        )
    for floor, (area, tenant) in OFFICE_FLOORS.items():
        unit_id = f"T1-{floor}"
        out.append(
            {
                "unit_id": unit_id,
                "building": "T1",
                "kind": "office",
                "estate": OFFICE_ESTATE,
                "owner_party_id": OFFICE_LANDLORD_ID,
                "tenant_party_id": f"TEN-{unit_id}" if tenant else None,
                "floor": int(floor[:-1]),
                "area_m2": area,
            }
        )
    return out


def parties() -> list[dict]:
    """Every owner and tenant: party_id, name, role ("OWNER" | "TENANT"), phone.

    Flat owners are ``OWN-<unit>``, tenants ``TEN-<unit>``; the office landlord is ``OWN-T1``."""
    out: list[dict] = []
    for i, (b, s, f, r) in enumerate(_residential_layout()):
        unit_id = f"{b}-{s}-{f}{r}"
        out.append({"party_id": f"OWN-{unit_id}", "name": _person_name(i, 0), "role": "OWNER", "phone": _phone(i, 0)})
        if _leased(unit_id, f, r):
            out.append({"party_id": f"TEN-{unit_id}", "name": _person_name(i, 5), "role": "TENANT", "phone": _phone(i, 5)})
    out.append({"party_id": OFFICE_LANDLORD_ID, "name": OFFICE_LANDLORD_NAME, "role": "OWNER", "phone": "01065880000"})
    for n, (floor, (_area, tenant)) in enumerate(OFFICE_FLOORS.items()):
        if tenant:
            out.append({"party_id": f"TEN-T1-{floor}", "name": tenant, "role": "TENANT", "phone": f"0106588{1000 + n * 11:04d}"})
    return out


def charges() -> list[dict]:
    """Monthly property fee (物业服务费) per unit for each of PERIODS: unit_id, amount, period, item."""
    out: list[dict] = []
    for period in PERIODS:
        for u in units():
            rate = OFFICE_RATE if u["kind"] == "office" else RESIDENTIAL_RATE
            out.append({"unit_id": u["unit_id"], "amount": _fee(u["area_m2"], rate), "period": period, "item": "property_fee"})
    return out


def payments() -> list[dict]:
    """Payments against the charges: unit_id, amount, period, item, method (cash|cheque|bank),
    receipt_no. Everything is paid except ARREARS (unpaid periods) and PART_PAID (part of one)."""
    out: list[dict] = []
    seq = 0
    for c in charges():
        unit_id, period = c["unit_id"], c["period"]
        if period in ARREARS.get(unit_id, ()):
            continue
        amount = c["amount"]
        if unit_id in PART_PAID and PART_PAID[unit_id][0] == period:
            amount = PART_PAID[unit_id][1]
        seq += 1
        if unit_id.startswith("T1-"):
            method = "cheque" if int(unit_id[3:-1]) % 2 else "bank"
        else:
            method = "cash" if seq % 5 == 0 else "bank"
        out.append(
            {
                "unit_id": unit_id,
                "amount": amount,
                "period": period,
                "item": "property_fee",
                "method": method,
                "receipt_no": f"SK{period.replace('-', '')}-{seq:05d}",
            }
        )
    return out


def outstanding_by_unit() -> dict[str, Decimal]:
    """Charged minus paid per unit, for every unit that owes something (the arrears list)."""
    balance: dict[str, Decimal] = {}
    for c in charges():
        balance[c["unit_id"]] = balance.get(c["unit_id"], Decimal("0")) + c["amount"]
    for p in payments():
        balance[p["unit_id"]] -= p["amount"]
    return {u: v for u, v in balance.items() if v > 0}


DEMO_ARREARS_AMOUNT = _fee(ROOM_AREA_M2["02"], RESIDENTIAL_RATE) * len(ARREARS[DEMO_ARREARS_UNIT])

_REPAIRS = (
    # unit_id or None (common area), location, category, responsible party, summary, reported on
    ("1-1-401", "1-1-401 客厅", "土建", "施工方", "墙面裂缝 wall crack", "2026-09-03"),
    ("1-1-402", "1-1-402 卧室", "土建", "施工方", "墙面裂缝 wall crack", "2026-09-05"),
    ("1-2-1503", "1-2-1503 客厅", "土建", "施工方", "墙面裂缝 wall crack", "2026-09-12"),
    ("3-2-502", "3-2-502 卧室", "土建", "施工方", "墙面裂缝 wall crack", "2026-09-20"),
    ("3-2-902", "3-2-902 客厅", "土建", "施工方", "墙面裂缝 wall crack", "2026-10-02"),
    ("1-1-502", "1-1-502 厨房", "土建", "施工方", "烟道串味 flue odour", "2026-09-08"),
    ("1-1-602", "1-1-602 厨房", "土建", "施工方", "烟道串味 flue odour", "2026-09-08"),
    ("1-1-1202", "1-1-1202 厨房", "土建", "施工方", "烟道串味 flue odour", "2026-09-15"),
    ("1-1-1804", "1-1-1804 厨房", "土建", "施工方", "烟道串味 flue odour", "2026-09-15"),
    ("1-1-901", "1-1-901 外墙", "土建", "施工方", "外墙渗水 exterior seepage", "2026-10-10"),
    ("1-2-1101", "1-2-1101 外墙", "土建", "施工方", "外墙渗水 exterior seepage", "2026-10-11"),
    ("1-2-1102", "1-2-1102 外墙", "土建", "施工方", "外墙渗水 exterior seepage", "2026-10-11"),
    (None, "水泵房", "水电", "施工方", "水箱浮球阀缺失 missing float valve in the pump room", "2026-10-18"),
    ("1-1-1803", "1-1-1803 主卧窗", "门窗/纱窗", "厂家(维保)", "顶层窗户渗漏 top-floor window leak", "2026-10-21"),
    ("2-1-502", "2-1-502 入户", "可视对讲", "厂家(维保)", "可视对讲无图像 video intercom shows no picture", "2026-11-02"),
    ("3-1-901", "3-1-901 客厅", "暖气", "热力公司", "暖气片漏水 radiator leak", "2026-11-16"),
)


def open_repairs() -> list[dict]:
    """Open repairs (报修) from the seed's phase-2 list [002 篇三]: repair_id, unit_id (None for a
    common area), estate (the unit's; the common area is the residential estate's), location, category (REPAIR_CATEGORIES), responsible (RESPONSIBLE_PARTIES),
    summary, reported_on (ISO date), status "open"."""
    return [
        {
            "repair_id": f"BX-2026-{n:04d}",
            "unit_id": unit_id,
            "estate": estate_of(unit_id) or RESIDENTIAL_ESTATE,  # the pump room is the residential estate's
            "location": location,
            "category": category,
            "responsible": responsible,
            "summary": summary,
            "reported_on": reported_on,
            "status": "open",
        }
        for n, (unit_id, location, category, responsible, summary, reported_on) in enumerate(_REPAIRS, start=1)
    ]
