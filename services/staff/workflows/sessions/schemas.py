"""The sessions' edge: sign-in, sign-out, a password change, the token a query is given, and what
they answer. Passwords and tokens are `load_only` on the way in; a token is dumped exactly once,
in `SignInResultSchema` (the result contracts are `propdesk.contracts.rpc.staff`'s). The client's address and user agent are for the audit trail (cut to
`domain.MAX_ADDRESS_LENGTH` / `MAX_USER_AGENT_LENGTH`, never refused for their length)."""
from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from propdesk.contracts import rpc
from propdesk_services.staff.workflows.accounts.schemas import label

TOKEN_MAX_LENGTH = 128


def secret(zh: str, en: str, max_len: int = 1024) -> fields.String:
    return fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=max_len),
                         metadata=label(zh, en, format="password"))


def client(zh: str, en: str) -> fields.String:
    return fields.String(load_default=None, allow_none=True, validate=validate.Length(max=4096),
                         metadata=label(zh, en))


class ClientSchema(Schema):
    class Meta:
        unknown = RAISE

    address = client("客户端地址", "Client address")
    user_agent = client("浏览器", "User agent")


class SignInSchema(ClientSchema):
    """登录: username and password; the gateway adds the client's address and user agent."""

    username = fields.String(required=True, validate=validate.Length(min=1, max=64), metadata=label("用户名", "Username"))
    password = secret("密码", "Password")


class SignOutSchema(ClientSchema):
    """退出登录: the session's token."""

    token = secret("会话令牌", "Session token", TOKEN_MAX_LENGTH)


class ChangePasswordSchema(ClientSchema):
    """修改密码: the signed-in staff member's own, proven by the session and the current password."""

    token = secret("会话令牌", "Session token", TOKEN_MAX_LENGTH)
    current_password = secret("当前密码", "Current password")
    new_password = secret("新密码", "New password")


# --- query arguments ------------------------------------------------------------------------------
class TokenArgs(Schema):
    token = fields.String(required=True, validate=validate.Length(min=1, max=TOKEN_MAX_LENGTH))


# --- what the gateway is answered: the RPC result contracts (propdesk.contracts.rpc.staff) ---------
SessionSchema = rpc.SessionSchema
SignInResultSchema = rpc.SignInResultSchema
SignedOutSchema = rpc.SignedOutSchema
