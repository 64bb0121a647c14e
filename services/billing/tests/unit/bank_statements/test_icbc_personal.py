"""A REAL bank export layout: 中国工商银行 个人网银 "明细查询文件下载" (debit card), the structure of
deb-sig/double-entry-generator example/icbc/debit-v2/example-icbc-debit-v2-records.csv (preamble
lines, the header exactly as ICBC writes it, cells padded with spaces and a tab, "-" for empty,
thousands separators, a "人民币合计" row). The fixture keeps that structure with anonymised values;
it is read as the bank saves it, matched against open notices, and re-imported without booking
anything twice (issue #10 §3)."""
from __future__ import annotations

import base64
import codecs
from decimal import Decimal
from pathlib import Path

import pytest

from propdesk.errors import ValidationError
from propdesk_services.billing.tests.unit.billing_run.support import harness, issued_run, notices
from propdesk_services.billing.tests.unit.cycle import CASHIER, rules
from propdesk_services.billing.workflows.bank_statements import files

FIXTURE = Path(__file__).parent / "fixtures" / "icbc_personal_statement.csv"
TEXT = FIXTURE.read_text(encoding="utf-8")


def test_the_icbc_personal_export_reads_as_the_bank_writes_it_in_every_encoding():
    results = [files.read_statement("明细.csv", TEXT.encode(enc))
               for enc in ("utf-8", "utf-8-sig", "gbk", "gb18030")]
    assert TEXT.encode("utf-8-sig").startswith(codecs.BOM_UTF8)
    assert all(r == results[0] for r in results)
    layout, lines, debits = results[0]
    assert (layout, debits) == ("icbc_personal", 2)  # 消费 13.40 and 跨行汇款 1,234.56
    assert [(x["value_date"].isoformat(), x["amount"], x["payer_name"], x["payer_account"], x["reference"], x["row"])
            for x in lines] == [
        ("2026-11-24", Decimal("1010.10"), "王五", "6217****1234", "他行汇入 物业费", 8),
        ("2026-11-23", Decimal("7020.20"), "赵六", "6228****5678", "网转 1-1-702 物业费", 10),
        ("2026-11-23", Decimal("2345.67"), "某某贸易有限公司", "6222****4321", "他行汇入 货款", 11),
        ("2026-11-21", Decimal("0.35"), None, None, "结息", 13),
    ]  # the "人民币合计" row and the blank line before it are not lines
    assert all(x["serial"] is None for x in lines)  # this export has no serial number


def test_the_older_icbc_personal_export_without_detail_and_account_columns_reads_too():
    # example/icbc/debit: the same columns less 交易详情 and 对方账户
    header = "交易日期,摘要,交易场所,交易国家或地区简称,钞/汇,交易金额(收入),交易金额(支出),交易币种,记账金额(收入),记账金额(支出),记账币种,余额,对方户名"
    rows = ["明细查询文件下载", "", "卡号: 1234****9876", "", header,
            '2026-11-22     \t,"他行汇入   \t","   \t","CHN  \t",钞  \t,"-  \t","-  \t",-  \t,"1,234.56   \t","   \t",人民币  \t,'
            '"xx,yyyy.zz  \t","李四   \t",', " ", '人民币合计,,,,,,,,"1,234.56   \t","0.00   \t",']
    layout, lines, debits = files.read_statement("old.csv", "\n".join(rows).encode("gbk"))
    assert (layout, debits, [(x["amount"], x["payer_name"], x["payer_account"], x["reference"]) for x in lines]) == \
        ("icbc_personal", 0, [(Decimal("1234.56"), "李四", None, "他行汇入")])


def test_a_foreign_currency_credit_a_bad_amount_or_a_renamed_column_is_refused_by_name():
    usd = TEXT.replace('"1,010.10            \t","                    \t",人民币', '"1,010.10            \t","                    \t",美元', 1)
    assert usd != TEXT
    with pytest.raises(ValidationError) as err:
        files.read_statement("usd.csv", usd.encode("gbk"))
    assert rules(err.value) == {("content", "currency")} and "8" in err.value.problems[0].message
    bad = TEXT.replace("7,020.20", "7,O20.20", 1)
    with pytest.raises(ValidationError) as err:
        files.read_statement("bad.csv", bad.encode("gbk"))
    assert rules(err.value) == {("content", "bad_line")} and "10" in err.value.problems[0].message
    renamed = TEXT.replace("记账金额(收入)", "入账金额", 1)
    with pytest.raises(ValidationError) as err:
        files.read_statement("renamed.csv", renamed.encode("gbk"))
    assert rules(err.value) == {("content", "unknown_layout")} and "icbc_personal" in err.value.problems[0].message


def _with_amounts(text: str, by_unit: dict) -> str:
    """The fixture with its two fee transfers set to what the harness's notices ask (1,010.10 → the
    notice of 1-1-101, 7,020.20 → the notice of 1-1-702, an amount other notices share: the unit is named)."""
    for placeholder, unit in (("1,010.10", "1-1-101"), ("7,020.20", "1-1-702")):
        text = text.replace(placeholder, f"{Decimal(by_unit[unit]['amount']):,.2f}")
    return text


def test_an_icbc_personal_statement_is_matched_to_open_notices_and_a_reimport_books_nothing_twice():
    app = harness()
    run = issued_run(app, "E1", "2026-11")
    by_unit = {n["unit_id"]: n for n in notices(app, run["run_id"])}
    text = _with_amounts(TEXT, by_unit)
    paid_before = len(app.events("payment.received"))

    def upload(data: bytes) -> dict:
        return app.command("import_bank_statement", {"estate": "E1", "filename": "明细查询文件下载.csv",
                                                     "content": base64.b64encode(data).decode()}, CASHIER)

    st = upload(text.encode("gbk"))
    assert (st["bank_format"], st["credit_lines"], st["new_lines"], st["matched_lines"], st["unmatched_lines"]) == \
        ("icbc_personal", 4, 4, 2, 2)
    by_payer = {x["payer_name"]: x for x in st["lines"]}
    assert {p: (x["state"], x["unit_id"]) for p, x in by_payer.items() if x["state"] == "matched"} == \
        {"王五": ("matched", "1-1-101"), "赵六": ("matched", "1-1-702")}
    assert {(x["amount"], x["reason"]) for x in st["lines"] if x["state"] == "unmatched"} == \
        {("2345.67", "no_candidate"), ("0.35", "no_candidate")}
    booked = app.events("payment.received")[paid_before:]
    assert sorted((e.payload["unit_id"], e.payload["method"], e.payload["amount"]) for e in booked) == \
        [("1-1-101", "bank", by_unit["1-1-101"]["amount"]), ("1-1-702", "bank", by_unit["1-1-702"]["amount"])]

    # the same statement again, as saved by a browser that wrote UTF-8 with a BOM: nothing twice
    again = upload(text.encode("utf-8-sig"))
    assert (again["new_lines"], again["repeated_lines"], again["matched_lines"], again["unmatched_lines"]) == \
        (0, 4, 0, 0)
    assert len(app.events("payment.received")) == paid_before + 2
