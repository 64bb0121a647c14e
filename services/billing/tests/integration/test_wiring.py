"""billing against the real broker: every row of its tables reachable (RPC over RabbitMQ, the
``move_out.requested`` queue, its events published by the relay), and what only a broker shows
(an event delivered twice, one idempotency key submitted concurrently). The rules are the unit
tier's (tests/unit/)."""
from __future__ import annotations

import json
from decimal import Decimal

import pytest
from nameko.exceptions import RemoteError
from nameko.standalone.rpc import ClusterRpcProxy
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from propdesk import demo
from propdesk.chassis import metrics
from propdesk.chassis.db import audit_trail
from propdesk.chassis.workflow import queries_of
from propdesk.chassis.tables import InboxRow, OutboxRow
from propdesk.contracts.envelope import Actor, Envelope, new_id, utcnow
from propdesk_services.billing import messages
from propdesk_services.billing.service import BillingService
from propdesk_services.billing.workflows.fee_clearance.models import ClearanceRequest
from tests import idempotency_checks as checks
from tests.helpers import collector, events_in, publish_raw, wait_for

CASHIER = {"id": "fin-03", "role": "cashier"}
ARREARS_UNIT, ARREARS_TENANT = demo.DEMO_ARREARS_UNIT, demo.DEMO_ARREARS_TENANT
ARREARS = f"{demo.DEMO_ARREARS_AMOUNT:.2f}"
CLEARANCE_EVENTS = ("billing.clearance_confirmed", "billing.clearance_failed")


@pytest.fixture
def billing(start_service, propdesk_env):
    container = start_service(BillingService)
    with db(propdesk_env) as s:
        BillingService.load_demo(s)
        s.commit()
    return container


@pytest.fixture
def rpc(billing, propdesk_env):
    with ClusterRpcProxy({"AMQP_URI": propdesk_env.amqp_uri}, timeout=30) as proxy:
        yield proxy.billing


def db(env) -> Session:
    return Session(create_engine(env.db_url("billing")))


def move_out_requested(move_out_id: str, unit_id: str = ARREARS_UNIT, tenant_id: str = ARREARS_TENANT) -> Envelope:
    return Envelope(new_id(), "move_out.requested", 1, utcnow(), "residents", move_out_id, None,
                    Actor("cs-02", "cs_assistant"),
                    {"move_out_id": move_out_id, "unit_id": unit_id, "tenant_id": tenant_id,
                     "owner_id": f"OWN-{unit_id}", "owner_consent_doc": "DOC-1", "exit_date": "2026-11-30",
                     "fitout_disposition": "restore"})


def supply_cut(move_out_id: str, unit_id: str = ARREARS_UNIT, readings: dict | None = None) -> Envelope:
    """Engineering's ``unit.supply_cut``: a metered unit's fee check is decided once it is in."""
    at = utcnow().isoformat()
    readings = readings or {}
    return Envelope(new_id(), "unit.supply_cut", 1, utcnow(), "tickets", move_out_id, None,
                    Actor("eng-01", "engineering"),
                    {"move_out_id": move_out_id, "work_order_no": "WO-1", "unit_id": unit_id,
                     "utilities": [*readings, "ac"], "at": at,
                     "final_readings": [{"meter": m, "reading": v, "read_at": at} for m, v in readings.items()]})


def publish(env, envelope: Envelope) -> None:
    publish_raw(env.amqp_uri, envelope.to_json_dict(), envelope.event_type)


def clearance(env, move_out_id: str):
    with db(env) as s:
        return s.get(ClearanceRequest, move_out_id)


def payment(amount: str = ARREARS, receipt_no: str = "SK-T-0001") -> dict:
    return {"unit_id": ARREARS_UNIT, "amount": amount, "method": "cash", "receipt_no": receipt_no}


CYCLE_COMMANDS = {"set_fee_schedule", "set_billed_unit", "record_meter_reading", "import_meter_readings",
                  "correct_meter_reading", "accept_meter_reading", "supersede_meter_reading", "start_billing_run",
                  "review_billing_run", "redraft_billing_run", "issue_billing_run", "confirm_notice_delivery",
                  "add_one_off_charge", "confirm_dunning_delivery"}
CYCLE_QUERIES = {"get_fee_schedule", "list_fee_schedules", "get_billed_unit", "get_meter_reading",
                 "list_meter_readings", "get_billing_run", "list_billing_runs", "get_fee_notice", "list_fee_notices",
                 "get_dunning_notice", "list_dunning_notices", "print_fee_notice", "print_dunning_notice"}
