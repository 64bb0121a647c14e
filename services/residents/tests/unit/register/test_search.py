"""The register answers the desk's search itself: a part of a unit number, a name or party id, or
4+ digits of a phone number typed any way; phones come back masked in the list, in full on a unit's
own page for the roles that need them; another estate's units are never found."""
from __future__ import annotations

import pytest

from propdesk import demo
from propdesk.chassis.clock import FakeClock
from propdesk.privacy import mask_text
from propdesk.testing.fake import ServiceHarness
from propdesk_services.residents.service import ResidentsService

E1_DESK = {"id": "front_desk", "role": "front_desk", "estates": ["E1"]}
E2_DESK = {"id": "front_desk_e2", "role": "front_desk", "estates": ["E2"]}
ENGINEER = {"id": "engineering", "role": "engineering", "estates": ["E1"]}

UNIT = demo.DEMO_HAPPY_UNIT
TENANT = next(p for p in demo.parties() if p["party_id"] == demo.DEMO_HAPPY_TENANT)


@pytest.fixture(scope="module")
def app() -> ServiceHarness:
    return ServiceHarness(ResidentsService, clock=FakeClock(), demo=True)


def found(app, q, actor=E1_DESK) -> list[str]:
    return [u["unit_id"] for u in app.query("list_units", q=q, actor=actor)]


def test_by_a_part_of_the_unit_number(app):
    assert UNIT in found(app, UNIT)
    assert all(UNIT.split("-")[0] in u for u in found(app, UNIT.rsplit("-", 1)[0]))


def test_by_name_and_by_party_id(app):
    assert UNIT in found(app, TENANT["name"])
    assert found(app, demo.DEMO_HAPPY_TENANT) == [UNIT]


def test_by_four_or_more_digits_of_a_phone_typed_any_way(app):
    phone = TENANT["phone"]
    assert UNIT in found(app, phone[-4:])
    spaced = f"{phone[:3]} {phone[3:7]}-{phone[7:]}"
    assert found(app, spaced) == [UNIT]
    assert UNIT not in found(app, phone[-3:]) or TENANT["name"]  # 3 digits are not a phone search


def test_phones_are_masked_in_the_list_and_full_on_the_units_page_for_the_desk(app):
    [row] = app.query("list_units", q=demo.DEMO_HAPPY_TENANT, actor=E1_DESK)
    assert row["tenant_phone"] == mask_text(TENANT["phone"]) != TENANT["phone"]
    assert app.query("get_unit", UNIT, actor=E1_DESK)["tenant_phone"] == TENANT["phone"]
    assert app.query("get_unit", UNIT, actor=ENGINEER)["tenant_phone"] == mask_text(TENANT["phone"])


def test_another_estates_units_are_never_found(app):
    assert found(app, UNIT, actor=E2_DESK) == []
    office = next(u["unit_id"] for u in demo.units() if u["unit_id"].startswith("T1-"))
    assert found(app, office, actor=E1_DESK) == [] and found(app, office, actor=E2_DESK) == [office]


def test_nothing_matching_finds_nothing_and_no_query_lists_all(app):
    assert found(app, "no such unit zz") == []
    assert len(app.query("list_units", actor=E1_DESK)) == len([u for u in demo.units() if demo.estate_of(u["unit_id"]) == "E1"])


def test_the_register_is_a_record_kind_of_the_desk(app):
    unit = app.query("describe_records")["unit"]
    assert (unit["get"], unit["list"], unit["id_field"]) == ("get_unit", "list_units", "unit_id")
    assert [f["name"] for f in unit["filters"]] == ["leased_only", "q"]
