"""Several notify processes share the messages (issue #12 §2, `propdesk run --scale notify=2`):
`deliver_pending` sends only the messages it claimed, so two ticks at once never send one
message twice; a claim whose process died runs out and the message is sent by another.
(The race on PostgreSQL, two engines at once: tests/postgres/test_timers.py.)"""
from __future__ import annotations

from datetime import timedelta

import pytest

from propdesk.chassis.clock import FakeClock
from propdesk.testing.fake import ServiceHarness
from propdesk_services.notify import channels
from propdesk_services.notify.channels import Channel, StaffInboxChannel
from propdesk_services.notify.service import NotifyService
from propdesk_services.notify.workflows.messages import timers

MO = "MO-20261123-0001"


class CountingMail(Channel):
    """A resident channel that counts its sends; `during_send` runs inside the first one."""

    name = "mail_spool"
    sent: list[str] = []
    during_send = None

    def send(self, message) -> None:
        CountingMail.sent.append(message.message_id)
        hook, CountingMail.during_send = CountingMail.during_send, None
        if hook is not None:
            hook()


@pytest.fixture(autouse=True)
def counting(tmp_path, monkeypatch):
    monkeypatch.setenv("PROPDESK_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setattr("propdesk.plugins.notify_channels",
                        lambda: {"staff_inbox": StaffInboxChannel, "mail_spool": CountingMail})
    channels._instantiate.cache_clear()
    CountingMail.sent, CountingMail.during_send = [], None
    yield
    channels._instantiate.cache_clear()


@pytest.fixture
def app() -> ServiceHarness:
    return ServiceHarness(NotifyService, clock=FakeClock())


def store_messages(app, cases: int = 3) -> int:
    for i in range(cases):
        mo = f"MO-20261123-{i + 1:04d}"
        app.deliver(app.event("billing.clearance_failed", {
            "unit_id": "1-1-303", "party_id": "TEN-1-1-303", "move_out_id": mo, "outstanding_amount": "356.25",
            "as_of": "2026-11-22T09:00:00+00:00"}, correlation_id=mo))
    return len(app.query("list_messages"))


def test_a_second_process_ticking_while_the_first_sends_sends_nothing_of_its_batch(app):
    stored = store_messages(app)
    second = []
    CountingMail.during_send = lambda: second.append(app.tick("deliver_pending"))

    first = app.tick("deliver_pending")
    assert (first, second) == (stored, [0])
    assert len(CountingMail.sent) == len(set(CountingMail.sent)) == 3
    assert len(app.events("notification.sent")) == stored
    assert {m["status"] for m in app.query("list_messages")} == {"sent"}


def test_two_processes_that_read_the_same_batch_claim_each_message_once(app):
    store_messages(app)
    now = app.clock.now()
    read_by_one = app.session().scalars(
        timers.select(timers.Message).where(timers._due(now))).all()
    read_by_two = app.session().scalars(
        timers.select(timers.Message).where(timers._due(now))).all()
    assert len(read_by_one) == len(read_by_two) > 0

    db = app.db.factory()
    assert [m.id for m in timers._claim(db, read_by_one, now)] == [m.id for m in read_by_one]
    assert timers._claim(db, read_by_two, now) == []


def test_a_claim_whose_process_died_runs_out_and_another_process_sends_the_message(app):
    stored = store_messages(app, cases=1)
    now = app.clock.now()
    with app.session() as s:
        due = s.scalars(timers.select(timers.Message).where(timers._due(now))).all()
    timers._claim(app.db.factory(), due, now)  # ... and the process dies before sending

    assert app.tick("deliver_pending") == 0
    app.clock.advance(seconds=timers.CLAIM_S - 1)
    assert app.tick("deliver_pending") == 0
    app.clock.advance(seconds=1)
    assert app.tick("deliver_pending") == stored
    assert {m["status"] for m in app.query("list_messages")} == {"sent"}
    assert app.tick("deliver_pending") == 0


def test_a_failed_message_due_again_is_claimed_once_too(app, monkeypatch):
    store_messages(app, cases=1)
    monkeypatch.setattr(CountingMail, "send", lambda self, m: (_ for _ in ()).throw(ConnectionError("down")))
    app.tick("deliver_pending")
    (failed,) = [m for m in app.query("list_messages") if m["status"] == "failed"]
    app.clock.advance(seconds=3600)
    now = app.clock.now()
    with app.session() as s:
        due = s.scalars(timers.select(timers.Message).where(timers._due(now))).all()
    assert [m.message_id for m in due] == [failed["message_id"]]
    assert len(timers._claim(app.db.factory(), due, now)) == 1
    assert timers._claim(app.db.factory(), due, now) == []
    assert app.query("list_messages", status="failed")[0]["next_attempt_at"] == (
        now + timedelta(seconds=timers.CLAIM_S)).isoformat()
