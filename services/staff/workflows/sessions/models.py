"""Sign-in sessions (登录会话) and the lock-out count of each username.

A session row keeps the SHA-256 of its token, never the token. `ended_at`/`end_reason` say why a
session ended before it expired (signed_out, account_disabled, password_reset, password_changed);
expiry itself is computed from `created_at` and `last_seen_at` (`domain.state`).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from propdesk_services.staff.models import Base
from propdesk_services.staff.workflows.accounts.models import StaffAccount  # noqa: F401  (the FK's table)


class StaffSession(Base):
    """One signed-in desk: who, since when, last seen when, from where."""

    __tablename__ = "staff_session"

    session_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    username: Mapped[str] = mapped_column(ForeignKey("staff_account.username"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    end_reason: Mapped[str | None] = mapped_column(String(32), default=None)
    address: Mapped[str | None] = mapped_column(String(64), default=None)
    user_agent: Mapped[str | None] = mapped_column(String(300), default=None)


class SignInGuard(Base):
    """Recent failed sign-ins of one username (an account's or not: see `domain`), and its lock.
    A row goes once it has nothing left to remember (`domain.stale`)."""

    __tablename__ = "sign_in_guard"

    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[list] = mapped_column(JSON, default=list)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
