"""Payments, a bank statement, a deposit and the arrears reports through the running services
(issue #10 §3-§5), started as `make run` starts them with the demo data: a payment by Alipay moves
the collection rate and its reversal moves it back; a statement's lines no notice matches wait for
the cashier, who books one and sets the other aside; a deposit is taken, applied for, deducted and
refunded; reports records every event on its case's timeline; the arrears detail's total is the
hand computation from the demo's ledger."""
from __future__ import annotations

from decimal import Decimal

import pytest

from propdesk import demo
from propdesk_services.billing.workflows.payments import demo as payments_demo
from tests.helpers import wait_for

pytestmark = pytest.mark.system

CASHIER = {"id": "fin-cash", "role": "cashier", "estates": ["E1"]}
SUPERVISOR = {"id": "fin-sup", "role": "finance_supervisor", "estates": ["E1"]}
COUNTER = {"id": "fin-counter", "role": "counter_staff", "estates": ["E1"]}
DESK = {"id": "fd-wang", "role": "front_desk", "estates": ["E1"]}


def timeline(rpc, case_id) -> list[str]:
    return [e["event_type"] for e in rpc.reports.timeline(case_id)]


def test_payments_bank_lines_deposits_and_arrears_through_the_running_services(rpc):
    b = rpc.billing
    [before] = b.collection_rate("2026-10", actor=CASHIER)["rows"]
    paid = b.record_payment({"unit_id": "1-2-203", "amount": "392.60", "method": "alipay", "txn_no": "ALI-SYS-0001"},
                            CASHIER)
    pid = paid["payment"]["payment_id"]
    assert paid["payment"]["receipt_no"].startswith("RC-")
    [after] = b.collection_rate("2026-10", actor=CASHIER)["rows"]
    assert after["households_paid"] == before["households_paid"] + 1
    assert Decimal(after["amount_collected"]) - Decimal(before["amount_collected"]) == Decimal("196.30")
    b.reverse_payment({"payment_id": pid, "reason": "支付宝退款"}, SUPERVISOR)
    assert b.collection_rate("2026-10", actor=CASHIER)["rows"] == [before]
    wait_for(lambda: {"payment.received", "payment.reversed"} <= set(timeline(rpc, pid)),
             what="the payment and its reversal on the payment's timeline")

    text = "日期,金额,付款人,摘要,流水号\n2026-11-29,392.60,钱某,3-1-1502 物业费,SYS-1\n2026-11-29,1.23,,利息,SYS-2\n"
    st = b.import_bank_statement({"estate": "E1", "filename": "s.csv", "content": text, "encoding": "text"}, CASHIER)
    assert (st["new_lines"], st["matched_lines"], st["unmatched_lines"]) == (2, 0, 2)  # no E1 notice is issued
    fee_line, interest = sorted(st["lines"], key=lambda x: x["serial"])
    assert b.book_bank_line({"line_id": fee_line["line_id"], "unit_id": "3-1-1502"}, CASHIER)["state"] == "booked"
    b.dismiss_bank_line({"line_id": interest["line_id"], "reason": "银行利息"}, CASHIER)
    again = b.import_bank_statement({"estate": "E1", "filename": "s.csv", "content": text, "encoding": "text"}, CASHIER)
    assert (again["new_lines"], again["repeated_lines"]) == (0, 2)
    assert b.list_bank_lines("unmatched", st["statement_id"], actor=CASHIER) == []

    dep = b.take_deposit({"unit_id": "1-1-303", "kind": "renovation", "amount": "2000", "method": "cash",
                          "payer_name": "张三装饰"}, COUNTER)
    b.request_deposit_refund({"deposit_id": dep["deposit_id"], "applicant_name": "张三", "reason": "完工验收合格"}, DESK)
    b.deduct_from_deposit({"deposit_id": dep["deposit_id"], "reason_kind": "damage", "reason": "电梯划伤",
                           "amount": "300"}, SUPERVISOR)
    assert b.refund_deposit({"deposit_id": dep["deposit_id"], "method": "bank"}, CASHIER)["refunded_amount"] == "1700.00"
    wait_for(lambda: timeline(rpc, dep["deposit_id"]) == ["deposit.collected", "deposit.refund_requested",
                                                          "deposit.refunded"], what="the deposit's timeline")

    # the arrears of E1 by hand: the demo's ledger, the older arrears billing's demo adds, less 3-1-1502's payment
    owed = {u: a for u, a in demo.outstanding_by_unit().items() if demo.estate_of(u) == "E1"}
    for unit, estate, _period, amount in payments_demo.OLD_ARREARS:
        owed[unit] = owed.get(unit, Decimal(0)) + amount
    owed["3-1-1502"] -= Decimal("392.60")
    detail = b.arrears_detail(None, None, None, actor=CASHIER)
    assert Decimal(detail["total"]) == sum(owed.values())
    assert {r["unit_id"] for r in detail["rows"]} == {u for u, a in owed.items() if a > 0}
    assert b.export_arrears_xlsx("2026-10", None, actor=CASHIER)["filename"] == "arrears-2026-10.xlsx"


def test_a_bank_line_matching_an_issued_notice_is_booked_once(rpc):
    """The demo's office-park run (E2, 2026-11) approved and issued by the running timer; the bank
    statement's line with a notice's amount and number is booked against it, the unit's November
    is paid, and the same statement again books nothing."""
    from datetime import datetime, timedelta, timezone

    b = rpc.billing
    supervisor, cashier = {**SUPERVISOR, "estates": ["E2"]}, {**CASHIER, "estates": ["E2"]}
    run_id = "BR-DEMO-E2-202611"
    b.review_billing_run({"run_id": run_id, "decision": "approve"}, supervisor)
    b.issue_billing_run({"run_id": run_id}, cashier)
    wait_for(lambda: b.get_billing_run(run_id, actor=cashier)["state"] == "issued", what="the run issued", timeout=60)
    notice = sorted(b.list_fee_notices(run_id, None, None, None, actor=cashier), key=lambda n: n["unit_id"])[0]
    today = datetime.now(timezone(timedelta(hours=8))).strftime("%Y%m%d")
    text = ("交易日,交易时间,起息日,交易类型,借方金额,贷方金额,余额,摘要,流水号,业务参考号,收/付方名称,收/付方帐号\n"
            f"{today},10:00:00,{today},汇入,,{notice['amount']},0,缴费 {notice['notice_no']},SYS-E2-1,,某公司,6222\n")
    st = b.import_bank_statement({"estate": "E2", "filename": "cmb.csv", "content": text, "encoding": "text"}, cashier)
    assert (st["matched_lines"], st["unmatched_lines"]) == (1, 0)
    [line] = st["lines"]
    assert (line["state"], line["notice_id"], line["unit_id"]) == ("matched", notice["notice_id"], notice["unit_id"])
    rows = b.arrears_detail(None, None, notice["unit_id"], actor=cashier)["rows"]
    assert "2026-11" not in {r["period"] for r in rows}
    again = b.import_bank_statement({"estate": "E2", "filename": "cmb.csv", "content": text, "encoding": "text"}, cashier)
    assert (again["repeated_lines"], again["matched_lines"]) == (1, 0)
    wait_for(lambda: "payment.received" in timeline(rpc, line["payment_id"]), what="the booked payment in reports")
