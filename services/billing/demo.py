"""Demo rows for billing: the property-fee charges of 2026-09/10 and their payments
(propdesk.demo.charges / payments), which leave a handful of units in arrears."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from propdesk import demo
from propdesk_services.billing.workflows.billing_run import demo as billing_run_demo
from propdesk_services.billing.workflows.fee_schedules import demo as fee_cycle
from propdesk_services.billing.workflows.payments import demo as payments_demo
from propdesk_services.billing.workflows.payments.models import Charge, Payment

_BEIJING = timezone(timedelta(hours=8))


def _received_at(period: str) -> datetime:
    """The demo's payments arrive on the 20th of their month, 10:00 Beijing time (inferred)."""
    year, month = map(int, period.split("-"))
    return datetime(year, month, 20, 10, 0, tzinfo=_BEIJING).astimezone(timezone.utc)


def load(session: Session) -> str:
    """Add the demo charges and payments unless charges are already there; say what was added."""
    cycle = fee_cycle.load(session)  # billed units, fee schedules, meter readings (the monthly cycle)
    run = billing_run_demo.load(session)  # the office park's 2026-11 run, drafted, awaiting review
    if session.scalar(select(Charge.id).limit(1)) is not None:
        ledger = payments_demo.load(session)  # a database whose charges were loaded before these rows existed
        added = [x for x in (cycle, run, ledger)
                 if x not in (fee_cycle.LOADED, billing_run_demo.LOADED, payments_demo.LOADED)]
        return "; ".join(["charges already loaded", *added])
    charges, payments = demo.charges(), demo.payments()
    estate = {u["unit_id"]: u["estate"] for u in demo.units()}  # each fee account is its unit's estate's
    session.add_all(Charge(**c, estate=estate[c["unit_id"]]) for c in charges)
    session.add_all(
        Payment(payment_id=f"PAY-{p['receipt_no']}", unit_id=p["unit_id"], estate=estate[p["unit_id"]],
                party_id=None, amount=p["amount"],
                method=p["method"], receipt_no=p["receipt_no"], received_at=_received_at(p["period"]),
                recorded_by="demo", period=p["period"], item=p["item"])
        for p in payments
    )
    session.flush()
    ledger = payments_demo.load(session)  # older arrears, a reversal, an unmatched bank line, deposits
    return f"{len(charges)} charges, {len(payments)} payments; {cycle}; {run}; {ledger}"
