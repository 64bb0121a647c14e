"""The database drafts the schedules' and the readings' lines and issues the notices' charges itself
(`INSERT ... SELECT`, no row through Python): the same notices, lines, amounts, descriptions, line
order and ledger charges, to the fen, as drafting and posting them in Python (`domain.schedule_lines`,
`domain.usage_lines`: the path a batch falls back to when a product would pass a 64-bit integer);
half-up rounding exact where a float is not."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select, text

from propdesk_services.billing.tests.unit.billing_run.support import harness, issued_run, notices
from propdesk_services.billing.tests.unit.cycle import CASHIER, ENGINEER, SUPERVISOR
from propdesk_services.billing.workflows.billing_run import handlers
from propdesk_services.billing.workflows.billing_run.models import FeeNotice, FeeNoticeLine
from propdesk_services.billing.workflows.payments.models import Charge

#: (kind, item, basis, price): a fixed fee, prices with four places, and per-space / per-area
#: prices whose products end in a half fen (rounded up, 四舍五入)
SCHEDULES = [("residential", "rent", "fixed", "1999.9950"), ("office", "property_fee", "per_area", "3.1415"),
             ("office", "parking", "per_space", "0.0050"), ("retail", "property_fee", "per_area", "0.5000"),
             ("retail", "rent", "fixed", "0.0049"), ("office", "heating", "per_area", "0.0001")]
#: (unit, kind, area, spaces): 2.01 m² × ¥0.50 = ¥1.005 -> ¥1.01 (as floats: 1.00499999..., rounded to 1.00)
UNITS = [("9-1-101", "office", "1.01", 3), ("9-1-102", "retail", "2.01", 0), ("9-1-103", "retail", "77.77", 1),
         ("9-1-104", "office", "99999.99", 1), ("9-1-105", "residential", "0.01", 0)]
#: (unit, meter, October, November) on the demo estate's residential tariffs (water ¥4.90, electricity
#: ¥0.5283): 1.05 t × 4.90 = 5.145 -> 5.15 (half-up); 2.50 kWh × 0.5283 = 1.32075 -> 1.32
READINGS = [("9-1-105", "water", "100", "101.05"), ("9-1-105", "electricity", "10", "12.50")]
#: one-off fees of the period on the ledger (shown on the notice, in its total, not brought forward):
#: 9-1-102's only line otherwise rounds to nothing but its property fee; 9-1-101 has two
ONE_OFF = [("9-1-102", "20"), ("9-1-101", "0.05"), ("9-1-101", "12.34"), ("1-1-101", "7.77")]


def _ledger(app, run_id: str) -> list[tuple]:
    """Every notice of the run with its lines and their ledger charges (`handlers.line_charges`: the
    link the desk and the bank matching read), in each notice's line order."""
    with app.session() as s:
        linked = {line: charge for line, _, charge in handlers.line_charges(
            s, s.scalars(select(FeeNotice.notice_id).where(FeeNotice.run_id == run_id)).all())}
        charges = {c.id: c for c in s.scalars(select(Charge).where(Charge.id.in_(list(linked.values()))))}
        rows = s.execute(select(FeeNotice.unit_id, FeeNotice.amount, FeeNotice.arrears_before, FeeNoticeLine.item,
                                FeeNoticeLine.basis, FeeNoticeLine.source, FeeNoticeLine.quantity,
                                FeeNoticeLine.unit_price, FeeNoticeLine.amount, FeeNoticeLine.description,
                                FeeNotice.notice_no, FeeNoticeLine.id)
                         .join(FeeNoticeLine, FeeNoticeLine.notice_id == FeeNotice.notice_id)
                         .where(FeeNotice.run_id == run_id).order_by(FeeNotice.unit_id, FeeNoticeLine.id)).all()
        out = []
        for *line, notice_no, line_id in rows:
            c = charges.get(linked.get(line_id))
            out.append((*line, *((c.item, c.amount, c.source, c.source_ref == notice_no) if c else (None,) * 4)))
    return out


