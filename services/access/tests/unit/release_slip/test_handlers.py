"""The release slip's handlers on the fake unit of work (no broker, no database server): the hold
of a move-out opened by whichever of its events arrives first, the fee verdict by Finance's as_of,
the approval, the slip issued once both are in (物品放行条, domain.md §2.7, WI/FW-020), its number,
and Security's gate release with its policy, rejections and idempotency key.

Each test drives access' tables through the same pipeline as its nameko entrypoints
(`propdesk.testing.fake.ServiceHarness`); an incoming fact is an envelope as its producer sends it."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, inspect, select, table

from propdesk.chassis.clock import FakeClock
from propdesk.chassis.db import audit_trail
from propdesk.contracts.envelope import Actor, Envelope, new_id
from propdesk.errors import Conflict, Forbidden, NotFound, ValidationError
from propdesk.testing.fake import ServiceHarness
from propdesk_services.access.service import AccessService
from propdesk_services.access.workflows.release_slip.models import ReleaseHold, ReleaseSlip

GUARD = {"id": "guard-07", "role": "security"}
DESK = {"id": "desk-01", "role": "front_desk"}
T0 = datetime(2026, 11, 22, 9, 0, tzinfo=timezone.utc)  # 17:00 in Beijing: office day 2026-11-22
RESIDENTS = Actor("residents", "system")
BILLING = Actor("billing", "system")
GOODS = ["租户搬迁物品 tenant's goods per 租户撤场审批表"]


# --- fixtures and helpers -----------------------------------------------------------------------
@pytest.fixture
def app() -> ServiceHarness:
    return ServiceHarness(AccessService, clock=FakeClock(T0))


@pytest.fixture
def move_out_id() -> str:
    return f"MO-{new_id()[:12]}"


def deliver(app: ServiceHarness, event_type: str, payload: dict, correlation_id: str, actor: Actor,
            handler: str, envelope: Envelope | None = None) -> Envelope:
    """Deliver an input event as its producer would send it; `handler` must be the one that takes it
    (a duplicate is absorbed by the inbox: no handler acts)."""
    envelope = envelope or app.event(event_type, payload, correlation_id=correlation_id, actor=actor,
                                     producer=actor.id)
    acted = app.deliver(envelope)
    assert acted in ([handler], []), acted
    return envelope


def requested(app, mo: str, unit: str = "1-1-303", **kw) -> Envelope:
    return deliver(app, "move_out.requested", {
        "move_out_id": mo, "unit_id": unit, "estate": "E1", "tenant_id": "TEN-1-1-303", "owner_id": "OWN-1-1-303",
        "owner_consent_doc": "客户同意函 2026-118", "exit_date": "2026-11-30", "fitout_disposition": "restore",
    }, mo, RESIDENTS, "on_move_out_requested", **kw)


def clearance(app, mo: str | None, confirmed: bool = True, as_of: datetime = T0, unit: str = "1-1-303") -> Envelope:
    return deliver(app, "billing.clearance_confirmed" if confirmed else "billing.clearance_failed", {
        "unit_id": unit, "party_id": "TEN-1-1-303", "move_out_id": mo,
        "outstanding_amount": "0.00" if confirmed else "356.25", "as_of": as_of.isoformat(),
    }, mo or "case-x", BILLING, "on_clearance")


def approval(app, mo: str, unit: str = "1-1-303") -> Envelope:
    return deliver(app, "move_out.release_approved", {
        "move_out_id": mo, "unit_id": unit, "owner_written_opinion_ref": "客户书面意见 2026-031",
    }, mo, RESIDENTS, "on_release_approved")


def hold_of(app, mo: str) -> dict | None:
    try:
        return app.query("get_release_hold", mo)
    except NotFound:
        return None


def issued_slip(app, mo: str) -> dict:
    """Drive a move-out to an issued slip; returns the slip."""
    requested(app, mo)
    clearance(app, mo)
    approval(app, mo)
    return hold_of(app, mo)["slip"]


def release(app, slip_no, actor=GUARD, **kw) -> dict:
    return app.command("release_at_gate", {"slip_no": slip_no}, actor, **kw)


def trail(app, **kw) -> list[dict]:
    with app.session() as s:
        return audit_trail(s, **kw)


def count(app, model) -> int:
    with app.session() as s:
        return s.scalar(select(func.count()).select_from(model))


def table_counts(app) -> dict[str, int]:
    """Rows in every table of the service's database: what a rejected command leaves as it found it."""
    with app.db.engine.connect() as conn:
        return {name: conn.scalar(select(func.count()).select_from(table(name)))
                for name in sorted(inspect(conn).get_table_names())}


