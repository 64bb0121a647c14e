"""The API tokens' edge: creating and revoking one, the token a query is given, and what is shown.
The secret is dumped exactly once, in `CreatedApiTokenSchema`; a list never carries it."""
from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from propdesk import policy
from propdesk.chassis.edge import Flag, RecordId
from propdesk.contracts import rpc
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


# --- what is shown: the RPC result contracts (propdesk.contracts.rpc.staff) -----------------------
ApiTokenSchema = rpc.ApiTokenSchema
CreatedApiTokenSchema = rpc.CreatedApiTokenSchema
TokenIdentitySchema = rpc.TokenIdentitySchema
