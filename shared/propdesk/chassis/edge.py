"""The edge of a service: who is acting, input checked against a schema, the problems named by
field and rule; marshmallow fields for RPC arguments (ids, filters, flags)."""
from __future__ import annotations

from marshmallow import Schema
from marshmallow import ValidationError as SchemaError

from propdesk import policy
from propdesk.contracts.envelope import Actor
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


def command_actor(actor) -> Actor:
    """The staff member behind a command: ``{"id": <1-64 characters>, "role": <a code of
    propdesk.policy.ROLES>}``; ValidationError naming ``actor``, ``actor.id`` or ``actor.role``
    otherwise. Whether the role may give the command is `propdesk.policy`'s to say."""
    if not isinstance(actor, dict):
        raise ValidationError.one("actor", "type", "who is acting is an object {id, role}")
    staff_id, role = actor.get("id"), actor.get("role")
    if not isinstance(staff_id, str) or not staff_id.strip():
        raise ValidationError.one("actor.id", "required", "who is acting must be given (a staff id)")
    if len(staff_id.strip()) > 64:
        raise ValidationError.one("actor.id", "length", "a staff id is at most 64 characters")
    if not isinstance(role, str) or role not in ROLES:
        raise ValidationError.one("actor.role", "one_of", f"role must be one of {', '.join(sorted(ROLES))}")
    return Actor(id=staff_id.strip(), role=role)


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