def rules(exc_info) -> set[tuple[str, str]]:
    return {(p.field, p.rule) for p in exc_info.value.problems}


# --- the hold ------------------------------------------------------------------------------------
def test_move_out_requested_opens_a_hold_once(app, move_out_id):
    envelope = requested(app, move_out_id)
    hold = hold_of(app, move_out_id)
    assert hold["unit_id"] == "1-1-303" and hold["tenant_party_id"] == "TEN-1-1-303"
    assert (hold["fees_cleared"], hold["release_approved"], hold["slip"]) == (False, False, None)
    assert hold["waiting_for"] == ["fee clearance", "release approval"]

    assert app.deliver(envelope) == []  # the same event again: absorbed by the inbox
    assert count(app, ReleaseHold) == 1
    audit = trail(app, correlation_id=move_out_id)
    assert [(a["action"], a["actor"]) for a in audit] == [("release_hold.open", {"id": "access", "role": "system"})]


@pytest.mark.parametrize("first", ["approval", "clearance"])
def test_slip_is_issued_only_after_both_approval_and_clearance(app, move_out_id, first):
    requested(app, move_out_id)
    if first == "approval":
        approval(app, move_out_id)
        hold = hold_of(app, move_out_id)
        assert hold["release_approved"] and hold["waiting_for"] == ["fee clearance"]
        confirming = clearance(app, move_out_id)
    else:
        confirming = clearance(app, move_out_id)
        hold = hold_of(app, move_out_id)
        assert hold["fees_cleared"] and hold["waiting_for"] == ["release approval"]
        approval(app, move_out_id)
    # the first fact alone issued nothing (the decision is taken in the same transaction)
    assert hold["slip"] is None and hold["slip_no"] is None

    hold = hold_of(app, move_out_id)
    slip = hold["slip"]
    assert re.fullmatch(r"FX-\d{8}-\d{4}", slip["slip_no"])
    assert slip["status"] == "issued" and slip["released_at"] is None
    assert slip["clearance_ref"] == confirming.event_id
    assert slip["goods"] == GOODS
    assert hold["waiting_for"] == []

    (event,) = app.events("release_slip.issued")
    assert event.correlation_id == move_out_id and event.producer == "access"
    assert event.payload == {"slip_id": slip["slip_no"], "move_out_id": move_out_id, "unit_id": "1-1-303", "estate": "E1",
                             "applicant_type": "tenant", "goods": slip["goods"], "clearance_ref": confirming.event_id}
    actions = [a["action"] for a in trail(app, correlation_id=move_out_id)]
    assert actions.count("release_slip.issue") == 1
    assert app.query("list_release_slips", "issued")[-1]["slip_no"] == slip["slip_no"]


def test_clearance_and_approval_before_the_hold_are_kept(app, move_out_id):
    """Queues are consumed at different speeds: the first event to arrive opens the hold."""
    confirming = clearance(app, move_out_id)
    hold = hold_of(app, move_out_id)
    assert hold["fees_cleared"] and hold["tenant_party_id"] is None and hold["slip"] is None

    requested(app, move_out_id)
    hold = hold_of(app, move_out_id)
    assert hold["tenant_party_id"] == "TEN-1-1-303"
    assert hold["fees_cleared"] and hold["slip"] is None

    approval(app, move_out_id)
    hold = hold_of(app, move_out_id)
    assert hold["slip"]["clearance_ref"] == confirming.event_id
    assert count(app, ReleaseHold) == 1


def test_an_approval_first_opens_the_hold_too(app, move_out_id):
    approval(app, move_out_id)
    hold = hold_of(app, move_out_id)
    assert hold["release_approved"] and hold["tenant_party_id"] is None
    assert hold["owner_written_opinion_ref"] == "客户书面意见 2026-031"
    assert hold["waiting_for"] == ["fee clearance"]
    assert [a["action"] for a in trail(app, correlation_id=move_out_id)] == ["release_hold.approve"]


