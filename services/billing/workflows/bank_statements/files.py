"""Reading a bank statement file (银行对账单 / 交易明细): CSV (UTF-8 with or without BOM, else
GB18030, as Chinese online banking saves it) or XLSX (openpyxl, read-only, values). Bank exports
start with a few lines about the account before the column headers: the header row is the first
row naming a date column and an amount column; the layout is recognised from its headers.

Layouts (columns by name, in any order; other columns are ignored). Which are checked against a
real export and which are not: docs/workflows/billing-payments.md §2 "Layouts".

============= =================================================================================
cmb           招商银行 企业网银 "交易明细" export: 交易日 (YYYYMMDD), 交易时间, 借方金额, 贷方金额, 余额,
              摘要, 用途, 流水号, 业务参考号, 收/付方名称 (or 收(付)方名称), 收/付方帐号 (or 收(付)方账号).
              NOT verified against a real export (column names as third-party importers read them)
icbc          中国工商银行 企业网银 "明细查询" export: 交易时间 (YYYY-MM-DD HH:MM:SS; or 交易日期, 日期),
              借方发生额 / 贷方发生额 (or 转出金额 / 转入金额), 对方单位名称 (or 对方户名, 对方单位), 对方账号,
              摘要, 用途, 附言, 凭证号. NOT verified against a real export (as cmb)
icbc_personal 中国工商银行 个人网银 "明细查询文件下载" (借记卡): preamble lines (明细查询文件下载, 卡号, 子账户序号),
              then 交易日期 (YYYY-MM-DD), 摘要, [交易详情], 交易场所, ..., 交易金额(收入), 交易金额(支出), 交易币种,
              记账金额(收入), 记账金额(支出), 记账币种, 余额, 对方户名, [对方账户]; cells padded with spaces and a
              trailing tab, "-" for empty, thousands separators, a "人民币合计" row at the end. A REAL layout:
              structure from deb-sig/double-entry-generator example/icbc/debit-v{1,2}/*.csv
cmb_personal  招商银行 个人 一卡通 "流水打印" (the app's statement PDF, as a CSV by deb-sig/bill-file-converter):
              记账日期 (YYYY-MM-DD), 货币 (CNY), 交易金额 (signed: money in positive), 联机余额, 交易摘要,
              对手信息 (the name with the account number appended), 客户摘要; the last two optional. A REAL
              layout: deb-sig/double-entry-generator example/cmb/debit/example-cmb-records.csv
generic       date / 日期, amount / 金额 (credits positive), payer / 付款人, account / 付款账号,
              reference / 摘要 / 附言, serial / 流水号
============= =================================================================================

A credit card's statement (ICBC's and CMB's, same sources) is refused by name: a card's repayments
are not fee payments into the office's account. Only credit lines (money received) are returned;
debit lines are counted. No I/O beyond the bytes.
"""
from __future__ import annotations

import base64
import binascii
import csv
import io
import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from propdesk.errors import ValidationError

MAX_ROWS = 20_000
#: How the summary rows some exports end with begin, in their date column ("合计金额", ICBC's
#: personal export's "人民币合计"): skipped, never read as a payment.
TOTAL_ROWS = ("合计", "总计", "Total", "人民币合计")
#: What a currency column must say: a statement is booked in yuan only.
YUAN = ("人民币", "CNY", "RMB", "156")

