"""Repairs (报修) and engineering work orders (工程维修单 QR-001FW) through tickets' tables, on the
in-memory harness: every state, every refusal (role, state, consent, signature), the attendance
deadline at minute 29 / 31, the demo, the queues."""
from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest

from propdesk.contracts.vocab import REPAIR_CATEGORIES, REPAIR_TEAMS
from propdesk.errors import Conflict, Forbidden, NotFound, ValidationError
from propdesk.testing.fake import ServiceHarness
from propdesk_services.tickets.service import TicketsService

DESK = {"id": "fd-wang", "role": "front_desk", "estates": ["E1"]}
CS = {"id": "cs-li", "role": "cs_assistant", "estates": ["E1"]}
AREA = {"id": "aa-zhao", "role": "area_assistant", "estates": ["E1"]}
SUPERVISOR = {"id": "sup-chen", "role": "cs_supervisor", "estates": ["E1"]}
ENGINEER = {"id": "eng-07", "role": "engineering", "estates": ["E1"]}
APP = {"id": "token:owner-app", "role": "front_desk", "estates": ["E1"]}
E2_DESK = {"id": "fd-e2", "role": "front_desk", "estates": ["E2"]}


@pytest.fixture
def app() -> ServiceHarness:
    return ServiceHarness(TicketsService)


def report(app, actor=DESK, **kw):
    body = {"unit_id": "1-1-303", "category": "water_electric", "summary": "厨房水龙头漏水", "client_name": "王先生",
            "client_phone": "13812345678", "preferred_time": "周六上午", **kw}
    return app.command("report_repair", body, actor)


def dispatch(app, rid, actor=DESK, **kw):
    return app.command("dispatch_repair", {"repair_id": rid, "team": "maintenance", "follow_up": "cs-li", **kw}, actor)


def to_completed(app, **kw):
    r = report(app, **kw)
    dispatch(app, r["repair_id"])
    app.command("start_repair", {"repair_id": r["repair_id"]}, ENGINEER)
    app.command("complete_repair", {"repair_id": r["repair_id"]}, ENGINEER)
    return r["repair_id"]


def accepted(app):
    rid = to_completed(app)
    app.command("record_acceptance", {"repair_id": rid, "passed": True}, CS)
    return rid


def types(app):
    return [e.event_type for e in app.events() if e.event_type.startswith("repair.")]


def details(row) -> dict:
    return json.loads(row.details) if isinstance(row.details, str) else row.details


def rules(exc):
    return {(p.field, p.rule) for p in exc.value.problems}


def snapshot(app):
    return (len(app.events()), len(app.audit()), app.query("list_repairs"))


# --- report -------------------------------------------------------------------------------------------
def test_a_repair_is_reported_with_its_number_and_event(app):
    r = report(app)
    assert r["repair_id"] == r["repair_no"] == "BX-20261123-0001"
    assert (r["state"], r["status"], r["channel"], r["estate"], r["reported_by"]) == \
        ("REPORTED", "open", "desk", "E1", "fd-wang")
    [e] = app.events("repair.reported")
    assert e.correlation_id == r["repair_id"]
    assert e.payload == {"repair_id": r["repair_id"], "repair_no": r["repair_no"], "contact_id": None,
                         "unit_id": "1-1-303", "estate": "E1", "category": "water_electric",
                         "summary": "厨房水龙头漏水"}
    assert app.query("get_repair", r["repair_id"], actor=DESK)["client_name"] == "王先生"


def test_a_common_area_repair_and_a_refused_report(app):
    r = report(app, unit_id=None, location="泵房", category="public_facility", summary="浮球阀缺失")
    assert (r["unit_id"], r["location"], r["estate"]) == (None, "泵房", "E1")
    before = snapshot(app)
    with pytest.raises(ValidationError) as v:
        report(app, unit_id=None, location=None, category="nope", summary=" ")
    assert rules(v) == {("unit_id", "unit_or_location"), ("category", "one_of"), ("summary", "required")}
    with pytest.raises(ValidationError) as v:
        report(app, actor=DESK, unit_id="T1-24F")  # another estate's unit: as an unknown one
    assert rules(v) == {("unit_id", "unknown_unit")}
    assert snapshot(app) == before


