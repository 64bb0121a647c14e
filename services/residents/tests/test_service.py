"""residents against the real broker: the move-out request, the reads, and the saga's incoming
facts (inspection, fee clearance, release slip, gate) through `@subscribe`, with the events it
emits, its audit trail and its idempotency (domain.md §2.6, §8)."""
from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from kombu import Connection, Queue, binding
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from propdesk import demo
from propdesk.chassis import metrics, migrate
from propdesk.chassis.db import audit_trail
from propdesk.chassis.tables import AuditRow, InboxRow, OutboxRow
from propdesk.chassis.topology import events_exchange
from propdesk.contracts.envelope import Actor, Envelope, new_id, utcnow
from propdesk.errors import Conflict, Forbidden, NotFound, ValidationError
from propdesk_services.residents import domain
from propdesk_services.residents.models import MoveOutCase
from propdesk.chassis.calendar import office_today
from propdesk_services.residents.service import ResidentsService
from tests.helpers import call, publish_raw, queue_messages, wait_for

CLERK = {"id": "fd-wang", "role": "front_desk"}
ENGINEER = Actor("eng-zhao", "engineering")
CASHIER = Actor("fin-qian", "finance")
GUARD = Actor("sec-sun", "security")
OUT_QUEUE = "test.residents.emitted"
OWNER_OCCUPIED = next(u["unit_id"] for u in demo.units() if not u["tenant_party_id"])


# --- fixtures and helpers -----------------------------------------------------------------------
@pytest.fixture
def residents(start_service, propdesk_env):
    container = start_service(ResidentsService)
    with session_of(propdesk_env) as s:
        ResidentsService.load_demo(s)
        s.commit()
    # a collector for everything residents emits, bound before anything happens
    with Connection(propdesk_env.amqp_uri) as conn:
        Queue(OUT_QUEUE, durable=True, bindings=[binding(events_exchange, routing_key="move_out.requested"),
                                                 binding(events_exchange, routing_key="move_out.release_approved")]
              )(conn.default_channel).declare()
    return container


def session_of(env) -> Session:
    return Session(create_engine(env.db_url("residents")))


def problems(exc_info) -> set[tuple[str, str]]:
    return {(p.field, p.rule) for p in exc_info.value.problems}


def request(**kw) -> dict:
    base = {
        "unit_id": demo.DEMO_HAPPY_UNIT,
        "tenant_party_id": demo.DEMO_HAPPY_TENANT,
        "exit_date": (office_today() + timedelta(days=7)).isoformat(),
        "owner_consent_ref": "客户同意函 2026-118",
        "fitout_disposition": "restore",
    }
    base.update(kw)
    return base


def emitted(env, event_type: str) -> list[dict]:
    return [m["body"] for m in queue_messages(env.amqp_uri, OUT_QUEUE) if m["body"]["event_type"] == event_type]


def outbox(env, event_type: str) -> list[dict]:
    with session_of(env) as s:
        return [json.loads(r.body) for r in s.scalars(select(OutboxRow).where(OutboxRow.event_type == event_type))]


def actions(env, move_out_id: str) -> list[str]:
    with session_of(env) as s:
        return [a["action"] for a in audit_trail(s, object_id=move_out_id)]


def processed(env, handler: str, event_id: str) -> bool:
    with session_of(env) as s:
        return s.get(InboxRow, (f"residents.{handler}", event_id)) is not None


def publish(env, event_type: str, payload: dict, correlation_id: str, actor: Actor, handler: str,
            envelope: Envelope | None = None, wait: bool = True) -> Envelope:
    """Publish an input event as its producer would, and wait until `handler` has processed it."""
    envelope = envelope or Envelope(new_id(), event_type, 1, utcnow(), "test", correlation_id, None, actor, payload)
    publish_raw(env.amqp_uri, envelope.to_json_dict(), event_type)
    if wait:
        wait_for(lambda: processed(env, handler, envelope.event_id), what=f"{handler} to process {event_type}")
    return envelope


