"""The RPC result contracts: what each department's RPC methods answer, defined once.

The event contracts (`propdesk.contracts.events`) say what a department *announces*; these say what it *answers*
when asked. Each department dumps its results with the schemas here, and the gateway describes its
JSON API (`/api/openapi.json`) with the same classes, nesting them where it adds something of its
own (a unit's arrears, the case page with timeline, release, work order, messages and balance).
So a field added here reaches the service's answer and the document together, and the two cannot
drift apart.

Conventions, as on the bus: money is a string with two decimals (`Money`), dates are ISO 8601
(`fields.Date`), times are ISO 8601 with their offset (`UtcDateTime`; stored times are UTC). A
contract grows additively: consumers (the gateway, the desk page) ignore fields they do not know.

Only *shape* lives here. A value a department works out by its own rules is filled in by that
department: tickets derives a work order's breach notice number (违约处理单) in its
`schemas.WorkOrderSchema`, a subclass of the contract here; residents and access add what a case or
a hold still waits for (`waiting_for`) before dumping.

What stays out, on purpose: the *input* schemas. A command's input is checked twice, for different
things, so the gateway's and the department's schemas differ by design:

- the gateway (`services/gateway/schemas.py`) checks the shape a desk may send, strictly, before
  any RPC, and documents it: types, required fields, lengths, allowed values, unknown fields
  (`MoveOutRequestSchema`, `InspectionResultSchema`, `PaymentRequestSchema`, the query strings);
- the department (`services/<name>/schemas.py`) accepts the shape loosely and lets its domain judge
  the business rules, reporting every broken rule by its own name at once: residents'
  `MoveOutRequestSchema` takes every field as an optional string for
  `domain.validate_move_out_request` (leased unit, the unit's own tenant, owner's written consent,
  exit date not past, fit-out disposition; domain.md §2.6); billing's `RecordPaymentSchema` passes
  the amount through raw for `domain.validate_payment` (positive_amount, max_2_decimals, ...);
  tickets' `InspectionResultSchema` leaves "a passed inspection lists no defects" to its domain.
  Callers other than the gateway (the CLI, tests, another department) get the rule names, not just
  a type error.
"""
from __future__ import annotations

from propdesk.contracts.rpc.common import Money, UtcDateTime  # noqa: F401
from propdesk.contracts.rpc.residents import UnitSchema, UnitDetailSchema, ConflictNoteSchema, MoveOutSchema  # noqa: F401
from propdesk.contracts.rpc.tickets import WorkOrderSchema, RepairSchema  # noqa: F401
from propdesk.contracts.rpc.billing import OutstandingSchema, ChargeSchema, PaymentSchema, ClearanceSchema, BalanceSchema, PaymentResultSchema  # noqa: F401
from propdesk.contracts.rpc.access import ReleaseSlipSchema, ReleaseHoldSchema  # noqa: F401
from propdesk.contracts.rpc.notify import MessageSchema  # noqa: F401
from propdesk.contracts.rpc.reports import TimelineEntrySchema, RecentEventSchema, MoveOutCountsSchema  # noqa: F401
from propdesk.contracts.rpc.audit import AuditEntrySchema  # noqa: F401
from propdesk.contracts.rpc.staff import IdentitySchema, StaffSchema, SessionSchema, SignInResultSchema, SignedOutSchema, ApiTokenSchema, CreatedApiTokenSchema, TokenIdentitySchema  # noqa: F401
from propdesk.contracts.rpc.access import SLIP_STATUSES  # noqa: F401
from propdesk.contracts.rpc.notify import MESSAGE_STATUSES  # noqa: F401
from propdesk.contracts.rpc.tickets_repairs import RepairDetailSchema, RepairWorkOrderSchema, RepairProgressSchema, RepairPriceItemSchema  # noqa: F401
from propdesk.contracts.rpc.tickets_contacts import ContactSchema, FcrRateSchema  # noqa: F401
from propdesk.contracts.rpc.access_goods_release import ReleaseSlipDetailSchema, SlipTokenCheckSchema, SlipQrSchema, ReleaseKpiSchema  # noqa: F401
from propdesk.contracts.rpc.access_keys import KeySchema, KeyLoanSchema, KeyCountsSchema  # noqa: F401
from propdesk.contracts.rpc.tickets_complaints import ComplaintSchema  # noqa: F401
