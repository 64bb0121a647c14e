"""The chassis' time limits (chassis/deadlines.py) and the desk's generic tables (RECORDS, QUEUES),
on a toy service built from the tables: a ticket whose answer is due 30 minutes after it is opened.

The rule of domain.md §5 as the desk lives it: answered at minute 29, nothing is breached; not
answered by minute 31, the sweep announces exactly one breach (event, audit row, counter), however
often it runs and however many processes sweep; answered after that, the record is no longer
overdue but the breach stays counted.
"""
from __future__ import annotations

import types
from datetime import datetime, timedelta, timezone

import pytest
from marshmallow import Schema, fields
from prometheus_client import REGISTRY
from sqlalchemy import String, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from propdesk import policy
from propdesk.chassis import deadlines
from propdesk.chassis.clock import FakeClock
from propdesk.chassis.db import Database
from propdesk.chassis.deadlines import Deadline
from propdesk.chassis.edge import RecordId
from propdesk.chassis.tables import DeadlineRow
from propdesk.chassis.workflow import (Actions, Command, Query, Record, WorkQueue, entrypoints_from,
                                       timers_of)
from propdesk.contracts import registry
from propdesk.contracts.events._fields import DeadlineBreach
from propdesk.contracts.registry import contract
from propdesk.contracts.vocab import Term, Terms
from propdesk.errors import NotFound
from propdesk.testing.fake import ServiceHarness

STATES = Terms(Term("OPEN", "待答复", "Open"), Term("ANSWERED", "已答复", "Answered"))
RULE = "toy_ticket.answer"


class Base(DeclarativeBase):
    pass


class ToyTicket(Base):
    __tablename__ = "toy_ticket"
    ticket_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    state: Mapped[str] = mapped_column(String(16))


class ToyAnswerOverdueV1(DeadlineBreach):
    """A toy ticket was not answered in time (a test's contract, registered only while these run)."""


@pytest.fixture(autouse=True, scope="module")
def toy_contract():
    key = ("toy_ticket.answer_overdue", 1)
    contract(*key, producer="toy")(ToyAnswerOverdueV1)
    yield
    registry._REGISTRY.pop(key)
    registry._INSTANCES.pop(key, None)

BREACHED_SEEN: list = []


def open_ticket(cmd, uow):
    tid = cmd.data["ticket_id"]
    uow.session.add(ToyTicket(ticket_id=tid, state="OPEN"))
    uow.set_deadline(RULE, "toy_ticket", tid, uow.now() + timedelta(minutes=30), responsible=cmd.actor.id,
                     estate="E1", summary=f"ticket {tid}")
    uow.audit("toy_ticket.open", "toy_ticket", tid)
    return {"ticket_id": tid}


def answer_ticket(cmd, uow):
    tid = cmd.data["ticket_id"]
    uow.session.get(ToyTicket, tid).state = "ANSWERED"
    in_time = uow.meet_deadline(RULE, "toy_ticket", tid)
    uow.audit("toy_ticket.answer", "toy_ticket", tid, {"in_time": in_time})
    return {"in_time": in_time}


def get_ticket(args, reader):
    row = reader.session.get(ToyTicket, args["ticket_id"])
    if row is None:
        raise NotFound("no such ticket", field="ticket_id", rule="exists")
    return {"ticket_id": row.ticket_id, "state": row.state}


def list_tickets(args, reader):
    return [{"ticket_id": r.ticket_id, "state": r.state} for r in reader.session.scalars(select(ToyTicket))]


def open_tickets(args, reader):
    rows = reader.session.scalars(select(ToyTicket).where(ToyTicket.state == "OPEN")).all()
    due = deadlines.pending_of(reader.session, "toy_ticket", [r.ticket_id for r in rows], reader.now())
    return [{"record": "toy_ticket", "id": r.ticket_id, "number": r.ticket_id, "title": r.ticket_id, "detail": "",
             "since": None, "due_at": due[r.ticket_id][0].due_at if r.ticket_id in due else None,
             "overdue": any(d.overdue for d in due.get(r.ticket_id, [])), "owner": None} for r in rows]


def on_breach(breach, uow):
    BREACHED_SEEN.append(breach)


