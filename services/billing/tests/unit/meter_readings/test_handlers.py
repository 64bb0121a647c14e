"""Meter readings on the harness: entered, imported (CSV and XLSX), held, accepted, corrected."""
from __future__ import annotations

import base64
import io

import pytest
from openpyxl import Workbook

from sqlalchemy import func, select

from propdesk.errors import Conflict, Forbidden, NotFound, ValidationError
from propdesk_services.billing.tests.unit.billing_run.support import NOV_20, harness
from propdesk_services.billing.tests.unit.cycle import CASHIER, CS, ENGINEER, SUPERVISOR, only, rules
from propdesk_services.billing.workflows.meter_readings.models import MeterReading

# the demo: 1-1-101 read 103 (water) in 2026-10 and 112 in 2026-11 (9 used)
UNIT = "1-1-101"


def reading(unit_id=UNIT, meter="water", period="2026-12", value="120", **more) -> dict:
    return {"unit_id": unit_id, "meter": meter, "period": period, "reading": value, **more}


def test_a_reading_within_the_factor_is_ok(app):
    out = app.command("record_meter_reading", reading(value="120"), ENGINEER)
    assert (out["state"], out["previous"], out["consumption"], out["hold_rule"]) == ("ok", "112.00", "8.00", None)
    assert out["reading_no"].startswith("MR-20261123-") and out["read_on"] == "2026-11-23"
    assert app.audit("meter_reading.record")[0].object_id == out["reading_id"]


def test_a_reading_lower_than_the_last_is_held_and_queued(app):
    out = app.command("record_meter_reading", reading(value="111"), ENGINEER)
    assert (out["state"], out["hold_rule"]) == ("held", "lower_than_last")
    queue = app.query("work_queues", actor=SUPERVISOR) if False else None  # the chassis' queue read is the lead's
    items = [i["number"] for i in __import__("propdesk_services.billing.workflows.meter_readings.handlers",
                                             fromlist=["x"]).held_readings({}, _reader(app))]
    assert out["reading_no"] in items


def _reader(app):
    from propdesk.chassis.workflow import Reader
    return Reader(app.session(), app.clock)


def test_a_jump_beyond_the_tariffs_factor_is_held(app):
    out = app.command("record_meter_reading", reading(value="140"), ENGINEER)  # 28 used, 9 last month: > 3x
    assert (out["state"], out["hold_rule"]) == ("held", "jump_beyond_factor")


def test_the_review_queue_names_the_meter_and_why_a_reading_is_held_as_fields_the_desk_has_words_for(app):
    """A held reading's queue item carries its meter and hold rule as ``fields`` {"meter": code,
    "hold_rule": code} (the chassis' queue_item), not as codes in its free-text title or detail; the
    meter_reading kind billing describes gives those fields' words (vocab METER_KINDS,
    METER_READING_HOLD_RULES, ``choice_labels``), which the desk says them in."""
    from propdesk.contracts.vocab import METER_KINDS, METER_READING_HOLD_RULES

    lower = app.command("record_meter_reading", reading(value="111"), ENGINEER)
    jump = app.command("record_meter_reading", reading(meter="electricity", value="99999"), ENGINEER)
    assert (lower["hold_rule"], jump["hold_rule"]) == ("lower_than_last", "jump_beyond_factor")
    [queue] = [q for q in app.query("work_queues", actor=SUPERVISOR) if q["key"] == "meter_readings_held"]
    items = {i["id"]: i for i in queue["items"]}
    low = items[lower["reading_id"]]
    assert (low["title"], low["detail"]) == (f"{lower['unit_id']} {lower['period']}", "112.00 → 111.00")
    assert low["fields"] == {"meter": "water", "hold_rule": "lower_than_last"}
    assert items[jump["reading_id"]]["fields"] == {"meter": "electricity", "hold_rule": "jump_beyond_factor"}
    assert not [i for i in items.values() for code in i["fields"].values()
                if code in i["title"] or code in i["detail"]]
    described = {f["name"]: f for f in app.query("describe_records")["meter_reading"]["fields"]}
    assert described["hold_rule"]["choice_labels"] == METER_READING_HOLD_RULES.as_dict()
    assert described["meter"]["choice_labels"] == METER_KINDS.as_dict()
    for name in ("meter", "hold_rule"):
        assert {i["fields"][name] for i in items.values()} <= set(described[name]["choice_labels"])


