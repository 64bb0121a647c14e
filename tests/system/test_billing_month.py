"""A whole month of the fee cycle for the demo office park (E2) through the running services, time
injected (issue #10 §5): the month's readings imported, the run drafted by the timer, reviewed and
issued, every notice delivered and signed for, one unit paying at the counter and one by a bank
transfer matched from the statement, the dunning notices issued on the 11th working day of the next
month (not on the 10th) for exactly the units still owing, and the arrears detail and the
collection rate equal to the hand computation from the notices."""
from __future__ import annotations

import base64
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from propdesk.chassis.calendar import OFFICE_TZ, office_today, process_calendar
from propdesk_services.billing.workflows.fee_schedules.domain import next_period, previous_period
from tests.helpers import wait_for

pytestmark = pytest.mark.system

E2 = ["E2"]
SUPERVISOR = {"id": "fin-sup", "role": "finance_supervisor", "estates": E2}
CASHIER = {"id": "fin-cash", "role": "cashier", "estates": E2}
ENGINEER = {"id": "eng-li", "role": "engineering", "estates": E2}
DESK = {"id": "fd-wang", "role": "front_desk", "estates": E2}


def readings_csv(units, water: int, electricity: int) -> str:
    rows = ["unit_id,meter,reading"] + [f"{u},水,{water}" for u in units] + [f"{u},电,{electricity}" for u in units]
    return base64.b64encode("\n".join(rows).encode()).decode()


