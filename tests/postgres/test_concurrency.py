"""The chassis' SQL on PostgreSQL under real concurrency (issue #12 §1): tested, not assumed.

Every "process" here is a connection of its own (its own engine), driven from its own
greenthread: with the green driver (test_driver.py) their transactions really overlap in the
server, and each test holds its transactions open across a yield so that they must. What is
proven: readable numbers never repeat (``UPDATE ... RETURNING``, the first number of a day
raced by all); the audit chain never forks; two sweeps breach each deadline exactly once; two
relays sharing one outbox publish each event exactly once (``FOR UPDATE SKIP LOCKED``); two
workers racing on one move-out both land their facts (the row lock) and the release is approved once.
"""
from __future__ import annotations

import json
from datetime import date, timedelta

import eventlet
import pytest
from kombu import Connection, Exchange, Queue
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from propdesk import demo
from propdesk.chassis import audit_chain, deadlines, numbering
from propdesk.chassis.clock import FakeClock
from propdesk.chassis.db import make_engine
from propdesk.chassis.relay import OutboxRelay
from propdesk.chassis.tables import AuditRow, DeadlineRow, OutboxRow
from propdesk.chassis.topology import EVENTS_EXCHANGE
from propdesk.contracts.envelope import Actor, new_id
from propdesk.testing.fake import FakeDatabase, ServiceHarness

PROCESSES = 2


@pytest.fixture
def engines(residents_url):
    """One engine per "process", all on the same (residents') database."""
    made = [make_engine(residents_url, pool_size=20) for _ in range(PROCESSES)]
    yield made
    for e in made:
        e.dispose()


def _all(jobs):
    """Run the callables at once, each in its own greenthread; their results in order."""
    threads = [eventlet.spawn(job) for job in jobs]
    return [t.wait() for t in threads]


def test_numbers_never_repeat_under_concurrency(engines):
    day = date(2026, 11, 30)

    def take(engine):
        with Session(engine) as s:
            number = numbering.next_number(s, "MO", day)
            eventlet.sleep(0.005)   # hold the transaction open: the others must wait on the row
            s.commit()
            return number

    jobs = [lambda e=engines[i % PROCESSES]: take(e) for i in range(60)]
    numbers = _all(jobs)        # all start at once: the day's first number is raced by every one
    assert len(set(numbers)) == 60
    assert sorted(numbers) == [f"MO-20261130-{n:04d}" for n in range(1, 61)]


def test_blocks_of_numbers_never_overlap_under_concurrency(engines):
    """Blocks (a billing run's batch, `next_numbers`) and single numbers raced on one day: every
    number once, each block contiguous."""
    day = date(2026, 11, 29)

    def take(engine, n):
        with Session(engine) as s:
            numbers = numbering.next_numbers(s, "FN", day, n) if n > 1 else [numbering.next_number(s, "FN", day)]
            eventlet.sleep(0.005)   # hold the transaction open: the others must wait on the row
            s.commit()
            return numbers

    jobs = [lambda e=engines[i % PROCESSES], n=(1 + i % 4): take(e, n) for i in range(40)]
    blocks = _all(jobs)
    every = [x for b in blocks for x in b]
    assert sorted(every) == [f"FN-20261129-{n:04d}" for n in range(1, sum(1 + i % 4 for i in range(40)) + 1)]
    for b in blocks:
        seqs = [int(x.rsplit("-", 1)[1]) for x in b]
        assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))


def test_a_block_the_database_formats_reads_as_the_chassis_numbers(engines):
    """`next_block` + `number_sql` (a billing run numbering its notices in one UPDATE): on
    PostgreSQL the numbers read as `format_number`'s, four digits and wider past 9,999, never cut."""
    from sqlalchemy import text

    day = date(2026, 11, 30)
    with Session(engines[0]) as s:
        prefix, first = numbering.next_block(s, "FN", day, 3)
        assert (prefix, first, numbering.next_numbers(s, "FN", day, 1)) == ("FN-20261130-", 1, ["FN-20261130-0004"])
        formatted = [s.execute(text(f"SELECT :p || {numbering.number_sql('postgresql', 'CAST(:n AS INTEGER)')}"),
                               {"p": prefix, "n": n}).scalar() for n in (1, 9999, 10000, 123456)]
    assert formatted == [numbering.format_number("FN", day, n) for n in (1, 9999, 10000, 123456)]


def test_a_rolled_back_number_is_given_back(engines):
    day = date(2026, 12, 1)
    with Session(engines[0]) as s:
        numbering.next_number(s, "WO", day)
        s.rollback()
    with Session(engines[1]) as s:
        assert numbering.next_number(s, "WO", day) == "WO-20261201-0001"
        s.commit()