def _billed(monkeypatch, in_sql: bool) -> tuple[list[tuple], dict]:
    if not in_sql:
        monkeypatch.setattr(handlers, "_fits_64_bits", lambda area, spaces, used, in_force: False)
    app = harness()
    for kind, item, basis, price in SCHEDULES:
        app.command("set_fee_schedule", {"estate": "E1", "unit_kind": kind, "item": item, "basis": basis,
                                         "unit_price": price, "effective_from": "2026-10"}, SUPERVISOR)
    for unit, kind, area, spaces in UNITS:
        app.command("set_billed_unit", {"unit_id": unit, "estate": "E1", "kind": kind, "area_m2": area,
                                        "parking_spaces": spaces}, SUPERVISOR)
    app.clock.advance(days=1)  # read on the 21st (the demo's readings hold the 20th's first numbers)
    for unit, meter, *values in READINGS:
        for period, value in zip(("2026-10", "2026-11"), values):
            app.command("record_meter_reading", {"unit_id": unit, "meter": meter, "period": period, "reading": value},
                        ENGINEER)
    for unit, amount in ONE_OFF:
        app.command("add_one_off_charge", {"unit_id": unit, "amount": amount, "description": "补办门禁卡"}, CASHIER)
    run = issued_run(app)
    return _ledger(app, run["run_id"]), {n["unit_id"]: n["amount"] for n in notices(app, run["run_id"])}


def test_the_database_drafts_and_posts_what_python_would(monkeypatch):
    in_sql, totals = _billed(monkeypatch, in_sql=True)
    monkeypatch.undo()
    in_python, _ = _billed(monkeypatch, in_sql=False)
    assert in_sql == in_python
    # every line on the ledger: posted under the notice's number, or the ledger's own charge it shows
    assert len(in_sql) > 600 and all(r[10] is not None and (r[13] or r[5] == "one_off") for r in in_sql)
    lines = {(r[0], r[3]): r[8] for r in in_sql}
    assert lines[("9-1-102", "property_fee")] == Decimal("1.01")  # 2.01 × 0.50 = 1.005, half-up
    assert lines[("9-1-101", "parking")] == Decimal("0.02")  # 3 × 0.0050 = 0.015, half-up
    assert lines[("9-1-101", "property_fee")] == Decimal("3.17")  # 1.01 × 3.1415 = 3.172915
    assert (lines[("9-1-105", "water")], lines[("9-1-105", "electricity")]) == (Decimal("5.15"), Decimal("1.32"))
    described = {(r[0], r[3]): r[9] for r in in_sql if r[5] == "meter"}
    assert described[("9-1-105", "water")] == "100.00 → 101.05" and len(described) > 40  # the demo's flats too
    assert lines[("9-1-104", "property_fee")] == Decimal("314149.97")  # 99999.99 × 3.1415 = 314149.9685...
    assert ("9-1-101", "heating") not in lines and ("9-1-102", "rent") not in lines  # rounded to nothing: no line
    # 0.01 m²: property fee 0.025 -> 0.03, heating 0.058 -> 0.06; the fixed fee 1999.995 -> 2000.00;
    # water 5.15 and electricity 1.32
    assert totals["9-1-105"] == "2006.56"
    # the ledger's own lines last on the notice, in its total, with the charge they show (not posted again)
    assert [(r[3], r[5], r[8]) for r in in_sql if r[0] == "9-1-101"][-2:] == [
        ("one_off", "one_off", Decimal("0.05")), ("one_off", "one_off", Decimal("12.34"))]
    assert totals["9-1-101"] == str(sum((r[8] for r in in_sql if r[0] == "9-1-101"), Decimal("0.00")))
    assert {r[2] for r in in_sql if r[0] == "9-1-101"} == {Decimal("0.00")}  # its one-offs: this period's, not arrears


def test_notices_written_by_the_database_store_their_times_as_the_orm_does():
    """Drafted and issued notices are written by the database's own statements (`_notices_sql`,
    `_issue_notices`): their times are stored in the same text as the ORM's (the run's), so that the
    database orders and compares them alike."""
    app = harness()
    run = issued_run(app)
    with app.session() as s:
        started, issued = s.execute(text("SELECT started_at, issue_started_at FROM billing_run WHERE run_id = :r"),
                                    {"r": run["run_id"]}).one()
        stored = set(s.execute(text("SELECT drafted_at, issued_at FROM fee_notice WHERE run_id = :r"),
                               {"r": run["run_id"]}).all())
    assert stored == {(started, issued)}


