"""Marshmallow schemas of the tickets service: RPC inputs (validated at the edge), and the work
order contract filled in by tickets' rule.

What tickets answers is defined once in `propdesk.contracts.rpc` (`WorkOrderSchema`,
`RepairSchema`), shared with the gateway's OpenAPI document.
"""
from __future__ import annotations

from marshmallow import Schema, fields

from propdesk.contracts import rpc
from propdesk_services.tickets import domain


class InspectionResultSchema(Schema):
    """What engineering records on the 单元验收移交记录表: passed, or the defects found."""

    passed = fields.Boolean(required=True)
    defects = fields.List(fields.String(), load_default=list)


class WorkOrderSchema(rpc.WorkOrderSchema):
    """`rpc.WorkOrderSchema` dumped from an `InspectionWorkOrder` row: the breach notice (违约处理单)
    number is derived from the work order number by tickets' rule, while defects are open."""

    breach_notice_id = fields.Function(
        lambda row: domain.breach_notice_no_for(row.work_order_no) if row.status == "defects_found" else None)
