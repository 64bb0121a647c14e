"""How an account reads: for an admin's list (`staff_view`) and as the acting identity (`identity`).
Neither ever carries the password hash; the phone is masked."""
from __future__ import annotations

from propdesk_services.staff.workflows.accounts import domain
from propdesk_services.staff.workflows.accounts.models import StaffAccount
from propdesk_services.staff.workflows.accounts.schemas import IdentitySchema, StaffSchema

_IDENTITY = IdentitySchema()
_STAFF = StaffSchema()


def _fields(account: StaffAccount) -> dict:
    return {"id": account.username, "username": account.username, "name": account.name,
            "department": account.department, "roles": list(account.roles), "estates": list(account.estates),
            "must_change_password": account.must_change_password}


def identity(account: StaffAccount) -> dict:
    return _IDENTITY.dump(_fields(account))


def staff_view(account: StaffAccount) -> dict:
    return _STAFF.dump({
        **_fields(account), "phone": domain.mask_phone(account.phone), "active": account.active,
        "password_changed_at": account.password_changed_at, "created_at": account.created_at,
        "updated_at": account.updated_at, "disabled_at": account.disabled_at,
    })
