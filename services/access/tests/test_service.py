"""The access service against the real broker: the move-out goods release hold and slip
(物品放行条, domain.md §2.7, WI/FW-020), and Security's gate release."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from propdesk.chassis import metrics
from propdesk.chassis.db import audit_trail
from propdesk.chassis.tables import OutboxRow
from propdesk.contracts.envelope import Actor, Envelope, new_id, utcnow
from propdesk.errors import Conflict, Forbidden, NotFound, ValidationError
from propdesk_services.access import models
from propdesk_services.access.service import AccessService
from tests.helpers import call, collector, publish_raw, queue_messages, wait_for

GUARD = {"id": "guard-07", "role": "security"}
DESK = {"id": "desk-01", "role": "front_desk"}
T0 = datetime(2026, 11, 22, 9, 0, tzinfo=timezone.utc)


# -- helpers ---------------------------------------------------------------------------------------
@pytest.fixture
def access(start_service):
    return start_service(AccessService)


@pytest.fixture
def move_out_id():
    return f"MO-{new_id()[:12]}"


def publish(env, event_type: str, payload: dict, correlation_id: str, event_id: str | None = None) -> Envelope:
    envelope = Envelope(event_id or new_id(), event_type, 1, utcnow(), "test", correlation_id, None,
                        Actor("test", "system"), payload)
    publish_raw(env.amqp_uri, envelope.to_json_dict(), event_type)
    return envelope


def requested(env, mo: str, unit: str = "1-1-303") -> Envelope:
    return publish(env, "move_out.requested", {
        "move_out_id": mo, "unit_id": unit, "tenant_id": "TEN-1-1-303", "owner_id": "OWN-1-1-303",
        "owner_consent_doc": "客户同意函 2026-118", "exit_date": "2026-11-30", "fitout_disposition": "restore"}, mo)


def clearance(env, mo: str, confirmed: bool = True, as_of: datetime = T0, unit: str = "1-1-303") -> Envelope:
    return publish(env, "billing.clearance_confirmed" if confirmed else "billing.clearance_failed", {
        "unit_id": unit, "party_id": "TEN-1-1-303", "move_out_id": mo,
        "outstanding_amount": "0.00" if confirmed else "356.25", "as_of": as_of.isoformat()}, mo)


def approval(env, mo: str, unit: str = "1-1-303") -> Envelope:
    return publish(env, "move_out.release_approved", {
        "move_out_id": mo, "unit_id": unit, "owner_written_opinion_ref": "客户书面意见 2026-031"}, mo)


def hold_of(container, mo: str) -> dict | None:
    try:
        return call(container, "get_release_hold", mo)
    except NotFound:
        return None


def wait_hold(container, mo: str, predicate, what: str) -> dict:
    return wait_for(lambda: (h := hold_of(container, mo)) is not None and predicate(h) and h, what=what)


def trail(env, **kw) -> list[dict]:
    with Session(create_engine(env.db_url("access"))) as s:
        return audit_trail(s, **kw)


def count(env, model) -> int:
    with Session(create_engine(env.db_url("access"))) as s:
        return s.scalar(select(func.count()).select_from(model))


def issued_slip(env, access, mo: str) -> dict:
    """Drive a move-out to an issued slip; returns the slip."""
    requested(env, mo)
    clearance(env, mo)
    approval(env, mo)
    return wait_hold(access, mo, lambda h: h["slip"], "the slip to be issued")["slip"]


def rules(exc: ValidationError) -> set[tuple[str, str]]:
    return {(p.field, p.rule) for p in exc.problems}


# -- the hold --------------------------------------------------------------------------------------
def test_move_out_requested_opens_a_hold_once(access, propdesk_env, move_out_id):
    envelope = requested(propdesk_env, move_out_id)
    hold = wait_hold(access, move_out_id, lambda h: True, "the hold to open")
    assert hold["unit_id"] == "1-1-303" and hold["tenant_party_id"] == "TEN-1-1-303"
    assert (hold["fees_cleared"], hold["release_approved"], hold["slip"]) == (False, False, None)
    assert hold["waiting_for"] == ["fee clearance", "release approval"]

    dup = metrics.INBOX_DUPLICATES.labels("access", "access.on_move_out_requested")
    before = dup._value.get()
    publish_raw(propdesk_env.amqp_uri, envelope.to_json_dict(), "move_out.requested")
    wait_for(lambda: dup._value.get() == before + 1, what="the duplicate to be skipped")
    assert count(propdesk_env, models.ReleaseHold) == 1
    audit = trail(propdesk_env, correlation_id=move_out_id)
    assert [(a["action"], a["actor"]) for a in audit] == [("release_hold.open", {"id": "access", "role": "system"})]


@pytest.mark.parametrize("first", ["approval", "clearance"])
def test_slip_is_issued_only_after_both_approval_and_clearance(access, propdesk_env, move_out_id, first):
    issued_q = collector(propdesk_env.amqp_uri, "release_slip.issued")
    requested(propdesk_env, move_out_id)
    wait_hold(access, move_out_id, lambda h: True, "the hold to open")

    if first == "approval":
        approval(propdesk_env, move_out_id)
        hold = wait_hold(access, move_out_id, lambda h: h["release_approved"], "the approval")
        assert hold["waiting_for"] == ["fee clearance"]
        confirming = clearance(propdesk_env, move_out_id)
    else:
        confirming = clearance(propdesk_env, move_out_id)
        hold = wait_hold(access, move_out_id, lambda h: h["fees_cleared"], "the clearance")
        assert hold["waiting_for"] == ["release approval"]
        approval(propdesk_env, move_out_id)
    # the first fact alone issued nothing (the decision is taken in the same transaction)
    assert hold["slip"] is None and hold["slip_no"] is None

    hold = wait_hold(access, move_out_id, lambda h: h["slip"], "the slip to be issued")
    slip = hold["slip"]
    assert re.fullmatch(r"FX-\d{8}-\d{4}", slip["slip_no"])
    assert slip["status"] == "issued" and slip["released_at"] is None
    assert slip["clearance_ref"] == confirming.event_id
    assert slip["goods"] == ["租户搬迁物品 tenant's goods per 租户撤场审批表"]
    assert hold["waiting_for"] == []

    (msg,) = wait_for(lambda: queue_messages(propdesk_env.amqp_uri, issued_q), what="release_slip.issued")
    event = msg["body"]
    assert event["correlation_id"] == move_out_id and event["producer"] == "access"
    assert event["payload"] == {"slip_id": slip["slip_no"], "move_out_id": move_out_id, "unit_id": "1-1-303",
                                "applicant_type": "tenant", "goods": slip["goods"],
                                "clearance_ref": confirming.event_id}
    actions = [a["action"] for a in trail(propdesk_env, correlation_id=move_out_id)]
    assert actions.count("release_slip.issue") == 1
    assert call(access, "list_release_slips", "issued")[-1]["slip_no"] == slip["slip_no"]


def test_clearance_and_approval_before_the_hold_are_kept(access, propdesk_env, move_out_id):
    """Queues are consumed at different speeds: the first event to arrive opens the hold."""
    confirming = clearance(propdesk_env, move_out_id)
    hold = wait_hold(access, move_out_id, lambda h: h["fees_cleared"], "the clearance to open the hold")
    assert hold["tenant_party_id"] is None and hold["slip"] is None

    requested(propdesk_env, move_out_id)
    hold = wait_hold(access, move_out_id, lambda h: h["tenant_party_id"], "the request to join the hold")
    assert hold["fees_cleared"] and hold["slip"] is None

    approval(propdesk_env, move_out_id)
    hold = wait_hold(access, move_out_id, lambda h: h["slip"], "the slip")
    assert hold["slip"]["clearance_ref"] == confirming.event_id
    assert count(propdesk_env, models.ReleaseHold) == 1


def test_outstanding_fees_block_the_slip_until_a_newer_clearance(access, propdesk_env, move_out_id):
    requested(propdesk_env, move_out_id)
    clearance(propdesk_env, move_out_id, confirmed=False, as_of=T0)
    approval(propdesk_env, move_out_id)
    hold = wait_hold(access, move_out_id, lambda h: h["release_approved"] and h["clearance_ref"], "both facts")
    assert hold["fees_cleared"] is False and hold["slip"] is None
    assert hold["waiting_for"] == ["fee clearance"]
    assert call(access, "list_release_slips") == []

    clearance(propdesk_env, move_out_id, confirmed=True, as_of=T0 + timedelta(hours=2))
    hold = wait_hold(access, move_out_id, lambda h: h["slip"], "the slip after the fees were paid")
    slip_no = hold["slip"]["slip_no"]

    # a stale "failed" verdict (older as_of) delivered late changes nothing
    stale = clearance(propdesk_env, move_out_id, confirmed=False, as_of=T0 + timedelta(hours=1))
    wait_for(lambda: _inbox_has(propdesk_env, stale.event_id), what="the stale verdict to be processed")
    hold = hold_of(access, move_out_id)
    assert hold["fees_cleared"] is True and hold["slip"]["slip_no"] == slip_no
    assert count(propdesk_env, models.ReleaseSlip) == 1


def test_clearance_without_a_move_out_is_ignored(access, propdesk_env):
    envelope = publish(propdesk_env, "billing.clearance_confirmed", {
        "unit_id": "1-1-401", "party_id": "OWN-1-1-401", "move_out_id": None, "outstanding_amount": "0.00",
        "as_of": T0.isoformat()}, "case-x")
    wait_for(lambda: _inbox_has(propdesk_env, envelope.event_id), what="the clearance to be processed")
    assert count(propdesk_env, models.ReleaseHold) == 0
    assert trail(propdesk_env) == []


# -- the gate ------------------------------------------------------------------------------------
def test_security_releases_the_goods_at_the_gate_once(access, propdesk_env, move_out_id):
    released_q = collector(propdesk_env.amqp_uri, "release_slip.released")
    slip = issued_slip(propdesk_env, access, move_out_id)

    out = call(access, "release_at_gate", slip["slip_no"], actor=GUARD)
    assert out["status"] == "released" and out["released_by"] == "guard-07" and out["released_at"]
    assert hold_of(access, move_out_id)["released_by"] == "guard-07"

    (msg,) = wait_for(lambda: queue_messages(propdesk_env.amqp_uri, released_q), what="release_slip.released")
    assert msg["body"]["correlation_id"] == move_out_id
    assert msg["body"]["actor"] == GUARD
    assert msg["body"]["payload"] == {"slip_id": slip["slip_no"], "move_out_id": move_out_id,
                                      "unit_id": "1-1-303", "guard_id": "guard-07"}
    (audit,) = [a for a in trail(propdesk_env, object_id=slip["slip_no"]) if a["action"] == "release_slip.release"]
    assert audit["actor"] == GUARD and audit["details"]["guard_id"] == "guard-07"

    with pytest.raises(Conflict):
        call(access, "release_at_gate", slip["slip_no"], actor={"id": "guard-08", "role": "security"})
    assert call(access, "get_release_hold", move_out_id)["slip"]["released_by"] == "guard-07"
    assert [s["slip_no"] for s in call(access, "list_release_slips", "released")] == [slip["slip_no"]]
    assert call(access, "list_release_slips", "issued") == []
    assert _released_events(propdesk_env) == 1


def test_front_desk_may_not_release_at_the_gate(access, propdesk_env, move_out_id):
    slip = issued_slip(propdesk_env, access, move_out_id)
    with pytest.raises(Forbidden):
        call(access, "release_at_gate", slip["slip_no"], actor=DESK)
    assert call(access, "get_release_hold", move_out_id)["slip"]["status"] == "issued"
    assert not [a for a in trail(propdesk_env) if a["action"] == "release_slip.release"]
    assert _released_events(propdesk_env) == 0


def test_gate_release_rejections(access, propdesk_env):
    with pytest.raises(NotFound):
        call(access, "release_at_gate", "FX-20261122-9999", actor=GUARD)
    with pytest.raises(ValidationError) as e:
        call(access, "release_at_gate", "", actor=GUARD)
    assert rules(e.value) == {("slip_no", "length")}
    with pytest.raises(ValidationError) as e:
        call(access, "release_at_gate", "FX-1", actor={"id": "x", "role": "janitor"})
    assert rules(e.value) == {("actor.role", "one_of")}
    with pytest.raises(ValidationError) as e:
        call(access, "release_at_gate", "FX-1", actor={"role": "security"})
    assert rules(e.value) == {("actor.id", "required")}
    assert trail(propdesk_env) == [] and _released_events(propdesk_env) == 0


def test_reads_reject_bad_input(access):
    with pytest.raises(ValidationError) as e:
        call(access, "list_release_slips", "lost")
    assert rules(e.value) == {("status", "one_of")}
    with pytest.raises(NotFound):
        call(access, "get_release_hold", "MO-none")


def _released_events(env) -> int:
    with Session(create_engine(env.db_url("access"))) as s:
        return s.scalar(select(func.count()).select_from(OutboxRow)
                        .where(OutboxRow.event_type == "release_slip.released"))


def _inbox_has(env, event_id: str) -> bool:
    from propdesk.chassis.tables import InboxRow

    with Session(create_engine(env.db_url("access"))) as s:
        return s.scalar(select(func.count()).select_from(InboxRow).where(InboxRow.event_id == event_id)) > 0