def test_a_contact_classified_repair_opens_one_repair(app):
    payload = {"contact_id": "CT-1", "contact_no": "CT-1", "channel": "phone", "classification": "repair",
               "unit_id": "2-1-502", "estate": "E1", "caller": "李女士", "summary": "纱窗破损",
               "received_by": "fd-wang", "received_at": app.clock.now().isoformat()}
    event = app.event("contact.registered", payload, correlation_id="CT-1")
    app.deliver(event)
    app.deliver(event)  # redelivered: still one
    app.deliver(app.event("contact.registered", {**payload, "contact_id": "CT-2", "classification": "inquiry"},
                          correlation_id="CT-2"))
    [r] = app.query("list_repairs")
    assert (r["contact_id"], r["channel"], r["unit_id"], r["client_name"], r["category"]) == \
        ("CT-1", "contact", "2-1-502", "李女士", "other")
    assert app.events("repair.reported")[0].payload["contact_id"] == "CT-1"


# --- dispatch, attendance deadline, reschedule -----------------------------------------------------
def test_dispatch_issues_a_work_order_and_the_attendance_is_met_at_minute_29(app):
    rid = report(app)["repair_id"]
    due = app.clock.now() + timedelta(minutes=30)
    d = dispatch(app, rid, attend_by=due.isoformat(), category="water_electric")
    assert (d["state"], d["work_order_no"], d["team"], d["follow_up"]) == \
        ("DISPATCHED", "WO-20261123-0001", "maintenance", "cs-li")
    assert [w["work_order_no"] for w in d["work_orders"]] == ["WO-20261123-0001"]
    app.clock.advance(minutes=29)
    app.command("start_repair", {"repair_id": rid}, ENGINEER)
    app.clock.advance(minutes=2)
    app.tick("sweep_deadlines")
    assert app.events("repair.attendance_overdue") == []
    assert details(app.audit("repair.start")[-1])["attended_in_time"] is True


def test_attendance_swept_at_minute_31_breaches_exactly_once_and_shows_in_the_queue(app):
    rid = report(app)["repair_id"]
    dispatch(app, rid, attend_by=(app.clock.now() + timedelta(minutes=30)).isoformat())
    app.clock.advance(minutes=29)
    app.tick("sweep_deadlines")
    assert app.events("repair.attendance_overdue") == []
    app.clock.advance(minutes=2)
    app.tick("sweep_deadlines")
    app.tick("sweep_deadlines")
    [breach] = app.events("repair.attendance_overdue")
    assert (breach.payload["record_id"], breach.payload["responsible"], breach.payload["escalate_to"]) == \
        (rid, "cs-li", "cs_supervisor")
    [queue] = [q for q in app.query("work_queues", actor=SUPERVISOR) if q["key"] == "repairs_attendance_overdue"]
    assert [(i["id"], i["overdue"]) for i in queue["items"]] == [(rid, True)]
    # category and team as fields the desk says in their words, not Chinese labels in the text
    repair = app.query("get_repair", rid)
    assert (queue["items"][0]["title"], queue["items"][0]["detail"], queue["items"][0]["fields"]) == (
        repair["location"], repair["work_order_no"], {"category": "water_electric", "team": "maintenance"})
    described = {f["name"]: f for f in app.query("describe_records")["repair"]["fields"]}
    assert set(described["category"]["choice_labels"]) == set(REPAIR_CATEGORIES.codes)
    assert set(described["team"]["choice_labels"]) == set(REPAIR_TEAMS.codes)
    app.command("start_repair", {"repair_id": rid}, ENGINEER)  # late: no second breach
    assert details(app.audit("repair.start")[-1])["attended_in_time"] is False
    assert len(app.events("repair.attendance_overdue")) == 1


def test_the_default_attendance_time_is_24_hours(app):
    rid = report(app)["repair_id"]
    d = dispatch(app, rid)
    assert d["attend_by"] == (app.clock.now() + timedelta(hours=24)).isoformat()


