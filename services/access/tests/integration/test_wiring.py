"""access against the real broker: every row of its tables (messages.py) is reachable. Each
subscription's queue gets its event types, the command and the queries answer over the container's
entrypoints, and what the handlers emit leaves through the outbox relay onto ``propdesk.events``.

The rules themselves (the hold in any order, stale clearances, numbering, the gate, rejections,
idempotency keys) are tested on the unit tier: tests/unit/release_slip/."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from propdesk.chassis import metrics
from propdesk.contracts.envelope import Actor, Envelope, new_id, utcnow
from propdesk.errors import Forbidden, NotFound
from propdesk_services.access import messages
from propdesk_services.access.service import AccessService
from propdesk_services.access.workflows.release_slip.models import ReleaseHold
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


def issued_slip(env, access, mo: str) -> dict:
    """Drive a move-out to an issued slip over the broker; returns the slip."""
    requested(env, mo)
    clearance(env, mo)
    approval(env, mo)
    return wait_hold(access, mo, lambda h: h["slip"], "the slip to be issued")["slip"]


def count(env, model) -> int:
    with Session(create_engine(env.db_url("access"))) as s:
        return s.scalar(select(func.count()).select_from(model))


# -- the tables ------------------------------------------------------------------------------------
def test_the_tables_are_the_public_contract():
    """Renaming a method or a handler orphans a queue: these names are the contract (the move-out's
    release slip; the other workflows' rows are checked by their own wiring tests, e.g.
    test_counter_wiring.py)."""
    assert {"release_at_gate"} <= set(messages.COMMANDS)
    assert {"get_release_hold", "list_release_slips"} <= set(messages.QUERIES)
    handlers = {t: [h.__name__ for h in hs] for t, hs in messages.SUBSCRIPTIONS.items()}
    assert {t: hs for t, hs in handlers.items() if t in (
        "move_out.requested", "billing.clearance_confirmed", "billing.clearance_failed", "move_out.release_approved",
        "move_out.withdrawn")} == {
        "move_out.requested": ["on_move_out_requested"],
        "billing.clearance_confirmed": ["on_clearance"],
        "billing.clearance_failed": ["on_clearance"],
        "move_out.release_approved": ["on_release_approved"],
        "move_out.withdrawn": ["on_move_out_withdrawn"],
    }


def test_every_subscription_and_query_is_reachable(access, propdesk_env, move_out_id):
    issued_q = collector(propdesk_env.amqp_uri, "release_slip.issued")
    envelope = requested(propdesk_env, move_out_id)                        # access.on_move_out_requested
    hold = wait_hold(access, move_out_id, lambda h: h["tenant_party_id"], "the hold to open")
    assert hold["waiting_for"] == ["fee clearance", "release approval"]

    dup = metrics.INBOX_DUPLICATES.labels("access", "access.on_move_out_requested")
    before = dup._value.get()
    publish_raw(propdesk_env.amqp_uri, envelope.to_json_dict(), "move_out.requested")
    wait_for(lambda: dup._value.get() == before + 1, what="the duplicate to be skipped")
    assert count(propdesk_env, ReleaseHold) == 1

    failed = clearance(propdesk_env, move_out_id, confirmed=False, as_of=T0)  # access.on_clearance, both types
    wait_hold(access, move_out_id, lambda h: h["clearance_ref"] == failed.event_id, "the failed verdict")
    confirming = clearance(propdesk_env, move_out_id, confirmed=True, as_of=T0 + timedelta(hours=1))
    wait_hold(access, move_out_id, lambda h: h["fees_cleared"], "the confirmed verdict")

    approval(propdesk_env, move_out_id)                                    # access.on_release_approved
    slip = wait_hold(access, move_out_id, lambda h: h["slip"], "the slip to be issued")["slip"]
    assert slip["clearance_ref"] == confirming.event_id

    (msg,) = wait_for(lambda: queue_messages(propdesk_env.amqp_uri, issued_q), what="release_slip.issued on the bus")
    assert msg["body"]["correlation_id"] == move_out_id and msg["body"]["payload"]["slip_id"] == slip["slip_no"]
    assert [s["slip_no"] for s in call(access, "list_release_slips", "issued")] == [slip["slip_no"]]
    assert call(access, "list_release_slips", status="released") == []


def test_the_withdrawal_subscription_is_reachable(access, propdesk_env, move_out_id):
    withdrawn_at = utcnow()
    publish(propdesk_env, "move_out.withdrawn", {                           # access.on_move_out_withdrawn
        "move_out_id": move_out_id, "unit_id": "1-1-303", "reason": "租户决定续租",
        "withdrawn_at": withdrawn_at.isoformat()}, move_out_id)
    hold = wait_hold(access, move_out_id, lambda h: h["closed"], "the withdrawal to close the hold")
    assert hold["waiting_for"] == [] and hold["withdrawn_at"] == withdrawn_at.isoformat()


def test_the_gate_command_is_reachable(access, propdesk_env, move_out_id):
    released_q = collector(propdesk_env.amqp_uri, "release_slip.released")
    slip = issued_slip(propdesk_env, access, move_out_id)

    with pytest.raises(Forbidden):
        call(access, "release_at_gate", {"slip_no": slip["slip_no"]}, DESK)
    out = call(access, "release_at_gate", {"slip_no": slip["slip_no"]}, actor=GUARD,
               idempotency_key="gate-7f3a9c2e-0001")
    assert out["status"] == "released" and out["released_by"] == "guard-07"
    assert call(access, "release_at_gate", request={"slip_no": slip["slip_no"]}, actor=GUARD,
                idempotency_key="gate-7f3a9c2e-0001") == out

    (msg,) = wait_for(lambda: queue_messages(propdesk_env.amqp_uri, released_q), what="release_slip.released on the bus")
    assert msg["body"]["actor"] == GUARD and msg["body"]["correlation_id"] == move_out_id
    assert [s["slip_no"] for s in call(access, "list_release_slips", "released")] == [slip["slip_no"]]
