"""Lost & found (拾获物品, domain.md §2.10) on the fake unit of work: registered by two different
staff who both sign; dangerous or important items to the police, never publicised; publicised;
a claim verified (description, valid ID, condition, signature) or refused with its reason and
escalated; unclaimed 3 months after registration flagged once by the timer and handed to finance."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from propdesk.chassis.clock import FakeClock
from propdesk.chassis.workflow import Reader
from propdesk.contracts.envelope import Actor
from propdesk.contracts.vocab import LOST_ITEM_CATEGORIES
from propdesk.errors import Conflict, Forbidden, NotFound, ValidationError
from propdesk.testing.fake import ServiceHarness
from propdesk_services.access import messages
from propdesk_services.access.service import AccessService
from propdesk_services.access.workflows.lost_property import domain
from propdesk_services.access.workflows.lost_property.models import LostItem

T0 = datetime(2026, 11, 30, 2, 0, tzinfo=timezone.utc)  # office day 2026-11-30
DESK = {"id": "desk-01", "role": "front_desk", "estates": ["E1"]}
DESK2 = {"id": "desk-02", "role": "cs_assistant", "estates": ["E1"]}
CASHIER = {"id": "cash-01", "role": "cashier", "estates": ["E1"]}
ID_NUMBER = "11010519491231002X"


@pytest.fixture
def app() -> ServiceHarness:
    return ServiceHarness(AccessService, clock=FakeClock(T0))


def found(**over) -> dict:
    return {"category": "ordinary", "description": "黑色钱包", "items": ["黑色钱包 1 个", "银行卡 2 张"],
            "found_place": "2号楼大堂", "found_by": "保洁 刘阿姨", "second_registrar": "desk-02",
            "second_registrar_name": "陈二", "both_signed": True, **over}


def claim(item_no, **over) -> dict:
    return {"item_no": item_no, "claimant_name": "周失主", "claimant_description": "黑色钱包, 内有两张银行卡",
            "id_number": ID_NUMBER, "id_checked": True, "description_matches": True,
            "condition_confirmed": True, "claimant_signed": True, **over}


def rows(app) -> int:
    with app.session() as s:
        return s.query(LostItem).count()


def test_an_item_is_registered_by_two_staff_publicised_and_returned(app):
    item = app.command("register_lost_item", found(), actor=DESK)
    assert item["item_no"] == "SH-20261130-0001" and item["state"] == "registered"
    assert (item["registered_by"], item["second_registrar"], item["second_registrar_name"]) == ("desk-01", "desk-02", "陈二")
    assert item["unclaimed_at"] == "2027-02-27T16:00:00+00:00"  # 2027-02-28 00:00 at the property
    [event] = app.events("lost_item.registered")
    assert event.payload["registrars"] == ["desk-01", "desk-02"] and event.payload["police_required"] is False
    no = item["item_no"]
    assert app.query("allowed_actions", "lost_item", no, "front_desk") == [
        "publicise_lost_item", "return_lost_item", "refuse_lost_item_claim", "hand_lost_item_to_police"]
    got = app.command("publicise_lost_item", {"item_no": no, "channels": ["app", "notice_board"]}, actor=DESK2)
    assert got["state"] == "publicised" and got["channels"] == ["app", "notice_board"]
    assert app.events("lost_item.publicised")[0].payload["channels"] == ["app", "notice_board"]
    back = app.command("return_lost_item", claim(no), actor=DESK)
    assert back["state"] == "returned" and back["closed_by"] == "desk-01"
    assert back["claims"][0]["outcome"] == "returned" and back["claims"][0]["id_number"] == "110105********002X"
    assert app.events("lost_item.claimed")[0].payload["claimant"] == "周失主"
    assert app.query("allowed_actions", "lost_item", no, "front_desk") == []
    with pytest.raises(Conflict) as e:
        app.command("return_lost_item", claim(no), actor=DESK)
    assert e.value.rule == "item_held"


@pytest.mark.parametrize("over, field, rule", [
    ({"second_registrar": "desk-01"}, "second_registrar", "second_registrar_differs"),
    ({"second_registrar": "DESK-01 "}, "second_registrar", "second_registrar_differs"),
    ({"both_signed": False}, "both_signed", "both_signatures"),
    ({"items": []}, "items", "required"),
    ({"items": ["  "]}, "items", "required"),
    ({"second_registrar_name": None}, "second_registrar_name", "not_null"),
    ({"category": "jewel"}, "category", "one_of"),
    ({"unit_id": "T1-24F"}, "unit_id", "unknown_unit"),
])
def test_a_registration_needs_two_different_staff_who_both_sign(app, over, field, rule):
    with pytest.raises(ValidationError) as e:
        app.command("register_lost_item", found(**over), actor=DESK)
    assert (field, rule) in [(p.field, p.rule) for p in e.value.problems]
    assert rows(app) == 0 and app.events() == []


def test_a_dangerous_item_goes_to_the_police_and_is_never_publicised(app):
    item = app.command("register_lost_item", found(category="firearm", description="仿真枪", items=["枪 1 把"]),
                       actor={"id": "guard-07", "role": "security", "estates": ["E1"]})
    assert app.events("lost_item.registered")[0].payload["police_required"] is True
    no = item["item_no"]
    assert app.query("allowed_actions", "lost_item", no, "front_desk") == ["hand_lost_item_to_police"]
    with pytest.raises(Conflict) as e:
        app.command("publicise_lost_item", {"item_no": no, "channels": ["app"]}, actor=DESK)
    assert e.value.rule == "police_item_not_publicised"
    with pytest.raises(Conflict) as e:
        app.command("return_lost_item", claim(no), actor=DESK)
    assert e.value.rule == "police_item"
    got = app.command("hand_lost_item_to_police", {"item_no": no, "police_station": "阳光派出所", "police_officer": "李警官",
                                                   "police_receipt_ref": "JJ-001"}, actor=DESK)
    assert got["state"] == "handed_to_police" and got["police_officer"] == "李警官"
    # the police have it: the 3 months never run
    app.clock.advance(days=120)
    assert app.tick("flag_unclaimed_lost_items") == 0


@pytest.mark.parametrize("over, field, rule", [
    ({"id_number": None}, "id_number", "valid_id_required"),
    ({"id_number": "110105194912310021"}, "id_number", "valid_id_required"),
    ({"id_checked": False}, "id_checked", "valid_id_required"),
    ({"claimant_description": None}, "claimant_description", "required"),
    ({"description_matches": False}, "description_matches", "description_verified"),
    ({"condition_confirmed": False}, "condition_confirmed", "condition_confirmed"),
    ({"claimant_signed": False}, "claimant_signed", "claimant_signature"),
])
def test_a_claim_without_description_valid_id_or_signature_is_not_returned(app, over, field, rule):
    no = app.command("register_lost_item", found(), actor=DESK)["item_no"]
    before = len(app.events())
    with pytest.raises(ValidationError) as e:
        app.command("return_lost_item", claim(no, **over), actor=DESK)
    assert (field, rule) in [(p.field, p.rule) for p in e.value.problems]
    assert app.query("get_lost_item", no)["state"] == "registered" and len(app.events()) == before


def test_a_claim_with_a_passport_is_valid(app):
    no = app.command("register_lost_item", found(), actor=DESK)["item_no"]
    got = app.command("return_lost_item", claim(no, id_type="passport", id_number="E12345678"), actor=DESK)
    assert got["claims"][0]["id_number"] == "*****5678"


def test_an_unverifiable_claim_is_refused_with_its_reason_and_escalated(app):
    no = app.command("register_lost_item", found(), actor=DESK)["item_no"]
    got = app.command("refuse_lost_item_claim", {"item_no": no, "claimant_name": "吴某", "id_number": None,
                                                 "claimant_description": "红色钱包", "reason": "描述不符"}, actor=DESK)
    assert got["state"] == "registered" and got["claims"][0]["outcome"] == "refused"
    [event] = app.events("lost_item.claim_refused")
    assert (event.payload["reason"], event.payload["escalate_to"]) == ("描述不符", "cs_supervisor")
    with pytest.raises(ValidationError):
        app.command("refuse_lost_item_claim", {"item_no": no, "claimant_name": "吴某"}, actor=DESK)
    # the real owner can still claim it
    assert app.command("return_lost_item", claim(no), actor=DESK)["state"] == "returned"


def test_unclaimed_after_three_months_is_flagged_once_and_handed_to_finance(app):
    a = app.command("register_lost_item", found(), actor=DESK)["item_no"]
    b = app.command("register_lost_item", found(description="雨伞", items=["雨伞"]), actor=DESK)["item_no"]
    app.command("publicise_lost_item", {"item_no": b, "channels": ["owner_group"]}, actor=DESK)
    with pytest.raises(Conflict) as e:  # not yet unclaimed
        app.command("hand_lost_item_to_finance", {"item_no": a, "finance_receiver": "财务 孙"}, actor=CASHIER)
    assert e.value.rule == "unclaimed_first"
    limit = datetime(2027, 2, 27, 16, 0, tzinfo=timezone.utc)
    app.clock.set(limit - timedelta(minutes=1))
    assert app.tick("flag_unclaimed_lost_items") == 0
    app.clock.set(limit + timedelta(minutes=1))
    assert app.tick("flag_unclaimed_lost_items") == 2
    assert app.tick("flag_unclaimed_lost_items") == 0
    assert sorted(e.payload["item_id"] for e in app.events("lost_item.expired")) == sorted([a, b])
    reader = Reader(app.session(), app.clock, Actor("cash-01", "cashier"), ("E1",))
    items = messages.QUEUES["lost_items_unclaimed"].items({}, reader)
    assert [i["number"] for i in items] == [a, b] and all(i["overdue"] for i in items)
    assert app.query("allowed_actions", "lost_item", a, "cashier") == ["hand_lost_item_to_finance"]
    got = app.command("hand_lost_item_to_finance", {"item_no": a, "finance_receiver": "财务 孙"}, actor=CASHIER)
    assert (got["state"], got["finance_receiver"]) == ("handed_to_finance", "财务 孙")
    with pytest.raises(Conflict):
        app.command("return_lost_item", claim(b), actor=DESK)


def test_the_queue_of_items_to_publicise(app):
    a = app.command("register_lost_item", found(), actor=DESK)["item_no"]
    b = app.command("register_lost_item", found(), actor=DESK)["item_no"]
    app.command("publicise_lost_item", {"item_no": b, "channels": ["app"]}, actor=DESK)
    reader = Reader(app.session(), app.clock, Actor("desk-01", "front_desk"), ("E1",))
    items = messages.QUEUES["lost_items_to_publicise"].items({}, reader)
    assert [i["number"] for i in items] == [a]
    # the category as a field the desk says in the category's words, not a code in the detail
    assert (items[0]["detail"], items[0]["fields"]) == ("2号楼大堂", {"category": "ordinary"})
    assert set(next(f for f in app.query("describe_records")["lost_item"]["fields"]
                    if f["name"] == "category")["choice_labels"]) == set(LOST_ITEM_CATEGORIES.codes)


def test_who_may_do_what_and_estates(app):
    with pytest.raises(Forbidden):
        app.command("register_lost_item", found(), actor={"id": "e", "role": "engineering"})
    no = app.command("register_lost_item", found(), actor=DESK)["item_no"]
    with pytest.raises(Forbidden):
        app.command("return_lost_item", claim(no), actor={"id": "g", "role": "security"})
    e2 = {"id": "desk-e2", "role": "front_desk", "estates": ["E2"]}
    with pytest.raises(NotFound):
        app.command("publicise_lost_item", {"item_no": no, "channels": ["app"]}, actor=e2)
    assert app.query("list_lost_items", actor=e2) == []
    assert [i["item_no"] for i in app.query("list_lost_items", q="钱包", actor=DESK)] == [no]


def test_three_months_later_is_the_same_day_or_the_months_last():
    from datetime import date
    assert domain.add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)
    assert domain.add_months(date(2026, 10, 15), 3) == date(2027, 1, 15)
