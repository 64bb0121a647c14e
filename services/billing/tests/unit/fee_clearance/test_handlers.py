"""The fee clearance (费用结清) on the harness: the check on ``move_out.requested``, once per
move-out, and its re-check by a payment (confirmed once settled, never re-announced as failed)."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from propdesk_services.billing.workflows.fee_clearance.handlers import on_move_out_requested
from propdesk_services.billing.tests.unit.support import (
    ARREARS, ARREARS_TENANT, ARREARS_UNIT, CASHIER, CLEARANCE_EVENTS, HAPPY_TENANT, HAPPY_UNIT, clearance,
    move_out_requested, outbox, payment, request_clearance, trail, without_metered_tariffs,
)


@pytest.fixture
def app(app):
    """No water or electricity tariff in force: the fee check is decided at once on the request
    (a metered unit's check waits for the final readings: test_supply_cut.py)."""
    return without_metered_tariffs(app)


# -- move_out.requested -> the fee check ---------------------------------------------------------------
def test_a_move_out_of_a_unit_in_arrears_fails_clearance_with_the_amount(app):
    req = request_clearance(app, "MO-1")
    assert (req.unit_id, req.party_id, req.status, req.last_outstanding) == \
        (ARREARS_UNIT, ARREARS_TENANT, "pending", Decimal(ARREARS))

    [event] = app.events()
    assert (event.event_type, event.correlation_id, event.producer, event.actor.as_dict()) == \
        ("billing.clearance_failed", "MO-1", "billing", {"id": "billing", "role": "system"})
    assert event.payload == {"unit_id": ARREARS_UNIT, "estate": "E1", "party_id": ARREARS_TENANT, "move_out_id": "MO-1",
                             "outstanding_amount": ARREARS, "as_of": app.clock.now().isoformat()}
    [audit] = trail(app, object_id="MO-1")
    assert (audit["action"], audit["actor"]["id"], audit["details"]) == \
        ("clearance.check", "billing", {"unit_id": ARREARS_UNIT, "outstanding": ARREARS, "status": "pending"})


def test_a_move_out_of_a_paid_up_unit_is_cleared(app):
    req = request_clearance(app, "MO-2", HAPPY_UNIT, HAPPY_TENANT)
    assert (req.status, req.last_outstanding) == ("confirmed", Decimal("0.00"))
    [event] = app.events()
    assert (event.event_type, event.correlation_id) == ("billing.clearance_confirmed", "MO-2")
    assert (event.payload["outstanding_amount"], event.payload["party_id"]) == ("0.00", HAPPY_TENANT)


def test_a_unit_without_a_fee_account_owes_nothing_and_is_cleared(app):
    req = request_clearance(app, "MO-9", "9-9-999", "TEN-9-9-999")
    assert req.status == "confirmed"
    assert [e.event_type for e in app.events()] == ["billing.clearance_confirmed"]


def test_the_same_move_out_twice_is_checked_once(app):
    envelope = move_out_requested(app, "MO-3")
    assert app.deliver(envelope) == [on_move_out_requested.__name__]
    assert app.deliver(envelope) == []                                  # redelivered: the inbox absorbs it
    assert app.deliver(move_out_requested(app, "MO-3")) == [on_move_out_requested.__name__]  # announced again
    assert outbox(app, "MO-3") == ["billing.clearance_failed"]
    assert len(trail(app, object_id="MO-3")) == 1


# -- a payment re-checks the pending clearances --------------------------------------------------------
def test_paying_the_full_amount_confirms_the_pending_clearance(app):
    request_clearance(app, "MO-4")
    app.clock.advance(hours=1)

    out = app.command("record_payment", payment(392.6, party_id=ARREARS_TENANT), CASHIER)

    paid = out["payment"]
    assert (paid["unit_id"], paid["party_id"], paid["amount"], paid["method"], paid["receipt_no"], paid["recorded_by"]) == \
        (ARREARS_UNIT, ARREARS_TENANT, ARREARS, "cash", "SK-T-0001", "fin-03")
    assert out["balance"] == {"unit_id": ARREARS_UNIT, "estate": "E1", "outstanding": "0.00"}
    assert [(c["move_out_id"], c["status"], c["outstanding"]) for c in out["clearances"]] == [("MO-4", "confirmed", "0.00")]
    assert clearance(app, "MO-4").status == "confirmed"

    events = app.events()[1:]
    assert [(e.event_type, e.correlation_id, e.actor.id) for e in events] == \
        [("payment.received", "MO-4", "fin-03"), ("billing.clearance_confirmed", "MO-4", "fin-03")]
    assert events[0].payload == {"payment_id": paid["payment_id"], "party_id": ARREARS_TENANT,
                                 "unit_id": ARREARS_UNIT, "estate": "E1", "amount": ARREARS, "method": "cash",
                                 "receipt_no": "SK-T-0001", "matched_bank_slip": None, "prepaid_amount": "0.00"}
    assert (events[1].payload["move_out_id"], events[1].payload["outstanding_amount"],
            events[1].payload["party_id"], events[1].payload["as_of"]) == \
        ("MO-4", "0.00", ARREARS_TENANT, app.clock.now().isoformat())

    balance = app.query("get_balance", ARREARS_UNIT)
    assert balance["outstanding"] == "0.00" and balance["payments"][-1] == paid
    assert [(a["action"], a["actor"]["id"]) for a in trail(app, correlation_id="MO-4")] == \
        [("clearance.check", "billing"), ("payment.record", "fin-03"), ("clearance.confirm", "fin-03")]


def test_a_partial_payment_does_not_confirm_the_clearance(app):
    request_clearance(app, "MO-5")

    out = app.command("record_payment", payment("196.30"), CASHIER)
    assert out["balance"]["outstanding"] == "196.30"
    assert [(c["move_out_id"], c["status"], c["outstanding"]) for c in out["clearances"]] == [("MO-5", "pending", "196.30")]
    req = clearance(app, "MO-5")
    assert (req.status, req.last_outstanding) == ("pending", Decimal("196.30"))
    assert outbox(app, "MO-5") == ["billing.clearance_failed", "payment.received"]  # no second failure
    last = trail(app, object_id="MO-5")[-1]
    assert (last["action"], last["details"]["outstanding"]) == ("clearance.recheck", "196.30")

    out = app.command("record_payment", payment("196.30", receipt_no="SK-T-0002"), CASHIER)
    assert [(c["move_out_id"], c["status"]) for c in out["clearances"]] == [("MO-5", "confirmed")]
    assert outbox(app, "MO-5")[-2:] == ["payment.received", "billing.clearance_confirmed"]


def test_a_confirmed_clearance_is_not_checked_again_by_a_later_payment(app):
    request_clearance(app, "MO-6")
    app.command("record_payment", payment(), CASHIER)
    events_before = len(app.events())
    out = app.command("record_payment", payment("10.00", receipt_no="SK-T-0009"), CASHIER)
    assert out["clearances"] == []
    assert [e.event_type for e in app.events()[events_before:]] == ["payment.received"]
    assert app.events()[-1].correlation_id == out["payment"]["payment_id"]


def test_every_pending_clearance_of_the_unit_is_rechecked_oldest_first(app):
    request_clearance(app, "MO-7")
    app.clock.advance(minutes=5)
    request_clearance(app, "MO-8")
    out = app.command("record_payment", payment(), CASHIER)
    assert [(c["move_out_id"], c["status"]) for c in out["clearances"]] == [("MO-7", "confirmed"), ("MO-8", "confirmed")]
    assert app.events("payment.received")[0].correlation_id == "MO-7"  # the oldest case it settles
    assert [e.correlation_id for e in app.events("billing.clearance_confirmed")] == ["MO-7", "MO-8"]
    assert [e.event_type for e in app.events() if e.event_type in CLEARANCE_EVENTS].count("billing.clearance_failed") == 2


def test_the_clearance_answer_carries_the_time_of_the_check(app):
    request_clearance(app, "MO-10")
    app.clock.advance(days=1)
    app.command("record_payment", payment(), CASHIER)
    failed, confirmed = app.events("billing.clearance_failed")[0], app.events("billing.clearance_confirmed")[0]
    assert confirmed.occurred_at - failed.occurred_at == timedelta(days=1)
    assert clearance(app, "MO-10").updated_at.replace(tzinfo=None) == app.clock.now().replace(tzinfo=None)


# -- move_out.withdrawn -> the clearance is closed ---------------------------------------------------------
def withdrawn(app, move_out_id: str, unit_id: str = ARREARS_UNIT):
    return app.event("move_out.withdrawn", {"move_out_id": move_out_id, "unit_id": unit_id, "reason": "租户续租",
                                            "withdrawn_at": app.clock.now().isoformat()}, correlation_id=move_out_id)


def test_a_withdrawn_move_out_is_not_confirmed_by_a_later_payment(app):
    """The browser flow found it: a payment after the withdrawal was credited to the withdrawn
    case (its clearance confirmed and announced on the case's timeline)."""
    request_clearance(app, "MO-20")
    assert app.deliver(withdrawn(app, "MO-20")) == ["on_move_out_withdrawn"]
    assert clearance(app, "MO-20").status == "withdrawn"
    app.command("record_payment", payment(392.6, party_id=ARREARS_TENANT), CASHIER)
    assert clearance(app, "MO-20").status == "withdrawn"
    assert outbox(app, "MO-20") == ["billing.clearance_failed"]
    assert [a["action"] for a in trail(app, object_id="MO-20")] == ["clearance.check", "clearance.withdraw"]


def test_a_withdrawal_that_overtakes_the_request_closes_the_clearance_before_it_is_checked(app):
    app.deliver(withdrawn(app, "MO-21"))
    assert clearance(app, "MO-21").status == "withdrawn"
    app.deliver(move_out_requested(app, "MO-21"))  # arrives late: nothing to check, nothing announced
    assert outbox(app, "MO-21") == []


def test_a_confirmed_clearance_stays_confirmed_when_the_move_out_is_withdrawn(app):
    request_clearance(app, "MO-22", HAPPY_UNIT, HAPPY_TENANT)
    app.deliver(withdrawn(app, "MO-22", HAPPY_UNIT))
    assert clearance(app, "MO-22").status == "confirmed"
