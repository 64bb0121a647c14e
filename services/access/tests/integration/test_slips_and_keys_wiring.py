"""Release slips of every variant and the key board against the real broker: their rows of access'
tables are the public contract, a desk slip goes from the counter to the gate over the container's
entrypoints (the QR token checked, refusals by rule across RPC), its events leave through the outbox
onto the bus, and a key is lent, refused a second loan and returned. The rules are tested on the unit
tier (tests/unit/goods_release, tests/unit/keys)."""
from __future__ import annotations

from datetime import timedelta

import pytest

from propdesk.contracts.envelope import utcnow
from propdesk.errors import Conflict, Forbidden
from propdesk_services.access import messages
from propdesk_services.access.service import AccessService
from tests.helpers import call, collector, queue_messages, wait_for

DESK = {"id": "desk-01", "role": "front_desk", "estates": ["E1"]}
GUARD = {"id": "guard-07", "role": "security", "estates": ["E1"]}
COMMANDS = {"request_goods_release", "confirm_owner_authorisation", "record_fee_clearance",
            "countersign_release_slip", "cancel_release_slip", "refuse_at_gate", "register_key", "entrust_key",
            "loan_key", "return_key", "withdraw_key", "hand_over_key_custody"}
QUERIES = {"get_release_slip", "find_release_slips", "verify_slip_token", "check_release_slip", "release_slip_qr",
           "release_slip_kpi",
           "get_key", "list_keys", "get_key_loan", "list_key_loans", "key_counts"}


@pytest.fixture
def access(start_service):
    return start_service(AccessService)


def test_the_rows_are_the_public_contract():
    assert COMMANDS <= set(messages.COMMANDS) and QUERIES <= set(messages.QUERIES)
    assert {"release_slip", "key", "key_loan"} <= set(messages.RECORDS) & set(messages.ACTIONS)
    assert messages.DEADLINES["key.loan_return"].event == "key.loan_overdue"


def test_a_desk_slip_and_a_key_over_the_broker(access, propdesk_env):
    bus = collector(propdesk_env.amqp_uri, "release_slip.requested", "release_slip.issued", "release_slip.released",
                    "key.loaned", "key.returned")
    slip = call(access, "request_goods_release", {
        "variant": "owner", "unit_id": "1-1-401", "applicant_name": "王业主", "id_type": "resident_id",
        "id_number": "11010519491231002X", "identity_checked": True, "owner_record_checked": True,
        "applicant_signed": True, "items": [{"description": "钢琴", "quantity": 1, "large": True}]}, DESK)
    assert slip["state"] == "ISSUED"
    token = call(access, "release_slip_qr", slip["slip_no"], actor=GUARD)["token"]
    assert call(access, "verify_slip_token", token, actor=GUARD)["usable"] is True
    with pytest.raises(Forbidden):
        call(access, "refuse_at_gate", {"slip_no": slip["slip_no"], "reason": "x"}, DESK)
    out = call(access, "release_at_gate", {"slip_no": slip["slip_no"], "checked_items": [1]}, GUARD)
    assert out["status"] == "released"
    assert call(access, "verify_slip_token", token, actor=GUARD)["reason"] == "released_once"
    assert call(access, "check_release_slip", slip["slip_no"], actor=GUARD)["reason"] == "released_once"

    key = call(access, "register_key", {"unit_id": "1-1-1804", "category": "entry_door", "label": "A"}, DESK)
    back = (utcnow() + timedelta(hours=2)).isoformat()
    loan = call(access, "loan_key", {"key_no": key["key_no"], "borrower": "陈师傅", "department": "engineering",
                                     "purpose": "巡检", "expected_back_at": back}, DESK)
    with pytest.raises(Conflict) as info:
        call(access, "loan_key", {"key_no": key["key_no"], "borrower": "b", "department": "security",
                                  "purpose": "p", "expected_back_at": back}, DESK)
    assert info.value.rule == "not_on_loan"
    call(access, "return_key", {"loan_no": loan["loan_no"]}, DESK)
    assert call(access, "key_counts", actor=DESK)["loans_open"] == 0

    types = ["release_slip.requested", "release_slip.issued", "release_slip.released", "key.loaned", "key.returned"]
    msgs = wait_for(lambda: (m := queue_messages(propdesk_env.amqp_uri, bus)) and len(m) == len(types) and m,
                    what="the slip's and the key's events on the bus")
    assert [m["body"]["event_type"] for m in msgs] == types
    assert msgs[0]["body"]["correlation_id"] == slip["slip_no"]
