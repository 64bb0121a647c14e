"""Payments (收费) on the harness: record_payment's rules and what it leaves behind, the reads
(get_balance, list_arrears), the demo accounts, and idempotency keys."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from propdesk import demo, policy
from propdesk.errors import Conflict, Forbidden, NotFound, ValidationError
from propdesk_services.billing.service import BillingService
from propdesk_services.billing.workflows.payments import demo as payments_demo
from propdesk_services.billing.workflows.payments.models import Charge, Payment
from propdesk_services.billing.tests.unit.support import (
    ARREARS, ARREARS_UNIT, CASHIER, HAPPY_UNIT, count, payment, problems, request_clearance, snapshot, supply_cut,
    trail,
)


# -- record_payment ----------------------------------------------------------------------------------
def test_a_payment_with_no_move_out_pending_carries_its_own_id(app):
    out = app.command("record_payment", {"unit_id": "T1-24F", "amount": "11844.00", "method": "bank",
                                         "receipt_no": "SK-T-0003"}, CASHIER)
    assert out["clearances"] == [] and out["payment"]["party_id"] is None
    assert out["balance"] == {"unit_id": "T1-24F", "estate": "E2", "outstanding": "1116.00"}
    [event] = app.events()
    assert (event.event_type, event.correlation_id) == ("payment.received", out["payment"]["payment_id"])
    [audit] = trail(app, object_id=out["payment"]["payment_id"])
    assert (audit["action"], audit["actor"], audit["details"]) == \
        ("payment.record", CASHIER, {"unit_id": "T1-24F", "amount": "11844.00", "method": "bank",
                                     "receipt_no": "SK-T-0003", "prepaid_amount": "0.00"})


def test_the_payment_is_stored_as_received(app):
    out = app.command("record_payment", payment("100", receipt_no="  SK-T-0004 ", unit_id=f" {ARREARS_UNIT} ",
                                                party_id="  "), CASHIER)
    with app.session() as s:
        row = s.get(Payment, out["payment"]["payment_id"])
        assert (row.unit_id, row.receipt_no, row.party_id, str(row.amount), row.recorded_by, row.period, row.item) == \
            (ARREARS_UNIT, "SK-T-0004", None, "100.00", "fin-03", None, None)
    assert out["payment"]["received_at"] == app.clock.now().isoformat()


def test_a_duplicate_receipt_is_rejected_and_changes_nothing(app):
    request_clearance(app, "MO-6")
    app.command("record_payment", payment("100.00"), CASHIER)
    before, balance = snapshot(app), app.query("get_balance", ARREARS_UNIT)
    with pytest.raises(ValidationError) as err:
        app.command("record_payment", payment("292.60"), CASHIER)
    assert problems(err.value) == {("receipt_no", "duplicate_receipt")}
    with pytest.raises(ValidationError) as err:
        app.command("record_payment", payment("100.00", receipt_no=" SK-T-0001 "), CASHIER)
    assert problems(err.value) == {("receipt_no", "duplicate_receipt")}
    with pytest.raises(ValidationError) as err:  # a receipt is the office's, whichever unit it names
        app.command("record_payment", payment("100.00", unit_id="T1-24F"), CASHIER)
    assert problems(err.value) == {("receipt_no", "duplicate_receipt")}
    assert snapshot(app) == before
    assert app.query("get_balance", ARREARS_UNIT) == balance


@pytest.mark.parametrize("amount, rule", [
    (0, "positive_amount"),
    ("0.00", "positive_amount"),
    ("-50.00", "positive_amount"),
    (-1, "positive_amount"),
    ("10.005", "max_2_decimals"),
    (0.125, "max_2_decimals"),
    ("abc", "decimal"),
    ("", "required"),
    (None, "required"),
    ("12345678901234567890.01", "max_amount"),
    ("1e30", "max_amount"),
])
def test_a_bad_amount_is_rejected_and_changes_nothing(app, amount, rule):
    request_clearance(app, "MO-7")
    before = snapshot(app)
    with pytest.raises(ValidationError) as err:
        app.command("record_payment", payment(amount), CASHIER)
    assert problems(err.value) == {("amount", rule)}
    assert snapshot(app) == before


@pytest.mark.parametrize("change, expected", [
    ({"unit_id": "9-9-999"}, {("unit_id", "unknown_unit")}),
    ({"method": "card"}, {("method", "one_of")}),
    # a blank receipt number is no problem: billing numbers the receipt (RC-, test_receipts.py)
    ({"receipt_no": None, "method": None}, {("method", "one_of")}),
    ({"unit_id": None}, {("unit_id", "not_null")}),
    ({"tip": "5.00"}, {("tip", "unknown_field")}),
])
def test_a_bad_payment_is_rejected_naming_each_field(app, change, expected):
    before = snapshot(app)
    with pytest.raises(ValidationError) as err:
        app.command("record_payment", {**payment(), **change}, CASHIER)
    assert problems(err.value) == expected
    assert snapshot(app) == before


def test_a_payment_is_an_object(app):
    with pytest.raises(ValidationError) as err:
        app.command("record_payment", ["not", "a", "payment"], CASHIER)
    assert problems(err.value) == {("_body", "object")}


def test_who_may_take_payments_is_the_policy_table(app):
    """Roles outside the policy row are refused (Forbidden, audited as "refused"), nothing else
    changes; who is acting must be given."""
    allowed = policy.roles_for("billing", "record_payment")
    assert "cashier" in allowed
    before = snapshot(app)
    refused = sorted(set(policy.ROLES) - allowed)
    assert {"security", "engineering", "cs_assistant"} <= set(refused)
    for role in refused:
        with pytest.raises(Forbidden) as err:
            app.command("record_payment", payment(), {"id": "x-1", "role": role})
        assert (err.value.field, err.value.rule) == ("actor.role", "role_not_allowed")
    after = snapshot(app)
    assert after[:2] == before[:2] and after[3:] == before[3:]  # no payment, no event, no key, no clearance
    assert [(a.action, a.actor_role) for a in app.audit("refused")] == [("refused", role) for role in refused]

    with pytest.raises(ValidationError) as err:
        app.command("record_payment", payment(), {"role": "cashier"})
    assert problems(err.value) == {("actor.id", "required")}


@pytest.mark.parametrize("role", ["front_desk", "counter_staff", "cashier"])
def test_the_counter_and_the_cashier_take_payments(app, role):
    """Counter staff take payments at the front desk, the cashier at finance (domain.md §1.1,
    [004 WI/FW-008]); the front desk did so before roles were split, and still may."""
    out = app.command("record_payment", payment(), {"id": f"{role}-01", "role": role})
    assert out["payment"]["recorded_by"] == f"{role}-01"


# -- idempotency keys ----------------------------------------------------------------------------------
def test_same_key_same_payment_records_it_once(app):
    first = app.command("record_payment", payment("100.00"), CASHIER, idempotency_key="key-same-0001")
    after_first = snapshot(app)
    assert app.command("record_payment", payment("100.00"), CASHIER, idempotency_key="key-same-0001") == first
    assert snapshot(app) == after_first
    assert count(app, Payment) == len(demo.payments()) + payments_demo.PAYMENTS + 1


def test_same_key_another_payment_is_a_conflict(app):
    app.command("record_payment", payment("100.00"), CASHIER, idempotency_key="key-other-0001")
    before = snapshot(app)
    with pytest.raises(Conflict) as err:
        app.command("record_payment", payment("50.00"), CASHIER, idempotency_key="key-other-0001")
    assert (err.value.field, err.value.rule) == ("idempotency_key", "reused_with_different_request")
    assert snapshot(app) == before


@pytest.mark.parametrize("key, rule", [("k" * 129, "length"), ("", "length"), ("a b", "charset"), (7, "type")])
def test_a_malformed_key_is_rejected(app, key, rule):
    before = snapshot(app)
    with pytest.raises(ValidationError) as err:
        app.command("record_payment", payment(), CASHIER, idempotency_key=key)
    assert [(p.field, p.rule) for p in err.value.problems] == [("idempotency_key", rule)]
    assert snapshot(app) == before


# -- reads and demo ------------------------------------------------------------------------------------
def test_balance_of_a_unit(app):
    balance = app.query("get_balance", ARREARS_UNIT)
    assert balance["unit_id"] == ARREARS_UNIT and balance["outstanding"] == ARREARS
    assert balance["charges"] == [{"period": "2026-09", "item": "property_fee", "amount": "196.30"},
                                  {"period": "2026-10", "item": "property_fee", "amount": "196.30"}]
    assert balance["payments"] == []
    happy = app.query("get_balance", demo.DEMO_HAPPY_UNIT)
    assert happy["outstanding"] == "0.00" and [p["period"] for p in happy["payments"]] == ["2026-09", "2026-10"]
    assert happy["payments"][0]["received_at"] == "2026-09-20T02:00:00+00:00"
    assert app.query("get_balance", unit_id=f"  {ARREARS_UNIT} ")["unit_id"] == ARREARS_UNIT
    with pytest.raises(NotFound) as unknown:
        app.query("get_balance", "9-9-999")
    assert (unknown.value.field, unknown.value.rule) == ("unit_id", "exists")


@pytest.mark.parametrize("unit_id, rule", [([], "type"), ({}, "type"), ("x" * 33, "length"), ("  ", "required"),
                                           (None, "not_null")])
def test_a_bad_unit_id_is_named(app, unit_id, rule):
    with pytest.raises(ValidationError) as err:
        app.query("get_balance", unit_id)
    assert problems(err.value) == {("unit_id", rule)}


def test_arrears_list_matches_the_demo_and_follows_payments(app):
    expected = [{"unit_id": u, "estate": demo.estate_of(u), "outstanding": f"{a:.2f}"}
                for u, a in sorted(owed_in_demo().items())]
    assert app.query("list_arrears") == expected
    app.command("record_payment", payment(ARREARS), CASHIER)
    assert app.query("list_arrears") == [e for e in expected if e["unit_id"] != ARREARS_UNIT]


def test_demo_loads_once(app):
    with app.session() as s:
        assert BillingService.load_demo(s) == "charges already loaded"
        assert s.scalar(select(func.count()).select_from(Charge)) == len(demo.charges()) + len(payments_demo.OLD_ARREARS)
        assert s.scalar(select(func.count()).select_from(Payment)) == len(demo.payments()) + payments_demo.PAYMENTS


# -- prepayments (预收款/预交物业费) ------------------------------------------------------------------
def test_a_payment_into_a_unit_that_owes_nothing_is_recorded_as_a_prepayment(app):
    """Was taken silently (balance -1.00, nothing said): finance records a prepayment explicitly."""
    out = app.command("record_payment", payment("1.00", unit_id=HAPPY_UNIT), CASHIER)

    assert (out["prepaid_amount"], out["credit"]) == ("1.00", "1.00")
    assert out["balance"] == {"unit_id": HAPPY_UNIT, "estate": "E1", "outstanding": "-1.00"}
    with app.session() as s:
        assert s.get(Payment, out["payment"]["payment_id"]).prepaid_amount == Decimal("1.00")
    [event] = app.events("payment.received")
    assert event.payload["prepaid_amount"] == "1.00"
    [audit] = trail(app, object_id=out["payment"]["payment_id"])
    assert (audit["action"], audit["details"]["prepaid_amount"]) == ("payment.record", "1.00")

    balance = app.query("get_balance", HAPPY_UNIT)
    assert (balance["outstanding"], balance["credit"]) == ("-1.00", "1.00")


def test_paying_more_than_is_owed_records_the_excess_as_a_prepayment(app):
    request_clearance(app, "MO-P1")
    app.deliver(supply_cut(app, "MO-P1"))  # engineering cut the supply: the metered unit's check is decided
    out = app.command("record_payment", payment("400.00"), CASHIER)
    assert (out["prepaid_amount"], out["credit"], out["balance"]["outstanding"]) == ("7.40", "7.40", "-7.40")
    assert [(c["move_out_id"], c["status"]) for c in out["clearances"]] == [("MO-P1", "confirmed")]
    assert app.events("payment.received")[0].payload["prepaid_amount"] == "7.40"
    assert app.query("get_balance", ARREARS_UNIT)["credit"] == "7.40"


def test_a_payment_of_what_is_owed_prepays_nothing(app):
    out = app.command("record_payment", payment(ARREARS), CASHIER)
    assert (out["prepaid_amount"], out["credit"], out["balance"]["outstanding"]) == ("0.00", "0.00", "0.00")
    assert app.events("payment.received")[0].payload["prepaid_amount"] == "0.00"
    assert trail(app, object_id=out["payment"]["payment_id"])[0]["details"]["prepaid_amount"] == "0.00"
    assert app.query("get_balance", ARREARS_UNIT)["credit"] == "0.00"


def test_a_unit_in_credit_prepays_all_of_a_further_payment(app):
    app.command("record_payment", payment("1.00", unit_id=HAPPY_UNIT), CASHIER)
    out = app.command("record_payment", payment("2.50", receipt_no="SK-T-0002", unit_id=HAPPY_UNIT), CASHIER)
    assert (out["prepaid_amount"], out["credit"]) == ("2.50", "3.50")
    assert app.query("get_balance", HAPPY_UNIT)["credit"] == "3.50"


def test_a_payment_to_a_unit_billing_does_not_know_stays_refused(app):
    before = snapshot(app)
    with pytest.raises(ValidationError) as err:
        app.command("record_payment", payment("1.00", unit_id="9-9-999"), CASHIER)
    assert problems(err.value) == {("unit_id", "unknown_unit")}
    assert snapshot(app) == before


def owed_in_demo() -> dict[str, Decimal]:
    """What the demo's units owe: propdesk.demo's ledger and the older arrears billing's demo adds."""
    owed = dict(demo.outstanding_by_unit())
    for unit, _estate, _period, amount in payments_demo.OLD_ARREARS:
        owed[unit] = owed.get(unit, Decimal(0)) + amount
    return owed
