"""The bank layouts other than icbc_personal (test_icbc_personal.py), each from a small fixture with
the header and shape of the layout's source (issue #10 §3; docs/workflows/billing-payments.md §2).

- cmb_personal: a REAL layout. Header, column order, date and amount formats of
  deb-sig/double-entry-generator (Apache-2.0) example/cmb/debit/example-cmb-records.csv: the CSV that
  deb-sig/bill-file-converter makes of 招商银行's 一卡通 "流水打印" PDF. fixtures/cmb_personal_statement.csv
  is our own (anonymised names, accounts and amounts), not a copy of that file.
- Credit card statements: the headers of the same repository's example/icbc/credit and
  example/cmb/credit exports, refused by name.
- cmb and icbc (corporate): NOT verified against a real export. The column names and the variants
  read here are those third-party importers read (column lists in public code, no sample file); the
  fixtures are written from those lists, so they test our reader, not the banks' files.
"""
from __future__ import annotations

import base64
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from propdesk.errors import ValidationError
from propdesk_services.billing.tests.unit.billing_run.support import harness, issued_run, notices
from propdesk_services.billing.tests.unit.cycle import CASHIER, rules
from propdesk_services.billing.workflows.bank_statements import files

FIXTURE = Path(__file__).parent / "fixtures" / "cmb_personal_statement.csv"
TEXT = FIXTURE.read_text(encoding="utf-8")


def lines_of(result) -> list[tuple]:
    return [(x["value_date"].isoformat(), x["amount"], x["payer_name"], x["payer_account"], x["reference"],
             x["serial"], x["row"]) for x in result[1]]


def test_the_cmb_personal_statement_reads_signed_amounts_and_splits_name_from_account():
    results = [files.read_statement("招商银行交易流水.csv", TEXT.encode(enc)) for enc in ("utf-8", "utf-8-sig", "gbk")]
    assert all(r == results[0] for r in results)
    layout, _, debits = results[0]
    assert (layout, debits) == ("cmb_personal", 2)  # 一网通支付 -3.00 and 银联ATM取款 -1,000.00
    assert lines_of(results[0]) == [
        ("2026-11-24", Decimal("1010.10"), "王五", "6217000000001234", "转账汇款 1-1-101 物业费", None, 2),
        ("2026-11-23", Decimal("7020.20"), "赵六", "6228000000005678", "汇入汇款 物业费 1-1-702", None, 4),
        ("2026-11-22", Decimal("2345.67"), "某某贸易有限公司", "6222000000004321", "汇入汇款 货款", None, 5),
        ("2026-11-21", Decimal("0.35"), None, None, "账户结息 结息", None, 7),
    ]


def test_the_cmb_personal_statement_without_its_optional_columns_and_in_another_currency():
    # 对手信息 and 客户摘要 are options of the app's export ("展示交易对手信息"): the rest still reads
    bare = "记账日期,货币,交易金额,联机余额,交易摘要\n2026-11-24,CNY,\"1,010.10\",\"13,345.67\",转账汇款\n"
    assert lines_of(files.read_statement("x.csv", bare.encode("gbk"))) == \
        [("2026-11-24", Decimal("1010.10"), None, None, "转账汇款", None, 2)]
    usd = TEXT.replace("2026-11-22,CNY,", "2026-11-22,USD,", 1)
    with pytest.raises(ValidationError) as err:
        files.read_statement("usd.csv", usd.encode("utf-8"))
    assert rules(err.value) == {("content", "currency")} and "5" in err.value.problems[0].message
    renamed = TEXT.replace("交易金额", "金额(元)", 1)
    with pytest.raises(ValidationError) as err:
        files.read_statement("renamed.csv", renamed.encode("utf-8"))
    assert rules(err.value) == {("content", "unknown_layout")} and "cmb_personal" in err.value.problems[0].message


def test_a_cmb_personal_statement_is_matched_and_a_reimport_books_nothing_twice():
    app = harness()
    run = issued_run(app, "E1", "2026-11")
    by_unit = {n["unit_id"]: n for n in notices(app, run["run_id"])}
    text = TEXT
    for placeholder, unit in (("1,010.10", "1-1-101"), ("7,020.20", "1-1-702")):
        text = text.replace(placeholder, f"{Decimal(by_unit[unit]['amount']):,.2f}")
    paid_before = len(app.events("payment.received"))

    def upload(data: bytes) -> dict:
        return app.command("import_bank_statement", {"estate": "E1", "filename": "招商银行交易流水.csv",
                                                     "content": base64.b64encode(data).decode()}, CASHIER)

    st = upload(text.encode("utf-8"))
    assert (st["bank_format"], st["credit_lines"], st["new_lines"], st["matched_lines"], st["unmatched_lines"]) == \
        ("cmb_personal", 4, 4, 2, 2)
    assert {x["payer_name"]: x["unit_id"] for x in st["lines"] if x["state"] == "matched"} == \
        {"王五": "1-1-101", "赵六": "1-1-702"}
    assert {(x["amount"], x["reason"]) for x in st["lines"] if x["state"] == "unmatched"} == \
        {("2345.67", "no_candidate"), ("0.35", "no_candidate")}
    booked = app.events("payment.received")[paid_before:]
    assert sorted((e.payload["unit_id"], e.payload["amount"]) for e in booked) == \
        [("1-1-101", by_unit["1-1-101"]["amount"]), ("1-1-702", by_unit["1-1-702"]["amount"])]
    assert app.events("bank_statement.imported")[-1].payload["bank_format"] == "cmb_personal"
    again = upload(text.encode("gbk"))
    assert (again["new_lines"], again["repeated_lines"], again["matched_lines"]) == (0, 4, 0)
    assert len(app.events("payment.received")) == paid_before + 2