def inspection(env, case: dict, passed: bool, defects=(), breach_notice_id=None, **kw) -> Envelope:
    return publish(env, "move_out.inspection_completed", {
        "move_out_id": case["move_out_id"], "work_order_no": "WO-20261122-0007", "unit_id": case["unit_id"],
        "passed": passed, "defects": list(defects), "breach_notice_id": breach_notice_id,
    }, case["move_out_id"], ENGINEER, "on_inspection_completed", **kw)


def clearance(env, case: dict | None, cleared: bool, amount: str = "0.00", move_out_id: str | None = "same",
              as_of=None, **kw) -> Envelope:
    move_out_id = case["move_out_id"] if move_out_id == "same" else move_out_id
    return publish(env, "billing.clearance_confirmed" if cleared else "billing.clearance_failed", {
        "unit_id": case["unit_id"] if case else demo.DEMO_HAPPY_UNIT, "party_id": demo.DEMO_HAPPY_TENANT,
        "move_out_id": move_out_id, "outstanding_amount": amount, "as_of": (as_of or utcnow()).isoformat(),
    }, move_out_id or new_id(), CASHIER, "on_clearance", **kw)


def slip_issued(env, case: dict, slip_id: str = "RS-20261122-0003", move_out_id: str | None = "same", **kw) -> Envelope:
    move_out_id = case["move_out_id"] if move_out_id == "same" else move_out_id
    return publish(env, "release_slip.issued", {
        "slip_id": slip_id, "move_out_id": move_out_id, "unit_id": case["unit_id"], "applicant_type": "tenant",
        "goods": ["双人床 1 张", "衣柜 2 个"], "clearance_ref": "CLR-1",
    }, move_out_id or new_id(), Actor("fd-wang", "front_desk"), "on_release_slip_issued", **kw)


def goods_released(env, case: dict, slip_id: str = "RS-20261122-0003", **kw) -> Envelope:
    return publish(env, "release_slip.released", {
        "slip_id": slip_id, "move_out_id": case["move_out_id"], "unit_id": case["unit_id"], "guard_id": GUARD.id,
    }, case["move_out_id"], GUARD, "on_goods_released", **kw)


def approved_case(env, container) -> dict:
    case = call(container, "request_move_out", request(), actor=CLERK)
    inspection(env, case, passed=True)
    clearance(env, case, cleared=True)
    return call(container, "get_move_out", case["move_out_id"])


def nothing_created(env):
    with session_of(env) as s:
        assert s.scalar(select(func.count()).select_from(MoveOutCase)) == 0
        assert s.scalar(select(func.count()).select_from(OutboxRow)) == 0
        assert s.scalar(select(func.count()).select_from(AuditRow)) == 0


def dead_letters(env) -> list[dict]:
    return queue_messages(env.amqp_uri, "propdesk.dlq")


