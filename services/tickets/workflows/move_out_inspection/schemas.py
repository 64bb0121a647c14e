"""The move-out inspection's edge: what its command and queries may carry (marshmallow), and the
work order as the desk is shown it.

The command schema checks only the *shape* (known keys, types): "a failed inspection lists its
defects", "a passed one lists none", "no blank defect" are `domain.record_result`'s rules, which
report every broken rule at once by name. Labels (zh-CN, en) are for the desk's forms.

What tickets answers is defined once in `propdesk.contracts.rpc.WorkOrderSchema`, shared with the
gateway's OpenAPI document; `WorkOrderSchema` here fills in the breach notice by tickets' rule.
"""
from __future__ import annotations

from marshmallow import RAISE, Schema, fields

from propdesk.chassis.edge import OptionalText, RecordId
from propdesk.contracts import rpc
from propdesk.contracts.vocab import UTILITIES, WORK_ORDER_STATUSES
from propdesk_services.tickets.workflows.move_out_inspection import domain


def label(zh: str, en: str) -> dict:
    return {"label": {"zh": zh, "en": en}}


class InspectionRequestSchema(Schema):
    """单元验收移交记录表: the move-out's inspection passed, or the defects found."""

    class Meta:
        unknown = RAISE

    move_out_id = RecordId(metadata=label("撤场编号", "Move-out no."))
    passed = fields.Boolean(required=True, metadata=label("验收通过", "Passed"))
    defects = fields.List(fields.String(), load_default=list, metadata=label("发现的问题", "Defects found"))


class SupplyRowSchema(Schema):
    """One supply cut and, for a metered one, its meter's final reading."""

    class Meta:
        unknown = RAISE

    utility = fields.String(required=True, metadata={**label("切断的供应", "Supply cut"), "vocab": UTILITIES})
    reading = fields.String(load_default=None, allow_none=True,
                            metadata=label("终读数(水表/电表)", "Final reading (water/electricity meter)"))


class SupplyCutRequestSchema(Schema):
    """抄表断水断电: the final meter readings as of the exit and the supplies cut (§2.6)."""

    class Meta:
        unknown = RAISE
        label = {"zh": "抄表并断水断电(停空调)", "en": "Read the meters and cut the supply"}

    move_out_id = RecordId(metadata=label("撤场编号", "Move-out no."))
    supplies = fields.List(fields.Nested(SupplyRowSchema), required=True,
                           metadata=label("断水断电停空调及终读数", "Supplies cut and final readings"))


class WorkOrderSchema(rpc.WorkOrderSchema):
    """`rpc.WorkOrderSchema` dumped from an `InspectionWorkOrder` row: the breach notice (违约处理单)
    number is derived from the work order number by tickets' rule, while defects are open."""

    breach_notice_id = fields.Function(domain.breach_notice_of)


# --- query arguments ------------------------------------------------------------------------------
class MoveOutIdArgs(Schema):
    move_out_id = RecordId()


class ListWorkOrdersArgs(Schema):
    status = OptionalText(choices=WORK_ORDER_STATUSES.codes)
