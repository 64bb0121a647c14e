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
    for kind in KINDS:
        rec = described[kind]
        names = [f["name"] for f in rec["fields"]]
        assert set(rec["columns"]) <= set(names), kind
        assert rec["id_field"] == rec["number_field"] and rec["actions"] is True
        assert all(f["label"]["zh"] != f["name"] for f in rec["fields"]), kind


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
    with app.session() as s:  # loading again adds nothing
        assert "already loaded" in AccessService.load_demo(s)


def test_queues_are_for_their_roles(app):
    guard = {q["key"] for q in app.query("work_queues", actor={"id": "g", "role": "security", "estates": ["E1"]})}
    assert {"passes_expiring", "visitors_in", "mail_to_collect"} <= guard
    assert not {"lost_items_to_publicise", "storage_overdue"} & guard
    cashier = {q["key"] for q in app.query("work_queues", actor={"id": "c", "role": "cashier", "estates": ["E1"]})}
    assert "lost_items_unclaimed" in cashier and "passes_expiring" not in cashier
