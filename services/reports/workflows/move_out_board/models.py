"""The move-out board's table: where each tenant move-out (租户撤场) stands, from its events."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, String, false
from sqlalchemy.orm import Mapped, mapped_column

from propdesk_services.reports.models import Base


class MoveOutProjection(Base):
    """One case on the board (`domain.MoveOutCard`): `state` is a code of
    `propdesk.contracts.vocab.MOVE_OUT_STATES`; `release_slip_no` the 物品放行条 once issued;
    `fees_checked` whether finance's fee check is in (cleared or not)."""

    __tablename__ = "move_out_projection"

    move_out_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    unit_id: Mapped[str] = mapped_column(String(32))
    #: the unit's estate (管理处), from the first of the case's events that names it
    estate: Mapped[str | None] = mapped_column(String(8), index=True, default=None)
    state: Mapped[str] = mapped_column(String(32), index=True)
    release_slip_no: Mapped[str | None] = mapped_column(String(64), default=None)
    fees_checked: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
