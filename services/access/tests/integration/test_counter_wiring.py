"""The counter's registers (passes, visitors, lost property, storage, mail) against the real broker:
their rows of access' tables are the public contract, the commands and queries answer over the
container's entrypoints, the two subscriptions (renovation.completed, move_out.completed) reach
their queues and revoke passes, and pass.revoked leaves through the outbox onto the bus.
The rules are tested on the unit tier (tests/unit/passes, visitors, lost_property, storage, mail)."""
from __future__ import annotations

from propdesk.chassis.calendar import office_today

from propdesk.contracts.envelope import Actor, Envelope, new_id, utcnow
from propdesk.errors import Forbidden
from propdesk_services.access import messages
from propdesk_services.access.service import AccessService
from tests.helpers import call, collector, publish_raw, queue_messages, wait_for

import pytest

DESK = {"id": "desk-01", "role": "front_desk", "estates": ["E1"]}
COMMANDS = {"issue_construction_pass", "issue_resident_pass", "return_pass", "revoke_pass", "register_visitor",
            "sign_out_visitor", "register_lost_item", "publicise_lost_item", "hand_lost_item_to_police",
            "return_lost_item", "refuse_lost_item_claim", "hand_lost_item_to_finance", "deposit_item",
            "collect_stored_item", "record_depositor_contacted", "register_mail", "collect_mail"}
QUERIES = {"get_pass", "list_passes", "get_visitor", "list_visitors", "get_lost_item", "list_lost_items",
           "get_stored_item", "list_stored_items", "get_mail", "list_mail"}
TIMERS = {"expire_passes", "flag_unclaimed_lost_items", "flag_overdue_storage"}


@pytest.fixture
def access(start_service):
    return start_service(AccessService)


def publish(env, event_type: str, payload: dict) -> Envelope:
    envelope = Envelope(new_id(), event_type, 1, utcnow(), "residents", new_id(), None, Actor("residents", "system"),
                        payload)
    publish_raw(env.amqp_uri, envelope.to_json_dict(), event_type)
    return envelope


def test_the_counters_rows_are_the_public_contract():
    assert COMMANDS <= set(messages.COMMANDS) and QUERIES <= set(messages.QUERIES) and TIMERS <= set(messages.TIMERS)
    handlers = {t: [h.__name__ for h in hs] for t, hs in messages.SUBSCRIPTIONS.items()}
    assert "revoke_passes_on_renovation_completed" in handlers["renovation.completed"]
    assert "revoke_passes_on_move_out" in handlers["move_out.completed"]


def test_passes_are_revoked_by_events_over_the_broker(access, propdesk_env):
    revoked_q = collector(propdesk_env.amqp_uri, "pass.revoked")
    today = office_today().isoformat()  # the office's day (Asia/Shanghai), as passes count their days
    worker = call(access, "issue_construction_pass", {
        "holder_name": "张师傅", "holder_id_number": "11010519491231002X", "photo_ref": "PH-1", "valid_from": today,
        "valid_to": today, "renovation_id": "RN-WIRING", "unit_id": "1-1-303", "work_location": "室内",
        "id_copy_ref": "IDC-1", "stamped_and_laminated": True}, DESK)
    tenant = call(access, "issue_resident_pass", {
        "holder_name": "李租户", "photo_ref": "PH-2", "valid_from": today, "valid_to": today, "unit_id": "1-1-303",
        "relation": "tenant"}, DESK)
    with pytest.raises(Forbidden):
        call(access, "revoke_pass", {"pass_no": worker["pass_no"], "reason": "x"}, {"id": "e", "role": "engineering"})

    publish(propdesk_env, "renovation.completed", {"renovation_id": "RN-WIRING", "unit_id": "1-1-303", "estate": "E1",
                                                   "completed_at": utcnow().isoformat()})
    publish(propdesk_env, "move_out.completed", {"move_out_id": "MO-WIRING", "unit_id": "1-1-303", "estate": "E1",
                                                 "archived_at": utcnow().isoformat()})
    for p in (worker, tenant):
        wait_for(lambda p=p: call(access, "get_pass", p["pass_no"])["state"] == "revoked", what="the pass revoked")
    msgs = wait_for(lambda: len(m := queue_messages(propdesk_env.amqp_uri, revoked_q)) >= 2 and m,
                    what="pass.revoked on the bus")
    assert sorted(m["body"]["payload"]["pass_id"] for m in msgs) == sorted([worker["pass_no"], tenant["pass_no"]])


def test_each_register_answers_over_the_broker(access):
    visitor = call(access, "register_visitor", {"visitor_name": "赵", "unit_id": "1-1-303", "host_name": "王"}, DESK)
    assert call(access, "sign_out_visitor", {"visitor_no": visitor["visitor_no"]}, DESK)["state"] == "out"
    for query in ("list_passes", "list_visitors", "list_lost_items", "list_stored_items", "list_mail"):
        assert isinstance(call(access, query, actor=DESK), list), query
    queues = {q["key"] for q in call(access, "work_queues", actor=DESK | {"role": "front_desk"})}
    assert {"passes_expiring", "visitors_in", "lost_items_to_publicise", "storage_overdue", "mail_to_collect"} <= queues
