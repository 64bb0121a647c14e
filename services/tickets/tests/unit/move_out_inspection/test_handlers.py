"""The move-out inspection work order (工程维修单) through tickets' tables, on the in-memory harness:
opened on ``move_out.requested``, recorded by engineering, cancelled on ``move_out.withdrawn``."""
from __future__ import annotations

import json
import re
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from propdesk.chassis.db import audit_trail
from propdesk.chassis.tables import AuditRow, OutboxRow
from propdesk.contracts.envelope import Actor
from propdesk.errors import Conflict, Forbidden, NotFound, ValidationError
from propdesk.testing.fake import ServiceHarness
from propdesk_services.tickets.service import TicketsService
from propdesk_services.tickets.workflows.move_out_inspection.models import InspectionWorkOrder

ENGINEER = {"id": "eng-07", "role": "engineering"}
CS = Actor("cs-02", "cs_assistant")


@pytest.fixture
def app() -> ServiceHarness:
    return ServiceHarness(TicketsService)


def move_out_requested(app: ServiceHarness, move_out_id: str, unit_id: str = "1-1-303", estate: str | None = "E1"):
    return app.event("move_out.requested",
                     {"move_out_id": move_out_id, "unit_id": unit_id, "estate": estate, "tenant_id": f"TEN-{unit_id}",
                      "owner_id": f"OWN-{unit_id}", "owner_consent_doc": "DOC-1", "exit_date": "2026-11-30",
                      "fitout_disposition": "restore"},
                     correlation_id=move_out_id, actor=CS, producer="residents")


def move_out_withdrawn(app: ServiceHarness, move_out_id: str, unit_id: str = "1-1-303", reason: str = "租户续租"):
    return app.event("move_out.withdrawn",
                     {"move_out_id": move_out_id, "unit_id": unit_id, "estate": "E1", "reason": reason,
                      "withdrawn_at": app.clock.now().isoformat()},
                     correlation_id=move_out_id, actor=CS, producer="residents")


def open_work_order(app: ServiceHarness, move_out_id: str, unit_id: str = "1-1-303") -> dict:
    app.deliver(move_out_requested(app, move_out_id, unit_id))
    return app.query("get_inspection", move_out_id)


def record(app: ServiceHarness, move_out_id: str, result: dict, actor=ENGINEER, **key):
    return app.command("record_inspection", {"move_out_id": move_out_id, **result}, actor, **key)


def counts(app: ServiceHarness) -> tuple:
    with app.session() as s:
        return (s.scalar(select(func.count()).select_from(OutboxRow)),
                s.scalar(select(func.count()).select_from(AuditRow)),
                tuple((w.work_order_no, w.status, tuple(w.defects), w.inspector)
                      for w in s.scalars(select(InspectionWorkOrder).order_by(InspectionWorkOrder.work_order_no))))


def trail(app: ServiceHarness, **kw) -> list[dict]:
    with app.session() as s:
        return audit_trail(s, **kw)


def problems(exc: ValidationError) -> set[tuple[str, str]]:
    return {(p.field, p.rule) for p in exc.problems}


# -- move_out.requested -> inspection work order -----------------------------------------------

def test_a_move_out_opens_an_inspection_work_order(app):
    wo = open_work_order(app, "MO-1", "1-1-303")

    assert wo["work_order_no"] == "WO-20261123-0001"  # the office day of the clock (FakeClock: 2026-11-23)
    assert (wo["move_out_id"], wo["unit_id"], wo["status"], wo["defects"], wo["inspector"], wo["breach_notice_id"]) == \
        ("MO-1", "1-1-303", "open", [], None, None)
    assert wo["created_at"] == wo["updated_at"] == app.clock.now().isoformat()

    [event] = app.events("move_out.inspection_opened")
    assert event.correlation_id == "MO-1" and event.producer == "tickets"
    assert event.payload == {"move_out_id": "MO-1", "work_order_no": wo["work_order_no"], "unit_id": "1-1-303",
                             "estate": "E1"}
    [audit] = trail(app, object_id=wo["work_order_no"])
    assert audit["action"] == "work_order.open" and audit["actor"] == {"id": "tickets", "role": "system"}
    assert audit["details"] == {"move_out_id": "MO-1", "unit_id": "1-1-303", "estate": "E1",
                                "kind": "move_out_inspection"}
    assert trail(app, correlation_id="MO-1") == [audit]


