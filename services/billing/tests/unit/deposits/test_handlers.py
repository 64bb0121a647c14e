"""Deposits (押金) on the harness: held → refund requested → deductions with reasons → refunded;
never negative; refusals change nothing (issue #10 §4)."""
from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

import pytest

from propdesk.contracts.vocab import DEPOSIT_KINDS
from propdesk.errors import Conflict, Forbidden, NotFound, ValidationError
from propdesk_services.billing import messages
from propdesk_services.billing.tests.unit.cycle import CASHIER, COUNTER, CS, FRONT_DESK, SUPERVISOR, only, rules
from propdesk_services.billing.workflows.deposits import domain
from propdesk_services.billing.workflows.deposits.handlers import possible_actions, refunds_requested

UNIT = "1-1-303"


def take(app, amount="2000.00", kind="renovation", actor=COUNTER, **extra):
    return app.command("take_deposit", {"unit_id": UNIT, "kind": kind, "amount": amount, "method": "cash",
                                        "payer_name": "张三装饰", "purpose": "厨房改造", **extra}, actor)


def request(app, deposit_id, actor=FRONT_DESK):
    return app.command("request_deposit_refund", {"deposit_id": deposit_id, "applicant_name": "张三",
                                                  "reason": "装修完工验收合格", "refund_account": "6222 **** 1234"}, actor)


def deduct(app, deposit_id, amount, kind="damage", actor=SUPERVISOR):
    return app.command("deduct_from_deposit", {"deposit_id": deposit_id, "reason_kind": kind,
                                               "reason": "电梯轿厢划伤", "amount": amount, "reference": "WO-1"}, actor)


def test_the_whole_life_of_a_deposit(app):
    dep = take(app)
    assert (dep["state"], dep["amount"], dep["remaining"], dep["deposit_no"][:3]) == ("held", "2000.00", "2000.00", "DP-")
    assert [e.payload["type"] for e in app.events("deposit.collected")] == ["renovation"]
    dep = request(app, dep["deposit_id"])
    assert (dep["state"], dep["applicant_name"]) == ("refund_requested", "张三")
    dep = deduct(app, dep["deposit_id"], "300.00")
    dep = deduct(app, dep["deposit_id"], "200.50", kind="violation")
    assert (dep["deducted"], dep["remaining"]) == ("500.50", "1499.50")
    assert [d["reason_kind"] for d in dep["deductions"]] == ["damage", "violation"]
    dep = app.command("refund_deposit", {"deposit_id": dep["deposit_id"], "method": "bank"}, CASHIER)
    assert (dep["state"], dep["refunded_amount"]) == ("refunded", "1499.50")
    [event] = app.events("deposit.refunded")
    assert (event.payload["deducted"], event.payload["refunded"]) == ("500.50", "1499.50")
    assert [x["amount"] for x in event.payload["deductions"]] == ["300.00", "200.50"]
    assert [e.payload["amount"] for e in app.events("deposit.refund_requested")] == ["2000.00"]
    assert [a.action for a in app.audit() if a.action.startswith("deposit.")] == \
        ["deposit.take", "deposit.refund_requested", "deposit.deduct", "deposit.deduct", "deposit.refund"]


def test_a_deposit_never_goes_negative(app):
    dep = request(app, take(app, "500.00", kind="key")["deposit_id"])
    deduct(app, dep["deposit_id"], "400.00")
    before = app.query("get_deposit", dep["deposit_id"])
    with pytest.raises(ValidationError) as err:
        deduct(app, dep["deposit_id"], "100.01")
    assert rules(err.value) == {("amount", "exceeds_deposit")}
    assert app.query("get_deposit", dep["deposit_id"]) == before
    deduct(app, dep["deposit_id"], "100.00", kind="lost_key")
    dep = app.command("refund_deposit", {"deposit_id": dep["deposit_id"], "method": "cash"}, CASHIER)
    assert (dep["remaining"], dep["refunded_amount"]) == ("0.00", "0.00")


def test_deductions_wait_for_the_refund_application_and_the_refund_comes_once(app):
    dep = take(app)
    with pytest.raises(Conflict) as err:
        deduct(app, dep["deposit_id"], "10.00")
    assert err.value.rule == "not_refund_requested"
    with pytest.raises(Conflict):
        app.command("refund_deposit", {"deposit_id": dep["deposit_id"], "method": "cash"}, CASHIER)
    request(app, dep["deposit_id"])
    with pytest.raises(Conflict) as err:
        request(app, dep["deposit_id"])
    assert err.value.rule == "not_held"
    app.command("refund_deposit", {"deposit_id": dep["deposit_id"], "method": "cash"}, CASHIER)
    for call in (lambda: request(app, dep["deposit_id"]), lambda: deduct(app, dep["deposit_id"], "1.00"),
                 lambda: app.command("refund_deposit", {"deposit_id": dep["deposit_id"], "method": "cash"}, CASHIER)):
        with pytest.raises(Conflict):
            call()


