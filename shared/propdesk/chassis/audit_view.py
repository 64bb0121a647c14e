"""The audit trail, readable (issue #8 §1): ``list_audit``, a query every department answers.

Every service keeps its `audit_log` rows (chassis `AuditRow`, chained by hash: `audit_chain`) in its
own database. The chassis registers this query beside ``describe_commands`` (`workflow.queries_of`),
so each department answers it with no line of its own, and the desk merges the answers of every
department it discovers (gateway ``/audit``):

    list_audit(actor_id=None, action=None, object_type=None, object_id=None, correlation_id=None,
               since=None, until=None, limit=100, before_id=None)

- filters, all optional and combined: who acted (``actor_id``: a username, ``token:<name>``, a
  service), what they did (``action``: exact, or a prefix ending in ``*``, e.g. ``staff.*``), which
  record (``object_type``, ``object_id``), which business case (``correlation_id``), and when
  (``since`` inclusive, ``until`` exclusive: ISO 8601 times, UTC when they carry no offset);
- newest first (the chain's order), ``limit`` rows at most (1..500, default 100); the next page
  is ``before_id`` = the last row's ``id``;
- each row as `propdesk.contracts.rpc.AuditEntrySchema`: personal numbers masked in its details
  (and ids) whatever was stored (`propdesk.privacy.mask`), and ``address``: where the request came
  from when the row records it (``details["from"]`` when that is an IP address, as the chassis
  writes the acting client's; ``details["address"]``, as staff's sign-in rows have it).

Whose rows: a person reads the rows of the estates they work for (``estate``, recorded by the unit
of work); a row no estate is known for (a sign-in of someone who works for several) only someone
who works for every estate reads.

Who may read it: `propdesk.policy.READS["list_audit"]` (CS manager, director, admin). When the
caller says who asks (the ``actor`` every query may be given: the gateway passes the person), any
other role is Forbidden (``actor.role`` / ``role_not_allowed``); a caller that does not (another
service, the CLI) is trusted, as every RPC between the services is.
"""
from __future__ import annotations

import ipaddress
import json
from datetime import timezone

from marshmallow import Schema, ValidationError as SchemaError, fields, validate, validates_schema
from sqlalchemy import select

from propdesk import policy
from propdesk.chassis.edge import OptionalText
from propdesk.chassis.tables import AuditRow
from propdesk.contracts.rpc.audit import AuditEntrySchema
from propdesk.privacy import mask, mask_text

QUERY = "list_audit"
DEFAULT_LIMIT = 100
MAX_LIMIT = 500
_ENTRY = AuditEntrySchema()


class UtcTime(fields.AwareDateTime):
    """An optional ISO 8601 time; one without an offset is UTC. Loaded as an aware UTC datetime."""

    def __init__(self, **kwargs):
        super().__init__(default_timezone=timezone.utc, load_default=None, allow_none=True, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str) and len(value) > 64:
            raise SchemaError("Not a valid datetime.")
        moment = super()._deserialize(value, attr, data, **kwargs)
        try:
            return moment.astimezone(timezone.utc)
        except (OverflowError, ValueError):  # year 1 at +14:00, year 9999 at -12:00
            raise SchemaError("Not a valid datetime.") from None


class AuditArgs(Schema):
    actor_id = OptionalText(max_len=64)
    action = OptionalText(max_len=128)
    object_type = OptionalText(max_len=64)
    object_id = OptionalText(max_len=64)
    correlation_id = OptionalText(max_len=64)
    since = UtcTime()
    until = UtcTime()
    limit = fields.Integer(strict=True, load_default=DEFAULT_LIMIT, validate=validate.Range(min=1, max=MAX_LIMIT))
    before_id = fields.Integer(strict=True, load_default=None, allow_none=True,
                               validate=validate.Range(min=1, max=2**62))  # the database's integers

    @validates_schema
    def _an_order_of_times(self, data, **kwargs):
        if data.get("since") and data.get("until") and data["until"] <= data["since"]:
            raise SchemaError("An empty time range: until must be after since.", "until")


