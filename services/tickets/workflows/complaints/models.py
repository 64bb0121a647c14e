"""The complaints' table (投诉处理表 QR-002FW).

`ComplaintRecord` carries the attribute names of `domain.Complaint`, so the domain functions work on
the mapped row directly. The process (who did what, when) is the audit trail; the row keeps what
the form shows.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from propdesk_services.tickets.models import Base


class ComplaintRecord(Base):
    """One complaint (投诉), numbered ``CP-<yyyymmdd>-<nnnn>`` (the number is its id). `state`: a code
    of `vocab.COMPLAINT_STATES`; `kind` of `vocab.COMPLAINT_KINDS` (None until triaged)."""

    __tablename__ = "complaint"

    complaint_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    #: the contact (来电来访记录) it was opened from, if any: one complaint per contact
    contact_id: Mapped[str | None] = mapped_column(String(64), unique=True, default=None)
    unit_id: Mapped[str | None] = mapped_column(String(32), index=True, default=None)
    estate: Mapped[str | None] = mapped_column(String(8), index=True, default=None)
    state: Mapped[str] = mapped_column(String(16), index=True)
    kind: Mapped[str | None] = mapped_column(String(16), index=True, default=None)
    category: Mapped[str | None] = mapped_column(String(32), default=None)
    channel: Mapped[str | None] = mapped_column(String(16), default=None)
    complainant: Mapped[str] = mapped_column(String(100))
    #: kept in full for the record's page; masked in lists and events (propdesk.privacy)
    complainant_phone: Mapped[str | None] = mapped_column(String(32), default=None)
    summary: Mapped[str] = mapped_column(Text)
    #: whom or what it is about: a staff id (who then may not edit it), a department, free text
    about_staff: Mapped[str | None] = mapped_column(String(64), index=True, default=None)
    about_department: Mapped[str | None] = mapped_column(String(32), default=None)
    about: Mapped[str | None] = mapped_column(String(200), default=None)
    #: 投诉文件编号 / 收文记录 number (a written complaint's)
    doc_ref: Mapped[str | None] = mapped_column(String(64), default=None)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    received_by: Mapped[str] = mapped_column(String(64))
    measures: Mapped[str | None] = mapped_column(Text, default=None)
    measures_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    reply_due: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    escalated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    remedial: Mapped[str | None] = mapped_column(Text, default=None)
    corrective: Mapped[str | None] = mapped_column(Text, default=None)
    handling_due: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    handled_by: Mapped[str | None] = mapped_column(String(64), default=None)
    result: Mapped[str | None] = mapped_column(Text, default=None)
    reply_channel: Mapped[str | None] = mapped_column(String(16), default=None)
    reply_text: Mapped[str | None] = mapped_column(Text, default=None)
    reply_ref: Mapped[str | None] = mapped_column(String(64), default=None)
    replied_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    within_3_days: Mapped[bool | None] = mapped_column(Boolean, default=None)
    explanation: Mapped[str | None] = mapped_column(Text, default=None)
    redirected_to: Mapped[str | None] = mapped_column(String(200), default=None)
    progress_notices: Mapped[int] = mapped_column(Integer, default=0)
    #: when the current 3 days started (receipt, the last progress notice, the reopening)
    clock_from: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    #: 二次投诉: how many times it was reopened (dissatisfied return visit, second complaint)
    second_complaints: Mapped[int] = mapped_column(Integer, default=0, index=True)
    reopen_reason: Mapped[str | None] = mapped_column(String(32), default=None)
    reopened_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    root_cause: Mapped[str | None] = mapped_column(Text, default=None)
    apology_cause: Mapped[str | None] = mapped_column(String(32), default=None)
    apology_ref: Mapped[str | None] = mapped_column(String(64), default=None)
    apology_issuer: Mapped[str | None] = mapped_column(String(100), default=None)
    feedback: Mapped[str | None] = mapped_column(Text, default=None)
    satisfaction: Mapped[str | None] = mapped_column(String(32), default=None)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    void_reason: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    #: the desk's list, newest first within the asker's estates, reads this index in order and
    #: stops at the page (bench T1: no sort of a whole estate's complaints)
    __table_args__ = (Index("ix_complaint_estate_received", "estate", "received_at"),
                      Index("ix_complaint_unit_received", "unit_id", "received_at"))
