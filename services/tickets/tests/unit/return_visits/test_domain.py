"""Return visits' pure rules (回访, domain.md §2.4): planning, the record (QR-003FW), the follow-up
of a dissatisfied owner, the cadences and the KPI bands."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from propdesk.chassis.calendar import OFFICE_TZ, WorkingCalendar
from propdesk.errors import Conflict, ValidationError
from propdesk_services.tickets.workflows.return_visits import domain
from propdesk_services.tickets.workflows.return_visits.domain import ReturnVisit

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)  # Monday 10:00 in Shanghai
CAL = WorkingCalendar()


def visit(**kw) -> ReturnVisit:
    base = dict(return_visit_id="rv1", return_visit_no="RV-20261123-0001", unit_id="1-1-401", estate="E1",
                occasion="repair", method="phone", due_at=NOW + timedelta(hours=5), subject_type="repair",
                subject_id="R1")
    return ReturnVisit(**{**base, **kw})


def problems(exc) -> set[tuple[str, str]]:
    return {(p.field, p.rule) for p in exc.value.problems}


def office(d: date, h: int, m: int = 0) -> datetime:
    return datetime(d.year, d.month, d.day, h, m, tzinfo=OFFICE_TZ).astimezone(timezone.utc)


# --- when a visit is due ---------------------------------------------------------------------------
def test_a_visit_after_an_event_is_due_at_17_on_the_second_working_day():
    assert domain.auto_due_at(NOW, CAL) == office(date(2026, 11, 25), 17)               # Mon -> Wed
    friday = office(date(2026, 11, 27), 16)
    assert domain.auto_due_at(friday, CAL) == office(date(2026, 12, 1), 17)             # Fri -> Tue
    with_holiday = WorkingCalendar(holidays=[date(2026, 11, 24)])
    assert domain.auto_due_at(NOW, with_holiday) == office(date(2026, 11, 26), 17)      # a holiday is skipped


def test_a_planned_visit_is_overdue_an_hour_after_its_appointment():
    assert domain.overdue_at(NOW) == NOW + timedelta(hours=1)


def test_cadences_weekly_and_monthly_and_working_days():
    assert domain.add_period(NOW, "weekly") == NOW + timedelta(days=7)
    assert domain.add_period(office(date(2026, 1, 31), 10), "monthly") == office(date(2026, 2, 28), 10)
    assert domain.add_period(office(date(2026, 12, 15), 10), "monthly") == office(date(2027, 1, 15), 10)
    saturday = office(date(2026, 11, 28), 10)
    assert domain.on_working_day(saturday, CAL) == office(date(2026, 11, 30), 10)
    assert domain.on_working_day(NOW, CAL) == NOW


# --- planning ----------------------------------------------------------------------------------------
def test_plan_emits_planned_with_the_appointment():
    v = visit()
    [event] = domain.plan(v)
    assert v.state == domain.PLANNED
    assert event.type == "return_visit.planned"
    assert event.payload["due_at"] == v.due_at.isoformat()
    assert (event.payload["subject_type"], event.payload["subject_id"], event.payload["method"]) == ("repair", "R1", "phone")


def test_check_plan_names_every_broken_rule():
    with pytest.raises(ValidationError) as exc:
        domain.check_plan(" ", "fax", NOW - timedelta(minutes=1), NOW)
    assert problems(exc) == {("unit_id", "required"), ("method", "one_of"), ("due_at", "not_in_past")}
    with pytest.raises(ValidationError) as exc:
        domain.check_plan("1-1-401", "email", NOW, NOW, cadence="weekly")
    assert problems(exc) == {("method", "weekly_by_phone")}
    with pytest.raises(ValidationError) as exc:
        domain.check_plan("1-1-401", "written", NOW, NOW, cadence="monthly")
    assert problems(exc) == {("method", "monthly_phone_or_in_person")}
    domain.check_plan("1-1-401", "in_person", NOW, NOW, cadence="monthly")  # an appointment now is fine


# --- the record (QR-003FW) ------------------------------------------------------------------------
@pytest.mark.parametrize("overall, state", [("satisfied", domain.CLOSED), ("fairly_satisfied", domain.CLOSED),
                                            ("dissatisfied", domain.DISSATISFIED)])
def test_record_closes_a_content_visit_and_holds_a_dissatisfied_one(overall, state):
    v = visit()
    [event] = domain.record(v, {"overall": overall, "quality": overall, "respondent": "王先生"}, "cs-01", NOW)
    assert v.state == state
    assert event.type == "return_visit.completed"
    assert (event.payload["overall"], event.payload["quality"], event.payload["punctuality"]) == (overall, overall, None)
    assert (v.visited_by, v.visited_at, v.respondent, v.signed_by) == ("cs-01", NOW, "王先生", None)


@pytest.mark.parametrize("method", ["in_person", "written"])
def test_in_person_or_written_the_owner_signs(method):
    with pytest.raises(ValidationError) as exc:
        domain.record(visit(), {"method": method, "overall": "satisfied", "respondent": "王先生"}, "cs-01", NOW)
    assert problems(exc) == {("signed_by", "signature_required")}
    v = visit()
    domain.record(v, {"method": method, "overall": "satisfied", "signed_by": "王五"}, "cs-01", NOW)
    assert (v.method, v.signed_by, v.respondent) == (method, "王五", "王五")


@pytest.mark.parametrize("method", ["phone", "email"])
def test_by_phone_or_email_nobody_signs_but_who_answered_is_named(method):
    with pytest.raises(ValidationError) as exc:
        domain.record(visit(), {"method": method, "overall": "satisfied"}, "cs-01", NOW)
    assert problems(exc) == {("respondent", "respondent_required")}


def test_record_refusals_change_nothing():
    v = visit()
    with pytest.raises(ValidationError) as exc:
        domain.record(v, {"overall": None, "attitude": "great", "respondent": "x",
                          "visited_at": NOW + timedelta(minutes=1), "suggestions": "x" * 501}, "cs-01", NOW)
    assert problems(exc) == {("overall", "required"), ("attitude", "one_of"), ("visited_at", "not_in_future"),
                             ("suggestions", "length")}
    assert (v.state, v.visited_at, v.overall) == (domain.PLANNED, None, None)


@pytest.mark.parametrize("state", [domain.DISSATISFIED, domain.RECTIFICATION_ORDERED, domain.EXPLAINED,
                                   domain.CLOSED, domain.CANCELLED])
def test_only_a_planned_visit_is_recorded_rescheduled_or_cancelled(state):
    v = visit(state=state)
    with pytest.raises(Conflict) as exc:
        domain.record(v, {"overall": "satisfied", "respondent": "x"}, "cs-01", NOW)
    assert (exc.value.field, exc.value.rule) == ("return_visit_id", "planned_only")
    with pytest.raises(Conflict):
        domain.reschedule(v, NOW + timedelta(days=1), None, NOW)
    with pytest.raises(Conflict):
        domain.cancel(v, "业主拒访")


# --- a dissatisfied owner --------------------------------------------------------------------------
def test_rectification_ordered_then_confirmed_on_time_or_late():
    v = visit(state=domain.DISSATISFIED)
    deadline = NOW + timedelta(days=2)
    [ordered] = domain.order_rectification(v, "engineering", deadline, " 复修渗水 ", NOW)
    assert v.state == domain.RECTIFICATION_ORDERED
    assert ordered.type == "return_visit.rectification_ordered"
    assert (ordered.payload["department"], ordered.payload["measures"]) == ("engineering", "复修渗水")
    late = visit(state=domain.RECTIFICATION_ORDERED, rectification_due_at=deadline, department="engineering")
    [on_time] = domain.confirm_rectification(v, "已复修", deadline)
    [overdue] = domain.confirm_rectification(late, "已复修", deadline + timedelta(minutes=1))
    assert v.state == late.state == domain.CLOSED
    assert (on_time.type, on_time.payload["on_time"], overdue.payload["on_time"]) == ("return_visit.rectified", True, False)


def test_rectification_refusals():
    v = visit(state=domain.DISSATISFIED)
    with pytest.raises(ValidationError) as exc:
        domain.order_rectification(v, "plumbers", NOW, "", NOW)
    assert problems(exc) == {("department", "one_of"), ("measures", "required"), ("deadline", "after_now")}
    with pytest.raises(ValidationError) as exc:
        domain.order_rectification(v, None, None, "x", NOW)
    assert problems(exc) == {("department", "required"), ("deadline", "required")}
    assert v.state == domain.DISSATISFIED
    with pytest.raises(Conflict) as exc:
        domain.order_rectification(visit(), "engineering", NOW + timedelta(days=1), "x", NOW)
    assert exc.value.rule == "dissatisfied_only"
    with pytest.raises(Conflict) as exc:
        domain.confirm_rectification(v, "done", NOW)
    assert exc.value.rule == "rectification_ordered_only"
    with pytest.raises(ValidationError) as exc:
        domain.confirm_rectification(visit(state=domain.RECTIFICATION_ORDERED, rectification_due_at=NOW), " ", NOW)
    assert problems(exc) == {("result", "required")}


def test_explained_with_the_next_visit_booked():
    v = visit(state=domain.DISSATISFIED)
    with pytest.raises(ValidationError) as exc:
        domain.explain(v, "", NOW, "pigeon", NOW)
    assert problems(exc) == {("explanation", "required"), ("next_method", "one_of"), ("next_due_at", "after_now")}
    domain.explain(v, "外墙需开发商统一维修", NOW + timedelta(days=7), None, NOW)
    assert v.state == domain.EXPLAINED
    with pytest.raises(Conflict) as exc:
        domain.explain(visit(), "x", NOW + timedelta(days=1), None, NOW)
    assert exc.value.rule == "dissatisfied_only"


def test_reschedule_and_cancel():
    v = visit()
    with pytest.raises(ValidationError) as exc:
        domain.reschedule(v, NOW - timedelta(minutes=1), None, NOW)
    assert problems(exc) == {("due_at", "not_in_past")}
    domain.reschedule(v, NOW + timedelta(days=1), "in_person", NOW)
    assert (v.due_at, v.method) == (NOW + timedelta(days=1), "in_person")
    with pytest.raises(ValidationError) as exc:
        domain.cancel(v, " ")
    assert problems(exc) == {("reason", "required")}
    domain.cancel(v, "业主已搬离")
    assert (v.state, v.cancel_reason) == (domain.CANCELLED, "业主已搬离")


def test_next_commands_per_state():
    assert domain.next_commands(visit()) == ["record_return_visit", "reschedule_return_visit", "cancel_return_visit"]
    assert domain.next_commands(visit(state=domain.DISSATISFIED)) == ["order_rectification", "explain_return_visit"]
    assert domain.next_commands(visit(state=domain.RECTIFICATION_ORDERED)) == ["confirm_rectification"]
    for state in (domain.EXPLAINED, domain.CLOSED, domain.CANCELLED):
        assert domain.next_commands(visit(state=state)) == []


@pytest.mark.parametrize("rate, points", [(None, None), (1, 0), (0.99, 1), (0.95, 1), (0.9499, 2), (0.80, 2),
                                          (0.79, 3), (0.75, 3), (0.7499, 5), (0, 5)])
def test_satisfaction_deduction_bands(rate, points):
    assert domain.satisfaction_deduction(rate) == points
