"""The key board (钥匙): the keys the office holds, numbered and classified, each with its named
custodian (QR-006FW for an owner's entrusted keys), and the loan register (钥匙领用登记表 /
QR-007FW 入户门钥匙外借记录表): who borrowed which key, for what, when it went out and is
expected back, and when it came back (the entry cancelled). Times are stored in UTC."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from propdesk_services.access.models import Base


class UnitKey(Base):
    """A key (or a bunch of one unit's keys under one tag) on the key board."""

    __tablename__ = "unit_key"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key_no: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # vocab.KEY_KINDS
    category: Mapped[str] = mapped_column(String(16))  # vocab.KEY_CATEGORIES
    label: Mapped[str] = mapped_column(String(64))  # what the tag on the key says
    copies: Mapped[int] = mapped_column(Integer, default=1)
    unit_id: Mapped[str] = mapped_column(String(32), index=True)
    estate: Mapped[str | None] = mapped_column(String(8), index=True, default=None)
    #: the designated CS custodian (a staff id)
    custodian: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), index=True)  # vocab.KEY_STATES
    #: an entrusted key: the owner, and the statement they signed (收楼钥匙托管声明 / QR-006FW)
    owner_name: Mapped[str | None] = mapped_column(String(64), default=None)
    entrustment_ref: Mapped[str | None] = mapped_column(String(64), default=None)
    #: the open loan while ON_LOAN
    current_loan_no: Mapped[str | None] = mapped_column(String(32), default=None)
    registered_by: Mapped[str] = mapped_column(String(64))
    registered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    #: an entrusted key given back to its owner (WITHDRAWN): when, by whom, to whom
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    withdrawn_by: Mapped[str | None] = mapped_column(String(64), default=None)
    withdrawn_to: Mapped[str | None] = mapped_column(String(64), default=None)


class KeyLoan(Base):
    """One entry of the loan register: a key lent to a department for its work."""

    __tablename__ = "key_loan"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    loan_no: Mapped[str] = mapped_column(String(32), unique=True)
    key_no: Mapped[str] = mapped_column(String(32), ForeignKey("unit_key.key_no"), index=True)
    unit_id: Mapped[str] = mapped_column(String(32))
    estate: Mapped[str | None] = mapped_column(String(8), index=True, default=None)
    borrower: Mapped[str] = mapped_column(String(64))
    department: Mapped[str] = mapped_column(String(24))  # vocab.KEY_BORROWER_DEPARTMENTS
    purpose: Mapped[str] = mapped_column(String(256))
    #: an entrusted key is lent only with the owner's authorisation
    owner_authorisation_ref: Mapped[str | None] = mapped_column(String(128), default=None)
    lent_by: Mapped[str] = mapped_column(String(64))
    out_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expected_back_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    #: the key came back and CS cancelled the entry (注销)
    returned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None, index=True)
    returned_by: Mapped[str | None] = mapped_column(String(64), default=None)