class TicketId(Schema):
    ticket_id = RecordId(metadata={"label": {"zh": "编号", "en": "No."}})


class TicketOut(Schema):
    ticket_id = fields.String(metadata={"label": {"zh": "编号", "en": "No."}})
    state = fields.String(metadata={"label": {"zh": "状态", "en": "State"}, "vocab": STATES})


class ListArgs(Schema):
    q = fields.String(load_default=None, allow_none=True)


messages = types.SimpleNamespace(
    COMMANDS={"open_ticket": Command(open_ticket, TicketId), "answer_ticket": Command(answer_ticket, TicketId)},
    QUERIES={"get_ticket": Query(get_ticket, TicketId), "list_tickets": Query(list_tickets, ListArgs)},
    ACTIONS={"toy_ticket": Actions(lambda rid, reader: ["answer_ticket"])},
    RECORDS={"toy_ticket": Record(title=("工单", "Ticket"), get="get_ticket", list="list_tickets",
                                  id_field="ticket_id", number_field="ticket_id", columns=("ticket_id", "state"),
                                  fields=TicketOut, create=("open_ticket",), form=("工单", "Ticket form"),
                                  signatures=(("经办人", "Handled by"),))},
    QUEUES={"open_tickets": WorkQueue(title=("待答复", "To answer"), roles=frozenset({"front_desk"}),
                                      items=open_tickets)},
    DEADLINES={RULE: Deadline(event="toy_ticket.answer_overdue", escalate_to="cs_supervisor", on_breach=on_breach)},
)


@entrypoints_from(messages)
class ToyTickets:
    name = "toytickets"
    db = Database(Base.metadata)


DESK = {"id": "fd-1", "role": "front_desk"}
START = datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def app(monkeypatch):
    monkeypatch.setitem(policy.POLICY, "toytickets.open_ticket", frozenset({"front_desk"}))
    monkeypatch.setitem(policy.POLICY, "toytickets.answer_ticket", frozenset({"front_desk"}))
    BREACHED_SEEN.clear()
    app = ServiceHarness(ToyTickets, clock=FakeClock(START))
    app.command("open_ticket", {"ticket_id": "T1"}, DESK)
    return app


def breaches(service="toytickets") -> float:
    return REGISTRY.get_sample_value("propdesk_deadline_breaches_total", {"service": service, "rule": RULE}) or 0


def test_met_at_minute_29_never_breaches(app):
    app.clock.advance(minutes=29)
    assert app.command("answer_ticket", {"ticket_id": "T1"}, DESK) == {"in_time": True}
    app.clock.advance(minutes=60)
    assert app.tick("sweep_deadlines") == 0
    assert app.events("toy_ticket.answer_overdue") == []


def test_not_swept_before_it_is_due(app):
    app.clock.advance(minutes=29, seconds=59)
    assert app.tick("sweep_deadlines") == 0
    assert app.events("toy_ticket.answer_overdue") == []


def test_breached_at_minute_31_exactly_once(app):
    before = breaches()
    app.clock.advance(minutes=31)
    assert app.tick("sweep_deadlines") == 1
    assert app.tick("sweep_deadlines") == 0  # swept again: nothing new
    [event] = app.events("toy_ticket.answer_overdue")
    assert event.payload == {"rule": RULE, "record_type": "toy_ticket", "record_id": "T1",
                             "due_at": (START + timedelta(minutes=30)).isoformat(), "responsible": "fd-1",
                             "escalate_to": "cs_supervisor", "estate": "E1", "summary": "ticket T1"}
    # the breach belongs to the ticket's business case: same correlation as its opening
    [opened] = [r for r in app.audit("toy_ticket.open")]
    assert event.correlation_id == opened.correlation_id
    assert [b.record_id for b in BREACHED_SEEN] == ["T1"]
    assert breaches() == before + 1
    assert [r.object_id for r in app.audit("deadline.breached")] == ["T1"]


def test_answered_after_the_breach_is_late_and_no_longer_overdue(app):
    app.clock.advance(minutes=31)
    app.tick("sweep_deadlines")
    [item] = app.query("work_queues", actor=DESK)[0]["items"]
    assert item["overdue"] is True
    assert app.command("answer_ticket", {"ticket_id": "T1"}, DESK) == {"in_time": False}
    with app.session() as s:
        assert s.scalars(select(DeadlineRow.state)).all() == ["met_late"]
    assert len(app.events("toy_ticket.answer_overdue")) == 1


