"""Demo staff: one account per role of `propdesk.policy.ROLES`, username = the role code
(``front_desk``, ``cs_manager``, ...), all at the residential estate E1, plus ``front_desk_e2``
at the office park E2; ``admin`` works for both. Every demo account's password is
`propdesk.demo.DEMO_STAFF_PASSWORD` and need not be changed (the demo is for trying the desk).
"""
from __future__ import annotations

from functools import lru_cache

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from propdesk import demo, policy
from propdesk.chassis.clock import SYSTEM_CLOCK
from propdesk.contracts.vocab import ESTATES
from propdesk_services.staff.workflows.accounts import domain
from propdesk_services.staff.workflows.accounts.models import StaffAccount

#: role -> (display name, department). Every role of policy.ROLES has one (a test checks it).
PEOPLE: dict[str, tuple[str, str]] = {
    "front_desk": ("王芳", "customer_service"),
    "cs_assistant": ("李娜", "customer_service"),
    "area_assistant": ("张伟", "customer_service"),
    "cs_specialist": ("刘洋", "customer_service"),
    "senior_cs": ("陈静", "customer_service"),
    "cs_supervisor": ("杨磊", "customer_service"),
    "cs_manager": ("赵敏", "customer_service"),
    "director": ("黄建国", "management_office"),
    "engineering": ("周强", "engineering"),
    "security": ("吴刚", "security"),
    "finance_supervisor": ("徐丽", "finance"),
    "cashier": ("孙燕", "finance"),
    "counter_staff": ("胡小红", "finance"),
    "admin": ("林涛", "administration"),
}
#: The office park's front desk (万通中心).
OFFICE_PARK_FRONT_DESK = ("front_desk_e2", "马丽", "customer_service", ["front_desk"], ["E2"])


def accounts() -> list[dict]:
    """The demo accounts as plain dicts (no password), in policy order, the office park's last."""
    # a role added to the policy without a person here still gets an account (named by its label;
    # the demo test asks for a person's name)
    staff_roles = [role for role in policy.ROLES if role not in policy.API_ONLY_ROLES]
    people = {role: PEOPLE.get(role, (policy.ROLES[role][0], "customer_service")) for role in staff_roles}
    out = [{"username": role, "name": people[role][0], "department": people[role][1], "roles": [role],
            "estates": list(ESTATES.codes) if role == domain.ADMIN else ["E1"],
            "phone": f"1380000{i:04d}"}
           for i, role in enumerate(staff_roles, start=1)]
    username, name, department, roles, estates = OFFICE_PARK_FRONT_DESK
    out.append({"username": username, "name": name, "department": department, "roles": roles,
                "estates": estates, "phone": f"1380000{len(out) + 1:04d}"})
    return out


@lru_cache(maxsize=1)
def _demo_hash() -> str:
    # one hash for every demo account (they share the demo password anyway): loading the demo
    # costs one argon2 hash, not sixteen
    return domain.hash_password(demo.DEMO_STAFF_PASSWORD)


def load(session: Session) -> str:
    """Add the demo accounts unless there are accounts already. Does not commit."""
    how = (f"sign in with a role code as username (e.g. front_desk, cs_manager, admin; front_desk_e2 at the "
           f"office park) and password {demo.DEMO_STAFF_PASSWORD}")
    existing = session.scalar(select(func.count()).select_from(StaffAccount))
    if existing:
        return f"skipped: {existing} staff accounts already; demo accounts {how}"
    now = SYSTEM_CLOCK.now()
    rows = [StaffAccount(**a, active=True, password_hash=_demo_hash(), must_change_password=False,
                         password_changed_at=now, created_at=now, updated_at=now, disabled_at=None)
            for a in accounts()]
    session.add_all(rows)
    session.flush()
    return f"{len(rows)} staff accounts: {how}"
