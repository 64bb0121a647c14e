"""What staff's unit tests share: the service on a `ServiceHarness` with the demo accounts, the
people acting, and readers of what a command left behind (rows, audit trail, stored secrets)."""
from __future__ import annotations

import json

from sqlalchemy import func, select, text

from propdesk import demo
from propdesk.chassis.clock import FakeClock
from propdesk.testing.fake import ServiceHarness
from propdesk_services.staff.service import StaffService
from propdesk_services.staff.workflows.accounts.models import StaffAccount

#: An admin acting from the CLI (no account of its own), and the demo's admin account.
CLI_ADMIN = {"id": "cli:root", "role": "admin"}
ADMIN = {"id": "admin", "role": "admin"}
CLERK = {"id": "front_desk", "role": "front_desk"}
PASSWORD = demo.DEMO_STAFF_PASSWORD
NEW_PASSWORD = "autumn-leaves-42"
CLIENT = {"address": "10.8.0.17", "user_agent": "Mozilla/5.0 (X11; Linux x86_64) Chromium/131"}


def new_app() -> ServiceHarness:
    return ServiceHarness(StaffService, clock=FakeClock(), demo=True)


def problems(exc_info) -> set[tuple[str, str]]:
    return {(p.field, p.rule) for p in exc_info.value.problems}


def new_staff(**kw) -> dict:
    return {"username": "wangfang", "name": "王芳", "department": "customer_service",
            "roles": ["front_desk"], "estates": ["E1"], "phone": "13912345678", "password": NEW_PASSWORD, **kw}


def sign_in(app, username: str = "front_desk", password: str = PASSWORD, **client) -> dict:
    return app.command("sign_in", {"username": username, "password": password, **(client or CLIENT)}, actor=None)


def account(app, username: str) -> StaffAccount:
    with app.session() as s:
        return s.get(StaffAccount, username)


def count(app, model) -> int:
    with app.session() as s:
        return s.scalar(select(func.count()).select_from(model))


def audit(app, action: str | None = None) -> list[dict]:
    """Audit rows as dicts (details parsed), oldest first."""
    return [{"actor_id": r.actor_id, "actor_role": r.actor_role, "action": r.action, "object_type": r.object_type,
             "object_id": r.object_id, "details": json.loads(r.details)} for r in app.audit(action)]


def everything_stored(app) -> str:
    """Every value of every row of every table, as one string: where a secret must never appear."""
    out = []
    with app.session() as s:
        names = [r[0] for r in s.execute(text("SELECT name FROM sqlite_master WHERE type = 'table'"))]
        for name in names:
            out += [repr(tuple(row)) for row in s.execute(text(f'SELECT * FROM "{name}"'))]
    return "\n".join(out)
