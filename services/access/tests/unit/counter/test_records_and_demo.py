"""The counter's registers at the desk: every record kind (pass, visitor, lost_item, stored_item,
mail) described with its columns among its fields and its get/list/actions; every command with its
form label; the work queues answered for the roles they are for; and the demo (anchored on the
clock's today) shows a living counter: something waits in each queue, some of it overdue."""
from __future__ import annotations

import json

import pytest

from propdesk.chassis.clock import SYSTEM_CLOCK, FakeClock
from propdesk.testing.fake import ServiceHarness
from propdesk_services.access.service import AccessService

KINDS = ("pass", "visitor", "lost_item", "stored_item", "mail")
QUEUES = ("passes_expiring", "visitors_in", "lost_items_to_publicise", "lost_items_unclaimed", "storage_overdue",
          "mail_to_collect")
COMMANDS = ("issue_construction_pass", "issue_resident_pass", "return_pass", "revoke_pass", "register_visitor",
            "sign_out_visitor", "register_lost_item", "publicise_lost_item", "hand_lost_item_to_police",
            "return_lost_item", "refuse_lost_item_claim", "hand_lost_item_to_finance", "deposit_item",
            "collect_stored_item", "record_depositor_contacted", "register_mail", "collect_mail")


@pytest.fixture(scope="module")
def app() -> ServiceHarness:
    return ServiceHarness(AccessService, clock=FakeClock(SYSTEM_CLOCK.now()), demo=True)


def test_every_record_kind_is_described_for_the_desk(app):
    described = app.query("describe_records")
    json.dumps(described, ensure_ascii=False)
    assert set(KINDS) <= set(described)
    for kind, rec in described.items():  # every kind, the release slip and the keys' too
        names = [f["name"] for f in rec["fields"]]
        assert set(rec["columns"]) <= set(names), kind
        assert rec["id_field"] == rec["number_field"] and rec["actions"] is True
        # every field in the office's words on the record page and the printed form, in both languages
        every = [*rec["fields"], *(row for f in rec["fields"] for row in f.get("fields") or ())]  # rows' too
        unlabelled = [f["name"] for f in every
                      if not isinstance(f.get("label"), dict) or f["label"].get("zh") in (None, "", f["name"])
                      or not f["label"].get("en")]
        assert unlabelled == [], (kind, unlabelled)


def test_every_command_has_a_form_label(app):
    forms = app.query("describe_commands")
    for name in COMMANDS:
        assert forms[name]["label"]["zh"] and forms[name]["roles"], name


def test_the_demo_is_a_living_counter(app):
    queues = {q["key"]: q for q in app.query("work_queues")}
    for key in QUEUES:
        assert queues[key]["items"], key
    assert any(i["overdue"] for key in ("visitors_in", "storage_overdue", "mail_to_collect", "lost_items_unclaimed")
               for i in queues[key]["items"])
    passes = app.query("list_passes")
    assert {"issued", "expired", "revoked"} <= {p["state"] for p in passes}
    assert all("*" in p["holder_id_number"] for p in passes if p["holder_id_number"])
    # what `make run` shows (issue #11 §5): keys in custody and on loan, one overdue; passes active
    # and expired; found items and deposits of various ages
    gauges = app.gauges()
    assert sum(gauges["propdesk_access_keys_on_loan"].values()) >= 2
    assert sum(gauges["propdesk_access_key_loans_overdue"].values()) >= 1
    assert {k["state"] for k in app.query("list_keys")} >= {"IN_CUSTODY", "ON_LOAN"}
    assert sum(gauges["propdesk_access_passes_active"].values()) >= 2
    assert len({age for (age, _) in gauges["propdesk_access_lost_items_held"]}) >= 3
    assert {d["state"] for d in app.query("list_stored_items")} >= {"stored", "overdue", "collected"}
    with app.session() as s:  # loading again adds nothing
        assert "already loaded" in AccessService.load_demo(s)


def test_queues_are_for_their_roles(app):
    guard = {q["key"] for q in app.query("work_queues", actor={"id": "g", "role": "security", "estates": ["E1"]})}
    assert {"passes_expiring", "visitors_in", "mail_to_collect"} <= guard
    assert not {"lost_items_to_publicise", "storage_overdue"} & guard
    cashier = {q["key"] for q in app.query("work_queues", actor={"id": "c", "role": "cashier", "estates": ["E1"]})}
    assert "lost_items_unclaimed" in cashier and "passes_expiring" not in cashier