# --- request_move_out -----------------------------------------------------------------------------
def test_request_move_out_accepts_the_case_and_emits_move_out_requested(residents, propdesk_env):
    req = request()
    case = call(residents, "request_move_out", req, actor=CLERK)

    move_out_id = case["move_out_id"]
    assert re.fullmatch(rf"MO-{office_today():%Y%m%d}-0001", move_out_id)
    assert case["state"] == domain.APPLICATION_ACCEPTED
    assert (case["unit_id"], case["tenant_party_id"], case["owner_party_id"]) == (
        demo.DEMO_HAPPY_UNIT, demo.DEMO_HAPPY_TENANT, f"OWN-{demo.DEMO_HAPPY_UNIT}")
    names = {p["party_id"]: p["name"] for p in demo.parties()}
    assert case["tenant_name"] == names[demo.DEMO_HAPPY_TENANT]
    assert case["owner_name"] == names[f"OWN-{demo.DEMO_HAPPY_UNIT}"]
    assert (case["inspection"], case["fees"], case["defects"], case["release_slip_no"]) == ("pending", "pending", [], None)
    assert case["exit_date"] == req["exit_date"] and case["requested_by"] == "fd-wang"
    assert case["waiting_for"] == ["engineering inspection (单元验收)", "fee clearance check by finance (费用结清)"]
    assert case["conflicts"] == [] and case["created_at"]
    assert call(residents, "get_move_out", move_out_id) == case

    sent = wait_for(lambda: emitted(propdesk_env, "move_out.requested"), what="move_out.requested on the exchange")
    assert len(sent) == 1
    assert sent[0]["correlation_id"] == move_out_id
    assert sent[0]["producer"] == "residents"
    assert sent[0]["actor"] == CLERK
    assert sent[0]["payload"] == {
        "move_out_id": move_out_id, "unit_id": demo.DEMO_HAPPY_UNIT, "tenant_id": demo.DEMO_HAPPY_TENANT,
        "owner_id": f"OWN-{demo.DEMO_HAPPY_UNIT}", "owner_consent_doc": "客户同意函 2026-118",
        "exit_date": req["exit_date"], "fitout_disposition": "restore",
    }
    with session_of(propdesk_env) as s:
        [row] = audit_trail(s, object_id=move_out_id)
    assert row["action"] == "move_out.requested" and row["actor"] == CLERK
    assert row["details"]["unit_id"] == demo.DEMO_HAPPY_UNIT


def test_move_out_ids_count_up_within_the_day(residents):
    first = call(residents, "request_move_out", request(), actor=CLERK)
    second = call(residents, "request_move_out", request(unit_id=demo.DEMO_ARREARS_UNIT,
                                                         tenant_party_id=demo.DEMO_ARREARS_TENANT), actor=CLERK)
    assert first["move_out_id"].endswith("-0001") and second["move_out_id"].endswith("-0002")


def test_two_requests_counting_the_same_number_both_get_a_case(residents, propdesk_env, monkeypatch):
    """The day's number is counted before the case is inserted. When another request runs in
    between (a driver that yields to the hub, as PostgreSQL's does under eventlet, or a second
    residents process), both count the same number: the later one must take the next number, not
    be refused with a Conflict about its unit, which has no other move-out."""
    import eventlet
    from nameko.standalone.rpc import ClusterRpcProxy

    from propdesk_services.residents import service as residents_service

    count = residents_service.next_move_out_id

    def count_then_yield(session, day):
        number = count(session, day)
        eventlet.sleep(0.2)  # where a green driver lets the other request run
        return number

    monkeypatch.setattr(residents_service, "next_move_out_id", count_then_yield)
    leased = [u for u in demo.units() if u["tenant_party_id"]][:2]

    def request_over_rpc(unit):  # each on its own connection (entrypoint_hook can't run two at once)
        with ClusterRpcProxy({"AMQP_URI": propdesk_env.amqp_uri}, timeout=30) as rpc:
            return rpc.residents.request_move_out(
                request(unit_id=unit["unit_id"], tenant_party_id=unit["tenant_party_id"]), actor=CLERK)

    pile = eventlet.GreenPile()
    for u in leased:
        pile.spawn(request_over_rpc, u)
    cases = list(pile)
    assert sorted(c["unit_id"] for c in cases) == sorted(u["unit_id"] for u in leased)
    assert len({c["move_out_id"] for c in cases}) == 2
    assert len(outbox(propdesk_env, "move_out.requested")) == 2


def test_a_bad_request_names_every_problem_and_creates_nothing(residents, propdesk_env):
    bad = request(unit_id=OWNER_OCCUPIED, tenant_party_id=" ", owner_consent_ref="",
                  exit_date=(office_today() - timedelta(days=1)).isoformat(), fitout_disposition="burn_it")
    with pytest.raises(ValidationError) as e:
        call(residents, "request_move_out", bad, actor=CLERK)
    assert problems(e) == {
        ("unit_id", "must_be_leased"), ("tenant_party_id", "required"),
        ("owner_consent_ref", "required_owner_written_consent"), ("exit_date", "not_before_today"),
        ("fitout_disposition", "one_of"),
    }
    nothing_created(propdesk_env)