def test_a_second_process_sweeping_the_same_deadline_breaches_nothing_more(app):
    """Two processes read the same due deadline; the conditional update lets only one claim it."""
    app.clock.advance(minutes=31)
    with app.session() as s:
        [row_id] = s.scalars(select(DeadlineRow.id)).all()
    assert app.tick("sweep_deadlines") == 1
    # the loser's claim of the already-breached row changes nothing and emits nothing
    factory = app.db.factory()
    with factory() as uow:
        from sqlalchemy import update
        assert uow.session.execute(update(DeadlineRow).where(DeadlineRow.id == row_id, DeadlineRow.state == "pending")
                                   .values(state="breached")).rowcount == 0
    assert len(app.events("toy_ticket.answer_overdue")) == 1


def test_setting_a_pending_deadline_again_moves_it(app):
    factory = app.db.factory()
    with factory() as uow:
        uow.set_deadline(RULE, "toy_ticket", "T1", START + timedelta(hours=2))
        uow.commit()
    app.clock.advance(minutes=31)
    assert app.tick("sweep_deadlines") == 0
    with app.session() as s:
        assert s.scalar(select(DeadlineRow.responsible)) == "fd-1"  # kept
        assert len(s.scalars(select(DeadlineRow)).all()) == 1


def test_cancelled_deadlines_never_breach(app):
    factory = app.db.factory()
    with factory() as uow:
        assert uow.cancel_deadlines("toy_ticket", "T1") == 1
        uow.commit()
    app.clock.advance(hours=5)
    assert app.tick("sweep_deadlines") == 0


def test_a_rule_the_service_does_not_name_is_left_pending(app):
    factory = app.db.factory()
    with factory() as uow:
        uow.set_deadline("no_such.rule", "toy_ticket", "T1", START + timedelta(minutes=1))
        uow.commit()
    app.clock.advance(minutes=31)
    assert app.tick("sweep_deadlines") == 1  # only the known rule
    with app.session() as s:
        assert s.scalar(select(DeadlineRow.state).where(DeadlineRow.rule == "no_such.rule")) == "pending"


def test_a_deadline_must_carry_its_time_zone(app):
    factory = app.db.factory()
    with factory() as uow, pytest.raises(ValueError, match="time zone"):
        uow.set_deadline(RULE, "toy_ticket", "T2", datetime(2026, 12, 1, 9, 0))


def test_timers_include_the_sweep_only_with_deadlines():
    assert "sweep_deadlines" in timers_of(messages, "toytickets")
    assert "sweep_deadlines" in vars(ToyTickets)
    assert "sweep_deadlines" not in timers_of(types.SimpleNamespace(TIMERS={}), "other")


def test_breach_contracts_are_found_by_their_base():
    assert "toy_ticket.answer_overdue" in registry.breach_event_types()


# --- RECORDS and QUEUES: what the desk builds its generic pages from --------------------------------
def test_describe_records_gives_the_desk_everything_it_shows(app):
    [(kind, rec)] = app.query("describe_records").items()
    assert kind == "toy_ticket"
    assert rec["title"] == {"zh": "工单", "en": "Ticket"}
    assert (rec["get"], rec["list"], rec["id_field"], rec["number_field"]) == \
        ("get_ticket", "list_tickets", "ticket_id", "ticket_id")
    state = next(f for f in rec["fields"] if f["name"] == "state")
    assert state["choices"] == ["OPEN", "ANSWERED"]
    assert state["choice_labels"]["OPEN"] == {"zh": "待答复", "en": "Open"}
    assert [f["name"] for f in rec["filters"]] == ["q"]
    assert rec["create"] == ["open_ticket"] and rec["actions"] is True
    assert rec["form"] == {"zh": "工单", "en": "Ticket form"}
    assert rec["signatures"] == [{"zh": "经办人", "en": "Handled by"}]


