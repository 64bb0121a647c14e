"""The move-out's edge: what its commands and queries may carry (marshmallow).

The command schemas check only the *shape* (known keys, strings, lengths): the rules of a move-out
application (leased unit, the unit's own tenant, the owner's written consent, the exit date, the
fit-out disposition) are `domain.validate_move_out_request`'s, which reports every broken rule at
once with the rule names of domain.md §2.6. Labels (zh-CN, en) are for the desk's forms.

What the desk is shown (the case) is a contract shared with the gateway: `propdesk.contracts.rpc`.
"""
from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from propdesk.chassis.edge import OptionalText, RecordId
from propdesk.contracts.vocab import FITOUT_DISPOSITIONS, MOVE_OUT_STATES
from propdesk_services.residents.workflows.move_out.domain import MAX_REASON_LENGTH


def label(zh: str, en: str) -> dict:
    return {"label": {"zh": zh, "en": en}}


class MoveOutRequestSchema(Schema):
    """租户撤场申请: the tenant's written application, approved in writing by the owner."""

    class Meta:
        unknown = RAISE

    unit_id = fields.String(load_default=None, allow_none=True, metadata=label("单元", "Unit"))
    tenant_party_id = fields.String(load_default=None, allow_none=True, metadata=label("租户", "Tenant"))
    exit_date = fields.String(load_default=None, allow_none=True,  # ISO date; the domain parses it
                              metadata={**label("撤场日期", "Exit date"), "format": "date"})
    owner_consent_ref = fields.String(load_default=None, allow_none=True,
                                      metadata=label("客户书面同意文号", "Owner's written consent ref."))
    fitout_disposition = fields.String(load_default=None, allow_none=True,
                                       metadata={**label("装修处理意见", "Fit-out disposition"),
                                                 "choices": FITOUT_DISPOSITIONS.codes})


class WithdrawMoveOutSchema(Schema):
    """撤回撤场申请: why the application will not go on."""

    class Meta:
        unknown = RAISE

    move_out_id = RecordId(metadata=label("撤场编号", "Move-out no."))
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=MAX_REASON_LENGTH * 2),
                           metadata=label("撤回原因", "Reason"))


class ArchiveMoveOutSchema(Schema):
    """归档: every exit document filed and the exit reported to the owner."""

    class Meta:
        unknown = RAISE

    move_out_id = RecordId(metadata=label("撤场编号", "Move-out no."))


# --- query arguments ------------------------------------------------------------------------------
class MoveOutIdArgs(Schema):
    move_out_id = RecordId()


class ListMoveOutsArgs(Schema):
    state = OptionalText(choices=MOVE_OUT_STATES.codes)