_COLUMNS = {
    "cmb": {"date": ("交易日",), "credit": ("贷方金额",), "debit": ("借方金额",),
            "payer": ("收/付方名称", "收(付)方名称"), "account": ("收/付方帐号", "收/付方账号", "收(付)方账号"),
            "reference": ("摘要", "用途", "业务参考号", "业务摘要", "其它摘要"), "serial": ("流水号",)},
    "icbc": {"date": ("交易时间", "交易日期", "日期"), "credit": ("贷方发生额", "贷方发生额(收入)", "转入金额"),
             "debit": ("借方发生额", "借方发生额(支出)", "转出金额"), "payer": ("对方单位名称", "对方户名", "对方单位"),
             "account": ("对方账号",), "reference": ("摘要", "用途", "附言", "个性化信息"), "serial": ("凭证号",)},
    "icbc_personal": {"date": ("交易日期",), "credit": ("记账金额(收入)",), "debit": ("记账金额(支出)",),
                      "payer": ("对方户名",), "account": ("对方账户",), "reference": ("摘要", "交易详情"),
                      "serial": (), "currency": ("记账币种",)},
    "cmb_personal": {"date": ("记账日期",), "credit": ("交易金额",), "debit": (), "payer": ("对手信息",),
                     "account": (), "reference": ("交易摘要", "客户摘要"), "serial": (), "currency": ("货币",)},
    "generic": {"date": ("date", "日期", "交易日期"), "credit": ("amount", "金额", "收入金额"), "debit": (),
                "payer": ("payer", "付款人", "付款人名称"), "account": ("account", "付款账号"),
                "reference": ("reference", "摘要", "附言", "备注"), "serial": ("serial", "流水号", "交易流水号")},
}


#: Layouts whose payer cell holds the name with the account number appended ("张三 6666…",
#: "国网电力有限公司9999…"): split into payer and account.
_NAME_AND_ACCOUNT = {"cmb_personal"}
_TRAILING_ACCOUNT = re.compile(r"^(.*?)\s*([0-9][0-9*]{7,})$")

#: Headers of a credit card's statement (all of them present): ICBC's 信用卡 "明细查询文件下载"
#: (交易日期, 记账日期, ..., 记账金额(收入), 记账金额(支出)) and CMB's 信用卡对账单 (交易日, 记账日,
#: 交易摘要, 人民币金额, 卡号末四位, 交易地金额): deb-sig/double-entry-generator example/{icbc,cmb}/credit.
_CARD_STATEMENTS = (("交易日期", "记账日期", "记账金额(收入)", "记账金额(支出)"),
                    ("交易日", "记账日", "人民币金额", "卡号末四位"))


def decode_content(content: str, encoding: str) -> bytes:
    """The file's bytes from the request: `encoding` "base64" (an XLSX, or a CSV kept as the bank
    saved it) or "text" (a CSV pasted or read as text)."""
    if encoding == "base64":
        try:
            return base64.b64decode(content, validate=True)
        except (binascii.Error, ValueError):
            raise ValidationError.one("content", "base64", "the content is not base64") from None
    return content.encode("utf-8")


def _table(filename: str, data: bytes) -> list[list]:
    name = (filename or "").lower()
    if name.endswith(".csv") or name.endswith(".txt"):
        for enc in ("utf-8-sig", "gb18030"):
            try:
                text = data.decode(enc)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise ValidationError.one("content", "unreadable", "the CSV is neither UTF-8 nor GB18030")
        return [[c.strip().lstrip("\t") for c in row] for row in csv.reader(io.StringIO(text))]
    if name.endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises several kinds for a damaged file
            raise ValidationError.one("content", "unreadable", f"the XLSX cannot be read: {type(exc).__name__}") from None
        try:
            table = []
            for values in book.worksheets[0].iter_rows(values_only=True):
                table.append(["" if v is None else v for v in values])
                if len(table) > MAX_ROWS + 50:
                    raise ValidationError.one("content", "too_many_rows", f"at most {MAX_ROWS} lines per statement")
            return table
        finally:
            book.close()
    raise ValidationError.one("filename", "file_type", "a bank statement is .csv or .xlsx")


def _layout(header: list) -> tuple[str, dict[str, list[int]]] | None:
    names = [str(h).strip() for h in header]
    if any(all(n in names for n in card) for card in _CARD_STATEMENTS):
        raise ValidationError.one("content", "credit_card",
                                  "a credit card statement is not the office's collection account: "
                                  "export the statement of the account the fees are paid into")
    for fmt, cols in _COLUMNS.items():
        where = {key: [names.index(w) for w in words if w in names] for key, words in cols.items()}
        lowered = [n.lower() for n in names]
        if fmt == "generic":
            where = {key: [lowered.index(w) for w in words if w in lowered] for key, words in cols.items()}
        where.setdefault("currency", [])
        if where["date"] and where["credit"]:
            return fmt, where
    return None


