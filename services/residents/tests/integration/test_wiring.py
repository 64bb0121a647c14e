"""residents against the real broker: every row of its tables is reachable (commands and queries
over RPC, each subscription's queue bound and consumed), what it emits reaches the exchange, and a
failing handler is retried and then dead-lettered. The rules themselves are tested on the unit
tier (tests/unit/)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from kombu import Connection, Queue, binding
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from propdesk import demo
from propdesk.chassis.calendar import office_today
from propdesk.chassis.tables import InboxRow
from propdesk.chassis.topology import events_exchange
from propdesk.chassis.workflow import queries_of, subscriptions_by_handler
from propdesk.contracts.envelope import Actor, Envelope, new_id, utcnow
from propdesk.errors import Conflict, Forbidden, ValidationError
from propdesk_services.residents import messages
from propdesk_services.residents.service import ResidentsService
from tests.helpers import call, publish_raw, queue_messages, wait_for

CLERK = {"id": "fd-wang", "role": "front_desk"}
OUT_QUEUE = "test.residents.emitted"
EMITTED = ("move_out.requested", "move_out.release_approved", "move_out.withdrawn", "move_out.completed")


@pytest.fixture
def residents(start_service, propdesk_env):
    container = start_service(ResidentsService)
    with Session(create_engine(propdesk_env.db_url("residents"))) as s:
        ResidentsService.load_demo(s)
        s.commit()
    with Connection(propdesk_env.amqp_uri) as conn:
        Queue(OUT_QUEUE, durable=True, bindings=[binding(events_exchange, routing_key=t) for t in EMITTED]
              )(conn.default_channel).declare()
    return container


def request(**kw) -> dict:
    return {"unit_id": demo.DEMO_HAPPY_UNIT, "tenant_party_id": demo.DEMO_HAPPY_TENANT,
            "exit_date": (office_today() + timedelta(days=7)).isoformat(),
            "owner_consent_ref": "客户同意函 2026-118", "fitout_disposition": "restore", **kw}


def emitted(env, event_type: str) -> list[dict]:
    return [m["body"] for m in queue_messages(env.amqp_uri, OUT_QUEUE) if m["body"]["event_type"] == event_type]


def processed(env, handler: str, event_id: str) -> bool:
    with Session(create_engine(env.db_url("residents"))) as s:
        return s.get(InboxRow, (f"residents.{handler}", event_id)) is not None


def publish(env, event_type: str, payload: dict, correlation_id: str, handler: str, wait: bool = True) -> Envelope:
    envelope = Envelope(new_id(), event_type, 1, utcnow(), "test", correlation_id, None,
                        Actor("someone", "system"), payload)
    publish_raw(env.amqp_uri, envelope.to_json_dict(), event_type)
    if wait:
        wait_for(lambda: processed(env, handler, envelope.event_id), what=f"{handler} to process {event_type}")
    return envelope


def test_the_tables_are_the_public_surface(residents):
    """Every row became an entrypoint with its public name; nothing else is public."""
    rpc_names = set(messages.COMMANDS) | set(queries_of(messages, "residents"))
    subscriber_names = set(subscriptions_by_handler(messages))
    entrypoints = {ep.method_name for ep in residents.entrypoints}
    assert rpc_names | subscriber_names <= entrypoints
    assert entrypoints - rpc_names - subscriber_names == {"serve_metrics", "serve_health"}


def test_a_move_out_through_every_row_over_the_broker(residents, propdesk_env):
    env = propdesk_env
    case = call(residents, "request_move_out", request(), actor=CLERK)
    mo, unit = case["move_out_id"], case["unit_id"]
    assert call(residents, "get_move_out", mo)["state"] == "APPLICATION_ACCEPTED"
    assert call(residents, "list_move_outs", state="APPLICATION_ACCEPTED")[0]["move_out_id"] == mo
    assert call(residents, "get_unit", unit)["open_move_out_id"] == mo
    assert len(call(residents, "list_units", leased_only=True)) == sum(1 for u in demo.units() if u["tenant_party_id"])

    publish(env, "move_out.inspection_completed", {"move_out_id": mo, "work_order_no": "WO-20261122-0007",
            "unit_id": unit, "passed": True, "defects": [], "breach_notice_id": None}, mo, "on_inspection_completed")
    publish(env, "billing.clearance_confirmed", {"unit_id": unit, "party_id": None, "move_out_id": mo,
            "outstanding_amount": "0.00", "as_of": utcnow().isoformat()}, mo, "on_clearance")
    cut_at = utcnow().isoformat()
    publish(env, "unit.supply_cut", {"move_out_id": mo, "work_order_no": "WO-20261122-0007", "unit_id": unit,
            "utilities": ["water", "ac"], "at": cut_at,
            "final_readings": [{"meter": "water", "reading": "118", "read_at": cut_at}]}, mo, "on_supply_cut")
    assert call(residents, "get_move_out", mo)["supply_cut_at"] is not None
    publish(env, "release_slip.issued", {"slip_id": "FX-20261122-0001", "move_out_id": mo, "unit_id": unit,
            "applicant_type": "tenant", "goods": ["衣柜 1 个"], "clearance_ref": None}, mo, "on_release_slip_issued")
    publish(env, "release_slip.released", {"slip_id": "FX-20261122-0001", "move_out_id": mo, "unit_id": unit,
            "guard_id": "sec-sun"}, mo, "on_goods_released")
    assert call(residents, "get_move_out", mo)["state"] == "GOODS_RELEASED"

    with pytest.raises(Forbidden):
        call(residents, "archive_move_out", {"move_out_id": mo}, actor={"id": "sec-sun", "role": "security"})
    assert call(residents, "archive_move_out", {"move_out_id": mo}, actor=CLERK)["state"] == "ARCHIVED"

    second = call(residents, "request_move_out", request(), actor=CLERK, idempotency_key="second-1")
    with pytest.raises(Conflict):
        call(residents, "request_move_out", request(), actor=CLERK)
    assert call(residents, "withdraw_move_out", {"move_out_id": second["move_out_id"], "reason": "租户续租"},
                actor=CLERK)["state"] == "WITHDRAWN"

    for event_type, correlation in (("move_out.requested", second["move_out_id"]), ("move_out.release_approved", mo),
                                    ("move_out.completed", mo), ("move_out.withdrawn", second["move_out_id"])):
        sent = wait_for(lambda: [e for e in emitted(env, event_type) if e["correlation_id"] == correlation],
                        what=f"{event_type} on the exchange")
        assert len(sent) == 1 and sent[0]["producer"] == "residents"


def test_bad_input_over_rpc_names_field_and_rule(residents):
    with pytest.raises(ValidationError) as e:
        call(residents, "get_move_out", ["MO-1"])
    assert [(p.field, p.rule) for p in e.value.problems] == [("move_out_id", "type")]
    with pytest.raises(ValidationError) as e:
        call(residents, "list_move_outs", "SOMEWHERE")
    assert [(p.field, p.rule) for p in e.value.problems] == [("state", "one_of")]


def dead_letters(env) -> list[dict]:
    return queue_messages(env.amqp_uri, "propdesk.dlq")


def test_an_inspection_of_an_unknown_move_out_is_dead_lettered(residents, propdesk_env):
    envelope = publish(propdesk_env, "move_out.inspection_completed", {
        "move_out_id": "MO-19990101-0001", "work_order_no": "WO-1", "unit_id": demo.DEMO_HAPPY_UNIT,
        "passed": True, "defects": [], "breach_notice_id": None}, "MO-19990101-0001", "", wait=False)
    parked = wait_for(lambda: dead_letters(propdesk_env), what="a dead letter")
    assert parked[0]["body"]["event_id"] == envelope.event_id
    assert parked[0]["headers"]["x-propdesk-reason"] == "handler_failed"
    assert parked[0]["headers"]["x-propdesk-attempts"] == 3
    assert "NotFound" in parked[0]["headers"]["x-propdesk-error"]