#: payments, receipts, bank statements, deposits, arrears reports (issue #10 §3-§4)
MONEY_COMMANDS = {"reverse_payment", "import_bank_statement", "book_bank_line", "dismiss_bank_line", "take_deposit",
                  "request_deposit_refund", "deduct_from_deposit", "refund_deposit"}
MONEY_QUERIES = {"get_receipt", "list_receipts", "get_bank_statement", "list_bank_statements", "get_bank_line",
                 "list_bank_lines", "get_deposit", "list_deposits", "arrears_detail", "arrears_summary",
                 "collection_rate", "export_arrears_xlsx"}


def test_the_tables_are_the_rows_reached_here():
    assert set(messages.COMMANDS) == {"record_payment"} | CYCLE_COMMANDS | MONEY_COMMANDS
    assert set(queries_of(messages, "billing")) == {"get_balance", "list_arrears", "allowed_actions",
                                                    "describe_commands", "list_audit", "describe_records",
                                                    "work_queues"} | CYCLE_QUERIES | MONEY_QUERIES
    assert {t: [h.__name__ for h in hs] for t, hs in messages.SUBSCRIPTIONS.items()} == {
        "move_out.requested": ["on_move_out_requested"], "move_out.withdrawn": ["on_move_out_withdrawn"],
        "repair.charge_requested": ["on_repair_charge_requested"], "unit.supply_cut": ["on_unit_supply_cut"]}
    assert set(messages.TIMERS) == {"advance_billing_runs", "issue_dunning_notices"}


def test_a_fee_clearance_and_the_payment_that_settles_it_over_the_broker(rpc, propdesk_env):
    q = collector(propdesk_env.amqp_uri, "payment.received", *CLEARANCE_EVENTS)

    publish(propdesk_env, move_out_requested("MO-1"))                    # billing.on_move_out_requested
    wait_for(lambda: clearance(propdesk_env, "MO-1") is not None, what="the fee check, waiting for the meters")
    assert clearance(propdesk_env, "MO-1").status == "awaiting_meters"  # a metered unit: nothing announced yet
    publish(propdesk_env, supply_cut("MO-1"))                            # billing.on_unit_supply_cut decides it
    [failed] = wait_for(lambda: events_in(propdesk_env.amqp_uri, q), what="the clearance answer")
    assert (failed["event_type"], failed["correlation_id"], failed["producer"]) == \
        ("billing.clearance_failed", "MO-1", "billing")
    assert failed["payload"]["outstanding_amount"] == ARREARS
    assert clearance(propdesk_env, "MO-1").status == "pending"

    assert {"unit_id": ARREARS_UNIT, "estate": "E1", "outstanding": ARREARS} in rpc.list_arrears()        # list_arrears
    out = rpc.record_payment(payment(), CASHIER)                                            # record_payment
    assert out["balance"] == {"unit_id": ARREARS_UNIT, "estate": "E1", "outstanding": "0.00"}
    assert [(c["move_out_id"], c["status"]) for c in out["clearances"]] == [("MO-1", "confirmed")]
    balance = rpc.get_balance(ARREARS_UNIT)                                                # get_balance
    assert balance["outstanding"] == "0.00" and balance["payments"][-1] == out["payment"]
    assert ARREARS_UNIT not in {a["unit_id"] for a in rpc.list_arrears()}

    events = wait_for(lambda: len(events_in(propdesk_env.amqp_uri, q)) == 3 and events_in(propdesk_env.amqp_uri, q),
                      what="payment.received and clearance_confirmed")
    assert [(e["event_type"], e["correlation_id"], e["actor"]["id"]) for e in events[1:]] == \
        [("payment.received", "MO-1", "fin-03"), ("billing.clearance_confirmed", "MO-1", "fin-03")]
    with db(propdesk_env) as s:
        assert [(a["action"], a["actor"]["id"]) for a in audit_trail(s, correlation_id="MO-1")] == \
            [("clearance.check", "billing"), ("clearance.final_readings", "billing"), ("clearance.check", "billing"),
             ("payment.record", "fin-03"), ("clearance.confirm", "fin-03")]


