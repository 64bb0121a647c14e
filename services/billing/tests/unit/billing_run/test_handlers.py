"""The billing run on the harness: drafting in batches with progress, review, corrections, issue
(numbered, posted to the ledger once), delivery, the 25th/26th deadlines, roles and estates."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from propdesk.contracts.vocab import ESTATES
from propdesk.errors import Conflict, Forbidden, NotFound, ValidationError
from propdesk.money import yuan
from propdesk_services.billing.tests.unit.billing_run.support import (
    drafted_run, drive, harness, issued_run, notices)
from propdesk_services.billing.tests.unit.cycle import CASHIER, CS, ENGINEER, SUPERVISOR, only, rules
from propdesk_services.billing.workflows.billing_run import handlers
from propdesk_services.billing.workflows.billing_run.models import FeeNotice, FeeNoticeLine
from propdesk_services.billing.workflows.payments.models import Charge

E1_UNITS = 192  # propdesk.demo's flats


@pytest.fixture
def app():
    return harness()


def _count(app, stmt):
    with app.session() as s:
        return s.scalar(stmt)


def test_a_run_drafts_every_billed_unit_in_batches_with_progress(app):
    run = app.command("start_billing_run", {"period": "2026-11", "estate": "E1"}, SUPERVISOR)
    assert (run["state"], run["total_units"], run["progress"], run["run_no"]) == \
        ("drafting", E1_UNITS, 0, "BR-20261120-0001")
    drive(app, max_batches=1, batch=50)
    mid = app.query("get_billing_run", run["run_id"])
    assert (mid["state"], mid["drafted_units"], mid["progress"]) == ("drafting", 50, 26)
    drive(app, batch=50)
    done = app.query("get_billing_run", run["run_id"])
    assert (done["state"], done["drafted_units"], done["notice_count"], done["progress"]) == \
        ("awaiting_review", E1_UNITS, E1_UNITS, 100)
    assert app.query("allowed_actions", "billing_run", run["run_id"], "finance_supervisor") == \
        ["review_billing_run", "redraft_billing_run"]
    assert [a.action for a in app.audit() if a.action.startswith("billing_run")] == \
        ["billing_run.start", "billing_run.drafted"]


def test_starting_the_same_period_again_answers_the_same_run(app):
    first = app.command("start_billing_run", {"period": "2026-11", "estate": "E1"}, SUPERVISOR)
    again = app.command("start_billing_run", {"period": "2026-11", "estate": "E1"}, CASHIER)
    assert again["run_id"] == first["run_id"]
    assert len(app.query("list_billing_runs", "2026-11", None, actor=only(SUPERVISOR, "E1"))) == 1


def test_a_notice_names_each_charges_period_basis_and_source(app):
    run = drafted_run(app)
    [n] = notices(app, run["run_id"], unit_id="1-1-101")
    notice = app.query("get_fee_notice", n["notice_id"])
    got = {(x["item"], x["basis"], x["source"], x["quantity"], x["unit_price"], x["amount"]) for x in notice["lines"]}
    # 65.38 m² flat, one parking space, water 103 -> 112 (9 m³), electricity 2040 -> 2197 (157 kWh), heating season
    assert got == {("property_fee", "per_area", "schedule", "65.3800", "2.5000", "163.45"),
                   ("heating", "per_area", "schedule", "65.3800", "5.8000", "379.20"),
                   ("parking", "per_space", "schedule", "1.0000", "150.0000", "150.00"),
                   ("water", "per_reading", "meter", "9.0000", "4.9000", "44.10"),
                   ("electricity", "per_reading", "meter", "157.0000", "0.5283", "82.94")}
    assert {x["period"] for x in notice["lines"]} == {"2026-11"}
    assert (notice["amount"], notice["arrears_before"], notice["state"]) == ("819.69", "0.00", "draft")


def test_a_held_reading_is_not_billed(app):
    run = drafted_run(app)
    [n] = notices(app, run["run_id"], unit_id="1-1-103")  # its water reading jumped: held
    items = {x["item"] for x in app.query("get_fee_notice", n["notice_id"])["lines"]}
    assert "water" not in items and "electricity" in items


def test_corrections_ordered_then_redrafted_with_the_corrected_schedule(app):
    run = drafted_run(app)
    with pytest.raises(ValidationError) as e:
        app.command("review_billing_run", {"run_id": run["run_id"], "decision": "corrections"}, SUPERVISOR)
    assert rules(e.value) == {("note", "required")}
    out = app.command("review_billing_run", {"run_id": run["run_id"], "decision": "corrections",
                                             "note": "物业费单价按合同为2.60"}, SUPERVISOR)
    assert out["state"] == "corrections_ordered"
    app.command("set_fee_schedule", {"estate": "E1", "unit_kind": "residential", "item": "property_fee",
                                     "basis": "per_area", "unit_price": "2.60", "effective_from": "2026-11"}, SUPERVISOR)
    again = app.command("redraft_billing_run", {"run_id": run["run_id"]}, CASHIER)
    assert (again["state"], again["round"], again["notice_count"]) == ("drafting", 2, 0)
    drive(app)
    [n] = notices(app, run["run_id"], unit_id="1-1-101")
    fee = [x for x in app.query("get_fee_notice", n["notice_id"])["lines"] if x["item"] == "property_fee"]
    assert fee[0]["amount"] == "169.99"
    mine = select(FeeNotice.notice_id).where(FeeNotice.run_id == run["run_id"])
    assert _count(app, select(func.count()).select_from(FeeNotice).where(FeeNotice.run_id == run["run_id"])) == E1_UNITS
    assert _count(app, select(func.count()).select_from(FeeNoticeLine)) == \
        _count(app, select(func.count()).select_from(FeeNoticeLine).where(FeeNoticeLine.notice_id.in_(
            select(FeeNotice.notice_id))))  # the first round's lines are gone with their notices
    assert _count(app, select(func.count()).select_from(FeeNoticeLine).where(FeeNoticeLine.notice_id.in_(mine))) > 0


def test_review_and_issue_are_the_finance_roles_and_in_order(app):
    run = drafted_run(app)
    with pytest.raises(Forbidden):
        app.command("review_billing_run", {"run_id": run["run_id"], "decision": "approve"}, CASHIER)
    with pytest.raises(Conflict) as e:
        app.command("issue_billing_run", {"run_id": run["run_id"]}, CASHIER)
    assert e.value.rule == "not_approved"
    app.command("review_billing_run", {"run_id": run["run_id"], "decision": "approve"}, SUPERVISOR)
    with pytest.raises(Forbidden):
        app.command("issue_billing_run", {"run_id": run["run_id"]}, SUPERVISOR)
    with pytest.raises(Conflict) as e:
        app.command("redraft_billing_run", {"run_id": run["run_id"]}, SUPERVISOR)
    assert e.value.rule == "locked"
    assert {n["state"] for n in notices(app, run["run_id"])} == {"approved"}


def test_issuing_numbers_every_notice_and_posts_its_charges_once_even_when_resumed(app):
    run = drafted_run(app)
    charges_before = _count(app, select(func.count()).select_from(Charge))
    app.command("review_billing_run", {"run_id": run["run_id"], "decision": "approve"}, SUPERVISOR)
    app.command("issue_billing_run", {"run_id": run["run_id"]}, CASHIER)
    drive(app, max_batches=1, batch=60)  # a crash after the first batch: the rest resumes
    mid = app.query("get_billing_run", run["run_id"])
    assert (mid["state"], mid["issued_count"], mid["progress"]) == ("issuing", 60, 31)
    drive(app, batch=60)
    drive(app)  # nothing left: nothing more
    done = app.query("get_billing_run", run["run_id"])
    assert (done["state"], done["issued_count"]) == ("issued", E1_UNITS)
    mine = select(FeeNotice.notice_id).where(FeeNotice.run_id == run["run_id"])
    with app.session() as s:
        numbers = s.scalars(select(FeeNotice.notice_no).where(FeeNotice.run_id == run["run_id"])).all()
        lines = s.scalar(select(func.count()).select_from(FeeNoticeLine).where(FeeNoticeLine.notice_id.in_(mine)))
        posted = s.scalar(select(func.count()).select_from(Charge)) - charges_before
        linked = handlers.line_charges(s, s.scalars(mine).all())
    assert len(set(numbers)) == E1_UNITS and all(n.startswith("FN-20261120-") for n in numbers)
    # every line on the ledger, each with a charge of its own
    assert (posted, len(linked), len({charge for _, _, charge in linked})) == (lines, lines, lines)
    [event] = app.events("billing.notices_issued")
    assert (event.payload["notice_count"], event.payload["total_amount"], event.payload["issued_by"]) == \
        (E1_UNITS, done["total_amount"], CASHIER["id"])
    [n] = notices(app, run["run_id"], unit_id="1-1-101")
    assert app.query("get_balance", "1-1-101")["outstanding"] == n["amount"]
    billed = app.query("list_meter_readings", "2026-11", "billed", "1-1-101")
    assert {r["notice_no"] for r in billed} == {n["notice_no"]} and len(billed) == 2


def test_cs_delivers_each_notice_with_who_signed_and_when(app):
    run = issued_run(app)
    [n] = notices(app, run["run_id"], unit_id="1-1-101")
    assert app.query("allowed_actions", "fee_notice", n["notice_id"], "cs_assistant") == ["confirm_notice_delivery"]
    with pytest.raises(Forbidden):
        app.command("confirm_notice_delivery", {"notice_id": n["notice_id"], "signed_by": "王先生"}, CASHIER)
    app.clock.advance(days=1)
    out = app.command("confirm_notice_delivery", {"notice_id": n["notice_id"], "signed_by": "王先生"}, CS)
    assert (out["state"], out["signed_by"], out["delivered_by"], out["signed_at"]) == \
        ("delivered", "王先生", "cs-01", app.clock.now().isoformat())
    [event] = app.events("billing.notice_delivered")
    assert event.payload["notice_no"] == n["notice_no"] and event.correlation_id == run["run_id"]
    with pytest.raises(Conflict):
        app.command("confirm_notice_delivery", {"notice_id": n["notice_id"], "signed_by": "王先生"}, CS)


def test_the_review_is_met_by_the_25th_or_breached_once_after(app):
    run = drafted_run(app)
    app.clock.set(datetime(2026, 11, 25, 15, 59, tzinfo=timezone.utc))  # 23:59 on the 25th in Beijing
    app.tick("sweep_deadlines")
    assert app.events("billing.review_overdue") == []
    app.clock.set(datetime(2026, 11, 25, 16, 1, tzinfo=timezone.utc))  # 00:01 on the 26th
    app.tick("sweep_deadlines")
    app.tick("sweep_deadlines")
    [breach] = app.events("billing.review_overdue")
    assert (breach.payload["record_id"], breach.payload["escalate_to"], breach.payload["estate"]) == \
        (run["run_id"], "director", "E1")


def test_approved_in_time_no_breach_and_the_issue_is_due_on_the_26th():
    app = harness()
    run = drafted_run(app)
    app.clock.set(datetime(2026, 11, 25, 15, 59, tzinfo=timezone.utc))
    app.command("review_billing_run", {"run_id": run["run_id"], "decision": "approve"}, SUPERVISOR)
    app.clock.set(datetime(2026, 11, 26, 15, 59, tzinfo=timezone.utc))
    app.tick("sweep_deadlines")
    assert app.events("billing.review_overdue") == [] and app.events("billing.issue_overdue") == []
    app.clock.set(datetime(2026, 11, 26, 16, 1, tzinfo=timezone.utc))
    app.tick("sweep_deadlines")
    [breach] = app.events("billing.issue_overdue")
    assert breach.payload["escalate_to"] == "finance_supervisor"


def test_queues_show_what_waits_for_whom(app):
    from propdesk.chassis.workflow import Reader
    from propdesk_services.billing.workflows.billing_run import handlers

    run = drafted_run(app)
    reader = Reader(app.session(), app.clock, None, ("E1",))
    [item] = handlers.runs_awaiting_review({}, reader)
    assert (item["number"], item["due_at"], item["overdue"]) == (run["run_no"], "2026-11-25T16:00:00+00:00", False)
    # the estate as a field the desk says in the estate's words; the text only numbers, in no language
    view = app.query("get_billing_run", run["run_id"])
    assert (item["title"], item["fields"]) == (f'{run["run_no"]} {view["period"]}', {"estate": "E1"})
    assert item["detail"] == f'{view["notice_count"]:,} · {yuan(view["total_amount"])}'
    assert set(next(f for f in app.query("describe_records")["billing_run"]["fields"]
                    if f["name"] == "estate")["choice_labels"]) == set(ESTATES.codes)
    app.command("review_billing_run", {"run_id": run["run_id"], "decision": "approve"}, SUPERVISOR)
    assert [i["id"] for i in handlers.runs_to_issue({}, Reader(app.session(), app.clock, None, ("E1",)))] == \
        [run["run_id"]]
    app.command("issue_billing_run", {"run_id": run["run_id"]}, CASHIER)
    drive(app)
    assert len(handlers.notices_to_deliver({}, Reader(app.session(), app.clock))) == E1_UNITS


def test_other_estates_runs_and_notices_are_absent(app):
    run = drafted_run(app)
    e2 = only(SUPERVISOR, "E2")
    with pytest.raises(NotFound):
        app.query("get_billing_run", run["run_id"], actor=e2)
    with pytest.raises(NotFound):
        app.command("review_billing_run", {"run_id": run["run_id"], "decision": "approve"}, e2)
    with pytest.raises(ValidationError) as e:
        app.command("start_billing_run", {"period": "2026-11", "estate": "E1"}, e2)
    assert rules(e.value) == {("estate", "not_your_estate")}
    assert app.query("list_fee_notices", run["run_id"], None, None, None, actor=e2) == []


def test_engineering_and_cs_do_not_start_runs(app):
    for actor in (ENGINEER, CS):
        with pytest.raises(Forbidden):
            app.command("start_billing_run", {"period": "2026-11", "estate": "E1"}, actor)


def test_a_reading_billed_by_an_approved_run_is_not_corrected(app):
    run = drafted_run(app)
    [reading] = app.query("list_meter_readings", "2026-11", "ok", "1-1-101")[:1]
    app.command("review_billing_run", {"run_id": run["run_id"], "decision": "approve"}, SUPERVISOR)
    with pytest.raises(Conflict) as e:
        app.command("correct_meter_reading", {"reading_id": reading["reading_id"], "reading": "999", "note": "x"},
                    ENGINEER)
    assert (e.value.field, e.value.rule) == ("reading_id", "run_locked")


def test_the_refusals_of_a_run_change_nothing(app):
    for request, problem in (({"period": "2027-01", "estate": "E1"}, ("period", "period_too_far")),
                             ({"period": "2026-13", "estate": "E1"}, ("period", "period_format")),
                             ({"period": "2026-11", "estate": "E9"}, ("estate", "one_of"))):
        with pytest.raises(ValidationError) as e:
            app.command("start_billing_run", request, SUPERVISOR)
        assert rules(e.value) == {problem}
    run = app.command("start_billing_run", {"period": "2026-11", "estate": "E1"}, SUPERVISOR)
    with pytest.raises(Conflict) as e:
        app.command("redraft_billing_run", {"run_id": run["run_id"]}, SUPERVISOR)
    assert e.value.rule == "still_drafting"
    with pytest.raises(Conflict) as e:
        app.command("review_billing_run", {"run_id": run["run_id"], "decision": "approve"}, SUPERVISOR)
    assert e.value.rule == "not_awaiting_review"
    assert app.query("allowed_actions", "billing_run", run["run_id"], "finance_supervisor") == []
    drive(app)
    [n, *_] = notices(app, run["run_id"])
    with pytest.raises(Conflict) as e:
        app.command("confirm_notice_delivery", {"notice_id": n["notice_id"], "signed_by": "王先生"}, CS)
    assert (e.value.field, e.value.rule) == ("notice_id", "not_issued")
    assert app.query("allowed_actions", "fee_notice", n["notice_id"], "cs_assistant") == []
    assert app.audit("fee_notice.deliver") == [] and app.query("get_billing_run", run["run_id"])["round"] == 1


def test_a_billed_reading_never_changes(app):
    issued_run(app)
    [billed, *_] = app.query("list_meter_readings", "2026-11", "billed", "1-1-101")
    with pytest.raises(Conflict) as e:
        app.command("correct_meter_reading", {"reading_id": billed["reading_id"], "reading": "1", "note": "x"},
                    SUPERVISOR)
    assert (e.value.field, e.value.rule) == ("reading_id", "reading_billed")
    assert app.query("allowed_actions", "meter_reading", billed["reading_id"], "finance_supervisor") == []
