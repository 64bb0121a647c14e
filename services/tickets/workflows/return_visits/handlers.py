"""Return visits' handlers (回访, 回访记录表 QR-003FW; domain.md §2.4).

Plain functions of (message, uow): load, call `domain`, add rows, deadlines, events and audit rows
to the unit of work. Who may give a command is `propdesk.policy`; the chassis has checked the
role, the request's shape and the idempotency key before a command handler runs.

As events::

    repair.accepted (repairs)       -> a visit RV-<yyyymmdd>-<nnnn> (phone), return_visit.planned
    complaint.resolved (complaints) -> a visit (phone; in writing for a written complaint)
    plan_return_visit               -> a visit at the agreed appointment
    start_return_visit_round        -> a round (周期回访) and its first visit; the timer
                                       plan_cadence_visits plans the next ones
    record_return_visit             -> return_visit.completed (closed, or dissatisfied)
    order_rectification             -> return_visit.rectification_ordered (deadline set)
    confirm_rectification           -> return_visit.rectified (closed)
    explain_return_visit            -> the next visit planned (follow_up), return_visit.planned
    reschedule / cancel             -> the appointment (and its deadline) moved / cancelled

Deadlines (``messages.DEADLINES``): ``return_visit.due`` one hour after the appointment, met when
the visit is recorded; ``return_visit.rectification`` at the ordered deadline, met when confirmed.

Estates: a visit keeps its unit's estate (propdesk.demo.estate_of, or the event's); a person sees
and acts on their estates' visits only: another estate's answers as absent (NotFound
return_visit_id/exists), a unit of another estate as unknown (unit_id/unknown_unit).
"""
from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

from sqlalchemy import select, update

from propdesk import demo
from propdesk.chassis.estates import visible
from propdesk.contracts.envelope import Actor, Envelope
from propdesk.contracts.vocab import RETURN_VISIT_OCCASIONS
from propdesk.domain import as_utc
from propdesk.errors import Conflict, NotFound, ValidationError
from propdesk.policy import RETURN_VISIT_DESK, RETURN_VISIT_LEADERSHIP
from propdesk_services.tickets.workflows.return_visits import domain
from propdesk_services.tickets.workflows.return_visits.models import ReturnVisitRound, ReturnVisitRow
from propdesk_services.tickets.workflows.return_visits.schemas import ReturnVisitSchema, RoundSchema

#: The number series of return visits (回访).
SERIES = "RV"
#: The record types of the audit trail, the deadlines and the desk (RECORDS).
RECORD = "return_visit"
ROUND = "return_visit_round"
#: Who sees the queues of visits due and of rectifications (the desk), and of dissatisfied visits.
DESK_ROLES = RETURN_VISIT_DESK
LEADERSHIP_ROLES = RETURN_VISIT_LEADERSHIP
#: A round's next visit is planned this long before its appointment (appointments are booked in advance).
ROUND_LEAD = timedelta(days=1)

_VISIT = ReturnVisitSchema()
_ROUND = RoundSchema()


def _new_id() -> str:
    return uuid4().hex


def dump(row: ReturnVisitRow, now) -> dict:
    out = _VISIT.dump(row)
    out["overdue"] = row.state == domain.PLANNED and now > domain.overdue_at(as_utc(row.due_at))
    return out


# --- loading ---------------------------------------------------------------------------------------
def visit_of(session, return_visit_id: str, estates=None, lock: bool = False) -> ReturnVisitRow:
    """The visit; NotFound (return_visit_id, exists) when absent or of an estate outside `estates`."""
    stmt = select(ReturnVisitRow).where(ReturnVisitRow.return_visit_id == return_visit_id)
    if lock:
        stmt = stmt.with_for_update()
    row = session.scalars(stmt).one_or_none()
    if row is None or not visible(estates, row.estate):
        raise NotFound(f"no return visit {return_visit_id}", field="return_visit_id", rule="exists")
    return row


