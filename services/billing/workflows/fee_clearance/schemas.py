"""The fee clearance's edge. It has no command or query of its own: it is started by an event
(``move_out.requested``, contract in `propdesk.contracts.events.residents`) and re-checked by a payment
(`payments.handlers.record_payment`). What it answers, the clearances a payment re-checked, is the
contract `propdesk.contracts.rpc.ClearanceSchema` inside `PaymentResultSchema`."""
from __future__ import annotations

from propdesk.contracts.rpc import ClearanceSchema

__all__ = ["ClearanceSchema"]