def test_the_supervisor_accepts_a_held_reading(app):
    held = app.command("record_meter_reading", reading(value="140"), ENGINEER)
    with pytest.raises(Forbidden):
        app.command("accept_meter_reading", {"reading_id": held["reading_id"], "note": "漏水已确认"}, ENGINEER)
    assert app.query("allowed_actions", "meter_reading", held["reading_id"], "finance_supervisor") == \
        ["accept_meter_reading", "correct_meter_reading"]
    out = app.command("accept_meter_reading", {"reading_id": held["reading_id"], "note": "漏水已确认"}, SUPERVISOR)
    assert (out["state"], out["reviewed_by"]) == ("accepted", "fin-sup")
    with pytest.raises(Conflict) as e:
        app.command("accept_meter_reading", {"reading_id": held["reading_id"], "note": "again"}, SUPERVISOR)
    assert e.value.rule == "not_held"


def test_a_correction_is_checked_again(app):
    held = app.command("record_meter_reading", reading(value="1200"), ENGINEER)
    out = app.command("correct_meter_reading", {"reading_id": held["reading_id"], "reading": "120.00",
                                                "note": "多输了一个0"}, ENGINEER)
    assert (out["state"], out["consumption"]) == ("ok", "8.00")
    assert '"reading": "1200.00"' in app.audit("meter_reading.correct")[0].details


def test_a_month_already_read_is_refused(app):
    app.command("record_meter_reading", reading(value="120"), ENGINEER)
    with pytest.raises(Conflict) as e:
        app.command("record_meter_reading", reading(value="121"), ENGINEER)
    assert (e.value.field, e.value.rule) == ("period", "already_recorded")
    with pytest.raises(Conflict) as e:
        app.command("record_meter_reading", reading(period="2026-09", value="90"), ENGINEER)
    assert e.value.rule == "later_reading_exists"


def test_unknown_or_other_estates_units_are_refused(app):
    for unit, actor in (("9-9-999", ENGINEER), (UNIT, only(ENGINEER, "E2"))):
        with pytest.raises(ValidationError) as e:
            app.command("record_meter_reading", reading(unit_id=unit), actor)
        assert rules(e.value) == {("unit_id", "unknown_unit")}
    [demo_held] = app.query("list_meter_readings", None, "held", None)
    with pytest.raises(NotFound):
        app.query("get_meter_reading", demo_held["reading_id"], actor=only(SUPERVISOR, "E2"))


def test_a_reading_recorded_on_the_demos_import_day_takes_the_next_number():
    # the demo's readings were imported on 2026-11-20 and numbered by that day's sequence, past them
    app = harness(NOV_20)
    with app.session() as s:
        demo_readings = s.scalar(select(func.count()).select_from(MeterReading))
        numbers = set(s.scalars(select(MeterReading.reading_no)))
    assert numbers == {f"MR-20261120-{n:04d}" for n in range(1, demo_readings + 1)}
    out = app.command("record_meter_reading", reading(unit_id="1-1-601", period="2026-11", value="50"), ENGINEER)
    assert out["reading_no"] == f"MR-20261120-{demo_readings + 1:04d}"


def test_customer_service_may_not_enter_readings(app):
    with pytest.raises(Forbidden):
        app.command("record_meter_reading", reading(), CS)


# -- import --------------------------------------------------------------------------------------------
def _csv(text: str, encoding="utf-8-sig") -> str:
    return base64.b64encode(text.encode(encoding)).decode()


