"""Issue #9 §5: a complaint's deadline lives in the service's database, not in a process. Set by one
process, it is breached by the sweep of another started later on the same database (a restart),
exactly once however many processes sweep; met by minute 29 it never breaches after a restart."""
from __future__ import annotations

from datetime import timedelta

from propdesk.chassis import migrate
from propdesk.chassis.clock import FakeClock
from propdesk.chassis.db import make_engine
from propdesk.testing.fake import ServiceHarness
from propdesk_services.tickets.service import TicketsService

FRONT = {"id": "fd-wang", "role": "front_desk", "estates": ["E1"]}
ASSISTANT = {"id": "cs-li", "role": "cs_assistant", "estates": ["E1"]}


def _register(app, summary):
    return app.command("register_complaint", {"complainant": "王伟", "unit_id": "1-1-401", "kind": "ordinary",
                                              "category": "renovation_noise", "summary": summary}, FRONT)["complaint_id"]


def test_a_deadline_outlives_the_process_that_set_it(tmp_path):
    url = f"sqlite:///{tmp_path / 'tickets.db'}"
    migrate.upgrade(TicketsService, url)
    engine = make_engine(url)
    start = FakeClock().now()
    before = ServiceHarness(TicketsService, clock=FakeClock(start), engine=engine)
    late, in_time = _register(before, "楼上装修噪音"), _register(before, "楼道灯不亮")
    before.clock.advance(minutes=29)
    before.command("set_complaint_measures", {"complaint_id": in_time, "measures": "安排电工"}, ASSISTANT)
    del before  # the process that set the deadlines is gone

    # two processes started afterwards on the same database, 31 minutes after receipt
    after = [ServiceHarness(TicketsService, clock=FakeClock(start + timedelta(minutes=31)), engine=engine)
             for _ in range(2)]
    swept = sum(app.tick("sweep_deadlines") for app in after for _ in range(2))
    breaches = [e for e in after[0].events("complaint.measures_overdue")]
    assert swept == 1 and [b.payload["record_id"] for b in breaches] == [late]
    engine.dispose()
