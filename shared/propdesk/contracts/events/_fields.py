"""Field types the event contracts share."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

MONEY = validate.Regexp(r"^-?\d+\.\d{2}$", error="money as a string with two decimals, e.g. 1234.50")


class Money(fields.String):
    """An amount in yuan as a string with two decimals ("1234.50")."""

    def __init__(self, **kwargs):
        super().__init__(validate=MONEY, **kwargs)


class Estate(fields.String):
    """The estate (管理处) a record belongs to: a code of `vocab.ESTATES`. Added to contracts in
    place, so optional: an event announced before estates were recorded carries none (None)."""

    def __init__(self, **kwargs):
        from propdesk.contracts.vocab import ESTATES

        if not kwargs.get("required"):  # Estate(required=True): a new contract that always names it
            kwargs.setdefault("load_default", None)
            kwargs.setdefault("allow_none", True)
        super().__init__(validate=validate.OneOf(ESTATES.codes), **kwargs)


class DeadlineBreach(Schema):
    """What every breach event carries (`propdesk.chassis.deadlines`): a time limit of domain.md §5
    passed unmet. Subclass it for each rule's event (``complaint.measures_overdue``, ...): notify
    tells the `responsible` person and the `escalate_to` role of every one."""

    rule = fields.String(required=True)
    record_type = fields.String(required=True)
    record_id = fields.String(required=True)
    due_at = fields.String(required=True)  # ISO 8601 with its offset
    responsible = fields.String(required=True, allow_none=True)  # a staff id
    escalate_to = fields.String(required=True, allow_none=True)  # a role code (propdesk.policy.ROLES)
    estate = Estate()
    summary = fields.String(load_default=None, allow_none=True)
