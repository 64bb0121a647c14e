"""Small-item storage (寄存, domain.md §2.11) on the fake unit of work: each item logged and the
depositor signs; flammable, explosive, toxic goods, cash, securities and valuables refused with the
reason and nothing written; more than 3 days on the shelf flagged once (parcel.overdue: the
depositor contacted); collected with identity verified and the collector's signature, once."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from propdesk.chassis.clock import FakeClock
from propdesk.chassis.workflow import Reader
from propdesk.contracts.envelope import Actor
from propdesk.errors import Conflict, Forbidden, NotFound, ValidationError
from propdesk.testing.fake import ServiceHarness
from propdesk_services.access import messages
from propdesk_services.access.service import AccessService
from propdesk_services.access.workflows.storage.models import StoredItem

T0 = datetime(2026, 11, 30, 2, 0, tzinfo=timezone.utc)
DESK = {"id": "desk-01", "role": "front_desk", "estates": ["E1"]}


@pytest.fixture
def app() -> ServiceHarness:
    return ServiceHarness(AccessService, clock=FakeClock(T0))


def deposit(**over) -> dict:
    return {"depositor_name": "孙业主", "depositor_phone": "13812345678", "unit_id": "1-1-303",
            "items": [{"name": "纸箱", "quantity": 2, "features": "黄色胶带"}], "shelf": "A-3",
            "depositor_signed": True, **over}


def collect(no, **over) -> dict:
    return {"storage_no": no, "collector_name": "孙业主", "identity_verified": True, "collector_signed": True, **over}


def rows(app) -> int:
    with app.session() as s:
        return s.query(StoredItem).count()


def test_items_are_stored_logged_and_collected_once(app):
    d = app.command("deposit_item", deposit(), actor=DESK)
    assert d["storage_no"] == "JC-20261130-0001" and d["state"] == "stored" and d["stored_by"] == "desk-01"
    assert d["items"] == [{"name": "纸箱", "quantity": 2, "features": "黄色胶带", "kind": "ordinary"}]
    assert d["overdue_at"] == "2026-12-03T02:00:00+00:00"
    [event] = app.events("parcel.stored")
    assert event.payload["items"] == ["纸箱"] and event.payload["depositor"] == "孙业主"
    assert app.query("get_stored_item", d["storage_no"], actor=DESK)["depositor_phone"] == "13812345678"
    assert app.query("list_stored_items", actor=DESK)[0]["depositor_phone"] == "138****5678"
    got = app.command("collect_stored_item", collect(d["storage_no"]), actor=DESK)
    assert (got["state"], got["collector_name"], got["collected_by"]) == ("collected", "孙业主", "desk-01")
    assert got["collected_at"] == T0.isoformat()
    assert app.events("parcel.collected")[0].payload["collector"] == "孙业主"
    with pytest.raises(Conflict) as e:
        app.command("collect_stored_item", collect(d["storage_no"]), actor=DESK)
    assert e.value.rule == "not_collected"


@pytest.mark.parametrize("kind", ["cash", "flammable", "explosive", "toxic", "securities", "valuables", "unsuitable"])
def test_a_request_to_store_a_refused_kind_is_refused_with_the_reason(app, kind):
    items = [{"name": "纸箱", "quantity": 1}, {"name": "东西", "quantity": 1, "kind": kind}]
    with pytest.raises(ValidationError) as e:
        app.command("deposit_item", deposit(items=items), actor=DESK)
    [problem] = e.value.problems
    assert (problem.field, problem.rule) == ("items.1.kind", "not_storable")
    assert "cannot be left at the counter" in problem.message
    assert rows(app) == 0 and app.events() == []


@pytest.mark.parametrize("over, field, rule", [
    ({"depositor_signed": False}, "depositor_signed", "depositor_signature"),
    ({"items": []}, "items", "required"),
    ({"items": [{"name": "箱", "quantity": 0}]}, "items.0.quantity", "range"),
    ({"items": [{"name": " ", "quantity": 1}]}, "items.0.name", "required"),
    ({"unit_id": "T1-24F"}, "unit_id", "unknown_unit"),
])
def test_a_deposit_is_refused_for_each_broken_rule(app, over, field, rule):
    with pytest.raises(ValidationError) as e:
        app.command("deposit_item", deposit(**over), actor=DESK)
    assert (field, rule) in [(p.field, p.rule) for p in e.value.problems]
    assert rows(app) == 0


@pytest.mark.parametrize("over, field, rule", [
    ({"identity_verified": False}, "identity_verified", "identity_verified"),
    ({"collector_signed": False}, "collector_signed", "collector_signature"),
])
def test_collection_needs_identity_and_signature(app, over, field, rule):
    no = app.command("deposit_item", deposit(), actor=DESK)["storage_no"]
    with pytest.raises(ValidationError) as e:
        app.command("collect_stored_item", collect(no, **over), actor=DESK)
    assert (field, rule) in [(p.field, p.rule) for p in e.value.problems]
    assert app.query("get_stored_item", no)["state"] == "stored" and app.events("parcel.collected") == []


def test_more_than_three_days_the_depositor_is_contacted_once(app):
    no = app.command("deposit_item", deposit(), actor=DESK)["storage_no"]
    app.clock.set(T0 + timedelta(days=3) - timedelta(minutes=1))
    assert app.tick("flag_overdue_storage") == 0
    reader = Reader(app.session(), app.clock, Actor("desk-01", "front_desk"), ("E1",))
    assert messages.QUEUES["storage_overdue"].items({}, reader) == []
    app.clock.set(T0 + timedelta(days=3, minutes=1))
    assert app.tick("flag_overdue_storage") == 1
    assert app.tick("flag_overdue_storage") == 0
    [event] = app.events("parcel.overdue")
    assert event.payload["parcel_id"] == no and event.correlation_id == no
    reader = Reader(app.session(), app.clock, Actor("desk-01", "front_desk"), ("E1",))
    [item] = messages.QUEUES["storage_overdue"].items({}, reader)
    assert item["number"] == no and item["overdue"] is True
    assert app.query("allowed_actions", "stored_item", no, "front_desk") == [
        "collect_stored_item", "record_depositor_contacted"]
    got = app.command("record_depositor_contacted", {"storage_no": no, "outcome": "电话联系, 明天来取"}, actor=DESK)
    assert got["state"] == "overdue" and got["contacts"][0]["outcome"] == "电话联系, 明天来取"
    assert got["contacts"][0]["by"] == "desk-01"
    reader = Reader(app.session(), app.clock, Actor("desk-01", "front_desk"), ("E1",))
    assert messages.QUEUES["storage_overdue"].items({}, reader)[0]["detail"].endswith("电话联系, 明天来取")
    assert app.command("collect_stored_item", collect(no), actor=DESK)["state"] == "collected"
    assert app.query("allowed_actions", "stored_item", no, "front_desk") == []
    with pytest.raises(Conflict):
        app.command("record_depositor_contacted", {"storage_no": no, "outcome": "x"}, actor=DESK)


def test_who_may_and_estates(app):
    with pytest.raises(Forbidden):
        app.command("deposit_item", deposit(), actor={"id": "g", "role": "security"})
    no = app.command("deposit_item", deposit(), actor=DESK)["storage_no"]
    e2 = {"id": "d2", "role": "front_desk", "estates": ["E2"]}
    with pytest.raises(NotFound):
        app.command("collect_stored_item", collect(no), actor=e2)
    assert app.query("list_stored_items", actor=e2) == []


def test_a_contact_needs_its_outcome(app):
    no = app.command("deposit_item", deposit(), actor=DESK)["storage_no"]
    with pytest.raises(ValidationError) as e:
        app.command("record_depositor_contacted", {"storage_no": no, "outcome": " "}, actor=DESK)
    assert (e.value.problems[0].field, e.value.problems[0].rule) == ("outcome", "required")
    with pytest.raises(Forbidden):
        app.command("record_depositor_contacted", {"storage_no": no, "outcome": "x"}, actor={"id": "g", "role": "security"})
    assert app.query("get_stored_item", no)["contacts"] == []
