"""API tokens' handlers (接口令牌): an admin creates and revokes tokens for other systems; the
gateway resolves a token to the identity it acts as.

Who may give a command is `propdesk.policy` (admin only, block "# staff: API tokens (admin)").
`create_api_token` answers the secret once and takes no idempotency key (`Command(keyless=True)`): the key's
stored result would keep the secret in clear.
"""
from __future__ import annotations

from sqlalchemy import select

from propdesk.errors import Conflict, NotFound
from propdesk_services.staff.workflows.api_tokens import domain
from propdesk_services.staff.workflows.api_tokens.models import ApiToken
from propdesk_services.staff.workflows.api_tokens.schemas import (ApiTokenSchema, CreatedApiTokenSchema,
                                                                  TokenIdentitySchema)

_TOKEN = ApiTokenSchema()
_CREATED = CreatedApiTokenSchema()
_IDENTITY = TokenIdentitySchema()


def _view(token: ApiToken, now) -> dict:
    return {"name": token.name, "id": domain.acting_id(token.name), "hint": token.hint, "roles": list(token.roles),
            "estates": list(token.estates), "state": domain.state(token.revoked_at, token.expires_at, now),
            "expires_at": token.expires_at, "created_at": token.created_at, "created_by": token.created_by,
            "revoked_at": token.revoked_at, "revoked_by": token.revoked_by}


# --- reading ------------------------------------------------------------------------------------------
def list_api_tokens(args: dict, reader) -> list[dict]:
    """API tokens by name, without their secrets; revoked ones only with `include_revoked`."""
    stmt = select(ApiToken).order_by(ApiToken.name)
    if not args["include_revoked"]:
        stmt = stmt.where(ApiToken.revoked_at.is_(None))
    now = reader.now()
    return [_TOKEN.dump(_view(t, now)) for t in reader.session.scalars(stmt)]


def possible_actions(name: str, reader) -> list[str]:
    """What may be done next to a token: revoke it unless it is revoked. NotFound (name, exists)."""
    token = reader.session.get(ApiToken, name.lower())
    if token is None:
        raise NotFound(f"no API token {name}", field="name", rule="exists")
    return [] if token.revoked_at is not None else ["revoke_api_token"]


def resolve_api_token(args: dict, reader) -> dict:
    """The identity a token acts as: ``{id: "token:<name>", name, roles, estates, expires_at}``.
    NotFound (token, token_invalid) for an unknown, revoked or expired token."""
    secret = args["token"]
    token = None
    if secret.startswith(domain.PREFIX):
        token = reader.session.scalars(select(ApiToken).where(ApiToken.token_hash == domain.token_digest(secret))).first()
    if token is None:
        raise NotFound("no such API token", field="token", rule="token_invalid")
    state = domain.state(token.revoked_at, token.expires_at, reader.now())
    if state != domain.ACTIVE:
        raise NotFound(f"API token {token.name} is {state}", field="token", rule="token_invalid")
    return _IDENTITY.dump({"id": domain.acting_id(token.name), "name": token.name, "roles": list(token.roles),
                           "estates": list(token.estates), "expires_at": token.expires_at})


# --- commands -----------------------------------------------------------------------------------------
def create_api_token(cmd, uow) -> dict:
    """Create an API token for another system (新建接口令牌): answers the secret (``pdt_...``) this
    ONCE, with the token as `list_api_tokens` shows it. ValidationError (name: required,
    name_format; roles; estates; expires_at: iso_datetime, in_future); Conflict (name, name_taken)
    for a name used before, revoked tokens included. Takes no idempotency key."""
    d, now = cmd.data, uow.now()
    name, roles, estates, expires_at = domain.validate_token_request(d["name"], d["roles"], d["estates"],
                                                                     d["expires_at"], now)
    if uow.session.get(ApiToken, name) is not None:
        raise Conflict(f"an API token named {name} exists or existed (names are never reused)",
                       field="name", rule="name_taken")
    secret = domain.new_secret()
    token = ApiToken(name=name, token_hash=domain.token_digest(secret), hint=domain.hint(secret), roles=roles,
                     estates=estates, expires_at=expires_at, created_at=now, created_by=cmd.actor.id,
                     revoked_at=None, revoked_by=None)
    uow.session.add(token)
    uow.session.flush()
    uow.audit("api_token.created", "api_token", name, {
        "roles": roles, "estates": estates, "hint": token.hint,
        "expires_at": expires_at.isoformat() if expires_at else None})
    return _CREATED.dump({**_view(token, now), "token": secret})


def revoke_api_token(cmd, uow) -> dict:
    """Revoke an API token (吊销): from now on it resolves to nobody. Revoking a revoked token changes
    nothing. NotFound (name, exists)."""
    now = uow.now()
    token = uow.session.get(ApiToken, cmd.data["name"].lower(), with_for_update=True)
    if token is None:
        raise NotFound(f"no API token {cmd.data['name']}", field="name", rule="exists")
    if token.revoked_at is None:
        token.revoked_at, token.revoked_by = now, cmd.actor.id
        uow.audit("api_token.revoked", "api_token", token.name, {"hint": token.hint})
    else:
        uow.audit("api_token.revoke_unchanged", "api_token", token.name, {"revoked_at": token.revoked_at.isoformat()})
    return _TOKEN.dump(_view(token, now))