def list_audit_query(service: str):
    """The ``list_audit`` row of `service`'s queries (see the module doc)."""
    from propdesk.chassis.workflow import Query

    def list_audit(args: dict, reader) -> list[dict]:
        """The audit trail of this department (who did what to which record, when, from where),
        newest first, filtered and paged (chassis/audit_view.py); only a CS manager, director or
        admin may read it when the caller says who asks."""
        role = asking_role(args, reader)
        if role is not _NOT_SAID:
            policy.check_read(role, QUERY)
        rows = reader.session.scalars(statement(args, reader.estates)).all()
        return [_ENTRY.dump(entry(service, row)) for row in rows]

    return Query(list_audit, AuditArgs)


def statement(args: dict, estates=None):
    """The SELECT of `AuditRow`s the arguments ask for, newest first; within `estates` (those the
    person asking works for; None: not scoped): a row of another estate is not there for them, and
    a row no estate is known for only for someone who works for every estate."""
    stmt = select(AuditRow)
    if estates is not None:
        from propdesk.contracts.vocab import ESTATES

        if set(ESTATES.codes) <= set(estates):
            stmt = stmt.where(AuditRow.estate.in_(tuple(estates)) | AuditRow.estate.is_(None))
        else:
            stmt = stmt.where(AuditRow.estate.in_(tuple(estates)))
    for name in ("actor_id", "object_type", "object_id", "correlation_id"):
        if args.get(name) is not None:
            stmt = stmt.where(getattr(AuditRow, name) == args[name])
    action = args.get("action")
    if action is not None:
        if action.endswith("*"):
            stmt = stmt.where(AuditRow.action.startswith(action[:-1], autoescape=True))
        else:
            stmt = stmt.where(AuditRow.action == action)
    if args.get("since") is not None:
        stmt = stmt.where(AuditRow.at >= args["since"])
    if args.get("until") is not None:
        stmt = stmt.where(AuditRow.at < args["until"])
    if args.get("before_id") is not None:
        stmt = stmt.where(AuditRow.id < args["before_id"])
    return stmt.order_by(AuditRow.id.desc()).limit(args.get("limit") or DEFAULT_LIMIT)


def entry(service: str, row: AuditRow) -> dict:
    details = _details(row.details)
    return {"service": service, "id": row.id, "at": row.at, "actor": {"id": row.actor_id, "role": row.actor_role},
            "action": row.action, "object_type": row.object_type, "object_id": mask_text(row.object_id),
            "correlation_id": mask_text(row.correlation_id) if row.correlation_id else None,
            "details": mask(details), "address": address_of(details), "estate": row.estate}


def _details(text: str | None) -> dict:
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {"_text": text}
    return value if isinstance(value, dict) else {"_value": value}


def address_of(details: dict) -> str | None:
    """Where the request came from, when the row says: ``details["from"]`` when it is an IP
    address (elsewhere ``from`` is a state a record left, e.g. residents' ``move_out.*`` rows), else
    ``details["address"]`` (staff's sign-in and sign-out rows)."""
    for key in ("from", "address"):
        value = details.get(key)
        if isinstance(value, dict):
            value = value.get("address")
        if isinstance(value, str) and _is_ip(value):
            return value.strip()
    return None


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value.strip().split("%", 1)[0])
    except ValueError:
        return False
    return True


class _NotSaid:
    def __repr__(self) -> str:
        return "<nobody said who asks>"


_NOT_SAID = _NotSaid()


def asking_role(args: dict, reader):
    """The role of who asks, when the caller said (the ``actor`` a query may be given, on the
    reader as the chassis hands it over, or among the arguments), else `_NOT_SAID`."""
    who = args.get("actor") if isinstance(args, dict) else None
    if who is None:
        who = getattr(reader, "actor", None)
    if who is None:
        who = getattr(reader, "acting", None)
    if who is None:
        return _NOT_SAID
    if isinstance(who, dict):
        return who.get("role")
    return getattr(getattr(who, "actor", who), "role", None)
