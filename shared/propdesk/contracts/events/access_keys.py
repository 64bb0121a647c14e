"""The events of access' key board (钥匙, domain.md §2.8; QR-006FW, QR-007FW): a key registered or
entrusted, lent, returned, given back to its owner, and a loan not back in time. Consumers come from
the subscription tables."""
from __future__ import annotations

from marshmallow import Schema, fields

from propdesk.contracts.events._fields import DeadlineBreach, Estate
from propdesk.contracts.registry import contract


@contract("key.registered", 1, producer="access")
class KeyRegisteredV1(Schema):
    """A key went on the board: a vacant unit's, or one an owner entrusted (kind "entrusted")."""

    key_id = fields.String(required=True)  # the key number (KY-yyyymmdd-nnnn)
    kind = fields.String(required=True)  # vocab.KEY_KINDS
    category = fields.String(required=True)  # vocab.KEY_CATEGORIES
    unit_id = fields.String(required=True)
    estate = Estate()
    custodian = fields.String(required=True)
    copies = fields.Integer(required=True)
    owner_name = fields.String(required=True, allow_none=True)


@contract("key.loaned", 1, producer="access")
class KeyLoanedV1(Schema):
    """A department borrowed a key (钥匙领用登记表)."""

    key_id = fields.String(required=True)
    loan_id = fields.String(required=True)  # KL-yyyymmdd-nnnn
    unit_id = fields.String(required=True)
    estate = Estate()
    kind = fields.String(required=True)
    borrower = fields.String(required=True)
    department = fields.String(required=True)  # vocab.KEY_BORROWER_DEPARTMENTS
    purpose = fields.String(required=True)
    out_at = fields.String(required=True)
    expected_back_at = fields.String(required=True)


@contract("key.returned", 1, producer="access")
class KeyReturnedV1(Schema):
    """The key came back and CS cancelled the register entry; `late` when after its expected time."""

    key_id = fields.String(required=True)
    loan_id = fields.String(required=True)
    unit_id = fields.String(required=True)
    estate = Estate()
    borrower = fields.String(required=True)
    department = fields.String(required=True)
    purpose = fields.String(required=True)
    out_at = fields.String(required=True)
    in_at = fields.String(required=True)
    late = fields.Boolean(required=True)


@contract("key.withdrawn", 1, producer="access")
class KeyWithdrawnV1(Schema):
    """An entrusted key was given back to its owner (the entrustment ends)."""

    key_id = fields.String(required=True)
    unit_id = fields.String(required=True)
    estate = Estate()
    owner_name = fields.String(required=True, allow_none=True)
    received_by = fields.String(required=True)
    withdrawn_at = fields.String(required=True)


@contract("key.loan_overdue", 1, producer="access")
class KeyLoanOverdueV1(DeadlineBreach):
    """A lent key was not back by its expected time (rule key.loan_return, wall-clock): the key's
    custodian and the CS supervisor are told."""
