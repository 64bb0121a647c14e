"""Demo mail log anchored on `now`: parcels and important mail waiting (one over 3 days), today's
newspapers, and collected items."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from propdesk import demo
from propdesk.chassis.calendar import office_day
from propdesk.chassis.numbering import next_number
from propdesk_services.access.workflows.mail.handlers import SERIES
from propdesk_services.access.workflows.mail.models import MailItem

# (days ago, kind, unit, sender, collected)
_MAIL = (
    (0.1, "parcel", "1-1-303", "顺丰速运", False),
    (0.1, "newspaper", "1-2-1101", "邮局", False),
    (0.1, "newspaper", "2-1-502", "邮局", False),
    (1, "important", "3-2-902", "中国邮政 挂号信", False),
    (4, "parcel", "2-1-1101", "京东物流", False),
    (2, "parcel_notice", "1-1-401", "中国邮政", True),
    (3, "parcel", "1-2-702", "中通快递", True),
    (0.3, "important", "T1-24F", "EMS", False),
)


def load(session: Session, now: datetime) -> str:
    if session.scalar(select(MailItem.id).limit(1)) is not None:
        return "mail already loaded"
    owners = {p["party_id"]: p["name"] for p in demo.parties()}
    for n, (ago, kind, unit, sender, collected) in enumerate(_MAIL):
        at = now - timedelta(days=ago)
        name = owners.get(f"TEN-{unit}") or owners.get(f"OWN-{unit}") or "收件人"
        session.add(MailItem(
            mail_no=next_number(session, SERIES, office_day(at)), estate=demo.estate_of(unit), kind=kind, unit_id=unit,
            recipient_name=name, sender=sender, tracking_ref=f"DEMO{n + 1:06d}", description=None,
            state="collected" if collected else "awaiting_collection", received_at=at,
            signed_by="front_desk" if kind in ("important", "parcel_notice") else None, received_by="front_desk",
            collected_at=at + timedelta(hours=6) if collected else None, collector_name=name if collected else None,
            handed_over_by="front_desk" if collected else None))
    return f"{len(_MAIL)} mail items"