@pytest.mark.parametrize("area, price, spaces, in_sql", [
    ("99999999.99", "99999999.9999", 0, False),  # 10^10 fen × 10^12: past 64 bits, drafted in Python
    ("99999.99", "99999.9999", 0, True),
    ("65.38", "2.5000", 1, True),
    ("65.38", "2.50001", 1, False)])  # a fifth place: not an integer of 1/10,000 yuan
def test_a_batch_is_drafted_in_sql_only_when_its_products_fit_64_bits(area, price, spaces, in_sql):
    class Schedule:
        basis, unit_price = "per_area", Decimal(price)

    assert handlers._fits_64_bits(float(area), spaces, None, {"office": {"property_fee": Schedule()}}) is in_sql


def test_notice_ids_are_unique_time_ordered_uuids():
    import uuid

    first, later = handlers._new_ids(2000), handlers._new_ids(3)
    ids = first + later
    assert len(set(ids)) == len(ids) and all(len(i) == 32 and uuid.UUID(i).hex == i for i in ids)
    assert {(uuid.UUID(i).version, uuid.UUID(i).variant) for i in ids} == {(7, uuid.RFC_4122)}
    assert first == sorted(first) and first[0][:12] <= later[0][:12]  # a batch's ids ascend, in time


@pytest.mark.parametrize("consumption, in_sql", [("999999999999.99", False), ("9999.99", True), (None, True)])
def test_a_batch_is_drafted_in_sql_only_when_its_readings_fit_64_bits(consumption, in_sql):
    class Tariff:
        basis, unit_price = "per_reading", Decimal("99999999.9999")

    used = None if consumption is None else Decimal(consumption)
    assert handlers._fits_64_bits(80.0, 1, used, {"residential": {"water": Tariff()}}) is in_sql


@pytest.mark.parametrize("in_sql", [True, False])
def test_a_unit_only_its_ledger_bills_gets_a_notice_of_that_alone(monkeypatch, in_sql):
    """A unit no schedule bills (a kind without schedules in force) has a notice only when the period
    has a charge of its own on the ledger (a one-off fee): that line alone, in the total."""
    if not in_sql:
        monkeypatch.setattr(handlers, "_fits_64_bits", lambda area, spaces, used, in_force: False)
    app = harness()
    for unit in ("9-2-201", "9-2-202"):  # E1 bills no retail unit by schedule (the demo's contract)
        app.command("set_billed_unit", {"unit_id": unit, "estate": "E1", "kind": "retail", "area_m2": "50"},
                    SUPERVISOR)
    app.command("add_one_off_charge", {"unit_id": "9-2-201", "amount": "7.77", "description": "补办门禁卡"}, CASHIER)
    run = issued_run(app)
    billed = {n["unit_id"]: n for n in notices(app, run["run_id"])}
    assert "9-2-202" not in billed
    assert (billed["9-2-201"]["amount"], billed["9-2-201"]["arrears_before"]) == ("7.77", "0.00")
    assert [(line[3], line[8]) for line in _ledger(app, run["run_id"]) if line[0] == "9-2-201"] == [
        ("one_off", Decimal("7.77"))]


def test_notice_ids_the_database_makes_are_unique_uuid7s_ascending_with_the_units():
    import uuid

    app = harness()
    run = issued_run(app)  # the demo estate's 199 notices: one batch
    with app.session() as s:
        ids = s.scalars(select(FeeNotice.notice_id).where(FeeNotice.run_id == run["run_id"])
                        .order_by(FeeNotice.unit_id)).all()
    assert len(ids) > 100 and len(set(ids)) == len(ids)
    assert all(len(i) == 32 and uuid.UUID(i).hex == i for i in ids)
    assert {(uuid.UUID(i).version, uuid.UUID(i).variant) for i in ids} == {(7, uuid.RFC_4122)}
    assert ids == sorted(ids)  # the batch's counter in unit order: appended at the end of the id indexes
    assert len({i[16:] for i in ids}) == len(ids)  # the random tail differs from notice to notice
