"""Demo release slips: the last month (anchored on today, as the counter's other registers) of 物品放行条 filled in at the desk, every
variant (owners the most, then tenants and agents, contractors' renovation waste, a company without a
specimen on file, a few moving with their fees cleared): most released at the gate, two refused, one
rejected by the owner on the phone, one cancelled, and some still waiting (the owner to be phoned,
Finance's fee check, the manager's signature) or issued and not used yet, so the desk's queues and
the guard's gate list show them. Written straight to the session (not through commands): the events
of a demo are not announced."""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from propdesk import demo
from propdesk_services.access.workflows.goods_release import domain
from propdesk_services.access.workflows.goods_release.models import ReleaseSlipItem
from propdesk_services.access.workflows.release_slip.models import ReleaseSlip

_GOODS = {
    "owner": [("旧沙发", 1, True, False), ("纸箱(书籍)", 8, False, False)],
    "non_owner": [("电冰箱", 1, True, False), ("行李箱", 3, False, False)],
    "contractor": [("装修垃圾(袋)", 20, False, False), ("废旧木料", 6, False, False)],
    "no_specimen": [("办公电脑", 4, False, True), ("文件柜", 2, True, False)],
}

# (days before END, variant, unit, applicant, moving, state)
_SLIPS = (
    (30, "owner", "1-1-401", "王建国", False, "RELEASED"),
    (28, "contractor", "2-1-1203", "赵师傅(装修负责人)", False, "RELEASED"),
    (27, "non_owner", "1-2-1101", "李明(租户)", True, "RELEASED"),
    (25, "owner", "3-2-902", "陈芳", False, "RELEASED"),
    (23, "no_specimen", "T1-24F", "万通贸易 钱经理", False, "RELEASED"),
    (21, "contractor", "1-1-1202", "孙师傅(装修负责人)", False, "REFUSED"),
    (19, "non_owner", "2-2-905", "周伟(受托人)", False, "REJECTED"),
    (17, "owner", "1-2-203", "吴静", True, "RELEASED"),
    (15, "owner", "3-1-204", "郑强", False, "CANCELLED"),
    (13, "contractor", "3-2-502", "冯师傅(装修负责人)", False, "RELEASED"),
    (11, "non_owner", "1-1-303", "何丽(租户)", False, "RELEASED"),
    (9, "owner", "2-1-502", "许军", False, "REFUSED"),
    (7, "no_specimen", "T1-31F", "中信咨询 林主任", False, "RELEASED"),
    (5, "owner", "1-1-1804", "马红", False, "RELEASED"),
    (3, "contractor", "2-2-1503", "韩师傅(装修负责人)", False, "ISSUED"),
    (2, "owner", "3-2-1204", "杨帆", True, "FEE_CLEARANCE"),
    (1, "non_owner", "1-2-702", "朱婷(租户)", False, "OWNER_CONFIRMATION"),
    (0.5, "no_specimen", "T1-35F", "华远科技 曹经理", False, "COUNTERSIGNATURE"),
    (0.2, "owner", "3-1-1002", "高峰", False, "ISSUED"),
)


def load(session: Session, now: datetime) -> str:
    """Add the demo slips (the month up to `now`) unless desk slips are already there; say what was added."""
    if session.scalar(select(ReleaseSlip.id).where(ReleaseSlip.move_out_id.is_(None)).limit(1)) is not None:
        return "release slips already loaded"
    for n, (days, variant, unit_id, applicant, moving, state) in enumerate(_SLIPS, start=1):
        at = now - timedelta(days=days)
        slip = ReleaseSlip(slip_no=f"FX-{at:%Y%m%d}-{9000 + n:04d}", move_out_id=None, unit_id=unit_id,
                           estate=demo.estate_of(unit_id), goods=[], clearance_ref=None)
        lines = domain.goods_lines([{"description": d, "quantity": q, "large": big, "valuable": val}
                                    for d, q, big, val in _GOODS[variant]])
        request = {"variant": variant, "moving": moving, "applicant_name": applicant,
                   "applicant_role": "agent" if "受托人" in applicant else "tenant",
                   "id_type": "business_licence" if variant == "no_specimen" else "resident_id",
                   "id_number": f"9111010{n:03d}MA01AB{n:02d}" if variant == "no_specimen" else f"3201021980010{n:04d}",
                   "authorisation_ref": f"委托书 2026-{n:03d}", "owner_name": "业主本人", "owner_phone": "13900001111",
                   "renovation_ref": f"ZX-2026-{n:03d}", "carrier_name": "搬家公司 刘师傅",
                   "carrier_id_type": "resident_id", "carrier_id_number": "1101051988********"}
        domain.open_request(slip, request, "fd-wang", "front_desk", at)
        slip.goods = domain.goods_text(lines)
        later = at + timedelta(minutes=20)
        if slip.state == domain.OWNER_CONFIRMATION and state != domain.OWNER_CONFIRMATION:
            if state == domain.REJECTED:
                domain.confirm_owner(slip, False, None, "业主表示未委托他人搬运物品", "fd-wang", later)
            else:
                domain.confirm_owner(slip, True, "业主本人", None, "fd-wang", later)
        if slip.state == domain.FEE_CLEARANCE and state != domain.FEE_CLEARANCE:
            domain.record_fee_check(slip, True, f"收据 00{n:05d}", None, "cash-sun", later)
        if slip.state == domain.COUNTERSIGNATURE and state != domain.COUNTERSIGNATURE:
            domain.countersign(slip, "mgr-zhao", "cs_manager", later)
        domain.issue(slip, slip.goods, secrets.token_hex(16), later)
        out = at + timedelta(hours=2)
        if state == domain.RELEASED:
            domain.release(slip, lines, "guard-07", domain.flagged_lines(lines), out)
        elif state == domain.REFUSED:
            domain.refuse(slip, "guard-07", "实际搬运物品多于放行条所列", out)
        elif state == domain.CANCELLED:
            domain.cancel(slip, "业主改期搬运", "fd-wang", later)
        assert slip.state == state, (slip.slip_no, slip.state, state)
        session.add(slip)
        session.flush()
        session.add_all(ReleaseSlipItem(slip_no=slip.slip_no, **line) for line in lines)
    session.flush()
    return f"{len(_SLIPS)} release slips"