def test_reschedule_moves_the_deadline_after_the_owner_is_contacted(app):
    rid = report(app)["repair_id"]
    dispatch(app, rid, attend_by=(app.clock.now() + timedelta(minutes=30)).isoformat())
    with pytest.raises(ValidationError) as v:
        app.command("reschedule_repair", {"repair_id": rid, "owner_contacted": False,
                                          "new_time": (app.clock.now() + timedelta(days=1)).isoformat(),
                                          "agreed_with": "王先生"}, DESK)
    assert rules(v) == {("owner_contacted", "owner_contacted_first")}
    new = app.clock.now() + timedelta(days=1)
    r = app.command("reschedule_repair", {"repair_id": rid, "owner_contacted": True, "new_time": new.isoformat(),
                                          "agreed_with": "王先生"}, DESK)
    assert (r["state"], r["attend_by"]) == ("RESCHEDULED", new.isoformat())
    app.clock.advance(minutes=31)
    app.tick("sweep_deadlines")
    assert app.events("repair.attendance_overdue") == []  # moved, not duplicated
    app.clock.advance(days=1)
    app.tick("sweep_deadlines")
    assert len(app.events("repair.attendance_overdue")) == 1


# --- paid repair --------------------------------------------------------------------------------------
def test_a_paid_repair_from_the_price_list_to_the_charge(app):
    with app.session() as s:
        TicketsService.load_demo(s)
        s.commit()
    prices = app.query("list_repair_prices")
    assert prices[0]["code"] and all(Decimal(p["price"]) > 0 for p in prices)
    rid = report(app, paid=True)["repair_id"]
    with pytest.raises(Conflict) as c:
        dispatch(app, rid)
    assert c.value.rule == "no_dispatch_before_consent"
    priced = app.command("price_repair", {"repair_id": rid, "price_item": "P01", "quantity": 2}, DESK)
    assert (priced["state"], priced["amount"], priced["price_source"]) == ("AWAITING_CONSENT", "60.00", "standard")
    with pytest.raises(Conflict) as c:
        dispatch(app, rid)
    assert c.value.rule == "no_dispatch_before_consent"
    app.command("record_consent", {"repair_id": rid, "consented": True, "consented_by": "王先生"}, DESK)
    dispatch(app, rid)
    app.command("start_repair", {"repair_id": rid}, ENGINEER)
    before = snapshot(app)
    with pytest.raises(ValidationError) as v:
        app.command("complete_repair", {"repair_id": rid}, ENGINEER)
    assert rules(v) == {("client_signature", "client_signature_required")}
    assert snapshot(app) == before
    done = app.command("complete_repair", {"repair_id": rid, "client_signature": "王先生"}, ENGINEER)
    assert done["state"] == "COMPLETED" and done["client_signed_by"] == "王先生"
    [charge] = app.events("repair.charge_requested")
    assert charge.payload == {"repair_id": rid, "work_order_no": done["work_order_no"], "unit_id": "1-1-303",
                              "estate": "E1", "amount": "60.00",
                              "description": f"{done['work_order_no']} 更换水龙头 Replace a tap x 2",
                              "signed_by": "王先生"}
    assert types(app) == ["repair.reported", "repair.quote_issued", "repair.consent_given", "repair.dispatched",
                          "repair.started", "repair.completed", "repair.charge_requested"]


def test_an_engineering_quote_and_a_declined_one(app):
    rid = report(app)["repair_id"]
    app.command("request_quote", {"repair_id": rid}, DESK)
    with pytest.raises(Forbidden) as f:
        app.command("price_repair", {"repair_id": rid, "price_source": "engineering_quote", "amount": "150"}, DESK)
    assert f.value.rule == "quote_by_engineering"
    q = app.command("price_repair", {"repair_id": rid, "price_source": "engineering_quote", "amount": "150"},
                    ENGINEER)
    assert (q["state"], q["amount"]) == ("AWAITING_CONSENT", "150.00")
    r = app.command("record_consent", {"repair_id": rid, "consented": False, "consented_by": "王先生"}, DESK)
    assert (r["state"], r["status"], r["cancel_reason"]) == ("CANCELLED", "cancelled", "consent_declined")
    assert app.query("allowed_actions", "repair", rid, "front_desk") == []


def test_an_unknown_price_item_is_refused(app):
    rid = report(app)["repair_id"]
    with pytest.raises(ValidationError) as v:
        app.command("price_repair", {"repair_id": rid, "price_item": "NOPE"}, DESK)
    assert rules(v) == {("price_item", "unknown_price_item")}


