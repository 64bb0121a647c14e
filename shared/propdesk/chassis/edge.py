"""Helpers for the edge of a service: check who is acting, validate input, name the problems."""
from __future__ import annotations

from marshmallow import Schema
from marshmallow import ValidationError as SchemaError

from propdesk import policy
from propdesk.contracts.envelope import Actor
from propdesk.errors import Forbidden, Problem, ValidationError

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


def command_actor(actor, allowed_roles: set[str] | None = None) -> Actor:
    """The staff member behind a command; Forbidden when their role may not do it."""
    if not isinstance(actor, dict) or not str(actor.get("id", "")).strip():
        raise ValidationError.one("actor.id", "required", "who is acting must be given")
    role = str(actor.get("role", ""))
    if role not in ROLES:
        raise ValidationError.one("actor.role", "one_of", f"role must be one of {', '.join(sorted(ROLES))}")
    if allowed_roles is not None and role not in allowed_roles:
        raise Forbidden(f"role {role} may not do this; allowed: {', '.join(sorted(allowed_roles))}",
                        field="actor.role", rule="role_not_allowed")
    return Actor(id=str(actor["id"]).strip(), role=role)


def record_id(name: str, value, max_len: int = 64) -> str:
    """An id an RPC was given (a unit, a move-out, a slip): a string, not blank, at most `max_len`
    characters; ValidationError naming `name` otherwise (never a database error on a list or a
    dict, never a look-up of a 20 000-character id)."""
    if not isinstance(value, str):
        raise ValidationError.one(name, "type", f"{name} is a string")
    value = value.strip()
    if not value:
        raise ValidationError.one(name, "required", f"give the {name}")
    if len(value) > max_len:
        raise ValidationError.one(name, "length", f"{name} is at most {max_len} characters")
    return value


def optional_text(name: str, value, max_len: int = 64) -> str | None:
    """An optional filter argument (a state, a status): None, or a string of at most `max_len`."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationError.one(name, "type", f"{name} is a string")
    if len(value) > max_len:
        raise ValidationError.one(name, "length", f"{name} is at most {max_len} characters")
    return value


def flag(name: str, value) -> bool:
    """A true/false argument: JSON true or false only."""
    if not isinstance(value, bool):
        raise ValidationError.one(name, "type", f"{name} is true or false")
    return value


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
