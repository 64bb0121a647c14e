"""Passes (出入证, domain.md §2.9) on the fake unit of work: issued at the desk (装修出入证登记表,
住户证), refused for every broken rule with nothing written, expired by the service's own timer at
the end of the last valid day (the minute before: valid; after: expired, exactly one event),
revoked by ``renovation.completed`` and ``move_out.completed`` (idempotent), handed back or revoked
by the office, listed with ID numbers masked, the queue of passes expiring within 3 days."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from propdesk.chassis.clock import FakeClock
from propdesk.chassis.workflow import Reader
from propdesk.contracts.envelope import Actor
from propdesk.contracts.vocab import PASS_KINDS
from propdesk.errors import Conflict, Forbidden, NotFound, ValidationError
from propdesk.testing.fake import ServiceHarness
from propdesk_services.access import messages
from propdesk_services.access.service import AccessService
from propdesk_services.access.workflows.passes.models import AccessPass

T0 = datetime(2026, 11, 30, 2, 0, tzinfo=timezone.utc)  # 10:00 at the property, office day 2026-11-30
DESK = {"id": "desk-01", "role": "front_desk", "estates": ["E1"]}
GUARD = {"id": "guard-07", "role": "security", "estates": ["E1"]}
ID_NUMBER = "11010519491231002X"
RESIDENTS = Actor("residents", "system")


@pytest.fixture
def app() -> ServiceHarness:
    return ServiceHarness(AccessService, clock=FakeClock(T0))


def worker(**over) -> dict:
    return {"holder_name": "张师傅", "holder_id_number": ID_NUMBER, "photo_ref": "PH-0001",
            "valid_from": "2026-11-30", "valid_to": "2026-12-02", "renovation_id": "RN-1-1-303",
            "unit_id": "1-1-303", "work_location": "1-1-303 室内", "contractor": "宏达装饰",
            "id_copy_ref": "IDC-0001", "stamped_and_laminated": True, **over}


def resident(**over) -> dict:
    return {"holder_name": "李租户", "photo_ref": "PH-0100", "valid_from": "2026-11-30",
            "valid_to": "2027-11-29", "unit_id": "1-1-303", "relation": "tenant", **over}


def rows(app) -> int:
    with app.session() as s:
        return s.query(AccessPass).count()


def refused(app, command, request, field, rule, actor=DESK):
    before = (rows(app), len(app.events()))
    with pytest.raises(ValidationError) as e:
        app.command(command, request, actor=actor)
    assert (field, rule) in [(p.field, p.rule) for p in e.value.problems], e.value.problems
    assert (rows(app), len(app.events())) == before


# --- issuing ---------------------------------------------------------------------------------------
def test_a_construction_pass_is_issued_logged_and_announced(app):
    p = app.command("issue_construction_pass", worker(), actor=DESK)
    assert p["pass_no"] == "SG-20261130-0001" and p["state"] == "issued" and p["valid_now"] is True
    assert p["estate"] == "E1" and p["expires_at"] == "2026-12-02T16:00:00+00:00"  # end of 12-02 in Beijing
    [event] = app.events("pass.issued")
    assert event.payload["pass_type"] == "construction" and event.payload["renovation_id"] == "RN-1-1-303"
    assert event.correlation_id == p["pass_no"]
    assert [a.object_id for a in app.audit("pass.issue_construction")] == [p["pass_no"]]
    # the register keeps the ID number; the list masks it
    assert app.query("get_pass", p["pass_no"], actor=DESK)["holder_id_number"] == ID_NUMBER
    [listed] = app.query("list_passes", actor=DESK)
    assert listed["holder_id_number"] == "110105********002X"


def test_a_resident_pass_is_issued(app):
    p = app.command("issue_resident_pass", resident(), actor=DESK)
    assert p["pass_no"].startswith("ZH-") and p["kind"] == "resident" and p["relation"] == "tenant"
    assert app.events("pass.issued")[0].payload["pass_type"] == "resident"


@pytest.mark.parametrize("over, field, rule", [
    ({"id_copy_ref": None}, "id_copy_ref", "id_copy_on_file"),
    ({"stamped_and_laminated": False}, "stamped_and_laminated", "stamped_and_laminated"),
    ({"holder_id_number": None}, "holder_id_number", "required"),
    ({"holder_id_number": "110105194912310021"}, "holder_id_number", "valid_id_number"),
    ({"photo_ref": None}, "photo_ref", "required"),
    ({"valid_to": "2026-11-29", "valid_from": "2026-11-30"}, "valid_to", "not_before_valid_from"),
    ({"valid_from": "2026-11-01", "valid_to": "2026-11-29"}, "valid_to", "not_in_the_past"),
    ({"valid_to": "2027-12-01"}, "valid_to", "at_most_a_year"),
    ({"renovation_id": None}, "renovation_id", "not_null"),
    ({"work_location": ""}, "work_location", "length"),
    ({"unit_id": "T1-24F"}, "unit_id", "unknown_unit"),  # the office park's unit: not in E1
])
def test_a_construction_pass_is_refused_for_each_broken_rule(app, over, field, rule):
    refused(app, "issue_construction_pass", worker(**over), field, rule)


@pytest.mark.parametrize("over, field, rule", [
    ({"unit_id": None}, "unit_id", "required"),
    ({"relation": None}, "relation", "required"),
    ({"holder_id_number": "123"}, "holder_id_number", "valid_id_number"),
])
def test_a_resident_pass_is_refused_for_each_broken_rule(app, over, field, rule):
    refused(app, "issue_resident_pass", resident(**over), field, rule)


def test_a_passport_number_is_taken_as_typed(app):
    p = app.command("issue_resident_pass", resident(id_type="passport", holder_id_number="E12345678"), actor=DESK)
    assert p["holder_id_number"] == "E12345678"


@pytest.mark.parametrize("command", ["issue_construction_pass", "issue_resident_pass"])
def test_engineering_and_finance_may_not_issue_passes(app, command):
    for role in ("engineering", "cashier"):
        with pytest.raises(Forbidden):
            app.command(command, worker() if "construction" in command else resident(), actor={"id": "x", "role": role})
    assert rows(app) == 0


# --- expiry: the service's own timer ------------------------------------------------------------
def test_a_pass_expires_by_itself_at_the_end_of_its_last_day_exactly_once(app):
    p = app.command("issue_construction_pass", worker(), actor=DESK)
    end = datetime(2026, 12, 2, 16, 0, tzinfo=timezone.utc)  # 2026-12-03 00:00 in Beijing
    app.clock.set(end - timedelta(minutes=1))
    assert app.tick("expire_passes") == 0
    assert app.query("get_pass", p["pass_no"])["valid_now"] is True
    assert app.events("pass.expired") == []
    app.clock.set(end + timedelta(minutes=1))
    assert app.tick("expire_passes") == 1
    got = app.query("get_pass", p["pass_no"])
    assert got["state"] == "expired" and got["valid_now"] is False
    assert app.tick("expire_passes") == 0
    [expired] = app.events("pass.expired")
    assert expired.payload["pass_id"] == p["pass_no"] and expired.payload["valid_to"] == "2026-12-02"
    assert expired.correlation_id == p["pass_no"]
    assert len(app.audit("pass.expire")) == 1


def test_an_expired_pass_cannot_be_returned_or_revoked(app):
    p = app.command("issue_construction_pass", worker(), actor=DESK)
    app.clock.advance(days=4)
    app.tick("expire_passes")
    for command, extra in (("return_pass", {}), ("revoke_pass", {"reason": "违规"})):
        with pytest.raises(Conflict) as e:
            app.command(command, {"pass_no": p["pass_no"], **extra}, actor=DESK)
        assert (e.value.field, e.value.rule) == ("pass_no", "pass_in_use")


# --- revocation by events ----------------------------------------------------------------------
def completed(app, renovation_id="RN-1-1-303"):
    return app.event("renovation.completed", {"renovation_id": renovation_id, "unit_id": "1-1-303", "estate": "E1",
                                              "completed_at": T0.isoformat()}, actor=RESIDENTS, producer="residents")


def test_a_completed_renovation_revokes_its_construction_passes_once(app):
    a = app.command("issue_construction_pass", worker(), actor=DESK)
    b = app.command("issue_construction_pass", worker(holder_name="王师傅"), actor=DESK)
    other = app.command("issue_construction_pass", worker(renovation_id="RN-2-1-101", unit_id="2-1-101"), actor=DESK)
    event = completed(app)
    assert app.deliver(event) == ["revoke_passes_on_renovation_completed"]
    revoked = app.events("pass.revoked")
    assert sorted(e.payload["pass_id"] for e in revoked) == sorted([a["pass_no"], b["pass_no"]])
    assert {e.payload["reason"] for e in revoked} == {"renovation_completed"}
    assert {e.payload["cause"] for e in revoked} == {"RN-1-1-303"}
    assert app.query("get_pass", other["pass_no"])["state"] == "issued"
    # redelivered (inbox) and announced again (a new envelope): nothing more
    assert app.deliver(event) == []
    app.deliver(completed(app))
    assert len(app.events("pass.revoked")) == 2


def test_a_tenant_moving_out_loses_the_households_passes_not_the_owners(app):
    tenant = app.command("issue_resident_pass", resident(), actor=DESK)
    family = app.command("issue_resident_pass", resident(holder_name="李小", relation="tenant_family"), actor=DESK)
    owner = app.command("issue_resident_pass", resident(holder_name="王业主", relation="owner"), actor=DESK)
    event = app.event("move_out.completed", {"move_out_id": "MO-1", "unit_id": "1-1-303", "estate": "E1",
                                             "archived_at": T0.isoformat()}, actor=RESIDENTS, producer="residents")
    assert "revoke_passes_on_move_out" in app.deliver(event)
    assert sorted(e.payload["pass_id"] for e in app.events("pass.revoked")) == sorted(
        [tenant["pass_no"], family["pass_no"]])
    assert app.query("get_pass", owner["pass_no"])["state"] == "issued"
    assert app.query("get_pass", tenant["pass_no"])["end_reason"] == "moved_out"
    app.deliver(app.event("move_out.completed", event.payload, actor=RESIDENTS, producer="residents"))
    assert len(app.events("pass.revoked")) == 2


# --- by hand -----------------------------------------------------------------------------------
def test_a_pass_is_handed_back_once(app):
    p = app.command("issue_resident_pass", resident(), actor=DESK)
    assert app.query("allowed_actions", "pass", p["pass_no"], "front_desk") == ["return_pass", "revoke_pass"]
    got = app.command("return_pass", {"pass_no": p["pass_no"]}, actor=GUARD)
    assert got["state"] == "returned" and got["ended_by"] == "guard-07"
    assert [e.payload["pass_id"] for e in app.events("pass.returned")] == [p["pass_no"]]
    assert app.query("allowed_actions", "pass", p["pass_no"], "front_desk") == []
    with pytest.raises(Conflict):
        app.command("return_pass", {"pass_no": p["pass_no"]}, actor=GUARD)


def test_the_office_revokes_a_pass_with_its_reason(app):
    p = app.command("issue_construction_pass", worker(), actor=DESK)
    with pytest.raises(ValidationError):
        app.command("revoke_pass", {"pass_no": p["pass_no"]}, actor=GUARD)
    got = app.command("revoke_pass", {"pass_no": p["pass_no"], "reason": "违规动火"}, actor=GUARD)
    assert (got["state"], got["end_reason"], got["end_note"]) == ("revoked", "by_office", "违规动火")
    [event] = app.events("pass.revoked")
    assert (event.payload["reason"], event.payload["note"]) == ("by_office", "违规动火")
    with pytest.raises(Forbidden):
        app.command("revoke_pass", {"pass_no": p["pass_no"], "reason": "x"}, actor={"id": "e", "role": "engineering"})


def test_another_estates_pass_is_absent(app):
    p = app.command("issue_resident_pass", resident(), actor=DESK)
    e2 = {"id": "desk-e2", "role": "front_desk", "estates": ["E2"]}
    with pytest.raises(NotFound):
        app.query("get_pass", p["pass_no"], actor=e2)
    with pytest.raises(NotFound):
        app.command("return_pass", {"pass_no": p["pass_no"]}, actor=e2)
    assert app.query("list_passes", actor=e2) == []
    assert app.query("get_pass", p["pass_no"], actor=DESK)["state"] == "issued"


def test_lists_filter_by_kind_state_and_name(app):
    app.command("issue_construction_pass", worker(), actor=DESK)
    app.command("issue_resident_pass", resident(), actor=DESK)
    assert [p["kind"] for p in app.query("list_passes", kind="resident", actor=DESK)] == ["resident"]
    assert [p["holder_name"] for p in app.query("list_passes", q="张", actor=DESK)] == ["张师傅"]
    assert app.query("list_passes", state="expired", actor=DESK) == []


def test_the_queue_shows_passes_expiring_within_three_days(app):
    soon = app.command("issue_construction_pass", worker(), actor=DESK)  # ends 12-02
    app.command("issue_resident_pass", resident(), actor=DESK)  # ends next year
    items = messages.QUEUES["passes_expiring"].items({}, _reader(app))
    assert [i["number"] for i in items] == [soon["pass_no"]]
    assert items[0]["record"] == "pass" and items[0]["overdue"] is False
    assert items[0]["due_at"] == "2026-12-02T16:00:00+00:00"
    # the kind and last day as fields the desk says in the pass kind's words, no code in the text
    assert (items[0]["title"], items[0]["detail"], items[0]["fields"]) == \
        ("张师傅 1-1-303", "", {"kind": "construction", "valid_to": "2026-12-02"})
    described = {f["name"]: f for f in app.query("describe_records")["pass"]["fields"]}
    assert set(described["kind"]["choice_labels"]) == set(PASS_KINDS.codes)
    assert described["valid_to"]["type"] == "date"


def _reader(app, estates=("E1",)):
    return Reader(app.session(), app.clock, Actor("desk-01", "front_desk"), estates)
