"""Charges outside the schedules: a paid repair once per repair, one-off fees, both on the notice."""
from __future__ import annotations

import pytest

from propdesk.errors import Forbidden, ValidationError
from propdesk_services.billing.tests.unit.billing_run.support import drafted_run, harness, issued_run, notices
from propdesk_services.billing.tests.unit.cycle import CASHIER, CS, SUPERVISOR, only, rules


@pytest.fixture
def app():
    return harness()


def repair_signed(app, repair_id="RP-1", unit_id="1-1-101", amount="80.00", estate="E1"):
    return app.event("repair.charge_requested", {
        "repair_id": repair_id, "work_order_no": "WO-20261119-0003", "unit_id": unit_id, "estate": estate,
        "amount": amount, "description": "更换水龙头", "signed_by": "王先生"}, producer="tickets")


def test_a_paid_repair_is_charged_once_per_repair(app):
    before = app.query("get_balance", "1-1-101")["outstanding"]
    app.deliver(repair_signed(app))
    app.deliver(repair_signed(app))  # announced again (another event id): nothing more
    event = repair_signed(app)
    app.deliver(event)
    app.deliver(event)  # the same event twice: the inbox
    balance = app.query("get_balance", "1-1-101")
    assert balance["outstanding"] == f"{float(before) + 80:.2f}"
    [charged] = app.events("paid_service.charged")
    assert (charged.payload["repair_id"], charged.payload["amount"], charged.payload["period"]) == \
        ("RP-1", "80.00", "2026-11")


def test_a_repair_of_a_unit_billing_does_not_know_is_a_fault(app):
    with pytest.raises(LookupError):
        app.deliver(repair_signed(app, unit_id="9-9-999", estate=None))


def test_the_repair_and_a_one_off_fee_are_on_the_periods_notice_and_not_charged_twice(app):
    app.deliver(repair_signed(app))
    out = app.command("add_one_off_charge", {"unit_id": "1-1-101", "amount": "20", "description": "补办门禁卡"}, CASHIER)
    assert (out["source"], out["source_ref"], out["period"], out["amount"]) == \
        ("one_off", "OC-20261120-0001", "2026-11", "20.00")
    run = drafted_run(app)
    [n] = notices(app, run["run_id"], unit_id="1-1-101")
    lines = {x["item"]: x for x in app.query("get_fee_notice", n["notice_id"])["lines"]}
    assert (lines["paid_service"]["source"], lines["paid_service"]["source_ref"]) == ("repair", "RP-1")
    assert lines["one_off"]["charge_id"] == out["charge_id"]
    # the two are on the ledger already: not in the arrears brought forward, not posted again
    assert n["arrears_before"] == "0.00" and n["amount"] == "919.69"
    assert app.query("get_balance", "1-1-101")["outstanding"] == "100.00"


def test_after_issuing_the_balance_is_the_notice(app):
    app.deliver(repair_signed(app))
    run = issued_run(app)
    [n] = notices(app, run["run_id"], unit_id="1-1-101")
    assert app.query("get_balance", "1-1-101")["outstanding"] == n["amount"] == "899.69"


def test_one_off_fee_rules(app):
    with pytest.raises(ValidationError) as e:
        app.command("add_one_off_charge", {"unit_id": "9-9-999", "amount": "0", "description": " ",
                                           "period": "11-2026"}, CASHIER)
    assert rules(e.value) == {("unit_id", "unknown_unit"), ("amount", "positive_amount"),
                              ("description", "required"), ("period", "period_format")}
    with pytest.raises(ValidationError) as e:
        app.command("add_one_off_charge", {"unit_id": "1-1-101", "amount": "1", "description": "x"}, only(CASHIER, "E2"))
    assert rules(e.value) == {("unit_id", "unknown_unit")}
    with pytest.raises(Forbidden):
        app.command("add_one_off_charge", {"unit_id": "1-1-101", "amount": "1", "description": "x"}, CS)