def test_a_month_of_the_office_park_closes_with_dunning_on_the_11th_working_day(rpc, move_clock):
    b = rpc.billing
    today = office_today()
    period = f"{today:%Y-%m}"
    run = b.start_billing_run({"period": period, "estate": "E2"}, SUPERVISOR)
    wait_for(lambda: b.get_billing_run(run["run_id"], actor=CASHIER)["state"] != "drafting", what="the first draft", timeout=60)
    units = sorted(n["unit_id"] for n in b.list_fee_notices(run["run_id"], None, None, None, actor=CASHIER))
    assert units

    # readings: last month's (the meters' baseline) and this month's, imported; then drafted again
    for month, water, electricity in ((previous_period(period), 100, 1000), (period, 112, 1150)):
        out = b.import_meter_readings({"period": month, "filename": f"{month}.csv",
                                       "content_base64": readings_csv(units, water, electricity)}, ENGINEER)
        assert (out["recorded"], out["held"]) == (2 * len(units), 0)
    b.redraft_billing_run({"run_id": run["run_id"]}, SUPERVISOR)
    wait_for(lambda: b.get_billing_run(run["run_id"], actor=CASHIER)["state"] == "awaiting_review", what="redrafted", timeout=60)
    notices = {}
    for n in b.list_fee_notices(run["run_id"], None, None, None, actor=CASHIER):
        lines = {x["item"]: Decimal(x["amount"]) for x in b.get_fee_notice(n["notice_id"], actor=CASHIER)["lines"]}
        assert (lines["water"], lines["electricity"]) == (Decimal("78.00"), Decimal("157.50"))  # 12 x 6.50, 150 x 1.05
        assert Decimal(n["amount"]) == sum(lines.values())
        notices[n["unit_id"]] = {**n, "lines": lines}

    # the 25th's review, the 26th's issue, every notice delivered with a signature
    b.review_billing_run({"run_id": run["run_id"], "decision": "approve"}, SUPERVISOR)
    b.issue_billing_run({"run_id": run["run_id"]}, CASHIER)
    wait_for(lambda: b.get_billing_run(run["run_id"], actor=CASHIER)["state"] == "issued", what="the run issued", timeout=60)
    for n in b.list_fee_notices(run["run_id"], None, None, None, actor=CASHIER):
        assert n["notice_no"].startswith("FN-")
        notices[n["unit_id"]]["notice_no"] = n["notice_no"]
        signed = b.confirm_notice_delivery({"notice_id": n["notice_id"], "signed_by": "行政前台"}, DESK)
        assert signed["state"] == "delivered"

    # two units with nothing brought forward pay: one at the counter, one by a matched bank line
    clean = [u for u in units if Decimal(notices[u]["arrears_before"]) == 0]
    assert len(clean) >= 2, "the demo's office park has units with no arrears"
    cash_unit, bank_unit = clean[0], clean[1]
    b.record_payment({"unit_id": cash_unit, "amount": notices[cash_unit]["amount"], "method": "cash"}, CASHIER)
    day = datetime.now(timezone.utc).astimezone(OFFICE_TZ).strftime("%Y%m%d")
    text = ("交易日,交易时间,起息日,交易类型,借方金额,贷方金额,余额,摘要,流水号,业务参考号,收/付方名称,收/付方帐号\n"
            f"{day},10:00:00,{day},汇入,,{notices[bank_unit]['amount']},0,缴费 {notices[bank_unit]['notice_no']},"
            f"MONTH-E2-1,,某公司,6222\n")
    st = b.import_bank_statement({"estate": "E2", "filename": "cmb.csv", "content": text, "encoding": "text"}, CASHIER)
    assert (st["matched_lines"], st["unmatched_lines"]) == (1, 0) and st["lines"][0]["unit_id"] == bank_unit
    paid = {cash_unit, bank_unit}
    # what each unpaid unit owes in all (brought forward + this notice), and of this month (a credit
    # brought forward settles the month's charges first)
    owes = {u: Decimal(notices[u]["amount"]) + Decimal(notices[u]["arrears_before"]) for u in units if u not in paid}
    of_month = {u: min(Decimal(notices[u]["amount"]), max(owes[u], Decimal(0))) for u in owes}

    # the collection rate by hand: every unit is charged each item; the two payers settled theirs
    rate = b.collection_rate(period, actor=CASHIER)
    for row in rate["rows"]:
        item = row["item"]
        charged = [u for u in units if item in notices[u]["lines"]]
        assert (row["households_charged"], row["households_paid"]) == (len(charged), len(paid & set(charged)))
        assert Decimal(row["amount_charged"]) == sum(notices[u]["lines"][item] for u in charged)
        assert Decimal(row["amount_collected"]) == sum(notices[u]["lines"][item] for u in charged if u in paid)
    total = rate["total"]
    assert (total["households_charged"], total["households_paid"]) == (len(units), 2)
    assert Decimal(total["amount_collected"]) == sum(Decimal(notices[u]["amount"]) for u in paid)
    # the arrears detail of the month: exactly the owing units' notices
    rows = [r for r in b.arrears_detail(period, None, None, actor=CASHIER)["rows"] if r["period"] == period]
    by_unit = {}
    for r in rows:
        by_unit[r["unit_id"]] = by_unit.get(r["unit_id"], Decimal(0)) + Decimal(r["outstanding"])
    assert by_unit == {u: a for u, a in of_month.items() if a > 0}

    # dunning: nothing on the 10th working day of the next month, every owing unit on the 11th
    year, month = map(int, next_period(period).split("-"))
    calendar = process_calendar()
    tenth, eleventh = calendar.nth_working_day(year, month, 10), calendar.nth_working_day(year, month, 11)
    move_clock(days=(tenth - today).days)
    wait_for(lambda: b.collection_rate(period, actor=CASHIER)["as_of"][:10] >= (tenth - timedelta(days=1)).isoformat(),
             what="billing's clock on the 10th working day")
    assert b.list_dunning_notices(period, None, None, actor=CASHIER) == []
    move_clock(days=(eleventh - tenth).days)
    owing = sorted(u for u, a in owes.items() if a > 0)
    wait_for(lambda: len(b.list_dunning_notices(period, None, None, actor=CASHIER)) == len(owing),
             what="the dunning notices", timeout=60)
    dunned = b.list_dunning_notices(period, None, None, actor=CASHIER)
    assert sorted(d["unit_id"] for d in dunned) == owing
    for d in dunned:
        assert Decimal(d["amount_due"]) == owes[d["unit_id"]]
        issued_on = datetime.fromisoformat(d["issued_at"]).astimezone(OFFICE_TZ).date()
        assert issued_on == eleventh
