"""The dunning notices' edge."""
from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from propdesk.chassis.edge import OptionalText, RecordId
from propdesk.contracts.rpc.common import UtcDateTime
from propdesk.contracts.vocab import DUNNING_NOTICE_STATES, ESTATES


def label(zh: str, en: str, **more) -> dict:
    return {"label": {"zh": zh, "en": en}, **more}


class ConfirmDunningDeliverySchema(Schema):
    """催款通知单送达签收: the client signed for the dunning notice."""

    class Meta:
        unknown = RAISE
        label = {"zh": "催款通知单送达签收", "en": "Confirm dunning delivery"}

    dunning_id = RecordId(max_len=40, metadata=label("催款通知单", "Dunning notice"))
    signed_by = fields.String(required=True, validate=validate.Length(min=1, max=64), metadata=label("签收人", "Signed by"))
    signed_at = fields.AwareDateTime(load_default=None, allow_none=True, metadata=label("签收时间", "Signed at"))


class DunningNoticeSchema(Schema):
    dunning_id = fields.String(metadata=label("编号", "Id"))
    dunning_no = fields.String(metadata=label("催款通知单号", "Dunning no."))
    unit_id = fields.String(metadata=label("单元", "Unit"))
    estate = fields.String(metadata=label("管理处", "Estate", vocab=ESTATES))
    period = fields.String(metadata=label("计费月份", "Period"))
    payer_party_id = fields.String(allow_none=True, metadata=label("缴费人", "Payer"))
    amount_due = fields.Decimal(places=2, as_string=True, metadata=label("欠费金额", "Amount due"))
    periods = fields.Method("_periods", metadata=label("欠费月份", "Months unpaid"))
    state = fields.String(metadata=label("状态", "State", vocab=DUNNING_NOTICE_STATES))
    issued_at = UtcDateTime(metadata=label("开具时间", "Issued at"))
    signed_by = fields.String(allow_none=True, metadata=label("签收人", "Signed by"))
    signed_at = UtcDateTime(allow_none=True, metadata=label("签收时间", "Signed at"))
    delivered_by = fields.String(allow_none=True, metadata=label("送达人", "Delivered by"))

    def _periods(self, row) -> list[str]:
        return [p for p in (row.periods or "").split(",") if p]


class DunningIdArgs(Schema):
    dunning_id = RecordId(max_len=40)


class ListDunningNoticesArgs(Schema):
    period = OptionalText(max_len=7, metadata=label("计费月份", "Period"))
    state = OptionalText(choices=DUNNING_NOTICE_STATES.codes, metadata=label("状态", "State"))
    unit_id = OptionalText(max_len=32, metadata=label("单元", "Unit"))
