"""Estates (管理处) in billing: a fee account belongs to its unit's estate (the demo's charges take it
from `propdesk.demo`'s units), and so does every payment into it and every fee check. Finance sees
and pays into the accounts of its estates only: another estate's unit answers exactly as one billing
does not know, for reads and for the payment, and nothing is written; the arrears list leaves it
out; a service asking (no actor) is not scoped. The clearance and payment events carry the estate."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from propdesk import demo
from propdesk.errors import NotFound, ValidationError

from propdesk_services.billing.workflows.fee_clearance.models import ClearanceRequest

from .support import ARREARS_UNIT, CASHIER, move_out_requested, snapshot, supply_cut

CASHIER_E1 = {**CASHIER, "estates": ["E1"]}
CASHIER_E2 = {"id": "fin-e2", "role": "cashier", "estates": ["E2"]}
BOTH = {"id": "admin", "role": "cashier", "estates": ["E1", "E2"]}
OFFICE = "T1-24F"  # owes 2026-10 in the demo
PAYMENT = {"unit_id": OFFICE, "amount": "100.00", "method": "bank", "receipt_no": "SK-E-0001"}


def refusal(exc_info) -> tuple:
    exc = exc_info.value
    if isinstance(exc, ValidationError):
        return tuple((p.field, p.rule) for p in exc.problems)
    return type(exc).__name__, exc.field, exc.rule


def test_the_demo_accounts_are_in_their_units_estates(app):
    assert app.query("get_balance", OFFICE)["estate"] == "E2"
    assert app.query("get_balance", demo.DEMO_ARREARS_UNIT)["estate"] == "E1"


def test_another_estates_account_answers_as_an_unknown_unit(app):
    assert app.query("get_balance", OFFICE, actor=CASHIER_E2)["unit_id"] == OFFICE
    with pytest.raises(NotFound) as other:
        app.query("get_balance", OFFICE, actor=CASHIER_E1)
    with pytest.raises(NotFound) as unknown:
        app.query("get_balance", "T9-99F", actor=CASHIER_E1)
    assert refusal(other) == refusal(unknown) == ("NotFound", "unit_id", "exists")
    with pytest.raises(NotFound):
        app.query("allowed_actions", "unit", OFFICE, "cashier", actor=CASHIER_E1)
    assert app.query("allowed_actions", "unit", OFFICE, "cashier", actor=CASHIER_E2) == ["record_payment"]


def test_the_arrears_list_shows_the_estates_of_the_person_asking(app):
    everything = app.query("list_arrears")
    e1 = app.query("list_arrears", actor=CASHIER_E1)
    e2 = app.query("list_arrears", actor=CASHIER_E2)
    assert [a["unit_id"] for a in e2] == [OFFICE] and {a["estate"] for a in e1} == {"E1"}
    assert sorted(e1 + e2, key=lambda a: a["unit_id"]) == everything == app.query("list_arrears", actor=BOTH)
    assert app.query("list_arrears", actor={"id": "nobody", "estates": []}) == []


def test_a_payment_into_another_estates_unit_is_refused_as_into_an_unknown_one(app):
    before = snapshot(app)
    with pytest.raises(ValidationError) as other:
        app.command("record_payment", PAYMENT, CASHIER_E1)
    with pytest.raises(ValidationError) as unknown:
        app.command("record_payment", {**PAYMENT, "unit_id": "T9-99F"}, CASHIER_E1)
    assert refusal(other) == refusal(unknown) == (("unit_id", "unknown_unit"),)
    assert snapshot(app) == before


def test_a_payment_belongs_to_its_accounts_estate_and_says_so(app):
    out = app.command("record_payment", PAYMENT, CASHIER_E2)
    assert out["balance"]["estate"] == "E2"
    (received,) = app.events("payment.received")
    assert received.payload["estate"] == "E2"
    assert app.query("get_balance", OFFICE, actor=CASHIER_E2)["payments"][-1]["receipt_no"] == "SK-E-0001"


def test_a_fee_check_carries_the_move_outs_estate_else_the_accounts(app):
    app.deliver(app.event("move_out.requested", {
        "move_out_id": "MO-E2", "unit_id": OFFICE, "estate": "E2", "tenant_id": "TEN-T1-24F", "owner_id": "OWN-T1",
        "owner_consent_doc": "DOC-1", "exit_date": "2026-11-30", "fitout_disposition": "restore"},
        correlation_id="MO-E2", producer="residents"))
    app.deliver(move_out_requested(app, "MO-OLD"))  # announced before estates were recorded: the account's
    for move_out_id, unit_id, estate in (("MO-E2", OFFICE, "E2"), ("MO-OLD", ARREARS_UNIT, "E1")):
        app.deliver(supply_cut(app, move_out_id, unit_id, estate=estate))  # metered units: decided on the cut
    by_case = {e.payload["move_out_id"]: e.payload["estate"] for e in app.events()
               if e.event_type.startswith("billing.clearance")}
    assert by_case == {"MO-E2": "E2", "MO-OLD": "E1"}
    assert {c.move_out_id: c.estate for c in clearances(app)} == by_case


def clearances(app) -> list[ClearanceRequest]:
    with app.session() as s:
        return list(s.scalars(select(ClearanceRequest)))
