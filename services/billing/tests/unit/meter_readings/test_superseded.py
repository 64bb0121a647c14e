"""A held reading the meter has since passed (a later month's reading counted from the reading
before it): it can be neither accepted nor corrected (its consumption would be billed twice), so
the finance supervisor sets it aside as superseded (`supersede_meter_reading`): never billed, out of
the review queue, audited with the reason; a move-out's fee check that waited for it is decided."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from decimal import Decimal

import pytest

from propdesk.errors import Conflict, Forbidden
from propdesk_services.billing.tests.unit.billing_run.support import drafted_run, harness, notices
from propdesk_services.billing.tests.unit.cycle import ENGINEER, SUPERVISOR
from propdesk_services.billing.tests.unit.support import (
    CLEARANCE_EVENTS, clearance, outbox, payment, request_clearance, supply_cut,
)

# the demo: 1-1-101 read water 103 in 2026-10 and 112 in 2026-11 (9 used)
UNIT, TENANT, MO = "1-1-101", "TEN-1-1-101", "MO-20261210-0001"
#: 2026-12-10 10:00 Beijing (the tenant of 1-1-101 leaves today); 2027-01-12, the next month's reading
DEC_10 = datetime(2026, 12, 10, 2, 0, tzinfo=timezone.utc)
JAN_12 = datetime(2027, 1, 12, 2, 0, tzinfo=timezone.utc)
CASHIER = {"id": "fin-03", "role": "cashier"}


@pytest.fixture
def app():
    return harness(DEC_10)


def water(period: str, value: str) -> dict:
    return {"unit_id": UNIT, "meter": "water", "period": period, "reading": value}


def supersede(app, reading_id: str, actor=SUPERVISOR, note="1月读数已计该用量 January's reading bills it"):
    return app.command("supersede_meter_reading", {"reading_id": reading_id, "note": note}, actor)


def queued(app) -> list[str]:
    [queue] = [q for q in app.query("work_queues", actor=SUPERVISOR) if q["key"] == "meter_readings_held"]
    return [item["id"] for item in queue["items"]]


def owed(app) -> Decimal:
    return Decimal(app.query("get_balance", UNIT)["outstanding"])


def refused(app, command: str, data: dict, actor=SUPERVISOR) -> tuple[str, str]:
    with pytest.raises(Conflict) as e:
        app.command(command, data, actor)
    return e.value.field, e.value.rule


def test_a_held_reading_the_meter_has_passed_is_set_aside_as_superseded_and_billed_nowhere(app):
    held = app.command("record_meter_reading", water("2026-12", "1120"), ENGINEER)  # a 0 too many: held
    assert (held["state"], held["hold_rule"]) == ("held", "jump_beyond_factor")
    # not passed yet: accept or correct it, not set it aside
    assert refused(app, "supersede_meter_reading", {"reading_id": held["reading_id"], "note": "x"}) == \
        ("period", "no_later_reading")
    assert app.query("allowed_actions", "meter_reading", held["reading_id"], "finance_supervisor") == \
        ["accept_meter_reading", "correct_meter_reading"]
    app.clock.set(JAN_12)
    later = app.command("record_meter_reading", water("2027-01", "121"), ENGINEER)  # counts from November's 112
    assert (later["state"], later["previous"], later["consumption"]) == ("ok", "112.00", "9.00")
    # the dead end: neither accepted nor corrected; setting it aside is what is left
    assert refused(app, "accept_meter_reading", {"reading_id": held["reading_id"], "note": "x"}) == \
        ("period", "later_reading_exists")
    assert refused(app, "correct_meter_reading", {"reading_id": held["reading_id"], "reading": "112",
                                                  "note": "x"}) == ("period", "later_reading_exists")
    assert app.query("allowed_actions", "meter_reading", held["reading_id"], "finance_supervisor") == \
        ["supersede_meter_reading"]
    assert held["reading_id"] in queued(app)
    with pytest.raises(Forbidden):
        supersede(app, held["reading_id"], actor=ENGINEER)           # a review: the finance supervisor's
    before = owed(app)

    out = supersede(app, held["reading_id"])
    assert (out["state"], out["reviewed_by"], out["hold_rule"], out["consumption"]) == \
        ("superseded", "fin-sup", "jump_beyond_factor", "1008.00")
    assert held["reading_id"] not in queued(app)
    assert app.query("list_meter_readings", None, "held", UNIT) == []
    [audit] = app.audit("meter_reading.supersede")
    assert (audit.object_id, audit.actor_id) == (held["reading_id"], "fin-sup")
    details = json.loads(audit.details)
    assert {k: details[k] for k in ("reading_no", "hold_rule", "superseded_by", "later_period", "note")} == {
        "reading_no": held["reading_no"], "hold_rule": "jump_beyond_factor", "superseded_by": later["reading_no"],
        "later_period": "2027-01", "note": "1月读数已计该用量 January's reading bills it"}
    assert owed(app) == before and app.audit("meter_reading.bill_final") == []
    # final: not set aside again, not accepted, not corrected, nothing more to do with it
    assert refused(app, "supersede_meter_reading", {"reading_id": held["reading_id"], "note": "x"}) == \
        ("reading_id", "not_held")
    assert refused(app, "accept_meter_reading", {"reading_id": held["reading_id"], "note": "x"}) == \
        ("reading_id", "not_held")
    assert refused(app, "correct_meter_reading", {"reading_id": held["reading_id"], "reading": "112",
                                                  "note": "x"}) == ("reading_id", "reading_superseded")
    assert app.query("allowed_actions", "meter_reading", held["reading_id"], "finance_supervisor") == []
    # it never counts: the next reading counts from January's, and December's run bills no water for it
    nxt = app.command("record_meter_reading", water("2027-02", "130"), ENGINEER)
    assert (nxt["previous"], nxt["consumption"], nxt["state"]) == ("121.00", "9.00", "ok")
    [notice] = notices(app, drafted_run(app, "E1", "2026-12")["run_id"], unit_id=UNIT)
    assert "water" not in {line["item"] for line in app.query("get_fee_notice", notice["notice_id"])["lines"]}


def test_a_held_final_reading_passed_by_the_meter_no_longer_keeps_its_move_out_waiting(app):
    if owed(app) > 0:
        app.command("record_payment", payment(str(owed(app)), unit_id=UNIT), CASHIER)
    assert request_clearance(app, MO, UNIT, TENANT).status == "awaiting_meters"
    app.deliver(supply_cut(app, MO, UNIT, {"water": "150"}))         # 38 m³ against November's 9: held
    [held] = app.query("list_meter_readings", None, "held", UNIT)
    assert (held["source"], held["move_out_id"], clearance(app, MO).status) == ("final", MO, "readings_held")
    app.clock.set(JAN_12)                                            # the unit's January reading is read
    app.command("record_meter_reading", water("2027-01", "121"), ENGINEER)
    assert refused(app, "accept_meter_reading", {"reading_id": held["reading_id"], "note": "x"}) == \
        ("period", "later_reading_exists")
    assert clearance(app, MO).status == "readings_held"              # the dead end: it would wait for ever

    out = supersede(app, held["reading_id"])
    assert out["state"] == "superseded"
    # decided now on the ledger as it stands (nothing billed for the superseded reading: paid up)
    c = clearance(app, MO)
    assert (c.status, c.last_outstanding, owed(app)) == ("confirmed", Decimal("0"), Decimal("0"))
    assert [t for t in outbox(app, MO) if t in CLEARANCE_EVENTS] == ["billing.clearance_confirmed"]
    assert app.audit("meter_reading.bill_final") == []


def test_the_review_queue_says_which_held_readings_the_meter_has_passed_in_one_statement(app):
    """The supervisor sees in the queue itself which held readings can only be set aside (a later
    month's reading of the meter exists): ``note`` {code, period}, read with the queue in one
    statement, whatever the number of held readings; it agrees with what allowed_actions offers."""
    from sqlalchemy import event

    from propdesk.chassis.workflow import Reader
    from propdesk_services.billing.workflows.meter_readings.handlers import PASSED_NOTE, held_readings

    water_held = app.command("record_meter_reading", water("2026-12", "1120"), ENGINEER)      # jump: held
    power_held = app.command("record_meter_reading", {**water("2026-12", "2000"), "meter": "electricity"},
                             ENGINEER)                                                         # lower: held
    assert (water_held["state"], power_held["state"]) == ("held", "held")
    [demo_held] = [r["reading_id"] for r in app.query("list_meter_readings", None, "held", "1-1-103")]

    def notes() -> dict[str, dict | None]:
        [queue] = [q for q in app.query("work_queues", actor=SUPERVISOR) if q["key"] == "meter_readings_held"]
        return {item["id"]: item["note"] for item in queue["items"]}

    assert notes() == {demo_held: None, water_held["reading_id"]: None, power_held["reading_id"]: None}
    app.clock.set(JAN_12)
    app.command("record_meter_reading", water("2027-01", "121"), ENGINEER)
    app.command("record_meter_reading", {**water("2027-01", "2350"), "meter": "electricity"}, ENGINEER)
    passed = {"code": PASSED_NOTE, "period": "2027-01"}
    assert notes() == {demo_held: None, water_held["reading_id"]: passed, power_held["reading_id"]: passed}
    for reading_id, note in notes().items():  # the queue says what the reading's actions say
        actions = app.query("allowed_actions", "meter_reading", reading_id, "finance_supervisor")
        assert (actions == ["supersede_meter_reading"]) == (note is not None)

    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731 (conn, cursor, statement, ...)
    event.listen(app.db.engine, "before_cursor_execute", listener)
    try:
        with app.session() as session:
            items = held_readings({}, Reader(session, app.clock))
    finally:
        event.remove(app.db.engine, "before_cursor_execute", listener)
    assert len(items) == 3 and len(statements) == 1, statements
