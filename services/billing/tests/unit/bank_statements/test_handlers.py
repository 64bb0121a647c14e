"""Bank statement import on the harness: lines matching an open notice are booked, the rest wait in
the cashier's unmatched queue, re-importing books nothing twice; the cashier books or sets aside
an unmatched line (issue #10 §3)."""
from __future__ import annotations

import base64
import io
from types import SimpleNamespace

import pytest

from propdesk.errors import Conflict, Forbidden, NotFound, ValidationError
from propdesk_services.billing.tests.unit.billing_run.support import harness, issued_run, notices
from propdesk_services.billing.tests.unit.cycle import CASHIER, COUNTER, SUPERVISOR, only, rules
from propdesk_services.billing.workflows.bank_statements.handlers import possible_line_actions, unmatched_lines

HEADER = ("交易日,交易时间,起息日,交易类型,借方金额,贷方金额,余额,摘要,流水号,业务参考号,收/付方名称,收/付方帐号\n")


@pytest.fixture(scope="module")
def cycle():
    app = harness()
    run = issued_run(app, "E1", "2026-11")
    by_unit = {n["unit_id"]: n for n in notices(app, run["run_id"])}
    return app, by_unit


@pytest.fixture
def app(cycle):
    return cycle[0]


def cmb(*rows: str) -> str:
    return "招商银行 交易明细\n账号: 7559xxxx0101\n" + HEADER + "".join(r + "\n" for r in rows)


def statement(by_unit) -> str:
    n101, n702, n1001 = by_unit["1-1-101"], by_unit["1-1-702"], by_unit["1-1-1001"]
    return cmb(
        f"20261122,09:00:00,20261122,汇入,,{n101['amount']},0,物业费,G01,,王五,6222001",  # amount and date: one notice
        f"20261122,09:10:00,20261122,汇入,,{n702['amount']},0,1-1-702 物业费,G02,,赵六,6222002",  # amount shared; unit named
        f"20261123,09:00:00,20261123,汇入,,{n1001['amount']},0,缴费 {n1001['notice_no']},G03,,,",  # notice named
        "20261123,10:00:00,20261123,汇入,,12345.67,0,货款,G04,,某公司,6222004",  # nothing matches
        "20261123,11:00:00,20261123,汇入,,764.93,0,,G05,,,",  # forty notices ask for it
        f"20261124,11:00:00,20261124,汇入,,100.00,0,{n101['notice_no']},G06,,王五,6222001",  # named, amount differs
        "20261124,12:00:00,20261124,转出,10.00,,0,手续费,G07,,,",  # a debit: not ours
    )


def upload(app, text, filename="cmb-202611.csv", actor=CASHIER, encoding="base64", estate="E1"):
    content = base64.b64encode(text.encode("gb18030")).decode() if encoding == "base64" else text
    return app.command("import_bank_statement", {"estate": estate, "filename": filename, "content": content,
                                                 "encoding": encoding}, actor)


