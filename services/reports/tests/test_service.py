"""The reports service against the real broker: the event log, case timelines, and the move-out
projection fed by every event on the bus."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from propdesk.chassis import metrics
from propdesk.chassis.db import audit_trail
from propdesk.contracts.envelope import Actor, Envelope, new_id
from propdesk.errors import ValidationError
from propdesk_services.reports import domain
from propdesk_services.reports.service import ReportsService
from tests.helpers import call, publish_raw, wait_for

T0 = datetime(2026, 11, 22, 9, 0, tzinfo=timezone.utc)
CS = Actor("cs-3", "cs_supervisor")


@pytest.fixture
def reports(start_service):
    return start_service(ReportsService)


def publish(env, event_type: str, payload: dict, correlation_id: str, occurred_at: datetime = T0,
            producer: str = "residents", actor: Actor = CS) -> Envelope:
    envelope = Envelope(new_id(), event_type, 1, occurred_at, producer, correlation_id, None, actor, payload)
    publish_raw(env.amqp_uri, envelope.to_json_dict(), event_type)
    return envelope


def requested(env, mo: str, at: datetime = T0) -> Envelope:
    return publish(env, "move_out.requested", {
        "move_out_id": mo, "unit_id": "1-1-303", "tenant_id": "TEN-1-1-303", "owner_id": "OWN-1-1-303",
        "owner_consent_doc": "客户同意函 2026-118", "exit_date": "2026-11-30", "fitout_disposition": "restore"},
        mo, at)


def inspected(env, mo: str, passed: bool, at: datetime = T0) -> Envelope:
    return publish(env, "move_out.inspection_completed", {
        "move_out_id": mo, "work_order_no": "WO-20261122-0007", "unit_id": "1-1-303", "passed": passed,
        "defects": [] if passed else ["墙面破损"], "breach_notice_id": None if passed else "WY-7"},
        mo, at, producer="tickets", actor=Actor("eng-2", "engineering"))


def slip_issued(env, mo: str, at: datetime = T0) -> Envelope:
    return publish(env, "release_slip.issued", {
        "slip_id": "FX-20261122-0001", "move_out_id": mo, "unit_id": "1-1-303", "applicant_type": "tenant",
        "goods": ["办公桌 10 张"], "clearance_ref": "evt-1"}, mo, at, producer="access", actor=Actor("access", "system"))


def timeline_of(reports, mo: str, n: int) -> list[dict]:
    return wait_for(lambda: len(t := call(reports, "timeline", mo)) == n and t, what=f"{n} events in the timeline")


def counts_total(reports, n: int) -> dict:
    return wait_for(lambda: (c := call(reports, "move_out_counts"))["total"] == n and c, what=f"{n} move-outs")


def rules(exc: ValidationError) -> set[tuple[str, str]]:
    return {(p.field, p.rule) for p in exc.problems}


# -- timeline ----------------------------------------------------------------------------------------
def test_timeline_is_ordered_by_occurrence_then_by_arrival(reports, propdesk_env):
    mo = f"MO-{new_id()[:12]}"
    slip = slip_issued(propdesk_env, mo, at=T0 + timedelta(hours=3))
    timeline_of(reports, mo, 1)
    req = requested(propdesk_env, mo, at=T0)
    timeline_of(reports, mo, 2)
    # two events at the same instant: the one received first comes first
    defects = inspected(propdesk_env, mo, passed=False, at=T0 + timedelta(hours=1))
    timeline_of(reports, mo, 3)
    passed = inspected(propdesk_env, mo, passed=True, at=T0 + timedelta(hours=1))
    timeline_of(reports, mo, 4)
    # 19:00 in Beijing is 11:00 UTC: between the inspections and the slip
    approved = publish(propdesk_env, "move_out.release_approved", {
        "move_out_id": mo, "unit_id": "1-1-303", "owner_written_opinion_ref": "客户书面意见 2026-031"},
        mo, datetime(2026, 11, 22, 19, 0, tzinfo=timezone(timedelta(hours=8))))
    timeline = timeline_of(reports, mo, 5)
    other = requested(propdesk_env, f"MO-{new_id()[:12]}")  # another case is not in this timeline

    assert [e["event_id"] for e in timeline] == [req.event_id, defects.event_id, passed.event_id,
                                                 approved.event_id, slip.event_id]
    assert timeline[3]["occurred_at"] == "2026-11-22T11:00:00+00:00"
    first = timeline[0]
    assert first["event_type"] == "move_out.requested" and first["producer"] == "residents"
    assert first["actor"] == {"id": "cs-3", "role": "cs_supervisor"}
    assert first["summary"] == "撤场申请已受理 Move-out accepted: 1-1-303, tenant TEN-1-1-303, exit 2026-11-30"
    assert first["payload"]["owner_consent_doc"] == "客户同意函 2026-118"
    assert timeline[1]["summary"].startswith("验收发现问题") and timeline[1]["actor"]["role"] == "engineering"

    recent = wait_for(lambda: len(r := call(reports, "recent_events", 10)) == 6 and r, what="the other case")
    assert call(reports, "timeline", mo) == timeline
    assert recent[0]["event_id"] == other.event_id and recent[0]["correlation_id"] == other.correlation_id
    assert [e["event_id"] for e in call(reports, "recent_events", 2)] == [other.event_id, approved.event_id]


# -- the move-out projection -------------------------------------------------------------------------
def test_move_out_counts_by_state(reports, propdesk_env):
    a, b, c = (f"MO-{new_id()[:12]}" for _ in range(3))
    requested(propdesk_env, a)
    timeline_of(reports, a, 1)
    inspected(propdesk_env, a, passed=False)
    requested(propdesk_env, b)
    slip_issued(propdesk_env, c)   # overtook its request: the state does not go back
    counts_total(reports, 3)
    wait_for(lambda: call(reports, "move_out_counts")["by_state"][domain.DEFECTS_FOUND] == 1, what="the inspection")
    requested(propdesk_env, c)
    wait_for(lambda: len(call(reports, "timeline", c)) == 2, what="the late request")

    counts = call(reports, "move_out_counts")
    assert counts == {"total": 3, "by_state": {
        domain.APPLICATION_ACCEPTED: 1, domain.DEFECTS_FOUND: 1, domain.INSPECTION_PASSED: 0,
        domain.RELEASE_APPROVED: 0, domain.SLIP_ISSUED: 1, domain.GOODS_RELEASED: 0}}
    with Session(create_engine(propdesk_env.db_url("reports"))) as s:
        changes = [(t["details"]["from"], t["details"]["to"]) for t in audit_trail(s, object_id=a)]
        assert changes == [(None, domain.APPLICATION_ACCEPTED), (domain.APPLICATION_ACCEPTED, domain.DEFECTS_FOUND)]
        assert [(t["details"]["from"], t["details"]["to"]) for t in audit_trail(s, object_id=c)] == [
            (None, domain.SLIP_ISSUED)]


def test_the_same_event_twice_is_logged_and_counted_once(reports, propdesk_env):
    mo = f"MO-{new_id()[:12]}"
    envelope = requested(propdesk_env, mo)
    timeline_of(reports, mo, 1)
    dup = metrics.INBOX_DUPLICATES.labels("reports", "reports.on_any_event")
    before = dup._value.get()
    publish_raw(propdesk_env.amqp_uri, envelope.to_json_dict(), "move_out.requested")
    wait_for(lambda: dup._value.get() == before + 1, what="the duplicate to be skipped")
    assert [e["event_id"] for e in call(reports, "timeline", mo)] == [envelope.event_id]
    assert call(reports, "move_out_counts")["total"] == 1
    assert len(call(reports, "recent_events")) == 1


def test_queries_reject_bad_input(reports):
    with pytest.raises(ValidationError) as e:
        call(reports, "recent_events", 0)
    assert rules(e.value) == {("limit", "range")}
    with pytest.raises(ValidationError) as e:
        call(reports, "recent_events", "ten")
    assert rules(e.value) == {("limit", "type")}
    with pytest.raises(ValidationError) as e:
        call(reports, "timeline", "")
    assert rules(e.value) == {("correlation_id", "length")}
    assert call(reports, "timeline", "MO-unknown") == []
    assert call(reports, "move_out_counts")["total"] == 0
