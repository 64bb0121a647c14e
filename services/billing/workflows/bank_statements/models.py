"""Bank statements the cashier imports (银行对账单) and their lines (银行流水), domain.md §2.5 "bank
statements matched daily"."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, DateTime, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from propdesk_services.billing.models import Base


class BankStatement(Base):
    """One import of a statement file (BS-): what it held and what became of its lines."""

    __tablename__ = "bank_statement"

    statement_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    statement_no: Mapped[str] = mapped_column(String(32), unique=True)
    estate: Mapped[str] = mapped_column(String(8), index=True)
    bank_format: Mapped[str] = mapped_column(String(16))
    filename: Mapped[str] = mapped_column(String(200))
    imported_by: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    credit_lines: Mapped[int] = mapped_column(Integer, default=0)
    new_lines: Mapped[int] = mapped_column(Integer, default=0)
    repeated_lines: Mapped[int] = mapped_column(Integer, default=0)
    matched_lines: Mapped[int] = mapped_column(Integer, default=0)
    unmatched_lines: Mapped[int] = mapped_column(Integer, default=0)


class BankLine(Base):
    """A credit line of a statement (银行流水), once: `line_hash` (sha256 of the account, date,
    amount, payer, reference and the bank's serial, or the line's place among identical lines) is
    unique, so importing the same statement again books nothing twice."""

    __tablename__ = "bank_line"

    line_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    line_hash: Mapped[str] = mapped_column(String(64), unique=True)
    statement_id: Mapped[str] = mapped_column(String(40), index=True)
    estate: Mapped[str] = mapped_column(String(8), index=True)
    value_date: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    payer_name: Mapped[str | None] = mapped_column(String(200))
    payer_account: Mapped[str | None] = mapped_column(String(64))
    reference: Mapped[str | None] = mapped_column(String(400))
    serial: Mapped[str | None] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), index=True)
    #: why matching left it to the cashier: a code of domain.REASONS (vocab BANK_LINE_REASONS) only
    reason: Mapped[str | None] = mapped_column(String(200))
    #: what the cashier typed on setting it aside (free text, as typed); never a code
    note: Mapped[str | None] = mapped_column(String(200))
    notice_id: Mapped[str | None] = mapped_column(String(40))
    unit_id: Mapped[str | None] = mapped_column(String(32))
    payment_id: Mapped[str | None] = mapped_column(String(40))
    settled_by: Mapped[str | None] = mapped_column(String(64))
    settled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
