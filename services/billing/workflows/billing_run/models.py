"""The monthly billing run and its fee notices (《缴费通知单》), domain.md §2.5."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (BigInteger, DateTime, Index, Integer, Numeric, String, UniqueConstraint, cast, func,
                        literal_column)
from sqlalchemy.orm import Mapped, mapped_column

from propdesk_services.billing.models import Base


class BillingRun(Base):
    """One estate's billing for one period (月度收费): drafted in batches (`cursor`: the last unit
    done in the current phase, committed with the batch, so a crash resumes where it stopped),
    reviewed by the finance supervisor, issued by the cashier. One run per (period, estate)."""

    __tablename__ = "billing_run"
    __table_args__ = (UniqueConstraint("period", "estate", name="uq_billing_run_period"),)

    run_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    run_no: Mapped[str] = mapped_column(String(32), unique=True)
    period: Mapped[str] = mapped_column(String(7))
    estate: Mapped[str] = mapped_column(String(8), index=True)
    state: Mapped[str] = mapped_column(String(24), index=True)
    round: Mapped[int] = mapped_column(Integer, default=1)
    total_units: Mapped[int] = mapped_column(Integer, default=0)
    drafted_units: Mapped[int] = mapped_column(Integer, default=0)
    notice_count: Mapped[int] = mapped_column(Integer, default=0)
    issued_count: Mapped[int] = mapped_column(Integer, default=0)
    total_amount: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal("0.00"))
    cursor: Mapped[str] = mapped_column(String(32), default="")
    started_by: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    drafted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reviewed_by: Mapped[str | None] = mapped_column(String(64))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    review_note: Mapped[str | None] = mapped_column(String(500))
    issued_by: Mapped[str | None] = mapped_column(String(64))
    issue_started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    issued_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    dunned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class FeeNotice(Base):
    """A unit's 《缴费通知单》 for a period: its lines (`FeeNoticeLine`), the total, the arrears
    brought forward when drafted, and its delivery (who signed, when). Numbered (FN-) when issued."""

    __tablename__ = "fee_notice"
    __table_args__ = (UniqueConstraint("run_id", "unit_id", name="uq_fee_notice_unit"),)

    notice_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    notice_no: Mapped[str | None] = mapped_column(String(32), unique=True)
    run_id: Mapped[str] = mapped_column(String(40))  # indexed by uq_fee_notice_unit (run_id first)
    period: Mapped[str] = mapped_column(String(7))
    unit_id: Mapped[str] = mapped_column(String(32), index=True)
    estate: Mapped[str] = mapped_column(String(8))  # the notices' reads by estate name a run, a state or a unit too
    payer_party_id: Mapped[str | None] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), index=True)
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    arrears_before: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal("0.00"))
    drafted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    issued_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    issued_by: Mapped[str | None] = mapped_column(String(64))
    signed_by: Mapped[str | None] = mapped_column(String(64))
    signed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    delivered_by: Mapped[str | None] = mapped_column(String(64))


def fen(column):
    """Money in integer fen as the database reads it (billing's SQL does the same): exact on SQLite,
    which keeps NUMERIC as REAL, and on PostgreSQL alike."""
    return cast(func.round(column * literal_column("100")), BigInteger)


#: What a notice asks, in fen: its amount, and its amount with the arrears it brought forward (what
#: it asked in all). A bank statement's lines are matched by these (bank_statements.handlers); the
#: two indexes below answer them by estate and issue time, the queries spelling them as here (an
#: expression index serves only the same expression).
AMOUNT_FEN = fen(FeeNotice.amount)
ASKED_FEN = fen(FeeNotice.amount) + fen(FeeNotice.arrears_before)
#: Issued notices only (`issued_at IS NOT NULL`, which the matching's `issued_at >=` implies, so
#: SQLite and PostgreSQL use them): a billing run's drafts are written without touching them, and
#: issuing adds each notice once instead of moving it (its issued_at is in the key). With every
#: notice in them, issuing 100,000 notices took ~3 x the CPU of the number and state update alone (bench S4).
ISSUED = FeeNotice.issued_at.isnot(None)
Index("ix_fee_notice_estate_amount", FeeNotice.estate, AMOUNT_FEN, FeeNotice.issued_at,
      sqlite_where=ISSUED, postgresql_where=ISSUED)
Index("ix_fee_notice_estate_asked", FeeNotice.estate, ASKED_FEN, FeeNotice.issued_at,
      sqlite_where=ISSUED, postgresql_where=ISSUED)


class FeeNoticeLine(Base):
    """One charge on a notice: item, period, basis (quantity × unit price) and source (the schedule,
    the meter reading, the repair...). `charge_id`: a charge already on the ledger when drafted (a
    paid repair, a one-off fee). The charge an issue posts for a line is not written back onto it
    (each line is written once): it is the one named by the notice's number for the line's unit,
    item and source (`handlers.line_charges`; lines issued before 2026-12 also carry its id)."""

    __tablename__ = "fee_notice_line"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    notice_id: Mapped[str] = mapped_column(String(40), index=True)
    unit_id: Mapped[str] = mapped_column(String(32))
    period: Mapped[str] = mapped_column(String(7))
    item: Mapped[str] = mapped_column(String(32))
    basis: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(16))
    source_ref: Mapped[str | None] = mapped_column(String(64))
    quantity: Mapped[Decimal | None] = mapped_column(Numeric(14, 4))
    unit_price: Mapped[Decimal | None] = mapped_column(Numeric(12, 4))
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    description: Mapped[str | None] = mapped_column(String(200))
    charge_id: Mapped[int | None] = mapped_column(Integer)
