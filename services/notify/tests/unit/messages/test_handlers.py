"""The messages workflow on the in-memory harness (no broker): messages stored per event, delivered
by the `deliver_pending` timer through the channel plugins (mail spool, staff inbox), retried when a
channel fails, the retry delays passed by moving the clock."""
from __future__ import annotations

import email
import json
from datetime import timedelta
from email.policy import default as default_policy

import pytest

from propdesk.chassis.clock import FakeClock
from propdesk.errors import ValidationError
from propdesk.testing.fake import ServiceHarness
from propdesk_services.notify import channels
from propdesk_services.notify.channels import Channel, MailSpoolChannel, StaffInboxChannel
from propdesk_services.notify.service import NotifyService
from propdesk_services.notify.workflows.messages import domain, timers
from propdesk_services.notify.workflows.messages.models import Message

TENANT = "TEN-1-1-303"
MO = "MO-20261123-0001"
SLIP = "FX-20261123-0001"


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


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    """Each test its own data dir (the mail spool) and freshly instantiated channels."""
    monkeypatch.setenv("PROPDESK_DATA_DIR", str(tmp_path / "var"))
    channels._instantiate.cache_clear()
    yield tmp_path / "var"
    channels._instantiate.cache_clear()


@pytest.fixture
def app() -> ServiceHarness:
    return ServiceHarness(NotifyService, clock=FakeClock())


@pytest.fixture
def flaky(monkeypatch):
    """FlakyMail as the resident channel: `flaky(fail_times)`."""
    FlakyMail.calls = {}
    monkeypatch.setattr("propdesk.plugins.notify_channels",
                        lambda: {"staff_inbox": StaffInboxChannel, "mail_spool": FlakyMail})

    def set_failures(fail_times: int) -> None:
        monkeypatch.setattr(FlakyMail, "fail_times", fail_times)

    return set_failures


def requested(app, mo: str = MO):
    return app.event("move_out.requested", {
        "move_out_id": mo, "unit_id": "1-1-303", "tenant_id": TENANT, "owner_id": "OWN-1-1-303",
        "owner_consent_doc": "客户同意函 2026-118", "exit_date": "2026-11-30", "fitout_disposition": "restore"},
        correlation_id=mo)


def slip_issued(app, mo: str = MO):
    return app.event("release_slip.issued", {
        "slip_id": SLIP, "move_out_id": mo, "unit_id": "1-1-303", "applicant_type": "tenant",
        "goods": ["办公桌 10 张"], "clearance_ref": "evt-1"}, correlation_id=mo)


def clearance_failed(app, mo: str = MO):
    return app.event("billing.clearance_failed", {
        "unit_id": "1-1-303", "party_id": TENANT, "move_out_id": mo, "outstanding_amount": "356.25",
        "as_of": "2026-11-22T09:00:00+00:00"}, correlation_id=mo)


def slip_released(app, mo: str = MO):
    return app.event("release_slip.released", {
        "slip_id": SLIP, "move_out_id": mo, "unit_id": "1-1-303", "guard_id": "guard-07"}, correlation_id=mo)


def withdrawn(app, mo: str = MO):
    return app.event("move_out.withdrawn", {
        "move_out_id": mo, "unit_id": "1-1-303", "reason": "租户续租 lease renewed",
        "withdrawn_at": "2026-11-23T02:00:00+00:00"}, correlation_id=mo)


def completed(app, mo: str = MO):
    return app.event("move_out.completed", {
        "move_out_id": mo, "unit_id": "1-1-303", "archived_at": "2026-11-30T08:00:00+00:00"}, correlation_id=mo)


def messages(app, **filters) -> list[dict]:
    return app.query("list_messages", **filters)


def audit(app, **where) -> list[tuple[str, dict]]:
    return [(a.action, json.loads(a.details)) for a in app.audit()
            if all(getattr(a, k) == v for k, v in where.items())]


def stored(app) -> int:
    with app.session() as s:
        return s.query(Message).count()