def test_work_orders_count_up_per_office_day_and_restart_the_next(app):
    first = open_work_order(app, "MO-1")
    second = open_work_order(app, "MO-2", "3-2-1101")
    assert (first["work_order_no"], second["work_order_no"]) == ("WO-20261123-0001", "WO-20261123-0002")
    app.clock.set(datetime(2026, 11, 23, 16, 0, tzinfo=timezone.utc))  # 00:00 on the 24th in Shanghai
    assert open_work_order(app, "MO-3", "1-1-702")["work_order_no"] == "WO-20261124-0001"


def test_the_same_move_out_twice_opens_one_work_order(app):
    envelope = move_out_requested(app, "MO-3")
    assert app.deliver(envelope) == ["on_move_out_requested"]
    assert app.deliver(envelope) == []                 # the same delivery again: the inbox skips it
    assert app.deliver(move_out_requested(app, "MO-3")) == ["on_move_out_requested"]  # announced again: skipped
    assert [w["move_out_id"] for w in app.query("list_work_orders")] == ["MO-3"]
    assert len(app.events()) == 1 and len(trail(app, correlation_id="MO-3")) == 1


# -- record_inspection ---------------------------------------------------------------------------

def test_a_passed_inspection_is_recorded_and_announced(app):
    wo = open_work_order(app, "MO-4")
    app.clock.advance(hours=2)

    done = record(app, "MO-4", {"passed": True})

    assert (done["work_order_no"], done["status"], done["defects"], done["inspector"], done["breach_notice_id"]) == \
        (wo["work_order_no"], "passed", [], "eng-07", None)
    assert done["updated_at"] == app.clock.now().isoformat() and done["created_at"] == wo["created_at"]
    assert app.query("get_inspection", "MO-4") == done
    [event] = app.events("move_out.inspection_completed")
    assert event.correlation_id == "MO-4" and event.actor.as_dict() == ENGINEER
    assert event.payload == {"move_out_id": "MO-4", "work_order_no": wo["work_order_no"], "unit_id": "1-1-303",
                             "estate": "E1", "passed": True, "defects": [], "breach_notice_id": None}
    audit = trail(app, object_id=wo["work_order_no"])[-1]
    assert audit["action"] == "work_order.inspect" and audit["actor"] == ENGINEER
    assert audit["details"] == {"move_out_id": "MO-4", "passed": True, "defects": [], "breach_notice_id": None}
    assert len(trail(app, correlation_id="MO-4")) == 2  # opened, inspected: on the move-out's case


def test_defects_then_a_passed_reinspection_then_the_result_is_final(app):
    wo = open_work_order(app, "MO-5")

    failed = record(app, "MO-5", {"passed": False, "defects": [" 墙面钉孔 nail holes ", "地板划痕 floor scratches"]})
    breach = "WY-" + wo["work_order_no"][3:]
    assert (failed["status"], failed["defects"], failed["breach_notice_id"]) == \
        ("defects_found", ["墙面钉孔 nail holes", "地板划痕 floor scratches"], breach)
    assert [w["move_out_id"] for w in app.query("list_work_orders", status="defects_found")] == ["MO-5"]

    passed = record(app, "MO-5", {"passed": True, "defects": []})
    assert (passed["status"], passed["defects"], passed["breach_notice_id"]) == ("passed", [], None)

    events = app.events("move_out.inspection_completed")
    assert [(e.correlation_id, e.payload["passed"], e.payload["breach_notice_id"]) for e in events] == \
        [("MO-5", False, breach), ("MO-5", True, None)]

    before = counts(app)
    with pytest.raises(Conflict) as err:
        record(app, "MO-5", {"passed": False, "defects": ["late"]})
    assert (err.value.field, err.value.rule) == ("passed", "passed_is_final")
    assert counts(app) == before


@pytest.mark.parametrize("result, expected", [
    ({}, {("passed", "required")}),
    ({"passed": "perhaps"}, {("passed", "type")}),
    ({"passed": False}, {("defects", "required_when_failed")}),
    ({"passed": False, "defects": []}, {("defects", "required_when_failed")}),
    ({"passed": True, "defects": ["scratch"]}, {("defects", "must_be_empty_when_passed")}),
    ({"passed": False, "defects": ["scratch", "  "]}, {("defects", "not_blank")}),
    ({"passed": True, "colour": "red"}, {("colour", "unknown_field")}),
    ({"passed": True, "defects": "scratch"}, {("defects", "type")}),
])
def test_a_bad_inspection_result_is_rejected_and_changes_nothing(app, result, expected):
    open_work_order(app, "MO-6")
    before = counts(app)
    with pytest.raises(ValidationError) as err:
        record(app, "MO-6", result)
    assert problems(err.value) == expected
    assert counts(app) == before


