"""Arrears reports on the harness: the detail by unit, period, item and age; the dunning summary;
the collection rate with both denominators, checked against a hand computation from the demo
ledger; the XLSX export (issue #10 §4)."""
from __future__ import annotations

import base64
import io
from collections import defaultdict
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from propdesk import demo
from propdesk.chassis.clock import FakeClock
from propdesk.errors import ValidationError
from propdesk.testing.fake import ServiceHarness
from propdesk_services.billing.service import BillingService
from propdesk_services.billing.tests.unit.cycle import CASHIER, only
from propdesk_services.billing.tests.unit.payments.test_handlers import owed_in_demo
from propdesk_services.billing.workflows.arrears import domain

NOV_30 = datetime(2026, 11, 30, 2, 0, tzinfo=timezone.utc)


@pytest.fixture
def app() -> ServiceHarness:
    return ServiceHarness(BillingService, clock=FakeClock(NOV_30), demo=True)


def test_ages_count_from_the_first_of_the_month_after_the_period():
    assert domain.due_date("2026-12") == date(2027, 1, 1)
    assert domain.age_days("2026-09", date(2026, 11, 30)) == 60
    assert [domain.age_band(n) for n in (-1, 0, 30, 31, 90, 91, 180, 181, 365, 366)] == \
        ["current", "d1_30", "d1_30", "d31_90", "d31_90", "d91_180", "d91_180", "d181_365", "d181_365", "over_365"]


def test_the_detail_lists_every_unpaid_charge_with_its_age(app):
    detail = app.query("arrears_detail", None, "2026-11-30", None)
    expected = owed_in_demo()
    by_unit = defaultdict(Decimal)
    for r in detail["rows"]:
        by_unit[r["unit_id"]] += Decimal(r["outstanding"])
    assert dict(by_unit) == {u: Decimal(a) for u, a in expected.items()}
    assert detail["total"] == f"{sum(expected.values()):.2f}"
    rows = {(r["unit_id"], r["period"]): r for r in detail["rows"]}
    assert (rows[("1-2-203", "2026-09")]["age_days"], rows[("1-2-203", "2026-09")]["age"]) == (60, "d31_90")
    assert (rows[("1-2-203", "2026-10")]["age_days"], rows[("1-2-203", "2026-10")]["age"]) == (29, "d1_30")
    assert [a["age"] for a in detail["by_age"]] == ["d1_30", "d31_90", "d91_180", "d181_365", "over_365"]
    old = {(r["unit_id"], r["period"]): r["age"] for r in detail["rows"] if r["period"] < "2026-09"}
    assert old == {("3-2-1101", "2025-10"): "over_365", ("3-2-1101", "2026-04"): "d181_365",
                   ("2-2-1504", "2026-07"): "d91_180"}
    # up to a period; another estate's units are not shown
    assert all(r["period"] <= "2026-09" for r in app.query("arrears_detail", "2026-09", "2026-11-30", None)["rows"])
    e2 = app.query("arrears_detail", None, None, None, actor=only(CASHIER, "E2"))
    assert {r["estate"] for r in e2["rows"]} == {"E2"}


def test_the_collection_rate_states_both_denominators_as_computed_by_hand(app):
    charged, paid = defaultdict(Decimal), defaultdict(Decimal)
    for c in demo.charges():
        if c["period"] == "2026-10":
            charged[c["unit_id"]] += c["amount"]
    # the demo's payments name the month they paid (its bank transfers), and pay no more than it
    for p in demo.payments():
        if p["period"] == "2026-10":
            paid[p["unit_id"]] += p["amount"]
    households, households_paid = len(charged), sum(1 for u in charged if paid[u] >= charged[u])
    amount, collected = sum(charged.values()), sum(paid.values())

    rate = app.query("collection_rate", "2026-10")
    [row] = rate["rows"]
    assert (row["item"], row["households_charged"], row["households_paid"]) == ("property_fee", households, households_paid)
    assert (row["amount_charged"], row["amount_collected"]) == (f"{amount:.2f}", f"{collected:.2f}")
    assert row["rate_by_households"] == f"{Decimal(households_paid) / households * 100:.2f}"
    assert row["rate_by_amount"] == f"{collected / amount * 100:.2f}"
    assert f"{households} 户" in row["denominator"] and f"{amount:.2f} 元" in row["denominator"]
    assert rate["total"]["households_charged"] == households
    with pytest.raises(ValidationError):
        app.query("collection_rate", "2026-13")