# -- storing and delivering --------------------------------------------------------------------------
def test_move_out_requested_reaches_the_tenant_by_mail_and_the_front_desk_inbox(app, data_dir):
    envelope = requested(app)
    assert app.deliver(envelope) == ["on_event"]
    assert [m["status"] for m in messages(app, correlation_id=MO)] == ["pending", "pending"]

    assert app.tick("deliver_pending") == 2
    tenant, desk = messages(app, correlation_id=MO)
    assert (tenant["recipient_role"], tenant["recipient_id"], tenant["channel"]) == ("tenant", TENANT, "mail_spool")
    assert (desk["recipient_role"], desk["recipient_id"], desk["channel"]) == ("front_desk", None, "staff_inbox")
    assert tenant["event_id"] == desk["event_id"] == envelope.event_id
    assert tenant["status"] == desk["status"] == "sent"
    assert tenant["attempts"] == desk["attempts"] == 1 and tenant["last_error"] is None
    assert tenant["sent_at"] == app.clock.now().isoformat()
    assert [m["message_id"] for m in messages(app, recipient_role="front_desk", status="sent")] == [desk["message_id"]]

    spooled = MailSpoolChannel(channels.Settings.from_env()).path_for(tenant["message_id"])
    assert spooled.parent == data_dir / "mail_spool"
    mail = email.message_from_bytes(spooled.read_bytes(), policy=default_policy)
    assert mail["To"].addresses[0].username == TENANT
    assert mail["Subject"] == tenant["subject"] and mail["Subject"].startswith("撤场申请已受理")
    assert mail["X-Propdesk-Correlation-Id"] == MO
    assert mail["Message-ID"] == f"<{tenant['message_id']}@propdesk.local>"
    assert mail["Date"].datetime == app.clock.now()  # dated when the message was made
    assert "撤场日期 2026-11-30" in mail.get_content()
    assert len(list(spooled.parent.glob("*.eml"))) == 1  # the front desk's message is not mailed

    sent = app.events("notification.sent")
    assert {e.payload["message_id"]: e.payload["status"] for e in sent} == {
        tenant["message_id"]: "sent", desk["message_id"]: "sent"}
    assert {e.correlation_id for e in sent} == {MO}
    actions = sorted(a for a, _ in audit(app, correlation_id=MO))
    assert actions == ["message.queue", "message.queue", "message.sent", "message.sent"]

    assert app.tick("deliver_pending") == 0  # nothing is sent twice
    assert len(app.events("notification.sent")) == 2


def test_notification_sent_is_caused_by_the_event_the_message_was_made_from(app):
    """Defect: every notification.sent carried causation_id null, so a case's timeline could not
    say which event a message answered."""
    request, slip = requested(app), slip_issued(app)
    app.deliver(request)
    app.deliver(slip)
    app.tick("deliver_pending")

    by_message = {m["message_id"]: m["event_id"] for m in messages(app)}
    sent = app.events("notification.sent")
    assert len(sent) == 5
    assert {e.payload["message_id"]: e.causation_id for e in sent} == by_message
    assert sorted(e.causation_id for e in sent) == sorted([request.event_id] * 2 + [slip.event_id] * 3)
    assert {e.correlation_id for e in sent} == {MO}
    assert {e.producer for e in sent} == {"notify"}


def test_a_later_event_is_addressed_to_the_tenant_learned_from_the_request(app):
    app.deliver(requested(app))
    app.tick("deliver_pending")
    app.deliver(slip_issued(app))
    app.tick("deliver_pending")
    found = messages(app, correlation_id=MO)
    assert len(found) == 5 and all(m["status"] == "sent" for m in found)
    slip_messages = {m["recipient_role"]: m for m in found if m["event_type"] == "release_slip.issued"}
    assert set(slip_messages) == {"tenant", "front_desk", "security"}
    assert slip_messages["tenant"]["recipient_id"] == TENANT
    assert slip_messages["security"]["channel"] == "staff_inbox"
    assert SLIP in slip_messages["security"]["subject"]


@pytest.mark.parametrize("event, subject", [
    (withdrawn, "撤场申请已撤回"),
    (completed, "撤场手续已办结"),
])
def test_a_withdrawn_or_completed_move_out_is_told_to_the_tenant_and_the_front_desk(app, event, subject):
    app.deliver(requested(app))
    envelope = event(app)
    assert app.deliver(envelope) == ["on_event"]
    app.tick("deliver_pending")
    tenant, desk = [m for m in messages(app, correlation_id=MO) if m["event_id"] == envelope.event_id]
    assert (tenant["recipient_role"], tenant["recipient_id"], tenant["status"]) == ("tenant", TENANT, "sent")
    assert (desk["recipient_role"], desk["channel"], desk["status"]) == ("front_desk", "staff_inbox", "sent")
    assert tenant["subject"].startswith(subject)


def test_the_same_event_twice_stores_its_messages_once(app):
    envelope = requested(app)
    assert app.deliver(envelope) == ["on_event"]
    assert app.deliver(envelope) == []  # the inbox absorbed it
    assert stored(app) == 2


