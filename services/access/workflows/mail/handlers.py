"""The mail desk's handlers (邮件/报纸/包裹, domain.md §2.12): register (the recipient notified
through ``mail.received``), collect with a signature (``mail.collected``). Numbers ``YJ-...``."""
from __future__ import annotations

from sqlalchemy import select

from propdesk.chassis import records
from propdesk.chassis.calendar import office_day
from propdesk.chassis.estates import within
from propdesk_services.access.workflows.mail import domain
from propdesk_services.access.workflows.mail.models import MailItem
from propdesk_services.access.workflows.mail.schemas import MailSchema
from propdesk_services.access.workflows.registers import aware, end_of_office_day, estate_for, queue_item

SERIES = "YJ"
_MAIL = MailSchema()
LIST_LIMIT = 200


def _mail(session, mail_no: str, estates, *, lock: bool = False) -> MailItem:
    return records.one(session, MailItem.mail_no, mail_no, estates, what="mail", field="mail_no", lock=lock)


def get_mail(args: dict, reader) -> dict:
    """One item of the mail log."""
    return _MAIL.dump(_mail(reader.session, args["mail_no"], reader.estates))


def list_mail(args: dict, reader) -> list[dict]:
    """The mail log of the asker's estates, newest first (at most 200)."""
    rows = records.listing(reader, MailItem, args, equals=("kind", "state", "unit_id"),
                           search=(MailItem.recipient_name, MailItem.mail_no,), newest=(MailItem.id,), limit=LIST_LIMIT)
    return _MAIL.dump(rows, many=True)


def possible_actions(mail_no: str, reader) -> list[str]:
    return domain.next_commands(_mail(reader.session, mail_no, reader.estates))


def _due(row: MailItem):
    if row.kind == domain.NEWSPAPER:
        return end_of_office_day(office_day(aware(row.received_at)))
    return aware(row.received_at) + domain.COLLECT_WITHIN


def mail_to_collect(args: dict, reader) -> list[dict]:
    """Parcels, important mail and newspapers waiting at the desk, oldest first; overdue after 3
    days (newspapers: after their day). The item's kind is its ``fields`` (said in the words of
    `MailSchema`'s kind, vocab MAIL_KINDS), not a code in its detail."""
    now = reader.now()
    stmt = within(select(MailItem), MailItem.estate, reader.estates).where(MailItem.state == domain.AWAITING)
    return [queue_item("mail", r.mail_no, f"{r.unit_id} {r.recipient_name}", "", r.received_at, _due(r), now,
                       r.received_by, fields={"kind": r.kind})
            for r in reader.session.scalars(stmt.order_by(MailItem.received_at, MailItem.id).limit(LIST_LIMIT))]


def register_mail(cmd, uow) -> dict:
    """邮件/包裹登记: sorted by unit; important mail and parcel notices signed for by the staff member
    registering them. Emits ``mail.received`` (notify tells the recipient)."""
    data = cmd.data
    domain.validate_mail(data)
    estate = estate_for(cmd, data["unit_id"])
    number, now = uow.next_number(SERIES), uow.now()
    uow.correlation_id = number
    signed = cmd.actor.id if data.get("signed_for_by_staff") else None
    row = MailItem(mail_no=number, estate=estate, kind=data["kind"], unit_id=data["unit_id"].strip(),
                   recipient_name=data["recipient_name"].strip(), sender=data.get("sender"),
                   tracking_ref=data.get("tracking_ref"), description=data.get("description"), state=domain.AWAITING,
                   received_at=now, signed_by=signed, received_by=cmd.actor.id)
    uow.session.add(row)
    uow.emit_all(domain.received(row))
    uow.audit("mail.register", "mail", number, {"kind": row.kind, "unit_id": row.unit_id, "signed_by": signed})
    uow.session.flush()
    return _MAIL.dump(row)


def collect_mail(cmd, uow) -> dict:
    """领取: the collector signs; emits ``mail.collected``. Conflict (mail_no, not_collected) twice."""
    row = _mail(uow.session, cmd.data["mail_no"], cmd.estates, lock=True)
    uow.correlation_id = row.mail_no
    now, collector = uow.now(), cmd.data["collector_name"].strip()
    uow.emit_all(domain.collect(row, collector, cmd.data["collector_signed"], now))
    row.collected_at, row.collector_name, row.handed_over_by = now, collector, cmd.actor.id
    uow.audit("mail.collect", "mail", row.mail_no, {"collector": collector})
    return _MAIL.dump(row)