def test_outstanding_fees_block_the_slip_until_a_newer_clearance(app, move_out_id):
    requested(app, move_out_id)
    clearance(app, move_out_id, confirmed=False, as_of=T0)
    approval(app, move_out_id)
    hold = hold_of(app, move_out_id)
    assert hold["release_approved"] and hold["clearance_ref"]
    assert hold["fees_cleared"] is False and hold["slip"] is None
    assert hold["waiting_for"] == ["fee clearance"]
    assert app.query("list_release_slips") == []

    clearance(app, move_out_id, confirmed=True, as_of=T0 + timedelta(hours=2))
    slip_no = hold_of(app, move_out_id)["slip"]["slip_no"]

    # a stale "failed" verdict (older as_of) delivered late changes nothing
    clearance(app, move_out_id, confirmed=False, as_of=T0 + timedelta(hours=1))
    hold = hold_of(app, move_out_id)
    assert hold["fees_cleared"] is True and hold["slip"]["slip_no"] == slip_no
    assert count(app, ReleaseSlip) == 1
    actions = [a["action"] for a in trail(app, correlation_id=move_out_id)]
    assert actions.count("release_hold.fees_outstanding") == 1 and actions.count("release_hold.fees_cleared") == 1


def test_clearance_without_a_move_out_is_ignored(app):
    clearance(app, None)  # acted on (and marked seen), changing nothing
    assert count(app, ReleaseHold) == 0
    assert trail(app) == []
    assert app.events() == []


def test_a_repeated_approval_keeps_the_first_and_issues_one_slip(app, move_out_id):
    issued_slip(app, move_out_id)
    approval(app, move_out_id)  # another delivery of the same fact (a new event id)
    clearance(app, move_out_id, as_of=T0 + timedelta(hours=1))
    assert count(app, ReleaseSlip) == 1 and len(app.events("release_slip.issued")) == 1
    actions = [a["action"] for a in trail(app, correlation_id=move_out_id)]
    assert actions.count("release_hold.approve") == 1


# --- slip numbers --------------------------------------------------------------------------------
def test_slips_are_numbered_per_office_day(app):
    assert issued_slip(app, "MO-A")["slip_no"] == "FX-20261122-0001"
    assert issued_slip(app, "MO-B")["slip_no"] == "FX-20261122-0002"
    # 2026-11-22 17:30 UTC is already 2026-11-23 01:30 in Beijing: a new office day, a new count
    app.clock.set(datetime(2026, 11, 22, 17, 30, tzinfo=timezone.utc))
    assert issued_slip(app, "MO-C")["slip_no"] == "FX-20261123-0001"


def test_a_slip_is_stamped_with_the_units_clock(app, move_out_id):
    requested(app, move_out_id)
    clearance(app, move_out_id)
    app.clock.advance(minutes=45)
    approval(app, move_out_id)
    hold = hold_of(app, move_out_id)
    assert hold["slip"]["issued_at"] == (T0 + timedelta(minutes=45)).isoformat()
    assert hold["created_at"] == T0.isoformat() and hold["updated_at"] == (T0 + timedelta(minutes=45)).isoformat()


# --- the gate ------------------------------------------------------------------------------------
def test_security_releases_the_goods_at_the_gate_once(app, move_out_id):
    slip = issued_slip(app, move_out_id)
    app.clock.advance(hours=1)

    out = release(app, slip["slip_no"])
    assert out["status"] == "released" and out["released_by"] == "guard-07"
    assert out["released_at"] == (T0 + timedelta(hours=1)).isoformat()
    assert hold_of(app, move_out_id)["released_by"] == "guard-07"

    (event,) = app.events("release_slip.released")
    assert event.correlation_id == move_out_id
    assert event.actor.as_dict() == GUARD
    assert event.payload == {"slip_id": slip["slip_no"], "move_out_id": move_out_id,
                             "unit_id": "1-1-303", "estate": "E1", "guard_id": "guard-07"}
    (audit,) = [a for a in trail(app, object_id=slip["slip_no"]) if a["action"] == "release_slip.release"]
    assert audit["actor"] == GUARD and audit["details"]["guard_id"] == "guard-07"

    with pytest.raises(Conflict) as e:
        release(app, slip["slip_no"], actor={"id": "guard-08", "role": "security"})
    assert (e.value.field, e.value.rule) == ("slip_no", "released_once")
    assert app.query("get_release_hold", move_out_id)["slip"]["released_by"] == "guard-07"
    assert [s["slip_no"] for s in app.query("list_release_slips", "released")] == [slip["slip_no"]]
    assert app.query("list_release_slips", "issued") == []
    assert len(app.events("release_slip.released")) == 1


