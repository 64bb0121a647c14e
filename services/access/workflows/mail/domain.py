"""Mail, newspapers and parcels at the desk (邮件/报纸/包裹), domain.md §2.12. Pure.

    RECEIVED (important mail — magazines, registered letters — and parcel notices delivered by the
              post office are signed for by management staff [000]; everything sorted by unit)
      = AWAITING_COLLECTION (registered; the recipient notified: ``mail.received``)
      -> COLLECTED (the recipient or their nominee signs)

domain.md's RECEIVED -> REGISTERED -> NOTIFIED happen in one step at the desk (inferred): the item is
logged as it is signed for, and the notice is the event notify sends on.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from propdesk.contracts.vocab import MAIL_KINDS, MAIL_STATES
from propdesk.domain import Event, as_utc, blank
from propdesk.errors import Conflict, Problem, ValidationError

AWAITING, COLLECTED = "awaiting_collection", "collected"
assert (AWAITING, COLLECTED) == MAIL_STATES.codes
IMPORTANT, PARCEL_NOTICE, PARCEL, NEWSPAPER = "important", "parcel_notice", "parcel", "newspaper"
assert (IMPORTANT, PARCEL_NOTICE, PARCEL, NEWSPAPER) == MAIL_KINDS.codes
#: What the post office hands over only against a staff signature [000].
SIGNED_FOR = (IMPORTANT, PARCEL_NOTICE)
#: Waiting longer than this, an item is overdue in the desk's queue (inferred, as storage's 3 days);
#: newspapers are collected daily [000]: overdue once their day is over.
COLLECT_WITHIN = timedelta(days=3)


@dataclass(kw_only=True)
class Mail:
    mail_no: str
    kind: str
    unit_id: str
    estate: str
    recipient_name: str
    state: str = AWAITING
    received_at: datetime
    signed_by: str | None = None


def validate_mail(data: dict) -> None:
    problems: list[Problem] = []
    if blank(data.get("unit_id")):
        problems.append(Problem("unit_id", "required", "mail is sorted by unit"))
    if data.get("kind") in SIGNED_FOR and not data.get("signed_for_by_staff"):
        problems.append(Problem("signed_for_by_staff", "signed_by_staff",
                                "important mail and parcel notices are signed for by management staff"))
    if problems:
        raise ValidationError(problems)


def received(m: Mail) -> list[Event]:
    return [Event("mail.received", {"mail_id": m.mail_no, "kind": m.kind, "unit_id": m.unit_id, "estate": m.estate,
                                    "recipient": m.recipient_name, "signed_by": m.signed_by,
                                    "received_at": as_utc(m.received_at).isoformat()})]


def collect(m: Mail, collector: str, signed: bool, now: datetime) -> list[Event]:
    """领取: the collector signs. ValidationError (collector_signed/collector_signature) unsigned,
    Conflict (mail_no, not_collected) when collected already."""
    if not signed:
        raise ValidationError.one("collector_signed", "collector_signature", "the collector signs for the mail")
    if m.state == COLLECTED:
        raise Conflict(f"{m.mail_no} was collected already", field="mail_no", rule="not_collected")
    m.state = COLLECTED
    return [Event("mail.collected", {"mail_id": m.mail_no, "kind": m.kind, "unit_id": m.unit_id, "estate": m.estate,
                                     "collector": collector, "collected_at": now.isoformat()})]


def next_commands(m: Mail) -> list[str]:
    return ["collect_mail"] if m.state == AWAITING else []