@pytest.mark.parametrize("changes, expected", [
    ({"unit_id": "9-9-999", "exit_date": "30/11/2026"}, {("unit_id", "unknown_unit"), ("exit_date", "iso_date")}),
    ({"tenant_party_id": "TEN-1-1-702"}, {("tenant_party_id", "not_the_units_tenant")}),
    ({"exit_date": None}, {("exit_date", "required")}),
    ({"pets": "cat"}, {("pets", "unknown_field")}),
    ({"unit_id": 303}, {("unit_id", "type")}),
])
def test_each_request_rule_is_named(residents, propdesk_env, changes, expected):
    with pytest.raises(ValidationError) as e:
        call(residents, "request_move_out", request(**changes), actor=CLERK)
    assert problems(e) == expected
    nothing_created(propdesk_env)


def test_only_the_desk_and_customer_service_may_request_a_move_out(residents, propdesk_env):
    with pytest.raises(Forbidden):
        call(residents, "request_move_out", request(), actor={"id": "eng-zhao", "role": "engineering"})
    with pytest.raises(ValidationError) as e:
        call(residents, "request_move_out", request(), actor={"id": "x", "role": "landlord"})
    assert problems(e) == {("actor.role", "one_of")}
    nothing_created(propdesk_env)


@pytest.mark.parametrize("role", ["cs_assistant", "cs_supervisor", "cs_manager"])
def test_customer_service_roles_may_request(residents, role):
    case = call(residents, "request_move_out", request(), actor={"id": f"{role}-1", "role": role})
    assert case["requested_by"] == f"{role}-1"


def test_a_second_open_move_out_for_the_unit_is_a_conflict(residents, propdesk_env):
    first = call(residents, "request_move_out", request(), actor=CLERK)
    with pytest.raises(Conflict, match=first["move_out_id"]):
        call(residents, "request_move_out", request(owner_consent_ref="another letter"), actor=CLERK)
    assert [c["move_out_id"] for c in call(residents, "list_move_outs")] == [first["move_out_id"]]
    assert len(outbox(propdesk_env, "move_out.requested")) == 1


# --- reads ----------------------------------------------------------------------------------------
def test_units_and_their_parties(residents):
    units = call(residents, "list_units")
    assert len(units) == len(demo.units())
    leased = call(residents, "list_units", leased_only=True)
    assert {u["unit_id"] for u in leased} == {u["unit_id"] for u in demo.units() if u["tenant_party_id"]}
    names = {p["party_id"]: p["name"] for p in demo.parties()}
    office = next(u for u in leased if u["unit_id"] == "T1-31F")
    assert office == {"unit_id": "T1-31F", "building": "T1", "kind": "office", "owner_party_id": demo.OFFICE_LANDLORD_ID,
                      "owner_name": demo.OFFICE_LANDLORD_NAME, "tenant_party_id": "TEN-T1-31F",
                      "tenant_name": names["TEN-T1-31F"]}
    flat = call(residents, "get_unit", OWNER_OCCUPIED)
    assert flat["tenant_party_id"] is None and flat["tenant_name"] is None
    assert flat["owner_name"] == names[f"OWN-{OWNER_OCCUPIED}"] and flat["open_move_out_id"] is None

    case = call(residents, "request_move_out", request(), actor=CLERK)
    assert call(residents, "get_unit", demo.DEMO_HAPPY_UNIT)["open_move_out_id"] == case["move_out_id"]


def test_unknown_records_are_not_found(residents):
    for method, arg in (("get_unit", "9-9-999"), ("get_move_out", "MO-20260101-0001")):
        with pytest.raises(NotFound):
            call(residents, method, arg)