def test_matching_lines_are_booked_the_rest_queued_and_a_reimport_books_nothing(cycle):
    app, by_unit = cycle
    paid_before = len(app.events("payment.received"))
    st = upload(app, statement(by_unit))
    assert (st["bank_format"], st["credit_lines"], st["new_lines"], st["matched_lines"], st["unmatched_lines"]) == \
        ("cmb", 6, 6, 3, 3)
    lines = {x["serial"]: x for x in st["lines"]}
    assert {s: (x["state"], x["unit_id"]) for s, x in lines.items() if x["state"] == "matched"} == \
        {"G01": ("matched", "1-1-101"), "G02": ("matched", "1-1-702"), "G03": ("matched", "1-1-1001")}
    assert {s: x["reason"] for s, x in lines.items() if x["state"] == "unmatched"} == \
        {"G04": "no_candidate", "G05": "ambiguous", "G06": "named_notice_differs"}
    booked = app.events("payment.received")[paid_before:]
    assert sorted((e.payload["unit_id"], e.payload["method"], e.payload["matched_bank_slip"] is not None)
                  for e in booked) == [("1-1-1001", "bank", True), ("1-1-101", "bank", True), ("1-1-702", "bank", True)]
    # the notice's charges are paid first: 1-1-702's November is settled, its older arrears remain
    detail = app.query("arrears_detail", None, "2026-11-30", "1-1-702")
    assert [r["period"] for r in detail["rows"]] == ["2026-09", "2026-10"]
    receipt = app.query("get_receipt", lines["G01"]["payment_id"])
    assert (receipt["method"], receipt["bank_line_id"]) == ("bank", lines["G01"]["line_id"])

    # the same statement again (and a longer one containing it): nothing twice
    again = upload(app, statement(by_unit))
    assert (again["new_lines"], again["repeated_lines"], again["matched_lines"], again["unmatched_lines"]) == (0, 6, 0, 0)
    assert len(app.events("payment.received")) == paid_before + 3
    longer = upload(app, statement(by_unit) + "20261125,09:00:00,20261125,汇入,,1.00,0,利息,G08,,,\n")
    assert (longer["new_lines"], longer["repeated_lines"], longer["unmatched_lines"]) == (1, 6, 1)
    [event] = [e for e in app.events("bank_statement.imported") if e.payload["statement_no"] == st["statement_no"]]
    assert event.payload["matched_lines"] == 3

    # the cashier's queue: the unmatched lines, oldest first
    with app.session() as s:
        reader = SimpleNamespace(session=s, estates=("E1",), actor=None, now=app.clock.now)
        queue = [i for i in unmatched_lines({}, reader) if i["id"] != "BL-DEMO-1"]  # the demo's line aside
        assert [i["detail"][:10] for i in queue] == ["2026-11-23", "2026-11-23", "2026-11-24", "2026-11-25"]
        assert possible_line_actions(lines["G04"]["line_id"], reader) == ["book_bank_line", "dismiss_bank_line"]
        assert possible_line_actions(lines["G01"]["line_id"], reader) == []
        assert unmatched_lines({}, SimpleNamespace(session=s, estates=("E2",), actor=None, now=app.clock.now)) == []

    # booked by hand on the unit the cashier found, or set aside with a reason; once
    booked = app.command("book_bank_line", {"line_id": lines["G05"]["line_id"], "unit_id": "2-2-1504"}, CASHIER)
    assert (booked["state"], booked["unit_id"], booked["payment"]["payment"]["method"]) == ("booked", "2-2-1504", "bank")
    dismissed = app.command("dismiss_bank_line", {"line_id": lines["G04"]["line_id"], "reason": "货款,非物业收费"},
                            SUPERVISOR)
    assert (dismissed["state"], dismissed["reason"], dismissed["note"]) == ("dismissed", "no_candidate", "货款,非物业收费")
    for line_id in (lines["G05"]["line_id"], lines["G04"]["line_id"], lines["G01"]["line_id"]):
        with pytest.raises(Conflict) as err:
            app.command("book_bank_line", {"line_id": line_id, "unit_id": "2-2-1504"}, CASHIER)
        assert err.value.rule == "not_unmatched"
        with pytest.raises(Conflict):
            app.command("dismiss_bank_line", {"line_id": line_id, "reason": "x"}, CASHIER)


def test_an_icbc_xlsx_and_a_generic_text_statement_read(app):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["中国工商银行 账户明细"])
    sheet.append(["凭证号", "本方账号", "对方账号", "交易时间", "借/贷", "借方发生额", "贷方发生额", "对方行号", "摘要",
                  "用途", "对方单位名称", "余额"])
    sheet.append(["V1", "0200xxxx", "6222999", "2026-11-26 09:30:00", "贷", None, 33.33, "", "物业费", "", "孙七", 0])
    buf = io.BytesIO()
    book.save(buf)
    st = app.command("import_bank_statement", {"estate": "E1", "filename": "icbc.xlsx",
                                               "content": base64.b64encode(buf.getvalue()).decode()}, CASHIER)
    assert (st["bank_format"], st["new_lines"], st["unmatched_lines"]) == ("icbc", 1, 1)
    assert (st["lines"][0]["payer_name"], st["lines"][0]["value_date"]) == ("孙七", "2026-11-26")
    st = upload(app, "日期,金额,付款人,摘要,流水号\n2026-11-27,44.44,周八,车位,P1\n", "generic.csv", encoding="text")
    assert (st["bank_format"], st["new_lines"]) == ("generic", 1)


def test_refusals_change_nothing(app):
    before = len(app.events())
    with pytest.raises(ValidationError) as err:
        upload(app, "nonsense\n")
    assert rules(err.value) == {("content", "unknown_layout")}
    with pytest.raises(ValidationError) as err:
        upload(app, cmb("20261122,,,汇入,,1.00,0,x,G99,,,"), estate="E2", actor=only(CASHIER, "E1"))
    assert rules(err.value) == {("estate", "one_of")}
    with pytest.raises(Forbidden):
        upload(app, cmb(), actor=COUNTER)
    with pytest.raises(NotFound):
        app.command("book_bank_line", {"line_id": "nope", "unit_id": "1-1-101"}, CASHIER)
    assert len(app.events()) == before