def test_the_audit_chain_never_forks(engines):
    clock = FakeClock()

    def append(engine, i):
        with Session(engine) as s:
            conn = s.connection()
            rows = [{"at": clock.now(), "actor_id": f"p{i}", "actor_role": "front_desk", "action": "test.write",
                     "object_type": "case", "object_id": f"{i}-{k}", "correlation_id": new_id(),
                     "details": "{}", "estate": None} for k in range(3)]
            audit_chain.chain(conn, rows)
            eventlet.sleep(0.005)
            conn.execute(AuditRow.__table__.insert(), rows)
            s.commit()

    _all([lambda e=engines[i % PROCESSES], i=i: append(e, i) for i in range(40)])
    with Session(engines[0]) as s:
        verdict = audit_chain.verify(s)
    assert verdict.ok, verdict.problems
    assert verdict.rows == 120


def test_two_sweeps_breach_each_deadline_once(engines):
    clock = FakeClock()
    rules = {"complaint.measures": deadlines.Deadline(event="complaint.measures_overdue",
                                                      escalate_to="cs_supervisor")}
    estate = demo.units()[0]["estate"]
    with Session(engines[0]) as s:
        for i in range(80):
            s.add(DeadlineRow(rule="complaint.measures", record_type="complaint", record_id=f"c{i}",
                              due_at=clock.now() - timedelta(minutes=1), state=deadlines.PENDING,
                              responsible="cs-li", estate=estate, summary=f"CP-{i}", created_at=clock.now()))
        s.commit()
    processes = [FakeDatabase(None, "tickets", clock, engine=e).factory() for e in engines]
    timeline = []

    def sweep(db, name):
        timeline.append(("start", name))
        n = deadlines.sweep(db, "tickets", rules)
        timeline.append(("end", name))
        return n

    breached = _all([lambda db=db, i=i: sweep(db, i) for i, db in enumerate(processes)])

    assert sum(breached) == 80
    # both sweeps were in flight together (both started before either ended). How the 80 are split
    # between them is up to the scheduler: the one a row behind can lose every race ([80, 0]).
    assert [kind for kind, _ in timeline[:PROCESSES]] == ["start"] * PROCESSES, timeline
    with Session(engines[0]) as s:
        assert s.scalar(select(func.count()).select_from(DeadlineRow)
                        .where(DeadlineRow.state == deadlines.BREACHED)) == 80
        events = s.scalars(select(OutboxRow.body).where(OutboxRow.event_type == "complaint.measures_overdue")).all()
        assert sorted(json.loads(b)["payload"]["record_id"] for b in events) == sorted(f"c{i}" for i in range(80))
        assert audit_chain.verify(s).ok


def test_two_relays_share_one_outbox_and_publish_each_event_once(engines, rabbit_vhost):
    uri = rabbit_vhost["amqp_uri"]
    queue = Queue("pg-relay-check", Exchange(EVENTS_EXCHANGE, "topic", durable=True), routing_key="#")
    with Connection(uri) as conn:
        queue(conn.default_channel).declare()
    n = 400
    with Session(engines[0]) as s:
        s.execute(OutboxRow.__table__.insert(), [
            {"event_id": f"ev-{i:04d}", "event_type": "test.happened", "correlation_id": "c",
             "body": json.dumps({"i": i}), "created_at": FakeClock().now(), "published_at": None}
            for i in range(n)])
        s.commit()
    relays = [OutboxRelay(e, uri, "residents", batch=25) for e in engines]

    def drain(relay):
        published = 0
        while True:
            done = relay.publish_pending()
            if done == 0:
                return published
            published += done

    try:
        counts = _all([lambda r=r: drain(r) for r in relays])
    finally:
        for r in relays:
            r.stop()
    assert sum(counts) == n
    assert all(c > 0 for c in counts), counts   # both relays took batches, none took the same row

    seen = []
    with Connection(uri) as conn:
        q = queue(conn.default_channel)
        while (msg := q.get(no_ack=True)) is not None:
            seen.append(msg.properties["message_id"])
    assert len(seen) == n and len(set(seen)) == n
    with Session(engines[0]) as s:
        assert s.scalar(select(func.count()).select_from(OutboxRow).where(OutboxRow.published_at.is_(None))) == 0


