"""Dunning on the harness: the timer on the 10th and 11th working day (October 2026), once per
unit and period, the amount and months owed, delivery with a signature, roles and estates."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from propdesk import demo
from propdesk.errors import Conflict, Forbidden, NotFound
from propdesk_services.billing.tests.unit.billing_run.support import drive, harness
from propdesk_services.billing.tests.unit.cycle import CASHIER, CS, SUPERVISOR, only

SEP_20 = datetime(2026, 9, 20, 2, 0, tzinfo=timezone.utc)
OCT_20_NOON = datetime(2026, 10, 20, 4, 0, tzinfo=timezone.utc)  # the 10th working day of October
OCT_21_0001 = datetime(2026, 10, 20, 16, 1, tzinfo=timezone.utc)  # 00:01 on the 21st in Beijing: the 11th


@pytest.fixture
def app():
    """September 2026's run issued on the 20th; some units pay, demo's arrears units do not."""
    app = harness(SEP_20)
    run = app.command("start_billing_run", {"period": "2026-09", "estate": "E2"}, SUPERVISOR)
    drive(app)
    app.command("review_billing_run", {"run_id": run["run_id"], "decision": "approve"}, SUPERVISOR)
    app.command("issue_billing_run", {"run_id": run["run_id"]}, CASHIER)
    drive(app)
    app.run = app.query("get_billing_run", run["run_id"])
    return app


def owing(app) -> dict[str, str]:
    return {a["unit_id"]: a["outstanding"] for a in app.query("list_arrears") if a["estate"] == "E2"}


def test_nothing_on_the_10th_working_day_and_one_each_on_the_11th(app):
    # pay one office floor in full before the dunning day
    paid_unit = "T1-24F"
    app.command("record_payment", {"unit_id": paid_unit, "amount": app.query("get_balance", paid_unit)["outstanding"],
                                   "method": "bank", "receipt_no": "SK-DN-1"}, CASHIER)
    expected = owing(app)
    assert paid_unit not in expected and expected
    app.clock.set(OCT_20_NOON)
    assert app.tick("issue_dunning_notices") == 0 and app.events("arrears.dunning_issued") == []
    app.clock.set(OCT_21_0001)
    assert app.tick("issue_dunning_notices") == len(expected)
    assert app.tick("issue_dunning_notices") == 0  # once per unit and period
    notices = app.query("list_dunning_notices", "2026-09", None, None)
    assert {n["unit_id"]: n["amount_due"] for n in notices} == expected
    assert all(n["dunning_no"].startswith("DN-20261021-") and n["state"] == "issued" for n in notices)
    events = app.events("arrears.dunning_issued")
    assert len(events) == len(expected) and all(e.correlation_id == app.run["run_id"] for e in events)
    assert [a.action for a in app.audit("billing_run.dunned")] == ["billing_run.dunned"]


def test_the_months_owed_are_the_ledgers(app):
    # T1-34F by hand: the demo's ledger charged 2026-09 and 2026-10 ¥11,844.00 each and the tenant paid
    # both by bank transfers naming their month; the run added 2026-09's fee (1,480.50 m² x ¥8.00 =
    # ¥11,844.00). A payment naming its month settles that month (payments.domain.open_items, as the
    # arrears reports read it): 2026-10 is paid, one 2026-09 charge is open.
    app.clock.set(OCT_21_0001)
    app.tick("issue_dunning_notices")
    [n] = app.query("list_dunning_notices", "2026-09", None, "T1-34F")
    assert (n["amount_due"], n["periods"]) == ("11844.00", ["2026-09"])


def test_counter_money_settles_the_oldest_month_first(app):
    # T1-24F owes the demo's 2026-10 (¥12,960.00) and the run's 2026-09 (¥12,960.00); ¥13,000.00
    # paid at the counter against the balance settles 2026-09 first, then ¥40.00 of 2026-10
    app.command("record_payment", {"unit_id": "T1-24F", "amount": "13000.00", "method": "cash",
                                   "receipt_no": "SK-DN-2"}, CASHIER)
    app.clock.set(OCT_21_0001)
    app.tick("issue_dunning_notices")
    [n] = app.query("list_dunning_notices", "2026-09", None, "T1-24F")
    assert (n["amount_due"], n["periods"]) == ("12920.00", ["2026-10"])


def test_cs_delivers_the_dunning_notice_with_a_signature(app):
    app.clock.set(OCT_21_0001)
    app.tick("issue_dunning_notices")
    [n, *_] = app.query("list_dunning_notices", None, "issued", None)
    assert app.query("allowed_actions", "dunning_notice", n["dunning_id"], "cs_assistant") == ["confirm_dunning_delivery"]
    with pytest.raises(Forbidden):
        app.command("confirm_dunning_delivery", {"dunning_id": n["dunning_id"], "signed_by": "李经理"}, CASHIER)
    app.clock.advance(hours=3)
    out = app.command("confirm_dunning_delivery", {"dunning_id": n["dunning_id"], "signed_by": "李经理"}, CS)
    assert (out["state"], out["signed_by"], out["delivered_by"]) == ("delivered", "李经理", "cs-01")
    [event] = app.events("arrears.dunning_delivered")
    assert event.payload["dunning_no"] == n["dunning_no"]
    with pytest.raises(Conflict):
        app.command("confirm_dunning_delivery", {"dunning_id": n["dunning_id"], "signed_by": "李经理"}, CS)
    with pytest.raises(NotFound):
        app.query("get_dunning_notice", n["dunning_id"], actor=only(CS, "E1"))


def test_a_run_not_issued_is_not_dunned():
    app = harness(SEP_20)
    app.command("start_billing_run", {"period": "2026-09", "estate": "E2"}, SUPERVISOR)
    drive(app)
    app.clock.set(OCT_21_0001)
    assert app.tick("issue_dunning_notices") == 0