def test_the_final_readings_of_a_supply_cut_over_the_broker(rpc, propdesk_env):
    """billing.on_unit_supply_cut: the final reading billed at once, then the metered unit's fee
    check, which waited for it, is decided with it."""
    unit, q = "1-1-102", collector(propdesk_env.amqp_uri, *CLEARANCE_EVENTS)
    owed = rpc.get_balance(unit)["outstanding"]
    if owed != "0.00":
        rpc.record_payment({**payment(owed, "SK-T-0102"), "unit_id": unit}, CASHIER)
    publish(propdesk_env, move_out_requested("MO-SC", unit, "TEN-1-1-102"))
    wait_for(lambda: clearance(propdesk_env, "MO-SC") is not None, what="the fee check, waiting for the meters")
    publish(propdesk_env, supply_cut("MO-SC", unit, {"water": "118"}))
    [decided] = wait_for(lambda: events_in(propdesk_env.amqp_uri, q), what="the fee check decided")
    # November's water read 116 (demo): 2 m³ × ¥4.90
    assert (decided["event_type"], decided["payload"]["outstanding_amount"]) == ("billing.clearance_failed", "9.80")
    [final] = [r for r in rpc.list_meter_readings(None, None, unit) if r["source"] == "final"]
    assert (final["state"], final["consumption"], final["recorded_by"]) == ("billed", "2.00", "eng-01")
    assert len(events_in(propdesk_env.amqp_uri, q)) == 1


def test_a_withdrawal_and_the_generated_queries_over_the_broker(rpc, propdesk_env):
    publish(propdesk_env, move_out_requested("MO-7"))
    wait_for(lambda: clearance(propdesk_env, "MO-7") is not None, what="the fee check")
    withdrawn = Envelope(new_id(), "move_out.withdrawn", 1, utcnow(), "residents", "MO-7", None,
                         Actor("fd-wang", "front_desk"), {"move_out_id": "MO-7", "unit_id": ARREARS_UNIT,
                                                           "reason": "租户续租", "withdrawn_at": utcnow().isoformat()})
    publish(propdesk_env, withdrawn)                                     # billing.on_move_out_withdrawn
    wait_for(lambda: clearance(propdesk_env, "MO-7").status == "withdrawn", what="the check closed")
    assert rpc.allowed_actions("unit", ARREARS_UNIT, "cashier") == ["record_payment"]
    assert rpc.describe_commands()["record_payment"]["roles"] == ["cashier", "counter_staff", "front_desk"]


def test_rejections_cross_the_wire_with_their_rules(rpc):
    with pytest.raises(RemoteError) as err:
        rpc.record_payment(payment("-1"), CASHIER)
    assert err.value.exc_type == "ValidationError"
    with pytest.raises(RemoteError) as err:
        rpc.record_payment(payment(), {"id": "sec-1", "role": "security"})
    assert err.value.exc_type == "Forbidden"
    assert json.loads(err.value.value)["rule"] == "role_not_allowed"
    with pytest.raises(RemoteError) as err:
        rpc.get_balance("9-9-999")
    assert err.value.exc_type == "NotFound"
    assert json.loads(err.value.value)["rule"] == "exists"


def test_the_same_move_out_twice_is_checked_once(rpc, propdesk_env):
    q = collector(propdesk_env.amqp_uri, *CLEARANCE_EVENTS)
    envelope = move_out_requested("MO-3")
    dup_metric = metrics.INBOX_DUPLICATES.labels("billing", "billing.on_move_out_requested")
    dups_before = dup_metric._value.get()
    publish(propdesk_env, envelope)
    publish(propdesk_env, envelope)                             # redelivered: the inbox skips it
    publish(propdesk_env, move_out_requested("MO-3"))           # announced again: the handler skips it

    def both_processed():
        with db(propdesk_env) as s:
            return s.scalar(select(func.count()).select_from(InboxRow)) == 2
    wait_for(both_processed, what="both distinct events to be processed")
    wait_for(lambda: dup_metric._value.get() == dups_before + 1, what="the duplicate delivery to be skipped")
    with db(propdesk_env) as s:
        assert list(s.scalars(select(OutboxRow.event_type).where(OutboxRow.correlation_id == "MO-3"))) == []
        assert len(audit_trail(s, object_id="MO-3")) == 1          # one check, waiting for the meters
    publish(propdesk_env, supply_cut("MO-3"))
    wait_for(lambda: events_in(propdesk_env.amqp_uri, q), what="the one answer")
    assert len(events_in(propdesk_env.amqp_uri, q)) == 1


def test_the_same_payment_submitted_at_once_is_recorded_once(billing, propdesk_env):
    checks.concurrent_duplicates(billing, "record_payment", (payment("100.00", "R-IDEM-0001"), CASHIER), {},
                                 propdesk_env.db_url("billing"), "payment")