def test_a_notice_partly_paid_at_the_counter_is_still_matched_and_its_open_charges_paid_first():
    app = harness()
    run = issued_run(app, "E1", "2026-11")
    notice = {n["unit_id"]: n for n in notices(app, run["run_id"])}["1-1-101"]
    lines = app.query("get_fee_notice", notice["notice_id"])["lines"]
    assert len(lines) >= 2
    first = lines[0]
    app.command("record_payment", {"unit_id": "1-1-101", "amount": first["amount"], "method": "cash",
                                   "charge_ids": [first["charge_id"]]}, CASHIER)
    st = upload(app, cmb(f"20261122,09:00:00,20261122,汇入,,{notice['amount']},0,物业费,P01,,王五,6222001"))
    assert (st["matched_lines"], st["unmatched_lines"]) == (1, 0)
    receipt = app.query("get_receipt", st["lines"][0]["payment_id"])
    assert first["charge_id"] not in {x["charge_id"] for x in receipt["lines"]}
    assert receipt["prepaid_amount"] == first["amount"]


def test_an_unmatched_line_is_due_by_the_end_of_the_next_working_day():
    """Imported on Friday 2026-11-20 (Beijing): due by the end of Monday the 23rd (Beijing), i.e.
    2026-11-23 16:00 UTC. The line worked in time breaches nothing; the other breaches once."""
    from datetime import datetime, timezone

    from propdesk_services.billing.workflows.bank_statements import domain
    from propdesk.chassis.calendar import WorkingCalendar

    assert domain.line_due(datetime(2026, 11, 20).date(), WorkingCalendar()) == \
        datetime(2026, 11, 23, 16, 0, tzinfo=timezone.utc)
    app = harness()
    st = upload(app, cmb("20261120,,,汇入,,11.11,0,x,D1,,甲,1", "20261120,,,汇入,,22.22,0,y,D2,,乙,2"))
    first, second = sorted(st["lines"], key=lambda x: x["serial"])
    with app.session() as s:
        items = {i["id"]: i for i in unmatched_lines({}, SimpleNamespace(session=s, estates=None, actor=None,
                                                                          now=app.clock.now))}
    assert (items[first["line_id"]]["due_at"], items[first["line_id"]]["overdue"]) == ("2026-11-23T16:00:00+00:00", False)
    app.command("dismiss_bank_line", {"line_id": first["line_id"], "reason": "退款"}, CASHIER)
    app.clock.advance(minutes=(datetime(2026, 11, 23, 15, 59, tzinfo=timezone.utc) - app.clock.now()).total_seconds() / 60)
    app.tick("sweep_deadlines")
    assert app.events("billing.bank_line_overdue") == []
    app.clock.advance(minutes=2)
    app.tick("sweep_deadlines")
    app.tick("sweep_deadlines")
    [breach] = app.events("billing.bank_line_overdue")
    assert (breach.payload["record_id"], breach.payload["responsible"], breach.payload["escalate_to"]) == \
        (second["line_id"], CASHIER["id"], "finance_supervisor")


def test_a_line_booked_on_the_wrong_unit_is_reversed_and_booked_anew():
    app = harness()
    st = upload(app, cmb("20261121,,,汇入,,55.55,0,x,R1,,丙,3"))
    [line] = st["lines"]
    before = app.query("get_balance", "1-1-101")["outstanding"]
    wrong = app.command("book_bank_line", {"line_id": line["line_id"], "unit_id": "1-1-101"}, CASHIER)
    app.command("reverse_payment", {"payment_id": wrong["payment_id"], "reason": "记错单元"}, CASHIER)
    again = app.query("get_bank_line", line["line_id"])
    assert (again["state"], again["reason"], again["unit_id"], again["payment_id"]) == \
        ("unmatched", "payment_reversed", None, None)
    right = app.command("book_bank_line", {"line_id": line["line_id"], "unit_id": "1-1-102"}, CASHIER)
    assert (right["state"], right["unit_id"]) == ("booked", "1-1-102")
    assert app.query("get_balance", "1-1-101")["outstanding"] == before
