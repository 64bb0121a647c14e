"""One "process" of the PostgreSQL race tests (test_processes.py), run as
``python -m tests.postgres.race_worker MODE DB_URL [AMQP_URI] GO_FILE``: prints ``ready``, waits
until GO_FILE exists (so that both processes start together), does its part, prints the count.

    relay  publish the shared outbox with an `OutboxRelay` (batches of 25) until nothing is left
    sweep  sweep the due deadlines (`propdesk.chassis.deadlines.sweep`) until none is left
"""
from __future__ import annotations

import os
import sys
import time


def main(argv: list[str]) -> int:
    mode, url, *rest = argv
    go = rest[-1]
    from propdesk.chassis.db import make_engine

    engine = make_engine(url, pool_size=2)
    print("ready", flush=True)
    while not os.path.exists(go):
        time.sleep(0.01)
    done = 0
    if mode == "relay":
        from propdesk.chassis.relay import OutboxRelay

        relay = OutboxRelay(engine, rest[0], "residents", batch=25)
        idle = 0
        while idle < 3:  # rows the other process holds are skipped: look again before stopping
            n = relay.publish_pending()
            done += n
            idle = idle + 1 if n == 0 else 0
            if n == 0:
                time.sleep(0.05)
        relay.stop()
    elif mode == "sweep":
        from propdesk.chassis import deadlines
        from propdesk.chassis.clock import FakeClock
        from propdesk.testing.fake import FakeDatabase

        rules = {"complaint.measures": deadlines.Deadline(event="complaint.measures_overdue",
                                                          escalate_to="cs_supervisor")}
        db = FakeDatabase(None, "tickets", FakeClock(), engine=engine).factory()
        while (n := deadlines.sweep(db, "tickets", rules, batch=50)) > 0:
            done += n
    else:
        raise SystemExit(f"unknown mode {mode}")
    print(done, flush=True)
    engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
