"""Demo rows of a billing run: the office park's (E2) 2026-11 run, drafted from the demo's fee
schedules with the run's own rules (`domain.draft_lines`) and waiting for the finance supervisor's
review (the desk's queue): seven draft 《缴费通知单》. Nothing is on the ledger until the cashier
issues them (the demo's ledger, which the move-out and payment tests count on, is unchanged). The
flats' (E1) 2026-11 run is left for finance to start."""
from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from propdesk_services.billing.workflows.billing_run import domain
from propdesk_services.billing.workflows.billing_run.models import BillingRun, FeeNotice, FeeNoticeLine
from propdesk_services.billing.workflows.fee_schedules import domain as schedules
from propdesk_services.billing.workflows.fee_schedules.models import FeeAccountUnit, FeeSchedule

PERIOD, ESTATE = "2026-11", "E2"
LOADED = "billing run already loaded"
STARTED = datetime(2026, 11, 20, 2, 0, tzinfo=timezone.utc)


def load(session: Session) -> str:
    if session.scalar(select(BillingRun.run_id).where(BillingRun.period == PERIOD, BillingRun.estate == ESTATE)):
        return LOADED
    units = list(session.scalars(select(FeeAccountUnit).where(FeeAccountUnit.estate == ESTATE)
                                 .order_by(FeeAccountUnit.unit_id)))
    in_force = {kind: schedules.applicable(session.scalars(select(FeeSchedule)), ESTATE, kind, PERIOD)
                for kind in {u.kind for u in units}}
    run = BillingRun(run_id="BR-DEMO-E2-202611", run_no="BR-20261120-9001", period=PERIOD, estate=ESTATE,
                     state=domain.AWAITING_REVIEW, round=1, total_units=len(units), drafted_units=len(units),
                     notice_count=0, issued_count=0, total_amount=Decimal("0.00"), cursor="", started_by="fin-sup",
                     started_at=STARTED, drafted_at=STARTED)
    session.add(run)
    for n, unit in enumerate(units, start=1):
        lines = domain.draft_lines(unit, in_force[unit.kind], [], [])
        if not lines:
            continue
        notice = FeeNotice(notice_id=f"FN-DEMO-{n:02d}", notice_no=None, run_id=run.run_id, period=PERIOD,
                           unit_id=unit.unit_id, estate=ESTATE, payer_party_id=unit.payer_party_id, state=domain.DRAFT,
                           amount=sum((x.amount for x in lines), Decimal("0")), arrears_before=Decimal("0.00"),
                           drafted_at=STARTED)
        session.add(notice)
        session.add_all(FeeNoticeLine(notice_id=notice.notice_id, unit_id=unit.unit_id, period=PERIOD, item=x.item,
                                      basis=x.basis, source=x.source, source_ref=x.source_ref, quantity=x.quantity,
                                      unit_price=x.unit_price, amount=x.amount, description=x.description,
                                      charge_id=None) for x in lines)
        run.notice_count += 1
        run.total_amount += notice.amount
    session.flush()
    return f"billing run {run.run_no} ({run.notice_count} notices to review)"