def test_two_workers_racing_on_one_move_out_both_land(engines, monkeypatch):
    """Inspection passed and fees cleared arrive on different queues and are handled at once by two
    processes: the case's row lock makes the second wait and see the first, so both facts stay and
    the release is approved exactly once (without the lock each would approve nothing)."""
    from propdesk_services.residents.service import ResidentsService

    clock = FakeClock()
    workers = [ServiceHarness(ResidentsService, clock=clock, engine=e) for e in engines]
    with Session(engines[0]) as s:
        ResidentsService.load_demo(s)
        s.commit()
    today = clock.today()
    case = workers[0].command("request_move_out", {
        "unit_id": demo.DEMO_HAPPY_UNIT, "tenant_party_id": demo.DEMO_HAPPY_TENANT,
        "exit_date": (today + timedelta(days=7)).isoformat(), "owner_consent_ref": "客户同意函 2026-118",
        "fitout_disposition": "restore"}, {"id": "fd-wang", "role": "front_desk"})
    move_out_id = case["move_out_id"]
    inspected = workers[0].event("move_out.inspection_completed", {
        "move_out_id": move_out_id, "work_order_no": "WO-20261122-0007", "unit_id": case["unit_id"],
        "passed": True, "defects": [], "breach_notice_id": None},
        correlation_id=move_out_id, actor=Actor("eng-zhao", "engineering"), producer="tickets")
    cleared = workers[1].event("billing.clearance_confirmed", {
        "unit_id": case["unit_id"], "party_id": demo.DEMO_HAPPY_TENANT, "move_out_id": move_out_id,
        "outstanding_amount": "0.00", "as_of": clock.now().isoformat()},
        correlation_id=move_out_id, actor=Actor("fin-qian", "cashier"), producer="billing")

    from propdesk_services.residents.workflows.move_out import domain

    for name in ("record_inspection", "record_clearance"):  # each worker dwells on the case it read:
        real = getattr(domain, name)                          # the two transactions must overlap

        def dwelling(*args, real=real, **kwargs):
            eventlet.sleep(0.3)
            return real(*args, **kwargs)

        monkeypatch.setattr(domain, name, dwelling)
    acted = _all([lambda: workers[0].deliver(inspected), lambda: workers[1].deliver(cleared)])
    assert acted == [["on_inspection_completed"], ["on_clearance"]]

    got = workers[0].query("get_move_out", move_out_id)
    assert (got["inspection"], got["fees"], got["state"]) == ("passed", "cleared", domain.RELEASE_APPROVED)
    with Session(engines[0]) as s:
        approved = s.scalar(select(func.count()).select_from(OutboxRow)
                            .where(OutboxRow.event_type == "move_out.release_approved"))
    assert approved == 1


def test_two_first_events_of_a_new_case_both_land_on_one_card(pg_url, monkeypatch):
    """The move-out board: the first two events of a new move-out reach two reports processes at
    once; both find no card and create it, and the second's insert loses the race (unique
    violation). The chassis runs that delivery again at once (`run_event`): both events are logged,
    the case has one card in the later state, and the lost race is counted, not sent to wait out
    a retry delay while the case's later events go by (the timeline would miss it meanwhile)."""
    from prometheus_client import REGISTRY

    from propdesk.chassis import migrate
    from propdesk_services.reports.service import ReportsService
    from propdesk_services.reports.tests.unit.support import clearance, deliver, requested
    from propdesk_services.reports.workflows.move_out_board import domain
    from propdesk_services.reports.workflows.move_out_board.models import MoveOutProjection

    migrate.upgrade(ReportsService, pg_url)
    made = [make_engine(pg_url, pool_size=5) for _ in range(PROCESSES)]
    clock = FakeClock()
    workers = [ServiceHarness(ReportsService, clock=clock, engine=e) for e in made]
    move_out_id = "MO-20261130-0099"
    first, second = requested(workers[0], move_out_id), clearance(workers[1], move_out_id, cleared=True)

    real = domain.apply

    def dwelling(*args, **kwargs):  # each process holds its new card until the other has one too
        eventlet.sleep(0.3)
        return real(*args, **kwargs)

    monkeypatch.setattr(domain, "apply", dwelling)

    def reruns():
        return REGISTRY.get_sample_value("propdesk_handler_conflict_reruns_total",
                                         {"service": "", "handler": "on_any_event"}) or 0

    before = reruns()
    try:
        assert _all([lambda: deliver(workers[0], first), lambda: deliver(workers[1], second)]) == [True, True]
        with Session(made[0]) as s:
            cards = s.scalars(select(MoveOutProjection).where(MoveOutProjection.move_out_id == move_out_id)).all()
        assert len(cards) == 1 and cards[0].fees_checked
        assert sorted(e["event_type"] for e in workers[0].query("timeline", move_out_id)) == [
            "billing.clearance_confirmed", "move_out.requested"]
        assert reruns() == before + 1
    finally:
        for e in made:
            e.dispose()
