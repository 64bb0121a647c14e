"""The accounts' edge: what their commands and queries may carry, and how an account is shown.

The command schemas check only the *shape* (known keys, strings, lists, generous lengths): the
rules of an account (username format, roles of the policy, estates, the password's length) are
`domain`'s, which reports every broken rule at once by its own name. Labels (zh-CN, en) are for
the desk's forms. A password is `load_only`: no schema here ever dumps one.

What the desk is shown (`StaffSchema`, `IdentitySchema`) is an RPC result contract: it lives with
the others in `propdesk.contracts.rpc.staff` (the gateway reads it without importing this service).
"""
from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from propdesk import policy
from propdesk.chassis.edge import Flag, OptionalText, RecordId
from propdesk.contracts import rpc
from propdesk.contracts.vocab import ESTATES, STAFF_DEPARTMENTS


def label(zh: str, en: str, **more) -> dict:
    return {"label": {"zh": zh, "en": en}, **more}


def text(zh: str, en: str, max_len: int = 200, **more) -> fields.String:
    return fields.String(load_default=None, allow_none=True, validate=validate.Length(max=max_len),
                         metadata=label(zh, en, **more))


def codes(zh: str, en: str, choices) -> fields.List:
    return fields.List(fields.String(validate=validate.Length(max=64)), load_default=None, allow_none=True,
                       validate=validate.Length(max=32), metadata=label(zh, en, choices=tuple(choices)))


def password(zh: str = "密码", en: str = "Password") -> fields.String:
    return fields.String(load_default=None, allow_none=True, load_only=True, validate=validate.Length(max=1024),
                         metadata=label(zh, en, format="password"))


class AddStaffSchema(Schema):
    """新增员工账号: who, which department, which roles, which estates, a first password."""

    class Meta:
        unknown = RAISE

    username = text("用户名", "Username", 64)
    name = text("姓名", "Name")
    department = text("部门", "Department", 64, choices=STAFF_DEPARTMENTS.codes)
    roles = codes("角色", "Roles", policy.ROLES)
    estates = codes("所属管理处", "Estates", ESTATES.codes)
    phone = text("电话", "Phone", 40)
    password = password("初始密码", "First password")


class UsernameSchema(Schema):
    """停用员工账号."""

    class Meta:
        unknown = RAISE

    username = RecordId(max_len=64, metadata=label("用户名", "Username"))


class ResetPasswordSchema(UsernameSchema):
    """重置密码: the staff member chooses a new one at the next sign-in."""

    password = password("新密码", "New password")


class SetRolesSchema(UsernameSchema):
    """设置角色."""

    roles = codes("角色", "Roles", policy.ROLES)


class EnableStaffSchema(UsernameSchema):
    """恢复启用员工账号."""


class SetEstatesSchema(UsernameSchema):
    """设置所属管理处."""

    estates = codes("所属管理处", "Estates", ESTATES.codes)


# --- query arguments ------------------------------------------------------------------------------
class UsernameArgs(Schema):
    username = RecordId(max_len=64)


class ListStaffArgs(Schema):
    estate = OptionalText(choices=ESTATES.codes)
    role = OptionalText(choices=tuple(policy.ROLES))
    include_disabled = Flag(load_default=False)


# --- what the desk is shown: the RPC result contracts (propdesk.contracts.rpc.staff) ---------------
IdentitySchema = rpc.IdentitySchema
StaffSchema = rpc.StaffSchema
