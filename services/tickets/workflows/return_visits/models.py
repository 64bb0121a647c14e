"""The return visits' tables (回访, 回访记录表 QR-003FW; domain.md §2.4).

`ReturnVisitRow` carries the attribute names of `domain.ReturnVisit`, so the domain functions work on
the mapped row directly. `ReturnVisitRound` is a standing round of visits (周期回访) the timer
`plan_cadence_visits` plans from.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from propdesk_services.tickets.models import Base


class ReturnVisitRow(Base):
    """One return visit (a row of 回访记录表 QR-003FW). `state`: vocab.RETURN_VISIT_STATES."""

    __tablename__ = "return_visit"

    return_visit_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    return_visit_no: Mapped[str] = mapped_column(String(32), unique=True)
    unit_id: Mapped[str | None] = mapped_column(String(32), index=True)
    estate: Mapped[str | None] = mapped_column(String(8), index=True)
    occasion: Mapped[str] = mapped_column(String(16))
    method: Mapped[str] = mapped_column(String(16))
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    state: Mapped[str] = mapped_column(String(24))
    subject_type: Mapped[str | None] = mapped_column(String(16), default=None)
    subject_id: Mapped[str | None] = mapped_column(String(64), default=None)
    subject_no: Mapped[str | None] = mapped_column(String(32), default=None)
    client_name: Mapped[str | None] = mapped_column(String(64), default=None)
    assignee: Mapped[str | None] = mapped_column(String(64), default=None)
    round_id: Mapped[str | None] = mapped_column(String(32), default=None, index=True)
    previous_id: Mapped[str | None] = mapped_column(String(32), default=None)
    visited_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    visited_by: Mapped[str | None] = mapped_column(String(64), default=None)
    punctuality: Mapped[str | None] = mapped_column(String(16), default=None)
    attitude: Mapped[str | None] = mapped_column(String(16), default=None)
    quality: Mapped[str | None] = mapped_column(String(16), default=None)
    overall: Mapped[str | None] = mapped_column(String(16), default=None)
    suggestions: Mapped[str | None] = mapped_column(String(500), default=None)
    content: Mapped[str | None] = mapped_column(String(500), default=None)
    respondent: Mapped[str | None] = mapped_column(String(500), default=None)
    signed_by: Mapped[str | None] = mapped_column(String(500), default=None)
    department: Mapped[str | None] = mapped_column(String(32), default=None)
    measures: Mapped[str | None] = mapped_column(String(500), default=None)
    rectification_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    rectified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    rectification_result: Mapped[str | None] = mapped_column(String(500), default=None)
    explanation: Mapped[str | None] = mapped_column(String(500), default=None)
    next_visit_id: Mapped[str | None] = mapped_column(String(32), default=None)
    cancel_reason: Mapped[str | None] = mapped_column(String(500), default=None)
    planned_by: Mapped[str | None] = mapped_column(String(64), default=None)
    #: the business case the visit belongs to (the repair's or complaint's, else the visit's own id)
    correlation_id: Mapped[str | None] = mapped_column(String(64), default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_return_visit_state_due", "state", "due_at"),
                      Index("ix_return_visit_subject", "subject_type", "subject_id"),
                      Index("ix_return_visit_visited_at", "visited_at"))


class ReturnVisitRound(Base):
    """A standing round of visits to one unit (周期回访): every 7 days by phone, or monthly by phone
    or in person. `next_due_at` is the next visit's appointment; the timer plans it a day ahead
    while the round is active and none of its visits is still planned."""

    __tablename__ = "return_visit_round"

    round_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    unit_id: Mapped[str] = mapped_column(String(32), index=True)
    estate: Mapped[str | None] = mapped_column(String(8), index=True)
    cadence: Mapped[str] = mapped_column(String(16))
    method: Mapped[str] = mapped_column(String(16))
    client_name: Mapped[str | None] = mapped_column(String(64), default=None)
    assignee: Mapped[str | None] = mapped_column(String(64), default=None)
    next_due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    started_by: Mapped[str | None] = mapped_column(String(64), default=None)
    stop_reason: Mapped[str | None] = mapped_column(String(500), default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_return_visit_round_due", "active", "next_due_at"),)