def round_of(session, round_id: str, estates=None, lock: bool = False) -> ReturnVisitRound:
    stmt = select(ReturnVisitRound).where(ReturnVisitRound.round_id == round_id)
    if lock:
        stmt = stmt.with_for_update()
    row = session.scalars(stmt).one_or_none()
    if row is None or not visible(estates, row.estate):
        raise NotFound(f"no round of return visits {round_id}", field="round_id", rule="exists")
    return row


def _unit_estate(unit_id: str, estates) -> str:
    """The unit's estate; ValidationError (unit_id, unknown_unit) for a unit the office does not
    know or one of another estate (the same answer)."""
    estate = demo.estate_of(unit_id)
    if estate is None or not visible(estates, estate):
        raise ValidationError.one("unit_id", "unknown_unit", f"no unit {unit_id}")
    return estate


def _open_visit_of_subject(session, subject_type: str, subject_id: str) -> ReturnVisitRow | None:
    return session.scalars(select(ReturnVisitRow).where(
        ReturnVisitRow.subject_type == subject_type, ReturnVisitRow.subject_id == subject_id,
        ReturnVisitRow.state == domain.PLANNED).limit(1)).first()


# --- planning --------------------------------------------------------------------------------------
def plan_visit(uow, *, unit_id, estate, occasion, method, due_at, planned_by, subject_type=None, subject_id=None,
               subject_no=None, client_name=None, assignee=None, round_id=None, previous_id=None,
               correlation_id=None) -> ReturnVisitRow:
    """Add a PLANNED visit with its ``return_visit.due`` deadline and ``return_visit.planned``, on
    the business case `correlation_id` (None: the visit is its own case)."""
    now = uow.now()
    visit_id = _new_id()
    uow.correlation_id = correlation_id or visit_id
    row = ReturnVisitRow(return_visit_id=visit_id, return_visit_no=uow.next_number(SERIES), unit_id=unit_id,
                         estate=estate, occasion=occasion, method=method, due_at=due_at, subject_type=subject_type,
                         subject_id=subject_id, subject_no=subject_no, client_name=client_name, assignee=assignee,
                         round_id=round_id, previous_id=previous_id, planned_by=planned_by,
                         correlation_id=uow.correlation_id, created_at=now, updated_at=now)
    events = domain.plan(row)
    uow.session.add(row)
    uow.session.flush()
    uow.set_deadline(domain.DUE_RULE, RECORD, visit_id, domain.overdue_at(due_at), responsible=assignee,
                     estate=estate, summary=_summary(row))
    uow.emit_all(events)
    uow.audit("return_visit.plan", RECORD, visit_id,
              {"return_visit_no": row.return_visit_no, "unit_id": unit_id, "occasion": occasion, "method": method,
               "due_at": due_at.isoformat(), "subject_type": subject_type, "subject_id": subject_id,
               "round_id": round_id, "previous_id": previous_id})
    return row


def _summary(row: ReturnVisitRow) -> str:
    what = RETURN_VISIT_OCCASIONS.label(row.occasion)
    return " ".join(x for x in (row.return_visit_no, row.unit_id, what, row.subject_no) if x)


def plan_return_visit(cmd, uow) -> dict:
    """预约回访: plan a visit to a unit at an agreed appointment (a survey or an ad-hoc visit; or a
    repair or complaint followed up by hand). ValidationError: unit_id unknown_unit, due_at
    not_in_past, subject_id required with a subject_type; Conflict (subject_id, one_open_visit) when
    that repair or complaint already has a planned visit."""
    d = cmd.data
    domain.check_plan(d["unit_id"], d["method"], d["due_at"], uow.now())
    estate = _unit_estate(d["unit_id"], cmd.estates)
    subject_type, subject_id = d["subject_type"], d["subject_id"]
    if subject_type is not None and domain._blank(subject_id):
        raise ValidationError.one("subject_id", "required", "the repair or complaint followed up")
    if subject_type is None:
        subject_id = None
    elif _open_visit_of_subject(uow.session, subject_type, subject_id) is not None:
        raise Conflict(f"{subject_type} {subject_id} already has a planned return visit",
                       field="subject_id", rule="one_open_visit")
    row = plan_visit(uow, unit_id=d["unit_id"], estate=estate, occasion=subject_type or "survey",
                     method=d["method"], due_at=d["due_at"], planned_by=cmd.actor.id, subject_type=subject_type,
                     subject_id=subject_id, client_name=d["client_name"], assignee=d["assignee"],
                     correlation_id=subject_id)
    return dump(row, uow.now())