def test_front_desk_may_not_release_at_the_gate(app, move_out_id):
    slip = issued_slip(app, move_out_id)
    with pytest.raises(Forbidden) as e:
        release(app, slip["slip_no"], actor=DESK)
    assert (e.value.field, e.value.rule) == ("actor.role", "role_not_allowed")
    assert app.query("get_release_hold", move_out_id)["slip"]["status"] == "issued"
    assert not [a for a in trail(app) if a["action"] == "release_slip.release"]
    (refused,) = app.audit("refused")  # who tried what is kept
    assert (refused.actor_id, refused.object_id) == ("desk-01", "access.release_at_gate")
    assert app.events("release_slip.released") == []


def test_gate_release_rejections(app):
    with pytest.raises(NotFound) as e:
        release(app, "FX-20261122-9999")
    assert (e.value.field, e.value.rule) == ("slip_no", "exists")
    with pytest.raises(ValidationError) as e:
        release(app, "")
    assert rules(e) == {("slip_no", "length")}
    with pytest.raises(ValidationError) as e:
        release(app, "FX-1", actor={"id": "x", "role": "janitor"})
    assert rules(e) == {("actor.role", "one_of")}
    with pytest.raises(ValidationError) as e:
        release(app, "FX-1", actor={"role": "security"})
    assert rules(e) == {("actor.id", "required")}
    with pytest.raises(ValidationError) as e:
        app.command("release_at_gate", {"slip_no": "FX-1", "goods": ["sofa"]}, GUARD)
    assert rules(e) == {("goods", "unknown_field")}
    with pytest.raises(ValidationError) as e:
        app.command("release_at_gate", {}, GUARD)
    assert rules(e) == {("slip_no", "required")}
    assert trail(app) == [] and app.events() == []


def test_reads_reject_bad_input(app):
    with pytest.raises(ValidationError) as e:
        app.query("list_release_slips", "lost")
    assert rules(e) == {("status", "one_of")}
    with pytest.raises(NotFound) as e:
        app.query("get_release_hold", "MO-none")
    assert (e.value.field, e.value.rule) == ("move_out_id", "exists")
    with pytest.raises(ValidationError) as e:
        app.query("get_release_hold", " ")
    assert rules(e) == {("move_out_id", "required")}


# --- idempotency keys (the goods leave once however often the release is sent) -------------------
def test_same_key_same_slip_is_released_once(app):
    slip_no = issued_slip(app, "MO-A")["slip_no"]
    first = release(app, slip_no, idempotency_key="key-same-0001")
    after_first = table_counts(app)
    assert release(app, slip_no, idempotency_key="key-same-0001") == first
    assert table_counts(app) == after_first
    assert after_first["idempotency_key"] == 1 and len(app.events("release_slip.released")) == 1


def test_same_key_another_slip_is_a_conflict(app):
    slips = [issued_slip(app, "MO-A")["slip_no"], issued_slip(app, "MO-B")["slip_no"]]
    release(app, slips[0], idempotency_key="key-other-0001")
    before = table_counts(app)
    with pytest.raises(Conflict) as e:
        release(app, slips[1], idempotency_key="key-other-0001")
    assert (e.value.field, e.value.rule) == ("idempotency_key", "reused_with_different_request")
    assert table_counts(app) == before


def test_a_malformed_key_is_rejected(app):
    slip_no = issued_slip(app, "MO-A")["slip_no"]
    before = table_counts(app)
    for key, rule in (("k" * 129, "length"), ("", "length"), ("a b", "charset"), (7, "type")):
        with pytest.raises(ValidationError) as e:
            release(app, slip_no, idempotency_key=key)
        assert [(p.field, p.rule) for p in e.value.problems] == [("idempotency_key", rule)], key
    assert table_counts(app) == before


