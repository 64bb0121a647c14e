"""Deposits the office holds (押金: renovation, tenant, key) and what is kept of them."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import DateTime, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from propdesk_services.billing.models import Base


class Deposit(Base):
    """A deposit (DP-): held → refund requested (《退还押金申请表》) → deductions → refunded. Not on
    the fee account: it is the client's money held, not a fee."""

    __tablename__ = "deposit"

    deposit_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    deposit_no: Mapped[str] = mapped_column(String(32), unique=True)
    unit_id: Mapped[str] = mapped_column(String(32), index=True)
    estate: Mapped[str] = mapped_column(String(8), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(24), index=True)
    payer_name: Mapped[str] = mapped_column(String(100))
    party_id: Mapped[str | None] = mapped_column(String(64))
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    method: Mapped[str] = mapped_column(String(8))
    receipt_no: Mapped[str] = mapped_column(String(32), unique=True)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    received_by: Mapped[str] = mapped_column(String(64))
    purpose: Mapped[str | None] = mapped_column(String(200))
    applicant_name: Mapped[str | None] = mapped_column(String(100))
    refund_account: Mapped[str | None] = mapped_column(String(100))
    refund_reason: Mapped[str | None] = mapped_column(String(200))
    requested_by: Mapped[str | None] = mapped_column(String(64))
    requested_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    refunded_amount: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    refund_method: Mapped[str | None] = mapped_column(String(8))
    refunded_by: Mapped[str | None] = mapped_column(String(64))
    refunded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class DepositDeduction(Base):
    """Part of a deposit kept, with its reason (a violation, damage...) and reference."""

    __tablename__ = "deposit_deduction"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    deposit_id: Mapped[str] = mapped_column(String(40), index=True)
    reason_kind: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(200))
    reference: Mapped[str | None] = mapped_column(String(64))
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