def on_repair_accepted(event: Envelope, uow) -> None:
    """CS acceptance of a repair passed (验收合格): a phone return visit is planned, due at 17:00 on
    the second working day (one planned visit per repair at a time)."""
    p = event.payload
    _plan_after(uow, "repair", p["repair_id"], p.get("repair_no"), p.get("unit_id"), p.get("estate"),
                "phone", p.get("owner"))


def on_complaint_resolved(event: Envelope, uow) -> None:
    """The complainant was told the outcome: a return visit is planned, by phone (in writing for a
    written complaint), due at 17:00 on the second working day."""
    p = event.payload
    method = "written" if p.get("kind") == "written" else "phone"
    _plan_after(uow, "complaint", p["complaint_id"], p.get("complaint_no"), p.get("unit_id"), p.get("estate"),
                method, None)


def _plan_after(uow, subject_type, subject_id, subject_no, unit_id, estate, method, client_name) -> None:
    if _open_visit_of_subject(uow.session, subject_type, subject_id) is not None:
        return  # announced again while its visit is still planned: nothing new
    estate = estate or demo.estate_of(unit_id)
    plan_visit(uow, unit_id=unit_id, estate=estate, occasion=subject_type, method=method,
               due_at=domain.auto_due_at(uow.now(), uow.calendar), planned_by=None, subject_type=subject_type,
               subject_id=subject_id, subject_no=subject_no, client_name=client_name,
               correlation_id=uow.correlation_id)


# --- rounds (周期回访) -------------------------------------------------------------------------------
def start_return_visit_round(cmd, uow) -> dict:
    """设定周期回访: a unit visited every 7 days by phone, or monthly by phone or in person; the
    first visit is planned now, the next ones by the timer a day before each appointment.
    ValidationError: unit_id unknown_unit, method weekly_by_phone / monthly_phone_or_in_person,
    first_due_at not_in_past."""
    d = cmd.data
    now = uow.now()
    domain.check_plan(d["unit_id"], d["method"], d["first_due_at"], now, cadence=d["cadence"])
    estate = _unit_estate(d["unit_id"], cmd.estates)
    rnd = ReturnVisitRound(round_id=_new_id(), unit_id=d["unit_id"], estate=estate, cadence=d["cadence"],
                           method=d["method"], client_name=d["client_name"], assignee=d["assignee"],
                           next_due_at=domain.add_period(d["first_due_at"], d["cadence"]), active=True,
                           started_by=cmd.actor.id, created_at=now, updated_at=now)
    uow.session.add(rnd)
    uow.correlation_id = rnd.round_id
    uow.audit("return_visit_round.start", ROUND, rnd.round_id,
              {"unit_id": rnd.unit_id, "cadence": rnd.cadence, "method": rnd.method,
               "first_due_at": d["first_due_at"].isoformat()})
    plan_visit(uow, unit_id=rnd.unit_id, estate=estate, occasion=rnd.cadence, method=rnd.method,
               due_at=d["first_due_at"], planned_by=cmd.actor.id, client_name=rnd.client_name,
               assignee=rnd.assignee, round_id=rnd.round_id, correlation_id=rnd.round_id)
    return _ROUND.dump(rnd)


def stop_return_visit_round(cmd, uow) -> dict:
    """结束周期回访: no further visits are planned for the round (a visit already planned stays;
    cancel it on its own). Conflict (round_id, round_active_only) when already stopped."""
    rnd = round_of(uow.session, cmd.data["round_id"], cmd.estates, lock=True)
    if not rnd.active:
        raise Conflict("the round was already stopped", field="round_id", rule="round_active_only")
    rnd.active, rnd.stop_reason, rnd.updated_at = False, cmd.data["reason"], uow.now()
    uow.correlation_id = rnd.round_id
    uow.audit("return_visit_round.stop", ROUND, rnd.round_id, {"reason": rnd.stop_reason})
    return _ROUND.dump(rnd)


