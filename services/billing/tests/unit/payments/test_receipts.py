"""Payments by channel, receipts (收费票据), allocation (oldest first unless chosen) and reversal (红冲)
on the harness (issue #10 §3)."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from decimal import Decimal

import pytest

from propdesk.chassis.clock import FakeClock
from propdesk.errors import Conflict, Forbidden, NotFound, ValidationError
from propdesk.testing.fake import ServiceHarness
from propdesk_services.billing.service import BillingService
from propdesk_services.billing.tests.unit.cycle import CASHIER, COUNTER, FRONT_DESK, SUPERVISOR, only, rules
from propdesk_services.billing.workflows.payments import domain as d
from propdesk_services.billing.workflows.payments.models import Payment

UNIT = "1-2-203"  # owes 2026-09 and 2026-10, 196.30 each (demo)
NOV_30 = datetime(2026, 11, 30, 2, 0, tzinfo=timezone.utc)  # 10:00 in Beijing


@pytest.fixture
def app() -> ServiceHarness:
    return ServiceHarness(BillingService, clock=FakeClock(NOV_30), demo=True)


def pay(app, amount="100.00", method="cash", actor=CASHIER, unit_id=UNIT, **extra):
    return app.command("record_payment", {"unit_id": unit_id, "amount": amount, "method": method, **extra}, actor)


def _ids(app, unit_id):
    from sqlalchemy import select
    from propdesk_services.billing.workflows.payments.models import Charge
    with app.session() as s:
        return {c.period: c.id for c in s.scalars(select(Charge).where(Charge.unit_id == unit_id))}


# --- receipts ------------------------------------------------------------------------------------------
def test_a_payment_without_a_receipt_number_is_numbered_by_the_chassis(app):
    first, second = pay(app), pay(app, "10.00", actor=COUNTER)
    assert first["payment"]["receipt_no"] == "RC-20261130-0001"
    assert second["payment"]["receipt_no"] == "RC-20261130-0002"
    receipt = app.query("get_receipt", first["payment"]["payment_id"])
    assert (receipt["receipt_no"], receipt["amount"], receipt["amount_in_words"], receipt["state"]) == \
        ("RC-20261130-0001", "100.00", "壹佰元整", "valid")
    assert receipt["lines"] == [{"charge_id": _ids(app, UNIT)["2026-09"], "period": "2026-09",
                                 "item": "property_fee", "amount": "100.00"}]
    listed = app.query("list_receipts", UNIT, None, None)
    assert [r["receipt_no"] for r in listed[:2]] == ["RC-20261130-0002", "RC-20261130-0001"]


def test_a_pre_printed_receipt_number_is_kept(app):
    assert pay(app, receipt_no="SK-PAPER-7")["payment"]["receipt_no"] == "SK-PAPER-7"


def test_amount_in_words():
    assert d.amount_in_words("1234.50") == "壹仟贰佰叁拾肆元伍角整"
    assert d.amount_in_words("1005.07") == "壹仟零伍元零柒分"
    assert d.amount_in_words("100010000") == "壹亿零壹万元整"
    assert d.amount_in_words("0.30") == "叁角整"
    assert d.amount_in_words("-196.30") == "负壹佰玖拾陆元叁角整"


def test_the_receipt_print_view_is_declared():
    from propdesk_services.billing import messages
    record = messages.RECORDS["receipt"]
    assert record.form == ("收费票据", "Receipt") and record.number_field == "receipt_no"
    assert set(record.columns) <= set(messages.RECORDS["receipt"].fields().fields)


# --- channels ------------------------------------------------------------------------------------------
def test_wechat_and_alipay_need_their_transaction_number_once_per_channel(app):
    with pytest.raises(ValidationError) as err:
        pay(app, method="wechat")
    assert rules(err.value) == {("txn_no", "required")}
    out = pay(app, method="wechat", txn_no="4200001234202611301234567890")
    assert app.query("get_receipt", out["payment"]["payment_id"])["txn_no"] == "4200001234202611301234567890"
    with pytest.raises(ValidationError) as err:
        pay(app, method="wechat", txn_no="4200001234202611301234567890")
    assert rules(err.value) == {("txn_no", "duplicate_transaction")}
    # the same number on the other channel is another transaction
    pay(app, "5.00", method="alipay", txn_no="4200001234202611301234567890")
    [event] = [e for e in app.events("payment.received") if e.payload["method"] == "alipay"]
    assert event.payload["amount"] == "5.00"


CHEQUE = {"method": "cheque", "txn_no": "10203040", "cheque_date": "2026-11-25", "cheque_amount": "100.00",
          "seal_checked": True}


def test_a_cheque_is_taken_when_seal_date_and_amount_are_checked(app):
    out = pay(app, **CHEQUE)
    receipt = app.query("get_receipt", out["payment"]["payment_id"])
    assert (receipt["method"], receipt["txn_no"], receipt["cheque_date"]) == ("cheque", "10203040", "2026-11-25")


@pytest.mark.parametrize("change, expected", [
    ({"seal_checked": False}, {("seal_checked", "seal_not_checked")}),
    ({"seal_checked": None}, {("seal_checked", "seal_not_checked")}),
    ({"cheque_amount": "1000.00"}, {("cheque_amount", "amount_mismatch")}),
    ({"cheque_date": "2026-12-01"}, {("cheque_date", "post_dated")}),
    ({"cheque_date": "2026-11-19"}, {("cheque_date", "cheque_expired")}),
    ({"cheque_date": None, "txn_no": None}, {("cheque_date", "required"), ("cheque_no", "required")}),
])
def test_a_cheque_is_refused_naming_what_is_wrong_and_nothing_is_written(app, change, expected):
    before = len(app.events())
    with pytest.raises(ValidationError) as err:
        pay(app, **{**CHEQUE, **change})
    assert rules(err.value) == expected
    assert len(app.events()) == before


def test_a_cheque_dated_ten_days_ago_is_still_taken(app):
    pay(app, **{**CHEQUE, "cheque_date": "2026-11-20"})


def test_who_takes_payments(app):
    pay(app, actor=COUNTER)
    pay(app, "1.00", actor=FRONT_DESK)
    with pytest.raises(Forbidden):
        pay(app, actor={"id": "eng-01", "role": "engineering"})


# --- allocation --------------------------------------------------------------------------------------------
def test_a_payment_settles_the_oldest_charge_first(app):
    ids = _ids(app, UNIT)
    out = pay(app, "250.00")
    assert app.query("get_receipt", out["payment"]["payment_id"])["lines"] == [
        {"charge_id": ids["2026-09"], "period": "2026-09", "item": "property_fee", "amount": "196.30"},
        {"charge_id": ids["2026-10"], "period": "2026-10", "item": "property_fee", "amount": "53.70"}]
    detail = app.query("arrears_detail", None, "2026-11-30", UNIT)
    assert [(r["period"], r["outstanding"]) for r in detail["rows"]] == [("2026-10", "142.60")]


def test_the_cashier_may_choose_the_charges(app):
    ids = _ids(app, UNIT)
    out = pay(app, "196.30", charge_ids=[ids["2026-10"]])
    assert [a["period"] for a in app.query("get_receipt", out["payment"]["payment_id"])["lines"]] == ["2026-10"]
    detail = app.query("arrears_detail", None, "2026-11-30", UNIT)
    assert [(r["period"], r["outstanding"]) for r in detail["rows"]] == [("2026-09", "196.30")]
    details = app.audit("payment.record")[-1].details  # the audit row names the choice
    assert (json.loads(details) if isinstance(details, str) else details)["charge_ids"] == [ids["2026-10"]]


def test_a_chosen_charge_must_be_open_and_the_unit_s(app):
    ids, other = _ids(app, UNIT), _ids(app, "3-1-1502")
    pay(app, "196.30", charge_ids=[ids["2026-10"]])
    for chosen in ([ids["2026-10"]], [other["2026-09"]], [999999]):
        with pytest.raises(ValidationError) as err:
            pay(app, "10.00", charge_ids=chosen)
        assert rules(err.value) == {("charge_ids", "not_open")}


def test_beyond_what_is_owed_is_a_prepayment_and_not_allocated(app):
    out = pay(app, "400.00")
    assert out["prepaid_amount"] == "7.40" and out["credit"] == "7.40"
    lines = app.query("get_receipt", out["payment"]["payment_id"])["lines"]
    assert sum(Decimal(a["amount"]) for a in lines) == Decimal("392.60")


def test_open_items_apply_unallocated_money_oldest_first():
    class C:
        def __init__(self, id, period, amount):
            self.id, self.unit_id, self.period, self.item, self.amount = id, "U", period, "property_fee", Decimal(amount)

    class P:
        def __init__(self, amount):
            self.amount = Decimal(amount)

    class A:
        def __init__(self, charge_id, amount):
            self.charge_id, self.amount = charge_id, Decimal(amount)

    charges = [C(2, "2026-10", "100"), C(1, "2026-09", "100"), C(3, "2026-11", "100")]
    # 150 paid: 100 allocated to November by choice, 50 of an old payment not allocated
    items = d.open_items(charges, [P("100"), P("50")], [A(3, "100")])
    assert [(i.period, str(i.open)) for i in items] == [("2026-09", "50.00"), ("2026-10", "100.00"),
                                                        ("2026-11", "0.00")]
    parts, left = d.allocate(items, Decimal("170"))
    assert parts == [(1, Decimal("50.00")), (2, Decimal("100.00"))] and left == Decimal("20.00")


def test_a_payment_naming_its_month_pays_that_month_first_and_its_reversal_undoes_it():
    class C:
        def __init__(self, id, period, amount):
            self.id, self.unit_id, self.period, self.item, self.amount = id, "U", period, "property_fee", Decimal(amount)

    class P:
        def __init__(self, amount, period=None, item="property_fee"):
            self.payment_id, self.amount, self.period, self.item = None, Decimal(amount), period, item

    charges = [C(1, "2025-10", "100"), C(2, "2026-09", "100"), C(3, "2026-10", "100")]
    items = d.open_items(charges, [P("100", "2026-10")], [])
    assert [str(i.open) for i in items] == ["100.00", "100.00", "0.00"]
    items = d.open_items(charges, [P("100", "2026-10"), P("-100", "2026-10")], [])
    assert [str(i.open) for i in items] == ["100.00", "100.00", "100.00"]
    # beyond its month, the rest settles the oldest
    items = d.open_items(charges, [P("130", "2026-10")], [])
    assert [str(i.open) for i in items] == ["70.00", "100.00", "0.00"]


# --- reversal --------------------------------------------------------------------------------------------------
def test_a_reversal_is_a_new_entry_and_the_payment_is_not_edited(app):
    out = pay(app, "196.30")
    pid = out["payment"]["payment_id"]
    assert app.query("get_balance", UNIT)["outstanding"] == "196.30"
    rev = app.command("reverse_payment", {"payment_id": pid, "reason": "cheque bounced (退票)"}, SUPERVISOR)
    assert (rev["amount"], rev["state"], rev["reverses"], rev["balance"]) == ("-196.30", "reversal", pid, "392.60")
    assert rev["receipt_no"] == "RC-20261130-0002"
    assert rev["lines"][0]["amount"] == "-196.30"
    original = app.query("get_receipt", pid)
    assert (original["amount"], original["state"], original["reversed_by_receipt_no"]) == \
        ("196.30", "reversed", "RC-20261130-0002")
    assert app.query("get_balance", UNIT)["outstanding"] == "392.60"
    [event] = app.events("payment.reversed")
    assert (event.payload["reverses"], event.payload["amount"], event.payload["reason"]) == \
        (pid, "196.30", "cheque bounced (退票)")
    detail = app.query("arrears_detail", None, "2026-11-30", UNIT)
    assert [(r["period"], r["outstanding"]) for r in detail["rows"]] == [("2026-09", "196.30"), ("2026-10", "196.30")]
    with app.session() as s:
        assert s.get(Payment, pid).amount == Decimal("196.30")


def test_a_payment_is_reversed_once_and_a_reversal_never(app):
    pid = pay(app)["payment"]["payment_id"]
    rev = app.command("reverse_payment", {"payment_id": pid, "reason": "wrong unit"}, CASHIER)
    with pytest.raises(Conflict) as err:
        app.command("reverse_payment", {"payment_id": pid, "reason": "again"}, CASHIER)
    assert (err.value.field, err.value.rule) == ("payment_id", "already_reversed")
    with pytest.raises(Conflict) as err:
        app.command("reverse_payment", {"payment_id": rev["payment_id"], "reason": "undo"}, CASHIER)
    assert err.value.rule == "is_reversal"
    assert actions(app, pid) == [] and actions(app, rev["payment_id"]) == []


def actions(app, payment_id):
    from propdesk_services.billing.workflows.payments.handlers import possible_receipt_actions

    class Reader:
        estates = None
    with app.session() as s:
        Reader.session = s
        return possible_receipt_actions(payment_id, Reader)


def test_who_may_reverse_and_what_the_desk_offers(app):
    pid = pay(app)["payment"]["payment_id"]
    for actor in (COUNTER, FRONT_DESK):
        with pytest.raises(Forbidden):
            app.command("reverse_payment", {"payment_id": pid, "reason": "x"}, actor)
    assert actions(app, pid) == ["reverse_payment"]
    with pytest.raises(NotFound):
        app.command("reverse_payment", {"payment_id": pid, "reason": "x"}, only(CASHIER, "E2"))
    with pytest.raises(ValidationError) as err:
        app.command("reverse_payment", {"payment_id": pid, "reason": "  "}, CASHIER)
    assert {p.field for p in err.value.problems} == {"reason"}