def test_an_event_without_a_template_stores_nothing(app):
    """A passed inspection tells nobody (only defects are sent to the tenant)."""
    assert app.deliver(app.event("move_out.inspection_completed", {
        "move_out_id": MO, "work_order_no": "WO-1", "unit_id": "1-1-303", "passed": True,
        "defects": [], "breach_notice_id": None}, correlation_id=MO)) == ["on_event"]
    assert stored(app) == 0
    assert app.deliver(app.event("billing.clearance_confirmed", {  # notify does not subscribe to it
        "unit_id": "1-1-303", "party_id": TENANT, "move_out_id": MO, "outstanding_amount": "0.00",
        "as_of": "2026-11-22T09:00:00+00:00"})) == []


# -- failing channels: retried after a delay the clock passes -----------------------------------------
def test_a_failing_channel_marks_the_message_failed_and_retries_it(app, flaky):
    flaky(fail_times=2)
    app.deliver(clearance_failed(app))

    app.tick("deliver_pending")
    (message,) = messages(app, correlation_id=MO)
    assert (message["status"], message["attempts"]) == ("failed", 1)
    assert message["next_attempt_at"] == (app.clock.now() + timedelta(seconds=domain.RETRY_DELAYS_S[0])).isoformat()

    app.clock.advance(seconds=domain.RETRY_DELAYS_S[0] - 1)  # not due yet
    assert app.tick("deliver_pending") == 0
    app.clock.advance(seconds=1)
    assert app.tick("deliver_pending") == 1
    assert messages(app)[0]["attempts"] == 2
    app.clock.advance(seconds=domain.RETRY_DELAYS_S[1])
    app.tick("deliver_pending")

    (message,) = messages(app, correlation_id=MO)
    assert message["status"] == "sent"
    assert message["recipient_id"] == TENANT and message["channel"] == "mail_spool"
    assert message["attempts"] == 3
    assert message["last_error"] == "ConnectionError: mail relay down (try 2)"
    assert FlakyMail.calls == {message["message_id"]: 3}
    assert [(a, d.get("attempts")) for a, d in audit(app, object_id=message["message_id"])] == [
        ("message.queue", None), ("message.failed", 1), ("message.failed", 2), ("message.sent", 3)]
    (event,) = app.events("notification.sent")  # once, when the outcome is final
    assert event.payload["status"] == "sent"


def test_a_channel_failing_every_attempt_gives_up_after_the_last(app, flaky):
    flaky(fail_times=99)
    cause = clearance_failed(app)
    app.deliver(cause)
    app.tick("deliver_pending")
    for delay in domain.RETRY_DELAYS_S:
        assert app.events("notification.sent") == []  # not final yet
        app.clock.advance(seconds=delay)
        app.tick("deliver_pending")

    (message,) = messages(app, correlation_id=MO)
    assert message["attempts"] == domain.MAX_ATTEMPTS
    assert message["status"] == "failed" and message["next_attempt_at"] is None
    assert message["last_error"] == f"ConnectionError: mail relay down (try {domain.MAX_ATTEMPTS})"
    (event,) = app.events("notification.sent")
    assert event.payload["status"] == "failed" and event.payload["message_id"] == message["message_id"]
    assert event.causation_id == cause.event_id

    # a message stored later is delivered by a later tick, which leaves the failed one alone
    app.clock.advance(days=1)
    app.deliver(slip_released(app))
    assert app.tick("deliver_pending") == 1
    assert [m["event_type"] for m in messages(app, recipient_role="front_desk", status="sent")] == [
        "release_slip.released"]
    assert FlakyMail.calls[message["message_id"]] == domain.MAX_ATTEMPTS
    assert messages(app, status="failed")[0]["attempts"] == domain.MAX_ATTEMPTS


def test_a_tenant_message_waits_for_the_tenant_to_be_known(app, data_dir):
    """The slip's event overtook the request: the tenant's mail fails (no address yet) until the
    request is processed; the next attempt addresses and sends it."""
    app.deliver(slip_issued(app))
    app.tick("deliver_pending")
    (waiting,) = messages(app, correlation_id=MO, recipient_role="tenant")
    assert waiting["status"] == "failed" and waiting["recipient_id"] is None and waiting["attempts"] == 1
    assert "recipient unknown" in waiting["last_error"]

    app.deliver(requested(app))
    app.clock.advance(seconds=domain.RETRY_DELAYS_S[0])
    app.tick("deliver_pending")
    found = messages(app, correlation_id=MO, recipient_role="tenant")
    assert len(found) == 2 and all(m["status"] == "sent" for m in found)
    assert {m["recipient_id"] for m in found} == {TENANT}
    assert (data_dir / "mail_spool" / f"{waiting['message_id']}.eml").exists()


