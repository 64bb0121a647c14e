"""The event log on the in-memory harness (no broker): every event logged once, a case's timeline
ordered by occurrence then arrival, the latest events, and the queries' edge."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from propdesk.chassis.clock import FakeClock
from propdesk.errors import ValidationError
from propdesk.testing.fake import ServiceHarness
from propdesk_services.reports.service import ReportsService
from propdesk_services.reports.tests.unit.support import (
    approved, clearance, deliver, inspected, requested, slip_issued,
)
from propdesk_services.reports.workflows.event_log.models import EventLog

T0 = datetime(2026, 11, 22, 9, 0, tzinfo=timezone.utc)
MO = "MO-20261122-0001"


@pytest.fixture
def app() -> ServiceHarness:
    return ServiceHarness(ReportsService, clock=FakeClock())


def rules(exc: ValidationError) -> set[tuple[str, str]]:
    return {(p.field, p.rule) for p in exc.problems}


def test_the_subscription_is_every_event(app):
    assert list(app.messages.SUBSCRIPTIONS) == ["#"]
    assert [h.__name__ for h in app.messages.SUBSCRIPTIONS["#"]] == ["on_any_event"]


def test_timeline_is_ordered_by_occurrence_then_by_arrival(app):
    slip = slip_issued(app, MO, occurred_at=T0 + timedelta(hours=3))
    req = requested(app, MO, occurred_at=T0)
    # two events at the same instant: the one received first comes first
    defects = inspected(app, MO, passed=False, occurred_at=T0 + timedelta(hours=1))
    passed = inspected(app, MO, passed=True, occurred_at=T0 + timedelta(hours=1))
    # 19:00 in Beijing is 11:00 UTC: between the inspections and the slip
    approval = approved(app, MO, occurred_at=datetime(2026, 11, 22, 19, 0, tzinfo=timezone(timedelta(hours=8))))
    for event in (slip, req, defects, passed, approval):
        assert deliver(app, event)
    other = requested(app, "MO-20261122-0002", occurred_at=T0)  # another case is not in this timeline
    deliver(app, other)

    timeline = app.query("timeline", MO)
    assert [e["event_id"] for e in timeline] == [req.event_id, defects.event_id, passed.event_id,
                                                 approval.event_id, slip.event_id]
    assert timeline[3]["occurred_at"] == "2026-11-22T11:00:00+00:00"
    first = timeline[0]
    assert first["event_type"] == "move_out.requested" and first["producer"] == "residents"
    assert first["actor"] == {"id": "cs-3", "role": "cs_supervisor"}
    assert first["summary"] == "申请已受理 Application accepted: 1-1-303, tenant TEN-1-1-303, exit 2026-11-30"
    assert first["payload"]["owner_consent_doc"] == "客户同意函 2026-118"
    assert timeline[1]["summary"].startswith("验收发现问题") and timeline[1]["actor"]["role"] == "engineering"
    assert timeline[2]["summary"] == "验收通过 Inspection passed: 1-1-303"

    recent = app.query("recent_events", 10)
    assert len(recent) == 6
    assert recent[0]["event_id"] == other.event_id and recent[0]["correlation_id"] == other.correlation_id
    assert [e["event_id"] for e in app.query("recent_events", 2)] == [other.event_id, approval.event_id]
    assert len(app.query("recent_events")) == 6  # 50 by default


def test_the_log_keeps_the_envelope(app):
    cause = requested(app, MO)
    app.clock.advance(minutes=5)
    effect = clearance(app, MO, cleared=True, causation_id=cause.event_id, occurred_at=T0)
    deliver(app, effect)
    with app.session() as s:
        row = s.query(EventLog).one()
    assert (row.event_id, row.event_type, row.version, row.producer) == (
        effect.event_id, "billing.clearance_confirmed", 1, "billing")
    assert (row.correlation_id, row.causation_id) == (MO, cause.event_id)
    assert row.received_at.replace(tzinfo=timezone.utc) == app.clock.now()
    assert row.payload["outstanding_amount"] == "0.00"


def test_the_same_event_twice_is_logged_once(app):
    envelope = requested(app, MO)
    assert deliver(app, envelope)
    assert not deliver(app, envelope)  # the inbox absorbed it
    assert deliver(app, envelope, handler="a_replay_past_the_inbox")  # and the log's event id too
    assert [e["event_id"] for e in app.query("timeline", MO)] == [envelope.event_id]
    assert len(app.query("recent_events")) == 1
    assert app.query("move_out_counts")["total"] == 1


def test_an_event_of_any_type_is_logged_with_a_line(app):
    deliver(app, app.event("notification.sent", {
        "message_id": "m1", "channel": "mail_spool", "recipient_role": "tenant", "recipient_id": "TEN-1-1-303",
        "subject": "撤场申请已受理", "status": "sent"}, correlation_id=MO, producer="notify"))
    deliver(app, app.event("payment.received", {
        "payment_id": "P-1", "party_id": None, "unit_id": "1-1-303", "amount": "356.25", "method": "cash",
        "receipt_no": "R-1"}, correlation_id="pay-1", producer="billing"))
    (sent,) = app.query("timeline", MO)
    assert sent["summary"] == "通知已发送 Message sent to tenant TEN-1-1-303 via mail_spool: 撤场申请已受理"
    assert app.query("recent_events", 1)[0]["summary"] == \
        "收款 Payment ¥356.25 for 1-1-303 by 现金 Cash, receipt R-1"
    assert app.query("move_out_counts")["total"] == 0  # neither is a move-out's


def test_queries_reject_bad_input(app):
    with pytest.raises(ValidationError) as e:
        app.query("recent_events", 0)
    assert rules(e.value) == {("limit", "range")}
    with pytest.raises(ValidationError) as e:
        app.query("recent_events", "ten")
    assert rules(e.value) == {("limit", "type")}
    with pytest.raises(ValidationError) as e:
        app.query("recent_events", 501)
    assert rules(e.value) == {("limit", "range")}
    with pytest.raises(ValidationError) as e:
        app.query("timeline", "")
    assert rules(e.value) == {("correlation_id", "length")}
    with pytest.raises(ValidationError) as e:
        app.query("timeline")
    assert rules(e.value) == {("_arguments", "signature")}
    assert app.query("timeline", "MO-unknown") == []
    assert app.query("move_out_counts")["total"] == 0
