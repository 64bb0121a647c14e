"""Repairs over the real broker: their RPC rows, the contact.registered and return_visit.completed
queues (tickets.open_repair_from_contact, tickets.on_return_visit_for_repair), and the repair's
events published by the relay. The rules are the unit tier's (tests/unit/repairs)."""
from __future__ import annotations

import json

import pytest
from nameko.exceptions import RemoteError
from nameko.standalone.rpc import ClusterRpcProxy

from propdesk.contracts.envelope import Actor, Envelope, new_id, utcnow
from propdesk_services.tickets.service import TicketsService
from tests.helpers import collector, events_in, publish_raw, wait_for

DESK = {"id": "fd-wang", "role": "front_desk", "estates": ["E1"]}
CS = {"id": "cs-li", "role": "cs_assistant", "estates": ["E1"]}
AREA = {"id": "aa-zhao", "role": "area_assistant", "estates": ["E1"]}
SUPERVISOR = {"id": "sup-chen", "role": "cs_supervisor", "estates": ["E1"]}
ENGINEER = {"id": "eng-07", "role": "engineering", "estates": ["E1"]}
SENDER = Actor("fd-wang", "front_desk")


@pytest.fixture
def rpc(start_service, propdesk_env):
    start_service(TicketsService)
    with ClusterRpcProxy({"AMQP_URI": propdesk_env.amqp_uri}, timeout=30) as proxy:
        yield proxy.tickets


def publish(env, event_type: str, payload: dict) -> None:
    event = Envelope(new_id(), event_type, 1, utcnow(), "tickets", new_id(), None, SENDER, payload)
    publish_raw(env.amqp_uri, event.to_json_dict(), event_type)


def test_a_repair_over_the_broker(rpc, propdesk_env):
    q = collector(propdesk_env.amqp_uri, "repair.reported", "repair.charge_requested", "repair.accepted")
    publish(propdesk_env, "contact.registered",                            # tickets.open_repair_from_contact
            {"contact_id": "CT-9", "contact_no": "CT-9", "channel": "phone", "classification": "repair",
             "unit_id": "1-1-303", "estate": "E1", "caller": "王伟", "summary": "厨房水龙头漏水",
             "received_by": "fd-wang", "received_at": utcnow().isoformat()})
    [r] = wait_for(lambda: rpc.list_repairs(actor=DESK), what="the repair opened from the contact")
    rid = {"repair_id": r["repair_id"]}
    assert rpc.get_repair(r["repair_id"], actor=DESK)["contact_id"] == "CT-9"            # get_repair
    assert rpc.list_repair_prices() == []                                                 # no demo loaded
    assert rpc.repair_counts(actor=DESK)[0]["reported"] == 1                              # repair_counts

    rpc.price_repair({**rid, "price_source": "engineering_quote", "amount": "80"}, ENGINEER)
    with pytest.raises(RemoteError) as err:                                # a refusal crosses RPC with its rule
        rpc.dispatch_repair({**rid, "team": "maintenance", "follow_up": "cs-li"}, DESK)
    assert json.loads(err.value.value)["rule"] == "no_dispatch_before_consent"
    rpc.record_consent({**rid, "consented": True, "consented_by": "王伟"}, DESK)
    rpc.dispatch_repair({**rid, "team": "maintenance", "follow_up": "cs-li"}, DESK)
    rpc.cancel_mismatched_order({**rid, "reason": "需换整条水管", "signature": "赵"}, AREA)
    with pytest.raises(RemoteError) as err:
        rpc.reissue_work_order(rid, AREA)
    assert err.value.exc_type == "Forbidden"
    rpc.reissue_work_order(rid, SUPERVISOR)
    rpc.start_repair(rid, ENGINEER)
    rpc.complete_repair({**rid, "client_signature": "王伟"}, ENGINEER)
    rpc.record_acceptance({**rid, "passed": True}, CS)
    assert rpc.repair_progress(r["repair_id"], actor=DESK)["may_rate"] is True           # repair_progress

    publish(propdesk_env, "return_visit.completed",                        # tickets.on_return_visit_for_repair
            {"return_visit_id": "RV-9", "subject_type": "repair", "subject_id": r["repair_id"],
             "unit_id": "1-1-303", "estate": "E1", "overall": "satisfied"})
    wait_for(lambda: rpc.get_repair(r["repair_id"])["state"] == "CLOSED", what="the repair closed")

    got = wait_for(lambda: len(events_in(propdesk_env.amqp_uri, q)) == 3 and events_in(propdesk_env.amqp_uri, q),
                   what="the relay to publish the three")
    assert [e["event_type"] for e in got] == ["repair.reported", "repair.charge_requested", "repair.accepted"]
    assert {e["correlation_id"] for e in got} == {r["repair_id"]}
    assert got[1]["payload"]["amount"] == "80.00"
