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
from propdesk_services.billing.tests.unit.cycle import ENGINEER, SUPERVISOR
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
        monkeypatch.setattr(handlers, "_schedule_lines_in_sql", lambda units, in_force: False)
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
    run = issued_run(app)
    return _ledger(app, run["run_id"]), {n["unit_id"]: n["amount"] for n in notices(app, run["run_id"])}


def test_the_database_drafts_and_posts_what_python_would(monkeypatch):
    in_sql, totals = _billed(monkeypatch, in_sql=True)
    monkeypatch.undo()
    in_python, _ = _billed(monkeypatch, in_sql=False)
    assert in_sql == in_python
    assert len(in_sql) > 600 and all(r[10] is not None and r[13] for r in in_sql)  # every line on the ledger
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


def test_notices_written_at_the_driver_store_their_times_as_the_orm_does():
    """Drafted and issued notices go to SQLite's executemany directly: their times are stored in
    the same text as the ORM's (the run's), so that the database orders and compares them alike."""
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
    ("65.38", "2.5000", 1, True)])
def test_a_batch_is_drafted_in_sql_only_when_its_products_fit_64_bits(area, price, spaces, in_sql):
    class Unit:
        area_m2, parking_spaces = Decimal(area), spaces

    class Schedule:
        unit_price = Decimal(price)

    assert handlers._schedule_lines_in_sql([Unit()], {"office": {"property_fee": Schedule()}}) is in_sql


def test_notice_ids_are_unique_time_ordered_uuids():
    import uuid

    first, later = handlers._new_ids(2000), handlers._new_ids(3)
    ids = first + later
    assert len(set(ids)) == len(ids) and all(len(i) == 32 and uuid.UUID(i).hex == i for i in ids)
    assert {(uuid.UUID(i).version, uuid.UUID(i).variant) for i in ids} == {(7, uuid.RFC_4122)}
    assert first == sorted(first) and first[0][:12] <= later[0][:12]  # a batch's ids ascend, in time


@pytest.mark.parametrize("consumption, in_sql", [("999999999999.99", False), ("9999.99", True), (None, True)])
def test_a_batch_is_drafted_in_sql_only_when_its_readings_fit_64_bits(consumption, in_sql):
    class Reading:
        pass

    class Tariff:
        basis, unit_price = "per_reading", Decimal("99999999.9999")

    Reading.consumption = None if consumption is None else Decimal(consumption)
    assert handlers._readings_in_sql({"9-1-101": [Reading()]}, {"residential": {"water": Tariff()}}) is in_sql