def _xlsx(rows) -> str:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buf = io.BytesIO()
    book.save(buf)
    return base64.b64encode(buf.getvalue()).decode()


CSV = "单元,表类,读数\n1-1-101,水,120\n1-1-101,电,2100\n1-1-102,水,120\n\n"


def test_a_csv_import_records_checks_and_is_not_booked_twice(app):
    out = app.command("import_meter_readings", {"period": "2026-12", "filename": "12月抄表.csv",
                                                "content_base64": _csv(CSV)}, CASHIER)
    assert (out["recorded"], out["held"], out["skipped"]) == (3, 1, 0)  # 1-1-101 electricity: 2100 < 2111
    again = app.command("import_meter_readings", {"period": "2026-12", "filename": "12月抄表.csv",
                                                  "content_base64": _csv(CSV)}, CASHIER)
    assert (again["recorded"], again["skipped"]) == (0, 3)
    assert len(app.query("list_meter_readings", "2026-12", None, None)) == 3


def test_a_gb18030_csv_reads():
    from propdesk_services.billing.workflows.meter_readings import files
    rows = files.read_rows("a.csv", "单元,表类,读数\n1-1-101,水,1\n".encode("gb18030"))
    assert rows == [{"unit_id": "1-1-101", "meter": "水", "reading": "1"}]


def test_an_xlsx_import(app):
    content = _xlsx([["unit_id", "meter", "reading", "read_on"], ["1-1-101", "water", 120.5, "2026-11-20"],
                     [None, None, None, None], ["1-1-102", "electricity", 5000, None]])
    out = app.command("import_meter_readings", {"period": "2026-12", "filename": "readings.XLSX",
                                                "content_base64": content}, ENGINEER)
    assert out["recorded"] == 2
    [row] = app.query("list_meter_readings", "2026-12", None, "1-1-101")
    assert (row["reading"], row["read_on"], row["source"]) == ("120.50", "2026-11-20", "import")


def test_one_bad_row_refuses_the_whole_file(app):
    bad = "单元,表类,读数\n1-1-101,水,120\n9-9-999,水,1\n1-1-102,煤气,3\n1-1-101,水,121\n"
    with pytest.raises(ValidationError) as e:
        app.command("import_meter_readings", {"period": "2026-12", "filename": "a.csv", "content_base64": _csv(bad)},
                    CASHIER)
    assert rules(e.value) == {("rows[3].unit_id", "unknown_unit"), ("rows[4].meter", "one_of"),
                              ("rows[5].unit_id", "duplicate_row")}
    assert app.query("list_meter_readings", "2026-12", None, None) == []


@pytest.mark.parametrize("filename, content, problem", [
    ("a.pdf", _csv(CSV), ("filename", "file_type")),
    ("a.csv", "not base64!", ("content_base64", "base64")),
    ("a.csv", _csv("unit,reading\n1,2\n"), ("content", "missing_columns")),
    ("a.xlsx", _csv(CSV), ("content", "unreadable")),
    ("a.csv", _csv("单元,表类,读数\n"), ("content", "empty_file")),
])
def test_a_file_that_does_not_read_is_refused(app, filename, content, problem):
    with pytest.raises(ValidationError) as e:
        app.command("import_meter_readings", {"period": "2026-12", "filename": filename, "content_base64": content},
                    CASHIER)
    assert rules(e.value) == {problem}


def test_a_changed_value_on_reimport_is_refused(app):
    app.command("import_meter_readings", {"period": "2026-12", "filename": "a.csv", "content_base64": _csv(CSV)}, CASHIER)
    changed = CSV.replace("1-1-102,水,120", "1-1-102,水,301")
    with pytest.raises(ValidationError) as e:
        app.command("import_meter_readings", {"period": "2026-12", "filename": "a.csv",
                                              "content_base64": _csv(changed)}, CASHIER)
    assert rules(e.value) == {("rows[4].reading", "already_recorded")}
