"""Two billing processes (`propdesk run --scale billing=2`) advance one issuing run at the same
time, on the SQLite default (issue #12 §2). Each batch is one transaction that takes the run's
row first (PostgreSQL's row lock; SQLite: the write lock every unit of work begins with,
`chassis/db.write_lock_first`), so the second process waits
and then sees the batch done: every notice numbered once, its charges posted once, the run's
``billing.notices_issued`` once. Two real OS processes on one database file; each holds its
transaction open a moment per batch so that they overlap."""
from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timezone

from sqlalchemy import func, select

from propdesk.chassis.clock import FakeClock
from propdesk.chassis.db import make_engine
from propdesk.chassis.tables import ChassisBase, OutboxRow
from propdesk.testing.fake import ServiceHarness
from propdesk_services.billing.service import BillingService
from propdesk_services.billing.tests.unit.billing_run.support import drive, drafted_run
from propdesk_services.billing.tests.unit.cycle import CASHIER, SUPERVISOR
from propdesk_services.billing.workflows.billing_run.models import FeeNotice, FeeNoticeLine
from propdesk_services.billing.workflows.payments.models import Charge

NOV_20 = datetime(2026, 11, 20, 2, 0, tzinfo=timezone.utc)

#: One billing "process": advances every run in batches of 3, each transaction held open 50 ms.
PROCESS = """
import sys, time
from datetime import datetime, timezone
from propdesk.chassis.clock import FakeClock
from propdesk.chassis.db import make_engine
from propdesk.testing.fake import FakeDatabase
from propdesk_services.billing.service import BillingService
from propdesk_services.billing.workflows.billing_run import handlers

issue_batch = handlers._issue_batch
def slow_batch(uow, run, batch):
    more = issue_batch(uow, run, batch)
    time.sleep(0.05)  # inside the transaction: the other process must wait for it
    return more
handlers._issue_batch = slow_batch
db = FakeDatabase(BillingService.db.metadata, "billing", FakeClock(datetime(2026, 11, 20, 2, 0, tzinfo=timezone.utc)),
                  engine=make_engine(sys.argv[1]))
print(handlers.advance_billing_runs(db.factory(), max_batches=1000, batch=3))
"""


def test_two_processes_issue_one_run_each_notice_once(tmp_path):
    url = f"sqlite:///{tmp_path / 'billing.db'}"
    engine = make_engine(url)
    ChassisBase.metadata.create_all(engine)  # the models' tables (the migrations are tested elsewhere)
    BillingService.db.metadata.create_all(engine)
    app = ServiceHarness(BillingService, clock=FakeClock(NOV_20), demo=True, engine=engine)
    run = drafted_run(app)
    app.command("review_billing_run", {"run_id": run["run_id"], "decision": "approve"}, SUPERVISOR)
    app.command("issue_billing_run", {"run_id": run["run_id"]}, CASHIER)

    procs = [subprocess.Popen([sys.executable, "-c", PROCESS, url], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(2)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [err[-2000:] for _, err in outs]
    drive(app)  # nothing left: both processes finished the run between them

    issued = app.query("get_billing_run", run["run_id"])
    with engine.connect() as c:
        notices = c.execute(select(FeeNotice.notice_no).where(FeeNotice.run_id == run["run_id"])).scalars().all()
        lines = c.scalar(select(func.count()).select_from(FeeNoticeLine)
                         .join(FeeNotice, FeeNotice.notice_id == FeeNoticeLine.notice_id)
                         .where(FeeNotice.run_id == run["run_id"]))
        posted = c.scalar(select(func.count()).select_from(Charge).where(Charge.source_ref.in_(notices)))
        told = c.scalar(select(func.count()).select_from(OutboxRow)
                        .where(OutboxRow.event_type == "billing.notices_issued"))
    assert issued["state"] == "issued" and len(notices) == run["notice_count"] > 3
    assert issued["issued_count"] == len(notices)
    # numbered once each: the series has no gap a second numbering would leave
    assert sorted(int(n.rsplit("-", 1)[1]) for n in notices) == list(range(1, len(notices) + 1))
    assert posted == lines  # each line's charge once (a notice's lines reference their ledger charges)
    assert told == 1
