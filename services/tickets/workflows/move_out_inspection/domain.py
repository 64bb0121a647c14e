"""The move-out inspection work order (工程维修单 / 单元验收移交记录表), pure domain logic.

domain.md §2.6: on ``move_out.requested`` Engineering inspects the unit's fittings and fills the
单元验收移交记录表 under an engineering work order (工程维修单, §2.2). If it finds defects, CS
issues a 违约处理单 (breach notice): the tenant fixes them by a deadline or pays compensation, and
Engineering re-inspects. §8: tickets emits ``move_out.inspection_completed``. When the desk
withdraws the move-out (``move_out.withdrawn``), engineering cancels the inspection it has not
finished. Plain Python: no nameko, no SQL, no I/O.

Statuses (codes and labels: `propdesk.contracts.vocab.WORK_ORDER_STATUSES`)::

    open --record_result(passed)--> passed (final)
    open --record_result(defects)--> defects_found --record_result--> passed | defects_found
    open | defects_found --cancel (move-out withdrawn)--> cancelled (final)

The service stores an `InspectionWorkOrder` as a model with the same attribute names and passes
it in; functions read and assign only those attributes (lists re-assigned, never mutated).
Work order numbers (``WO-<yyyymmdd>-<nnnn>``) are the chassis' (`uow.next_number("WO")`).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from propdesk.contracts.vocab import WORK_ORDER_STATUSES, WORK_ORDER_UNFINISHED
from propdesk.domain import Event
from propdesk.errors import Conflict, Problem, ValidationError

OPEN = "open"
DEFECTS_FOUND = "defects_found"
PASSED = "passed"
CANCELLED = "cancelled"
assert all(s in WORK_ORDER_STATUSES for s in (OPEN, DEFECTS_FOUND, PASSED, CANCELLED))

#: Statuses in which engineering still has an inspection to do: a withdrawn move-out cancels them.
#: (A re-inspection pending after defects is as unfinished as a first one.)
UNFINISHED = WORK_ORDER_UNFINISHED


@dataclass
class InspectionWorkOrder:
    """工程维修单 for a move-out inspection (单元验收移交记录表).

    `status`: "open" (not inspected yet), "defects_found" (re-inspection pending), "passed"
    (final), "cancelled" (the move-out was withdrawn; final). `defects` are those of the latest
    inspection; `inspector` who recorded it."""

    work_order_no: str
    move_out_id: str
    unit_id: str
    #: the unit's estate (管理处, vocab.ESTATES), from ``move_out.requested``; None when its event had none
    estate: str | None = None
    status: str = OPEN
    defects: list[str] = field(default_factory=list)
    inspector: str | None = None


def open_inspection(wo: InspectionWorkOrder) -> list[Event]:
    """A new work order for a move-out: status open, nothing recorded yet; emits
    ``move_out.inspection_opened`` (move_out_id, work_order_no, unit_id, estate)."""
    wo.status = OPEN
    wo.defects = []
    wo.inspector = None
    return [Event("move_out.inspection_opened",
                  {"move_out_id": wo.move_out_id, "work_order_no": wo.work_order_no, "unit_id": wo.unit_id,
                   "estate": wo.estate})]


def breach_notice_no_for(work_order_no: str) -> str:
    """The 违约处理单 number for defects found under a work order: ``WY-YYYYMMDD-NNNN``.

    One breach notice per inspection work order: a re-inspection that still finds defects keeps
    the same notice (it lists the defects still open), so the number is derived, not counted."""
    if work_order_no.startswith("WO-"):
        return "WY-" + work_order_no[3:]
    return "WY-" + work_order_no


def breach_notice_of(wo: InspectionWorkOrder) -> str | None:
    """The breach notice (违约处理单) number while defects are open, else None."""
    return breach_notice_no_for(wo.work_order_no) if wo.status == DEFECTS_FOUND else None


def record_result(wo: InspectionWorkOrder, passed: bool, defects: list[str], inspector: str | None) -> list[Event]:
    """Record the inspection result on the work order and emit ``move_out.inspection_completed``.

    Payload: move_out_id, work_order_no, unit_id, estate, passed, defects (list of str),
    breach_notice_id (违约处理单 number when defects were found, else None).

    Validation (all problems at once): ``inspector`` required; ``defects``
    ``required_when_failed`` (none listed on a failed inspection), ``must_be_empty_when_passed``,
    ``not_blank`` (a blank item). A re-inspection is allowed after "defects_found". Conflict:
    recording on a "cancelled" order (move_out_id, ``work_order_cancelled``: the move-out was
    withdrawn) or on a "passed" one (passed, ``passed_is_final``).
    """
    if wo.status == CANCELLED:
        raise Conflict(f"work order {wo.work_order_no} was cancelled: move-out {wo.move_out_id} was withdrawn",
                       field="move_out_id", rule="work_order_cancelled")
    if wo.status == PASSED:
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
    wo.status = PASSED if passed else DEFECTS_FOUND
    wo.defects = cleaned
    wo.inspector = str(inspector).strip()
    return [
        Event(
            "move_out.inspection_completed",
            {
                "move_out_id": wo.move_out_id,
                "work_order_no": wo.work_order_no,
                "unit_id": wo.unit_id,
                "estate": wo.estate,
                "passed": bool(passed),
                "defects": list(cleaned),
                "breach_notice_id": breach_notice_of(wo),
            },
        )
    ]


def next_commands(wo: InspectionWorkOrder) -> list[str]:
    """What the work order's state allows now: recording the (re-)inspection until it passed or
    was cancelled."""
    return ["record_inspection"] if wo.status in UNFINISHED else []


def cancel(wo: InspectionWorkOrder) -> bool:
    """The move-out was withdrawn: an unfinished inspection (open, or a re-inspection pending after
    defects) is cancelled. A passed or already cancelled order stays as it is. Returns whether the
    order changed. Defects and inspector stay as recorded (what engineering found so far)."""
    if wo.status not in UNFINISHED:
        return False
    wo.status = CANCELLED
    return True
