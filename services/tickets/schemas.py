"""Marshmallow schemas of the tickets service: RPC inputs (validated at the edge) and outputs."""
from __future__ import annotations

from marshmallow import Schema, fields

from propdesk.chassis.db import aware
from propdesk_services.tickets import domain


class InspectionResultSchema(Schema):
    """What engineering records on the 单元验收移交记录表: passed, or the defects found."""

    passed = fields.Boolean(required=True)
    defects = fields.List(fields.String(), load_default=list)


def _iso(attr: str):
    return fields.Function(lambda row: aware(getattr(row, attr)).isoformat())


class WorkOrderSchema(Schema):
    """An inspection work order as the desk sees it, with its breach notice (违约处理单) number
    while defects are open."""

    work_order_no = fields.String()
    move_out_id = fields.String()
    unit_id = fields.String()
    status = fields.String()
    defects = fields.List(fields.String())
    inspector = fields.String(allow_none=True)
    breach_notice_id = fields.Function(
        lambda row: domain.breach_notice_no_for(row.work_order_no) if row.status == "defects_found" else None)
    created_at = _iso("created_at")
    updated_at = _iso("updated_at")


class RepairSchema(Schema):
    repair_id = fields.String()
    unit_id = fields.String(allow_none=True)
    location = fields.String()
    category = fields.String()
    responsible = fields.String()
    summary = fields.String()
    reported_on = fields.Date()
    status = fields.String()
