"""Return visits (回访 QR-003FW) through tickets' tables on the in-memory harness: planned from
repair.accepted / complaint.resolved, by hand and on rounds; recorded; a dissatisfied owner's
follow-up; the deadlines at one minute either side; queues, KPIs, estates, roles, the demo."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from propdesk.chassis.tables import DeadlineRow, OutboxRow
from propdesk.contracts.vocab import RETURN_VISIT_METHODS, RETURN_VISIT_OCCASIONS
from propdesk.errors import Conflict, Forbidden, NotFound, ValidationError
from propdesk.testing.fake import ServiceHarness
from propdesk_services.tickets.service import TicketsService
from propdesk_services.tickets.workflows.return_visits import demo as return_visits_demo
from propdesk_services.tickets.workflows.return_visits.models import ReturnVisitRow

CS = {"id": "cs-01", "role": "cs_assistant"}
DESK = {"id": "fd-01", "role": "front_desk"}
SUP = {"id": "sup-01", "role": "cs_supervisor"}
ENGINEER = {"id": "eng-07", "role": "engineering"}
E2_CS = {"id": "cs-e2", "role": "cs_assistant", "estates": ["E2"]}
# the harness' clock starts on Monday 2026-11-23 at 10:00 in Shanghai (02:00 UTC)


@pytest.fixture
def app() -> ServiceHarness:
    return ServiceHarness(TicketsService)


def problems(exc) -> set[tuple[str, str]]:
    return {(p.field, p.rule) for p in exc.value.problems}


def plan(app, unit="1-1-401", method="phone", due="2026-11-23T15:00", actor=CS, **more) -> dict:
    return app.command("plan_return_visit", {"unit_id": unit, "method": method, "due_at": due, **more}, actor)


def record(app, visit, actor=CS, **data) -> dict:
    body = {"overall": "satisfied", "respondent": "王先生", **data}
    return app.command("record_return_visit", {"return_visit_id": visit["return_visit_id"], **body}, actor)


def accepted(app, repair_id="R1", unit="1-1-402"):
    return app.event("repair.accepted", {"repair_id": repair_id, "repair_no": f"RP-{repair_id}", "unit_id": unit,
                                         "estate": "E1", "owner": "王先生"},
                     correlation_id=f"case-{repair_id}", producer="tickets")


def counts(app) -> tuple:
    with app.session() as s:
        return tuple(s.scalar(select(func.count()).select_from(t)) for t in (ReturnVisitRow, OutboxRow, DeadlineRow))


def deadlines(app, rule=None) -> list[tuple]:
    with app.session() as s:
        stmt = select(DeadlineRow).order_by(DeadlineRow.id)
        if rule:
            stmt = stmt.where(DeadlineRow.rule == rule)
        return [(d.rule, d.state, d.due_at.replace(tzinfo=timezone.utc)) for d in s.scalars(stmt)]


def at(hhmm: str, day: int = 23) -> datetime:
    """An office time (Shanghai) of November 2026 as UTC."""
    h, m = map(int, hhmm.split(":"))
    return datetime(2026, 11, day, h - 8, m, tzinfo=timezone.utc)


# --- planned from the other workflows' events ---------------------------------------------------
def test_an_accepted_repair_plans_a_phone_visit_due_on_the_second_working_day(app):
    app.deliver(accepted(app))
    [v] = app.query("list_return_visits")
    assert (v["return_visit_no"], v["state"], v["occasion"], v["method"]) == ("RV-20261123-0001", "PLANNED", "repair", "phone")
    assert (v["subject_type"], v["subject_id"], v["subject_no"], v["unit_id"], v["estate"], v["client_name"]) == \
        ("repair", "R1", "RP-R1", "1-1-402", "E1", "王先生")
    assert v["due_at"] == at("17:00", 25).isoformat()
    [event] = app.events("return_visit.planned")
    assert event.correlation_id == "case-R1"
    assert event.payload["return_visit_id"] == v["return_visit_id"] and event.payload["due_at"] == v["due_at"]
    assert deadlines(app) == [("return_visit.due", "pending", at("18:00", 25))]


def test_the_same_repair_accepted_again_while_its_visit_is_planned_plans_nothing(app):
    app.deliver(accepted(app))
    app.deliver(accepted(app))
    assert counts(app)[0] == 1


def test_a_resolved_written_complaint_is_visited_in_writing(app):
    app.deliver(app.event("complaint.resolved", {"complaint_id": "C1", "complaint_no": "CP-1", "unit_id": "3-2-902",
                                                 "estate": "E1", "kind": "written"}, producer="tickets"))
    app.deliver(app.event("complaint.resolved", {"complaint_id": "C2", "complaint_no": "CP-2", "unit_id": "3-2-502",
                                                 "estate": "E1", "kind": "ordinary"}, producer="tickets"))
    visits = {v["subject_id"]: v for v in app.query("list_return_visits")}
    assert (visits["C1"]["method"], visits["C1"]["occasion"], visits["C2"]["method"]) == ("written", "complaint", "phone")


# --- planned by hand ------------------------------------------------------------------------------
def test_plan_by_hand_with_an_appointment(app):
    v = plan(app, client_name="李女士", assignee="cs-01")
    assert (v["state"], v["occasion"], v["due_at"], v["assignee"], v["overdue"]) == \
        ("PLANNED", "survey", at("15:00").isoformat(), "cs-01", False)
    assert app.query("get_return_visit", v["return_visit_id"]) == v
    [audit] = app.audit("return_visit.plan")
    assert audit.object_id == v["return_visit_id"]


def test_plan_refusals_change_nothing(app):
    before = counts(app)
    with pytest.raises(ValidationError) as exc:
        plan(app, due="2026-11-23T09:59")
    assert problems(exc) == {("due_at", "not_in_past")}
    with pytest.raises(ValidationError) as exc:
        plan(app, method="pigeon")
    assert ("method", "one_of") in problems(exc)
    with pytest.raises(ValidationError) as exc:
        plan(app, actor=E2_CS)  # a flat of E1 for a person of the office park: unknown
    assert problems(exc) == {("unit_id", "unknown_unit")}
    with pytest.raises(ValidationError) as exc:
        plan(app, subject_type="repair")
    assert problems(exc) == {("subject_id", "required")}
    with pytest.raises(Forbidden) as exc:
        plan(app, actor=ENGINEER)
    assert exc.value.rule == "role_not_allowed"
    assert counts(app) == before


def test_a_subject_with_a_planned_visit_gets_no_second_one(app):
    app.deliver(accepted(app))
    with pytest.raises(Conflict) as exc:
        plan(app, unit="1-1-402", subject_type="repair", subject_id="R1")
    assert (exc.value.field, exc.value.rule) == ("subject_id", "one_open_visit")


def test_the_front_desk_plans_and_records_phone_visits(app):
    v = plan(app, actor=DESK)
    assert record(app, v, actor=DESK)["state"] == "CLOSED"


# --- recording ------------------------------------------------------------------------------------
def test_recording_a_satisfied_visit_closes_it_and_announces_it(app):
    v = plan(app)
    done = record(app, v, punctuality="satisfied", attitude="satisfied", quality="fairly_satisfied",
                  overall="fairly_satisfied", suggestions="希望提前预约", content="门窗维修后无渗水")
    assert (done["state"], done["overall"], done["quality"], done["visited_by"], done["respondent"]) == \
        ("CLOSED", "fairly_satisfied", "fairly_satisfied", "cs-01", "王先生")
    [event] = app.events("return_visit.completed")
    assert {k: event.payload[k] for k in ("return_visit_id", "subject_type", "subject_id", "unit_id", "estate", "overall")} == \
        {"return_visit_id": v["return_visit_id"], "subject_type": None, "subject_id": None, "unit_id": "1-1-401",
         "estate": "E1", "overall": "fairly_satisfied"}
    assert app.query("allowed_actions", "return_visit", v["return_visit_id"], "cs_supervisor") == []


def test_in_person_without_the_owners_signature_is_refused(app):
    v = plan(app, method="in_person")
    before = counts(app)
    with pytest.raises(ValidationError) as exc:
        record(app, v)
    assert problems(exc) == {("signed_by", "signature_required")}
    assert counts(app) == before
    assert record(app, v, signed_by="王先生")["signed_by"] == "王先生"


def test_a_recorded_visit_cannot_be_recorded_again(app):
    v = plan(app)
    record(app, v)
    with pytest.raises(Conflict) as exc:
        record(app, v)
    assert exc.value.rule == "planned_only"


def test_a_visit_of_another_estate_answers_as_absent(app):
    v = plan(app)
    for call in (lambda: app.query("get_return_visit", v["return_visit_id"], actor=E2_CS),
                 lambda: record(app, v, actor=E2_CS),
                 lambda: app.query("get_return_visit", "nope")):
        with pytest.raises(NotFound) as exc:
            call()
        assert (exc.value.field, exc.value.rule) == ("return_visit_id", "exists")
    assert app.query("list_return_visits", actor=E2_CS) == []
    assert len(app.query("list_return_visits", actor={"id": "x", "estates": ["E1"]})) == 1


# --- the return_visit.due deadline at one minute either side --------------------------------------
def test_recorded_59_minutes_after_the_appointment_is_in_time(app):
    v = plan(app)  # 15:00; overdue at 16:00
    app.clock.set(at("15:59"))
    record(app, v)
    app.clock.set(at("16:30"))
    assert app.tick("sweep_deadlines") == 0
    assert app.events("return_visit.overdue") == []
    assert deadlines(app) == [("return_visit.due", "met", at("16:00"))]
    assert json.loads(app.audit("return_visit.record")[0].details)["on_time"] is True


def test_not_recorded_61_minutes_after_the_appointment_breaches_once(app):
    v = plan(app, assignee="cs-01")
    app.clock.set(at("16:01"))
    assert [i["overdue"] for q in app.query("work_queues", actor=CS) for i in q["items"]] == [True]
    assert app.tick("sweep_deadlines") == 1
    assert app.tick("sweep_deadlines") == 0
    [breach] = app.events("return_visit.overdue")
    assert {k: breach.payload[k] for k in ("rule", "record_type", "record_id", "responsible", "escalate_to", "estate")} == \
        {"rule": "return_visit.due", "record_type": "return_visit", "record_id": v["return_visit_id"],
         "responsible": "cs-01", "escalate_to": "cs_supervisor", "estate": "E1"}
    assert record(app, v)["state"] == "CLOSED"  # made late: recorded all the same
    assert json.loads(app.audit("return_visit.record")[0].details)["on_time"] is False
    assert deadlines(app) == [("return_visit.due", "met_late", at("16:00"))]


def test_a_rescheduled_visit_moves_its_deadline(app):
    v = plan(app)
    app.command("reschedule_return_visit", {"return_visit_id": v["return_visit_id"], "due_at": "2026-11-24T10:00"}, CS)
    app.clock.set(at("16:01"))
    assert app.tick("sweep_deadlines") == 0
    assert deadlines(app) == [("return_visit.due", "pending", at("11:00", 24))]
    app.clock.set(at("11:01", 24))
    assert app.tick("sweep_deadlines") == 1


def test_a_cancelled_visit_never_breaches(app):
    v = plan(app)
    with pytest.raises(Forbidden):
        app.command("cancel_return_visit", {"return_visit_id": v["return_visit_id"], "reason": "业主拒访"}, CS)
    with pytest.raises(ValidationError) as exc:
        app.command("cancel_return_visit", {"return_visit_id": v["return_visit_id"]}, SUP)
    assert problems(exc) == {("reason", "required")}
    done = app.command("cancel_return_visit", {"return_visit_id": v["return_visit_id"], "reason": "业主拒访"}, SUP)
    assert (done["state"], done["cancel_reason"]) == ("CANCELLED", "业主拒访")
    app.clock.set(at("16:01"))
    assert app.tick("sweep_deadlines") == 0
    assert deadlines(app) == [("return_visit.due", "cancelled", at("16:00"))]


# --- a dissatisfied owner -----------------------------------------------------------------------
def dissatisfied(app) -> dict:
    app.deliver(accepted(app))
    [v] = app.query("list_return_visits")
    app.clock.set(at("17:00", 25))
    return record(app, v, overall="dissatisfied", quality="dissatisfied", suggestions="窗边仍渗水")


def test_dissatisfied_then_rectification_ordered_and_confirmed_in_time(app):
    v = dissatisfied(app)
    assert v["state"] == "DISSATISFIED"
    assert [i["id"] for q in app.query("work_queues", actor=SUP) if q["key"] == "return_visits_dissatisfied"
            for i in q["items"]] == [v["return_visit_id"]]
    assert app.query("allowed_actions", "return_visit", v["return_visit_id"], "cs_supervisor") == \
        ["order_rectification", "explain_return_visit"]
    assert app.query("allowed_actions", "return_visit", v["return_visit_id"], "cs_assistant") == []
    with pytest.raises(Forbidden):
        app.command("order_rectification", {"return_visit_id": v["return_visit_id"], "department": "engineering",
                                            "measures": "复修", "deadline": "2026-11-27T17:00"}, CS)
    ordered = app.command("order_rectification", {"return_visit_id": v["return_visit_id"], "department": "engineering",
                                                  "measures": "复修窗边密封胶", "deadline": "2026-11-27T17:00"}, SUP)
    assert (ordered["state"], ordered["department"], ordered["rectification_due_at"]) == \
        ("RECTIFICATION_ORDERED", "engineering", at("17:00", 27).isoformat())
    [event] = app.events("return_visit.rectification_ordered")
    assert event.correlation_id == "case-R1"
    app.clock.set(at("16:59", 27))
    done = app.command("confirm_rectification", {"return_visit_id": v["return_visit_id"], "result": "已复修"}, CS)
    assert done["state"] == "CLOSED"
    app.clock.set(at("17:01", 27))
    assert app.tick("sweep_deadlines") == 0
    [rectified] = app.events("return_visit.rectified")
    assert rectified.payload["on_time"] is True


def test_a_rectification_not_confirmed_a_minute_after_its_deadline_breaches_once(app):
    v = dissatisfied(app)
    app.command("order_rectification", {"return_visit_id": v["return_visit_id"], "department": "engineering",
                                        "measures": "复修", "deadline": "2026-11-27T17:00"}, SUP)
    app.clock.set(at("17:01", 27))
    assert app.tick("sweep_deadlines") == 1
    [breach] = app.events("return_visit.rectification_overdue")
    assert (breach.payload["rule"], breach.payload["responsible"], breach.payload["escalate_to"]) == \
        ("return_visit.rectification", "sup-01", "cs_manager")
    [item] = [i for q in app.query("work_queues", actor=SUP) if q["key"] == "return_visit_rectifications"
              for i in q["items"]]
    assert item["overdue"] is True
    done = app.command("confirm_rectification", {"return_visit_id": v["return_visit_id"], "result": "已复修"}, CS)
    assert done["state"] == "CLOSED"
    assert app.events("return_visit.rectified")[0].payload["on_time"] is False


def test_dissatisfied_explained_with_the_next_visit_planned(app):
    v = dissatisfied(app)
    with pytest.raises(ValidationError) as exc:
        app.command("explain_return_visit", {"return_visit_id": v["return_visit_id"], "explanation": "外墙需统一维修",
                                             "next_due_at": "2026-11-25T16:00"}, SUP)
    assert problems(exc) == {("next_due_at", "after_now")}
    explained = app.command("explain_return_visit", {"return_visit_id": v["return_visit_id"],
                                                     "explanation": "外墙需开发商统一维修", "next_due_at": "2026-12-02T10:00",
                                                     "next_method": "in_person"}, SUP)
    assert explained["state"] == "EXPLAINED" and explained["next_visit_id"]
    follow = app.query("get_return_visit", explained["next_visit_id"])
    assert (follow["state"], follow["occasion"], follow["method"], follow["previous_id"], follow["subject_id"]) == \
        ("PLANNED", "follow_up", "in_person", v["return_visit_id"], "R1")
    planned = app.events("return_visit.planned")
    assert planned[-1].payload["previous_return_visit_id"] == v["return_visit_id"]
    assert planned[-1].correlation_id == "case-R1"
    with pytest.raises(Conflict) as exc:
        app.command("order_rectification", {"return_visit_id": v["return_visit_id"], "department": "engineering",
                                            "measures": "x", "deadline": "2026-12-01T10:00"}, SUP)
    assert exc.value.rule == "dissatisfied_only"


def test_a_content_visit_allows_no_follow_up(app):
    v = plan(app)
    record(app, v)
    with pytest.raises(Conflict) as exc:
        app.command("confirm_rectification", {"return_visit_id": v["return_visit_id"], "result": "x"}, CS)
    assert exc.value.rule == "rectification_ordered_only"


# --- the queue of visits due today --------------------------------------------------------------
def test_the_queue_shows_todays_and_overdue_visits_with_their_due_time(app):
    yesterday = plan(app, due="2026-11-23T11:00")
    app.clock.set(at("09:00", 24))  # Tuesday
    today = plan(app, unit="1-1-402", due="2026-11-24T15:00")
    plan(app, unit="1-1-403", due="2026-11-25T10:00")  # tomorrow: not yet
    [queue] = [q for q in app.query("work_queues", actor=CS) if q["key"] == "return_visits_due"]
    assert [(i["id"], i["due_at"], i["overdue"]) for i in queue["items"]] == [
        (yesterday["return_visit_id"], at("11:00").isoformat(), True),
        (today["return_visit_id"], at("15:00", 24).isoformat(), False)]
    assert queue["items"][0]["record"] == "return_visit" and queue["items"][0]["number"] == yesterday["return_visit_no"]
    # occasion and method as fields the desk says in their words, not Chinese labels in the text
    first = queue["items"][0]
    assert first["fields"] == {"occasion": yesterday["occasion"], "method": "phone"}
    assert first["title"] == "1-1-401" and first["detail"] == (yesterday["client_name"] or "")
    described = {f["name"]: f for f in app.query("describe_records")["return_visit"]["fields"]}
    assert set(described["occasion"]["choice_labels"]) == set(RETURN_VISIT_OCCASIONS.codes)
    assert set(described["method"]["choice_labels"]) == set(RETURN_VISIT_METHODS.codes)
    assert "return_visits_due" not in [q["key"] for q in app.query("work_queues", actor=ENGINEER)]


# --- rounds of visits (周期回访) ------------------------------------------------------------------
def test_a_weekly_round_plans_its_next_visit_a_day_ahead_and_never_stacks(app):
    with pytest.raises(ValidationError) as exc:
        app.command("start_return_visit_round", {"unit_id": "1-2-1503", "cadence": "weekly", "method": "in_person",
                                                 "first_due_at": "2026-11-23T14:00"}, SUP)
    assert problems(exc) == {("method", "weekly_by_phone")}
    with pytest.raises(Forbidden):
        app.command("start_return_visit_round", {"unit_id": "1-2-1503", "cadence": "weekly", "method": "phone",
                                                 "first_due_at": "2026-11-23T14:00"}, CS)
    rnd = app.command("start_return_visit_round", {"unit_id": "1-2-1503", "cadence": "weekly", "method": "phone",
                                                   "first_due_at": "2026-11-23T14:00", "client_name": "张先生"}, SUP)
    assert rnd["next_due_at"] == at("14:00", 30).isoformat()
    [first] = app.query("list_return_visits")
    assert (first["occasion"], first["round_id"], first["due_at"]) == ("weekly", rnd["round_id"], at("14:00").isoformat())
    app.clock.set(at("13:59", 29))  # more than a day before the next: nothing yet
    assert app.tick("plan_cadence_visits") == 0
    app.clock.set(at("14:00", 29))  # a day ahead, but the first visit is still open: not stacked
    assert app.tick("plan_cadence_visits") == 0
    record(app, first)
    assert app.tick("plan_cadence_visits") == 1
    assert app.tick("plan_cadence_visits") == 0
    second = [v for v in app.query("list_return_visits") if v["state"] == "PLANNED"]
    assert [(v["due_at"], v["occasion"]) for v in second] == [(at("14:00", 30).isoformat(), "weekly")]
    assert app.query("get_return_visit_round", rnd["round_id"])["next_due_at"] == \
        datetime(2026, 12, 7, 6, 0, tzinfo=timezone.utc).isoformat()
    app.command("stop_return_visit_round", {"round_id": rnd["round_id"], "reason": "问题已解决"}, SUP)
    with pytest.raises(Conflict) as exc:
        app.command("stop_return_visit_round", {"round_id": rnd["round_id"]}, SUP)
    assert exc.value.rule == "round_active_only"
    record(app, second[0])
    app.clock.set(datetime(2026, 12, 6, 6, 0, tzinfo=timezone.utc))
    assert app.tick("plan_cadence_visits") == 0
    assert app.query("allowed_actions", "return_visit_round", rnd["round_id"], "cs_supervisor") == []


def test_a_round_missed_while_a_visit_was_open_skips_to_the_next_working_day_to_come(app):
    rnd = app.command("start_return_visit_round", {"unit_id": "1-2-1503", "cadence": "weekly", "method": "phone",
                                                   "first_due_at": "2026-11-23T14:00"}, SUP)
    [first] = app.query("list_return_visits")
    app.clock.set(datetime(2026, 12, 2, 2, 0, tzinfo=timezone.utc))  # Wed 2 Dec 10:00: the 30 Nov date was missed
    record(app, first)
    assert app.tick("plan_cadence_visits") == 1
    planned = [v for v in app.query("list_return_visits") if v["state"] == "PLANNED"]
    assert [v["due_at"] for v in planned] == [datetime(2026, 12, 7, 6, 0, tzinfo=timezone.utc).isoformat()]
    assert app.query("get_return_visit_round", rnd["round_id"])["next_due_at"] == \
        datetime(2026, 12, 14, 6, 0, tzinfo=timezone.utc).isoformat()


# --- KPIs (domain.md §4) ------------------------------------------------------------------------
def test_kpis_per_estate_and_period(app):
    visits = [plan(app, unit=u, due="2026-11-23T15:00") for u in ("1-1-401", "1-1-402", "1-1-403", "T1-24F")]
    later = plan(app, unit="1-1-404", due="2026-12-01T10:00")  # outside the period
    app.clock.set(at("15:30"))
    record(app, visits[0], overall="satisfied", quality="satisfied")
    record(app, visits[1], overall="fairly_satisfied")
    app.clock.set(at("16:30"))
    record(app, visits[3], overall="dissatisfied")  # E2, late
    k = app.query("return_visit_kpis", "2026-11-01", "2026-11-30", agents=1)
    e1, e2 = k["estates"]
    assert (e1["estate"], e1["due"], e1["made"], e1["made_on_time"], e1["recorded"]) == ("E1", 3, 2, 2, 2)
    assert (e1["return_visit_rate"], e1["satisfaction_rate"], e1["strict_satisfaction_rate"]) == ("0.6667", "1.0000", "0.5000")
    assert (e1["satisfaction_deduction"], e1["quality"]["satisfied"], e1["quota"], e1["completion_rate"]) == (0, 1, 200, "0.0100")
    assert (e2["estate"], e2["due"], e2["made"], e2["made_on_time"], e2["satisfaction_rate"]) == ("E2", 1, 1, 0, "0.0000")
    t = k["total"]
    assert (t["due"], t["made"], t["recorded"], t["return_visit_rate"], t["satisfaction_rate"], t["satisfaction_deduction"]) == \
        (4, 3, 3, "0.7500", "0.6667", 5)
    only_e2 = app.query("return_visit_kpis", "2026-11-01", "2026-11-30", actor=E2_CS)
    assert [r["estate"] for r in only_e2["estates"]] == ["E2"]
    assert app.query("return_visit_kpis", "2026-12-01", "2026-12-31")["total"]["due"] == 1
    assert later["state"] == "PLANNED"


# --- the desk -----------------------------------------------------------------------------------
def test_the_desk_describes_the_record_and_its_print_view(app):
    rec = app.query("describe_records")["return_visit"]
    assert rec["form"] == {"zh": "回访记录表 QR-003FW", "en": "Return visit record QR-003FW"}
    assert [s["zh"] for s in rec["signatures"]] == ["业主/住户签名", "回访人"]
    assert rec["create"] == ["plan_return_visit", "start_return_visit_round"]
    overall = next(f for f in rec["fields"] if f["name"] == "overall")
    assert overall["choice_labels"]["dissatisfied"] == {"zh": "不满意", "en": "Dissatisfied"}
    form = app.query("describe_commands")["record_return_visit"]
    assert form["label"] == {"zh": "登记回访结果", "en": "Record the visit"}
    assert "cs_assistant" in form["roles"] and "engineering" not in form["roles"]


def test_the_demo_is_a_living_desk():
    app = ServiceHarness(TicketsService, demo=True)
    visits = app.query("list_return_visits")
    states = [v["state"] for v in visits]
    assert states.count("CLOSED") >= 15 and "DISSATISFIED" in states and "RECTIFICATION_ORDERED" in states
    made = [v["overall"] for v in visits if v["overall"]]
    assert made.count("satisfied") > made.count("fairly_satisfied") > made.count("dissatisfied") > 0
    assert app.query("list_return_visit_rounds")[0]["cadence"] == "weekly"


def test_the_demo_shows_visits_due_today_some_overdue(app):
    with app.session() as s:
        what = return_visits_demo.load(s, now=app.clock.now())
        s.commit()
        assert return_visits_demo.load(s) == "return visits already loaded"
    assert what.startswith("32 return visits")
    [queue] = [q for q in app.query("work_queues", actor=CS) if q["key"] == "return_visits_due"]
    overdue = [i["overdue"] for i in queue["items"]]
    assert overdue.count(True) == 3 and overdue.count(False) == 6  # 3 of the past days; 6 today (10:00 now)
    assert app.tick("sweep_deadlines") == 3
    assert len(app.events("return_visit.overdue")) == 3
