"""Bank statement matching (银行对账, domain.md §2.5 "bank statements matched daily"), pure logic.

A credit line of the statement is booked as a payment only when it matches exactly one open fee
notice (《缴费通知单》 issued or delivered, its charges not yet settled) of the statement's estate:

- **amount**: the notice's amount, or the notice's amount with the arrears it brought forward
  (what the notice asked for in all);
- **date**: on or after the day the notice was issued, and at most `WINDOW_DAYS` after it;
- **reference** where present: a notice number in the line's reference (摘要/用途/附言) must name a
  notice that matches by amount and date (else the line waits: named_notice_differs); a unit
  number in it picks that unit's notice among several that match;
- otherwise exactly one notice must match: none → no_candidate, several → ambiguous.

Every other line goes to the cashier's unmatched queue; nothing is booked silently. A line is
known by its hash (the estate, the layout, its date, amount, payer, account, reference and the
bank's serial number, or its place among identical lines of the file), so importing the same
statement again books nothing twice. Plain Python: no nameko, no SQL, no I/O.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

from propdesk.chassis.calendar import OFFICE_TZ

MATCHED, BOOKED, UNMATCHED, DISMISSED = "matched", "booked", "unmatched", "dismissed"
#: The number series of imported statements.
SERIES = "BS"
#: How long after its issue a notice is still matched by amount and date (inferred: the notice's
#: month, the next one, and the dunning month's first weeks).
WINDOW_DAYS = 90
_NOTICE_NO = re.compile(r"FN-\d{8}-\d{4,}")
#: Why a line waits for the cashier (its ``reason``, vocab BANK_LINE_REASONS): matching found no
#: notice, several, or not the one its reference names; booking the one it found was refused (e.g.
#: the bank's serial already recorded by hand); the payment booked from it was reversed. The system's
#: codes only: what the cashier types on setting a line aside is its ``note``.
NO_CANDIDATE, AMBIGUOUS, NAMED_NOTICE_DIFFERS = "no_candidate", "ambiguous", "named_notice_differs"
BOOKING_REFUSED, PAYMENT_REVERSED = "booking_refused", "payment_reversed"
REASONS = (NO_CANDIDATE, AMBIGUOUS, NAMED_NOTICE_DIFFERS, BOOKING_REFUSED, PAYMENT_REVERSED)


@dataclass
class Candidate:
    """An open fee notice as matching sees it."""

    notice_id: str
    notice_no: str
    unit_id: str
    amount: Decimal
    arrears_before: Decimal
    issued_on: date


def line_hash(estate: str, layout: str, line: dict, occurrence: int) -> str:
    """The line's identity across imports: the bank's serial when the export has one, else its
    fields and its place among identical lines of the file."""
    parts = [estate, layout, line["value_date"].isoformat(), f"{Decimal(line['amount']):.2f}",
             line.get("payer_name") or "", line.get("payer_account") or "", line.get("reference") or ""]
    parts += [f"serial:{line['serial']}"] if line.get("serial") else [f"n:{occurrence}"]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def occurrences(lines: list[dict]) -> list[int]:
    """For each line, how many identical lines (same fields, no serial) came before it in the file."""
    seen: dict[tuple, int] = {}
    out = []
    for line in lines:
        key = (line["value_date"], Decimal(line["amount"]), line.get("payer_name"), line.get("payer_account"),
               line.get("reference"), line.get("serial"))
        out.append(seen.get(key, 0))
        seen[key] = seen.get(key, 0) + 1
    return out


def _in_word(ch: str) -> bool:
    """A character that continues a word or a unit number (regex \\w, or a hyphen)."""
    return ch.isalnum() or ch in "_-"


def _names_unit(reference: str, unit_id: str) -> bool:
    """The unit number stands in the reference as a whole (13-1-1502 does not name 3-1-1502): found
    by str.find, not a regex compiled for each unit (an import weighs hundreds of units)."""
    at = reference.find(unit_id)
    while at >= 0:
        end = at + len(unit_id)
        if not (at and _in_word(reference[at - 1])) and not (end < len(reference) and _in_word(reference[end])):
            return True
        at = reference.find(unit_id, at + 1)
    return False


def match(line: dict, candidates: list[Candidate]) -> tuple[Candidate | None, str | None]:
    """The notice the line pays, or (None, why not): NO_CANDIDATE, AMBIGUOUS, NAMED_NOTICE_DIFFERS."""
    amount, day, ref = Decimal(line["amount"]), line["value_date"], line.get("reference") or ""
    fits = [c for c in candidates
            if amount in (Decimal(c.amount), Decimal(c.amount) + Decimal(c.arrears_before))
            and c.issued_on <= day <= c.issued_on + timedelta(days=WINDOW_DAYS)]
    named = set(_NOTICE_NO.findall(ref))
    if named:
        hits = [c for c in fits if c.notice_no in named]
        return (hits[0], None) if len(hits) == 1 else (None, NAMED_NOTICE_DIFFERS)
    if ref and len(fits) > 1:
        by_unit = [c for c in fits if _names_unit(ref, c.unit_id)]
        if len(by_unit) == 1:
            return by_unit[0], None
    if len(fits) == 1:
        return fits[0], None
    return None, (NO_CANDIDATE if not fits else AMBIGUOUS)


#: The time limit of an unmatched line (domain.md §2.5, §5: bank reconciliation daily): booked or set
#: aside by the end of the next working day after its import (working days: a statement imported on
#: Friday waits over the weekend, not over a holiday week's make-up Saturday).
DEADLINE_RULE = "billing.bank_line"


def line_due(imported_on: date, calendar) -> datetime:
    """The end (00:00 the day after, Asia/Shanghai) of the next working day after `imported_on`, in UTC."""
    day = calendar.add_working_days(imported_on, 1)
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=OFFICE_TZ).astimezone(timezone.utc)


def next_commands(line) -> list[str]:
    return ["book_bank_line", "dismiss_bank_line"] if line.state == UNMATCHED else []
