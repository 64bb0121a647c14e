"""The notify service against the real broker: messages stored per event, delivered by the timer
through the channel plugins (mail spool, staff inbox), retried when a channel fails."""
from __future__ import annotations

import email
from email.policy import default as default_policy

import pytest
from nameko.testing.services import entrypoint_hook
from nameko.timer import timer
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from propdesk.chassis import metrics
from propdesk.chassis.db import audit_trail
from propdesk.contracts.envelope import Actor, Envelope, new_id, utcnow
from propdesk.errors import ValidationError
from propdesk_services.notify import domain, models
from propdesk_services.notify.channels import Channel, MailSpoolChannel, StaffInboxChannel
from propdesk_services.notify.service import NotifyService
from tests.helpers import collector, publish_raw, queue_messages, wait_for

TENANT = "TEN-1-1-303"


# -- helpers ---------------------------------------------------------------------------------------
class FlakyMail(Channel):
    """A resident channel that fails its first `fail_times` sends of each message."""

    name = "mail_spool"
    fail_times = 0
    calls: dict[str, int] = {}

    def send(self, message) -> None:
        n = FlakyMail.calls[message.message_id] = FlakyMail.calls.get(message.message_id, 0) + 1
        if n <= self.fail_times:
            raise ConnectionError(f"mail relay down (try {n})")


@pytest.fixture
def notify(start_service):
    return start_service(NotifyService)


@pytest.fixture
def flaky_notify(start_service, monkeypatch):
    """Notify with FlakyMail as its resident channel, retrying quickly."""
    FlakyMail.calls = {}
    monkeypatch.setattr("propdesk.plugins.notify_channels",
                        lambda: {"staff_inbox": StaffInboxChannel, "mail_spool": FlakyMail})
    monkeypatch.setattr(domain, "RETRY_DELAYS_S", (0.1, 0.1, 0.1, 0.1))

    def start(fail_times: int):
        monkeypatch.setattr(FlakyMail, "fail_times", fail_times)
        return start_service(NotifyService)

    return start


@pytest.fixture
def move_out_id():
    return f"MO-{new_id()[:12]}"


def publish(env, event_type: str, payload: dict, correlation_id: str) -> Envelope:
    envelope = Envelope(new_id(), event_type, 1, utcnow(), "test", correlation_id, None,
                        Actor("test", "system"), payload)
    publish_raw(env.amqp_uri, envelope.to_json_dict(), event_type)
    return envelope


def requested(env, mo: str) -> Envelope:
    return publish(env, "move_out.requested", {
        "move_out_id": mo, "unit_id": "1-1-303", "tenant_id": TENANT, "owner_id": "OWN-1-1-303",
        "owner_consent_doc": "客户同意函 2026-118", "exit_date": "2026-11-30", "fitout_disposition": "restore"}, mo)


def slip_issued(env, mo: str) -> Envelope:
    return publish(env, "release_slip.issued", {
        "slip_id": "FX-20261122-0001", "move_out_id": mo, "unit_id": "1-1-303", "applicant_type": "tenant",
        "goods": ["办公桌 10 张"], "clearance_ref": "evt-1"}, mo)


def clearance_failed(env, mo: str) -> Envelope:
    return publish(env, "billing.clearance_failed", {
        "unit_id": "1-1-303", "party_id": TENANT, "move_out_id": mo, "outstanding_amount": "356.25",
        "as_of": "2026-11-22T09:00:00+00:00"}, mo)


def slip_released(env, mo: str) -> Envelope:
    return publish(env, "release_slip.released", {
        "slip_id": "FX-20261122-0001", "move_out_id": mo, "unit_id": "1-1-303", "guard_id": "guard-07"}, mo)


def messages(container, **filters) -> list[dict]:
    with entrypoint_hook(container, "list_messages") as call:
        return call(**filters)


def all_sent(container, mo: str, n: int):
    found = messages(container, correlation_id=mo)
    return len(found) == n and all(m["status"] == "sent" for m in found) and found


def trail(env, **kw) -> list[dict]:
    with Session(create_engine(env.db_url("notify"))) as s:
        return audit_trail(s, **kw)


def stored(env) -> int:
    with Session(create_engine(env.db_url("notify"))) as s:
        return s.scalar(select(func.count()).select_from(models.Message))


