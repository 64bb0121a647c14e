"""API tokens (接口令牌): the SHA-256 of each secret, never the secret; names are never reused."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from propdesk_services.staff.models import Base


class ApiToken(Base):
    """A token another system acts with, as ``token:<name>``, within its roles and estates."""

    __tablename__ = "api_token"

    name: Mapped[str] = mapped_column(String(48), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: the secret's first characters (``pdt_Ab3x``), to tell tokens apart in a list
    hint: Mapped[str] = mapped_column(String(8))
    roles: Mapped[list] = mapped_column(JSON)
    estates: Mapped[list] = mapped_column(JSON)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(64))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    revoked_by: Mapped[str | None] = mapped_column(String(64), default=None)