def _date(value) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    for fmt, n in (("%Y%m%d", 8), ("%Y-%m-%d", 10), ("%Y/%m/%d", 10), ("%Y.%m.%d", 10)):
        try:
            return datetime.strptime(text[:n], fmt).date()
        except ValueError:
            continue
    return None


def _amount(value) -> Decimal | None:
    if value is None or str(value).strip() in ("", "-"):
        return None
    try:
        return Decimal(str(value).replace(",", "").replace("¥", "").strip())
    except InvalidOperation:
        return None


def read_statement(filename: str, data: bytes) -> tuple[str, list[dict], int]:
    """(layout, credit lines [{value_date, amount, payer_name, payer_account, reference, serial, row}],
    debit lines skipped). ValidationError content/unknown_layout when no header row is recognised,
    content/bad_line naming the rows whose date or amount does not read, content/currency naming the
    credit rows a layout with a currency column books in another currency."""
    table = _table(filename, data)
    for i, row in enumerate(table[:30]):
        found = _layout(row)
        if found:
            fmt, where = found
            break
    else:
        raise ValidationError.one("content", "unknown_layout",
                                  "no header row with a date and a credit amount column in the first 30 rows "
                                  "(layouts: " + ", ".join(_COLUMNS) + ")")
    lines, debits, bad, foreign = [], 0, [], []

    def cell(cells, key):
        for idx in where[key]:
            if idx < len(cells) and str(cells[idx]).strip() not in ("", "None"):
                return str(cells[idx]).strip()
        return None

    def joined(cells, key):
        parts = [str(cells[idx]).strip() for idx in where[key] if idx < len(cells) and str(cells[idx]).strip()]
        return " ".join(parts) or None

    for n, cells in enumerate(table[i + 1:], start=i + 2):
        if all(str(c).strip() == "" for c in cells):
            continue
        raw_date = next((cells[idx] for idx in where["date"] if idx < len(cells)), "")
        if str(raw_date).strip().startswith(TOTAL_ROWS):
            continue
        credit = _amount(next((cells[idx] for idx in where["credit"] if idx < len(cells)), None))
        day = _date(raw_date)
        if credit is None or credit <= 0:
            debit = _amount(next((cells[idx] for idx in where["debit"] if idx < len(cells)), None)) if where["debit"] else None
            if day is not None and (debit is not None or (credit is not None and credit <= 0)):
                debits += 1
                continue
            bad.append(n)
            continue
        if day is None or credit != credit.quantize(Decimal("0.01")):
            bad.append(n)
            continue
        currency = cell(cells, "currency")
        if where["currency"] and currency not in YUAN:
            foreign.append(n)
            continue
        payer, account = cell(cells, "payer"), cell(cells, "account")
        if fmt in _NAME_AND_ACCOUNT and payer:
            split = _TRAILING_ACCOUNT.match(payer)
            payer, account = (split.group(1) or None, split.group(2)) if split else (payer, account)
        lines.append({"value_date": day, "amount": credit, "payer_name": payer, "payer_account": account,
                      "reference": joined(cells, "reference"), "serial": cell(cells, "serial"), "row": n})
        if len(lines) > MAX_ROWS:
            raise ValidationError.one("content", "too_many_rows", f"at most {MAX_ROWS} lines per statement")
    if bad:
        raise ValidationError.one("content", "bad_line", "rows whose date or amount does not read: "
                                  + ", ".join(map(str, bad[:20])))
    if foreign:
        raise ValidationError.one("content", "currency", "credit rows not booked in 人民币 (CNY): "
                                  + ", ".join(map(str, foreign[:20])))
    return fmt, lines, debits
