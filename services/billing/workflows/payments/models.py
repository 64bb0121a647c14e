"""The fee account of a unit: its charges and its payments (domain.md §2.5). A unit billing knows
is a unit with a fee account, i.e. at least one charge. The rows have the attributes of
`domain.Charge` / `domain.Payment`, so the domain's rules take them directly."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from datetime import date

from sqlalchemy import Date, DateTime, Index, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from propdesk_services.billing.models import Base


class Charge(Base):
    """A fee charged to a unit for a period, e.g. 物业服务费 2026-10 (item "property_fee")."""

    __tablename__ = "charge"
    #: an estate's charges by unit with their amounts: the arrears reports sum each unit's charges
    #: from this index alone (no table row read, no sort); it answers by estate as the plain estate
    #: index did, which it replaces (one index to maintain, as before)
    __table_args__ = (Index("ix_charge_estate_unit_amount", "estate", "unit_id", "amount"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    unit_id: Mapped[str] = mapped_column(String(32), index=True)
    #: the unit's estate (管理处): the fee account belongs to it
    estate: Mapped[str] = mapped_column(String(8))
    period: Mapped[str] = mapped_column(String(7))
    item: Mapped[str] = mapped_column(String(32))
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    #: what the amount was worked out from (vocab.FEE_BASES) and where it came from
    #: (vocab.CHARGE_SOURCES) with its reference (a fee notice's number, a repair's id); None for
    #: the charges recorded before the monthly cycle (the demo's first months)
    basis: Mapped[str | None] = mapped_column(String(16), default=None)
    source: Mapped[str | None] = mapped_column(String(16), default=None)
    source_ref: Mapped[str | None] = mapped_column(String(64), default=None, index=True)


class Payment(Base):
    """A payment against a unit's account, with its receipt (开具收费票据: receipt_no, unique).

    `period` and `item` say what it paid when known (the monthly bank transfers); a payment taken
    at the counter against the balance has neither. `prepaid_amount` is the part of it beyond what
    the unit owed when it was taken (预收款/预交物业费; 0.00 for payments recorded before prepayments
    were recorded explicitly)."""

    __tablename__ = "payment"
    #: a channel's transaction number (WeChat Pay, Alipay, a bank reference, a cheque number) pays
    #: once; an estate's payments by unit with their amounts (as charge's, replacing the estate index)
    __table_args__ = (UniqueConstraint("method", "txn_no", name="uq_payment_txn"),
                      Index("ix_payment_estate_unit_amount", "estate", "unit_id", "amount"))

    payment_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    unit_id: Mapped[str] = mapped_column(String(32), index=True)
    #: the estate (管理处) of the fee account it was paid into
    estate: Mapped[str] = mapped_column(String(8))
    party_id: Mapped[str | None] = mapped_column(String(64))
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    method: Mapped[str] = mapped_column(String(8))
    receipt_no: Mapped[str] = mapped_column(String(64), unique=True)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    recorded_by: Mapped[str] = mapped_column(String(64))
    period: Mapped[str | None] = mapped_column(String(7))
    item: Mapped[str | None] = mapped_column(String(32))
    prepaid_amount: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal("0.00"), server_default="0")
    #: the channel's transaction number (微信/支付宝交易单号, the bank's reference, the cheque's number)
    txn_no: Mapped[str | None] = mapped_column(String(64), default=None)
    #: a cheque's date (出票日期), checked when it was taken
    cheque_date: Mapped[date | None] = mapped_column(Date, default=None)
    #: a reversal (红冲) is a payment of its own with the negative amount: the payment it reverses,
    #: and why; the reversed payment is never edited
    reverses: Mapped[str | None] = mapped_column(String(40), default=None, index=True)
    note: Mapped[str | None] = mapped_column(String(200), default=None)
    #: the bank statement line this payment was booked from (bank_statements)
    bank_line_id: Mapped[str | None] = mapped_column(String(40), default=None, index=True)


class PaymentAllocation(Base):
    """Which charge a payment paid, and how much (冲销明细): oldest charges first unless the cashier
    chose. A reversal allocates the negative amounts of the payment it reverses. Money of a payment
    not allocated here (payments recorded before allocations were kept, prepayments) settles the
    oldest open charges first when the ledger is read (`domain.open_items`)."""

    __tablename__ = "payment_allocation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    payment_id: Mapped[str] = mapped_column(String(40), index=True)
    charge_id: Mapped[int] = mapped_column(Integer, index=True)
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