def test_work_queues_answer_the_asker_role_only(app):
    [queue] = app.query("work_queues", actor=DESK)
    assert queue["key"] == "open_tickets" and queue["title"]["en"] == "To answer"
    [item] = queue["items"]
    assert item["id"] == "T1" and item["overdue"] is False
    assert item["due_at"] == (START + timedelta(minutes=30)).isoformat()  # JSON-ready
    assert app.query("work_queues", actor={"id": "g-1", "role": "security"}) == []


def test_a_record_naming_a_query_it_does_not_have_is_refused_at_build():
    bad = types.SimpleNamespace(QUERIES={}, RECORDS={"x": Record(title=("x", "x"), get="get_x", list="list_x",
                                                                  id_field="x_id")})
    with pytest.raises(TypeError, match="get_x"):
        @entrypoints_from(bad)
        class Bad:
            name = "bad"


# --- domain gauges (messages.GAUGES): what a department counts, read at scrape time ------------------
def _open_counts(session, now):
    from sqlalchemy import func

    for state, n in session.execute(select(ToyTicket.state, func.count()).group_by(ToyTicket.state)):
        yield (state,), n


def test_domain_gauges_are_read_from_the_database_at_scrape_time(app, tmp_path):
    from sqlalchemy import create_engine

    from propdesk.chassis import metrics
    from propdesk.chassis.tables import ChassisBase

    gauges = {"propdesk_toy_tickets": metrics.DomainGauge("Toy tickets by state", ("state",), _open_counts)}
    messages.GAUGES = gauges
    try:
        assert app.gauges() == {"propdesk_toy_tickets": {("OPEN",): 1.0}}
    finally:
        del messages.GAUGES
    engine = create_engine(f"sqlite:///{tmp_path / 'toy.db'}")
    Base.metadata.create_all(engine)
    ChassisBase.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(ToyTicket.__table__.insert(), [{"ticket_id": "A", "state": "OPEN"},
                                                    {"ticket_id": "B", "state": "ANSWERED"},
                                                    {"ticket_id": "C", "state": "OPEN"}])
    metrics.register_gauges("toyscrape", engine, gauges, FakeClock(START))
    assert REGISTRY.get_sample_value("propdesk_toy_tickets", {"service": "toyscrape", "state": "OPEN"}) == 2
    assert REGISTRY.get_sample_value("propdesk_toy_tickets", {"service": "toyscrape", "state": "ANSWERED"}) == 1
    engine.dispose()
    metrics._gauge_collector._services.pop("toyscrape")


def test_a_list_of_rows_is_described_with_the_fields_of_a_row():
    from propdesk.chassis.workflow import describe_schema

    class Item(Schema):
        name = fields.String(required=True, metadata={"label": {"zh": "物品", "en": "Item"}})
        quantity = fields.Integer(required=True)

    class Deposit(Schema):
        items = fields.List(fields.Nested(Item), required=True)

    [spec] = describe_schema(Deposit)
    assert (spec["type"], spec["items"]) == ("list", "object")
    assert [(f["name"], f["type"], f["label"]["zh"]) for f in spec["fields"]] == [
        ("name", "string", "物品"), ("quantity", "integer", "quantity")]


def test_a_due_time_in_office_time_is_kept_as_the_same_moment(app):
    """A workflow computes its due time in the office's zone (+08:00); SQLite keeps no offset, so
    the chassis stores UTC: due at 17:30 Shanghai is 09:30 UTC, not 17:30 UTC."""
    from zoneinfo import ZoneInfo

    shanghai = datetime(2026, 11, 30, 17, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    factory = app.db.factory()
    with factory() as uow:
        uow.set_deadline(RULE, "toy_ticket", "T9", shanghai)
        uow.commit()
    app.clock.set(datetime(2026, 11, 30, 9, 29, tzinfo=timezone.utc))
    assert app.tick("sweep_deadlines") == 0
    app.clock.set(datetime(2026, 11, 30, 9, 31, tzinfo=timezone.utc))
    assert app.tick("sweep_deadlines") == 2  # T9 at 17:30 Shanghai, and T1's 30 minutes (09:00 + 30 UTC)
    [late] = [e for e in app.events("toy_ticket.answer_overdue") if e.payload["record_id"] == "T9"]
    assert late.payload["due_at"] == "2026-11-30T09:30:00+00:00"
