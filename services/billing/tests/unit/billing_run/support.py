"""Driving a billing run on the harness."""
from __future__ import annotations

from datetime import datetime, timezone

from propdesk.chassis.clock import FakeClock
from propdesk.testing.fake import ServiceHarness
from propdesk_services.billing.service import BillingService
from propdesk_services.billing.tests.unit.cycle import CASHIER, SUPERVISOR
from propdesk_services.billing.workflows.billing_run.handlers import advance_billing_runs

#: 2026-11-20 10:00 in Beijing: the month's readings are in, the review is due on the 25th
NOV_20 = datetime(2026, 11, 20, 2, 0, tzinfo=timezone.utc)


def harness(at: datetime = NOV_20) -> ServiceHarness:
    return ServiceHarness(BillingService, clock=FakeClock(at), demo=True)


def drive(app, max_batches: int = 1000, batch: int = 500) -> int:
    return advance_billing_runs(app.db.factory(), max_batches=max_batches, batch=batch)


def drafted_run(app, estate: str = "E1", period: str = "2026-11") -> dict:
    run = app.command("start_billing_run", {"period": period, "estate": estate}, SUPERVISOR)
    drive(app)
    return app.query("get_billing_run", run["run_id"])


def issued_run(app, estate: str = "E1", period: str = "2026-11") -> dict:
    run = drafted_run(app, estate, period)
    app.command("review_billing_run", {"run_id": run["run_id"], "decision": "approve"}, SUPERVISOR)
    app.command("issue_billing_run", {"run_id": run["run_id"]}, CASHIER)
    drive(app)
    return app.query("get_billing_run", run["run_id"])


def notices(app, run_id: str, **filters) -> list[dict]:
    return app.query("list_fee_notices", run_id, filters.get("period"), filters.get("state"), filters.get("unit_id"))
