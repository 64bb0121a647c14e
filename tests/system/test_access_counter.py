"""The counter's time limits through the real services (issue #11 §5), with time injected into every
running process (`move_clock`), never slept (domain.md §2.9-§2.11, §5):

- a pass expires by itself at the end of its last valid day, and one is revoked when its renovation
  completes (``renovation.completed``, published as residents will announce it); notify tells the
  front desk to tell the holder and collect the pass, and Security that it no longer admits;
- a deposit more than 3 days on the shelf turns overdue and the front desk is told to contact the
  depositor;
- a found item unclaimed 3 months after registration is listed for finance, and finance is told;
- the operators' gauges of access (``propdesk_access_*``) are served on its metrics endpoint.
"""
from __future__ import annotations

import os
from datetime import timedelta

import pytest
import requests

from propdesk.chassis.calendar import office_today
from propdesk.contracts.envelope import Actor, Envelope, new_id, utcnow
from tests.helpers import publish_raw, wait_for

pytestmark = pytest.mark.system

DESK = {"id": "fd-wang", "role": "front_desk", "estates": ["E1"]}
UNIT = "1-2-1503"


def roles_told(rpc, correlation_id: str) -> dict[str, str]:
    """{recipient role: subject} of notify's messages about one record."""
    return {m["recipient_role"]: m["subject"] for m in rpc.notify.list_messages(correlation_id=correlation_id)}


def publish(env, event_type: str, payload: dict) -> None:
    envelope = Envelope(new_id(), event_type, 1, utcnow(), "residents", new_id(), None,
                        Actor("residents", "system"), payload)
    publish_raw(env.amqp_uri, envelope.to_json_dict(), event_type)


def test_passes_deposits_and_found_items_reach_their_limits_and_the_people_are_told(rpc, move_clock, propdesk_env):
    a, today = rpc.access, office_today()
    ending_today = a.issue_resident_pass({
        "holder_name": "李租户", "photo_ref": "PH-11", "valid_from": today.isoformat(), "valid_to": today.isoformat(),
        "unit_id": UNIT, "relation": "tenant"}, DESK)["pass_no"]
    worker = a.issue_construction_pass({
        "holder_name": "张师傅", "holder_id_number": "11010519491231002X", "photo_ref": "PH-12",
        "valid_from": today.isoformat(), "valid_to": (today + timedelta(days=30)).isoformat(),
        "renovation_id": "RN-SYS-1", "unit_id": UNIT, "work_location": "室内", "id_copy_ref": "IDC-12",
        "stamped_and_laminated": True}, DESK)["pass_no"]
    deposit = a.deposit_item({"depositor_name": "陈女士", "unit_id": UNIT, "items": [{"name": "纸箱", "quantity": 2}],
                              "depositor_signed": True}, DESK)["storage_no"]
    found = a.register_lost_item({
        "category": "ordinary", "description": "黑色雨伞", "items": ["雨伞 1 把"], "found_by": "保洁 刘阿姨",
        "second_registrar": "fd-li", "second_registrar_name": "李前台", "both_signed": True}, DESK)["item_no"]

    # the renovation completes: its construction pass is revoked, the desk and Security told
    publish(propdesk_env, "renovation.completed", {"renovation_id": "RN-SYS-1", "unit_id": UNIT, "estate": "E1",
                                                   "completed_at": utcnow().isoformat()})
    wait_for(lambda: a.get_pass(worker)["state"] == "revoked", what="the construction pass revoked")
    told = wait_for(lambda: len(r := roles_told(rpc, worker)) == 2 and r, what="notify on the revoked pass")
    assert set(told) == {"front_desk", "security"} and "出入证失效" in told["front_desk"]
    assert a.get_pass(ending_today)["state"] == "issued"  # its last day is not over yet

    # 3 days and a minute on: the pass's last day ended, the deposit is over 3 days on the shelf
    move_clock(days=3, minutes=1)
    wait_for(lambda: a.get_pass(ending_today)["state"] == "expired", what="the pass expired by itself")
    told = wait_for(lambda: len(r := roles_told(rpc, ending_today)) == 2 and r, what="notify on the expired pass")
    assert set(told) == {"front_desk", "security"} and "通知持证人" in told["front_desk"]
    wait_for(lambda: a.get_stored_item(deposit)["state"] == "overdue", what="the deposit overdue")
    told = wait_for(lambda: roles_told(rpc, deposit), what="notify on the overdue deposit")
    assert list(told) == ["front_desk"] and "联系寄存人" in told["front_desk"]
    assert a.get_lost_item(found)["state"] != "unclaimed"  # 3 days: still waiting for its owner

    # three months on: the found item is unclaimed and finance is told to take it over
    move_clock(days=92)
    wait_for(lambda: a.get_lost_item(found)["state"] == "unclaimed", what="the found item unclaimed")
    told = wait_for(lambda: "finance_supervisor" in (r := roles_told(rpc, found)) and r,
                    what="notify telling finance")
    assert "移交财务" in told["finance_supervisor"] and "front_desk" in told

    # the operators' view: access' gauges on its metrics endpoint (read at scrape time)
    port = os.environ.get("PROPDESK_ACCESS_PORT")
    if port:
        r = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=10)  # sends an Accept header, as Prometheus does
        assert r.status_code == 200, r.text[:500]
        text = r.text
        for name in ("propdesk_access_release_slips", "propdesk_access_passes_active",
                     "propdesk_access_lost_items_held", "propdesk_access_keys_on_loan"):
            assert f"# TYPE {name} gauge" in text, name
