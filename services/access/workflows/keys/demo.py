"""Demo key board: vacant units' keys (the unsold and unlet flats of §6's "keys not collected" and
"not renovated" households, and an office floor) held by their custodians, entrusted keys left by
owners at handover (QR-006FW), one given back; a month of loans to engineering, cleaning and security,
most returned (one late), one still out and due in three weeks, and one overdue (its deadline pending
past due: the queue shows it and the service's sweep announces key.loan_overdue). Written straight
to the session (not through commands): the events of a demo are not announced. Anchored on today
(as the counter's other registers)."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from propdesk import demo
from propdesk.chassis.tables import DeadlineRow
from propdesk_services.access.workflows.keys import domain
from propdesk_services.access.workflows.keys.handlers import LOAN_RETURN
from propdesk_services.access.workflows.keys.models import KeyLoan, UnitKey


# (unit, kind, category, custodian, owner, state)
_KEYS = (
    ("1-1-1801", "vacant", "entry_door", "fd-wang", None, "IN_CUSTODY"),
    ("1-1-1802", "vacant", "entry_door", "fd-wang", None, "IN_CUSTODY"),
    ("1-2-1604", "vacant", "entry_door", "fd-wang", None, "IN_CUSTODY"),
    ("2-1-0304", "vacant", "entry_door", "cs-liu", None, "IN_CUSTODY"),
    ("2-2-1102", "vacant", "mailbox", "cs-liu", None, "IN_CUSTODY"),
    ("3-1-1501", "vacant", "entry_door", "cs-liu", None, "IN_CUSTODY"),
    ("3-2-0203", "vacant", "utility_room", "fd-wang", None, "IN_CUSTODY"),
    ("T1-33F", "vacant", "entry_door", "fd-e2", None, "IN_CUSTODY"),
    ("1-1-0901", "entrusted", "entry_door", "fd-wang", "林业主", "IN_CUSTODY"),
    ("2-1-0501", "entrusted", "entry_door", "cs-liu", "周业主", "IN_CUSTODY"),
    ("3-1-0702", "entrusted", "entry_door", "fd-wang", "黄业主", "WITHDRAWN"),
)

# (key index, days out before now, hours lent, returned after hours or None, borrower, department, purpose)
_LOANS = (
    (0, 28, 4, 3, "陈师傅", "engineering", "空置房巡检 查漏水"),
    (3, 25, 2, 1.5, "保洁 王姐", "cleaning_greening", "开荒保洁"),
    (1, 20, 3, 2, "陈师傅", "engineering", "更换入户门锁芯"),
    (8, 16, 2, 1, "陈师傅", "engineering", "业主委托 检修暖气阀门"),
    (4, 12, 1, 5, "保安 李队", "security", "消防设施检查"),  # back late
    (5, 9, 3, 2.5, "销售部 赵经理", "sales", "带客户看房"),
    (6, 3, 6, None, "陈师傅", "engineering", "管井阀门维修"),  # still out, overdue
    (2, 0.1, 24 * 20, None, "装饰公司 钱工", "other", "空置房维修(工期三周)"),  # still out, due in three weeks
)


def load(session: Session, now: datetime) -> str:
    """Add the demo keys and loans (up to `now`) unless keys are already there; say what was added."""
    if session.scalar(select(UnitKey.id).limit(1)) is not None:
        return "keys already loaded"
    keys = []
    for n, (unit_id, kind, category, custodian, owner, state) in enumerate(_KEYS, start=1):
        at = now - timedelta(days=40 - n)
        key = UnitKey(key_no=f"KY-{at:%Y%m%d}-{9000 + n:04d}", kind=kind, category=category,
                      label=f"{unit_id} {'托管' if kind == 'entrusted' else '空置'} {n:02d}", copies=2 if n % 3 else 1,
                      unit_id=unit_id, estate=demo.estate_of(unit_id), custodian=custodian, state=domain.IN_CUSTODY,
                      owner_name=owner, entrustment_ref=f"QR-006FW-2026-{n:03d}" if owner else None,
                      registered_by=custodian, registered_at=at)
        if state == domain.WITHDRAWN:
            domain.withdraw(key, owner, custodian, now - timedelta(days=2))
        keys.append(key)
        session.add(key)
    session.flush()
    for n, (k, days, hours, back_after, borrower, department, purpose) in enumerate(_LOANS, start=1):
        key, out = keys[k], now - timedelta(days=days)
        loan = KeyLoan(loan_no=f"KL-{out:%Y%m%d}-{9000 + n:04d}")
        data = {"borrower": borrower, "department": department, "purpose": purpose,
                "expected_back_at": out + timedelta(hours=hours),
                "owner_authorisation_ref": "业主电话授权" if key.kind == domain.ENTRUSTED else None}
        domain.loan(key, loan, data, key.custodian, out)
        session.add(loan)
        deadline = DeadlineRow(rule=LOAN_RETURN, record_type="key_loan", record_id=loan.loan_no,
                               due_at=loan.expected_back_at, state="pending", responsible=key.custodian,
                               estate=key.estate, summary=f"{key.key_no} {key.unit_id} {borrower}",
                               correlation_id=loan.loan_no, created_at=out)
        if back_after is not None:
            back = out + timedelta(hours=back_after)
            domain.return_key(key, loan, key.custodian, back)
            deadline.state = "met" if back <= loan.expected_back_at else "met_late"
            deadline.closed_at = back
        session.add(deadline)
    session.flush()
    return f"{len(_KEYS)} keys, {len(_LOANS)} key loans"