# --- mismatch ------------------------------------------------------------------------------------------
def test_a_mismatch_is_cancelled_by_the_area_assistant_and_reissued_by_a_supervisor(app):
    rid = report(app)["repair_id"]
    old = dispatch(app, rid)["work_order_no"]
    with pytest.raises(ValidationError) as v:
        app.command("cancel_mismatched_order", {"repair_id": rid, "reason": "需整体更换"}, AREA)
    assert rules(v) == {("signature", "signature_required")}
    m = app.command("cancel_mismatched_order", {"repair_id": rid, "reason": "需整体更换", "signature": "赵"}, AREA)
    assert m["state"] == "MISMATCH" and m["work_orders"][0]["state"] == "cancelled"
    before = snapshot(app)
    for assistant in (CS, AREA):  # an assistant alone may not re-issue
        with pytest.raises(Forbidden) as f:
            app.command("reissue_work_order", {"repair_id": rid}, assistant)
        assert (f.value.field, f.value.rule) == ("actor.role", "role_not_allowed")
        assert "tickets.reissue_work_order" in f.value.message
    assert snapshot(app)[0] == before[0] and snapshot(app)[2] == before[2]
    r = app.command("reissue_work_order", {"repair_id": rid, "summary": "整体更换角阀"}, SUPERVISOR)
    new = r["work_order_no"]
    assert (r["state"], r["summary"]) == ("DISPATCHED", "整体更换角阀") and new != old
    orders = {w["work_order_no"]: w for w in r["work_orders"]}
    assert (orders[old]["replaced_by"], orders[new]["replaces"]) == (new, old)
    assert (orders[old]["cancel_reason"], orders[old]["cancel_signature"], orders[old]["confirmed_by"]) == \
        ("需整体更换", "赵", "aa-zhao")
    [e] = app.events("repair.order_reissued")
    assert (e.payload["old_work_order_no"], e.payload["work_order_no"], e.payload["reissued_by"]) == \
        (old, new, "sup-chen")


def test_reissue_before_a_confirmed_mismatch_is_a_conflict(app):
    rid = report(app)["repair_id"]
    dispatch(app, rid)
    with pytest.raises(Conflict) as c:
        app.command("reissue_work_order", {"repair_id": rid}, SUPERVISOR)
    assert c.value.rule == "mismatch_confirmed_first"


# --- completion, acceptance, return visit --------------------------------------------------------------
def test_failed_acceptance_reopens_to_engineering_until_it_passes(app):
    rid = to_completed(app)
    [queue] = [q for q in app.query("work_queues", actor=CS) if q["key"] == "repairs_awaiting_acceptance"]
    assert [i["id"] for i in queue["items"]] == [rid]
    r = app.command("record_acceptance", {"repair_id": rid, "passed": False, "defects": "仍漏水"}, CS)
    assert (r["state"], r["reopen_count"], r["defects"]) == ("REOPENED", 1, "仍漏水")
    app.command("start_repair", {"repair_id": rid}, ENGINEER)
    app.command("complete_repair", {"repair_id": rid}, ENGINEER)
    r = app.command("record_acceptance", {"repair_id": rid, "passed": True}, CS)
    assert (r["state"], r["accepted_by"]) == ("RETURN_VISIT", "cs-li")
    [e] = app.events("repair.accepted")
    assert e.payload == {"repair_id": rid, "repair_no": rid, "unit_id": "1-1-303", "estate": "E1", "owner": "王先生"}


def visit(app, rid, overall, vid="RV-1"):
    return app.event("return_visit.completed", {"return_visit_id": vid, "subject_type": "repair", "subject_id": rid,
                                                "unit_id": "1-1-303", "estate": "E1", "overall": overall},
                     correlation_id=rid)


def test_a_satisfied_return_visit_closes_the_repair(app):
    rid = accepted(app)
    app.deliver(visit(app, rid, "satisfied"))
    r = app.query("get_repair", rid)
    assert (r["state"], r["status"]) == ("CLOSED", "closed")
    assert app.events("repair.closed")[0].payload["how"] == "return_visit"
    app.deliver(visit(app, rid, "dissatisfied", "RV-2"))  # after closing: nothing changes
    assert app.query("get_repair", rid)["state"] == "CLOSED"


