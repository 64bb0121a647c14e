"""What tickets answers over RPC (tickets: engineering's work orders (工程维修单) and repairs (报修)). See `propdesk.contracts.rpc`."""
from __future__ import annotations

from marshmallow import Schema, fields

from propdesk.contracts import vocab
from propdesk.contracts.rpc.common import UtcDateTime


class WorkOrderSchema(Schema):
    """The move-out inspection work order (工程维修单), with its breach notice (违约处理单) number
    while defects are open. `tickets.get_inspection`, `list_work_orders`, `record_inspection`."""

    work_order_no = fields.String()
    move_out_id = fields.String()
    unit_id = fields.String()
    estate = fields.String(allow_none=True, metadata={"description": "the unit's estate (管理处): a code of "
                                                                    "vocab.ESTATES"})
    status = fields.String(metadata={"enum": list(vocab.WORK_ORDER_STATUSES.codes)})
    defects = fields.List(fields.String())
    inspector = fields.String(allow_none=True, metadata={"description": "the engineer who recorded the result"})
    breach_notice_id = fields.String(allow_none=True,
                                     metadata={"description": "违约处理单, while status is defects_found"})
    supply_cut_at = UtcDateTime(allow_none=True, metadata={"description": "when engineering read the meters and "
                                                                           "cut the supply (抄表断水断电); null until then"})
    supply_cut_by = fields.String(allow_none=True)
    utilities_cut = fields.List(fields.String(), allow_none=True,
                                metadata={"description": "codes of vocab.UTILITIES (water, electricity, ac)"})
    final_readings = fields.List(fields.Dict(), allow_none=True,
                                 metadata={"description": "[{meter, reading, read_at}] as of the exit"})
    created_at = UtcDateTime()
    updated_at = UtcDateTime()


class RepairSchema(Schema):
    """A repair reported (报修) and who is responsible for it. `tickets.list_repairs`."""

    repair_id = fields.String()
    unit_id = fields.String(allow_none=True, metadata={"description": "null for common areas"})
    estate = fields.String(metadata={"description": "the estate (管理处) of the unit or common area"})
    location = fields.String()
    category = fields.String()
    responsible = fields.String()
    summary = fields.String()
    reported_on = fields.Date()
    status = fields.String()
