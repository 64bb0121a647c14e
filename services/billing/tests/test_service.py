"""The billing service against the real broker: payments and move-out fee clearance (费用结清)."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from propdesk import demo
from propdesk.chassis import metrics
from propdesk.chassis.db import audit_trail
from propdesk.chassis.tables import AuditRow, InboxRow, OutboxRow
from propdesk.contracts.envelope import Actor, Envelope, new_id, utcnow
from propdesk.errors import Forbidden, NotFound, ValidationError
from propdesk_services.billing import models
from propdesk_services.billing.service import BillingService
from tests.helpers import call, collector, events_in, publish_raw, wait_for

CASHIER = {"id": "fin-03", "role": "finance"}
COUNTER = {"id": "fd-01", "role": "front_desk"}
ARREARS_UNIT, ARREARS_TENANT = demo.DEMO_ARREARS_UNIT, demo.DEMO_ARREARS_TENANT
ARREARS = f"{demo.DEMO_ARREARS_AMOUNT:.2f}"  # both months unpaid: "392.60"
CLEARANCE_EVENTS = ("billing.clearance_confirmed", "billing.clearance_failed")


@pytest.fixture
def billing(start_service, propdesk_env):
    container = start_service(BillingService)
    with db(propdesk_env) as s:
        BillingService.load_demo(s)
        s.commit()
    return container


def db(env) -> Session:
    return Session(create_engine(env.db_url("billing")))


def move_out_requested(move_out_id: str, unit_id: str, tenant_id: str) -> Envelope:
    return Envelope(new_id(), "move_out.requested", 1, utcnow(), "residents", move_out_id, None,
                    Actor("cs-02", "cs_assistant"),
                    {"move_out_id": move_out_id, "unit_id": unit_id, "tenant_id": tenant_id,
                     "owner_id": f"OWN-{unit_id}", "owner_consent_doc": "DOC-1", "exit_date": "2026-11-30",
                     "fitout_disposition": "restore"})


def publish(env, envelope: Envelope) -> None:
    publish_raw(env.amqp_uri, envelope.to_json_dict(), envelope.event_type)


def clearance(env, move_out_id: str):
    with db(env) as s:
        return s.get(models.ClearanceRequest, move_out_id)


def request_clearance(env, move_out_id: str, unit_id: str = ARREARS_UNIT, tenant_id: str = ARREARS_TENANT):
    publish(env, move_out_requested(move_out_id, unit_id, tenant_id))
    return wait_for(lambda: clearance(env, move_out_id), what=f"the clearance of {move_out_id}")


def all_published(env) -> bool:
    with db(env) as s:
        return s.scalar(select(func.count()).select_from(OutboxRow).where(OutboxRow.published_at.is_(None))) == 0


def outbox(env, correlation_id: str) -> list[str]:
    with db(env) as s:
        return list(s.scalars(select(OutboxRow.event_type).where(OutboxRow.correlation_id == correlation_id)
                              .order_by(OutboxRow.id)))


def snapshot(env) -> tuple:
    with db(env) as s:
        return (s.scalar(select(func.count()).select_from(models.Payment)),
                s.scalar(select(func.count()).select_from(OutboxRow)),
                s.scalar(select(func.count()).select_from(AuditRow)),
                tuple((c.move_out_id, c.status, c.last_outstanding)
                      for c in s.scalars(select(models.ClearanceRequest).order_by(models.ClearanceRequest.move_out_id))))


def payment(amount="392.60", receipt_no="SK-T-0001", **extra) -> dict:
    return {"unit_id": ARREARS_UNIT, "amount": amount, "method": "cash", "receipt_no": receipt_no, **extra}


def problems(exc: ValidationError) -> set[tuple[str, str]]:
    return {(p.field, p.rule) for p in exc.problems}


# -- move_out.requested -> fee clearance ---------------------------------------------------------

def test_a_move_out_of_a_unit_in_arrears_fails_clearance_with_the_amount(billing, propdesk_env):
    q = collector(propdesk_env.amqp_uri, *CLEARANCE_EVENTS)
    req = request_clearance(propdesk_env, "MO-1")
    assert (req.unit_id, req.party_id, req.status, req.last_outstanding) == \
        (ARREARS_UNIT, ARREARS_TENANT, "pending", Decimal(ARREARS))

    [event] = wait_for(lambda: events_in(propdesk_env.amqp_uri, q), what="the clearance answer")
    assert (event["event_type"], event["correlation_id"], event["producer"]) == \
        ("billing.clearance_failed", "MO-1", "billing")
    payload = event["payload"]
    assert (payload["unit_id"], payload["party_id"], payload["move_out_id"], payload["outstanding_amount"]) == \
        (ARREARS_UNIT, ARREARS_TENANT, "MO-1", ARREARS)
    with db(propdesk_env) as s:
        [audit] = audit_trail(s, object_id="MO-1")
    assert (audit["action"], audit["details"]["outstanding"], audit["details"]["status"]) == \
        ("clearance.check", ARREARS, "pending")


def test_a_move_out_of_a_paid_up_unit_is_cleared(billing, propdesk_env):
    q = collector(propdesk_env.amqp_uri, *CLEARANCE_EVENTS)
    req = request_clearance(propdesk_env, "MO-2", demo.DEMO_HAPPY_UNIT, demo.DEMO_HAPPY_TENANT)
    assert req.status == "confirmed"
    [event] = wait_for(lambda: events_in(propdesk_env.amqp_uri, q), what="the clearance answer")
    assert (event["event_type"], event["correlation_id"]) == ("billing.clearance_confirmed", "MO-2")
    assert (event["payload"]["outstanding_amount"], event["payload"]["party_id"]) == ("0.00", demo.DEMO_HAPPY_TENANT)


def test_the_same_move_out_twice_is_checked_once(billing, propdesk_env):
    q = collector(propdesk_env.amqp_uri, *CLEARANCE_EVENTS)
    envelope = move_out_requested("MO-3", ARREARS_UNIT, ARREARS_TENANT)
    dup_metric = metrics.INBOX_DUPLICATES.labels("billing", "billing.on_move_out_requested")
    dups_before = dup_metric._value.get()
    publish(propdesk_env, envelope)
    publish(propdesk_env, envelope)                                                 # redelivered: inbox
    publish(propdesk_env, move_out_requested("MO-3", ARREARS_UNIT, ARREARS_TENANT))  # announced again

    def both_processed():
        with db(propdesk_env) as s:
            return s.scalar(select(func.count()).select_from(InboxRow)) == 2
    wait_for(both_processed, what="both distinct events to be processed")
    wait_for(lambda: dup_metric._value.get() == dups_before + 1, what="the duplicate delivery to be skipped")
    assert outbox(propdesk_env, "MO-3") == ["billing.clearance_failed"]
    wait_for(lambda: all_published(propdesk_env), what="the outbox to drain")
    assert len(wait_for(lambda: events_in(propdesk_env.amqp_uri, q), what="the answer")) == 1
    with db(propdesk_env) as s:
        assert len(audit_trail(s, object_id="MO-3")) == 1


# -- record_payment ----------------------------------------------------------------------------

def test_paying_the_full_amount_confirms_the_pending_clearance(billing, propdesk_env):
    request_clearance(propdesk_env, "MO-4")
    q = collector(propdesk_env.amqp_uri, "payment.received", *CLEARANCE_EVENTS)

    out = call(billing, "record_payment", payment(392.6, party_id=ARREARS_TENANT), actor=COUNTER)

    paid = out["payment"]
    assert (paid["unit_id"], paid["party_id"], paid["amount"], paid["method"], paid["receipt_no"], paid["recorded_by"]) == \
        (ARREARS_UNIT, ARREARS_TENANT, ARREARS, "cash", "SK-T-0001", "fd-01")
    assert out["balance"] == {"unit_id": ARREARS_UNIT, "outstanding": "0.00"}
    assert [(c["move_out_id"], c["status"], c["outstanding"]) for c in out["clearances"]] == [("MO-4", "confirmed", "0.00")]
    assert clearance(propdesk_env, "MO-4").status == "confirmed"

    events = wait_for(lambda: len(events_in(propdesk_env.amqp_uri, q)) == 2 and events_in(propdesk_env.amqp_uri, q),
                      what="payment.received and clearance_confirmed")
    assert [(e["event_type"], e["correlation_id"], e["actor"]["id"]) for e in events] == \
        [("payment.received", "MO-4", "fd-01"), ("billing.clearance_confirmed", "MO-4", "fd-01")]
    assert events[0]["payload"] == {"payment_id": paid["payment_id"], "party_id": ARREARS_TENANT,
                                    "unit_id": ARREARS_UNIT, "amount": ARREARS, "method": "cash",
                                    "receipt_no": "SK-T-0001", "matched_bank_slip": None}
    assert (events[1]["payload"]["move_out_id"], events[1]["payload"]["outstanding_amount"],
            events[1]["payload"]["party_id"]) == ("MO-4", "0.00", ARREARS_TENANT)

    balance = call(billing, "get_balance", ARREARS_UNIT)
    assert balance["outstanding"] == "0.00" and balance["payments"][-1] == paid
    with db(propdesk_env) as s:
        trail = audit_trail(s, correlation_id="MO-4")
    assert [(a["action"], a["actor"]["id"]) for a in trail] == \
        [("clearance.check", "billing"), ("payment.record", "fd-01"), ("clearance.confirm", "fd-01")]


def test_a_partial_payment_does_not_confirm_the_clearance(billing, propdesk_env):
    request_clearance(propdesk_env, "MO-5")
    q = collector(propdesk_env.amqp_uri, "payment.received", *CLEARANCE_EVENTS)

    out = call(billing, "record_payment", payment("196.30"), actor=CASHIER)
    assert out["balance"]["outstanding"] == "196.30"
    assert [(c["move_out_id"], c["status"], c["outstanding"]) for c in out["clearances"]] == [("MO-5", "pending", "196.30")]
    req = clearance(propdesk_env, "MO-5")
    assert (req.status, req.last_outstanding) == ("pending", Decimal("196.30"))
    assert outbox(propdesk_env, "MO-5") == ["billing.clearance_failed", "payment.received"]
    wait_for(lambda: all_published(propdesk_env), what="the outbox to drain")
    assert [e["event_type"] for e in wait_for(lambda: events_in(propdesk_env.amqp_uri, q), what="payment.received")] == \
        ["payment.received"]
    with db(propdesk_env) as s:
        assert audit_trail(s, object_id="MO-5")[-1]["action"] == "clearance.recheck"

    out = call(billing, "record_payment", payment("196.30", receipt_no="SK-T-0002"), actor=CASHIER)
    assert [(c["move_out_id"], c["status"]) for c in out["clearances"]] == [("MO-5", "confirmed")]
    assert outbox(propdesk_env, "MO-5")[-2:] == ["payment.received", "billing.clearance_confirmed"]


def test_a_payment_with_no_move_out_pending_carries_its_own_id(billing, propdesk_env):
    q = collector(propdesk_env.amqp_uri, "payment.received", *CLEARANCE_EVENTS)
    out = call(billing, "record_payment", {"unit_id": "T1-24F", "amount": "11844.00", "method": "bank",
                                           "receipt_no": "SK-T-0003"}, actor=CASHIER)
    assert out["clearances"] == [] and out["payment"]["party_id"] is None
    [event] = wait_for(lambda: events_in(propdesk_env.amqp_uri, q), what="payment.received")
    assert (event["event_type"], event["correlation_id"]) == ("payment.received", out["payment"]["payment_id"])
    with db(propdesk_env) as s:
        [audit] = audit_trail(s, object_id=out["payment"]["payment_id"])
    assert (audit["action"], audit["actor"]) == ("payment.record", CASHIER)


def test_a_duplicate_receipt_is_rejected_and_changes_nothing(billing, propdesk_env):
    request_clearance(propdesk_env, "MO-6")
    call(billing, "record_payment", payment("100.00"), actor=CASHIER)
    before, balance = snapshot(propdesk_env), call(billing, "get_balance", ARREARS_UNIT)
    with pytest.raises(ValidationError) as err:
        call(billing, "record_payment", payment("292.60"), actor=CASHIER)
    assert problems(err.value) == {("receipt_no", "duplicate_receipt")}
    with pytest.raises(ValidationError) as err:
        call(billing, "record_payment", payment("100.00", receipt_no=" SK-T-0001 "), actor=COUNTER)
    assert problems(err.value) == {("receipt_no", "duplicate_receipt")}
    assert snapshot(propdesk_env) == before
    assert call(billing, "get_balance", ARREARS_UNIT) == balance


@pytest.mark.parametrize("amount, rule", [
    (0, "positive_amount"),
    ("0.00", "positive_amount"),
    ("-50.00", "positive_amount"),
    (-1, "positive_amount"),
    ("10.005", "max_2_decimals"),
    (0.125, "max_2_decimals"),
    ("abc", "decimal"),
    ("", "required"),
    (None, "required"),
    ("12345678901234567890.01", "max_amount"),  # would be stored as ...567168.00: over Numeric(12, 2)
    ("1e30", "max_amount"),  # was a decimal.InvalidOperation (a 500), not a named rule
])
def test_a_bad_amount_is_rejected_and_changes_nothing(billing, propdesk_env, amount, rule):
    request_clearance(propdesk_env, "MO-7")
    before = snapshot(propdesk_env)
    with pytest.raises(ValidationError) as err:
        call(billing, "record_payment", payment(amount), actor=CASHIER)
    assert problems(err.value) == {("amount", rule)}
    assert snapshot(propdesk_env) == before


@pytest.mark.parametrize("change, expected", [
    ({"unit_id": "9-9-999"}, {("unit_id", "unknown_unit")}),
    ({"method": "card"}, {("method", "one_of")}),
    ({"receipt_no": "  "}, {("receipt_no", "required")}),
    ({"receipt_no": None, "method": None}, {("receipt_no", "required"), ("method", "one_of")}),
    ({"unit_id": None}, {("unit_id", "not_null")}),
    ({"tip": "5.00"}, {("tip", "unknown_field")}),
])
def test_a_bad_payment_is_rejected_naming_each_field(billing, propdesk_env, change, expected):
    before = snapshot(propdesk_env)
    with pytest.raises(ValidationError) as err:
        call(billing, "record_payment", {**payment(), **change}, actor=CASHIER)
    assert problems(err.value) == expected
    assert snapshot(propdesk_env) == before


def test_only_finance_and_the_front_desk_take_payments(billing, propdesk_env):
    before = snapshot(propdesk_env)
    for role in ("security", "engineering", "cs_assistant"):
        with pytest.raises(Forbidden):
            call(billing, "record_payment", payment(), actor={"id": "x-1", "role": role})
    with pytest.raises(ValidationError) as err:
        call(billing, "record_payment", payment(), actor={"role": "finance"})
    assert problems(err.value) == {("actor.id", "required")}
    assert snapshot(propdesk_env) == before


# -- reads and demo ------------------------------------------------------------------------------

def test_balance_of_a_unit(billing, propdesk_env):
    balance = call(billing, "get_balance", ARREARS_UNIT)
    assert balance["unit_id"] == ARREARS_UNIT and balance["outstanding"] == ARREARS
    assert balance["charges"] == [{"period": "2026-09", "item": "property_fee", "amount": "196.30"},
                                  {"period": "2026-10", "item": "property_fee", "amount": "196.30"}]
    assert balance["payments"] == []
    happy = call(billing, "get_balance", demo.DEMO_HAPPY_UNIT)
    assert happy["outstanding"] == "0.00" and [p["period"] for p in happy["payments"]] == ["2026-09", "2026-10"]
    assert happy["payments"][0]["received_at"] == "2026-09-20T02:00:00+00:00"
    with pytest.raises(NotFound) as unknown:
        call(billing, "get_balance", "9-9-999")
    assert (unknown.value.field, unknown.value.rule) == ("unit_id", "exists")


def test_arrears_list_matches_the_demo_and_follows_payments(billing, propdesk_env):
    expected = [{"unit_id": u, "outstanding": f"{a:.2f}"} for u, a in sorted(demo.outstanding_by_unit().items())]
    assert call(billing, "list_arrears") == expected
    call(billing, "record_payment", payment(ARREARS), actor=CASHIER)
    assert call(billing, "list_arrears") == [e for e in expected if e["unit_id"] != ARREARS_UNIT]


def test_demo_loads_once(billing, propdesk_env):
    with db(propdesk_env) as s:
        assert BillingService.load_demo(s) == "charges already loaded"
        assert s.scalar(select(func.count()).select_from(models.Charge)) == len(demo.charges())
        assert s.scalar(select(func.count()).select_from(models.Payment)) == len(demo.payments())