ICBC_CARD = ("明细查询文件下载\n\n卡号: 1234****5678,\"卡别名: \"\n\n子账户类别:\n\n"
             "交易日期,记账日期,摘要,交易场所,交易国家或地区简称,交易金额(收入),交易金额(支出),交易币种,记账金额(收入),"
             "记账金额(支出),记账币种,余额,对方户名\n"
             '2026-11-22     \t,2026-11-22     \t,"自动还款   \t",本行   \t,"CHN   \t","1,000.00   \t","   \t",'
             '人民币   \t,"1,000.00   \t","   \t",人民币   \t,"0.00   \t","   \t",\n')
CMB_CARD = ("招商银行信用卡对账单（个人消费卡账户 2026年11月）\n交易日,记账日,交易摘要,人民币金额,卡号末四位,交易地金额\n"
            ",11/22,银联转账还款,-1000.00,1234,-1000.00\n")


@pytest.mark.parametrize("text", [ICBC_CARD, CMB_CARD], ids=["icbc_credit", "cmb_credit"])
def test_a_credit_card_statement_is_refused_by_name_and_books_nothing(text):
    with pytest.raises(ValidationError) as err:
        files.read_statement("card.csv", text.encode("gbk"))
    assert rules(err.value) == {("content", "credit_card")}
    app = harness()
    before = len(app.events())
    with pytest.raises(ValidationError):
        app.command("import_bank_statement", {"estate": "E1", "filename": "card.csv",
                                              "content": base64.b64encode(text.encode("gbk")).decode()}, CASHIER)
    assert len(app.events()) == before


def test_the_cmb_corporate_export_reads_the_bracketed_payer_columns_too():
    # 收(付)方名称 / 收(付)方账号: the spelling one third-party importer reads, beside 收/付方名称 / 收/付方帐号
    text = ("公司名称: 某某物业管理有限公司\n银行账号: 7559xxxx0101\n"
            "交易日,交易时间,交易类型,借方金额,贷方金额,余额,摘要,流水号,用途,业务摘要,其它摘要,收(付)方名称,收(付)方账号\n"
            "20261122,100102,汇入,,\"1,819.69\",10819.69,汇入汇款,G0001,1-1-101 物业费,,,王五,6222000011112222\n"
            "20261122,110000,转出,500.00,,10319.69,手续费,G0002,,,,,\n")
    result = files.read_statement("cmb.csv", text.encode("gb18030"))
    assert (result[0], result[2]) == ("cmb", 1)
    assert lines_of(result) == [("2026-11-22", Decimal("1819.69"), "王五", "6222000011112222",
                                 "汇入汇款 1-1-101 物业费", "G0001", 4)]


def test_the_icbc_corporate_export_reads_its_column_variants():
    # 转入金额 / 转出金额 with 对方单位 and 附言; then 日期 with 对方户名 after a 户名:/账号: preamble
    transfers = ("交易时间,本方账号,对方单位,对方账号,摘要,附言,用途,转出金额,转入金额,余额\n"
                 "2026-11-26 09:30:00,0200xxxx,孙七,6222999,汇入,1-1-101,物业费,,33.33,100.00\n"
                 "2026-11-26 10:00:00,0200xxxx,,,手续费,,,2.00,,98.00\n")
    result = files.read_statement("icbc.csv", transfers.encode("gbk"))
    assert (result[0], result[2]) == ("icbc", 1)
    assert lines_of(result) == [("2026-11-26", Decimal("33.33"), "孙七", "6222999", "汇入 物业费 1-1-101", None, 2)]
    dated = ("户名: 某某物业管理有限公司\n账号: 0200xxxx\n日期,摘要,借方发生额,贷方发生额,余额,对方户名,对方账号\n"
             "2026-11-27,汇入,,44.44,144.44,周八,6222888\n")
    result = files.read_statement("icbc2.csv", dated.encode("gbk"))
    assert (result[0], lines_of(result)) == ("icbc", [("2026-11-27", Decimal("44.44"), "周八", "6222888", "汇入", None, 4)])
    assert files.read_statement("icbc2.csv", dated.encode("gbk"))[1][0]["value_date"] == date(2026, 11, 27)
    # one 发生额 column with a 借贷标志: importers disagree on which mark is money in, so it is not read
    flagged = "交易时间,本方账号,对方单位,对方账号,摘要,用途,借贷标志,发生额,余额\n2026-11-27 09:00:00,0200xxxx,周八,6222888,汇入,,贷,44.44,144.44\n"
    with pytest.raises(ValidationError) as err:
        files.read_statement("icbc3.csv", flagged.encode("gbk"))
    assert rules(err.value) == {("content", "unknown_layout")}
