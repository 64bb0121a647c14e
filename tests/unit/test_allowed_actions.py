"""Each department answers what may be done next to its records, for a role (the desk shows those
and no others): the record's state (the domain) and the policy table, through the chassis'
``allowed_actions(record_type, record_id, role)`` query."""
from __future__ import annotations

import pytest

from propdesk import demo
from propdesk.contracts.envelope import Actor
from propdesk.errors import NotFound
from propdesk.testing.fake import ServiceHarness
from propdesk_services.access.service import AccessService
from propdesk_services.billing.service import BillingService
from propdesk_services.tickets.service import TicketsService

MO = "MO-20261123-0001"
REQUESTED = {"move_out_id": MO, "unit_id": demo.DEMO_HAPPY_UNIT, "tenant_id": demo.DEMO_HAPPY_TENANT,
             "owner_id": f"OWN-{demo.DEMO_HAPPY_UNIT}", "owner_consent_doc": "客户同意函", "exit_date": "2026-11-30",
             "fitout_disposition": "restore"}


def test_tickets_offers_the_inspection_until_it_passed():
    app = ServiceHarness(TicketsService)
    app.deliver(app.event("move_out.requested", REQUESTED, correlation_id=MO))
    assert app.query("allowed_actions", "move_out_inspection", MO, "engineering") == [
        "record_inspection", "record_supply_cut"]
    assert app.query("allowed_actions", "move_out_inspection", MO, "front_desk") == []
    app.command("record_inspection", {"move_out_id": MO, "passed": True, "defects": []},
                {"id": "eng-zhao", "role": "engineering"})
    # the final meter readings and the supply cut (METERS_READ_AND_CUT) stay to do, once
    assert app.query("allowed_actions", "move_out_inspection", MO, "engineering") == ["record_supply_cut"]


def test_billing_offers_a_payment_for_a_unit_with_a_fee_account():
    app = ServiceHarness(BillingService, demo=True)
    assert app.query("allowed_actions", "unit", demo.DEMO_ARREARS_UNIT, "cashier") == ["record_payment"]
    assert app.query("allowed_actions", "unit", demo.DEMO_ARREARS_UNIT, "security") == []
    with pytest.raises(NotFound):
        app.query("allowed_actions", "unit", "9-9-999", "cashier")


def test_access_offers_the_gate_release_once_a_slip_is_out_and_only_once():
    app = ServiceHarness(AccessService)
    app.deliver(app.event("move_out.requested", REQUESTED, correlation_id=MO))
    assert app.query("allowed_actions", "release_hold", MO, "security") == []
    app.deliver(app.event("billing.clearance_confirmed", {
        "unit_id": demo.DEMO_HAPPY_UNIT, "party_id": None, "move_out_id": MO, "outstanding_amount": "0.00",
        "as_of": app.clock.now().isoformat()}, correlation_id=MO))
    app.deliver(app.event("move_out.release_approved", {
        "move_out_id": MO, "unit_id": demo.DEMO_HAPPY_UNIT, "owner_written_opinion_ref": "客户同意函"}, correlation_id=MO))
    assert app.query("allowed_actions", "release_hold", MO, "security") == ["release_at_gate"]
    assert app.query("allowed_actions", "release_hold", MO, "front_desk") == []
    slip = app.query("get_release_hold", MO)["slip_no"]
    app.command("release_at_gate", {"slip_no": slip}, {"id": "sec-sun", "role": "security"})
    assert app.query("allowed_actions", "release_hold", MO, "security") == []
