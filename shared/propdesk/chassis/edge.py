"""The edge of a service: who is acting (and within which estates, from which address), input
checked against a schema, the problems named by field and rule; marshmallow fields for RPC
arguments (ids, filters, flags)."""
from __future__ import annotations

from dataclasses import dataclass

from marshmallow import Schema
from marshmallow import ValidationError as SchemaError

from propdesk import policy
from propdesk.contracts.envelope import Actor
from propdesk.contracts.vocab import ESTATES
from propdesk.errors import Problem, ValidationError

#: Staff roles (domain.md §1.1) as they appear in `actor.role`, with their labels: `propdesk.policy.ROLES`.
ROLES = {code: f"{zh} {en}" for code, (zh, en) in policy.ROLES.items()}


def problems_from_schema_error(err: SchemaError, prefix: str = "") -> list[Problem]:
    """Flatten marshmallow's nested messages into field/rule problems."""
    out: list[Problem] = []

    def walk(messages, path):
        if isinstance(messages, dict):
            for key, value in messages.items():
                walk(value, f"{path}.{key}" if path else str(key))
        elif isinstance(messages, list):
            for m in messages:
                if isinstance(m, (dict, list)):
                    walk(m, path)
                else:
                    out.append(Problem(path or "_schema", _rule(str(m)), str(m)))

    walk(err.messages, prefix)
    return out


def _rule(message: str) -> str:
    text = message.lower()
    if "missing data" in text or "required" in text:
        return "required"
    if "unknown field" in text:
        return "unknown_field"
    if "not a valid" in text:
        return "type"
    if "must be one of" in text:
        return "one_of"
    if "length" in text or "longer" in text or "shorter" in text:
        return "length"
    if "greater" in text or "less" in text or "range" in text:
        return "range"
    if "null" in text:
        return "not_null"
    return "invalid"


def load_or_reject(schema: Schema, data) -> dict:
    """`schema.load(data)`, raising a propdesk ValidationError that names each field and rule."""
    if not isinstance(data, dict):
        raise ValidationError.one("_body", "object", "expected a JSON object")
    try:
        return schema.load(data)
    except SchemaError as err:
        raise ValidationError(problems_from_schema_error(err)) from None


#: The longest client address kept (an IPv6 address with its zone fits).
MAX_ADDRESS_LENGTH = 64


@dataclass(frozen=True)
class Acting:
    """Who gives a command or asks a query, as the edge checked it: the staff member (`actor`),
    the estates (管理处, `vocab.ESTATES` codes) they work for, and the client's address.

    `estates` None means *not scoped*: a service acting on its own, another department's RPC, the
    CLI, a test. A tuple (possibly empty) scopes every read and write to those estates: a record of
    another estate answers exactly as if it were absent (`propdesk.chassis.estates`)."""

    actor: Actor
    estates: tuple[str, ...] | None = None
    address: str | None = None


def command_actor(actor) -> Acting:
    """The staff member behind a command: ``{"id": <1-64 characters>, "role": <a code of
    propdesk.policy.ROLES>, "estates": [<vocab.ESTATES codes>] (optional), "address": <the
    client's IP> (optional)}``; ValidationError naming ``actor``, ``actor.id``, ``actor.role``,
    ``actor.estates`` or ``actor.address`` otherwise. Whether the role may give the command is
    `propdesk.policy`'s to say. Without ``estates`` the command is not scoped (`Acting.estates`
    None): the gateway always passes the person's estates."""
    return _acting(actor, role_required=True)


def query_actor(actor) -> Acting | None:
    """Who asks a query (the keyword argument ``actor`` every query takes): None (a service or the
    CLI asking, not scoped), or the same shape as `command_actor`'s, the role optional."""
    if actor is None:
        return None
    return _acting(actor, role_required=False)


def _acting(actor, *, role_required: bool) -> Acting:
    if not isinstance(actor, dict):
        raise ValidationError.one("actor", "type", "who is acting is an object {id, role, estates, address}")
    staff_id, role = actor.get("id"), actor.get("role")
    if not isinstance(staff_id, str) or not staff_id.strip():
        raise ValidationError.one("actor.id", "required", "who is acting must be given (a staff id)")
    if len(staff_id.strip()) > 64:
        raise ValidationError.one("actor.id", "length", "a staff id is at most 64 characters")
    if (role_required or role is not None) and (not isinstance(role, str) or role not in ROLES):
        raise ValidationError.one("actor.role", "one_of", f"role must be one of {', '.join(sorted(ROLES))}")
    return Acting(Actor(id=staff_id.strip(), role=role), estates=_estates(actor.get("estates", None)),
                  address=_address(actor.get("address", None)))


def _estates(value) -> tuple[str, ...] | None:
    """None (not given: not scoped), or the codes given, each once, in the vocabulary's order."""
    if value is None:
        return None
    if not isinstance(value, (list, tuple)):
        raise ValidationError.one("actor.estates", "type", "estates are a list of estate codes")
    if len(value) > len(ESTATES.codes) * 4 or not all(isinstance(code, str) for code in value):
        raise ValidationError.one("actor.estates", "type", "estates are a list of estate codes")
    unknown = [code for code in value if code not in ESTATES]
    if unknown:
        raise ValidationError.one("actor.estates", "one_of",
                                  f"estates must be among {', '.join(ESTATES.codes)}")
    return tuple(code for code in ESTATES.codes if code in value)


def _address(value) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationError.one("actor.address", "type", "the client's address is a string")
    value = value.strip()
    if len(value) > MAX_ADDRESS_LENGTH:
        raise ValidationError.one("actor.address", "length",
                                  f"the client's address is at most {MAX_ADDRESS_LENGTH} characters")
    return value or None


# --- marshmallow fields for RPC arguments (ids, filters, flags) ----------------------------------
from marshmallow import ValidationError as _FieldError, fields as _fields, validate as _validate  # noqa: E402


def _not_blank(value: str) -> None:
    if not value.strip():
        raise _FieldError("A value is required, not blank.")


class RecordId(_fields.String):
    """An id an RPC is given (a unit, a move-out, a slip): a string, not blank, at most `max_len`
    characters, stripped. Rules: ``type``, ``required``, ``length`` (never a database error on a
    list or a dict, never a look-up of a 20 000-character id)."""

    def __init__(self, max_len: int = 64, **kwargs):
        kwargs.setdefault("required", True)
        super().__init__(validate=[_not_blank, _validate.Length(max=max_len)], **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).strip()


class OptionalText(_fields.String):
    """An optional filter argument (a state, a status): None, or a string of at most `max_len`,
    one of `choices` when given (rule ``one_of``)."""

    def __init__(self, max_len: int = 64, choices=None, **kwargs):
        checks = [_validate.Length(max=max_len)]
        if choices is not None:
            checks.append(_validate.OneOf(tuple(choices)))
        super().__init__(load_default=None, allow_none=True, validate=checks, **kwargs)


class Flag(_fields.Boolean):
    """A true/false argument: JSON true or false only (rule ``type``)."""

    def __init__(self, **kwargs):
        super().__init__(truthy={True}, falsy={False}, **kwargs)
