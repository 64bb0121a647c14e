"""What staff answers over RPC (who is acting: accounts, sessions, API tokens). See `propdesk.contracts.rpc`.

A password, a password hash or a token's hash is never in any of these. A secret token is in two
results only, each dumped exactly once: a new session's (`SignInResultSchema`) and a new API
token's (`CreatedApiTokenSchema`); the service keeps only their SHA-256.
"""
from __future__ import annotations

from marshmallow import Schema, fields

from propdesk.contracts.rpc.common import UtcDateTime


# --- accounts -------------------------------------------------------------------------------------
class IdentitySchema(Schema):
    """Who is acting: a signed-in staff member as the gateway needs them (never the hash)."""

    id = fields.String(required=True, metadata={"description": "the username: what actor.id carries"})
    username = fields.String(required=True)
    name = fields.String(required=True)
    department = fields.String(required=True)
    roles = fields.List(fields.String(), required=True)
    estates = fields.List(fields.String(), required=True)
    must_change_password = fields.Boolean(required=True, metadata={
        "description": "set by an admin's add or reset: the desk lets the person do nothing else until "
                       "they choose their own (staff.change_password)"})


class StaffSchema(IdentitySchema):
    """A staff account as an admin sees it in a list (phone masked, never the hash). `staff.list_staff`,
    `staff.get_staff`, and the admin commands' answers."""

    phone = fields.String(allow_none=True, metadata={"description": "masked: 138****0000"})
    active = fields.Boolean(required=True)
    password_changed_at = UtcDateTime(required=True)
    created_at = UtcDateTime(required=True)
    updated_at = UtcDateTime(required=True)
    disabled_at = UtcDateTime(allow_none=True)


# --- sessions -------------------------------------------------------------------------------------
class SessionSchema(Schema):
    """A valid session: who is signed in (roles and estates as they are now) and until when.
    `staff.resolve_session`, `staff.change_password`."""

    session_id = fields.String(required=True, metadata={"description": "not the token: safe to log"})
    staff = fields.Nested(IdentitySchema, required=True)
    expires_at = UtcDateTime(required=True, metadata={"description": "idle expiry, capped by the absolute one"})
    absolute_expires_at = UtcDateTime(required=True)


class SignInResultSchema(SessionSchema):
    """A new session: the token, shown this once (the service keeps only its SHA-256). `staff.sign_in`."""

    token = fields.String(required=True)


class SignedOutSchema(Schema):
    """A session ended by its owner. `staff.sign_out`."""

    signed_out = fields.Boolean(required=True)
    session_id = fields.String(required=True)
    username = fields.String(required=True)


# --- API tokens -----------------------------------------------------------------------------------
class ApiTokenSchema(Schema):
    """A token as an admin sees it in a list: never the secret, only its first characters.
    `staff.list_api_tokens`, `staff.revoke_api_token`."""

    name = fields.String(required=True)
    id = fields.String(required=True, metadata={"description": "what the token acts as: token:<name>"})
    hint = fields.String(required=True)
    roles = fields.List(fields.String(), required=True)
    estates = fields.List(fields.String(), required=True)
    state = fields.String(required=True, metadata={"choices": ("active", "revoked", "expired")})
    expires_at = UtcDateTime(allow_none=True)
    created_at = UtcDateTime(required=True)
    created_by = fields.String(required=True)
    revoked_at = UtcDateTime(allow_none=True)
    revoked_by = fields.String(allow_none=True)


class CreatedApiTokenSchema(ApiTokenSchema):
    """A new token: the secret, shown this once (the service keeps only its SHA-256). `staff.create_api_token`."""

    token = fields.String(required=True)


class TokenIdentitySchema(Schema):
    """Who is acting with a token: ``token:<name>``, the roles it may act as, its estates.
    `staff.resolve_api_token`."""

    id = fields.String(required=True)
    name = fields.String(required=True)
    roles = fields.List(fields.String(), required=True)
    estates = fields.List(fields.String(), required=True)
    expires_at = UtcDateTime(allow_none=True)
