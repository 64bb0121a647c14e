"""The gateway's marshmallow schemas.

Input schemas check the *shape* of what the desk sends (types, required fields, allowed values)
before any RPC, so malformed input never reaches a department; the business rules (is the unit
leased, is the exit date in the past, may a passed inspection list defects ...) stay with the
service that owns them. That is why they differ from the departments' own input schemas on
purpose (see `propdesk.contracts.rpc`).

Output schemas describe what each endpoint answers, for the OpenAPI document. What a department
answers is its RPC contract (`propdesk.contracts.rpc`), used here as it is; only what the gateway
adds is declared here (a unit's arrears, the lists, the case page, `unavailable`). The gateway
passes the departments' JSON through unchanged (their contracts grow additively, and a new field
should reach the desk without a gateway release).
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from marshmallow import EXCLUDE, Schema, fields, validate
from marshmallow import ValidationError as SchemaError

from propdesk.chassis.edge import ROLES
from propdesk.contracts import rpc
from propdesk.contracts.vocab import FEE_STATUSES, UTILITIES
from propdesk.money import CENT, money

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:\-]{0,63}$"
ID_RULE = "An id is letters, digits and . _ : - (at most 64), starting with a letter or digit."
FITOUT_DISPOSITIONS = ("restore", "leave_to_owner", "agreed_with_owner")
PAYMENT_METHODS = ("cash", "cheque", "bank")
#: The longest withdrawal reason residents keeps (its domain's MAX_REASON_LENGTH).
REASON_MAX_LEN = 500


def not_blank(value: str) -> None:
    if not value.strip():
        # worded so propdesk.chassis.edge names the rule "required"
        raise SchemaError("Missing data for required field (blank).")


def text(max_len: int, *, required: bool = True, **kw) -> fields.String:
    """A string that, when given, is not blank and at most `max_len` characters."""
    return fields.String(required=required, validate=[not_blank, validate.Length(max=max_len)], **kw)


class Money(fields.Field):
    """An amount in yuan: a JSON number or string with at most two decimals ("1234.50")."""

    #: billing keeps amounts as NUMERIC(12,2)
    LARGEST = Decimal("9999999999.99")

    default_error_messages = {
        "invalid": "Not a valid amount: give a number such as 1234.50.",
        "places": "Not a valid amount: at most two decimal places (元.角分).",
        "too_large": "Must be less than or equal to 9999999999.99 (what the fee ledger keeps).",
    }

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise self.make_error("invalid")
        try:
            amount = Decimal(str(value).strip())
        except InvalidOperation:
            raise self.make_error("invalid") from None
        if not amount.is_finite():
            raise self.make_error("invalid")
        if abs(amount) > self.LARGEST:  # checked first: quantizing 1e30 to cents overflows
            raise self.make_error("too_large")
        if amount.as_tuple().exponent < -2 and amount != amount.quantize(CENT):
            raise self.make_error("places")
        return amount

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else money(value)


class StrictBoolean(fields.Boolean):
    """JSON true or false only (not 1, "yes", "true")."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


# --- command bodies ---------------------------------------------------------------------------
class MoveOutRequestSchema(Schema):
    """A tenant move-out application (租户撤场审批表) with the owner's written consent."""

    unit_id = text(32, metadata={"example": "1-1-702"})
    tenant_party_id = text(64, metadata={"example": "TEN-1-1-702"})
    exit_date = fields.Date(required=True, metadata={"example": "2026-11-30"})
    owner_consent_ref = text(64, metadata={"description": "reference of the owner's written consent (客户书面同意)",
                                           "example": "OC-2026-118"})
    fitout_disposition = fields.String(required=True, validate=validate.OneOf(FITOUT_DISPOSITIONS),
                                       metadata={"description": "how the tenant's fit-out is treated"})


class InspectionResultSchema(Schema):
    """Engineering's move-out inspection (单元验收移交记录表)."""

    passed = StrictBoolean(required=True)
    defects = fields.List(text(200), load_default=list, validate=validate.Length(max=50),
                          metadata={"description": "defects found; empty when the inspection passed"})


