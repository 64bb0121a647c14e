"""Tickets: the engineering inspection work order of a tenant move-out, pure domain logic.

domain.md §2.6: on ``move_out.requested`` Engineering inspects the unit's fittings and fills the
单元验收移交记录表 under an engineering work order (工程维修单, §2.2). If it finds defects, CS
issues a 违约处理单 (breach notice): the tenant fixes them by a deadline or pays compensation, and
Engineering re-inspects. §8: tickets emits ``move_out.inspection_completed``.

The service stores an `InspectionWorkOrder` as a model with the same attribute names and passes
it in; functions read and assign only those attributes (lists re-assigned, never mutated).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from propdesk.errors import Conflict, Problem, ValidationError

Event = tuple[str, dict]

STATUSES = ("open", "passed", "defects_found")


@dataclass
class InspectionWorkOrder:
    """工程维修单 for a move-out inspection (单元验收移交记录表).

    `status`: "open" (not inspected yet), "defects_found" (re-inspection pending), "passed" (final).
    `defects` are those of the latest inspection; `inspector` who recorded it."""

    work_order_no: str
    move_out_id: str
    unit_id: str
    status: str = "open"
    defects: list[str] = field(default_factory=list)
    inspector: str | None = None


def work_order_no_for(seq: int, today: date) -> str:
    """Work order number (工程维修单号): ``WO-YYYYMMDD-NNNN``, e.g. ``WO-20261122-0007``.

    `seq` is the day's running number, 1..9999 (the service keeps the counter)."""
    if not isinstance(seq, int) or isinstance(seq, bool) or not 1 <= seq <= 9999:
        raise ValidationError.one("seq", "between_1_and_9999", "work order sequence must be 1..9999")
    return f"WO-{today:%Y%m%d}-{seq:04d}"


def breach_notice_no_for(work_order_no: str) -> str:
    """The 违约处理单 number for defects found under a work order: ``WY-YYYYMMDD-NNNN``.

    One breach notice per inspection work order: a re-inspection that still finds defects keeps
    the same notice (it lists the defects still open), so the number is derived, not counted."""
    if work_order_no.startswith("WO-"):
        return "WY-" + work_order_no[3:]
    return "WY-" + work_order_no


def record_result(wo: InspectionWorkOrder, passed: bool, defects: list[str], inspector: str | None) -> list[Event]:
    """Record the inspection result on the work order and emit ``move_out.inspection_completed``.

    Payload: move_out_id, work_order_no, unit_id, passed, defects (list of str),
    breach_notice_id (违约处理单 number when defects were found, else None).

    Validation (all problems at once): ``inspector`` required; ``defects``
    ``required_when_failed`` (none listed on a failed inspection), ``must_be_empty_when_passed``,
    ``not_blank`` (a blank item). A re-inspection is allowed after "defects_found"; recording on a
    "passed" order raises `Conflict` (the result is final).
    """
    if wo.status == "passed":
        raise Conflict(f"work order {wo.work_order_no} already passed inspection; the result is final",
                       field="passed", rule="passed_is_final")
    items = list(defects or [])
    problems: list[Problem] = []
    if inspector is None or not str(inspector).strip():
        problems.append(Problem("inspector", "required", "name the engineer who inspected the unit"))
    if passed and items:
        problems.append(Problem("defects", "must_be_empty_when_passed", "a passed inspection lists no defects"))
    elif not passed and not items:
        problems.append(Problem("defects", "required_when_failed", "list the defects found (单元验收移交记录表)"))
    elif any(not isinstance(d, str) or not d.strip() for d in items):
        problems.append(Problem("defects", "not_blank", "every defect needs a description"))
    if problems:
        raise ValidationError(problems)

    cleaned = [d.strip() for d in items]
    wo.status = "passed" if passed else "defects_found"
    wo.defects = cleaned
    wo.inspector = str(inspector).strip()
    return [
        (
            "move_out.inspection_completed",
            {
                "move_out_id": wo.move_out_id,
                "work_order_no": wo.work_order_no,
                "unit_id": wo.unit_id,
                "passed": bool(passed),
                "defects": list(cleaned),
                "breach_notice_id": None if passed else breach_notice_no_for(wo.work_order_no),
            },
        )
    ]