def test_move_outs_are_listed_newest_first_and_by_state(residents, propdesk_env):
    first = call(residents, "request_move_out", request(), actor=CLERK)
    second = call(residents, "request_move_out", request(unit_id=demo.DEMO_ARREARS_UNIT,
                                                         tenant_party_id=demo.DEMO_ARREARS_TENANT), actor=CLERK)
    assert [c["move_out_id"] for c in call(residents, "list_move_outs")] == [second["move_out_id"], first["move_out_id"]]
    inspection(propdesk_env, first, passed=True)
    assert [c["move_out_id"] for c in call(residents, "list_move_outs", domain.INSPECTION_PASSED)] == [first["move_out_id"]]
    assert [c["move_out_id"] for c in call(residents, "list_move_outs", state=domain.APPLICATION_ACCEPTED)] == [
        second["move_out_id"]]
    with pytest.raises(ValidationError) as e:
        call(residents, "list_move_outs", "SOMEWHERE")
    assert problems(e) == {("state", "one_of")}


# --- the saga guard -------------------------------------------------------------------------------
@pytest.mark.parametrize("inspection_first", [True, False], ids=["inspection-then-fees", "fees-then-inspection"])
def test_release_is_approved_exactly_once_when_inspection_and_fees_are_in(residents, propdesk_env, inspection_first):
    case = call(residents, "request_move_out", request(), actor=CLERK)
    move_out_id = case["move_out_id"]
    steps = [lambda: inspection(propdesk_env, case, passed=True), lambda: clearance(propdesk_env, case, cleared=True)]
    if not inspection_first:
        steps.reverse()

    steps[0]()
    halfway = call(residents, "get_move_out", move_out_id)
    assert halfway["state"] == (domain.INSPECTION_PASSED if inspection_first else domain.APPLICATION_ACCEPTED)
    assert outbox(propdesk_env, "move_out.release_approved") == []

    steps[1]()
    done = call(residents, "get_move_out", move_out_id)
    assert done["state"] == domain.RELEASE_APPROVED
    assert (done["inspection"], done["fees"]) == ("passed", "cleared")
    assert done["waiting_for"] == ["goods release slip to be issued (物品放行条)"]

    # the same facts again, as new events, change nothing
    inspection(propdesk_env, case, passed=True)
    clearance(propdesk_env, case, cleared=True)
    assert len(outbox(propdesk_env, "move_out.release_approved")) == 1
    sent = wait_for(lambda: emitted(propdesk_env, "move_out.release_approved"), what="move_out.release_approved")
    with session_of(propdesk_env) as s:
        wait_for(lambda: s.scalar(select(func.count()).select_from(OutboxRow).where(OutboxRow.published_at.is_(None))) == 0,
                 what="the outbox to drain")
    sent = emitted(propdesk_env, "move_out.release_approved")
    assert len(sent) == 1
    assert sent[0]["correlation_id"] == move_out_id
    assert sent[0]["payload"] == {"move_out_id": move_out_id, "unit_id": demo.DEMO_HAPPY_UNIT,
                                  "owner_written_opinion_ref": "客户同意函 2026-118"}
    trail = actions(propdesk_env, move_out_id)
    assert trail.count("move_out.release_approved") == 1
    assert trail.count("move_out.inspection_recorded") == 1 and trail.count("move_out.clearance_recorded") == 1
    with session_of(propdesk_env) as s:
        assert s.scalar(select(func.count()).select_from(AuditRow).where(AuditRow.correlation_id != move_out_id)) == 0


