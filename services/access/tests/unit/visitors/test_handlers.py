"""The visitor register (来访登记) on the fake unit of work: registered at the counter or the gate
(name, whom they visit, time in), signed out once (time out), the owner's private information never
asked nor shown, the visitor's own numbers masked, the queue of visitors still in."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from propdesk.chassis.clock import FakeClock
from propdesk.chassis.workflow import Reader
from propdesk.contracts.envelope import Actor
from propdesk.errors import Conflict, Forbidden, NotFound, ValidationError
from propdesk.testing.fake import ServiceHarness
from propdesk_services.access import messages
from propdesk_services.access.service import AccessService
from propdesk_services.access.workflows.visitors import domain
from propdesk_services.access.workflows.visitors.models import Visitor
from propdesk_services.access.workflows.visitors.schemas import VisitorSchema

T0 = datetime(2026, 11, 30, 2, 0, tzinfo=timezone.utc)  # 10:00 at the property
DESK = {"id": "desk-01", "role": "front_desk", "estates": ["E1"]}
GUARD = {"id": "guard-07", "role": "security", "estates": ["E1"]}


@pytest.fixture
def app() -> ServiceHarness:
    return ServiceHarness(AccessService, clock=FakeClock(T0))


def visit(**over) -> dict:
    return {"visitor_name": "赵访客", "id_number": "11010519491231002X", "phone": "13812345678",
            "unit_id": "1-1-303", "host_name": "王先生", "purpose": "探亲", **over}


def count(app) -> int:
    with app.session() as s:
        return s.query(Visitor).count()


def test_a_visitor_is_registered_and_signed_out_once(app):
    v = app.command("register_visitor", visit(), actor=GUARD)
    assert v["visitor_no"] == "FK-20261130-0001" and v["state"] == "in"
    assert v["time_in"] == T0.isoformat() and v["registered_by"] == "guard-07" and v["estate"] == "E1"
    assert app.query("allowed_actions", "visitor", v["visitor_no"], "security") == ["sign_out_visitor"]
    app.clock.advance(minutes=45)
    out = app.command("sign_out_visitor", {"visitor_no": v["visitor_no"]}, actor=DESK)
    assert out["state"] == "out" and out["time_out"] == "2026-11-30T02:45:00+00:00" and out["signed_out_by"] == "desk-01"
    with pytest.raises(Conflict) as e:
        app.command("sign_out_visitor", {"visitor_no": v["visitor_no"]}, actor=DESK)
    assert (e.value.field, e.value.rule) == ("visitor_no", "visitor_in")
    assert app.query("allowed_actions", "visitor", v["visitor_no"], "security") == []
    assert [a.action for a in app.audit() if a.object_id == v["visitor_no"]] == ["visitor.register", "visitor.sign_out"]


def test_the_register_keeps_no_owner_details_and_masks_the_visitors_numbers(app):
    v = app.command("register_visitor", visit(), actor=DESK)
    assert v["id_number_masked"] == "110105********002X" and v["phone_masked"] == "138****5678"
    assert app.query("get_visitor", v["visitor_no"], actor=DESK)["id_number_masked"] == "110105********002X"
    fields = set(VisitorSchema._declared_fields)
    assert not any("owner" in f for f in fields)
    assert {"host_name", "unit_id", "time_in", "time_out"} <= fields
    with pytest.raises(ValidationError) as e:  # the form has no place for the owner's phone
        app.command("register_visitor", visit(owner_phone="13900000000"), actor=DESK)
    assert e.value.problems[0].rule == "unknown_field"
    with app.session() as s:
        row = s.query(Visitor).one()
        assert "13812345678" not in str([getattr(row, c.key) for c in Visitor.__table__.columns])
    assert domain.kept_private("E12345678") == "*****5678"


@pytest.mark.parametrize("over, field, rule", [
    ({"visitor_name": ""}, "visitor_name", "length"),
    ({"host_name": None}, "host_name", "not_null"),
    ({"unit_id": None}, "unit_id", "required"),
    ({"headcount": 0}, "headcount", "range"),
    ({"unit_id": "T1-24F"}, "unit_id", "unknown_unit"),
])
def test_a_registration_is_refused_for_each_broken_rule(app, over, field, rule):
    with pytest.raises(ValidationError) as e:
        app.command("register_visitor", visit(**over), actor=DESK)
    assert (field, rule) in [(p.field, p.rule) for p in e.value.problems]
    assert count(app) == 0


def test_a_place_without_a_unit_is_in_the_persons_estate(app):
    v = app.command("register_visitor", visit(unit_id=None, place="会所"), actor=DESK)
    assert (v["place"], v["estate"]) == ("会所", "E1")


def test_who_may_keep_the_register(app):
    for role in ("engineering", "cashier", "director"):
        with pytest.raises(Forbidden):
            app.command("register_visitor", visit(), actor={"id": "x", "role": role})
    assert count(app) == 0


def test_another_estates_visitor_is_absent(app):
    v = app.command("register_visitor", visit(), actor=DESK)
    e2 = {"id": "desk-e2", "role": "front_desk", "estates": ["E2"]}
    with pytest.raises(NotFound):
        app.command("sign_out_visitor", {"visitor_no": v["visitor_no"]}, actor=e2)
    assert app.query("list_visitors", actor=e2) == []
    assert [x["visitor_no"] for x in app.query("list_visitors", state="in", actor=DESK)] == [v["visitor_no"]]


def test_the_queue_shows_visitors_still_in_overdue_after_their_day(app):
    a = app.command("register_visitor", visit(), actor=DESK)
    b = app.command("register_visitor", visit(visitor_name="钱访客"), actor=DESK)
    app.command("sign_out_visitor", {"visitor_no": b["visitor_no"]}, actor=DESK)
    reader = Reader(app.session(), app.clock, Actor("desk-01", "front_desk"), ("E1",))
    [item] = messages.QUEUES["visitors_in"].items({}, reader)
    assert (item["record"], item["number"], item["overdue"]) == ("visitor", a["visitor_no"], False)
    assert item["due_at"] == "2026-11-30T16:00:00+00:00"  # the end of the office day
    app.clock.advance(hours=15)
    [item] = messages.QUEUES["visitors_in"].items({}, Reader(app.session(), app.clock, None, ("E1",)))
    assert item["overdue"] is True