@pytest.mark.parametrize("move_out_id, expected", [
    ("  ", {("move_out_id", "required")}),
    (["MO-7"], {("move_out_id", "type")}),
    ("M" * 65, {("move_out_id", "length")}),
])
def test_a_bad_move_out_id_is_rejected(app, move_out_id, expected):
    open_work_order(app, "MO-7")
    before = counts(app)
    with pytest.raises(ValidationError) as err:
        record(app, move_out_id, {"passed": True})
    assert problems(err.value) == expected
    with pytest.raises(ValidationError) as err:
        app.command("record_inspection", {"passed": True}, ENGINEER)
    assert problems(err.value) == {("move_out_id", "required")}
    assert counts(app) == before


def test_only_engineering_records_an_inspection(app):
    open_work_order(app, "MO-7")
    outbox, audits, orders = counts(app)
    with pytest.raises(Forbidden) as err:
        record(app, "MO-7", {"passed": True}, actor={"id": "fd-1", "role": "front_desk"})
    assert (err.value.field, err.value.rule) == ("actor.role", "role_not_allowed")
    with pytest.raises(ValidationError) as err:
        record(app, "MO-7", {"passed": True}, actor={"id": "x", "role": "plumber"})
    assert problems(err.value) == {("actor.role", "one_of")}
    # nothing changes but the audit row of the refusal (who tried what)
    assert counts(app) == (outbox, audits + 1, orders)
    [refusal] = app.audit("refused")
    assert (refusal.actor_id, refusal.actor_role, refusal.object_id) == ("fd-1", "front_desk", "tickets.record_inspection")


def test_an_unknown_move_out_is_not_found(app):
    before = counts(app)
    with pytest.raises(NotFound) as err:
        record(app, "MO-404", {"passed": True})
    assert (err.value.field, err.value.rule) == ("move_out_id", "exists")
    with pytest.raises(NotFound):
        app.query("get_inspection", "MO-404")
    assert counts(app) == before


# -- idempotency keys: one result recorded however often it is sent ------------------------------

def test_the_same_key_and_result_is_recorded_once(app):
    open_work_order(app, "MO-8")
    first = record(app, "MO-8", {"passed": False, "defects": ["客厅墙面破损"]}, idempotency_key="key-same-0001")
    after_first = counts(app)
    app.clock.advance(minutes=5)
    assert record(app, "MO-8", {"passed": False, "defects": ["客厅墙面破损"]}, idempotency_key="key-same-0001") == first
    assert counts(app) == after_first
    assert len(app.events("move_out.inspection_completed")) == 1


def test_the_same_key_with_another_result_is_a_conflict(app):
    open_work_order(app, "MO-8")
    record(app, "MO-8", {"passed": False, "defects": ["客厅墙面破损"]}, idempotency_key="key-other-0001")
    before = counts(app)
    with pytest.raises(Conflict) as err:
        record(app, "MO-8", {"passed": True, "defects": []}, idempotency_key="key-other-0001")
    assert (err.value.field, err.value.rule) == ("idempotency_key", "reused_with_different_request")
    assert counts(app) == before


@pytest.mark.parametrize("key, rule", [("k" * 129, "length"), ("", "length"), ("a b", "charset"), (7, "type")])
def test_a_malformed_key_is_rejected(app, key, rule):
    open_work_order(app, "MO-8")
    before = counts(app)
    with pytest.raises(ValidationError) as err:
        record(app, "MO-8", {"passed": True}, idempotency_key=key)
    assert [(p.field, p.rule) for p in err.value.problems] == [("idempotency_key", rule)]
    assert counts(app) == before


# -- move_out.withdrawn -> the inspection is cancelled -------------------------------------------