# -- storing and delivering --------------------------------------------------------------------------
def test_move_out_requested_reaches_the_tenant_by_mail_and_the_front_desk_inbox(notify, propdesk_env, move_out_id):
    sent_q = collector(propdesk_env.amqp_uri, "notification.sent")
    envelope = requested(propdesk_env, move_out_id)
    tenant, desk = wait_for(lambda: all_sent(notify, move_out_id, 2), what="both messages to be delivered")

    assert (tenant["recipient_role"], tenant["recipient_id"], tenant["channel"]) == ("tenant", TENANT, "mail_spool")
    assert (desk["recipient_role"], desk["recipient_id"], desk["channel"]) == ("front_desk", None, "staff_inbox")
    assert tenant["event_id"] == desk["event_id"] == envelope.event_id
    assert tenant["attempts"] == desk["attempts"] == 1 and tenant["sent_at"] and tenant["last_error"] is None
    assert [m["message_id"] for m in messages(notify, recipient_role="front_desk", status="sent")] == [desk["message_id"]]

    spooled = MailSpoolChannel(propdesk_env).path_for(tenant["message_id"])
    mail = email.message_from_bytes(spooled.read_bytes(), policy=default_policy)
    assert mail["To"].addresses[0].username == TENANT
    assert mail["Subject"] == tenant["subject"] and mail["Subject"].startswith("撤场申请已受理")
    assert mail["X-Propdesk-Correlation-Id"] == move_out_id
    assert mail["Message-ID"] == f"<{tenant['message_id']}@propdesk.local>"
    assert "撤场日期 2026-11-30" in mail.get_content()
    assert len(list(spooled.parent.glob("*.eml"))) == 1  # the front desk's message is not mailed

    events = wait_for(lambda: len(found := queue_messages(propdesk_env.amqp_uri, sent_q)) == 2 and found,
                      what="two notification.sent events")
    assert {e["body"]["payload"]["message_id"]: e["body"]["payload"]["status"] for e in events} == {
        tenant["message_id"]: "sent", desk["message_id"]: "sent"}
    assert {e["body"]["correlation_id"] for e in events} == {move_out_id}
    actions = sorted(a["action"] for a in trail(propdesk_env, correlation_id=move_out_id))
    assert actions == ["message.queue", "message.queue", "message.sent", "message.sent"]


def test_a_later_event_is_addressed_to_the_tenant_learned_from_the_request(notify, propdesk_env, move_out_id):
    requested(propdesk_env, move_out_id)
    wait_for(lambda: all_sent(notify, move_out_id, 2), what="the request's messages")
    slip_issued(propdesk_env, move_out_id)
    found = wait_for(lambda: all_sent(notify, move_out_id, 5), what="the slip's messages")
    slip_messages = {m["recipient_role"]: m for m in found if m["event_type"] == "release_slip.issued"}
    assert set(slip_messages) == {"tenant", "front_desk", "security"}
    assert slip_messages["tenant"]["recipient_id"] == TENANT
    assert slip_messages["security"]["channel"] == "staff_inbox"
    assert "FX-20261122-0001" in slip_messages["security"]["subject"]


def test_the_same_event_twice_stores_its_messages_once(notify, propdesk_env, move_out_id):
    envelope = requested(propdesk_env, move_out_id)
    dup = metrics.INBOX_DUPLICATES.labels("notify", "notify.on_event")
    before = dup._value.get()
    publish_raw(propdesk_env.amqp_uri, envelope.to_json_dict(), "move_out.requested")
    wait_for(lambda: dup._value.get() == before + 1, what="the duplicate to be skipped")
    assert stored(propdesk_env) == 2


def test_an_event_without_a_template_stores_nothing(notify, propdesk_env, move_out_id):
    """A passed inspection tells nobody (only defects are sent to the tenant)."""
    envelope = publish(propdesk_env, "move_out.inspection_completed", {
        "move_out_id": move_out_id, "work_order_no": "WO-1", "unit_id": "1-1-303", "passed": True,
        "defects": [], "breach_notice_id": None}, move_out_id)
    wait_for(lambda: _inbox_has(propdesk_env, envelope.event_id), what="the event to be processed")
    assert stored(propdesk_env) == 0


# -- failing channels ------------------------------------------------------------------------------
def test_a_failing_channel_marks_the_message_failed_and_retries_it(flaky_notify, propdesk_env, move_out_id):
    notify = flaky_notify(fail_times=2)
    sent_q = collector(propdesk_env.amqp_uri, "notification.sent")
    clearance_failed(propdesk_env, move_out_id)
    (message,) = wait_for(lambda: all_sent(notify, move_out_id, 1), what="the message to get through")

    assert message["recipient_id"] == TENANT and message["channel"] == "mail_spool"
    assert message["attempts"] == 3
    assert message["last_error"] == "ConnectionError: mail relay down (try 2)"
    assert FlakyMail.calls == {message["message_id"]: 3}
    audit = [(a["action"], a["details"].get("attempts")) for a in trail(propdesk_env, object_id=message["message_id"])]
    assert audit == [("message.queue", None), ("message.failed", 1), ("message.failed", 2), ("message.sent", 3)]
    (event,) = wait_for(lambda: queue_messages(propdesk_env.amqp_uri, sent_q), what="notification.sent")
    assert event["body"]["payload"]["status"] == "sent"