@pytest.mark.parametrize("change, expected", [
    ({"amount": "-5"}, {("amount", "positive_amount")}),
    ({"amount": "1.001"}, {("amount", "max_2_decimals")}),
    ({"kind": "pet"}, {("kind", "one_of")}),
    ({"method": "card"}, {("method", "one_of")}),
    ({"payer_name": "  "}, {("payer_name", "required")}),
    ({"unit_id": "9-9-999"}, {("unit_id", "unknown_unit")}),
])
def test_a_bad_deposit_is_refused(app, change, expected):
    with pytest.raises(ValidationError) as err:
        take(app, **change)
    assert rules(err.value) == expected
    assert app.query("list_deposits", None, None, None) == [] or all(
        d["unit_id"] != "9-9-999" for d in app.query("list_deposits", None, None, None))


def test_a_bad_deduction_names_every_problem(app):
    dep = request(app, take(app)["deposit_id"])
    with pytest.raises(ValidationError) as err:
        app.command("deduct_from_deposit", {"deposit_id": dep["deposit_id"], "reason_kind": "mood", "reason": " ",
                                            "amount": "0"}, SUPERVISOR)
    assert rules(err.value) == {("reason_kind", "one_of"), ("reason", "required"), ("amount", "positive_amount")}


def test_roles(app):
    with pytest.raises(Forbidden):
        take(app, actor=FRONT_DESK)
    dep = take(app, actor=CASHIER)
    request(app, dep["deposit_id"], actor=CS)
    with pytest.raises(Forbidden):
        deduct(app, dep["deposit_id"], "1.00", actor=COUNTER)
    with pytest.raises(Forbidden):
        app.command("refund_deposit", {"deposit_id": dep["deposit_id"], "method": "cash"}, SUPERVISOR)


def test_another_estate_s_deposit_is_absent(app):
    dep = take(app)
    with pytest.raises(NotFound):
        request(app, dep["deposit_id"], actor=only(FRONT_DESK, "E2"))
    with pytest.raises(NotFound):
        app.query("get_deposit", dep["deposit_id"], actor=only(CASHIER, "E2"))
    listed = app.query("list_deposits", None, None, None, actor=only(CASHIER, "E2"))
    assert dep["deposit_id"] not in {d["deposit_id"] for d in listed} and {d["estate"] for d in listed} == {"E2"}


def test_actions_queue_and_print_view(app):
    dep = take(app)
    with app.session() as s:
        reader = SimpleNamespace(session=s, estates=None, actor=None)
        assert possible_actions(dep["deposit_id"], reader) == ["request_deposit_refund"]
    request(app, dep["deposit_id"])
    with app.session() as s:
        reader = SimpleNamespace(session=s, estates=None, actor=None)
        assert possible_actions(dep["deposit_id"], reader) == ["deduct_from_deposit", "refund_deposit"]
        item = next(i for i in refunds_requested({}, reader) if i["id"] == dep["deposit_id"])
        assert (item["record"], item["number"]) == ("deposit", dep["deposit_no"])
        # the kind as a field the desk says in the deposit kind's words, not a code in the title
        assert (item["title"], item["detail"], item["fields"]) == (UNIT, "2000.00", {"kind": "renovation"})
    assert set(next(f for f in app.query("describe_records")["deposit"]["fields"]
                    if f["name"] == "kind")["choice_labels"]) == set(DEPOSIT_KINDS.codes)
    assert messages.RECORDS["deposit"].form == ("退还押金申请表", "Deposit refund application")
    assert "deposit_refunds_requested" in messages.QUEUES


def test_remaining_is_the_amount_less_the_deductions():
    ded = [SimpleNamespace(amount=Decimal("1.10")), SimpleNamespace(amount="2.20")]
    assert domain.remaining("10", ded) == Decimal("6.70")


def test_the_demo_holds_deposits_and_one_refund_requested(app):
    held = app.query("list_deposits", None, None, "held")
    assert {d["kind"] for d in held} == {"renovation", "tenant"}
    [requested] = app.query("list_deposits", None, None, "refund_requested")
    assert (requested["kind"], requested["remaining"]) == ("key", "100.00")