@pytest.mark.parametrize("found", [[], ["门锁损坏 lock broken"]])
def test_a_withdrawn_move_out_cancels_its_unfinished_inspection(app, found):
    wo = open_work_order(app, "MO-9")
    if found:
        record(app, "MO-9", {"passed": False, "defects": found})
    events_before = len(app.events())
    app.clock.advance(hours=1)

    assert app.deliver(move_out_withdrawn(app, "MO-9", reason="租户续租 lease renewed")) == ["on_move_out_withdrawn"]

    cancelled = app.query("get_inspection", "MO-9")
    assert (cancelled["status"], cancelled["defects"], cancelled["breach_notice_id"]) == ("cancelled", found, None)
    assert cancelled["updated_at"] == app.clock.now().isoformat()
    assert len(app.events()) == events_before  # nothing to announce: residents closed the case itself
    [audit] = app.audit("work_order.cancel")
    assert (audit.object_type, audit.object_id, audit.correlation_id) == ("work_order", wo["work_order_no"], "MO-9")
    assert (audit.actor_id, audit.actor_role) == ("tickets", "system")
    details = json.loads(audit.details)
    assert details["reason"] == "租户续租 lease renewed" and details["from"] == ("defects_found" if found else "open")
    assert details["by"] == CS.as_dict()
    assert [w["move_out_id"] for w in app.query("list_work_orders", status="cancelled")] == ["MO-9"]


@pytest.mark.parametrize("result", [{"passed": True}, {"passed": False, "defects": ["墙面破损"]}])
def test_recording_an_inspection_on_a_cancelled_work_order_is_a_conflict(app, result):
    open_work_order(app, "MO-10")
    app.deliver(move_out_withdrawn(app, "MO-10"))
    before = counts(app)
    with pytest.raises(Conflict) as err:
        record(app, "MO-10", result)
    assert (err.value.field, err.value.rule) == ("move_out_id", "work_order_cancelled")
    assert counts(app) == before


def test_a_passed_inspection_stays_passed_when_the_move_out_is_withdrawn(app):
    open_work_order(app, "MO-11")
    passed = record(app, "MO-11", {"passed": True})
    before = counts(app)
    assert app.deliver(move_out_withdrawn(app, "MO-11")) == ["on_move_out_withdrawn"]
    assert app.query("get_inspection", "MO-11") == passed
    assert counts(app) == before


def test_a_withdrawal_delivered_twice_cancels_once(app):
    open_work_order(app, "MO-12")
    withdrawn = move_out_withdrawn(app, "MO-12")
    assert app.deliver(withdrawn) == ["on_move_out_withdrawn"]
    assert app.deliver(withdrawn) == []
    assert len(app.audit("work_order.cancel")) == 1


def test_a_withdrawal_that_overtakes_the_request_opens_the_work_order_cancelled(app):
    """move_out.requested and move_out.withdrawn reach tickets on two queues, so the withdrawal may
    come first (the request being retried). Engineering must never get an inspection for a case
    that is already over, however late the request arrives: the work order is opened cancelled,
    and the request then opens nothing (as access opens its hold closed)."""
    assert app.deliver(move_out_withdrawn(app, "MO-404")) == ["on_move_out_withdrawn"]
    wo = app.query("get_inspection", "MO-404")
    assert wo["status"] == "cancelled" and wo["work_order_no"].startswith("WO-")
    assert app.events("move_out.inspection_opened") == []
    open_work_order(app, "MO-404")  # the request arrives late
    assert app.query("get_inspection", "MO-404") == wo
    assert app.events("move_out.inspection_opened") == []
    with pytest.raises(Conflict):
        record(app, "MO-404", {"passed": True})


# -- reads -------------------------------------------------------------------------------------------

def test_list_work_orders_filters_by_status(app):
    open_work_order(app, "MO-13")
    app.clock.advance(minutes=1)
    open_work_order(app, "MO-14", "1-1-702")
    record(app, "MO-14", {"passed": True})
    assert [w["move_out_id"] for w in app.query("list_work_orders", status="open")] == ["MO-13"]
    assert [w["move_out_id"] for w in app.query("list_work_orders", status="passed")] == ["MO-14"]
    assert [w["move_out_id"] for w in app.query("list_work_orders")] == ["MO-14", "MO-13"]  # newest first
    assert app.query("list_work_orders", None) == app.query("list_work_orders")
    for status, rule in (("closed", "one_of"), ({}, "type"), ("x" * 65, "length")):
        with pytest.raises(ValidationError) as err:
            app.query("list_work_orders", status=status)
        assert {p.field for p in err.value.problems} == {"status"} and rule in {p.rule for p in err.value.problems}


def test_get_inspection_needs_a_move_out_id(app):
    for bad, rule in ((["MO-1"], "type"), ("  ", "required")):
        with pytest.raises(ValidationError) as err:
            app.query("get_inspection", bad)
        assert problems(err.value) == {("move_out_id", rule)}


def test_work_order_numbers_have_the_office_format(app):
    wo = open_work_order(app, "MO-15")
    assert re.fullmatch(r"WO-\d{8}-\d{4}", wo["work_order_no"])
