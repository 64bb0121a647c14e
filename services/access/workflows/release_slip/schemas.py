"""The release slip's edge: what its command and queries may carry (marshmallow), and the hold
as access answers it.

What access answers (the release slip, the held release) is a contract shared with the gateway's
OpenAPI document: `propdesk.contracts.rpc`. Labels (zh-CN, en) are for the desk's forms.
"""
from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from propdesk.chassis.edge import OptionalText, RecordId
from propdesk.contracts.vocab import SLIP_STATUSES


def label(zh: str, en: str) -> dict:
    return {"label": {"zh": zh, "en": en}}


class ReleaseAtGateSchema(Schema):
    """物品放行: Security checked the goods against this slip at the gate and lets them out."""

    class Meta:
        unknown = RAISE

    slip_no = fields.String(required=True, validate=validate.Length(min=1, max=32),
                            metadata=label("放行条编号", "Release slip no."))
    #: the lines of large or valuable goods the guard checked and logged (each is, before release)
    checked_items = fields.List(fields.Integer(strict=True), load_default=list,
                                validate=validate.Length(max=50),
                                metadata=label("已核对的大件/贵重物品序号", "Large/valuable lines checked"))


# --- query arguments ------------------------------------------------------------------------------
class MoveOutIdArgs(Schema):
    move_out_id = RecordId()


class ListReleaseSlipsArgs(Schema):
    status = OptionalText(choices=SLIP_STATUSES.codes)
