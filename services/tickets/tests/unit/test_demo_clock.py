"""The tickets demo counts its month back from the clock it is given (the harness' FakeClock, the
services' clock in `propdesk demo`), not from the wall clock: on a test clock it does not sit in
the clock's future. A service whose load_demo takes no clock is called as before."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from propdesk.chassis.clock import FakeClock
from propdesk.chassis.demo_loading import load_demo, takes_clock
from propdesk.testing.fake import ServiceHarness
from propdesk_services.tickets.service import TicketsService
from propdesk_services.tickets.workflows.complaints.models import ComplaintRecord
from propdesk_services.tickets.workflows.contacts.models import ContactRecord
from propdesk_services.tickets.workflows.repairs.models import RepairOrder

FRONT = {"id": "fd-wang", "role": "front_desk", "estates": ["E1"]}


def _span(app, column):
    with app.db.Session() as s:
        first, last = s.execute(select(func.min(column), func.max(column))).one()
    return (first.replace(tzinfo=timezone.utc) if first.tzinfo is None else first,
            last.replace(tzinfo=timezone.utc) if last.tzinfo is None else last)


def test_the_demo_month_ends_at_the_clock_it_is_given():
    start = datetime(2027, 3, 15, 2, 0, tzinfo=timezone.utc)  # far from the wall clock and from 23 Nov 2026
    app = ServiceHarness(TicketsService, clock=FakeClock(start), demo=True)
    for column in (ContactRecord.received_at, ComplaintRecord.received_at, RepairOrder.created_at):
        first, last = _span(app, column)
        assert start - timedelta(days=32) <= first and last <= start, column
        assert start - last < timedelta(days=2), column  # the month ends today, not a week ago
    # the desk is alive on that day: something waits, some of it overdue, return visits due today
    queues = {q["key"]: q["items"] for q in app.query("work_queues", actor=FRONT)}
    assert any(i["overdue"] for i in queues["complaints_replies_due"])
    assert queues["return_visits_due"] and queues["my_open_contacts"] is not None


def test_without_a_clock_the_demo_is_as_before():
    """load_demo(session) alone: repairs and complaints end on 23 Nov 2026 (what older tests read)."""
    app = ServiceHarness(TicketsService)
    with app.db.Session() as s:
        assert "complaints" in TicketsService.load_demo(s)
        s.commit()
    assert _span(app, ComplaintRecord.received_at)[1] <= datetime(2026, 11, 23, 1, 0, tzinfo=timezone.utc)


def test_a_loader_that_takes_no_clock_is_called_without_one():
    calls = []

    class Old:
        @staticmethod
        def load_demo(session):
            calls.append(session)
            return "old"

    class New:
        @staticmethod
        def load_demo(session, clock=None):
            calls.append((session, clock))
            return "new"

    clock = FakeClock()
    assert not takes_clock(Old.load_demo) and takes_clock(New.load_demo)
    assert load_demo(Old, "s", clock) == "old" and load_demo(New, "s", clock) == "new"
    assert calls == ["s", ("s", clock)]
    assert load_demo(object, "s", clock) is None  # a service with no demo