def test_a_payment_moves_the_rate(app):
    before = app.query("collection_rate", "2026-10")["rows"][0]
    app.command("record_payment", {"unit_id": "1-2-203", "amount": "392.60", "method": "cash"}, CASHIER)
    after = app.query("collection_rate", "2026-10")["rows"][0]
    assert after["households_paid"] == before["households_paid"] + 1
    assert Decimal(after["amount_collected"]) - Decimal(before["amount_collected"]) == Decimal("196.30")


def test_the_dunning_summary_counts_dunned_delivered_paid_and_owing(app):
    from propdesk_services.billing.workflows.dunning.models import DunningNotice

    with app.session() as s:
        for n, (unit, amount, state) in enumerate([("1-2-203", "392.60", "delivered"), ("3-1-1502", "392.60", "issued"),
                                                   ("T1-24F", "12960.00", "issued")]):
            s.add(DunningNotice(dunning_id=f"D{n}", dunning_no=f"DN-T-{n}", unit_id=unit, estate=demo.estate_of(unit),
                                period="2026-10", amount_due=Decimal(amount), periods="2026-09,2026-10", state=state,
                                issued_at=NOV_30))
        s.commit()
    app.command("record_payment", {"unit_id": "1-2-203", "amount": "392.60", "method": "cash"}, CASHIER)
    summary = app.query("arrears_summary", "2026-10")
    rows = {r["estate"]: r for r in summary["rows"]}
    assert rows["E1"] == {"estate": "E1", "dunned_units": 2, "dunned_amount": "785.20", "delivered_units": 1,
                          "paid_units": 1, "owing_units": 1, "owing_amount": "392.60", "recovered_amount": "392.60"}
    assert rows["E2"]["owing_amount"] == "12960.00"


def test_the_xlsx_export_holds_the_three_reports(app):
    from openpyxl import load_workbook

    out = app.query("export_arrears_xlsx", "2026-10", "2026-11-30")
    assert out["filename"] == "arrears-2026-10.xlsx"
    book = load_workbook(io.BytesIO(base64.b64decode(out["content_base64"])))
    assert book.sheetnames == ["欠费明细", "催缴统计", "收缴率"]
    detail = list(book["欠费明细"].iter_rows(values_only=True))
    assert detail[0][:4] == ("单元", "管理处", "月份", "收费项目")
    assert detail[-1][0] == "合计"
    assert Decimal(str(detail[-1][5])) == sum(owed_in_demo().values())
    rates = list(book["收缴率"].iter_rows(values_only=True))
    assert rates[1][0] == "物业服务费"


def test_a_cent_owed_is_owed_and_a_ledger_paid_to_the_cent_owes_nothing(app):
    # the owing units are found by one grouped sum in SQL (floats on SQLite), their rows from the
    # ledger in Decimal: 3 x 33.33 paid by 0.01 less owes 0.01; 30 x 0.10 paid by 3 x 1.00 nothing
    from sqlalchemy import insert

    from propdesk_services.billing.workflows.payments.models import Charge, Payment

    def pay(pid, unit, amount):
        return {"payment_id": pid, "unit_id": unit, "estate": "E1", "amount": Decimal(amount), "method": "cash",
                "receipt_no": f"R-{pid}", "received_at": NOV_30, "recorded_by": "t", "prepaid_amount": Decimal("0")}

    with app.db.engine.begin() as conn:
        conn.execute(insert(Charge.__table__), [
            {"unit_id": "9-9-901", "estate": "E1", "period": p, "item": "property_fee", "amount": Decimal("33.33")}
            for p in ("2026-08", "2026-09", "2026-10")] + [
            {"unit_id": "9-9-902", "estate": "E1", "period": "2026-10", "item": "water", "amount": Decimal("0.10")}
            for _ in range(30)])
        conn.execute(insert(Payment.__table__), [pay("T1", "9-9-901", "99.98")] +
                     [pay(f"T2{k}", "9-9-902", "1.00") for k in range(3)])
    rows = app.query("arrears_detail", None, "2026-11-30", None)["rows"]
    assert [(r["unit_id"], r["period"], r["outstanding"]) for r in rows if r["unit_id"].startswith("9-9-")] == \
        [("9-9-901", "2026-10", "0.01")]
    one = app.query("arrears_detail", None, "2026-11-30", "9-9-901")
    assert (one["units"], one["total"]) == (1, "0.01")
    assert app.query("arrears_detail", None, "2026-11-30", "9-9-902")["rows"] == []
