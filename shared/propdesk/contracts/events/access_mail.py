"""The events of access' mail desk (邮件, 报纸, 包裹, domain.md §2.12): the recipient is notified
(notify templates them by `kind`) and the collection is signed."""
from __future__ import annotations

from marshmallow import Schema, fields

from propdesk.contracts.events._fields import Estate
from propdesk.contracts.registry import contract


@contract("mail.received", 1, producer="access")
class MailReceivedV1(Schema):
    """Mail arrived at the desk for a unit and waits for collection (important mail and parcel
    notices signed for by staff). `kind`: vocab.MAIL_KINDS."""

    mail_id = fields.String(required=True)  # the mail number (YJ-yyyymmdd-nnnn)
    kind = fields.String(required=True)
    unit_id = fields.String(required=True)
    estate = Estate()
    recipient = fields.String(required=True)
    signed_by = fields.String(required=True, allow_none=True)  # the staff member who signed for it
    received_at = fields.AwareDateTime(required=True)


@contract("mail.collected", 1, producer="access")
class MailCollectedV1(Schema):
    """The recipient (or their nominee) collected the mail and signed."""

    mail_id = fields.String(required=True)
    kind = fields.String(required=True)
    unit_id = fields.String(required=True)
    estate = Estate()
    collector = fields.String(required=True)
    collected_at = fields.AwareDateTime(required=True)
