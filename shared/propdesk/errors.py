"""Errors that cross service boundaries.

A rejected command changes nothing and says which field broke which rule, so the desk can fix it.
`ValidationError` carries a list of ``{"field": ..., "rule": ..., "message": ...}`` problems; the
gateway turns it into HTTP 400 with that list as the body. nameko serialises remote exceptions by
class name and message, so the problems travel as JSON in the message (see `from_remote`).
"""
from __future__ import annotations

import json
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    field: str
    rule: str
    message: str

    def as_dict(self) -> dict:
        return {"field": self.field, "rule": self.rule, "message": self.message}


class PropdeskError(Exception):
    """Base class; subclasses map to one HTTP status in the gateway."""

    http_status = 500


class RuleError(PropdeskError):
    """A rejection that may name the field and the rule it broke beside its message.

    With a field, the message travels (nameko sends class name and ``str(exc)``) as JSON
    ``{"field", "rule", "message"}``; `from_message` reads either form back."""

    def __init__(self, message: str, *, field: str | None = None, rule: str | None = None):
        self.message, self.field, self.rule = message, field, rule
        if field is None:
            super().__init__(message)
        else:
            super().__init__(json.dumps({"field": field, "rule": rule or "invalid", "message": message},
                                        ensure_ascii=False))

    @classmethod
    def from_message(cls, value: str) -> "RuleError":
        """The error as raised remotely, from the message nameko carried."""
        try:
            data = json.loads(value)
            if isinstance(data, dict) and {"field", "rule", "message"} <= set(data):
                return cls(str(data["message"]), field=str(data["field"]), rule=str(data["rule"]))
        except ValueError:
            pass
        return cls(value)


class ValidationError(PropdeskError):
    """Bad input: nothing was changed. ``problems`` names each field and the rule it broke."""

    http_status = 400

    def __init__(self, problems: list[Problem] | Problem):
        if isinstance(problems, Problem):
            problems = [problems]
        self.problems = list(problems)
        super().__init__(json.dumps([p.as_dict() for p in self.problems], ensure_ascii=False))

    @classmethod
    def one(cls, field: str, rule: str, message: str) -> "ValidationError":
        return cls([Problem(field, rule, message)])


class Forbidden(RuleError):
    """The actor's role may not do this (domain.md §1: who may do what) (HTTP 403)."""

    http_status = 403


class NotFound(RuleError):
    """The named record does not exist (HTTP 404)."""

    http_status = 404


class Conflict(RuleError):
    """The command is valid but not allowed in the record's current state (HTTP 409)."""

    http_status = 409


BY_NAME = {cls.__name__: cls for cls in (ValidationError, Forbidden, NotFound, Conflict)}
