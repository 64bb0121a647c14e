"""The tickets service against the real broker: the move-out inspection work order (工程维修单)."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from propdesk.chassis import metrics
from propdesk.chassis.db import audit_trail
from propdesk.chassis.tables import AuditRow, InboxRow, OutboxRow
from propdesk.contracts.envelope import Actor, Envelope, new_id, utcnow
from propdesk.errors import Conflict, Forbidden, NotFound, ValidationError
from propdesk_services.tickets import models
from propdesk_services.tickets.service import TicketsService
from tests.helpers import call, collector, events_in, publish_raw, wait_for

ENGINEER = {"id": "eng-07", "role": "engineering"}


@pytest.fixture
def tickets(start_service):
    return start_service(TicketsService)


def move_out_requested(move_out_id: str, unit_id: str = "1-1-303") -> Envelope:
    return Envelope(new_id(), "move_out.requested", 1, utcnow(), "residents", move_out_id, None,
                    Actor("cs-02", "cs_assistant"),
                    {"move_out_id": move_out_id, "unit_id": unit_id, "tenant_id": f"TEN-{unit_id}",
                     "owner_id": f"OWN-{unit_id}", "owner_consent_doc": "DOC-1", "exit_date": "2026-11-30",
                     "fitout_disposition": "restore"})


def publish(env, envelope: Envelope) -> None:
    publish_raw(env.amqp_uri, envelope.to_json_dict(), envelope.event_type)


def db(env) -> Session:
    return Session(create_engine(env.db_url("tickets")))


def counts(env) -> tuple:
    with db(env) as s:
        return (s.scalar(select(func.count()).select_from(OutboxRow)),
                s.scalar(select(func.count()).select_from(AuditRow)),
                tuple((w.work_order_no, w.status, tuple(w.defects), w.inspector)
                      for w in s.scalars(select(models.InspectionWorkOrder).order_by(models.InspectionWorkOrder.work_order_no))))


def open_work_order(tickets, env, move_out_id: str, unit_id: str = "1-1-303") -> dict:
    publish(env, move_out_requested(move_out_id, unit_id))
    return wait_for(lambda: [w for w in call(tickets, "list_work_orders") if w["move_out_id"] == move_out_id],
                    what=f"the work order of {move_out_id}")[0]


def problems(exc: ValidationError) -> set[tuple[str, str]]:
    return {(p.field, p.rule) for p in exc.problems}


# -- move_out.requested -> inspection work order -----------------------------------------------

def test_a_move_out_opens_an_inspection_work_order(tickets, propdesk_env):
    q = collector(propdesk_env.amqp_uri, "move_out.inspection_opened")
    wo = open_work_order(tickets, propdesk_env, "MO-1", "1-1-303")

    assert re.fullmatch(r"WO-\d{8}-0001", wo["work_order_no"])
    assert (wo["unit_id"], wo["status"], wo["defects"], wo["inspector"], wo["breach_notice_id"]) == \
        ("1-1-303", "open", [], None, None)
    assert call(tickets, "get_inspection", "MO-1") == wo

    [event] = wait_for(lambda: events_in(propdesk_env.amqp_uri, q), what="move_out.inspection_opened")
    assert event["correlation_id"] == "MO-1" and event["producer"] == "tickets"
    assert event["payload"] == {"move_out_id": "MO-1", "work_order_no": wo["work_order_no"], "unit_id": "1-1-303"}
    with db(propdesk_env) as s:
        [audit] = audit_trail(s, object_id=wo["work_order_no"])
    assert audit["action"] == "work_order.open" and audit["actor"] == {"id": "tickets", "role": "system"}
    assert audit["details"]["move_out_id"] == "MO-1"


def test_the_next_work_order_of_the_day_takes_the_next_number(tickets, propdesk_env):
    first = open_work_order(tickets, propdesk_env, "MO-1")
    second = open_work_order(tickets, propdesk_env, "MO-2", "3-2-1101")
    assert second["work_order_no"] == first["work_order_no"][:-4] + "0002"


def test_the_same_move_out_twice_opens_one_work_order(tickets, propdesk_env):
    q = collector(propdesk_env.amqp_uri, "move_out.inspection_opened")
    envelope = move_out_requested("MO-3")
    dup_metric = metrics.INBOX_DUPLICATES.labels("tickets", "tickets.on_move_out_requested")
    dups_before = dup_metric._value.get()
    publish(propdesk_env, envelope)
    publish(propdesk_env, envelope)                    # the same delivery again: the inbox skips it
    publish(propdesk_env, move_out_requested("MO-3"))  # the move-out announced again: handler skips it

    def both_processed():
        with db(propdesk_env) as s:
            return s.scalar(select(func.count()).select_from(InboxRow)) == 2
    wait_for(both_processed, what="both distinct events to be processed")
    wait_for(lambda: dup_metric._value.get() == dups_before + 1, what="the duplicate delivery to be skipped")

    assert [w["move_out_id"] for w in call(tickets, "list_work_orders")] == ["MO-3"]
    with db(propdesk_env) as s:
        assert s.scalar(select(func.count()).select_from(OutboxRow)) == 1
        assert len(audit_trail(s, correlation_id="MO-3")) == 1
    wait_for(lambda: events_in(propdesk_env.amqp_uri, q), what="the one event")
    assert len(events_in(propdesk_env.amqp_uri, q)) == 1


# -- record_inspection ---------------------------------------------------------------------------

def test_a_passed_inspection_is_recorded_and_announced(tickets, propdesk_env):
    wo = open_work_order(tickets, propdesk_env, "MO-4")
    q = collector(propdesk_env.amqp_uri, "move_out.inspection_completed")

    done = call(tickets, "record_inspection", "MO-4", {"passed": True}, actor=ENGINEER)

    assert (done["work_order_no"], done["status"], done["defects"], done["inspector"], done["breach_notice_id"]) == \
        (wo["work_order_no"], "passed", [], "eng-07", None)
    assert call(tickets, "get_inspection", "MO-4") == done
    [event] = wait_for(lambda: events_in(propdesk_env.amqp_uri, q), what="move_out.inspection_completed")
    assert event["correlation_id"] == "MO-4" and event["actor"] == ENGINEER
    assert event["payload"] == {"move_out_id": "MO-4", "work_order_no": wo["work_order_no"], "unit_id": "1-1-303",
                                "passed": True, "defects": [], "breach_notice_id": None}
    with db(propdesk_env) as s:
        audit = audit_trail(s, object_id=wo["work_order_no"])[-1]
    assert audit["action"] == "work_order.inspect" and audit["actor"] == ENGINEER
    assert audit["details"]["passed"] is True


def test_defects_then_a_passed_reinspection_then_the_result_is_final(tickets, propdesk_env):
    wo = open_work_order(tickets, propdesk_env, "MO-5")
    q = collector(propdesk_env.amqp_uri, "move_out.inspection_completed")

    failed = call(tickets, "record_inspection", "MO-5",
                  {"passed": False, "defects": [" 墙面钉孔 nail holes ", "地板划痕 floor scratches"]}, actor=ENGINEER)
    breach = "WY-" + wo["work_order_no"][3:]
    assert (failed["status"], failed["defects"], failed["breach_notice_id"]) == \
        ("defects_found", ["墙面钉孔 nail holes", "地板划痕 floor scratches"], breach)
    assert [w["move_out_id"] for w in call(tickets, "list_work_orders", status="defects_found")] == ["MO-5"]

    passed = call(tickets, "record_inspection", "MO-5", {"passed": True, "defects": []}, actor=ENGINEER)
    assert (passed["status"], passed["defects"], passed["breach_notice_id"]) == ("passed", [], None)

    events = wait_for(lambda: len(events_in(propdesk_env.amqp_uri, q)) == 2 and events_in(propdesk_env.amqp_uri, q),
                      what="two inspection results")
    assert [(e["correlation_id"], e["payload"]["passed"], e["payload"]["breach_notice_id"]) for e in events] == \
        [("MO-5", False, breach), ("MO-5", True, None)]

    before = counts(propdesk_env)
    with pytest.raises(Conflict):
        call(tickets, "record_inspection", "MO-5", {"passed": False, "defects": ["late"]}, actor=ENGINEER)
    assert counts(propdesk_env) == before


@pytest.mark.parametrize("result, expected", [
    ({}, {("passed", "required")}),
    ({"passed": "perhaps"}, {("passed", "type")}),
    ({"passed": False}, {("defects", "required_when_failed")}),
    ({"passed": False, "defects": []}, {("defects", "required_when_failed")}),
    ({"passed": True, "defects": ["scratch"]}, {("defects", "must_be_empty_when_passed")}),
    ({"passed": False, "defects": ["scratch", "  "]}, {("defects", "not_blank")}),
    ({"passed": True, "colour": "red"}, {("colour", "unknown_field")}),
])
def test_a_bad_inspection_result_is_rejected_and_changes_nothing(tickets, propdesk_env, result, expected):
    open_work_order(tickets, propdesk_env, "MO-6")
    before = counts(propdesk_env)
    with pytest.raises(ValidationError) as err:
        call(tickets, "record_inspection", "MO-6", result, actor=ENGINEER)
    assert problems(err.value) == expected
    assert counts(propdesk_env) == before


def test_only_engineering_records_an_inspection(tickets, propdesk_env):
    open_work_order(tickets, propdesk_env, "MO-7")
    before = counts(propdesk_env)
    with pytest.raises(Forbidden):
        call(tickets, "record_inspection", "MO-7", {"passed": True}, actor={"id": "fd-1", "role": "front_desk"})
    with pytest.raises(ValidationError) as err:
        call(tickets, "record_inspection", "MO-7", {"passed": True}, actor={"id": "x", "role": "plumber"})
    assert problems(err.value) == {("actor.role", "one_of")}
    with pytest.raises(ValidationError) as err:
        call(tickets, "record_inspection", "  ", {"passed": True}, actor=ENGINEER)
    assert problems(err.value) == {("move_out_id", "required")}
    assert counts(propdesk_env) == before


def test_an_unknown_move_out_is_not_found(tickets, propdesk_env):
    before = counts(propdesk_env)
    with pytest.raises(NotFound):
        call(tickets, "record_inspection", "MO-404", {"passed": True}, actor=ENGINEER)
    with pytest.raises(NotFound):
        call(tickets, "get_inspection", "MO-404")
    assert counts(propdesk_env) == before


# -- reads and demo ------------------------------------------------------------------------------

def test_list_work_orders_filters_by_status(tickets, propdesk_env):
    open_work_order(tickets, propdesk_env, "MO-8")
    open_work_order(tickets, propdesk_env, "MO-9", "1-1-702")
    call(tickets, "record_inspection", "MO-9", {"passed": True}, actor=ENGINEER)
    assert [w["move_out_id"] for w in call(tickets, "list_work_orders", status="open")] == ["MO-8"]
    assert [w["move_out_id"] for w in call(tickets, "list_work_orders", status="passed")] == ["MO-9"]
    assert {w["move_out_id"] for w in call(tickets, "list_work_orders")} == {"MO-8", "MO-9"}
    with pytest.raises(ValidationError) as err:
        call(tickets, "list_work_orders", status="closed")
    assert problems(err.value) == {("status", "one_of")}


def test_demo_repairs_load_once_and_list(tickets, propdesk_env):
    assert call(tickets, "list_repairs") == []
    with db(propdesk_env) as s:
        assert TicketsService.load_demo(s) == "16 open repairs"
        s.commit()
    with db(propdesk_env) as s:
        assert TicketsService.load_demo(s) == "repairs already loaded"
        s.commit()
    repairs = call(tickets, "list_repairs", status="open")
    assert len(repairs) == 16 and call(tickets, "list_repairs") == repairs
    assert call(tickets, "list_repairs", status="closed") == []
    pump_room = next(r for r in repairs if r["location"] == "水泵房")
    assert pump_room["unit_id"] is None and pump_room["reported_on"] == "2026-10-18"
    assert repairs[0] == {"repair_id": "BX-2026-0001", "unit_id": "1-1-401", "location": "1-1-401 客厅",
                          "category": "土建", "responsible": "施工方", "summary": "墙面裂缝 wall crack",
                          "reported_on": "2026-09-03", "status": "open"}
