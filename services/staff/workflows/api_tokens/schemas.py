"""The API tokens' edge: creating and revoking one, the token a query is given, and what is shown.
The secret is dumped exactly once, in `CreatedApiTokenSchema`; a list never carries it."""
from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from propdesk import policy
from propdesk.chassis.edge import Flag, RecordId
from propdesk.contracts.rpc import UtcDateTime
from propdesk.contracts.vocab import ESTATES
from propdesk_services.staff.workflows.accounts.schemas import codes, label, text
from propdesk_services.staff.workflows.sessions.schemas import TOKEN_MAX_LENGTH


class CreateApiTokenSchema(Schema):
    """新建接口令牌: for another system (the owners' APP), the roles it may act as, where, how long."""

    class Meta:
        unknown = RAISE

    name = text("名称", "Name", 64)
    roles = codes("可用角色", "Roles it may act as", policy.ROLES)
    estates = codes("管理处", "Estates", ESTATES.codes)
    expires_at = text("失效时间", "Expires at", 64, format="date-time")


class RevokeApiTokenSchema(Schema):
    """吊销接口令牌."""

    class Meta:
        unknown = RAISE

    name = RecordId(max_len=64, metadata=label("名称", "Name"))


# --- query arguments ------------------------------------------------------------------------------
class ListApiTokensArgs(Schema):
    include_revoked = Flag(load_default=False)


class ApiTokenArgs(Schema):
    token = fields.String(required=True, validate=validate.Length(min=1, max=TOKEN_MAX_LENGTH))


# --- what is shown ------------------------------------------------------------------------------------
class ApiTokenSchema(Schema):
    """A token as an admin sees it in a list: never the secret, only its first characters."""

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
    """A new token: the secret, shown this once (the service keeps only its SHA-256)."""

    token = fields.String(required=True)


class TokenIdentitySchema(Schema):
    """Who is acting with a token: ``token:<name>``, the roles it may act as, its estates."""

    id = fields.String(required=True)
    name = fields.String(required=True)
    roles = fields.List(fields.String(), required=True)
    estates = fields.List(fields.String(), required=True)
    expires_at = UtcDateTime(allow_none=True)