SUPERVISOR = {"id": "fin-sup", "role": "finance_supervisor"}
CYCLE_CASHIER = {"id": "fin-cash", "role": "cashier"}
ENGINEER = {"id": "eng-01", "role": "engineering"}
CS = {"id": "cs-01", "role": "cs_assistant"}


def test_the_monthly_cycle_over_the_broker(rpc, propdesk_env):
    """Every row of the monthly fee cycle reached once (the rules are the unit tier's); the timer
    drafts and issues the run in the running service."""
    import base64
    from propdesk.chassis.calendar import office_today

    q = collector(propdesk_env.amqp_uri, "billing.notices_issued", "billing.notice_delivered", "paid_service.charged")
    today = office_today()  # the office's day (Asia/Shanghai), as the service counts periods: not UTC's
    period = f"{today.year:04d}-{today.month:02d}"
    schedule = rpc.set_fee_schedule({"estate": "E1", "unit_kind": "residential", "item": "rent", "basis": "fixed",
                                     "unit_price": "0", "effective_from": period}, SUPERVISOR)
    assert rpc.get_fee_schedule(schedule["schedule_id"])["item"] == "rent"
    assert schedule["schedule_id"] in {s["schedule_id"] for s in rpc.list_fee_schedules("E1", None, "rent")}
    rpc.set_billed_unit({"unit_id": "3-2-1801", "estate": "E1", "kind": "residential", "area_m2": "88.00"}, SUPERVISOR)
    assert rpc.get_billed_unit("3-2-1801")["area_m2"] == "88.00"
    before = f"{today.year - (today.month == 1):04d}-{12 if today.month == 1 else today.month - 1:02d}"
    rpc.record_meter_reading({"unit_id": "3-2-1801", "meter": "water", "period": before, "reading": "5"}, ENGINEER)
    reading = rpc.record_meter_reading({"unit_id": "3-2-1801", "meter": "water", "period": period, "reading": "10"},
                                       ENGINEER)
    assert rpc.get_meter_reading(reading["reading_id"])["state"] == "ok"
    csv = base64.b64encode("单元,表类,读数\n3-2-1801,电,100\n".encode()).decode()
    assert rpc.import_meter_readings({"period": period, "filename": "m.csv", "content_base64": csv}, ENGINEER)["recorded"] == 1
    assert len(rpc.list_meter_readings(period, None, "3-2-1801")) == 2
    rpc.correct_meter_reading({"reading_id": reading["reading_id"], "reading": "11", "note": "重读"}, ENGINEER)
    with pytest.raises(RemoteError) as err:
        rpc.accept_meter_reading({"reading_id": reading["reading_id"], "note": "ok"}, SUPERVISOR)
    assert json.loads(err.value.value)["rule"] == "not_held"
    with pytest.raises(RemoteError) as err:
        rpc.supersede_meter_reading({"reading_id": reading["reading_id"], "note": "1月读数已计"}, SUPERVISOR)
    assert json.loads(err.value.value)["rule"] == "not_held"
    one_off = rpc.add_one_off_charge({"unit_id": "3-2-1801", "amount": "20", "description": "门禁卡"}, CYCLE_CASHIER)
    assert one_off["source"] == "one_off"
    publish(propdesk_env, Envelope(new_id(), "repair.charge_requested", 1, utcnow(), "tickets", "RP-9", None,
                                   Actor("eng-01", "engineering"),
                                   {"repair_id": "RP-9", "work_order_no": "WO-1", "unit_id": "3-2-1801", "estate": "E1",
                                    "amount": "80.00", "description": "换水龙头", "signed_by": "王先生"}))

    run = rpc.start_billing_run({"period": period, "estate": "E1"}, SUPERVISOR)
    wait_for(lambda: rpc.get_billing_run(run["run_id"])["state"] == "awaiting_review", what="the run drafted", timeout=60)
    wait_for(lambda: any(e["event_type"] == "paid_service.charged" for e in events_in(propdesk_env.amqp_uri, q)),
             what="the repair charged")
    rpc.review_billing_run({"run_id": run["run_id"], "decision": "corrections", "note": "重读水表"}, SUPERVISOR)
    rpc.redraft_billing_run({"run_id": run["run_id"]}, CYCLE_CASHIER)
    wait_for(lambda: rpc.get_billing_run(run["run_id"])["state"] == "awaiting_review", what="drafted again", timeout=60)
    rpc.review_billing_run({"run_id": run["run_id"], "decision": "approve"}, SUPERVISOR)
    rpc.issue_billing_run({"run_id": run["run_id"]}, CYCLE_CASHIER)
    wait_for(lambda: rpc.get_billing_run(run["run_id"])["state"] == "issued", what="the run issued", timeout=60)
    assert run["run_id"] in {r["run_id"] for r in rpc.list_billing_runs(period, None)}
    [notice] = rpc.list_fee_notices(run["run_id"], None, None, "3-2-1801")
    lines = rpc.get_fee_notice(notice["notice_id"])["lines"]
    assert {x["source"] for x in lines} >= {"schedule", "meter", "repair", "one_off"}
    # the database drafted the total (SQLite and PostgreSQL alike): its lines', the ledger's included
    assert Decimal(notice["amount"]) == sum((Decimal(x["amount"]) for x in lines), Decimal("0.00"))
    rpc.confirm_notice_delivery({"notice_id": notice["notice_id"], "signed_by": "王先生"}, CS)
    assert rpc.list_dunning_notices(None, None, None) == []
    with pytest.raises(RemoteError) as err:
        rpc.get_dunning_notice("DN-NONE")
    assert err.value.exc_type == "NotFound"
    with pytest.raises(RemoteError) as err:
        rpc.confirm_dunning_delivery({"dunning_id": "DN-NONE", "signed_by": "x"}, CS)
    assert err.value.exc_type == "NotFound"
    wait_for(lambda: {"billing.notices_issued", "billing.notice_delivered"} <=
             {e["event_type"] for e in events_in(propdesk_env.amqp_uri, q)}, what="the cycle's events")


