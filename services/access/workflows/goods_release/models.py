"""The goods listed on a release slip, item by item (物品放行条: 物品名称, 数量; large and valuable
items flagged, [000]). The slip itself is `release_slip.models.ReleaseSlip`: one register for every
variant, the move-out saga's and the desk's."""
from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from propdesk_services.access.models import Base


class ReleaseSlipItem(Base):
    """One line of a slip's goods: what, how many, and whether it is large or valuable (checked and
    logged one by one at the gate before release)."""

    __tablename__ = "release_slip_item"
    __table_args__ = (UniqueConstraint("slip_no", "line", name="uq_release_slip_item_line"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    slip_no: Mapped[str] = mapped_column(String(32), ForeignKey("release_slip.slip_no"), index=True)
    line: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(String(128))
    quantity: Mapped[int] = mapped_column(Integer)
    large: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    valuable: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
