"""Staff accounts (员工账号): `domain`'s fields plus the password hash and the account's times.

The username is the primary key and the staff member's id (what ``actor.id`` carries): never
changed, never reused, so the audit trail keeps naming the same person. Roles and estates are JSON
lists of codes (`propdesk.policy.ROLES`, `vocab.ESTATES`), always re-assigned, never mutated in place.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from propdesk_services.staff.models import Base


class StaffAccount(Base):
    """One staff member who may sign in to the desk."""

    __tablename__ = "staff_account"

    username: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    department: Mapped[str] = mapped_column(String(32))
    roles: Mapped[list] = mapped_column(JSON)
    estates: Mapped[list] = mapped_column(JSON)
    phone: Mapped[str | None] = mapped_column(String(24), default=None)
    active: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    #: argon2id, never shown, never logged (accounts.domain)
    password_hash: Mapped[str] = mapped_column(String(200))
    #: set by an admin's password (add_staff, reset_password): the desk asks for a new one first
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=True)
    password_changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    disabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
