"""API tokens (接口令牌) for other systems calling the JSON API, e.g. the owners' APP (issue #8 §1), pure.

An admin creates a token with a name, the roles it may act as (a subset of `propdesk.policy.ROLES`),
the estates it may act in (`vocab.ESTATES`) and, optionally, when it expires. The secret
(``pdt_`` + 32 random bytes, URL-safe) is answered ONCE; the service keeps its SHA-256 and a hint
(its first 8 characters, ``pdt_Ab3x``) so an admin can tell tokens apart in a list. A token acts as
``token:<name>`` (what ``actor.id`` carries and audit rows name), so names are never reused, even
after a revocation.

Rules (ValidationError names field and rule; every broken rule of a request at once; the limits are
inferred): name 2-48 characters, lowercase letters, digits, ``_ . -``, starting with a letter or
digit (name_format); roles (required, one_of); estates (required, one_of); expires_at optional, an
ISO 8601 time with its offset (iso_datetime) later than now (in_future).
"""
from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime

from propdesk.domain import as_utc, blank
from propdesk.errors import Problem, ValidationError
from propdesk_services.staff.workflows.accounts.domain import (estate_problems, ordered_estates, ordered_roles,
                                                               role_problems)

PREFIX = "pdt_"
HINT_LENGTH = 8
NAME = re.compile(r"[a-z0-9][a-z0-9_.\-]{1,47}")

ACTIVE = "active"
REVOKED = "revoked"
EXPIRED = "expired"


def new_secret() -> str:
    return PREFIX + secrets.token_urlsafe(32)


def token_digest(secret: str) -> str:
    """What is stored of a token: the SHA-256 of the secret, hex (256 random bits behind it)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def hint(secret: str) -> str:
    return secret[:HINT_LENGTH]


def acting_id(name: str) -> str:
    """What a token acts as: ``token:<name>``."""
    return f"token:{name}"


def _expiry(value, now: datetime) -> tuple[datetime | None, list[Problem]]:
    if blank(value):
        return None, []
    try:
        moment = datetime.fromisoformat(value.strip())
    except (ValueError, AttributeError):
        return None, [Problem("expires_at", "iso_datetime", "expires_at as an ISO 8601 time with its offset")]
    if moment.tzinfo is None:
        return None, [Problem("expires_at", "iso_datetime", "give the time's offset, e.g. 2027-01-01T00:00:00+08:00")]
    if as_utc(moment) <= as_utc(now):
        return None, [Problem("expires_at", "in_future", "a token's expiry is later than now")]
    return as_utc(moment), []


def validate_token_request(name, roles, estates, expires_at, now: datetime) -> tuple[str, list[str], list[str], datetime | None]:
    """(name, roles, estates, expires_at in UTC or None), or ValidationError listing every problem."""
    clean = name.strip().lower() if isinstance(name, str) else ""
    problems = []
    if not clean:
        problems.append(Problem("name", "required", "name the system the token is for"))
    elif not NAME.fullmatch(clean):
        problems.append(Problem("name", "name_format",
                                "a token name is 2-48 lowercase letters, digits, '_', '.' or '-'"))
    problems += role_problems(roles, api_token=True)
    problems += estate_problems(estates)
    expiry, more = _expiry(expires_at, now)
    problems += more
    if problems:
        raise ValidationError(problems)
    return clean, ordered_roles(roles), ordered_estates(estates), expiry


def state(revoked_at: datetime | None, expires_at: datetime | None, now: datetime) -> str:
    if revoked_at is not None:
        return REVOKED
    if expires_at is not None and as_utc(now) >= as_utc(expires_at):
        return EXPIRED
    return ACTIVE
