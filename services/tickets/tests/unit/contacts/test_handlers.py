"""The contact log (来电来访登记) through tickets' tables, on the in-memory harness: every state, every
refusal (role, owner, state, field), the agreed reply time at ±1 minute, the ticket links, the
queues, the FCR rate, estates and the record/print tables."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from propdesk.chassis.clock import FakeClock
from propdesk.chassis.tables import AuditRow, DeadlineRow, OutboxRow
from propdesk.contracts.envelope import Actor
from propdesk.errors import Conflict, Forbidden, NotFound, ValidationError
from propdesk.testing.fake import ServiceHarness
from propdesk_services.tickets.service import TicketsService
from propdesk_services.tickets.workflows.contacts.models import ContactRecord

FD = {"id": "fd-wang", "role": "front_desk", "estates": ["E1"]}
FD2 = {"id": "fd-li", "role": "front_desk", "estates": ["E1"]}
ASSISTANT = {"id": "cs-zhao", "role": "cs_assistant", "estates": ["E1"]}
SUPERVISOR = {"id": "sup-chen", "role": "cs_supervisor", "estates": ["E1"]}
FD_E2 = {"id": "fd-e2", "role": "front_desk", "estates": ["E2"]}
ENGINEER = {"id": "eng-07", "role": "engineering", "estates": ["E1"]}
START = datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)  # Monday 10:00 in Shanghai


@pytest.fixture
def app() -> ServiceHarness:
    return ServiceHarness(TicketsService, clock=FakeClock(START))


def register(app, actor=FD, **over) -> dict:
    request = {"channel": "phone", "classification": "inquiry", "caller_name": "王伟", "caller_phone": "13812345678",
               "unit_id": "1-1-401", "summary": "问：停水通知什么时候贴出？", **over}
    return app.command("register_contact", request, actor)


def types(app) -> list[str]:
    return [e.event_type for e in app.events()]


def snapshot(app) -> tuple:
    with app.session() as s:
        return (s.scalar(select(func.count()).select_from(OutboxRow)),
                s.scalar(select(func.count()).select_from(DeadlineRow)),
                tuple((c.contact_id, c.state, c.owner, c.fcr, c.outcome) for c in
                      s.scalars(select(ContactRecord).order_by(ContactRecord.contact_id))))


def later(app, **delta) -> str:
    return (app.clock.now() + timedelta(**delta)).isoformat()


# --- registering ---------------------------------------------------------------------------------------
def test_register_an_inquiry_opens_it_owned_by_its_receiver(app):
    c = register(app)
    assert c["contact_id"] == c["contact_no"] == "CT-20261123-0001"
    assert (c["state"], c["owner"], c["received_by"], c["estate"], c["fcr"]) == ("RECEIVED", "fd-wang", "fd-wang", "E1", None)
    assert c["caller_phone"] == "13812345678"  # the record itself keeps the number for the callback
    assert c["received_at"] == "2026-11-23T02:00:00+00:00"
    [e] = app.events()
    assert e.event_type == "contact.registered" and e.correlation_id == c["contact_id"]
    assert e.payload == {
        "contact_id": c["contact_id"], "contact_no": c["contact_id"], "channel": "phone", "classification": "inquiry",
        "unit_id": "1-1-401", "estate": "E1", "caller": "王伟", "caller_phone": "138****5678",
        "summary": "问：停水通知什么时候贴出？", "received_by": "fd-wang", "received_at": "2026-11-23T02:00:00+00:00",
        "repeat_of": None}
    [row] = app.audit("contact.registered")
    assert "13812345678" not in row.details and json.loads(row.details)["caller_phone"] == "138****5678"


def test_an_inquiry_answered_at_once_is_closed_at_first_contact(app):
    c = register(app, answer="已答复：明早8点在各单元门口张贴")
    assert (c["state"], c["fcr"], c["closed_by"], c["outcome"]) == ("CLOSED", True, "fd-wang", "已答复：明早8点在各单元门口张贴")
    assert types(app) == ["contact.registered", "contact.closed"]
    closed = app.events("contact.closed")[0].payload
    assert (closed["fcr"], closed["state"], closed["replied_late"]) == (True, "CLOSED", None)


def test_a_procedure_is_recorded_and_closed_or_passed_on(app):
    c = register(app, classification="procedure", summary="办理装修出入证")
    assert c["state"] == "RECEIVED"
    app.clock.advance(minutes=10)
    done = app.command("close_contact", {"contact_id": c["contact_id"], "outcome": "已转装修出入证办理",
                                         "referred_to": "出入证"}, FD)
    assert (done["state"], done["fcr"], done["referred_to"]) == ("CLOSED", True, "出入证")
    assert types(app) == ["contact.registered", "contact.closed"]


@pytest.mark.parametrize("cls, ticket", [("repair", "repair"), ("complaint", "complaint")])
def test_a_repair_or_complaint_waits_for_its_ticket(app, cls, ticket):
    c = register(app, classification=cls, summary="卫生间漏水" if cls == "repair" else "楼上装修噪音")
    assert (c["state"], c["fcr"]) == ("AWAITING_TICKET", None)
    assert app.events()[0].payload["classification"] == cls


def test_a_common_area_contact_takes_the_estate_given_or_the_one_the_person_works_for(app):
    c = register(app, unit_id=None, summary="3号楼大堂灯不亮", classification="repair")
    assert (c["unit_id"], c["estate"]) == (None, "E1")
    both = {"id": "sup-chen", "role": "cs_supervisor", "estates": ["E1", "E2"]}
    with pytest.raises(ValidationError) as err:
        register(app, both, unit_id=None)
    assert [(p.field, p.rule) for p in err.value.problems] == [("estate", "required_without_unit")]
    assert register(app, both, unit_id=None, estate="E2")["estate"] == "E2"
    assert register(app, {"id": "x", "role": "front_desk"}, unit_id="T1-31F")["estate"] == "E2"  # not scoped


def test_a_finding_needs_no_caller(app):
    c = register(app, ASSISTANT, channel="finding", caller_name=None, caller_phone=None, unit_id=None,
                 classification="repair", summary="巡查发现2号楼消防通道堆物")
    assert (c["caller_name"], c["received_by"]) == (None, "cs-zhao")
    assert app.events()[0].payload["caller"] is None


def test_a_landline_is_masked_too(app):
    register(app, caller_phone="010-6588 1234")
    assert app.events()[0].payload["caller_phone"] == "***-**** 1234"


def test_register_refuses_every_broken_rule_at_once_and_writes_nothing(app):
    before = snapshot(app)
    with pytest.raises(ValidationError) as err:
        app.command("register_contact", {"channel": "fax", "classification": "other", "caller_name": " ",
                                         "caller_phone": "call me", "unit_id": "1 1 401", "estate": "E9",
                                         "summary": ""}, FD)
    assert {(p.field, p.rule) for p in err.value.problems} == {
        ("channel", "one_of"), ("classification", "one_of"), ("caller_name", "required"),
        ("caller_phone", "phone"), ("unit_id", "format"), ("estate", "one_of"), ("summary", "required")}
    with pytest.raises(ValidationError) as err:
        register(app, classification=None, channel=None)
    assert {(p.field, p.rule) for p in err.value.problems} == {("channel", "required"), ("classification", "required")}
    with pytest.raises(ValidationError) as err:
        register(app, classification="repair", answer="已解决")
    assert [(p.field, p.rule) for p in err.value.problems] == [("answer", "not_for_tickets")]
    with pytest.raises(ValidationError) as err:
        register(app, unit_id="1-1-401", estate="E2")
    assert [(p.field, p.rule) for p in err.value.problems] == [("estate", "not_the_units_estate")]
    with pytest.raises(ValidationError) as err:
        register(app, summary="长" * 1001)
    assert [(p.field, p.rule) for p in err.value.problems] == [("summary", "length")]
    with pytest.raises(ValidationError) as err:
        register(app, surprise="x")
    assert [p.field for p in err.value.problems] == ["surprise"]
    assert snapshot(app) == before


def test_a_unit_or_estate_outside_the_persons_estates_is_refused(app):
    with pytest.raises(ValidationError) as err:
        register(app, FD_E2, unit_id="1-1-401")
    assert [(p.field, p.rule) for p in err.value.problems] == [("unit_id", "unknown_unit")]
    with pytest.raises(ValidationError) as err:
        register(app, FD_E2, unit_id=None, estate="E1")
    assert [(p.field, p.rule) for p in err.value.problems] == [("estate", "outside_your_estates")]
    assert app.events() == []


def test_roles_outside_the_desk_may_not_register(app):
    with pytest.raises(Forbidden) as err:
        register(app, ENGINEER)
    assert (err.value.field, err.value.rule) == ("actor.role", "role_not_allowed")
    assert app.events() == [] and app.audit("refused")


@pytest.mark.parametrize("command", ["answer_contact", "arrange_reply", "close_contact", "hand_over_contact"])
@pytest.mark.parametrize("role", ["engineering", "security", "cashier", "admin"])
def test_roles_outside_the_desk_may_not_act_on_a_contact(app, command, role):
    c = register(app, classification="procedure")
    before = snapshot(app)
    with pytest.raises(Forbidden) as err:
        app.command(command, {"contact_id": c["contact_id"]}, {"id": "fd-wang", "role": role, "estates": ["E1"]})
    assert (err.value.field, err.value.rule) == ("actor.role", "role_not_allowed")
    assert snapshot(app) == before


@pytest.mark.parametrize("role", ["front_desk", "cs_assistant", "area_assistant", "cs_specialist", "senior_cs",
                                  "cs_supervisor", "cs_manager", "director"])
def test_everyone_at_the_desk_may_register(app, role):
    assert register(app, {"id": f"p-{role}", "role": role, "estates": ["E1"]})["owner"] == f"p-{role}"


# --- answering an inquiry ----------------------------------------------------------------------------
def test_answered_by_its_receiver_during_the_first_contact_is_fcr(app):
    c = register(app)
    app.clock.advance(minutes=29)
    done = app.command("answer_contact", {"contact_id": c["contact_id"], "answer": "明早8点张贴"}, FD)
    assert (done["state"], done["fcr"], done["replied_late"]) == ("CLOSED", True, None)
    assert json.loads(app.audit("contact.answered")[0].details)["state_before"] == "RECEIVED"


def test_answered_after_the_first_contact_window_is_not_fcr(app):
    c = register(app)
    app.clock.advance(minutes=31)
    done = app.command("answer_contact", {"contact_id": c["contact_id"], "answer": "回电告知"}, FD)
    assert (done["state"], done["fcr"]) == ("CLOSED", False)


def test_an_answer_needs_text_and_an_open_inquiry(app):
    c = register(app)
    with pytest.raises(ValidationError) as err:
        app.command("answer_contact", {"contact_id": c["contact_id"], "answer": "  "}, FD)
    assert [(p.field, p.rule) for p in err.value.problems] == [("answer", "required")]
    app.command("answer_contact", {"contact_id": c["contact_id"], "answer": "好"}, FD)
    before = snapshot(app)
    with pytest.raises(Conflict) as err:
        app.command("answer_contact", {"contact_id": c["contact_id"], "answer": "再答"}, FD)
    assert (err.value.field, err.value.rule) == ("contact_id", "state")
    p = register(app, classification="procedure")
    with pytest.raises(Conflict) as err:
        app.command("answer_contact", {"contact_id": p["contact_id"], "answer": "x"}, FD)
    assert err.value.rule == "inquiry_only"
    with pytest.raises(Conflict) as err:
        app.command("close_contact", {"contact_id": c["contact_id"], "outcome": "x"}, FD)
    assert err.value.rule == "procedure_only"
    with pytest.raises(NotFound) as err:
        app.command("answer_contact", {"contact_id": "CT-20261123-9999", "answer": "x"}, FD)
    assert (err.value.field, err.value.rule) == ("contact_id", "exists")
    assert snapshot(app)[2][0] == before[2][0]


def test_close_contact_refusals(app):
    p = register(app, classification="procedure")
    with pytest.raises(ValidationError) as err:
        app.command("close_contact", {"contact_id": p["contact_id"], "outcome": None}, FD)
    assert [(x.field, x.rule) for x in err.value.problems] == [("outcome", "required")]
    app.command("close_contact", {"contact_id": p["contact_id"], "outcome": "已办"}, FD)
    with pytest.raises(Conflict) as err:
        app.command("close_contact", {"contact_id": p["contact_id"], "outcome": "再办"}, FD)
    assert err.value.rule == "state"


# --- first-contact ownership (首问负责制) ----------------------------------------------------------------
def test_only_the_owner_or_a_supervisor_acts_on_a_contact(app):
    c = register(app)
    before = snapshot(app)
    for command, request in (("answer_contact", {"answer": "x"}),
                             ("arrange_reply", {"expert": "工程部", "reply_due_at": later(app, hours=2)}),
                             ("hand_over_contact", {"new_owner": "fd-li", "reason": "下班"})):
        with pytest.raises(Forbidden) as err:
            app.command(command, {"contact_id": c["contact_id"], **request}, FD2)
        assert (err.value.field, err.value.rule) == ("contact_id", "first_contact_owner")
    p = register(app, classification="procedure")
    with pytest.raises(Forbidden):
        app.command("close_contact", {"contact_id": p["contact_id"], "outcome": "x"}, ASSISTANT)
    assert snapshot(app)[1:] == (before[1], before[2] + ((p["contact_id"], "RECEIVED", "fd-wang", None, None),))
    done = app.command("answer_contact", {"contact_id": c["contact_id"], "answer": "主管答复"}, SUPERVISOR)
    assert (done["state"], done["closed_by"], done["fcr"]) == ("CLOSED", "sup-chen", False)


def test_a_hand_over_names_the_new_owner_and_is_audited(app):
    c = register(app)
    moved = app.command("hand_over_contact", {"contact_id": c["contact_id"], "new_owner": "fd-li",
                                              "reason": "交接班"}, FD)
    assert moved["owner"] == "fd-li" and moved["received_by"] == "fd-wang"
    assert moved["handovers"] == [{"at": "2026-11-23T02:00:00+00:00", "from": "fd-wang", "to": "fd-li",
                                   "by": "fd-wang", "reason": "交接班"}]
    assert app.events("contact.handed_over")[0].payload == {
        "contact_id": c["contact_id"], "contact_no": c["contact_id"], "estate": "E1", "from_owner": "fd-wang",
        "to_owner": "fd-li", "reason": "交接班", "by": "fd-wang"}
    details = json.loads(app.audit("contact.handed_over")[0].details)
    assert (details["from_owner"], details["to_owner"], details["reason"]) == ("fd-wang", "fd-li", "交接班")
    with pytest.raises(Forbidden):  # the receiver no longer owns it
        app.command("answer_contact", {"contact_id": c["contact_id"], "answer": "x"}, FD)
    done = app.command("answer_contact", {"contact_id": c["contact_id"], "answer": "新负责人答复"}, FD2)
    assert (done["state"], done["fcr"]) == ("CLOSED", False)  # handed over: not resolved at first contact


def test_hand_over_refusals(app):
    c = register(app)
    with pytest.raises(ValidationError) as err:
        app.command("hand_over_contact", {"contact_id": c["contact_id"], "new_owner": "fd-wang", "reason": None}, FD)
    assert {(p.field, p.rule) for p in err.value.problems} == {("new_owner", "another_person"), ("reason", "required")}
    with pytest.raises(ValidationError) as err:
        app.command("hand_over_contact", {"contact_id": c["contact_id"], "reason": "x"}, FD)
    assert [(p.field, p.rule) for p in err.value.problems] == [("new_owner", "required")]
    app.command("answer_contact", {"contact_id": c["contact_id"], "answer": "好"}, FD)
    with pytest.raises(Conflict) as err:
        app.command("hand_over_contact", {"contact_id": c["contact_id"], "new_owner": "fd-li", "reason": "x"}, FD)
    assert err.value.rule == "state"


def test_a_supervisor_may_hand_over_anyones_contact(app):
    c = register(app, classification="repair")
    moved = app.command("hand_over_contact", {"contact_id": c["contact_id"], "new_owner": "cs-zhao",
                                              "reason": "分管助理跟进"}, SUPERVISOR)
    assert (moved["owner"], moved["state"], moved["handovers"][0]["by"]) == ("cs-zhao", "AWAITING_TICKET", "sup-chen")


# --- an inquiry that needs an expert: the agreed reply time -----------------------------------------------
def arrange(app, c, minutes=30, actor=FD, expert="工程部 李工") -> dict:
    return app.command("arrange_reply", {"contact_id": c["contact_id"], "expert": expert,
                                         "reply_due_at": later(app, minutes=minutes)}, actor)


def test_arrange_reply_agrees_a_time_and_sets_the_deadline(app):
    c = register(app)
    waiting = arrange(app, c, minutes=120)
    assert (waiting["state"], waiting["expert"], waiting["reply_due_at"]) == (
        "AWAITING_REPLY", "工程部 李工", "2026-11-23T04:00:00+00:00")
    assert app.events("contact.reply_arranged")[0].payload["reply_due_at"] == "2026-11-23T04:00:00+00:00"
    with app.session() as s:
        [d] = s.scalars(select(DeadlineRow)).all()
    assert (d.rule, d.record_type, d.record_id, d.state, d.responsible, d.estate) == (
        "contact.reply", "contact", c["contact_id"], "pending", "fd-wang", "E1")


def test_the_desks_time_without_offset_is_office_time(app):
    c = register(app)
    waiting = app.command("arrange_reply", {"contact_id": c["contact_id"], "expert": "工程部",
                                            "reply_due_at": "2026-11-23T16:00"}, FD)
    assert waiting["reply_due_at"] == "2026-11-23T08:00:00+00:00"


def test_a_reply_at_minute_29_of_30_is_in_time_and_never_breaches(app):
    c = register(app)
    arrange(app, c, minutes=30)
    app.clock.advance(minutes=29)
    app.tick("sweep_deadlines")
    done = app.command("answer_contact", {"contact_id": c["contact_id"], "answer": "专业人员答复"}, FD)
    assert (done["state"], done["fcr"], done["replied_late"]) == ("CLOSED", False, False)
    app.clock.advance(minutes=10)
    app.tick("sweep_deadlines")
    assert app.events("contact.reply_overdue") == []
    with app.session() as s:
        assert s.scalars(select(DeadlineRow.state)).all() == ["met"]


def test_unanswered_at_minute_31_breaches_exactly_once(app):
    c = register(app)
    arrange(app, c, minutes=30)
    app.clock.advance(minutes=29)
    app.tick("sweep_deadlines")
    assert app.events("contact.reply_overdue") == []
    assert app.query("get_contact", c["contact_id"])["reply_overdue"] is False
    app.clock.advance(minutes=2)
    app.tick("sweep_deadlines")
    app.tick("sweep_deadlines")
    [breach] = app.events("contact.reply_overdue")
    assert breach.payload == {"rule": "contact.reply", "record_type": "contact", "record_id": c["contact_id"],
                              "due_at": "2026-11-23T02:30:00+00:00", "responsible": "fd-wang",
                              "escalate_to": "cs_supervisor", "estate": "E1",
                              "summary": f"{c['contact_id']} 1-1-401 王伟"}
    assert breach.correlation_id == c["contact_id"]
    assert app.query("get_contact", c["contact_id"])["reply_overdue"] is True
    done = app.command("answer_contact", {"contact_id": c["contact_id"], "answer": "迟复"}, FD)
    assert (done["replied_late"], done["reply_overdue"]) == (True, False)
    with app.session() as s:
        assert s.scalars(select(DeadlineRow.state)).all() == ["met_late"]
    assert len(app.events("contact.reply_overdue")) == 1


def test_a_hand_over_moves_the_reply_deadline_to_the_new_owner(app):
    c = register(app)
    arrange(app, c, minutes=60)
    app.command("hand_over_contact", {"contact_id": c["contact_id"], "new_owner": "fd-li", "reason": "交接班"}, FD)
    app.clock.advance(minutes=61)
    app.tick("sweep_deadlines")
    [breach] = app.events("contact.reply_overdue")
    assert breach.payload["responsible"] == "fd-li"
    with app.session() as s:
        assert s.scalar(select(func.count()).select_from(DeadlineRow)) == 1


def test_arrange_reply_refusals(app):
    c = register(app)
    before = snapshot(app)
    with pytest.raises(ValidationError) as err:
        app.command("arrange_reply", {"contact_id": c["contact_id"], "expert": None, "reply_due_at": None}, FD)
    assert {(p.field, p.rule) for p in err.value.problems} == {("expert", "required"), ("reply_due_at", "required")}
    with pytest.raises(ValidationError) as err:
        arrange(app, c, minutes=0)
    assert [(p.field, p.rule) for p in err.value.problems] == [("reply_due_at", "in_the_future")]
    with pytest.raises(ValidationError) as err:
        arrange(app, c, minutes=3 * 24 * 60 + 1)
    assert [(p.field, p.rule) for p in err.value.problems] == [("reply_due_at", "within_3_days")]
    with pytest.raises(ValidationError) as err:
        app.command("arrange_reply", {"contact_id": c["contact_id"], "expert": "x",
                                      "reply_due_at": "下午四点"}, FD)
    assert [(p.field, p.rule) for p in err.value.problems] == [("reply_due_at", "iso_datetime")]
    assert snapshot(app) == before
    assert arrange(app, c, minutes=3 * 24 * 60)["state"] == "AWAITING_REPLY"
    with pytest.raises(Conflict) as err:
        arrange(app, c, minutes=10)
    assert err.value.rule == "state"
    p = register(app, classification="procedure")
    with pytest.raises(Conflict) as err:
        arrange(app, p)
    assert err.value.rule == "inquiry_only"


# --- the ticket a repair or complaint contact opens --------------------------------------------------------
def repair_reported(app, contact_id, repair_id="BX-20261123-0001"):
    return app.event("repair.reported", {"repair_id": repair_id, "repair_no": repair_id, "contact_id": contact_id,
                                         "unit_id": "1-1-401", "estate": "E1", "category": "water_electric",
                                         "summary": "卫生间漏水"}, producer="tickets")


def complaint_registered(app, contact_id, complaint_id="CP-20261123-0001"):
    return app.event("complaint.registered", {"complaint_id": complaint_id, "complaint_no": complaint_id,
                                              "contact_id": contact_id, "unit_id": "1-1-401", "estate": "E1",
                                              "kind": None}, producer="tickets")


def test_a_repair_opened_from_the_contact_is_linked(app):
    c = register(app, classification="repair", summary="卫生间漏水")
    event = repair_reported(app, c["contact_id"])
    assert app.deliver(event) == ["on_repair_reported"]
    got = app.query("get_contact", c["contact_id"])
    assert (got["state"], got["ticket_type"], got["ticket_id"], got["ticket_no"], got["fcr"]) == (
        "TICKET_OPENED", "repair", "BX-20261123-0001", "BX-20261123-0001", False)
    closed = app.events("contact.closed")[0]
    assert (closed.payload["state"], closed.payload["ticket_id"], closed.causation_id) == (
        "TICKET_OPENED", "BX-20261123-0001", event.event_id)
    app.deliver(event)  # a duplicate delivery changes nothing
    app.deliver(repair_reported(app, c["contact_id"]))  # the same ticket announced again neither
    assert len(app.events("contact.closed")) == 1 and len(app.audit("contact.ticket_linked")) == 1


def test_a_complaint_opened_from_the_contact_is_linked(app):
    c = register(app, classification="complaint", summary="楼上装修噪音")
    app.deliver(complaint_registered(app, c["contact_id"]))
    got = app.query("get_contact", c["contact_id"])
    assert (got["state"], got["ticket_type"], got["ticket_no"]) == ("TICKET_OPENED", "complaint", "CP-20261123-0001")


def test_an_open_inquiry_that_became_a_ticket_ends_and_its_deadline_is_cancelled(app):
    c = register(app)
    arrange(app, c, minutes=30)
    app.deliver(repair_reported(app, c["contact_id"]))
    assert app.query("get_contact", c["contact_id"])["state"] == "TICKET_OPENED"
    app.clock.advance(minutes=31)
    app.tick("sweep_deadlines")
    assert app.events("contact.reply_overdue") == []


def test_a_ticket_for_a_closed_contact_is_noted_and_one_without_or_unknown_contact_ignored(app):
    c = register(app, answer="已答复")
    app.deliver(repair_reported(app, c["contact_id"]))
    got = app.query("get_contact", c["contact_id"])
    assert (got["state"], got["ticket_id"], got["fcr"]) == ("CLOSED", "BX-20261123-0001", True)
    n = len(app.events())
    app.deliver(repair_reported(app, None, "BX-2"))
    app.deliver(repair_reported(app, "CT-19990101-0001", "BX-3"))
    assert len(app.events()) == n


# --- reading: the record, the list, the actions, estates ---------------------------------------------------
def test_another_estates_contact_answers_as_absent(app):
    c = register(app)
    for call in (lambda: app.query("get_contact", c["contact_id"], actor=FD_E2),
                 lambda: app.query("allowed_actions", "contact", c["contact_id"], "front_desk", actor=FD_E2),
                 lambda: app.command("answer_contact", {"contact_id": c["contact_id"], "answer": "x"},
                                     {**FD_E2, "role": "cs_supervisor"})):
        with pytest.raises(NotFound) as err:
            call()
        assert (err.value.field, err.value.rule) == ("contact_id", "exists")
    assert app.query("list_contacts", actor=FD_E2) == []
    assert [x["contact_id"] for x in app.query("list_contacts", actor=FD)] == [c["contact_id"]]


def test_list_filters_and_masks(app):
    a = register(app)
    app.clock.advance(days=1)
    b = register(app, classification="repair", channel="visit", unit_id="1-2-1503", caller_name="李娜",
                 caller_phone="13900002222", summary="墙面裂缝，电话13900001111")
    app.clock.advance(days=1)
    register(app, classification="procedure", channel="app", unit_id=None)
    listed = app.query("list_contacts", actor=FD)
    assert [x["contact_id"] for x in listed][1:] == [b["contact_id"], a["contact_id"]]
    assert (listed[-1]["caller_phone"], listed[1]["caller_phone"]) == ("138****5678", "139****2222")
    by = lambda **kw: [x["contact_id"] for x in app.query("list_contacts", actor=FD, **kw)]  # noqa: E731
    assert by(classification="repair") == [b["contact_id"]]
    assert by(state="AWAITING_TICKET") == [b["contact_id"]]
    assert by(channel="visit") == [b["contact_id"]]
    assert by(unit_id="1-1-401") == [a["contact_id"]]
    assert by(since="2026-11-24", until="2026-11-24") == [b["contact_id"]]
    assert by(until="2026-11-23") == [a["contact_id"]]
    assert by(q="李娜") == [b["contact_id"]]
    assert by(q="13900002222") == [b["contact_id"]]
    assert by(limit=1) == by()[:1]
    assert app.query("list_contacts", q="墙面", actor=FD)[0]["summary"] == "墙面裂缝，电话139****1111"
    with pytest.raises(ValidationError):
        app.query("list_contacts", state="OPEN", actor=FD)


@pytest.mark.parametrize("cls, state_actions", [
    ("inquiry", ["answer_contact", "arrange_reply", "hand_over_contact"]),
    ("procedure", ["close_contact", "hand_over_contact"]),
    ("repair", ["hand_over_contact"]),
])
def test_allowed_actions_follow_the_state(app, cls, state_actions):
    c = register(app, classification=cls)
    assert app.query("allowed_actions", "contact", c["contact_id"], "front_desk", actor=FD) == state_actions
    assert app.query("allowed_actions", "contact", c["contact_id"], "engineering", actor=FD) == []


def test_allowed_actions_are_the_owners_and_the_supervisors(app):
    c = register(app)
    assert app.query("allowed_actions", "contact", c["contact_id"], "front_desk", actor=FD2) == []
    assert app.query("allowed_actions", "contact", c["contact_id"], "cs_supervisor", actor=SUPERVISOR) == [
        "answer_contact", "arrange_reply", "hand_over_contact"]
    app.command("hand_over_contact", {"contact_id": c["contact_id"], "new_owner": "fd-li", "reason": "交接班"}, FD)
    assert app.query("allowed_actions", "contact", c["contact_id"], "front_desk", actor=FD) == []
    assert app.query("allowed_actions", "contact", c["contact_id"], "front_desk", actor=FD2) != []


def test_allowed_actions_of_awaiting_reply_and_closed(app):
    c = register(app)
    arrange(app, c)
    assert app.query("allowed_actions", "contact", c["contact_id"], "front_desk") == ["answer_contact",
                                                                                   "hand_over_contact"]
    app.command("answer_contact", {"contact_id": c["contact_id"], "answer": "x"}, FD)
    assert app.query("allowed_actions", "contact", c["contact_id"], "front_desk") == []


# --- the desk's queues ---------------------------------------------------------------------------------
def queue(app, key, actor):
    return next((q["items"] for q in app.query("work_queues", actor=actor) if q["key"] == key), None)


def test_my_open_contacts_is_each_persons_own(app):
    mine = register(app)
    app.clock.advance(minutes=1)
    waiting = register(app, classification="repair")
    register(app, FD2)
    register(app, answer="当场答复")  # closed: not in the queue
    items = queue(app, "my_open_contacts", FD)
    assert [i["id"] for i in items] == [mine["contact_id"], waiting["contact_id"]]
    assert items[0] == {"record": "contact", "id": mine["contact_id"], "number": mine["contact_id"],
                        "title": "1-1-401 王伟", "detail": "问：停水通知什么时候贴出？",
                        "since": "2026-11-23T02:00:00+00:00", "due_at": None, "overdue": False, "owner": "fd-wang",
                        "classification": "inquiry", "state": "RECEIVED", "fields": {"classification": "inquiry"}}
    assert [i["owner"] for i in queue(app, "my_open_contacts", FD2)] == ["fd-li"]
    assert queue(app, "contacts_awaiting_reply", FD) is None  # a supervisors' queue
    assert queue(app, "my_open_contacts", ENGINEER) is None


def test_contacts_awaiting_reply_shows_due_times_and_overdue_flags(app):
    a = register(app)
    b = register(app, FD2)
    arrange(app, a, minutes=60)
    arrange(app, b, minutes=30, actor=FD2)
    app.clock.advance(minutes=45)
    items = queue(app, "contacts_awaiting_reply", SUPERVISOR)
    assert [(i["id"], i["due_at"], i["overdue"], i["owner"]) for i in items] == [
        (b["contact_id"], "2026-11-23T02:30:00+00:00", True, "fd-li"),
        (a["contact_id"], "2026-11-23T03:00:00+00:00", False, "fd-wang")]
    mine = queue(app, "my_open_contacts", FD)
    assert [(i["id"], i["overdue"]) for i in mine] == [(a["contact_id"], False)]
    assert queue(app, "contacts_awaiting_reply", {**SUPERVISOR, "estates": ["E2"]}) == []


# --- FCR (domain.md §4) --------------------------------------------------------------------------------
def test_fcr_rate_for_a_period_and_estate(app):
    register(app, answer="当场答复")  # inquiry, FCR
    p = register(app, classification="procedure")
    app.command("close_contact", {"contact_id": p["contact_id"], "outcome": "已办"}, FD)  # FCR (same visit)
    late = register(app)
    arrange(app, late)
    app.command("answer_contact", {"contact_id": late["contact_id"], "answer": "x"}, FD)  # not FCR
    r = register(app, classification="repair")
    app.deliver(repair_reported(app, r["contact_id"]))  # ticket: not FCR
    register(app)  # open: received, not in a rate
    register(app, {"id": "s", "role": "cs_supervisor"}, unit_id="T1-31F", answer="答复")  # E2
    app.clock.advance(days=1)
    register(app, answer="次日")  # outside the period
    rate = app.query("contact_fcr_rate", "2026-11-23", "2026-11-23", actor=FD)
    assert (rate["received"], rate["closed"], rate["fcr"], rate["rate"]) == (5, 4, 2, "0.5000")
    assert rate["resolvable"] == {"received": 4, "closed": 3, "fcr": 2, "rate": "0.6667"}
    assert rate["by_class"]["repair"] == {"received": 1, "closed": 1, "fcr": 0, "rate": "0.0000"}
    assert rate["by_class"]["complaint"] == {"received": 0, "closed": 0, "fcr": 0, "rate": None}
    assert rate["replies"] == {"answered": 1, "in_time": 1, "rate": "1.0000"}
    assert (rate["by_channel"]["phone"], rate["by_channel"]["visit"]) == (5, 0)
    both = app.query("contact_fcr_rate", "2026-11-23", "2026-11-24")
    assert (both["received"], both["fcr"]) == (7, 4)
    e2 = app.query("contact_fcr_rate", "2026-11-23", "2026-11-24", "E2")
    assert (e2["estate"], e2["received"], e2["fcr"], e2["rate"]) == ("E2", 1, 1, "1.0000")
    assert app.query("contact_fcr_rate", "2026-11-23", "2026-11-24", "E2", actor=FD)["received"] == 0
    with pytest.raises(ValidationError) as err:
        app.query("contact_fcr_rate", "2026-11-24", "2026-11-23")
    assert [(p.field, p.rule) for p in err.value.problems] == [("until", "not_before_since")]


# --- a repeat call (§4: FCR means no repeat call from the caller) ----------------------------------------
def test_a_repeat_call_withdraws_the_earlier_contacts_fcr(app):
    first = register(app, answer="当场答复")
    assert first["fcr"] is True
    app.clock.advance(days=1)
    again = register(app, repeat_of=first["contact_id"], summary="又来电：停水通知仍未张贴")
    assert again["repeat_of"] == first["contact_id"]
    got = app.query("get_contact", first["contact_id"])
    assert (got["fcr"], got["repeat_calls"], got["state"]) == (False, 1, "CLOSED")
    assert app.events("contact.registered")[-1].payload["repeat_of"] == first["contact_id"]
    details = json.loads(app.audit("contact.repeat_call")[0].details)
    assert (details["repeat"], details["fcr_withdrawn"]) == (again["contact_id"], True)
    rate = app.query("contact_fcr_rate", "2026-11-23", "2026-11-23")
    assert (rate["closed"], rate["fcr"]) == (1, 0)


def test_an_open_contact_called_again_about_is_not_fcr_when_answered(app):
    first = register(app)
    again = register(app, repeat_of=first["contact_id"])
    done = app.command("answer_contact", {"contact_id": first["contact_id"], "answer": "答复"}, FD)
    assert (done["fcr"], done["repeat_calls"]) == (False, 1)
    assert app.query("get_contact", again["contact_id"])["repeat_calls"] == 0


def test_repeat_of_an_unknown_or_another_estates_contact_is_refused(app):
    e2 = register(app, {"id": "s", "role": "cs_supervisor"}, unit_id="T1-31F")
    before = snapshot(app)
    for repeat_of in ("CT-20261123-9999", e2["contact_id"]):
        with pytest.raises(ValidationError) as err:
            register(app, repeat_of=repeat_of)
        assert [(p.field, p.rule) for p in err.value.problems] == [("repeat_of", "unknown_contact")]
    assert snapshot(app) == before


# --- the desk's tables -----------------------------------------------------------------------------------
def test_the_record_is_described_for_the_desk(app):
    rec = app.query("describe_records")["contact"]
    assert (rec["get"], rec["list"], rec["id_field"], rec["number_field"]) == (
        "get_contact", "list_contacts", "contact_id", "contact_no")
    assert rec["form"] == {"zh": "来电来访记录表", "en": "Contact log"} and rec["create"] == ["register_contact"]
    fields = {f["name"]: f for f in rec["fields"]}
    assert fields["classification"]["choice_labels"]["inquiry"] == {"zh": "咨询", "en": "Inquiry"}
    assert {f["name"] for f in rec["filters"]} >= {"classification", "state", "channel", "since", "until", "unit_id", "q"}
    forms = app.query("describe_commands")
    assert forms["register_contact"]["label"] == {"zh": "来电来访登记", "en": "Register a contact"}
    assert "cs_supervisor" in forms["hand_over_contact"]["roles"]


def test_registering_is_idempotent_with_a_key(app):
    first = app.command("register_contact", {"channel": "phone", "classification": "inquiry", "caller_name": "王伟",
                                             "unit_id": "1-1-401", "summary": "问"}, FD, idempotency_key="k-1")
    again = app.command("register_contact", {"channel": "phone", "classification": "inquiry", "caller_name": "王伟",
                                             "unit_id": "1-1-401", "summary": "问"}, FD, idempotency_key="k-1")
    assert first == again and len(app.events()) == 1


# --- within tickets: the contact opens its ticket, the ticket's event links it back -----------------------
@pytest.mark.parametrize("cls, opened", [("complaint", "complaint.registered"), ("repair", "repair.reported")])
def test_the_ticket_workflows_open_and_link_the_ticket(app, cls, opened):
    """As the broker would deliver within tickets: contact.registered reaches complaints and repairs,
    which open the ticket; its event (carrying contact_id) reaches contacts, which links it."""
    c = register(app, classification=cls, summary="楼上装修噪音" if cls == "complaint" else "卫生间漏水")
    app.deliver(app.events("contact.registered")[0])
    [ticket] = app.events(opened)
    assert ticket.payload["contact_id"] == c["contact_id"]
    app.deliver(ticket)
    got = app.query("get_contact", c["contact_id"])
    id_field = f"{cls}_id"
    assert (got["state"], got["ticket_type"], got["ticket_id"]) == ("TICKET_OPENED", cls, ticket.payload[id_field])
