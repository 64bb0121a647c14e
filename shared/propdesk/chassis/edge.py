"""Helpers for the edge of a service: check who is acting, validate input, name the problems."""
from __future__ import annotations

from marshmallow import Schema
from marshmallow import ValidationError as SchemaError

from propdesk.contracts.envelope import Actor
from propdesk.errors import Forbidden, Problem, ValidationError

#: Staff roles (domain.md §1.1), as they appear in `actor.role`.
ROLES = {
    "front_desk": "前台 front desk",
    "cs_assistant": "客服助理 CS assistant",
    "cs_supervisor": "客服主管 CS supervisor",
    "cs_manager": "客服部经理 CS manager",
    "engineering": "工程部 engineering",
    "finance": "财务部 finance",
    "security": "保安部 security",
}


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