def test_a_dissatisfied_return_visit_reopens_it(app):
    rid = accepted(app)
    app.deliver(visit(app, rid, "dissatisfied"))
    assert app.query("get_repair", rid)["state"] == "REOPENED"
    assert app.events("repair.reopened")[0].payload["reason"] == "return_visit_dissatisfied"


# --- owner APP -------------------------------------------------------------------------------------------
def test_an_app_repair_its_progress_and_a_low_rating_escalated_to_95059(app):
    r = app.command("submit_app_repair", {"unit_id": "1-1-303", "category": "water_electric",
                                          "summary": "卫生间漏水", "app_ref": "APP-778"}, APP)
    rid = r["repair_id"]
    assert r["channel"] == "app"
    p = app.query("repair_progress", rid, actor=APP)
    assert (p["state"], p["state_label"]["zh"], p["may_rate"]) == ("REPORTED", "已报修", False)
    with pytest.raises(Conflict) as c:
        app.command("rate_repair", {"repair_id": rid, "rating": 1}, APP)
    assert c.value.rule == "rated_after_acceptance"
    dispatch(app, rid)
    app.command("start_repair", {"repair_id": rid}, ENGINEER)
    app.command("complete_repair", {"repair_id": rid}, ENGINEER)
    app.command("record_acceptance", {"repair_id": rid, "passed": True}, CS)
    assert app.query("repair_progress", rid, actor=APP)["may_rate"] is True
    with pytest.raises(ValidationError) as v:
        app.command("rate_repair", {"repair_id": rid, "rating": 7}, APP)
    assert rules(v) == {("rating", "range")}
    r = app.command("rate_repair", {"repair_id": rid, "rating": 2, "comment": "等太久"}, APP)
    assert (r["state"], r["rating"]) == ("ESCALATED", 2)
    [e] = app.events("repair.escalated")
    assert (e.payload["rating"], e.payload["hotline"]) == (2, "95059")
    [queue] = [q for q in app.query("work_queues", actor=SUPERVISOR) if q["key"] == "repairs_escalated"]
    assert [i["id"] for i in queue["items"]] == [rid]


def test_a_good_app_rating_closes_the_repair(app):
    rid = accepted(app)
    r = app.command("rate_repair", {"repair_id": rid, "rating": 4}, APP)
    assert r["state"] == "CLOSED" and app.events("repair.closed")[0].payload["how"] == "app_rating"


# --- disputes and liaison notes --------------------------------------------------------------------------
def test_a_dispute_stops_the_attendance_clock_and_a_supervisor_settles_it(app):
    rid = report(app)["repair_id"]
    dispatch(app, rid, attend_by=(app.clock.now() + timedelta(minutes=30)).isoformat())
    r = app.command("dispute_repair", {"repair_id": rid, "other_party": "contractor", "reason": "施工方称装修造成"},
                    DESK)
    assert (r["state"], r["disputed_with"]) == ("DISPUTED", "contractor")
    app.clock.advance(minutes=31)
    app.tick("sweep_deadlines")
    assert app.events("repair.attendance_overdue") == []
    with pytest.raises(Forbidden):
        app.command("resolve_dispute", {"repair_id": rid, "responsible": "contractor"}, DESK)
    r = app.command("resolve_dispute", {"repair_id": rid, "responsible": "contractor"}, SUPERVISOR)
    assert (r["state"], r["responsible"]) == ("REPORTED", "contractor")
    r = dispatch(app, rid)
    assert [w["state"] for w in r["work_orders"]] == ["superseded", "issued"]


def test_a_quality_defect_closes_with_a_liaison_note_and_leaves_the_follow_up_open(app):
    rid = report(app, category="other", summary="精装木地板起拱")["repair_id"]
    with pytest.raises(ValidationError) as v:
        app.command("close_with_liaison", {"repair_id": rid, "note": "请开发商更换"}, SUPERVISOR)
    assert rules(v) == {("owner_permission", "owner_permission_required")}
    r = app.command("close_with_liaison", {"repair_id": rid, "note": "请开发商更换", "owner_permission": True},
                    SUPERVISOR)
    assert (r["state"], r["follow_up_open"], r["responsible"]) == ("CLOSED", True, "developer")
    assert r["liaison_no"].startswith("LN-")
    assert app.query("allowed_actions", "repair", rid, "cs_supervisor") == ["settle_follow_up"]
    r = app.command("settle_follow_up", {"repair_id": rid, "outcome": "开发商已更换"}, SUPERVISOR)
    assert r["follow_up_open"] is False