class MeterReadingText(fields.Field):
    """A meter reading as engineering reads it: a JSON number or string (at most 20 characters),
    passed on as a string. Whether it is a reading at all (a number, not negative, at most two
    decimals, not larger than a meter shows) is tickets' rule (decimal, not_negative,
    max_2_decimals, too_large), named per row."""

    default_error_messages = {"invalid": "Not a valid reading: give a number such as 1234.5.",
                              "too_long": "Longer than maximum length 20."}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise self.make_error("invalid")
        text = value.strip() if isinstance(value, str) else str(value)
        if len(text) > 20:
            raise self.make_error("too_long")
        return text

    def _serialize(self, value, attr, obj, **kwargs):
        return value


class SupplyRowSchema(Schema):
    """One supply engineering cut at the exit and, for a metered one, its meter's final reading."""

    utility = fields.String(required=True, validate=validate.OneOf(UTILITIES.codes),
                            metadata={"description": "water | electricity | ac (水/电/空调)"})
    reading = MeterReadingText(load_default=None, allow_none=True, metadata={
        "type": "string", "example": "1234.5",
        "description": "the meter's final reading as of the exit: required for water and electricity (tickets' "
                       "rule supplies[i].reading/required), none for the A/C (not_metered)"})


class SupplyCutRequestSchema(Schema):
    """抄表并断水断电(停空调): the final meter readings as of the exit and the supplies cut
    (domain.md §2.6 METERS_READ_AND_CUT). Once per move-out: tickets answers 409 (move_out_id,
    supply_already_cut) after the first."""

    supplies = fields.List(fields.Nested(SupplyRowSchema), required=True,
                           validate=validate.Length(min=1, max=len(UTILITIES.codes)),
                           metadata={"description": "one row per supply cut, each utility once"})


class PaymentRequestSchema(Schema):
    """A payment taken at the counter or matched from the bank (开具收费票据)."""

    unit_id = text(32, metadata={"example": "1-1-702"})
    amount = Money(required=True, validate=validate.Range(min=Decimal("0"), min_inclusive=False,
                                                          error="Must be greater than 0."),
                   metadata={"example": "392.60"})
    method = fields.String(required=True, validate=validate.OneOf(PAYMENT_METHODS))
    receipt_no = text(40, metadata={"description": "receipt number (收费票据号)"})
    party_id = text(64, required=False, metadata={"description": "who paid, when not the unit's tenant"})


class WithdrawRequestSchema(Schema):
    """Why the move-out will not go on (撤回撤场申请); the case, in the path, must not have its
    release approved yet (residents' rule: 409 ``before_release_approval``)."""

    reason = text(REASON_MAX_LEN, metadata={"description": "why the application is withdrawn (撤回原因)",
                                            "example": "租户决定续租"})


class EmptyBodySchema(Schema):
    """No fields: the command needs nothing beyond the path and who is acting."""


# --- query strings ----------------------------------------------------------------------------
class UnitsQuerySchema(Schema):
    class Meta:
        unknown = EXCLUDE

    leased = fields.Boolean(load_default=False, metadata={"description": "1: only units with a tenant"})


class MoveOutsQuerySchema(Schema):
    class Meta:
        unknown = EXCLUDE

    state = fields.String(validate=validate.Regexp(r"^[A-Z_]{1,40}$", error="A state name is capitals and _, e.g. RELEASE_APPROVED."),
                          metadata={"description": "only cases in this state, e.g. RELEASE_APPROVED"})


class MessagesQuerySchema(Schema):
    class Meta:
        unknown = EXCLUDE

    correlation_id = fields.String(validate=validate.Regexp(ID_PATTERN, error=ID_RULE))
    recipient_role = fields.String(validate=validate.Length(max=40))
    status = fields.String(validate=validate.Length(max=40))


# --- outputs (documentation) ------------------------------------------------------------------
# What a department answers is its contract in propdesk.contracts.rpc, nested here as it is; the
# gateway declares only what it adds: the arrears beside a unit, the lists' envelopes, the case
# page, and the departments that did not answer.
class UnavailableSchema(Schema):
    """A department that did not answer; its part of the answer is missing."""

    service = fields.String()
    error = fields.String(metadata={"description": "timeout | unavailable | internal | ..."})
    message = fields.String()


class UnitWithArrearsSchema(rpc.UnitSchema):
    """A unit of the register (residents) with what it owes (billing)."""

    outstanding = rpc.Money(allow_none=True,
                            metadata={"description": "arrears from billing (欠费); null when billing did not answer"})


