"""The contact log (来电来访登记) against the real broker: its commands and queries over RPC, its
subscriptions' queues (a ticket opened from a contact is linked), its events published by the relay,
and a rejection crossing RPC with its rule. The rules themselves are the unit tier's
(tests/unit/contacts)."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from nameko.exceptions import RemoteError
from nameko.standalone.rpc import ClusterRpcProxy

from propdesk.contracts.envelope import Actor, Envelope, new_id, utcnow
from propdesk_services.tickets.service import TicketsService
from tests.helpers import collector, events_in, publish_raw, wait_for

FD = {"id": "fd-wang", "role": "front_desk", "estates": ["E1"]}
FD2 = {"id": "fd-li", "role": "front_desk", "estates": ["E1"]}


@pytest.fixture
def tickets(start_service):
    return start_service(TicketsService)


@pytest.fixture
def rpc(tickets, propdesk_env):
    with ClusterRpcProxy({"AMQP_URI": propdesk_env.amqp_uri}, timeout=30) as proxy:
        yield proxy.tickets


def test_contacts_over_the_broker(rpc, propdesk_env):
    q = collector(propdesk_env.amqp_uri, "contact.*")
    base = {"channel": "phone", "caller_name": "王伟", "caller_phone": "13812345678", "unit_id": "1-1-401"}
    inquiry = rpc.register_contact({**base, "classification": "inquiry", "summary": "咨询停水"}, FD)
    due = (datetime.now(timezone.utc) + timedelta(hours=2)).isoformat()
    waiting = rpc.arrange_reply({"contact_id": inquiry["contact_id"], "expert": "工程部", "reply_due_at": due}, FD)
    assert waiting["state"] == "AWAITING_REPLY"
    moved = rpc.hand_over_contact({"contact_id": inquiry["contact_id"], "new_owner": "fd-li", "reason": "交接班"}, FD)
    assert moved["owner"] == "fd-li"
    with pytest.raises(RemoteError) as err:                              # 首问负责制 crosses RPC with its rule
        rpc.answer_contact({"contact_id": inquiry["contact_id"], "answer": "x"}, FD)
    assert (err.value.exc_type, json.loads(err.value.value)["rule"]) == ("Forbidden", "first_contact_owner")
    assert rpc.answer_contact({"contact_id": inquiry["contact_id"], "answer": "已答复"}, FD2)["state"] == "CLOSED"

    procedure = rpc.register_contact({**base, "classification": "procedure", "summary": "办理出入证"}, FD)
    assert rpc.close_contact({"contact_id": procedure["contact_id"], "outcome": "已办理"}, FD)["fcr"] is True

    repair = rpc.register_contact({**base, "classification": "repair", "summary": "卫生间漏水"}, FD)
    event = Envelope(new_id(), "repair.reported", 1, utcnow(), "tickets", repair["contact_id"], None,
                     Actor("fd-wang", "front_desk"),
                     {"repair_id": "BX-T-1", "repair_no": "BX-T-1", "contact_id": repair["contact_id"],
                      "unit_id": "1-1-401", "estate": "E1", "category": "water_electric", "summary": "卫生间漏水"})
    publish_raw(propdesk_env.amqp_uri, event.to_json_dict(), event.event_type)   # tickets.on_repair_reported
    linked = wait_for(lambda: (c := rpc.get_contact(repair["contact_id"], actor=FD))["state"] == "TICKET_OPENED" and c,
                      what="the repair linked to its contact")
    assert linked["ticket_type"] == "repair"
    complaint = rpc.register_contact({**base, "classification": "complaint", "summary": "噪音"}, FD)
    event = Envelope(new_id(), "complaint.registered", 1, utcnow(), "tickets", complaint["contact_id"], None,
                     Actor("fd-wang", "front_desk"),
                     {"complaint_id": "CP-T-1", "complaint_no": "CP-T-1", "contact_id": complaint["contact_id"],
                      "unit_id": "1-1-401", "estate": "E1", "kind": None})
    publish_raw(propdesk_env.amqp_uri, event.to_json_dict(), event.event_type)   # tickets.on_complaint_registered
    wait_for(lambda: rpc.get_contact(complaint["contact_id"])["state"] == "TICKET_OPENED",
             what="the complaint linked to its contact")

    listed = rpc.list_contacts(actor=FD)
    assert {c["contact_id"] for c in listed} >= {inquiry["contact_id"], procedure["contact_id"], repair["contact_id"]}
    assert all(c["caller_phone"] == "138****5678" for c in listed)
    assert rpc.allowed_actions("contact", inquiry["contact_id"], "front_desk") == []
    assert rpc.contact_fcr_rate("2026-01-01", "2099-12-31", actor=FD)["received"] >= 4
    assert any(q["key"] == "my_open_contacts" for q in rpc.work_queues(actor=FD))

    def inquiry_events():
        sent = [e for e in events_in(propdesk_env.amqp_uri, q) if e["correlation_id"] == inquiry["contact_id"]]
        return sent if len(sent) >= 4 else None

    sent = wait_for(inquiry_events, what="the relay to publish the inquiry's events")
    assert [e["event_type"] for e in sent] == ["contact.registered", "contact.reply_arranged", "contact.handed_over",
                                               "contact.closed"]
    assert sent[0]["payload"]["caller_phone"] == "138****5678" and sent[0]["producer"] == "tickets"
