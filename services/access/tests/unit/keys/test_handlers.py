"""The key board on the fake unit of work (钥匙, domain.md §2.8; QR-006FW, QR-007FW): vacant-unit keys
numbered and classified with their custodian, loans to other departments (a key on loan is not lent
again), the return that cancels the entry, entrusted keys lent only with the owner's authorisation and
given back to the owner; an overdue loan breached once (minute 29 / 31), in the queue and the counts.
Each refusal changes nothing."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, inspect, select, table

from propdesk.chassis.clock import FakeClock
from propdesk.contracts.vocab import KEY_BORROWER_DEPARTMENTS
from propdesk.errors import Conflict, Forbidden, NotFound, ValidationError
from propdesk.testing.fake import ServiceHarness
from propdesk_services.access.service import AccessService

T0 = datetime(2026, 11, 30, 1, 0, tzinfo=timezone.utc)  # 09:00 at the property
DESK = {"id": "fd-wang", "role": "front_desk", "estates": ["E1"]}
CS = {"id": "cs-liu", "role": "cs_assistant", "estates": ["E1"]}
SUPERVISOR = {"id": "sup-he", "role": "cs_supervisor", "estates": ["E1"]}
DESK_E2 = {"id": "fd-e2", "role": "front_desk", "estates": ["E2"]}
GUARD = {"id": "guard-07", "role": "security", "estates": ["E1"]}


@pytest.fixture
def app() -> ServiceHarness:
    return ServiceHarness(AccessService, clock=FakeClock(T0))


def table_counts(app) -> dict[str, int]:
    with app.db.engine.connect() as conn:
        return {name: conn.scalar(select(func.count()).select_from(table(name)))
                for name in sorted(inspect(conn).get_table_names()) if not name.startswith("audit_")}


def refused_unchanged(app, exc, name, request, actor):
    before = table_counts(app)
    with pytest.raises(exc) as info:
        app.command(name, request, actor)
    assert table_counts(app) == before
    return info


def rules(info) -> set[tuple[str, str]]:
    return {(p.field, p.rule) for p in info.value.problems}


def vacant(app, unit="1-1-1804", **kw) -> dict:
    return app.command("register_key", {"unit_id": unit, "category": "entry_door", "label": "1-1-1804 入户门 A",
                                        "copies": 2, **kw}, DESK)


def entrusted(app, unit="2-1-0501", **kw) -> dict:
    return app.command("entrust_key", {"unit_id": unit, "category": "entry_door", "label": "2-1-0501 托管",
                                       "owner_name": "周业主", "entrustment_ref": "QR-006FW-2026-017", **kw}, DESK)


def lend(app, key_no, hours=2, actor=DESK, **kw) -> dict:
    back = (app.clock.now() + timedelta(hours=hours)).isoformat()
    return app.command("loan_key", {"key_no": key_no, "borrower": "工程部 陈师傅", "department": "engineering",
                                    "purpose": "空置房巡检 查漏水", "expected_back_at": back, **kw}, actor)


def test_a_vacant_units_key_is_numbered_classified_and_held_by_its_custodian(app):
    key = vacant(app)
    assert key["key_no"].startswith("KY-20261130-") and key["state"] == "IN_CUSTODY"
    assert (key["kind"], key["category"], key["copies"], key["custodian"]) == ("vacant", "entry_door", 2, "fd-wang")
    assert key["estate"] == "E1"
    assert app.events("key.registered")[0].payload["key_id"] == key["key_no"]
    named = vacant(app, unit="1-1-1803", custodian="cs-liu")
    assert named["custodian"] == "cs-liu"
    info = refused_unchanged(app, ValidationError, "register_key", {"unit_id": "", "label": ""}, DESK)
    assert rules(info) == {("unit_id", "required"), ("category", "one_of"), ("label", "required")}
    refused_unchanged(app, Forbidden, "register_key", {"unit_id": "1-1-1804", "category": "other", "label": "x"},
                      GUARD)
    info = refused_unchanged(app, ValidationError, "register_key",
                             {"unit_id": "T1-24F", "category": "other", "label": "x"}, DESK)
    assert rules(info) == {("unit_id", "unknown_unit")}


def test_a_loan_is_registered_and_a_key_on_loan_is_not_lent_again(app):
    key = vacant(app)
    loan = lend(app, key["key_no"])
    assert loan["loan_no"].startswith("KL-20261130-") and loan["returned_at"] is None and loan["overdue"] is False
    assert (loan["borrower"], loan["department"], loan["lent_by"]) == ("工程部 陈师傅", "engineering", "fd-wang")
    assert app.query("get_key", key["key_no"])["state"] == "ON_LOAN"
    assert app.query("get_key", key["key_no"])["current_loan_no"] == loan["loan_no"]
    loaned = app.events("key.loaned")[0].payload
    assert (loaned["key_id"], loaned["loan_id"], loaned["purpose"]) == (key["key_no"], loan["loan_no"], "空置房巡检 查漏水")

    info = refused_unchanged(app, Conflict, "loan_key", {"key_no": key["key_no"], "borrower": "保安 李",
                                                         "department": "security", "purpose": "x",
                                                         "expected_back_at": (T0 + timedelta(hours=1)).isoformat()},
                             CS)
    assert (info.value.field, info.value.rule) == ("key_no", "not_on_loan")
    assert app.query("allowed_actions", "key", key["key_no"], "front_desk") == ["return_key", "hand_over_key_custody"]


def test_a_loan_needs_borrower_department_purpose_and_a_later_return(app):
    key = vacant(app)
    info = refused_unchanged(app, ValidationError, "loan_key",
                             {"key_no": key["key_no"], "expected_back_at": (T0 - timedelta(minutes=1)).isoformat()},
                             DESK)
    assert rules(info) == {("borrower", "required"), ("purpose", "required"), ("department", "one_of"),
                           ("expected_back_at", "after_now")}
    info = refused_unchanged(app, ValidationError, "loan_key",
                             {"key_no": key["key_no"], "borrower": "b", "department": "engineering", "purpose": "p",
                              "expected_back_at": (T0 + timedelta(days=31)).isoformat()}, DESK)
    assert rules(info) == {("expected_back_at", "max_loan")}


def test_the_return_cancels_the_entry(app):
    key = vacant(app)
    loan = lend(app, key["key_no"])
    app.clock.advance(minutes=50)
    back = app.command("return_key", {"key_no": key["key_no"]}, CS)
    assert back["returned_by"] == "cs-liu" and back["returned_at"] is not None and back["overdue"] is False
    assert app.query("get_key", key["key_no"])["state"] == "IN_CUSTODY"
    assert app.events("key.returned")[0].payload["late"] is False
    info = refused_unchanged(app, Conflict, "return_key", {"key_no": key["key_no"]}, CS)
    assert info.value.rule == "on_loan"
    info = refused_unchanged(app, Conflict, "return_key", {"loan_no": loan["loan_no"]}, CS)
    assert info.value.rule == "on_loan"
    again = lend(app, key["key_no"])  # back in custody: it may go out again
    assert app.command("return_key", {"loan_no": again["loan_no"]}, DESK)["loan_no"] == again["loan_no"]
    assert [l["loan_no"] for l in app.query("list_key_loans", key_no=key["key_no"])] == [again["loan_no"],
                                                                                         loan["loan_no"]]


def test_an_entrusted_key_needs_the_owners_statement_and_authorisation(app):
    info = refused_unchanged(app, ValidationError, "entrust_key",
                             {"unit_id": "2-1-0501", "category": "entry_door", "label": "x"}, DESK)
    assert rules(info) == {("owner_name", "required"), ("entrustment_ref", "owner_statement")}
    key = entrusted(app)
    assert (key["kind"], key["owner_name"], key["entrustment_ref"]) == ("entrusted", "周业主", "QR-006FW-2026-017")
    info = refused_unchanged(app, ValidationError, "loan_key",
                             {"key_no": key["key_no"], "borrower": "b", "department": "engineering", "purpose": "p",
                              "expected_back_at": (T0 + timedelta(hours=1)).isoformat()}, DESK)
    assert rules(info) == {("owner_authorisation_ref", "owner_authorisation")}
    loan = lend(app, key["key_no"], owner_authorisation_ref="业主电话授权 11-30 09:00")
    assert loan["owner_authorisation_ref"] == "业主电话授权 11-30 09:00"


def test_an_entrusted_key_is_given_back_to_its_owner(app):
    key = entrusted(app)
    lend(app, key["key_no"], owner_authorisation_ref="授权")
    info = refused_unchanged(app, Conflict, "withdraw_key", {"key_no": key["key_no"], "received_by": "周业主"}, DESK)
    assert info.value.rule == "not_on_loan"
    app.command("return_key", {"key_no": key["key_no"]}, DESK)
    info = refused_unchanged(app, ValidationError, "withdraw_key", {"key_no": key["key_no"]}, DESK)
    assert rules(info) == {("received_by", "required")}
    done = app.command("withdraw_key", {"key_no": key["key_no"], "received_by": "周业主"}, DESK)
    assert (done["state"], done["withdrawn_to"], done["withdrawn_by"]) == ("WITHDRAWN", "周业主", "fd-wang")
    assert app.events("key.withdrawn")[0].payload["received_by"] == "周业主"
    info = refused_unchanged(app, Conflict, "loan_key", {"key_no": key["key_no"]}, DESK)
    assert info.value.rule == "withdrawn"
    assert app.query("allowed_actions", "key", key["key_no"], "front_desk") == []
    vac = vacant(app)
    info = refused_unchanged(app, Conflict, "withdraw_key", {"key_no": vac["key_no"], "received_by": "x"}, DESK)
    assert (info.value.field, info.value.rule) == ("kind", "entrusted_only")


def test_custody_is_handed_over_by_name(app):
    key = vacant(app)
    done = app.command("hand_over_key_custody", {"key_no": key["key_no"], "custodian": "cs-liu"}, SUPERVISOR)
    assert done["custodian"] == "cs-liu"
    info = refused_unchanged(app, ValidationError, "hand_over_key_custody",
                             {"key_no": key["key_no"], "custodian": "cs-liu"}, SUPERVISOR)
    assert rules(info) == {("custodian", "unchanged")}


def test_a_loan_returned_at_minute_29_is_not_overdue(app):
    key = vacant(app)
    lend(app, key["key_no"], hours=0.5)
    app.clock.advance(minutes=29)
    app.command("return_key", {"key_no": key["key_no"]}, DESK)
    app.clock.advance(minutes=10)
    app.tick("sweep_deadlines")
    assert app.events("key.loan_overdue") == []
    assert app.query("key_counts")["loans_overdue"] == 0


def test_a_loan_not_back_at_minute_31_is_overdue_once_queued_and_counted(app):
    key = vacant(app)
    loan = lend(app, key["key_no"], hours=0.5)
    app.clock.advance(minutes=31)
    app.tick("sweep_deadlines")
    app.tick("sweep_deadlines")
    breaches = app.events("key.loan_overdue")
    assert len(breaches) == 1
    p = breaches[0].payload
    assert (p["rule"], p["record_type"], p["record_id"], p["responsible"], p["escalate_to"], p["estate"]) == (
        "key.loan_return", "key_loan", loan["loan_no"], "fd-wang", "cs_supervisor", "E1")
    queues = {q["key"]: q for q in app.query("work_queues", actor=DESK)}
    item = queues["key_loans_overdue"]["items"][0]
    assert (item["record"], item["id"], item["overdue"], item["owner"]) == ("key_loan", loan["loan_no"], True, "fd-wang")
    # the department as a field the desk says in the department's words, not its Chinese label in the detail
    assert (item["title"], item["detail"], item["fields"]) == (
        f'{key["key_no"]} {key["unit_id"]}', "工程部 陈师傅 · 空置房巡检 查漏水", {"department": "engineering"})
    assert set(next(f for f in app.query("describe_records")["key_loan"]["fields"]
                    if f["name"] == "department")["choice_labels"]) == set(KEY_BORROWER_DEPARTMENTS.codes)
    assert app.query("get_key_loan", loan["loan_no"])["overdue"] is True
    assert [l["loan_no"] for l in app.query("list_key_loans", None, True)] == [loan["loan_no"]]
    counts = app.query("key_counts")
    assert (counts["on_loan"], counts["loans_open"], counts["loans_overdue"]) == (1, 1, 1)

    app.command("return_key", {"key_no": key["key_no"]}, DESK)
    assert app.events("key.returned")[0].payload["late"] is True
    assert app.query("key_counts")["loans_overdue"] == 0
    assert {q["key"]: q for q in app.query("work_queues", actor=DESK)}["key_loans_overdue"]["items"] == []


def test_another_estates_keys_are_absent(app):
    key = vacant(app)
    with pytest.raises(NotFound):
        app.query("get_key", key["key_no"], actor=DESK_E2)
    refused_unchanged(app, NotFound, "loan_key", {"key_no": key["key_no"]}, DESK_E2)
    assert app.query("list_keys", actor=DESK_E2) == []
    assert app.query("key_counts", actor=DESK_E2)["in_custody"] == 0


def test_the_demo_board_has_keys_out_and_one_loan_overdue():
    from propdesk.chassis.clock import SYSTEM_CLOCK

    app = ServiceHarness(AccessService, clock=FakeClock(SYSTEM_CLOCK.now()), demo=True)
    counts = app.query("key_counts")
    assert (counts["on_loan"], counts["loans_overdue"], counts["withdrawn"]) == (2, 1, 1)
    queues = {q["key"]: q for q in app.query("work_queues")}
    assert len(queues["key_loans_overdue"]["items"]) == 1
    for key in ("release_slips_owner_confirmation", "release_slips_fee_clearance",
                "release_slips_countersignature", "release_slips_at_gate"):
        assert queues[key]["items"], key
    assert app.query("release_slip_kpi")["collection_rate"] == "100.00"
    app.tick("sweep_deadlines")
    assert len(app.events("key.loan_overdue")) == 1
