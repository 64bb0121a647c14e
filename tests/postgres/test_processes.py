"""Two OS processes on one PostgreSQL database (issue #12 §1), beside test_concurrency.py's
connections from greenthreads: two relay processes sharing one outbox publish each event once
(``FOR UPDATE SKIP LOCKED``), two processes sweeping the same deadlines breach each once. Both
processes start together (`race_worker` waits for a go file) and both must do part of the work."""
from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from kombu import Connection, Exchange, Queue
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from propdesk import demo
from propdesk.chassis import audit_chain, deadlines
from propdesk.chassis.clock import FakeClock
from propdesk.chassis.db import make_engine
from propdesk.chassis.tables import DeadlineRow, OutboxRow
from propdesk.chassis.topology import EVENTS_EXCHANGE

ROOT = Path(__file__).resolve().parents[2]


def _race(mode: str, url: str, *args: str, tmp_path: Path) -> list[int]:
    go = tmp_path / f"go-{mode}"
    procs = [subprocess.Popen([sys.executable, "-m", "tests.postgres.race_worker", mode, url, *args, str(go)],
                              cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    for p in procs:
        assert p.stdout.readline().strip() == "ready", p.stderr.read()[-3000:]
    go.touch()
    counts = []
    for p in procs:
        out, err = p.communicate(timeout=180)
        assert p.returncode == 0, err[-3000:]
        counts.append(int(out.strip().splitlines()[-1]))
    return counts


def test_two_relay_processes_publish_each_event_once(residents_url, rabbit_vhost, tmp_path):
    uri = rabbit_vhost["amqp_uri"]
    queue = Queue("pg-relay-processes", Exchange(EVENTS_EXCHANGE, "topic", durable=True), routing_key="#")
    with Connection(uri) as conn:
        queue(conn.default_channel).declare()
    n = 1000
    engine = make_engine(residents_url)
    with Session(engine) as s:
        s.execute(OutboxRow.__table__.insert(), [
            {"event_id": f"ev-{i:05d}", "event_type": "test.happened", "correlation_id": "c",
             "body": json.dumps({"i": i}), "created_at": FakeClock().now(), "published_at": None}
            for i in range(n)])
        s.commit()

    counts = _race("relay", residents_url, uri, tmp_path=tmp_path)
    assert sum(counts) == n and all(c > 0 for c in counts), counts

    seen = []
    with Connection(uri) as conn:
        q = queue(conn.default_channel)
        while (msg := q.get(no_ack=True)) is not None:
            seen.append(msg.properties["message_id"])
    assert len(seen) == n and len(set(seen)) == n
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(OutboxRow).where(OutboxRow.published_at.is_(None))) == 0
    engine.dispose()


def test_two_processes_sweeping_breach_each_deadline_once(residents_url, tmp_path):
    clock = FakeClock()
    estate = demo.units()[0]["estate"]
    n = 200
    engine = make_engine(residents_url)
    with Session(engine) as s:
        s.add_all([DeadlineRow(rule="complaint.measures", record_type="complaint", record_id=f"c{i}",
                               due_at=clock.now() - timedelta(minutes=1), state=deadlines.PENDING,
                               responsible="cs-li", estate=estate, summary=f"CP-{i}", created_at=clock.now())
                   for i in range(n)])
        s.commit()

    counts = _race("sweep", residents_url, tmp_path=tmp_path)
    # exactly once between them; which process wins how many is the machine's (on a busy one, the
    # first to start may take them all before the other reads: still each breached once)
    assert sum(counts) == n, counts

    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(DeadlineRow)
                        .where(DeadlineRow.state == deadlines.BREACHED)) == n
        ids = [json.loads(b)["payload"]["record_id"] for b in
               s.scalars(select(OutboxRow.body).where(OutboxRow.event_type == "complaint.measures_overdue"))]
        assert sorted(ids) == sorted(f"c{i}" for i in range(n))
        assert audit_chain.verify(s).ok
    engine.dispose()