def test_fees_outstanding_then_paid(residents, propdesk_env):
    case = call(residents, "request_move_out", request(), actor=CLERK)
    inspection(propdesk_env, case, passed=True)
    clearance(propdesk_env, case, cleared=False, amount=str(demo.DEMO_ARREARS_AMOUNT))

    owing = call(residents, "get_move_out", case["move_out_id"])
    assert (owing["state"], owing["fees"], owing["outstanding_amount"]) == (
        domain.FEES_CHECKED, "outstanding", str(demo.DEMO_ARREARS_AMOUNT))
    assert owing["waiting_for"] == [f"fee clearance: ¥{demo.DEMO_ARREARS_AMOUNT:,} outstanding (费用结清)"]
    assert outbox(propdesk_env, "move_out.release_approved") == []

    clearance(propdesk_env, case, cleared=True)
    paid = call(residents, "get_move_out", case["move_out_id"])
    assert (paid["state"], paid["fees"], paid["outstanding_amount"]) == (domain.RELEASE_APPROVED, "cleared", "0.00")
    assert len(outbox(propdesk_env, "move_out.release_approved")) == 1


def test_defects_then_a_passing_reinspection(residents, propdesk_env):
    case = call(residents, "request_move_out", request(), actor=CLERK)
    inspection(propdesk_env, case, passed=False, defects=["卫生间墙砖破损"], breach_notice_id="BN-0001")
    clearance(propdesk_env, case, cleared=True)

    open_defects = call(residents, "get_move_out", case["move_out_id"])
    assert (open_defects["inspection"], open_defects["defects"], open_defects["breach_notice_id"]) == (
        "defects_found", ["卫生间墙砖破损"], "BN-0001")
    assert open_defects["state"] == domain.DEFECTS_FOUND
    assert open_defects["waiting_for"] == ["defects to be settled: 卫生间墙砖破损 (违约处理单)"]
    assert outbox(propdesk_env, "move_out.release_approved") == []

    inspection(propdesk_env, case, passed=True)
    settled = call(residents, "get_move_out", case["move_out_id"])
    assert (settled["state"], settled["inspection"], settled["defects"], settled["breach_notice_id"]) == (
        domain.RELEASE_APPROVED, "passed", [], None)
    assert len(outbox(propdesk_env, "move_out.release_approved")) == 1


def test_release_slip_issued_then_goods_released(residents, propdesk_env):
    case = approved_case(propdesk_env, residents)
    slip_issued(propdesk_env, case)
    at_gate = call(residents, "get_move_out", case["move_out_id"])
    assert (at_gate["state"], at_gate["release_slip_no"]) == (domain.RELEASE_APPROVED, "RS-20261122-0003")
    assert at_gate["waiting_for"] == ["goods release at the gate, slip RS-20261122-0003 (物品放行)"]

    goods_released(propdesk_env, case)
    out = call(residents, "get_move_out", case["move_out_id"])
    assert out["state"] == domain.GOODS_RELEASED
    assert out["waiting_for"] == ["archiving of the exit documents and report to the owner (归档)"]
    trail = actions(propdesk_env, case["move_out_id"])
    assert trail[-2:] == ["move_out.release_slip_issued", "move_out.goods_released"]
    with session_of(propdesk_env) as s:
        last = audit_trail(s, object_id=case["move_out_id"])[-1]
    assert last["details"]["by"] == GUARD.as_dict() and last["details"]["slip_id"] == "RS-20261122-0003"


def test_goods_released_overtaking_the_slip_notice_still_release_the_case(residents, propdesk_env):
    """access emits release_slip.issued, then (at the gate) release_slip.released; they reach
    residents on two queues, so the release may be handled first (the slip notice was being
    retried, or residents restarted with both waiting). The case must still be GOODS_RELEASED."""
    case = approved_case(propdesk_env, residents)
    goods_released(propdesk_env, case)
    slip_issued(propdesk_env, case)
    out = call(residents, "get_move_out", case["move_out_id"])
    assert (out["state"], out["release_slip_no"]) == (domain.GOODS_RELEASED, "RS-20261122-0003")
    assert out["conflicts"] == []
    assert actions(propdesk_env, case["move_out_id"])[-1] == "move_out.goods_released"


