"""The extra charges' edge."""
from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from propdesk.chassis.edge import RecordId


def label(zh: str, en: str, **more) -> dict:
    return {"label": {"zh": zh, "en": en}, **more}


class AddOneOffChargeSchema(Schema):
    """一次性收费: a fee outside the schedules charged to a unit (e.g. a replacement access card)."""

    class Meta:
        unknown = RAISE
        label = {"zh": "一次性收费", "en": "Add a one-off fee"}

    unit_id = RecordId(max_len=32, metadata=label("单元", "Unit"))
    amount = fields.Raw(required=True, metadata=label("金额", "Amount", format="decimal"))
    description = fields.String(required=True, validate=validate.Length(max=200), metadata=label("收费内容", "What for"))
    period = fields.String(load_default=None, allow_none=True, metadata=label("计费月份", "Period (YYYY-MM)"))
