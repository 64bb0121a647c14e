"""The arrears reports' arguments."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from propdesk.chassis.edge import OptionalText


def label(zh: str, en: str) -> dict:
    return {"label": {"zh": zh, "en": en}}


_PERIOD = r"^\d{4}-(0[1-9]|1[0-2])$"


class ArrearsDetailArgs(Schema):
    period = fields.String(load_default=None, allow_none=True, validate=validate.Regexp(_PERIOD), metadata=label("截至月份", "Up to period"))
    as_of = fields.Date(load_default=None, allow_none=True, metadata=label("账龄计算日", "Age as of"))
    unit_id = OptionalText(max_len=32, metadata=label("单元", "Unit"))


class PeriodArgs(Schema):
    period = fields.String(required=True, validate=validate.Regexp(_PERIOD), metadata=label("月份", "Period"))


class ExportArgs(Schema):
    period = fields.String(load_default=None, allow_none=True, validate=validate.Regexp(_PERIOD), metadata=label("月份", "Period"))
    as_of = fields.Date(load_default=None, allow_none=True, metadata=label("账龄计算日", "Age as of"))