# --- refusals: role, estate, missing record ----------------------------------------------------------------
@pytest.mark.parametrize("command, actor", [
    ("start_repair", DESK), ("complete_repair", CS), ("cancel_mismatched_order", CS),
    ("reissue_work_order", AREA), ("close_with_liaison", CS), ("dispatch_repair", ENGINEER),
])
def test_a_role_not_in_the_policy_is_refused_and_nothing_changes(app, command, actor):
    rid = report(app)["repair_id"]
    before = snapshot(app)[0::2]
    with pytest.raises(Forbidden) as f:
        app.command(command, {"repair_id": rid}, actor)
    assert (f.value.field, f.value.rule) == ("actor.role", "role_not_allowed")
    assert snapshot(app)[0::2] == before


def test_another_estates_repair_answers_as_an_unknown_one(app):
    rid = report(app)["repair_id"]
    with pytest.raises(NotFound) as other:
        app.query("get_repair", rid, actor=E2_DESK)
    with pytest.raises(NotFound) as missing:
        app.query("get_repair", "BX-NONE", actor=DESK)
    assert (other.value.field, other.value.rule) == (missing.value.field, missing.value.rule) == ("repair_id", "exists")
    with pytest.raises(NotFound):
        dispatch(app, rid, actor=E2_DESK)
    assert app.query("list_repairs", actor=E2_DESK) == []


def test_wrong_state_refusals_change_nothing(app):
    rid = report(app)["repair_id"]
    before = snapshot(app)
    for command, actor, body in (("start_repair", ENGINEER, {}), ("complete_repair", ENGINEER, {}),
                                 ("record_acceptance", CS, {"passed": True}),
                                 ("record_consent", DESK, {"consented": True, "consented_by": "x"})):
        with pytest.raises(Conflict):
            app.command(command, {"repair_id": rid, **body}, actor)
    assert snapshot(app) == before


# --- demo, list ------------------------------------------------------------------------------------------
def test_the_demo_month_loads_once_in_the_proportions_with_some_overdue(app):
    assert app.query("list_repairs") == []
    with app.session() as s:
        said = TicketsService.load_demo(s)
        s.commit()
    assert said.startswith("40 repairs over a month")
    with app.session() as s:
        assert "already loaded" in TicketsService.load_demo(s)
    repairs = app.query("list_repairs")
    assert len(repairs) == 40
    by = lambda c: sum(1 for r in repairs if r["category"] == c)  # noqa: E731
    assert by("water_electric") + by("public_facility") + by("other") > len(repairs) / 2  # the property's own
    assert by("intercom") > by("security_door") and by("civil") > by("fire")
    assert {r["state"] for r in repairs} == set(__import__("propdesk.contracts.vocab", fromlist=["x"])
                                                .REPAIR_STATES.codes)
    assert [r["reported_on"] for r in repairs] == sorted((r["reported_on"] for r in repairs), reverse=True)
    queues = {q["key"]: q["items"] for q in app.query("work_queues", actor=SUPERVISOR)}
    assert queues["repairs_attendance_overdue"] and all(i["overdue"] for i in queues["repairs_attendance_overdue"])
    assert queues["repairs_to_dispatch"] and queues["repairs_escalated"]
    assert app.query("list_repairs", status="open") == [r for r in repairs if r["status"] == "open"]
    assert app.query("list_repairs", state="MISMATCH")[0]["location"] == "泵房"
    assert app.query("list_repairs", q="1-1-401")[0]["state"] == "DISPUTED"


@pytest.mark.parametrize("status, rule", [(["open"], "type"), ("x" * 65, "length")])
def test_a_bad_status_filter_is_rejected(status, rule):
    app = ServiceHarness(TicketsService, demo=True)
    with pytest.raises(ValidationError) as err:
        app.query("list_repairs", status=status)
    assert [(p.field, p.rule) for p in err.value.problems] == [("status", rule)]


