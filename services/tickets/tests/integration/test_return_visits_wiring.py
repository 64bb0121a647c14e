"""Return visits over the real broker, in one small test (the rules are the unit tier's): a
repair.accepted through its queue plans a visit, the desk's queries and a command cross RPC, the
relay publishes return_visit.planned and return_visit.completed on the repair's case."""
from __future__ import annotations

import pytest
from nameko.standalone.rpc import ClusterRpcProxy

from propdesk.contracts.envelope import Actor, Envelope, new_id, utcnow
from propdesk_services.tickets.service import TicketsService
from tests.helpers import collector, events_in, publish_raw, wait_for

CS = {"id": "cs-01", "role": "cs_assistant"}


@pytest.fixture
def rpc(start_service, propdesk_env):
    start_service(TicketsService)
    with ClusterRpcProxy({"AMQP_URI": propdesk_env.amqp_uri}, timeout=30) as proxy:
        yield proxy.tickets


def test_a_return_visit_planned_from_an_accepted_repair_and_recorded_over_the_broker(rpc, propdesk_env):
    q = collector(propdesk_env.amqp_uri, "return_visit.planned", "return_visit.completed")
    accepted = Envelope(new_id(), "repair.accepted", 1, utcnow(), "tickets", "case-R9", None, Actor("cs-02", "cs_assistant"),
                        {"repair_id": "R9", "repair_no": "RP-9", "unit_id": "1-1-401", "estate": "E1", "owner": "王先生"})
    publish_raw(propdesk_env.amqp_uri, accepted.to_json_dict(), accepted.event_type)   # tickets.on_repair_accepted

    [visit] = wait_for(lambda: rpc.list_return_visits(), what="the planned return visit")
    assert (visit["subject_id"], visit["state"]) == ("R9", "PLANNED")
    assert rpc.get_return_visit(visit["return_visit_id"], actor=CS) == visit
    done = rpc.record_return_visit({"return_visit_id": visit["return_visit_id"], "overall": "satisfied",
                                    "respondent": "王先生"}, CS)
    assert done["state"] == "CLOSED"
    assert rpc.return_visit_kpis("2026-01-01", "2030-12-31")["total"]["recorded"] == 1

    planned, completed = wait_for(lambda: len(events_in(propdesk_env.amqp_uri, q)) == 2
                                  and events_in(propdesk_env.amqp_uri, q), what="the relay to publish both events")
    assert (planned["event_type"], completed["event_type"]) == ("return_visit.planned", "return_visit.completed")
    assert planned["correlation_id"] == completed["correlation_id"] == "case-R9"
    assert completed["payload"]["overall"] == "satisfied" and completed["actor"] == CS