def test_payments_bank_statements_deposits_and_reports_over_the_broker(rpc, propdesk_env):
    """Every row of issue #10 §3-§4 reached once over the broker (the rules are the unit tier's)."""
    import base64

    paid = rpc.record_payment({"unit_id": "1-2-203", "amount": "196.30", "method": "wechat",
                               "txn_no": "WX-WIRING-1"}, CYCLE_CASHIER)
    pid = paid["payment"]["payment_id"]
    assert rpc.get_receipt(pid)["lines"][0]["period"] == "2026-09"
    assert pid in {r["payment_id"] for r in rpc.list_receipts("1-2-203", None, None)}
    assert rpc.reverse_payment({"payment_id": pid, "reason": "wrong unit"}, SUPERVISOR)["amount"] == "-196.30"

    text = "日期,金额,付款人,摘要,流水号\n2026-11-27,7.77,某甲,x,WIRE-1\n2026-11-27,8.88,某乙,y,WIRE-2\n"
    st = rpc.import_bank_statement({"estate": "E1", "filename": "s.csv", "content": text, "encoding": "text"},
                                   CYCLE_CASHIER)
    assert (st["new_lines"], st["unmatched_lines"]) == (2, 2)
    assert st["statement_id"] in {x["statement_id"] for x in rpc.list_bank_statements()}
    assert len(rpc.get_bank_statement(st["statement_id"])["lines"]) == 2
    first, second = (x["line_id"] for x in rpc.list_bank_lines(None, st["statement_id"]))
    assert rpc.get_bank_line(first)["state"] == "unmatched"
    assert rpc.book_bank_line({"line_id": first, "unit_id": "1-2-203"}, CYCLE_CASHIER)["state"] == "booked"
    assert rpc.dismiss_bank_line({"line_id": second, "reason": "interest"}, CYCLE_CASHIER)["state"] == "dismissed"

    dep = rpc.take_deposit({"unit_id": "1-1-303", "kind": "renovation", "amount": "500", "method": "cash",
                            "payer_name": "张三"}, CYCLE_CASHIER)
    rpc.request_deposit_refund({"deposit_id": dep["deposit_id"], "applicant_name": "张三", "reason": "完工"}, CS)
    rpc.deduct_from_deposit({"deposit_id": dep["deposit_id"], "reason_kind": "damage", "reason": "划伤",
                             "amount": "50"}, SUPERVISOR)
    assert rpc.refund_deposit({"deposit_id": dep["deposit_id"], "method": "cash"}, CYCLE_CASHIER)["refunded_amount"] \
        == "450.00"
    assert rpc.get_deposit(dep["deposit_id"])["state"] == "refunded"
    assert dep["deposit_id"] in {d["deposit_id"] for d in rpc.list_deposits("1-1-303", None, None)}

    assert rpc.arrears_detail(None, None, "1-1-702")["total"] == ARREARS
    assert rpc.arrears_summary("2026-10")["period"] == "2026-10"
    assert rpc.collection_rate("2026-10")["rows"][0]["item"] == "property_fee"
    assert base64.b64decode(rpc.export_arrears_xlsx("2026-10", None)["content_base64"])[:2] == b"PK"