def test_a_channel_that_is_not_installed_fails_the_message(app, monkeypatch):
    monkeypatch.setattr("propdesk.plugins.notify_channels", lambda: {"staff_inbox": StaffInboxChannel})
    app.deliver(clearance_failed(app))
    app.tick("deliver_pending")
    (message,) = messages(app)
    assert message["status"] == "failed"
    assert message["last_error"] == "LookupError: no notify channel named 'mail_spool' is installed"


def test_one_delivery_tick_drains_a_backlog_larger_than_one_batch(app, monkeypatch):
    """Each tick used to send one batch at most: at ~10 move-outs a second the backlog only grew."""
    monkeypatch.setattr(timers, "DELIVERY_BATCH", 2)
    for n in range(3):
        app.deliver(requested(app, f"MO-20261123-000{n + 1}"))
    assert len(messages(app, status="pending")) == 6

    assert app.tick("deliver_pending") == 6

    assert len(messages(app, status="sent")) == 6
    assert messages(app, status="pending") == []


def test_a_tick_stops_after_its_batches_and_the_next_one_goes_on(app, monkeypatch):
    monkeypatch.setattr(timers, "DELIVERY_BATCH", 1)
    monkeypatch.setattr(timers, "BATCHES_PER_TICK", 2)
    for n in range(2):
        app.deliver(requested(app, f"MO-20261123-000{n + 1}"))
    assert app.tick("deliver_pending") == 2
    assert len(messages(app, status="pending")) == 2
    assert app.tick("deliver_pending") == 2
    assert messages(app, status="pending") == []


# -- the query ----------------------------------------------------------------------------------------
def test_list_messages_filters_and_rejects_bad_arguments(app):
    app.deliver(requested(app))
    app.deliver(requested(app, "MO-20261123-0002"))
    assert len(messages(app)) == 4
    assert [m["recipient_role"] for m in messages(app, correlation_id=MO)] == ["tenant", "front_desk"]
    assert len(app.query("list_messages", None, "tenant", "pending")) == 2  # positional, as an RPC may be called
    with pytest.raises(ValidationError) as e:
        messages(app, status="lost")
    assert {(p.field, p.rule) for p in e.value.problems} == {("status", "one_of")}
    with pytest.raises(ValidationError) as e:
        messages(app, correlation_id="", recipient_role="x" * 65)
    assert {(p.field, p.rule) for p in e.value.problems} == {("correlation_id", "length"),
                                                             ("recipient_role", "length")}


def test_a_departments_event_is_stored_for_its_recipients_in_its_estate_and_delivered(app):
    """parcel.overdue (access' storage): a task in the front desk's inbox of the deposit's estate."""
    from propdesk_services.notify.tests.samples import SAMPLES

    envelope = app.event("parcel.overdue", SAMPLES["parcel.overdue"], correlation_id="JC-20261126-0001")
    assert app.deliver(envelope) == ["on_event"]
    app.tick("deliver_pending")
    (m,) = messages(app, correlation_id="JC-20261126-0001")
    assert (m["recipient_role"], m["channel"], m["status"]) == ("front_desk", "staff_inbox", "sent")
    assert m["subject"].startswith("寄存超过三天")
    with app.session() as s:  # kept in the deposit's estate (list_messages answers within the asker's)
        assert s.query(Message).filter_by(message_id=m["message_id"]).one().estate == "E1"
    assert app.events("notification.sent")[0].payload["message_id"] == m["message_id"]


def test_a_resident_named_by_party_id_is_mailed(app, data_dir):
    """arrears.dunning_issued names the unit's owner: a mail in the spool, addressed to them."""
    from propdesk_services.notify.tests.samples import SAMPLES

    app.deliver(app.event("arrears.dunning_issued", SAMPLES["arrears.dunning_issued"], correlation_id="CK-1"))
    app.tick("deliver_pending")
    (m,) = messages(app, correlation_id="CK-1")
    assert (m["recipient_role"], m["recipient_id"], m["channel"], m["status"]) == (
        "owner", "OWN-1-1-303", "mail_spool", "sent")
