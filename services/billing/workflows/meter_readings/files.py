"""Reading a meter-reading file (抄表数据导入): CSV (UTF-8 with or without BOM, else GB18030, as
Chinese spreadsheets save it) or XLSX (openpyxl, read-only, values not formulas). The first row
names the columns, in Chinese or English, in any order:

==========  ==========================  =========
column      also called                 required
==========  ==========================  =========
unit_id     单元, 房号, unit             yes
meter       表类, 表计, 类型, meter      yes (water/electricity, 水/电)
reading     读数, 本月读数, reading      yes
period      月份, 期间, period           no (the import's period)
read_on     抄表日期, date               no (today)
==========  ==========================  =========

Rows whose every cell is empty are skipped. No I/O beyond the bytes given.
"""
from __future__ import annotations

import csv
import io
from datetime import date, datetime

from propdesk.errors import ValidationError

MAX_ROWS = 50_000

_HEADERS = {
    "unit_id": ("unit_id", "unit", "单元", "房号", "单元号"),
    "meter": ("meter", "表类", "表计", "类型", "meter_kind"),
    "reading": ("reading", "读数", "本月读数", "本期读数"),
    "period": ("period", "月份", "期间", "计费月份"),
    "read_on": ("read_on", "抄表日期", "date", "日期"),
}


def _column_of(header: str) -> str | None:
    name = str(header or "").strip().lower()
    return next((key for key, words in _HEADERS.items() if name in words), None)


def _rows_from(table: list[list]) -> list[dict]:
    if not table:
        raise ValidationError.one("content", "empty_file", "the file has no rows")
    columns = [_column_of(h) for h in table[0]]
    missing = [c for c in ("unit_id", "meter", "reading") if c not in columns]
    if missing:
        raise ValidationError.one("content", "missing_columns",
                                  "the first row must name the columns; missing: " + ", ".join(missing))
    rows = []
    for cells in table[1:]:
        if all(c is None or str(c).strip() == "" for c in cells):
            continue
        row = {}
        for key, value in zip(columns, cells):
            if key is None:
                continue
            if isinstance(value, datetime):
                value = value.date()
            elif isinstance(value, float) and key == "reading":
                value = repr(value)
            row[key] = value if isinstance(value, date) else (None if value is None else str(value).strip())
        rows.append(row)
        if len(rows) > MAX_ROWS:
            raise ValidationError.one("content", "too_many_rows", f"at most {MAX_ROWS} readings per file")
    return rows


def read_rows(filename: str, content: bytes) -> list[dict]:
    """The rows of the file as dicts of the known columns. ValidationError (filename,
    file_type) for another kind of file; (content, unreadable) for a file that does not read."""
    name = (filename or "").lower()
    if name.endswith(".csv"):
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = content.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise ValidationError.one("content", "unreadable", "the CSV is neither UTF-8 nor GB18030")
        return _rows_from([row for row in csv.reader(io.StringIO(text))])
    if name.endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises several kinds for a damaged file
            raise ValidationError.one("content", "unreadable", f"the XLSX file cannot be read: {type(exc).__name__}") from None
        try:
            sheet = book.worksheets[0]
            table = []
            for values in sheet.iter_rows(values_only=True):
                table.append(list(values))
                if len(table) > MAX_ROWS + 1:
                    raise ValidationError.one("content", "too_many_rows", f"at most {MAX_ROWS} readings per file")
        finally:
            book.close()
        return _rows_from(table)
    raise ValidationError.one("filename", "file_type", "a meter-reading file is .csv or .xlsx")
