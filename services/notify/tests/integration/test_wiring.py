"""notify against the real broker: every row of its tables is reachable (each subscribed event type
bound to ``notify.on_event`` and consumed, the 1-second ``deliver_pending`` timer running, the query
over RPC), the channel plugins found through their entry points, and ``notification.sent`` on the
exchange with its cause. The rules themselves are tested on the unit tier (tests/unit/)."""
from __future__ import annotations

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from propdesk.chassis import metrics
from propdesk.chassis.tables import InboxRow
from propdesk.chassis.workflow import queries_of, subscriptions_by_handler
from propdesk.contracts import registry
from propdesk.contracts.envelope import Actor, Envelope, new_id, utcnow
from propdesk.errors import ValidationError
from propdesk_services.notify import channels, messages
from propdesk_services.notify.channels import MailSpoolChannel
from propdesk_services.notify.service import NotifyService
from propdesk_services.notify.tests.samples import SAMPLES, breach
from propdesk_services.notify.workflows.messages import domain
from propdesk_services.notify.workflows.messages.models import Message
from tests.helpers import call, collector, publish_raw, queue_messages, wait_for

TENANT = "TEN-1-1-303"
SLIP = "FX-20261122-0001"


@pytest.fixture
def notify(start_service):
    channels._instantiate.cache_clear()  # this test's data dir (mail spool)
    yield start_service(NotifyService)
    channels._instantiate.cache_clear()


def payloads(mo: str) -> dict[str, dict]:
    """One payload for every event type notify subscribes to (the request first: it names the tenant),
    the departments' from tests/samples.py, a breach for every DeadlineBreach contract."""
    move_out = {
        "move_out.requested": {
            "move_out_id": mo, "unit_id": "1-1-303", "tenant_id": TENANT, "owner_id": "OWN-1-1-303",
            "owner_consent_doc": "客户同意函 2026-118", "exit_date": "2026-11-30", "fitout_disposition": "restore"},
        "move_out.inspection_completed": {
            "move_out_id": mo, "work_order_no": "WO-1", "unit_id": "1-1-303", "passed": False,
            "defects": ["墙面破损"], "breach_notice_id": "WY-7"},
        "billing.clearance_failed": {
            "unit_id": "1-1-303", "party_id": TENANT, "move_out_id": mo, "outstanding_amount": "356.25",
            "as_of": "2026-11-22T09:00:00+00:00"},
        "release_slip.issued": {
            "slip_id": SLIP, "move_out_id": mo, "unit_id": "1-1-303", "applicant_type": "tenant",
            "goods": ["办公桌 10 张"], "clearance_ref": "evt-1"},
        "release_slip.released": {"slip_id": SLIP, "move_out_id": mo, "unit_id": "1-1-303", "guard_id": "guard-07"},
        "move_out.withdrawn": {"move_out_id": mo, "unit_id": "1-1-303", "reason": "租户续租",
                               "withdrawn_at": "2026-11-23T02:00:00+00:00"},
        "move_out.completed": {"move_out_id": mo, "unit_id": "1-1-303", "archived_at": "2026-11-30T08:00:00+00:00"},
    }
    return {**move_out, **SAMPLES, **{t: breach(t) for t in registry.breach_event_types()}}


def publish(env, event_type: str, payload: dict, correlation_id: str) -> Envelope:
    envelope = Envelope(new_id(), event_type, 1, utcnow(), "test", correlation_id, None,
                        Actor("test", "system"), payload)
    publish_raw(env.amqp_uri, envelope.to_json_dict(), event_type)
    return envelope


def processed(env, event_id: str) -> bool:
    with Session(create_engine(env.db_url("notify"))) as s:
        return s.get(InboxRow, ("notify.on_event", event_id)) is not None


def stored(env) -> int:
    with Session(create_engine(env.db_url("notify"))) as s:
        return s.scalar(select(func.count()).select_from(Message))


def test_the_tables_are_the_public_surface(notify):
    """Every row became an entrypoint with its public name; nothing else is public."""
    names = set(queries_of(messages, "notify")) | set(subscriptions_by_handler(messages)) | set(messages.TIMERS)
    assert names == {"list_messages", "list_audit", "on_event", "deliver_pending"}
    entrypoints = {ep.method_name for ep in notify.entrypoints}
    assert entrypoints - names == {"serve_metrics", "serve_health"} and names <= entrypoints


def test_every_event_type_is_consumed_and_its_messages_delivered(notify, propdesk_env):
    env, mo = propdesk_env, f"MO-{new_id()[:12]}"
    sent_q = collector(env.amqp_uri, "notification.sent")
    envelopes = {}
    for event_type, payload in payloads(mo).items():
        assert messages.SUBSCRIPTIONS[event_type]  # every type of the table, no other
        envelopes[event_type] = publish(env, event_type, payload, mo)
        wait_for(lambda: processed(env, envelopes[event_type].event_id), what=f"on_event to process {event_type}")
    assert set(envelopes) == set(messages.SUBSCRIPTIONS)

    # the timer delivers them all: the move-out's 2 + 1 + 1 + 3 + 1 + 2 + 2, and the templates' of the others
    expected = sum(len(domain.messages_for(t, p)) for t, p in payloads(mo).items())
    assert expected > 12 + 2 * len(registry.breach_event_types())
    found = wait_for(lambda: len(m := call(notify, "list_messages", correlation_id=mo)) == expected
                     and all(x["status"] == "sent" for x in m) and m, what="every message to be delivered")
    tenant_mail = [m for m in found if m["channel"] == "mail_spool"]
    assert {m["recipient_id"] for m in tenant_mail if m["recipient_role"] == "tenant"} == {TENANT}
    assert {m["recipient_id"] for m in tenant_mail if m["recipient_role"] != "tenant"} == {"OWN-1-1-303"}
    for m in tenant_mail:  # the mail_spool plugin, found through its entry point
        assert MailSpoolChannel(env).path_for(m["message_id"]).exists()

    events = wait_for(lambda: len(e := queue_messages(env.amqp_uri, sent_q)) == expected and e,
                      what="a notification.sent per message")
    cause = {m["message_id"]: m["event_id"] for m in found}
    assert {e["body"]["payload"]["message_id"]: e["body"]["causation_id"] for e in events} == cause
    assert {e["body"]["correlation_id"] for e in events} == {mo}
    assert {e["body"]["producer"] for e in events} == {"notify"}

    # the same event delivered again is absorbed by the inbox (at-least-once delivery)
    dup = metrics.INBOX_DUPLICATES.labels("notify", "notify.on_event")
    before = dup._value.get()
    publish_raw(env.amqp_uri, envelopes["move_out.requested"].to_json_dict(), "move_out.requested")
    wait_for(lambda: dup._value.get() == before + 1, what="the duplicate to be skipped")
    assert stored(env) == expected


def test_the_query_rejects_bad_arguments_naming_field_and_rule(notify):
    with pytest.raises(ValidationError) as e:
        call(notify, "list_messages", status="lost")
    assert {(p.field, p.rule) for p in e.value.problems} == {("status", "one_of")}
    assert call(notify, "list_messages") == []
