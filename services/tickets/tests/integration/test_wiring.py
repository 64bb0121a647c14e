"""tickets against the real broker: every row of its tables reachable (RPC over RabbitMQ, events
through its queues, its events published by the relay), and what only a broker shows (an event
delivered twice, one idempotency key submitted concurrently). The rules are the unit tier's."""
from __future__ import annotations

import json

import pytest
from nameko.exceptions import RemoteError
from nameko.standalone.rpc import ClusterRpcProxy
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from propdesk.chassis import metrics
from propdesk.chassis.db import audit_trail
from propdesk.chassis.tables import InboxRow, OutboxRow
from propdesk.contracts.envelope import Actor, Envelope, new_id, utcnow
from propdesk_services.tickets import messages
from propdesk_services.tickets.service import TicketsService
from tests import idempotency_checks as checks
from tests.helpers import collector, events_in, publish_raw, wait_for

ENGINEER = {"id": "eng-07", "role": "engineering"}
CS = Actor("cs-02", "cs_assistant")


@pytest.fixture
def tickets(start_service):
    return start_service(TicketsService)


@pytest.fixture
def rpc(tickets, propdesk_env):
    with ClusterRpcProxy({"AMQP_URI": propdesk_env.amqp_uri}, timeout=30) as proxy:
        yield proxy.tickets


def envelope(event_type: str, payload: dict, move_out_id: str) -> Envelope:
    return Envelope(new_id(), event_type, 1, utcnow(), "residents", move_out_id, None, CS, payload)


def move_out_requested(move_out_id: str, unit_id: str = "1-1-303") -> Envelope:
    return envelope("move_out.requested",
                    {"move_out_id": move_out_id, "unit_id": unit_id, "tenant_id": f"TEN-{unit_id}",
                     "owner_id": f"OWN-{unit_id}", "owner_consent_doc": "DOC-1", "exit_date": "2026-11-30",
                     "fitout_disposition": "restore"}, move_out_id)


def move_out_withdrawn(move_out_id: str, unit_id: str = "1-1-303") -> Envelope:
    return envelope("move_out.withdrawn", {"move_out_id": move_out_id, "unit_id": unit_id, "reason": "租户续租",
                                           "withdrawn_at": utcnow().isoformat()}, move_out_id)


def publish(env, event: Envelope) -> None:
    publish_raw(env.amqp_uri, event.to_json_dict(), event.event_type)


def db(env) -> Session:
    return Session(create_engine(env.db_url("tickets")))


def work_order(rpc, move_out_id: str, status: str = "open") -> dict:
    return wait_for(lambda: [w for w in rpc.list_work_orders(status) if w["move_out_id"] == move_out_id],
                    what=f"the {status} work order of {move_out_id}")[0]


def test_the_tables_are_the_rows_reached_here():
    """The move-out inspection's rows are reached here; each other workflow's in its own wiring test
    (test_<workflow>_wiring.py)."""
    assert {"record_inspection", "record_supply_cut"} <= set(messages.COMMANDS)
    assert {"get_inspection", "list_work_orders", "list_repairs"} <= set(messages.QUERIES)
    subscribed = {t: [h.__name__ for h in hs] for t, hs in messages.SUBSCRIPTIONS.items()}
    assert (subscribed["move_out.requested"], subscribed["move_out.withdrawn"]) == \
        (["on_move_out_requested"], ["on_move_out_withdrawn"])


