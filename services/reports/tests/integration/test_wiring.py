"""reports against the real broker: every row of its tables is reachable (``reports.on_any_event``
bound to every event, "#", and consumed; the queries over RPC), and a duplicate delivery is
absorbed. The rules themselves are tested on the unit tier (tests/unit/)."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from propdesk.chassis import metrics
from propdesk.chassis.workflow import queries_of, subscriptions_by_handler
from propdesk.contracts.envelope import Actor, Envelope, new_id
from propdesk.errors import ValidationError
from propdesk_services.reports import messages
from propdesk_services.reports.service import ReportsService
from tests.helpers import call, publish_raw, wait_for

T0 = datetime(2026, 11, 22, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def reports(start_service):
    return start_service(ReportsService)


def publish(env, event_type: str, payload: dict, correlation_id: str, producer: str = "residents") -> Envelope:
    envelope = Envelope(new_id(), event_type, 1, T0, producer, correlation_id, None,
                        Actor("cs-3", "cs_supervisor"), payload)
    publish_raw(env.amqp_uri, envelope.to_json_dict(), event_type)
    return envelope


def test_the_tables_are_the_public_surface(reports):
    """Every row became an entrypoint with its public name; nothing else is public."""
    names = set(queries_of(messages, "reports")) | set(subscriptions_by_handler(messages))
    assert names == {"timeline", "recent_events", "move_out_counts", "list_audit", "on_any_event"}
    entrypoints = {ep.method_name for ep in reports.entrypoints}
    assert entrypoints - names == {"serve_metrics", "serve_health"} and names <= entrypoints


def test_every_event_reaches_the_log_and_the_board_over_the_broker(reports, propdesk_env):
    env, mo = propdesk_env, f"MO-{new_id()[:12]}"
    requested = publish(env, "move_out.requested", {
        "move_out_id": mo, "unit_id": "1-1-303", "tenant_id": "TEN-1-1-303", "owner_id": "OWN-1-1-303",
        "owner_consent_doc": "客户同意函 2026-118", "exit_date": "2026-11-30", "fitout_disposition": "restore"}, mo)
    withdrawn = publish(env, "move_out.withdrawn", {
        "move_out_id": mo, "unit_id": "1-1-303", "reason": "租户续租", "withdrawn_at": "2026-11-23T02:00:00+00:00"}, mo)
    payment = publish(env, "payment.received", {  # not a move-out's: logged all the same ("#")
        "payment_id": "P-1", "party_id": None, "unit_id": "1-1-303", "amount": "356.25", "method": "cash",
        "receipt_no": "R-1"}, "pay-1", producer="billing")

    timeline = wait_for(lambda: len(t := call(reports, "timeline", mo)) == 2 and t, what="the case's two events")
    assert {e["event_id"] for e in timeline} == {requested.event_id, withdrawn.event_id}
    recent = wait_for(lambda: len(r := call(reports, "recent_events", limit=10)) == 3 and r, what="three events")
    assert payment.event_id in {e["event_id"] for e in recent}
    counts = call(reports, "move_out_counts")
    assert counts["total"] == 1 and counts["by_state"]["WITHDRAWN"] == 1

    # the same event delivered again is absorbed (at-least-once delivery)
    dup = metrics.INBOX_DUPLICATES.labels("reports", "reports.on_any_event")
    before = dup._value.get()
    publish_raw(env.amqp_uri, requested.to_json_dict(), "move_out.requested")
    wait_for(lambda: dup._value.get() == before + 1, what="the duplicate to be skipped")
    assert len(call(reports, "timeline", mo)) == 2 and call(reports, "move_out_counts")["total"] == 1


def test_bad_input_over_rpc_names_field_and_rule(reports):
    with pytest.raises(ValidationError) as e:
        call(reports, "recent_events", 0)
    assert {(p.field, p.rule) for p in e.value.problems} == {("limit", "range")}
    with pytest.raises(ValidationError) as e:
        call(reports, "timeline", "")
    assert {(p.field, p.rule) for p in e.value.problems} == {("correlation_id", "length")}