# --- a withdrawn move-out (move_out.withdrawn, residents) -----------------------------------------
WITHDRAWN_AT = T0 + timedelta(minutes=20)


def withdrawn(app, mo: str, unit: str = "1-1-303", reason: str = "租户决定续租", **kw) -> Envelope:
    return deliver(app, "move_out.withdrawn", {
        "move_out_id": mo, "unit_id": unit, "reason": reason, "withdrawn_at": WITHDRAWN_AT.isoformat(),
    }, mo, Actor("fd-wang", "front_desk"), "on_move_out_withdrawn", **kw)


def test_a_withdrawal_closes_the_hold_and_nothing_is_awaited(app, move_out_id):
    requested(app, move_out_id)
    app.clock.advance(minutes=30)
    envelope = withdrawn(app, move_out_id)
    hold = hold_of(app, move_out_id)
    assert hold["closed"] is True and hold["withdrawn_at"] == WITHDRAWN_AT.isoformat()
    assert hold["waiting_for"] == []
    assert hold["updated_at"] == (T0 + timedelta(minutes=30)).isoformat()
    (audit,) = [a for a in trail(app, correlation_id=move_out_id) if a["action"] == "release_hold.withdraw"]
    assert audit["object_id"] == move_out_id and audit["actor"] == {"id": "access", "role": "system"}
    assert audit["details"] == {"reason": "租户决定续租", "withdrawn_at": WITHDRAWN_AT.isoformat(),
                                "event_id": envelope.event_id, "by": {"id": "fd-wang", "role": "front_desk"}}

    assert app.deliver(envelope) == []  # the same event again: absorbed by the inbox
    withdrawn(app, move_out_id, reason="again")  # another withdrawal: nothing more to close
    actions = [a["action"] for a in trail(app, correlation_id=move_out_id)]
    assert actions == ["release_hold.open", "release_hold.withdraw"]


def test_no_slip_is_issued_after_a_withdrawal_whatever_arrives_later(app, move_out_id):
    requested(app, move_out_id)
    clearance(app, move_out_id)
    withdrawn(app, move_out_id)
    approval(app, move_out_id)
    clearance(app, move_out_id, as_of=T0 + timedelta(hours=1))
    hold = hold_of(app, move_out_id)
    assert hold["closed"] and hold["slip"] is None and hold["slip_no"] is None
    assert hold["waiting_for"] == []
    assert app.events("release_slip.issued") == [] and app.query("list_release_slips") == []
    assert count(app, ReleaseSlip) == 0


def test_a_withdrawal_that_overtakes_the_request_opens_the_hold_closed(app, move_out_id):
    withdrawn(app, move_out_id)
    hold = hold_of(app, move_out_id)
    assert hold["closed"] and hold["tenant_party_id"] is None and hold["unit_id"] == "1-1-303"
    assert hold["waiting_for"] == []

    requested(app, move_out_id)
    approval(app, move_out_id)
    clearance(app, move_out_id)
    hold = hold_of(app, move_out_id)
    assert hold["closed"] and hold["tenant_party_id"] == "TEN-1-1-303"
    assert hold["slip"] is None and hold["waiting_for"] == []
    assert app.events("release_slip.issued") == [] and count(app, ReleaseHold) == 1


def test_an_open_hold_is_not_closed(app, move_out_id):
    requested(app, move_out_id)
    hold = hold_of(app, move_out_id)
    assert hold["closed"] is False and hold["withdrawn_at"] is None


def test_a_slip_of_a_withdrawn_move_out_is_refused_at_the_gate(app, move_out_id):
    slip = issued_slip(app, move_out_id)
    withdrawn(app, move_out_id)  # a contradiction residents never sends; the goods stay
    with pytest.raises(Conflict) as e:
        release(app, slip["slip_no"])
    assert (e.value.field, e.value.rule) == ("slip_no", "move_out_withdrawn")
    assert app.events("release_slip.released") == []
    assert hold_of(app, move_out_id)["slip"]["status"] == "issued"
