"""What the reports unit tests share: the harness, and delivering an event to ``on_any_event``.

`ServiceHarness.deliver` matches an event's type against the subscription table's keys literally,
so it never reaches a handler subscribed to every event ("#"), as ``on_any_event`` is: `deliver`
here runs the same chassis pipeline (`run_event`: inbox, unit of work, commit) for that handler."""
from __future__ import annotations

from propdesk.chassis.db import AlreadyProcessed
from propdesk.chassis.workflow import run_event
from propdesk.contracts.envelope import Actor, Envelope
from propdesk.testing.fake import ServiceHarness
from propdesk_services.reports import messages

(ON_ANY_EVENT,) = messages.SUBSCRIPTIONS["#"]

CS = Actor("cs-3", "cs_supervisor")
ENGINEER = Actor("eng-2", "engineering")


def deliver(app: ServiceHarness, event: Envelope, handler: str = "on_any_event") -> bool:
    """Deliver `event` to ``reports.on_any_event`` as the broker would; False when the inbox
    absorbed it as a duplicate. (`handler` names another queue, to get past the inbox.)"""
    try:
        run_event(app.db.factory(event, f"reports.{handler}"), ON_ANY_EVENT, event)
    except AlreadyProcessed:
        return False
    return True


def requested(app, mo: str, **kw) -> Envelope:
    return app.event("move_out.requested", {
        "move_out_id": mo, "unit_id": "1-1-303", "tenant_id": "TEN-1-1-303", "owner_id": "OWN-1-1-303",
        "owner_consent_doc": "客户同意函 2026-118", "exit_date": "2026-11-30", "fitout_disposition": "restore"},
        correlation_id=mo, producer="residents", actor=CS, **kw)


def inspected(app, mo: str, passed: bool, **kw) -> Envelope:
    return app.event("move_out.inspection_completed", {
        "move_out_id": mo, "work_order_no": "WO-20261122-0007", "unit_id": "1-1-303", "passed": passed,
        "defects": [] if passed else ["墙面破损"], "breach_notice_id": None if passed else "WY-7"},
        correlation_id=mo, producer="tickets", actor=ENGINEER, **kw)


def clearance(app, mo: str, cleared: bool, **kw) -> Envelope:
    return app.event("billing.clearance_confirmed" if cleared else "billing.clearance_failed", {
        "unit_id": "1-1-303", "party_id": "TEN-1-1-303", "move_out_id": mo,
        "outstanding_amount": "0.00" if cleared else "356.25", "as_of": "2026-11-22T09:00:00+00:00"},
        correlation_id=mo, producer="billing", **kw)


def approved(app, mo: str, **kw) -> Envelope:
    return app.event("move_out.release_approved", {
        "move_out_id": mo, "unit_id": "1-1-303", "owner_written_opinion_ref": "客户书面意见 2026-031"},
        correlation_id=mo, producer="residents", actor=CS, **kw)


def slip_issued(app, mo: str, slip: str = "FX-20261122-0001", **kw) -> Envelope:
    return app.event("release_slip.issued", {
        "slip_id": slip, "move_out_id": mo, "unit_id": "1-1-303", "applicant_type": "tenant",
        "goods": ["办公桌 10 张"], "clearance_ref": "evt-1"}, correlation_id=mo, producer="access", **kw)


def released(app, mo: str, slip: str = "FX-20261122-0001", **kw) -> Envelope:
    return app.event("release_slip.released", {
        "slip_id": slip, "move_out_id": mo, "unit_id": "1-1-303", "guard_id": "guard-07"},
        correlation_id=mo, producer="access", **kw)


def withdrawn(app, mo: str, **kw) -> Envelope:
    return app.event("move_out.withdrawn", {
        "move_out_id": mo, "unit_id": "1-1-303", "reason": "租户续租 lease renewed",
        "withdrawn_at": "2026-11-23T02:00:00+00:00"}, correlation_id=mo, producer="residents", actor=CS, **kw)


def completed(app, mo: str, **kw) -> Envelope:
    return app.event("move_out.completed", {
        "move_out_id": mo, "unit_id": "1-1-303", "archived_at": "2026-11-30T08:00:00+00:00"},
        correlation_id=mo, producer="residents", actor=CS, **kw)