def test_a_move_out_inspection_over_the_broker(rpc, propdesk_env):
    q = collector(propdesk_env.amqp_uri, "move_out.inspection_opened", "move_out.inspection_completed")
    cuts = collector(propdesk_env.amqp_uri, "unit.supply_cut")

    publish(propdesk_env, move_out_requested("MO-1"))                      # tickets.on_move_out_requested
    wo = work_order(rpc, "MO-1")                                           # list_work_orders
    assert rpc.get_inspection("MO-1") == wo                                # get_inspection
    done = rpc.record_inspection({"move_out_id": "MO-1", "passed": False, "defects": ["墙面破损"]}, ENGINEER)
    assert (done["status"], done["breach_notice_id"]) == ("defects_found", "WY-" + wo["work_order_no"][3:])
    assert rpc.list_repairs("open") == []                                  # list_repairs (no demo loaded)

    opened, completed = wait_for(lambda: len(events_in(propdesk_env.amqp_uri, q)) == 2
                                 and events_in(propdesk_env.amqp_uri, q), what="the relay to publish both events")
    assert (opened["event_type"], completed["event_type"]) == ("move_out.inspection_opened",
                                                               "move_out.inspection_completed")
    assert opened["producer"] == completed["producer"] == "tickets"
    assert opened["correlation_id"] == completed["correlation_id"] == "MO-1"
    assert completed["actor"] == ENGINEER and completed["payload"]["defects"] == ["墙面破损"]

    cut = rpc.record_supply_cut({"move_out_id": "MO-1", "supplies": [                # record_supply_cut
        {"utility": "water", "reading": "118"}, {"utility": "ac"}]}, ENGINEER)
    assert cut["utilities_cut"] == ["water", "ac"]
    [sent] = wait_for(lambda: events_in(propdesk_env.amqp_uri, cuts), what="unit.supply_cut on the exchange")
    assert (sent["producer"], sent["correlation_id"], sent["actor"]) == ("tickets", "MO-1", ENGINEER)
    assert [r["reading"] for r in sent["payload"]["final_readings"]] == ["118"]


def test_a_withdrawn_move_out_cancels_its_work_order_over_the_broker(rpc, propdesk_env):
    publish(propdesk_env, move_out_requested("MO-2"))
    wo = work_order(rpc, "MO-2")
    publish(propdesk_env, move_out_withdrawn("MO-2"))                      # tickets.on_move_out_withdrawn
    assert work_order(rpc, "MO-2", "cancelled")["work_order_no"] == wo["work_order_no"]
    with db(propdesk_env) as s:
        assert [a["action"] for a in audit_trail(s, correlation_id="MO-2")] == ["work_order.open", "work_order.cancel"]

    with pytest.raises(RemoteError) as err:                               # a rejection crosses RPC with its rule
        rpc.record_inspection({"move_out_id": "MO-2", "passed": True}, ENGINEER)
    assert err.value.exc_type == "Conflict"
    assert json.loads(err.value.value)["rule"] == "work_order_cancelled"


def test_the_same_delivery_twice_opens_one_work_order(rpc, propdesk_env):
    q = collector(propdesk_env.amqp_uri, "move_out.inspection_opened")
    event = move_out_requested("MO-3")
    dup_metric = metrics.INBOX_DUPLICATES.labels("tickets", "tickets.on_move_out_requested")
    dups_before = dup_metric._value.get()
    publish(propdesk_env, event)
    publish(propdesk_env, event)                       # the same delivery again: the inbox skips it
    publish(propdesk_env, move_out_requested("MO-3"))  # the move-out announced again: the handler skips it

    def both_processed():
        with db(propdesk_env) as s:
            return s.scalar(select(func.count()).select_from(InboxRow)) == 2
    wait_for(both_processed, what="both distinct events to be processed")
    wait_for(lambda: dup_metric._value.get() == dups_before + 1, what="the duplicate delivery to be skipped")

    assert [w["move_out_id"] for w in rpc.list_work_orders()] == ["MO-3"]
    with db(propdesk_env) as s:
        assert s.scalar(select(func.count()).select_from(OutboxRow)) == 1
        assert len(audit_trail(s, correlation_id="MO-3")) == 1
    wait_for(lambda: events_in(propdesk_env.amqp_uri, q), what="the one event")
    assert len(events_in(propdesk_env.amqp_uri, q)) == 1


def test_one_result_submitted_at_once_under_one_key_is_recorded_once(tickets, rpc, propdesk_env):
    publish(propdesk_env, move_out_requested("MO-4"))
    work_order(rpc, "MO-4")
    request = {"move_out_id": "MO-4", "passed": False, "defects": ["客厅墙面破损"]}
    checks.concurrent_duplicates(tickets, "record_inspection", (request, ENGINEER), {},
                                 propdesk_env.db_url("tickets"), "outbox")
