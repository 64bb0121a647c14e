"""Timers of two processes of one service at once on PostgreSQL (issue #12 §2, `propdesk run
--scale`): each "process" is an engine of its own, in its own greenthread, their transactions
overlapping in the server (the pattern of test_concurrency.py). Notify's `deliver_pending`: every
due message is sent once, though both processes read the same batches (the claim: a conditional
update of each message's lease); both really sent some."""
from __future__ import annotations

from collections import Counter

import eventlet
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from propdesk.chassis import migrate
from propdesk.chassis.clock import FakeClock
from propdesk.chassis.db import make_engine
from propdesk.chassis.tables import OutboxRow
from propdesk.testing.fake import FakeDatabase, ServiceHarness
from propdesk_services.notify import channels
from propdesk_services.notify.channels import Channel, StaffInboxChannel
from propdesk_services.notify.service import NotifyService
from propdesk_services.notify.workflows.messages import timers
from propdesk_services.notify.workflows.messages.models import Message

CASES = 120  # more than two batches (timers.DELIVERY_BATCH)


class SlowMail(Channel):
    """A resident channel that takes a moment per message and remembers who sent what."""

    name = "mail_spool"
    sent: list[tuple[int, str]] = []

    def send(self, message) -> None:
        eventlet.sleep(0.002)
        SlowMail.sent.append((id(eventlet.getcurrent()), message.message_id))


@pytest.fixture
def notify_url(pg_url):
    migrate.upgrade(NotifyService, pg_url)
    return pg_url


@pytest.fixture(autouse=True)
def slow_mail(tmp_path, monkeypatch):
    monkeypatch.setenv("PROPDESK_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setattr("propdesk.plugins.notify_channels",
                        lambda: {"staff_inbox": StaffInboxChannel, "mail_spool": SlowMail})
    channels._instantiate.cache_clear()
    SlowMail.sent = []
    yield
    channels._instantiate.cache_clear()


def test_two_notify_processes_send_each_message_once(notify_url):
    clock = FakeClock()
    engines = [make_engine(notify_url, pool_size=10) for _ in range(2)]
    try:
        app = ServiceHarness(NotifyService, clock=clock, engine=engines[0])
        for i in range(CASES):
            mo = f"MO-20261123-{i + 1:04d}"
            app.deliver(app.event("billing.clearance_failed", {
                "unit_id": "1-1-303", "party_id": "TEN-1-1-303", "move_out_id": mo, "outstanding_amount": "356.25",
                "as_of": "2026-11-22T09:00:00+00:00"}, correlation_id=mo))
        with Session(engines[0]) as s:
            stored = s.scalar(select(func.count()).select_from(Message))
        assert stored >= CASES

        processes = [FakeDatabase(None, "notify", clock, engine=e).factory() for e in engines]
        threads = [eventlet.spawn(timers.deliver_pending, db) for db in processes]
        attempted = [t.wait() for t in threads]

        sends = Counter(message_id for _, message_id in SlowMail.sent)
        assert sum(attempted) == stored and all(n > 0 for n in attempted), attempted  # both really sent
        assert len(sends) == CASES and set(sends.values()) == {1}  # the tenants' mails, once each
        with Session(engines[0]) as s:
            assert s.scalar(select(func.count()).select_from(Message).where(Message.status != "sent")) == 0
            told = s.scalar(select(func.count()).select_from(OutboxRow)
                            .where(OutboxRow.event_type == "notification.sent"))
        assert told == stored
    finally:
        for e in engines:
            e.dispose()