def test_a_channel_failing_every_attempt_gives_up_after_the_last(flaky_notify, propdesk_env, move_out_id):
    notify = flaky_notify(fail_times=99)
    sent_q = collector(propdesk_env.amqp_uri, "notification.sent")
    clearance_failed(propdesk_env, move_out_id)
    (message,) = wait_for(
        lambda: (found := messages(notify, correlation_id=move_out_id)) and found[0]["attempts"] == domain.MAX_ATTEMPTS
        and found, what="the attempts to be used up")
    assert message["status"] == "failed" and message["next_attempt_at"] is None
    assert message["last_error"] == f"ConnectionError: mail relay down (try {domain.MAX_ATTEMPTS})"
    (event,) = wait_for(lambda: queue_messages(propdesk_env.amqp_uri, sent_q), what="notification.sent")
    assert event["body"]["payload"]["status"] == "failed"
    assert event["body"]["payload"]["message_id"] == message["message_id"]

    # a message stored later is delivered by a later tick, which leaves the failed one alone
    slip_released(propdesk_env, move_out_id)
    wait_for(lambda: messages(notify, recipient_role="front_desk", status="sent"), what="a later delivery")
    assert FlakyMail.calls[message["message_id"]] == domain.MAX_ATTEMPTS
    assert messages(notify, status="failed")[0]["attempts"] == domain.MAX_ATTEMPTS


def test_a_tenant_message_waits_for_the_tenant_to_be_known(notify, propdesk_env, move_out_id, monkeypatch):
    """The slip's event overtook the request: the tenant's mail fails (no address yet) until the
    request is processed; the next attempt addresses and sends it."""
    monkeypatch.setattr(domain, "RETRY_DELAYS_S", (0.1, 0.1, 0.1, 0.1))
    slip_issued(propdesk_env, move_out_id)
    (waiting,) = wait_for(lambda: (m := messages(notify, correlation_id=move_out_id, recipient_role="tenant"))
                          and m[0]["attempts"] >= 1 and m, what="a first attempt at the unaddressed tenant message")
    assert waiting["status"] == "failed" and waiting["recipient_id"] is None
    assert "recipient unknown" in waiting["last_error"]

    requested(propdesk_env, move_out_id)
    found = wait_for(lambda: len(m := messages(notify, correlation_id=move_out_id, recipient_role="tenant")) == 2
                     and all(x["status"] == "sent" for x in m) and m, what="the tenant's mail")
    assert {m["recipient_id"] for m in found} == {TENANT}
    assert MailSpoolChannel(propdesk_env).path_for(waiting["message_id"]).exists()


def test_list_messages_rejects_an_unknown_status(notify):
    with pytest.raises(ValidationError) as e:
        messages(notify, status="lost")
    assert {(p.field, p.rule) for p in e.value.problems} == {("status", "one_of")}


def _inbox_has(env, event_id: str) -> bool:
    from propdesk.chassis.tables import InboxRow

    with Session(create_engine(env.db_url("notify"))) as s:
        return s.scalar(select(func.count()).select_from(InboxRow).where(InboxRow.event_id == event_id)) > 0


class OnDemandNotify(NotifyService):
    """Notify whose delivery timer does not fire during a test: the test calls it (one tick)."""

    @timer(interval=3600)
    def deliver_pending(self):
        return NotifyService.deliver_pending(self)


def test_one_delivery_tick_drains_a_backlog_larger_than_one_batch(start_service, propdesk_env, monkeypatch):
    """Each tick used to send one batch at most: at ~10 move-outs a second the backlog only grew."""
    from propdesk_services.notify import service as notify_service

    monkeypatch.setattr(notify_service, "DELIVERY_BATCH", 2)
    container = start_service(OnDemandNotify)
    cases = [f"MO-{new_id()[:12]}" for _ in range(3)]
    for mo in cases:
        requested(propdesk_env, mo)
    wait_for(lambda: stored(propdesk_env) == 6, what="six stored messages (two per request)")
    assert len(messages(container, status="pending")) == 6

    with entrypoint_hook(container, "deliver_pending") as tick:
        tick()

    assert len(messages(container, status="sent")) == 6
    assert messages(container, status="pending") == []