def plan_cadence_visits(db) -> int:
    """Timer: for every active round whose next appointment is within a day, plan that visit
    (moved to the next working day if it falls on a weekend or holiday) unless one of the round's
    visits is still planned; appointments missed meanwhile are skipped, not stacked. Each round in
    its own unit of work, claimed by a conditional update (several processes plan it once)."""
    now = db.clock.now()
    with db.session() as s:
        due = s.execute(select(ReturnVisitRound.round_id, ReturnVisitRound.next_due_at).where(
            ReturnVisitRound.active.is_(True), ReturnVisitRound.next_due_at <= now + ROUND_LEAD)
            .order_by(ReturnVisitRound.next_due_at).limit(500)).all()
    planned = 0
    for round_id, next_due_at in due:
        with db(actor=Actor.system("tickets")) as uow:
            busy = uow.session.scalar(select(ReturnVisitRow.return_visit_id).where(
                ReturnVisitRow.round_id == round_id, ReturnVisitRow.state == domain.PLANNED).limit(1))
            if busy is not None:
                continue
            rnd = uow.session.get(ReturnVisitRound, round_id)
            appointment = as_utc(next_due_at)
            while appointment < now:  # missed while a visit was still open: the next date to come
                appointment = domain.add_period(appointment, rnd.cadence)
            appointment = domain.on_working_day(appointment, uow.calendar)
            following = domain.add_period(appointment, rnd.cadence)
            claimed = uow.session.execute(update(ReturnVisitRound).where(
                ReturnVisitRound.round_id == round_id, ReturnVisitRound.next_due_at == next_due_at,
                ReturnVisitRound.active.is_(True)).values(next_due_at=following, updated_at=now)).rowcount
            if not claimed:
                continue
            plan_visit(uow, unit_id=rnd.unit_id, estate=rnd.estate, occasion=rnd.cadence, method=rnd.method,
                       due_at=appointment, planned_by=None, client_name=rnd.client_name, assignee=rnd.assignee,
                       round_id=round_id, correlation_id=round_id)
            uow.commit()
            planned += 1
    return planned


# --- the visit -------------------------------------------------------------------------------------
def _acting_on(cmd, uow) -> ReturnVisitRow:
    row = visit_of(uow.session, cmd.data["return_visit_id"], cmd.estates, lock=True)
    if row.correlation_id:
        uow.correlation_id = row.correlation_id
    return row


def record_return_visit(cmd, uow) -> dict:
    """登记回访结果 (回访记录表 QR-003FW): ratings (守时, 态度, 质量), the overall opinion, suggestions;
    the owner's signature in person or in writing, who answered by phone or email. Satisfied or
    fairly satisfied closes the visit; dissatisfied waits for rectification or an explanation.
    Emits ``return_visit.completed``; meets the ``return_visit.due`` deadline."""
    row = _acting_on(cmd, uow)
    events = domain.record(row, cmd.data, cmd.actor.id, uow.now())
    on_time = uow.meet_deadline(domain.DUE_RULE, RECORD, row.return_visit_id)
    row.updated_at = uow.now()
    uow.emit_all(events)
    uow.audit("return_visit.record", RECORD, row.return_visit_id,
              {"return_visit_no": row.return_visit_no, "overall": row.overall, "method": row.method,
               "on_time": on_time, "state": row.state})
    return dump(row, uow.now())


def order_rectification(cmd, uow) -> dict:
    """不满意 → 整改: a responsible department, what it is to do, and a deadline (the
    ``return_visit.rectification`` deadline, followed up by whoever ordered it).
    Emits ``return_visit.rectification_ordered``."""
    d = cmd.data
    row = _acting_on(cmd, uow)
    events = domain.order_rectification(row, d["department"], d["deadline"], d["measures"], uow.now())
    uow.set_deadline(domain.RECTIFICATION_RULE, RECORD, row.return_visit_id, d["deadline"],
                     responsible=cmd.actor.id, estate=row.estate, summary=_summary(row))
    row.updated_at = uow.now()
    uow.emit_all(events)
    uow.audit("return_visit.rectify_order", RECORD, row.return_visit_id,
              {"department": row.department, "deadline": d["deadline"].isoformat(), "measures": row.measures})
    return dump(row, uow.now())


