"""Complaints over the real broker: their RPC rows, the contact.registered and return_visit.completed
queues, and complaint.registered / complaint.resolved published by the relay. The rules are the
unit tier's (tests/unit/complaints)."""
from __future__ import annotations

import json

import pytest
from nameko.exceptions import RemoteError
from nameko.standalone.rpc import ClusterRpcProxy

from propdesk.contracts.envelope import Actor, Envelope, new_id, utcnow
from propdesk_services.tickets.service import TicketsService
from tests.helpers import collector, events_in, publish_raw, wait_for

FRONT = {"id": "fd-wang", "role": "front_desk", "estates": ["E1"]}
CS = Actor("fd-wang", "front_desk")


@pytest.fixture
def rpc(start_service, propdesk_env):
    start_service(TicketsService)
    with ClusterRpcProxy({"AMQP_URI": propdesk_env.amqp_uri}, timeout=30) as proxy:
        yield proxy.tickets


def publish(env, event_type: str, payload: dict) -> None:
    event = Envelope(new_id(), event_type, 1, utcnow(), "tickets", new_id(), None, CS, payload)
    publish_raw(env.amqp_uri, event.to_json_dict(), event_type)


def test_a_complaint_over_the_broker(rpc, propdesk_env):
    q = collector(propdesk_env.amqp_uri, "complaint.registered", "complaint.resolved")
    publish(propdesk_env, "contact.registered",                            # tickets.open_complaint_from_contact
            {"contact_id": "CT-1", "contact_no": "CT-1", "channel": "phone", "classification": "complaint",
             "unit_id": "1-1-401", "estate": "E1", "caller": "王伟", "summary": "楼上装修噪音",
             "received_by": "fd-wang", "received_at": utcnow().isoformat()})
    [c] = wait_for(lambda: rpc.list_complaints(actor=FRONT), what="the complaint opened from the contact")
    assert (c["contact_id"], c["state"]) == ("CT-1", "RECEIVED")
    assert rpc.get_complaint(c["complaint_id"], actor=FRONT)["complaint_no"] == c["complaint_no"]

    with pytest.raises(RemoteError) as err:                                # a refusal crosses RPC with its rule
        rpc.set_complaint_measures({"complaint_id": c["complaint_id"], "measures": "x"}, FRONT)
    assert json.loads(err.value.value)["rule"] == "triage_first"

    cid = {"complaint_id": c["complaint_id"]}
    rpc.triage_complaint({**cid, "kind": "ordinary"}, FRONT)
    rpc.set_complaint_measures({**cid, "measures": "联系装修户"}, FRONT)
    rpc.record_complaint_handling({**cid, "remedial": "约谈装修户"}, FRONT)
    rpc.report_complaint_result({**cid, "result": "已整改"}, FRONT)
    assert rpc.reply_to_complainant({**cid, "channel": "phone"}, FRONT)["state"] == "REPLIED"

    publish(propdesk_env, "return_visit.completed",                        # tickets.on_return_visit_for_complaint
            {"return_visit_id": "RV-1", "subject_type": "complaint", "subject_id": c["complaint_id"],
             "unit_id": "1-1-401", "estate": "E1", "overall": "dissatisfied"})
    wait_for(lambda: rpc.get_complaint(c["complaint_id"])["state"] == "REOPENED", what="the complaint reopened")

    registered, resolved = wait_for(lambda: len(events_in(propdesk_env.amqp_uri, q)) == 2
                                    and events_in(propdesk_env.amqp_uri, q), what="the relay to publish both")
    assert (registered["event_type"], resolved["event_type"]) == ("complaint.registered", "complaint.resolved")
    assert registered["correlation_id"] == resolved["correlation_id"] == c["complaint_id"]