def test_slips_that_are_not_about_a_move_out_are_ignored(residents, propdesk_env):
    case = approved_case(propdesk_env, residents)
    slip_issued(propdesk_env, case, slip_id="RS-OWNER-1", move_out_id=None)
    assert call(residents, "get_move_out", case["move_out_id"])["release_slip_no"] is None


# --- idempotency, contradictions, faults ----------------------------------------------------------
def test_the_same_event_delivered_twice_has_one_effect(residents, propdesk_env):
    case = call(residents, "request_move_out", request(), actor=CLERK)
    inspection(propdesk_env, case, passed=True)
    queue = "residents.on_clearance"
    before = metrics.INBOX_DUPLICATES.labels("residents", queue)._value.get()
    envelope = clearance(propdesk_env, case, cleared=True)
    clearance(propdesk_env, case, cleared=True, envelope=envelope, wait=False)
    wait_for(lambda: metrics.INBOX_DUPLICATES.labels("residents", queue)._value.get() == before + 1,
             what="the duplicate delivery to be skipped")
    assert len(outbox(propdesk_env, "move_out.release_approved")) == 1
    assert actions(propdesk_env, case["move_out_id"]).count("move_out.clearance_recorded") == 1


def test_a_contradicting_fact_after_approval_is_recorded_not_retried(residents, propdesk_env):
    case = approved_case(propdesk_env, residents)
    late = inspection(propdesk_env, case, passed=False, defects=["门锁损坏"], breach_notice_id="BN-0002")
    owing = clearance(propdesk_env, case, cleared=False, amount="120.00")

    after = call(residents, "get_move_out", case["move_out_id"])
    assert after["state"] == domain.RELEASE_APPROVED
    assert (after["inspection"], after["defects"], after["fees"], after["breach_notice_id"]) == (
        "passed", [], "cleared", None)
    assert [(c["event_type"], c["event_id"]) for c in after["conflicts"]] == [
        ("move_out.inspection_completed", late.event_id), ("billing.clearance_failed", owing.event_id)]
    assert "already approved" in after["conflicts"][0]["message"]
    assert "¥120.00" in after["conflicts"][1]["message"]
    assert actions(propdesk_env, case["move_out_id"]).count("move_out.conflict") == 2
    assert len(outbox(propdesk_env, "move_out.release_approved")) == 1
    assert dead_letters(propdesk_env) == []


def test_a_stale_fee_verdict_delivered_late_does_not_undo_a_newer_one(residents, propdesk_env):
    """billing's first check failed, the tenant paid, billing confirmed. If the failure reaches
    residents after the confirmation (it was being retried), it is older than the verdict the case
    holds (Finance's as_of) and changes nothing: billing confirms a move-out once, so letting it
    win would leave the case waiting for fees forever. After approval it is no conflict either."""
    case = call(residents, "request_move_out", request(), actor=CLERK)
    now = utcnow()
    clearance(propdesk_env, case, cleared=True, as_of=now)
    clearance(propdesk_env, case, cleared=False, amount="356.25", as_of=now - timedelta(minutes=5))
    inspection(propdesk_env, case, passed=True)

    out = call(residents, "get_move_out", case["move_out_id"])
    assert (out["state"], out["fees"], out["outstanding_amount"]) == (domain.RELEASE_APPROVED, "cleared", "0.00")
    assert len(outbox(propdesk_env, "move_out.release_approved")) == 1

    clearance(propdesk_env, case, cleared=False, amount="356.25", as_of=now - timedelta(minutes=4))
    assert call(residents, "get_move_out", case["move_out_id"])["conflicts"] == []