def confirm_rectification(cmd, uow) -> dict:
    """整改完成: the rectification was done and checked; the visit is closed.
    Emits ``return_visit.rectified``; meets the ``return_visit.rectification`` deadline."""
    row = _acting_on(cmd, uow)
    events = domain.confirm_rectification(row, cmd.data["result"], uow.now())
    uow.meet_deadline(domain.RECTIFICATION_RULE, RECORD, row.return_visit_id)
    row.updated_at = uow.now()
    uow.emit_all(events)
    uow.audit("return_visit.rectified", RECORD, row.return_visit_id,
              {"result": row.rectification_result, "on_time": events[0].payload["on_time"]})
    return dump(row, uow.now())


def explain_return_visit(cmd, uow) -> dict:
    """暂不能解决: the reasons explained to the owner and the next visit booked; a new visit
    (follow_up) is planned at `next_due_at` and linked (next_visit_id)."""
    d = cmd.data
    row = _acting_on(cmd, uow)
    domain.explain(row, d["explanation"], d["next_due_at"], d["next_method"], uow.now())
    follow = plan_visit(uow, unit_id=row.unit_id, estate=row.estate, occasion="follow_up",
                        method=d["next_method"] or row.method, due_at=d["next_due_at"], planned_by=cmd.actor.id,
                        subject_type=row.subject_type, subject_id=row.subject_id, subject_no=row.subject_no,
                        client_name=row.client_name, assignee=row.assignee, round_id=row.round_id,
                        previous_id=row.return_visit_id, correlation_id=row.correlation_id)
    row.next_visit_id, row.updated_at = follow.return_visit_id, uow.now()
    uow.audit("return_visit.explain", RECORD, row.return_visit_id,
              {"explanation": row.explanation, "next_visit_id": follow.return_visit_id,
               "next_due_at": d["next_due_at"].isoformat()})
    return dump(row, uow.now())


def reschedule_return_visit(cmd, uow) -> dict:
    """改约: a new appointment agreed with the owner; the ``return_visit.due`` deadline moves with it."""
    d = cmd.data
    row = _acting_on(cmd, uow)
    before = as_utc(row.due_at)
    domain.reschedule(row, d["due_at"], d["method"], uow.now())
    uow.set_deadline(domain.DUE_RULE, RECORD, row.return_visit_id, domain.overdue_at(d["due_at"]),
                     responsible=row.assignee, estate=row.estate, summary=_summary(row))
    row.updated_at = uow.now()
    uow.audit("return_visit.reschedule", RECORD, row.return_visit_id,
              {"due_at_before": before.isoformat(), "due_at": d["due_at"].isoformat(),
               "method": row.method})
    return dump(row, uow.now())


def cancel_return_visit(cmd, uow) -> dict:
    """取消回访: the visit will not be made (reason required); its deadline is cancelled."""
    row = _acting_on(cmd, uow)
    domain.cancel(row, cmd.data["reason"])
    uow.cancel_deadlines(RECORD, row.return_visit_id)
    row.updated_at = uow.now()
    uow.audit("return_visit.cancel", RECORD, row.return_visit_id, {"reason": row.cancel_reason})
    return dump(row, uow.now())


def possible_actions(return_visit_id: str, reader) -> list[str]:
    """What the visit's state allows next (ACTIONS row "return_visit")."""
    return domain.next_commands(visit_of(reader.session, return_visit_id, reader.estates))


def possible_round_actions(round_id: str, reader) -> list[str]:
    """A round can be stopped while active (ACTIONS row "return_visit_round")."""
    return ["stop_return_visit_round"] if round_of(reader.session, round_id, reader.estates).active else []


def round_dump(rnd: ReturnVisitRound) -> dict:
    return _ROUND.dump(rnd)
