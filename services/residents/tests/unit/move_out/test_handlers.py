"""The move-out's handlers on the fake unit of work (no broker, no database server): the request,
the reads, the saga's incoming facts (inspection, fee clearance, release slip, gate), withdrawal
and archiving, with the events they emit, their audit trail and their idempotency (domain.md §2.6, §8).

Each test drives residents' tables through the same pipeline as its nameko entrypoints
(`propdesk.testing.fake.ServiceHarness`); an incoming fact is an envelope as its producer sends it."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from propdesk import demo
from propdesk.chassis import migrate
from propdesk.chassis.clock import FakeClock
from propdesk.chassis.db import audit_trail
from propdesk.chassis.tables import AuditRow, OutboxRow
from propdesk.contracts.envelope import Actor, Envelope, new_id
from propdesk.errors import Conflict, Forbidden, NotFound, ValidationError
from propdesk.testing.fake import ServiceHarness
from propdesk_services.residents.service import ResidentsService
from propdesk_services.residents.workflows.move_out import domain
from propdesk_services.residents.workflows.move_out.models import MoveOutCase

CLERK = {"id": "fd-wang", "role": "front_desk"}
ENGINEER = Actor("eng-zhao", "engineering")
CASHIER = Actor("fin-qian", "cashier")
GUARD = Actor("sec-sun", "security")
OWNER_OCCUPIED = next(u["unit_id"] for u in demo.units() if not u["tenant_party_id"])
CLOCK_START = FakeClock().now()
TODAY = FakeClock().today()


# --- fixtures and helpers -----------------------------------------------------------------------
@pytest.fixture
def app() -> ServiceHarness:
    return ServiceHarness(ResidentsService, clock=FakeClock(CLOCK_START), demo=True)


def call(app: ServiceHarness, name: str, *args, **kwargs):
    """A command or a query, as the RPC entrypoint would run it."""
    if name in app.messages.COMMANDS:
        return app.command(name, *args, **kwargs)
    return app.query(name, *args, **kwargs)


def problems(exc_info) -> set[tuple[str, str]]:
    return {(p.field, p.rule) for p in exc_info.value.problems}


def request(**kw) -> dict:
    base = {
        "unit_id": demo.DEMO_HAPPY_UNIT,
        "tenant_party_id": demo.DEMO_HAPPY_TENANT,
        "exit_date": (TODAY + timedelta(days=7)).isoformat(),
        "owner_consent_ref": "客户同意函 2026-118",
        "fitout_disposition": "restore",
    }
    base.update(kw)
    return base


def outbox(app: ServiceHarness, event_type: str) -> list[dict]:
    return [e.to_json_dict() for e in app.events(event_type)]


def actions(app: ServiceHarness, move_out_id: str) -> list[str]:
    with app.session() as s:
        return [a["action"] for a in audit_trail(s, object_id=move_out_id)]


def publish(app: ServiceHarness, event_type: str, payload: dict, correlation_id: str, actor: Actor,
            handler: str, envelope: Envelope | None = None) -> Envelope:
    """Deliver an input event as its producer would send it; `handler` must be the one that takes it."""
    envelope = envelope or app.event(event_type, payload, correlation_id=correlation_id, actor=actor,
                                     producer="test")
    acted = app.deliver(envelope)
    assert acted in ([handler], []), acted
    return envelope


def inspection(app, case: dict, passed: bool, defects=(), breach_notice_id=None, **kw) -> Envelope:
    return publish(app, "move_out.inspection_completed", {
        "move_out_id": case["move_out_id"], "work_order_no": "WO-20261122-0007", "unit_id": case["unit_id"],
        "passed": passed, "defects": list(defects), "breach_notice_id": breach_notice_id,
    }, case["move_out_id"], ENGINEER, "on_inspection_completed", **kw)


def clearance(app, case: dict | None, cleared: bool, amount: str = "0.00", move_out_id: str | None = "same",
              as_of=None, **kw) -> Envelope:
    move_out_id = case["move_out_id"] if move_out_id == "same" else move_out_id
    return publish(app, "billing.clearance_confirmed" if cleared else "billing.clearance_failed", {
        "unit_id": case["unit_id"] if case else demo.DEMO_HAPPY_UNIT, "party_id": demo.DEMO_HAPPY_TENANT,
        "move_out_id": move_out_id, "outstanding_amount": amount, "as_of": (as_of or app.clock.now()).isoformat(),
    }, move_out_id or new_id(), CASHIER, "on_clearance", **kw)


def slip_issued(app, case: dict, slip_id: str = "RS-20261122-0003", move_out_id: str | None = "same", **kw) -> Envelope:
    move_out_id = case["move_out_id"] if move_out_id == "same" else move_out_id
    return publish(app, "release_slip.issued", {
        "slip_id": slip_id, "move_out_id": move_out_id, "unit_id": case["unit_id"], "applicant_type": "tenant",
        "goods": ["双人床 1 张", "衣柜 2 个"], "clearance_ref": "CLR-1",
    }, move_out_id or new_id(), Actor("fd-wang", "front_desk"), "on_release_slip_issued", **kw)


def goods_released(app, case: dict, slip_id: str = "RS-20261122-0003", **kw) -> Envelope:
    return publish(app, "release_slip.released", {
        "slip_id": slip_id, "move_out_id": case["move_out_id"], "unit_id": case["unit_id"], "guard_id": GUARD.id,
    }, case["move_out_id"], GUARD, "on_goods_released", **kw)


def approved_case(app) -> dict:
    case = call(app, "request_move_out", request(), actor=CLERK)
    inspection(app, case, passed=True)
    clearance(app, case, cleared=True)
    return call(app, "get_move_out", case["move_out_id"])


def released_case(app) -> dict:
    case = approved_case(app)
    slip_issued(app, case)
    goods_released(app, case)
    return call(app, "get_move_out", case["move_out_id"])


def nothing_created(app):
    with app.session() as s:
        assert s.scalar(select(func.count()).select_from(MoveOutCase)) == 0
        assert s.scalar(select(func.count()).select_from(OutboxRow)) == 0
        assert s.scalar(select(func.count()).select_from(AuditRow).where(AuditRow.action != "refused")) == 0


# --- request_move_out -----------------------------------------------------------------------------
def test_request_move_out_accepts_the_case_and_emits_move_out_requested(app):
    req = request()
    case = call(app, "request_move_out", req, actor=CLERK)

    move_out_id = case["move_out_id"]
    assert re.fullmatch(rf"MO-{TODAY:%Y%m%d}-0001", move_out_id)
    assert case["state"] == domain.APPLICATION_ACCEPTED
    assert (case["unit_id"], case["tenant_party_id"], case["owner_party_id"]) == (
        demo.DEMO_HAPPY_UNIT, demo.DEMO_HAPPY_TENANT, f"OWN-{demo.DEMO_HAPPY_UNIT}")
    names = {p["party_id"]: p["name"] for p in demo.parties()}
    assert case["tenant_name"] == names[demo.DEMO_HAPPY_TENANT]
    assert case["owner_name"] == names[f"OWN-{demo.DEMO_HAPPY_UNIT}"]
    assert (case["inspection"], case["fees"], case["defects"], case["release_slip_no"]) == ("pending", "pending", [], None)
    assert case["exit_date"] == req["exit_date"] and case["requested_by"] == "fd-wang"
    assert case["waiting_for"] == ["engineering inspection (单元验收)",
                                   "final meter readings and supply cut by engineering (抄表并断水断电)",
                                   "fee clearance check by finance (费用结清)"]
    assert case["conflicts"] == [] and case["created_at"]
    assert call(app, "get_move_out", move_out_id) == case

    sent = outbox(app, "move_out.requested")
    assert len(sent) == 1
    assert sent[0]["correlation_id"] == move_out_id
    assert sent[0]["producer"] == "residents"
    assert sent[0]["actor"] == CLERK
    assert sent[0]["payload"] == {
        "move_out_id": move_out_id, "unit_id": demo.DEMO_HAPPY_UNIT, "estate": "E1",
        "tenant_id": demo.DEMO_HAPPY_TENANT,
        "owner_id": f"OWN-{demo.DEMO_HAPPY_UNIT}", "owner_consent_doc": "客户同意函 2026-118",
        "exit_date": req["exit_date"], "fitout_disposition": "restore",
    }
    with app.session() as s:
        [row] = audit_trail(s, object_id=move_out_id)
    assert row["action"] == "move_out.requested" and row["actor"] == CLERK
    assert row["details"]["unit_id"] == demo.DEMO_HAPPY_UNIT


def test_move_out_ids_count_up_within_the_day(app):
    first = call(app, "request_move_out", request(), actor=CLERK)
    second = call(app, "request_move_out", request(unit_id=demo.DEMO_ARREARS_UNIT,
                                                         tenant_party_id=demo.DEMO_ARREARS_TENANT), actor=CLERK)
    assert first["move_out_id"].endswith("-0001") and second["move_out_id"].endswith("-0002")


def test_a_bad_request_names_every_problem_and_creates_nothing(app):
    bad = request(unit_id=OWNER_OCCUPIED, tenant_party_id=" ", owner_consent_ref="",
                  exit_date=(TODAY - timedelta(days=1)).isoformat(), fitout_disposition="burn_it")
    with pytest.raises(ValidationError) as e:
        call(app, "request_move_out", bad, actor=CLERK)
    assert problems(e) == {
        ("unit_id", "must_be_leased"), ("tenant_party_id", "required"),
        ("owner_consent_ref", "required_owner_written_consent"), ("exit_date", "not_before_today"),
        ("fitout_disposition", "one_of"),
    }
    nothing_created(app)


@pytest.mark.parametrize("changes, expected", [
    ({"unit_id": "9-9-999", "exit_date": "30/11/2026"}, {("unit_id", "unknown_unit"), ("exit_date", "iso_date")}),
    ({"tenant_party_id": "TEN-1-1-702"}, {("tenant_party_id", "not_the_units_tenant")}),
    ({"exit_date": None}, {("exit_date", "required")}),
    ({"pets": "cat"}, {("pets", "unknown_field")}),
    ({"unit_id": 303}, {("unit_id", "type")}),
])
def test_each_request_rule_is_named(app, changes, expected):
    with pytest.raises(ValidationError) as e:
        call(app, "request_move_out", request(**changes), actor=CLERK)
    assert problems(e) == expected
    nothing_created(app)


def test_only_the_desk_and_customer_service_may_request_a_move_out(app):
    with pytest.raises(Forbidden):
        call(app, "request_move_out", request(), actor={"id": "eng-zhao", "role": "engineering"})
    with pytest.raises(ValidationError) as e:
        call(app, "request_move_out", request(), actor={"id": "x", "role": "landlord"})
    assert problems(e) == {("actor.role", "one_of")}
    nothing_created(app)


@pytest.mark.parametrize("role", ["cs_assistant", "cs_supervisor", "cs_manager"])
def test_customer_service_roles_may_request(app, role):
    case = call(app, "request_move_out", request(), actor={"id": f"{role}-1", "role": role})
    assert case["requested_by"] == f"{role}-1"


def test_a_second_open_move_out_for_the_unit_is_a_conflict(app):
    first = call(app, "request_move_out", request(), actor=CLERK)
    with pytest.raises(Conflict, match=first["move_out_id"]):
        call(app, "request_move_out", request(owner_consent_ref="another letter"), actor=CLERK)
    assert [c["move_out_id"] for c in call(app, "list_move_outs")] == [first["move_out_id"]]
    assert len(outbox(app, "move_out.requested")) == 1


# --- reads ----------------------------------------------------------------------------------------
def test_units_and_their_parties(app):
    units = call(app, "list_units")
    assert len(units) == len(demo.units())
    leased = call(app, "list_units", leased_only=True)
    assert {u["unit_id"] for u in leased} == {u["unit_id"] for u in demo.units() if u["tenant_party_id"]}
    phones = {p["party_id"]: p["phone"] for p in demo.parties()}
    names = {p["party_id"]: p["name"] for p in demo.parties()}
    office = next(u for u in leased if u["unit_id"] == "T1-31F")
    assert office == {"unit_id": "T1-31F", "building": "T1", "kind": "office", "estate": "E2", "owner_party_id": demo.OFFICE_LANDLORD_ID,
                      "owner_name": demo.OFFICE_LANDLORD_NAME, "tenant_party_id": "TEN-T1-31F",
                      "tenant_name": names["TEN-T1-31F"], "owner_phone": phones[demo.OFFICE_LANDLORD_ID],
                      "tenant_phone": phones["TEN-T1-31F"]}  # landlines: nothing to mask
    flat = call(app, "get_unit", OWNER_OCCUPIED)
    assert flat["tenant_party_id"] is None and flat["tenant_name"] is None
    assert flat["owner_name"] == names[f"OWN-{OWNER_OCCUPIED}"] and flat["open_move_out_id"] is None

    case = call(app, "request_move_out", request(), actor=CLERK)
    assert call(app, "get_unit", demo.DEMO_HAPPY_UNIT)["open_move_out_id"] == case["move_out_id"]


def test_unknown_records_are_not_found(app):
    for method, arg in (("get_unit", "9-9-999"), ("get_move_out", "MO-20260101-0001")):
        with pytest.raises(NotFound):
            call(app, method, arg)


def test_move_outs_are_listed_newest_first_and_by_state(app):
    first = call(app, "request_move_out", request(), actor=CLERK)
    second = call(app, "request_move_out", request(unit_id=demo.DEMO_ARREARS_UNIT,
                                                         tenant_party_id=demo.DEMO_ARREARS_TENANT), actor=CLERK)
    assert [c["move_out_id"] for c in call(app, "list_move_outs")] == [second["move_out_id"], first["move_out_id"]]
    inspection(app, first, passed=True)
    assert [c["move_out_id"] for c in call(app, "list_move_outs", domain.INSPECTION_PASSED)] == [first["move_out_id"]]
    assert [c["move_out_id"] for c in call(app, "list_move_outs", state=domain.APPLICATION_ACCEPTED)] == [
        second["move_out_id"]]
    with pytest.raises(ValidationError) as e:
        call(app, "list_move_outs", "SOMEWHERE")
    assert problems(e) == {("state", "one_of")}


# --- the saga guard -------------------------------------------------------------------------------
@pytest.mark.parametrize("inspection_first", [True, False], ids=["inspection-then-fees", "fees-then-inspection"])
def test_release_is_approved_exactly_once_when_inspection_and_fees_are_in(app, inspection_first):
    case = call(app, "request_move_out", request(), actor=CLERK)
    move_out_id = case["move_out_id"]
    steps = [lambda: inspection(app, case, passed=True), lambda: clearance(app, case, cleared=True)]
    if not inspection_first:
        steps.reverse()

    steps[0]()
    halfway = call(app, "get_move_out", move_out_id)
    assert halfway["state"] == (domain.INSPECTION_PASSED if inspection_first else domain.APPLICATION_ACCEPTED)
    assert outbox(app, "move_out.release_approved") == []

    steps[1]()
    done = call(app, "get_move_out", move_out_id)
    assert done["state"] == domain.RELEASE_APPROVED
    assert (done["inspection"], done["fees"]) == ("passed", "cleared")
    assert done["waiting_for"] == ["goods release slip to be issued (物品放行条)"]

    # the same facts again, as new events, change nothing
    inspection(app, case, passed=True)
    clearance(app, case, cleared=True)
    assert len(outbox(app, "move_out.release_approved")) == 1
    sent = outbox(app, "move_out.release_approved")
    assert len(sent) == 1
    assert sent[0]["correlation_id"] == move_out_id
    assert sent[0]["payload"] == {"move_out_id": move_out_id, "unit_id": demo.DEMO_HAPPY_UNIT, "estate": "E1",
                                  "owner_written_opinion_ref": "客户同意函 2026-118"}
    trail = actions(app, move_out_id)
    assert trail.count("move_out.release_approved") == 1
    assert trail.count("move_out.inspection_recorded") == 1 and trail.count("move_out.clearance_recorded") == 1
    with app.session() as s:
        assert s.scalar(select(func.count()).select_from(AuditRow).where(AuditRow.correlation_id != move_out_id)) == 0


def test_fees_outstanding_then_paid(app):
    case = call(app, "request_move_out", request(), actor=CLERK)
    inspection(app, case, passed=True)
    clearance(app, case, cleared=False, amount=str(demo.DEMO_ARREARS_AMOUNT))

    owing = call(app, "get_move_out", case["move_out_id"])
    assert (owing["state"], owing["fees"], owing["outstanding_amount"]) == (
        domain.FEES_CHECKED, "outstanding", str(demo.DEMO_ARREARS_AMOUNT))
    assert owing["waiting_for"] == [f"fee clearance: ¥{demo.DEMO_ARREARS_AMOUNT:,} outstanding (费用结清)"]
    assert outbox(app, "move_out.release_approved") == []

    clearance(app, case, cleared=True)
    paid = call(app, "get_move_out", case["move_out_id"])
    assert (paid["state"], paid["fees"], paid["outstanding_amount"]) == (domain.RELEASE_APPROVED, "cleared", "0.00")
    assert len(outbox(app, "move_out.release_approved")) == 1


def test_defects_then_a_passing_reinspection(app):
    case = call(app, "request_move_out", request(), actor=CLERK)
    inspection(app, case, passed=False, defects=["卫生间墙砖破损"], breach_notice_id="BN-0001")
    clearance(app, case, cleared=True)

    open_defects = call(app, "get_move_out", case["move_out_id"])
    assert (open_defects["inspection"], open_defects["defects"], open_defects["breach_notice_id"]) == (
        "defects_found", ["卫生间墙砖破损"], "BN-0001")
    assert open_defects["state"] == domain.DEFECTS_FOUND
    assert open_defects["waiting_for"] == ["defects to be settled: 卫生间墙砖破损 (违约处理单)"]
    assert outbox(app, "move_out.release_approved") == []

    inspection(app, case, passed=True)
    settled = call(app, "get_move_out", case["move_out_id"])
    assert (settled["state"], settled["inspection"], settled["defects"], settled["breach_notice_id"]) == (
        domain.RELEASE_APPROVED, "passed", [], None)
    assert len(outbox(app, "move_out.release_approved")) == 1


def test_release_slip_issued_then_goods_released(app):
    case = approved_case(app)
    slip_issued(app, case)
    at_gate = call(app, "get_move_out", case["move_out_id"])
    assert (at_gate["state"], at_gate["release_slip_no"]) == (domain.RELEASE_APPROVED, "RS-20261122-0003")
    assert at_gate["waiting_for"] == ["goods release at the gate, slip RS-20261122-0003 (物品放行)"]

    goods_released(app, case)
    out = call(app, "get_move_out", case["move_out_id"])
    assert out["state"] == domain.GOODS_RELEASED
    assert out["waiting_for"] == ["archiving of the exit documents and report to the owner (归档)"]
    trail = actions(app, case["move_out_id"])
    assert trail[-2:] == ["move_out.release_slip_issued", "move_out.goods_released"]
    with app.session() as s:
        last = audit_trail(s, object_id=case["move_out_id"])[-1]
    assert last["details"]["by"] == GUARD.as_dict() and last["details"]["slip_id"] == "RS-20261122-0003"


def test_goods_released_overtaking_the_slip_notice_still_release_the_case(app):
    """access emits release_slip.issued, then (at the gate) release_slip.released; they reach
    residents on two queues, so the release may be handled first (the slip notice was being
    retried, or residents restarted with both waiting). The case must still be GOODS_RELEASED."""
    case = approved_case(app)
    goods_released(app, case)
    slip_issued(app, case)
    out = call(app, "get_move_out", case["move_out_id"])
    assert (out["state"], out["release_slip_no"]) == (domain.GOODS_RELEASED, "RS-20261122-0003")
    assert out["conflicts"] == []
    assert actions(app, case["move_out_id"])[-1] == "move_out.goods_released"


def test_slips_that_are_not_about_a_move_out_are_ignored(app):
    case = approved_case(app)
    slip_issued(app, case, slip_id="RS-OWNER-1", move_out_id=None)
    assert call(app, "get_move_out", case["move_out_id"])["release_slip_no"] is None


# --- idempotency, contradictions, faults ----------------------------------------------------------
def test_the_same_event_delivered_twice_has_one_effect(app):
    case = call(app, "request_move_out", request(), actor=CLERK)
    inspection(app, case, passed=True)
    envelope = clearance(app, case, cleared=True)
    assert app.deliver(envelope) == []  # the inbox saw it: no handler acts again
    assert len(outbox(app, "move_out.release_approved")) == 1
    assert actions(app, case["move_out_id"]).count("move_out.clearance_recorded") == 1


def test_a_contradicting_fact_after_approval_is_recorded_not_retried(app):
    case = approved_case(app)
    late = inspection(app, case, passed=False, defects=["门锁损坏"], breach_notice_id="BN-0002")
    owing = clearance(app, case, cleared=False, amount="120.00")

    after = call(app, "get_move_out", case["move_out_id"])
    assert after["state"] == domain.RELEASE_APPROVED
    assert (after["inspection"], after["defects"], after["fees"], after["breach_notice_id"]) == (
        "passed", [], "cleared", None)
    assert [(c["event_type"], c["event_id"]) for c in after["conflicts"]] == [
        ("move_out.inspection_completed", late.event_id), ("billing.clearance_failed", owing.event_id)]
    assert "already approved" in after["conflicts"][0]["message"]
    assert "¥120.00" in after["conflicts"][1]["message"]
    assert actions(app, case["move_out_id"]).count("move_out.conflict") == 2
    assert len(outbox(app, "move_out.release_approved")) == 1


def test_a_stale_fee_verdict_delivered_late_does_not_undo_a_newer_one(app):
    """billing's first check failed, the tenant paid, billing confirmed. If the failure reaches
    residents after the confirmation (it was being retried), it is older than the verdict the case
    holds (Finance's as_of) and changes nothing: billing confirms a move-out once, so letting it
    win would leave the case waiting for fees forever. After approval it is no conflict either."""
    case = call(app, "request_move_out", request(), actor=CLERK)
    now = app.clock.now()
    clearance(app, case, cleared=True, as_of=now)
    clearance(app, case, cleared=False, amount="356.25", as_of=now - timedelta(minutes=5))
    inspection(app, case, passed=True)

    out = call(app, "get_move_out", case["move_out_id"])
    assert (out["state"], out["fees"], out["outstanding_amount"]) == (domain.RELEASE_APPROVED, "cleared", "0.00")
    assert len(outbox(app, "move_out.release_approved")) == 1

    clearance(app, case, cleared=False, amount="356.25", as_of=now - timedelta(minutes=4))
    assert call(app, "get_move_out", case["move_out_id"])["conflicts"] == []


def test_a_stale_inspection_delivered_late_does_not_undo_the_reinspection(app):
    """Engineering found defects, then the re-inspection passed (the work order is final). If the
    first result reaches residents after the second (it was being retried), it is older than the
    result the case holds and changes nothing: the case is not sent back to DEFECTS_FOUND with a
    work order engineering can no longer re-inspect."""
    case = call(app, "request_move_out", request(), actor=CLERK)
    now = app.clock.now()

    def result(passed: bool, at) -> Envelope:
        return Envelope(new_id(), "move_out.inspection_completed", 1, at, "tickets", case["move_out_id"], None,
                        ENGINEER, {"move_out_id": case["move_out_id"], "work_order_no": "WO-20261122-0007",
                                   "unit_id": case["unit_id"], "passed": passed,
                                   "defects": [] if passed else ["卫生间墙砖破损"],
                                   "breach_notice_id": None if passed else "WY-20261122-0007"})

    inspection(app, case, passed=True, envelope=result(True, now))
    inspection(app, case, passed=False, envelope=result(False, now - timedelta(minutes=30)))
    after = call(app, "get_move_out", case["move_out_id"])
    assert (after["state"], after["inspection"], after["defects"], after["breach_notice_id"]) == (
        domain.INSPECTION_PASSED, "passed", [], None)

    clearance(app, case, cleared=True)
    done = call(app, "get_move_out", case["move_out_id"])
    assert done["state"] == domain.RELEASE_APPROVED and done["conflicts"] == []


def test_a_slip_before_approval_is_recorded_as_a_conflict(app):
    case = call(app, "request_move_out", request(), actor=CLERK)
    slip_issued(app, case)
    after = call(app, "get_move_out", case["move_out_id"])
    assert after["release_slip_no"] is None and after["state"] == domain.APPLICATION_ACCEPTED
    assert [c["event_type"] for c in after["conflicts"]] == ["release_slip.issued"]


def test_clearances_not_about_a_known_move_out_are_ignored(app):
    case = call(app, "request_move_out", request(), actor=CLERK)
    clearance(app, case, cleared=False, amount="50.00", move_out_id=None)
    clearance(app, case, cleared=False, amount="50.00", move_out_id="MO-19990101-0001")
    assert call(app, "get_move_out", case["move_out_id"])["fees"] == "pending"
    assert actions(app, case["move_out_id"]) == ["move_out.requested"]


# --- demo -----------------------------------------------------------------------------------------
def test_demo_load_fills_the_register_once(tmp_path):
    url = f"sqlite:///{tmp_path / 'residents.db'}"
    migrate.upgrade(ResidentsService, url)
    with Session(create_engine(url)) as s:
        assert ResidentsService.load_demo(s) == f"{len(demo.units())} units, {len(demo.parties())} parties"
        s.commit()
        assert ResidentsService.load_demo(s) == f"skipped: {len(demo.units())} units already registered"


# --- faults the chassis retries and then dead-letters (the wiring is tested against the broker) ----
def test_an_inspection_of_an_unknown_move_out_is_a_fault_not_a_silent_ack(app):
    ghost = {"move_out_id": "MO-19990101-0001", "unit_id": demo.DEMO_HAPPY_UNIT}
    with pytest.raises(NotFound) as e:
        inspection(app, ghost, passed=True)
    assert (e.value.field, e.value.rule) == ("move_out_id", "exists")


def test_an_inconsistent_inspection_is_a_fault_and_changes_nothing(app):
    case = call(app, "request_move_out", request(), actor=CLERK)
    with pytest.raises(ValidationError) as e:
        inspection(app, case, passed=True, defects=["墙面污损"])
    assert problems(e) == {("defects", "must_be_empty_when_passed")}
    assert call(app, "get_move_out", case["move_out_id"])["inspection"] == "pending"


# --- a move-out can end: archived, or withdrawn before release --------------------------------------
def test_archiving_closes_the_case_and_the_unit_may_move_out_again(app):
    case = released_case(app)
    archived = call(app, "archive_move_out", {"move_out_id": case["move_out_id"]}, actor=CLERK)
    assert archived["state"] == domain.ARCHIVED and archived["waiting_for"] == []
    assert archived["closed_at"] == CLOCK_START.isoformat()
    [completed] = outbox(app, "move_out.completed")
    assert completed["payload"] == {"move_out_id": case["move_out_id"], "unit_id": case["unit_id"], "estate": "E1",
                                    "archived_at": CLOCK_START.isoformat()}
    assert completed["correlation_id"] == case["move_out_id"] and completed["actor"] == CLERK
    assert actions(app, case["move_out_id"])[-1] == "move_out.archived"
    assert call(app, "get_unit", case["unit_id"])["open_move_out_id"] is None

    again = call(app, "request_move_out", request(owner_consent_ref="客户同意函 2027-001"), actor=CLERK)
    assert again["move_out_id"] != case["move_out_id"] and again["state"] == domain.APPLICATION_ACCEPTED
    # archiving twice is a no-op: no second event
    call(app, "archive_move_out", {"move_out_id": case["move_out_id"]}, actor=CLERK)
    assert len(outbox(app, "move_out.completed")) == 1


def test_a_case_whose_goods_are_not_out_cannot_be_archived(app):
    case = approved_case(app)
    with pytest.raises(Conflict) as e:
        call(app, "archive_move_out", {"move_out_id": case["move_out_id"]}, actor=CLERK)
    assert (e.value.field, e.value.rule) == ("move_out_id", "goods_released_first")
    assert call(app, "get_move_out", case["move_out_id"])["state"] == domain.RELEASE_APPROVED
    assert outbox(app, "move_out.completed") == []


def test_withdrawal_before_release_closes_the_case_and_later_facts_change_nothing(app):
    case = call(app, "request_move_out", request(), actor=CLERK)
    inspection(app, case, passed=True)
    out = call(app, "withdraw_move_out", {"move_out_id": case["move_out_id"], "reason": " 租户续租 "}, actor=CLERK)
    assert (out["state"], out["withdrawal_reason"], out["waiting_for"]) == (domain.WITHDRAWN, "租户续租", [])
    [withdrawn] = outbox(app, "move_out.withdrawn")
    assert withdrawn["payload"]["reason"] == "租户续租" and withdrawn["payload"]["unit_id"] == case["unit_id"]
    trail = actions(app, case["move_out_id"])
    assert trail[-1] == "move_out.withdrawn"

    clearance(app, case, cleared=True)  # finance's verdict arrives after the withdrawal
    after = call(app, "get_move_out", case["move_out_id"])
    assert after["state"] == domain.WITHDRAWN and outbox(app, "move_out.release_approved") == []
    assert call(app, "get_unit", case["unit_id"])["open_move_out_id"] is None
    assert call(app, "request_move_out", request(), actor=CLERK)["state"] == domain.APPLICATION_ACCEPTED


def test_withdrawal_needs_a_reason_and_comes_before_release_approval(app):
    case = call(app, "request_move_out", request(), actor=CLERK)
    with pytest.raises(ValidationError) as e:
        call(app, "withdraw_move_out", {"move_out_id": case["move_out_id"], "reason": "  "}, actor=CLERK)
    assert problems(e) == {("reason", "required")}
    with pytest.raises(ValidationError) as e:
        call(app, "withdraw_move_out", {"move_out_id": case["move_out_id"], "reason": "x" * 501}, actor=CLERK)
    assert problems(e) == {("reason", "length")}

    inspection(app, case, passed=True)
    clearance(app, case, cleared=True)
    with pytest.raises(Conflict) as e:
        call(app, "withdraw_move_out", {"move_out_id": case["move_out_id"], "reason": "租户续租"}, actor=CLERK)
    assert (e.value.field, e.value.rule) == ("move_out_id", "before_release_approval")
    assert call(app, "get_move_out", case["move_out_id"])["state"] == domain.RELEASE_APPROVED
    assert outbox(app, "move_out.withdrawn") == []


def test_withdrawing_or_archiving_an_unknown_case_is_not_found(app):
    for name, req in (("withdraw_move_out", {"move_out_id": "MO-19990101-0001", "reason": "x"}),
                      ("archive_move_out", {"move_out_id": "MO-19990101-0001"})):
        with pytest.raises(NotFound):
            call(app, name, req, actor=CLERK)


@pytest.mark.parametrize("name", ["withdraw_move_out", "archive_move_out"])
def test_only_customer_service_may_end_a_move_out_and_a_refusal_is_audited(app, name):
    case = call(app, "request_move_out", request(), actor=CLERK)
    with pytest.raises(Forbidden) as e:
        call(app, name, {"move_out_id": case["move_out_id"], **({"reason": "x"} if "withdraw" in name else {})},
             actor={"id": "sec-sun", "role": "security"})
    assert (e.value.field, e.value.rule) == ("actor.role", "role_not_allowed")
    assert "security" in e.value.message and f"residents.{name}" in e.value.message
    [refused] = app.audit("refused")
    assert (refused.actor_id, refused.actor_role, refused.object_id) == ("sec-sun", "security", f"residents.{name}")


def test_an_exit_date_years_ahead_is_refused(app):
    with pytest.raises(ValidationError) as e:
        call(app, "request_move_out", request(exit_date="9999-12-31"), actor=CLERK)
    assert problems(e) == {("exit_date", "at_most_a_year_ahead")}
    nothing_created(app)


def test_move_out_numbers_are_per_office_day(app):
    first = call(app, "request_move_out", request(), actor=CLERK)
    app.clock.advance(days=1)
    second = call(app, "request_move_out", request(unit_id=demo.DEMO_ARREARS_UNIT,
                                                   tenant_party_id=demo.DEMO_ARREARS_TENANT), actor=CLERK)
    assert first["move_out_id"] == f"MO-{TODAY:%Y%m%d}-0001"
    assert second["move_out_id"] == f"MO-{TODAY + timedelta(days=1):%Y%m%d}-0001"


def test_an_id_number_typed_into_the_consent_reference_is_masked_beyond_the_case_page(app):
    typed = "业主身份证11010519491231002X同意，电话13812345678"
    case = call(app, "request_move_out", request(owner_consent_ref=typed), actor=CLERK)
    assert call(app, "get_move_out", case["move_out_id"])["owner_consent_ref"] == typed
    masked = "业主身份证110105********002X同意，电话138****5678"
    assert call(app, "list_move_outs")[0]["owner_consent_ref"] == masked
    [requested] = outbox(app, "move_out.requested")
    assert requested["payload"]["owner_consent_doc"] == masked
    [row] = app.audit("move_out.requested")
    assert "11010519491231002X" not in row.details and "110105********002X" in row.details


@pytest.mark.parametrize("role, expected", [
    ("front_desk", {"requested": ["withdraw_move_out"], "released": ["archive_move_out"]}),
    ("security", {"requested": [], "released": []}),
])
def test_allowed_actions_follow_the_state_and_the_role(app, role, expected):
    case = call(app, "request_move_out", request(), actor=CLERK)
    assert app.query("allowed_actions", "move_out", case["move_out_id"], role) == expected["requested"]
    inspection(app, case, passed=True)
    clearance(app, case, cleared=True)
    assert app.query("allowed_actions", "move_out", case["move_out_id"], role) == []  # approved: neither
    slip_issued(app, case)
    goods_released(app, case)
    assert app.query("allowed_actions", "move_out", case["move_out_id"], role) == expected["released"]
    call(app, "archive_move_out", {"move_out_id": case["move_out_id"]}, actor=CLERK)
    assert app.query("allowed_actions", "move_out", case["move_out_id"], role) == []


def test_allowed_actions_names_what_it_does_not_know(app):
    with pytest.raises(NotFound):
        app.query("allowed_actions", "move_out", "MO-19990101-0001", "front_desk")
    with pytest.raises(ValidationError) as e:
        app.query("allowed_actions", "unit", "1-1-303", "landlord")
    assert problems(e) == {("record_type", "one_of"), ("role", "one_of")}
