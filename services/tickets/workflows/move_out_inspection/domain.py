"""The move-out inspection work order (工程维修单 / 单元验收移交记录表), pure domain logic.

domain.md §2.6: on ``move_out.requested`` Engineering inspects the unit's fittings and fills the
单元验收移交记录表 under an engineering work order (工程维修单, §2.2). If it finds defects, CS
issues a 违约处理单 (breach notice): the tenant fixes them by a deadline or pays compensation, and
Engineering re-inspects. §8: tickets emits ``move_out.inspection_completed``. When the desk
withdraws the move-out (``move_out.withdrawn``), engineering cancels the inspection it has not
finished. METERS_READ_AND_CUT: on the same work order engineering records, once, the final meter
readings as of the exit and the supplies cut (`record_supply_cut`, ``unit.supply_cut``), whatever
the inspection's status but a cancelled one. Plain Python: no nameko, no SQL, no I/O.

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
from datetime import datetime
from decimal import Decimal, InvalidOperation

from propdesk.contracts.vocab import METER_KINDS, UTILITIES, WORK_ORDER_STATUSES, WORK_ORDER_UNFINISHED
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
    #: METERS_READ_AND_CUT (§2.6): when engineering cut the supply, by whom, the utilities cut
    #: (vocab.UTILITIES) and the final readings ([{meter, reading, read_at}]); None until then
    supply_cut_at: datetime | None = None
    supply_cut_by: str | None = None
    utilities_cut: list[str] | None = None
    final_readings: list[dict] | None = None


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


#: The largest meter reading engineering may record (billing's own bound, Numeric(14, 2)).
MAX_READING = Decimal("999999999999.99")


def _reading(raw, where: str, problems: list[Problem]) -> Decimal | None:
    text = str(raw).strip() if raw is not None else ""
    try:
        value = Decimal(text)
        if not value.is_finite():
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        problems.append(Problem(where, "decimal", "the meter's reading as a number, e.g. 1234.5"))
        return None
    if value < 0:
        problems.append(Problem(where, "not_negative", "a meter reading is not negative"))
    elif value.as_tuple().exponent < -2:
        problems.append(Problem(where, "max_2_decimals", "at most two decimals"))
    elif value > MAX_READING:
        problems.append(Problem(where, "too_large", "the reading is larger than any meter shows"))
    else:
        return value
    return None


def record_supply_cut(wo: InspectionWorkOrder, supplies: list[dict], engineer: str | None,
                      at: datetime) -> list[Event]:
    """Engineering read the unit's meters as of the exit and cut its supply (抄表、断水断电停空调,
    §2.6 METERS_READ_AND_CUT), and emits ``unit.supply_cut``.

    `supplies`: one row per utility cut, ``{"utility": water|electricity|ac, "reading": "1234.5"}``;
    each metered one (water, electricity: vocab.METER_KINDS) with its final reading, A/C without.
    Payload: move_out_id, work_order_no, unit_id, estate, utilities (codes, as given), at,
    final_readings ([{meter, reading (a string, as recorded), read_at}]: read at `at`).

    Validation (every problem at once): ``supplies`` required (none given); per row
    ``supplies[i].utility`` one_of / unique, ``supplies[i].reading`` required (a metered utility
    without its reading), not_metered (a reading for A/C), decimal / not_negative / max_2_decimals
    / too_large; ``engineer`` required. Conflict: a cancelled order (move_out_id,
    ``work_order_cancelled``), a supply already cut (move_out_id, ``supply_already_cut``: once per
    move-out; the readings are billed at once and not changed). The inspection need not have
    passed first (§2.6: inspection, meters and fees are partly parallel)."""
    if wo.status == CANCELLED:
        raise Conflict(f"work order {wo.work_order_no} was cancelled: move-out {wo.move_out_id} was withdrawn",
                       field="move_out_id", rule="work_order_cancelled")
    if wo.supply_cut_at is not None:
        raise Conflict(f"the supply of {wo.unit_id} was already cut under {wo.work_order_no}; its final readings "
                       "are billed and final", field="move_out_id", rule="supply_already_cut")
    problems: list[Problem] = []
    if engineer is None or not str(engineer).strip():
        problems.append(Problem("engineer", "required", "name the engineer who read the meters"))
    rows = list(supplies or [])
    if not rows:
        problems.append(Problem("supplies", "required", "list each supply cut (water, electricity, A/C)"))
    seen: set[str] = set()
    utilities: list[str] = []
    readings: list[dict] = []
    for i, row in enumerate(rows):
        where = f"supplies[{i}]."
        utility = str((row or {}).get("utility") or "").strip()
        raw = (row or {}).get("reading")
        given = raw is not None and str(raw).strip() != ""
        if utility not in UTILITIES:
            problems.append(Problem(where + "utility", "one_of", "water, electricity or A/C (水/电/空调)"))
            continue
        if utility in seen:
            problems.append(Problem(where + "utility", "unique", f"{utility} is listed twice"))
            continue
        seen.add(utility)
        utilities.append(utility)
        if utility in METER_KINDS:
            if not given:
                problems.append(Problem(where + "reading", "required",
                                        f"read the {utility} meter as of the exit before cutting it"))
                continue
            value = _reading(raw, where + "reading", problems)
            if value is not None:
                readings.append({"meter": utility, "reading": str(value), "read_at": at.isoformat()})
        elif given:
            problems.append(Problem(where + "reading", "not_metered", f"{utility} has no meter to read"))
    if problems:
        raise ValidationError(problems)
    wo.supply_cut_at = at
    wo.supply_cut_by = str(engineer).strip()
    wo.utilities_cut = list(utilities)
    wo.final_readings = [dict(r) for r in readings]
    return [Event("unit.supply_cut", {
        "move_out_id": wo.move_out_id, "work_order_no": wo.work_order_no, "unit_id": wo.unit_id,
        "estate": wo.estate, "utilities": list(utilities), "at": at.isoformat(),
        "final_readings": [dict(r) for r in readings]})]


def next_commands(wo: InspectionWorkOrder) -> list[str]:
    """What the work order's state allows now: recording the (re-)inspection until it passed or
    was cancelled; the final readings and the supply cut once, on an order not cancelled."""
    commands = ["record_inspection"] if wo.status in UNFINISHED else []
    if wo.status != CANCELLED and wo.supply_cut_at is None:
        commands.append("record_supply_cut")
    return commands


def cancel(wo: InspectionWorkOrder) -> bool:
    """The move-out was withdrawn: an unfinished inspection (open, or a re-inspection pending after
    defects) is cancelled. A passed or already cancelled order stays as it is. Returns whether the
    order changed. Defects and inspector stay as recorded (what engineering found so far)."""
    if wo.status not in UNFINISHED:
        return False
    wo.status = CANCELLED
    return True
