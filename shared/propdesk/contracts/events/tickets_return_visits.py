"""The events of tickets' return visits (回访, domain.md §2.4, QR-003FW): one contract per (type, version).

Who consumes them is not written here: it is read from the subscription tables
(`messages.SUBSCRIPTIONS`) into docs/events.md. Codes are those of `propdesk.contracts.vocab`
(RETURN_VISIT_METHODS, RETURN_VISIT_OCCASIONS, RETURN_VISIT_OPINIONS)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from propdesk.contracts.events._fields import DeadlineBreach, Estate
from propdesk.contracts.registry import contract

#: What a visit follows up: a repair, a complaint, or nothing (a cadence or survey visit).
SUBJECT_TYPES = ("repair", "complaint")
#: The overall opinion (意见) and the rating of each dimension (守时, 态度, 质量).
OPINIONS = ("satisfied", "fairly_satisfied", "dissatisfied")


def _subject_type():
    return fields.String(required=True, allow_none=True, validate=validate.OneOf(SUBJECT_TYPES))


@contract("return_visit.planned", 1, producer="tickets")
class ReturnVisitPlannedV1(Schema):
    """A return visit (回访) is planned as a task with an appointment: after an accepted repair or a
    resolved complaint, on a cadence (every 7 days by phone; monthly), or as the next visit after a
    dissatisfied one was explained."""

    return_visit_id = fields.String(required=True)
    return_visit_no = fields.String(required=True)  # RV-yyyymmdd-nnnn
    subject_type = _subject_type()
    subject_id = fields.String(required=True, allow_none=True)
    unit_id = fields.String(required=True, allow_none=True)  # null: a common-area repair
    estate = Estate()
    occasion = fields.String(required=True)  # vocab.RETURN_VISIT_OCCASIONS
    method = fields.String(required=True)  # vocab.RETURN_VISIT_METHODS
    due_at = fields.DateTime(required=True)  # the appointment (UTC)
    assignee = fields.String(required=True, allow_none=True)
    #: the dissatisfied visit this one follows up (occasion follow_up), else null
    previous_return_visit_id = fields.String(load_default=None, allow_none=True)


@contract("return_visit.completed", 1, producer="tickets")
class ReturnVisitCompletedV1(Schema):
    """The owner was visited and the visit recorded (回访记录表 QR-003FW). repairs closes the repair
    (闭单) on satisfied / fairly satisfied and sends it back to rectification on dissatisfied;
    complaints reopens a complaint on dissatisfied (二次投诉, root-cause review)."""

    return_visit_id = fields.String(required=True)
    return_visit_no = fields.String(load_default=None, allow_none=True)
    subject_type = _subject_type()
    subject_id = fields.String(required=True, allow_none=True)
    unit_id = fields.String(required=True, allow_none=True)  # null: a common-area repair
    estate = Estate()
    overall = fields.String(required=True, validate=validate.OneOf(OPINIONS))
    method = fields.String(load_default=None, allow_none=True)
    punctuality = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(OPINIONS))
    attitude = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(OPINIONS))
    quality = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(OPINIONS))
    visited_by = fields.String(load_default=None, allow_none=True)
    visited_at = fields.DateTime(load_default=None, allow_none=True)


@contract("return_visit.rectification_ordered", 1, producer="tickets")
class ReturnVisitRectificationOrderedV1(Schema):
    """A dissatisfied owner: rectification (整改) ordered to a responsible department with a deadline."""

    return_visit_id = fields.String(required=True)
    return_visit_no = fields.String(required=True)
    subject_type = _subject_type()
    subject_id = fields.String(required=True, allow_none=True)
    unit_id = fields.String(required=True, allow_none=True)
    estate = Estate()
    department = fields.String(required=True)  # vocab.RETURN_VISIT_DEPARTMENTS
    measures = fields.String(required=True)
    deadline = fields.DateTime(required=True)


@contract("return_visit.rectified", 1, producer="tickets")
class ReturnVisitRectifiedV1(Schema):
    """The rectification ordered after a dissatisfied visit was done and checked: the visit is closed."""

    return_visit_id = fields.String(required=True)
    return_visit_no = fields.String(required=True)
    subject_type = _subject_type()
    subject_id = fields.String(required=True, allow_none=True)
    unit_id = fields.String(required=True, allow_none=True)
    estate = Estate()
    department = fields.String(required=True)
    on_time = fields.Boolean(required=True)
    rectified_at = fields.DateTime(required=True)


@contract("return_visit.overdue", 1, producer="tickets")
class ReturnVisitOverdueV1(DeadlineBreach):
    """A planned return visit was not recorded within an hour of its appointment (domain.md §2.4, §5)."""


@contract("return_visit.rectification_overdue", 1, producer="tickets")
class ReturnVisitRectificationOverdueV1(DeadlineBreach):
    """The rectification ordered after a dissatisfied return visit was not confirmed by its deadline."""