def test_a_stale_inspection_delivered_late_does_not_undo_the_reinspection(residents, propdesk_env):
    """Engineering found defects, then the re-inspection passed (the work order is final). If the
    first result reaches residents after the second (it was being retried), it is older than the
    result the case holds and changes nothing: the case is not sent back to DEFECTS_FOUND with a
    work order engineering can no longer re-inspect."""
    case = call(residents, "request_move_out", request(), actor=CLERK)
    now = utcnow()

    def result(passed: bool, at) -> Envelope:
        return Envelope(new_id(), "move_out.inspection_completed", 1, at, "tickets", case["move_out_id"], None,
                        ENGINEER, {"move_out_id": case["move_out_id"], "work_order_no": "WO-20261122-0007",
                                   "unit_id": case["unit_id"], "passed": passed,
                                   "defects": [] if passed else ["卫生间墙砖破损"],
                                   "breach_notice_id": None if passed else "WY-20261122-0007"})

    inspection(propdesk_env, case, passed=True, envelope=result(True, now))
    inspection(propdesk_env, case, passed=False, envelope=result(False, now - timedelta(minutes=30)))
    after = call(residents, "get_move_out", case["move_out_id"])
    assert (after["state"], after["inspection"], after["defects"], after["breach_notice_id"]) == (
        domain.INSPECTION_PASSED, "passed", [], None)

    clearance(propdesk_env, case, cleared=True)
    done = call(residents, "get_move_out", case["move_out_id"])
    assert done["state"] == domain.RELEASE_APPROVED and done["conflicts"] == []


def test_a_slip_before_approval_is_recorded_as_a_conflict(residents, propdesk_env):
    case = call(residents, "request_move_out", request(), actor=CLERK)
    slip_issued(propdesk_env, case)
    after = call(residents, "get_move_out", case["move_out_id"])
    assert after["release_slip_no"] is None and after["state"] == domain.APPLICATION_ACCEPTED
    assert [c["event_type"] for c in after["conflicts"]] == ["release_slip.issued"]


def test_clearances_not_about_a_known_move_out_are_ignored(residents, propdesk_env):
    case = call(residents, "request_move_out", request(), actor=CLERK)
    clearance(propdesk_env, case, cleared=False, amount="50.00", move_out_id=None)
    clearance(propdesk_env, case, cleared=False, amount="50.00", move_out_id="MO-19990101-0001")
    assert call(residents, "get_move_out", case["move_out_id"])["fees"] == "pending"
    assert actions(propdesk_env, case["move_out_id"]) == ["move_out.requested"]
    assert dead_letters(propdesk_env) == []


def test_an_inspection_of_an_unknown_move_out_is_dead_lettered(residents, propdesk_env):
    ghost = {"move_out_id": "MO-19990101-0001", "unit_id": demo.DEMO_HAPPY_UNIT}
    envelope = inspection(propdesk_env, ghost, passed=True, wait=False)
    parked = wait_for(lambda: dead_letters(propdesk_env), what="a dead letter")
    assert parked[0]["body"]["event_id"] == envelope.event_id
    assert parked[0]["headers"]["x-propdesk-reason"] == "handler_failed"
    assert "NotFound" in parked[0]["headers"]["x-propdesk-error"]


def test_an_inconsistent_inspection_is_retried_then_dead_lettered(residents, propdesk_env):
    case = call(residents, "request_move_out", request(), actor=CLERK)
    inspection(propdesk_env, case, passed=True, defects=["墙面污损"], wait=False)
    parked = wait_for(lambda: dead_letters(propdesk_env), what="a dead letter")
    assert parked[0]["headers"]["x-propdesk-attempts"] == 3
    assert "must_be_empty_when_passed" in parked[0]["headers"]["x-propdesk-error"]
    assert call(residents, "get_move_out", case["move_out_id"])["inspection"] == "pending"


# --- demo -----------------------------------------------------------------------------------------
def test_demo_load_fills_the_register_once(tmp_path):
    url = f"sqlite:///{tmp_path / 'residents.db'}"
    migrate.upgrade(ResidentsService, url)
    with Session(create_engine(url)) as s:
        assert ResidentsService.load_demo(s) == f"{len(demo.units())} units, {len(demo.parties())} parties"
        s.commit()
        assert ResidentsService.load_demo(s) == f"skipped: {len(demo.units())} units already registered"
