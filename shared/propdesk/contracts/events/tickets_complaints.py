"""The events of tickets' complaints (投诉, domain.md §2.3, 投诉处理表 QR-002FW): one contract per (type, version).

Who consumes them is not written here: it is read from the subscription tables
(`messages.SUBSCRIPTIONS`) into docs/events.md. Codes are those of `propdesk.contracts.vocab`
(COMPLAINT_KINDS, COMPLAINT_STATES, COMPLAINT_REOPEN_REASONS)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from propdesk.contracts.events._fields import DeadlineBreach, Estate
from propdesk.contracts.registry import contract

#: The kinds of complaint (vocab.COMPLAINT_KINDS); None until the complaint is triaged (one opened
#: from a contact classified as a complaint).
KINDS = ("ordinary", "major", "written", "unreasonable", "out_of_scope")
#: Why a complaint was reopened (vocab.COMPLAINT_REOPEN_REASONS): both count as 二次投诉.
REOPEN_REASONS = ("dissatisfied", "second_complaint")


def _kind(**kwargs):
    return fields.String(validate=validate.OneOf(KINDS), allow_none=True, **kwargs)


@contract("complaint.registered", 1, producer="tickets")
class ComplaintRegisteredV1(Schema):
    """A complaint (投诉) is logged in the 投诉处理表 QR-002FW, whatever the channel; from the desk, or
    from a contact classified as a complaint (`contact_id`: contacts links it). `kind` is None until
    the complaint is triaged."""

    complaint_id = fields.String(required=True)
    complaint_no = fields.String(required=True)  # CP-yyyymmdd-nnnn
    contact_id = fields.String(load_default=None, allow_none=True)
    unit_id = fields.String(required=True, allow_none=True)
    estate = Estate()
    kind = _kind(required=True)
    received_at = fields.DateTime(load_default=None, allow_none=True)
    received_by = fields.String(load_default=None, allow_none=True)


@contract("complaint.escalated", 1, producer="tickets")
class ComplaintEscalatedV1(Schema):
    """A major complaint went to the 管理处主任, or a written one (收文) up to leadership; `reply_due`
    is the reply time agreed with the complainant (tracked as a deadline)."""

    complaint_id = fields.String(required=True)
    complaint_no = fields.String(required=True)
    unit_id = fields.String(required=True, allow_none=True)
    estate = Estate()
    kind = _kind(required=True)
    level = fields.String(required=True)  # a role code: "director"
    reply_due = fields.DateTime(required=True, allow_none=True)


@contract("complaint.progress_notified", 1, producer="tickets")
class ComplaintProgressNotifiedV1(Schema):
    """The complainant was sent a progress notice: the outcome could not be told within 3 days
    (domain.md §2.3). The next one is due 3 days later unless the outcome is told first."""

    complaint_id = fields.String(required=True)
    complaint_no = fields.String(required=True)
    unit_id = fields.String(required=True, allow_none=True)
    estate = Estate()
    channel = fields.String(required=True)
    next_due = fields.DateTime(required=True, allow_none=True)


@contract("complaint.resolved", 1, producer="tickets")
class ComplaintResolvedV1(Schema):
    """The complainant was told the outcome (复清楚: the reply, a written one for a written
    complaint; or the explanation / the proper route for an unreasonable or out-of-scope one):
    a return visit is due."""

    complaint_id = fields.String(required=True)
    complaint_no = fields.String(required=True)
    unit_id = fields.String(required=True, allow_none=True)
    estate = Estate()
    kind = _kind(load_default=None)
    within_3_days = fields.Boolean(load_default=None, allow_none=True)
    second_complaints = fields.Integer(load_default=0)


@contract("complaint.reopened", 1, producer="tickets")
class ComplaintReopenedV1(Schema):
    """A dissatisfied return visit or a second complaint on the same matter reopened it: it counts
    as 二次投诉 and needs a root-cause review (检讨分析原因) before it is handled and closed again."""

    complaint_id = fields.String(required=True)
    complaint_no = fields.String(required=True)
    unit_id = fields.String(required=True, allow_none=True)
    estate = Estate()
    reason = fields.String(required=True, validate=validate.OneOf(REOPEN_REASONS))
    second_complaints = fields.Integer(required=True)


@contract("complaint.closed", 1, producer="tickets")
class ComplaintClosedV1(Schema):
    """Process, result and the complainant's feedback recorded; filed (立卷备查)."""

    complaint_id = fields.String(required=True)
    complaint_no = fields.String(required=True)
    unit_id = fields.String(required=True, allow_none=True)
    estate = Estate()
    kind = _kind(required=True)
    within_3_days = fields.Boolean(required=True, allow_none=True)
    satisfaction = fields.String(required=True, allow_none=True)  # the return visit's overall opinion
    second_complaints = fields.Integer(required=True)


# --- time limits (domain.md §5): breach events of `messages.DEADLINES` ------------------------------
@contract("complaint.measures_overdue", 1, producer="tickets")
class ComplaintMeasuresOverdueV1(DeadlineBreach):
    """The handling measures of an ordinary complaint (or the escalation of a major one) were not
    decided within 30 minutes of receipt (domain.md §2.3, §5); the CS supervisor is told."""


@contract("complaint.reply_overdue", 1, producer="tickets")
class ComplaintReplyOverdueV1(DeadlineBreach):
    """The complainant was not told the outcome within 3 days of receipt (or of the last progress
    notice): a progress notice is due (domain.md §2.3, §5); the CS supervisor is told."""


@contract("complaint.agreed_reply_overdue", 1, producer="tickets")
class ComplaintAgreedReplyOverdueV1(DeadlineBreach):
    """The reply time agreed with the complainant of a major (or written) complaint passed without
    a reply (domain.md §2.3); the management-office director is told."""