def test_the_desk_describes_the_repair_record(app):
    described = app.query("describe_records")
    rec = described["repair"] if "repair" in described else described["records"]["repair"]
    assert rec["form"]["zh"].startswith("工程维修单 QR-001FW") if isinstance(rec["form"], dict) \
        else "QR-001FW" in str(rec["form"])


def test_dispatch_names_every_problem_and_changes_nothing(app):
    rid = report(app)["repair_id"]
    before = snapshot(app)
    with pytest.raises(ValidationError) as v:
        app.command("dispatch_repair", {"repair_id": rid, "team": "plumbers", "follow_up": " ", "category": "x",
                                        "attend_by": (app.clock.now() - timedelta(minutes=1)).isoformat()}, DESK)
    assert rules(v) == {("team", "one_of"), ("follow_up", "required"), ("category", "one_of"),
                        ("attend_by", "in_future")}
    assert snapshot(app) == before


def test_the_desks_form_values_are_read_as_the_office_writes_them(app):
    """The desk's datetime field has no offset (office time, Asia/Shanghai); its number field is text."""
    rid = report(app)["repair_id"]
    d = dispatch(app, rid, attend_by="2026-11-23T15:30")
    assert d["attend_by"] == "2026-11-23T07:30:00+00:00"
    app.command("start_repair", {"repair_id": rid}, ENGINEER)
    app.command("complete_repair", {"repair_id": rid}, ENGINEER)
    app.command("record_acceptance", {"repair_id": rid, "passed": True}, CS)
    assert app.command("rate_repair", {"repair_id": rid, "rating": "4"}, APP)["rating"] == 4
    fields = {f["name"]: f for f in app.query("describe_commands")["dispatch_repair"]["fields"]}
    assert fields["attend_by"]["type"] == "datetime"
    assert fields["team"]["choice_labels"]["maintenance"] == {"zh": "维修班", "en": "Maintenance team"}


def test_repair_counts_by_category_and_responsible_party(app):
    with app.session() as s:
        TicketsService.load_demo(s)
        s.commit()
    counts = app.query("repair_counts")
    assert sum(c["reported"] for c in counts) == 40
    assert all(c["reported"] == c["open"] + c["closed"] + c["cancelled"] for c in counts)
    civil = [c for c in counts if c["category"] == "civil"]
    assert civil == [{"category": "civil", "responsible": "contractor", "reported": 3, "open": 2, "closed": 1,
                      "cancelled": 0}]
    assert counts[0]["category"] == "civil"  # the vocabulary's order
    assert app.query("repair_counts", actor=E2_DESK) == [
        c for c in app.query("repair_counts", actor={"id": "x", "estates": ["E2"]})]
    assert sum(c["reported"] for c in app.query("repair_counts", actor=E2_DESK)) == 2
    assert app.query("repair_counts", since="2026-11-20", until="2026-11-19") == []
    with pytest.raises(ValidationError):
        app.query("repair_counts", since="2026-02-30")


def test_a_reopened_repair_is_to_be_attended_again_within_24_hours(app):
    rid = to_completed(app)
    app.command("record_acceptance", {"repair_id": rid, "passed": False, "defects": "仍漏水"}, CS)
    app.clock.advance(hours=23, minutes=59)
    app.tick("sweep_deadlines")
    assert app.events("repair.attendance_overdue") == []
    app.clock.advance(minutes=2)
    app.tick("sweep_deadlines")
    [breach] = app.events("repair.attendance_overdue")
    assert breach.payload["summary"].endswith("返单")
    [queue] = [q for q in app.query("work_queues", actor=SUPERVISOR) if q["key"] == "repairs_attendance_overdue"]
    assert [i["id"] for i in queue["items"]] == [rid]


def test_personal_numbers_are_masked_in_the_list_and_queues_not_on_the_record(app):
    rid = report(app, summary="漏水，请打13912345678")["repair_id"]
    [listed] = app.query("list_repairs")
    assert (listed["client_phone"], listed["summary"]) == ("138****5678", "漏水，请打139****5678")
    record = app.query("get_repair", rid)
    assert (record["client_phone"], record["summary"]) == ("13812345678", "漏水，请打13912345678")
    [queue] = [q for q in app.query("work_queues", actor=DESK) if q["key"] == "repairs_to_dispatch"]
    assert queue["items"][0]["detail"] == "漏水，请打139****5678"