class UnitListSchema(Schema):
    units = fields.List(fields.Nested(UnitWithArrearsSchema))
    unavailable = fields.List(fields.Nested(UnavailableSchema),
                              metadata={"description": "departments that did not answer; their part is missing"})


class MoveOutListSchema(Schema):
    move_outs = fields.List(fields.Nested(rpc.MoveOutSchema))


class TimelineSchema(Schema):
    correlation_id = fields.String()
    events = fields.List(fields.Nested(rpc.TimelineEntrySchema))


class MessageListSchema(Schema):
    messages = fields.List(fields.Nested(rpc.MessageSchema))


class CaseDetailSchema(rpc.MoveOutSchema):
    """The case page: the move-out case (residents) with, beside it, what the other departments
    keep about it. A part whose department did not answer is empty and the department is named in
    `unavailable`; a part not opened yet (no hold before access heard of the case) is empty too."""

    fee_status = fields.String(
        validate=validate.OneOf(FEE_STATUSES.codes),
        metadata={"description": "what the fee check waits for, as the desk's case page says it (vocab.FEE_STATUSES): "
                                 "awaiting_meters (待抄表) before the supply cut, readings_held (抄表待复核) while a "
                                 "final reading of this move-out is held for review, pending (待财务核查) for the "
                                 "finance check; cleared / outstanding once billing answered, and `fees` as it is for "
                                 "a closed case. `fees` keeps residents' plain value (pending | cleared | outstanding)",
                  "example": "awaiting_meters"})
    timeline = fields.List(fields.Nested(rpc.TimelineEntrySchema))
    release = fields.Nested(rpc.ReleaseHoldSchema, allow_none=True)
    work_order = fields.Nested(rpc.WorkOrderSchema, allow_none=True)
    messages = fields.List(fields.Nested(rpc.MessageSchema))
    balance = fields.Nested(rpc.BalanceSchema, allow_none=True)
    unavailable = fields.List(fields.Nested(UnavailableSchema))


class PrincipalSchema(Schema):
    """Who is acting: the signed-in staff member, or the API token."""

    id = fields.String(metadata={"description": "the username, or token:<name> for an API token"})
    name = fields.String(metadata={"description": "the person's name (the token's name)"})
    roles = fields.List(fields.String(validate=validate.OneOf(sorted(ROLES))))
    estates = fields.List(fields.String())
    kind = fields.String(validate=validate.OneOf(("session", "token")))
    csrf_token = fields.String(allow_none=True, metadata={
        "description": "a session's CSRF token: send it as X-CSRF-Token with every command (null for a token)"})
    must_change_password = fields.Boolean(metadata={
        "description": "an administrator set this person's password: every command answers 403 (password, "
                       "must_change_password) until they choose their own at /password"})


class StaffListSchema(Schema):
    me = fields.Nested(PrincipalSchema)
    roles = fields.Dict(keys=fields.String(), values=fields.String())
    commands = fields.Dict(keys=fields.String(), values=fields.List(fields.String()),
                           metadata={"description": "role -> the commands it may give, e.g. "
                                                    "residents.withdraw_move_out (the policy table)"})


class ProblemSchema(Schema):
    field = fields.String(metadata={"description": "the field, query parameter or header at fault"})
    rule = fields.String(metadata={"description": "the rule it broke, e.g. required, one_of, type"})
    message = fields.String()


class ValidationErrorSchema(Schema):
    error = fields.String(metadata={"example": "validation"})
    problems = fields.List(fields.Nested(ProblemSchema))


class ErrorSchema(Schema):
    error = fields.String(metadata={"description": "unauthorized | forbidden | not_found | method_not_allowed | "
                                                   "conflict | too_large | unavailable | timeout | internal"})
    service = fields.String(metadata={"description": "the department that failed (503, 504, 500)"})
    message = fields.String()
    field = fields.String(metadata={"description": "401/403/404/405/409/413: the field, header or path part at "
                                                   "fault, e.g. _session, csrf_token, password, actor.role, "
                                                   "Idempotency-Key, _path, _method, _state, _body"})
    rule = fields.String(metadata={"description": "401/403/404/409/413: the rule it broke, e.g. sign_in_required, "
                                                  "csrf, must_change_password, role_not_allowed, "
                                                  "reused_with_different_request, exists, "
                                                  "state_allows, max_bytes"})
    limit_bytes = fields.Integer(metadata={"description": "413: the largest body accepted"})
