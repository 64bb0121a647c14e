"""The final meter readings and the supply cut (tickets.record_supply_cut, METERS_READ_AND_CUT) on
the move-out's page for engineering, in zh-CN and en: the form is drawn from tickets' real command
description (a table of supplies, each with its meter's final reading), opened with one row per
supply the unit has and each meter's last reading beside it (billing's list_meter_readings); the
fee line says what a pending fee check waits for (the meters, a held final reading, finance)."""
from __future__ import annotations

import re

import pytest

from propdesk.errors import ValidationError
from propdesk_services.gateway.desk import forms
from propdesk_services.gateway.desk.render import render_text
from propdesk_services.gateway.errors import ServiceUnavailable

from . import departments as fake
from .test_views import calls, view  # noqa: F401 (fixture)


@pytest.mark.parametrize("lang, title, utility_words", [
    ("zh", "抄表并断水断电(停空调)", ("水", "电", "空调")),
    ("en", "Read the meters and cut the supply", ("Water", "Electricity", "A/C")),
])
def test_engineering_sees_the_supply_cut_form_in_its_language(calls, monkeypatch, lang, title, utility_words):
    monkeypatch.setitem(fake.ALLOWED, ("move_out_inspection", "engineering"),
                        ["record_inspection", "record_supply_cut"])
    page = view(calls, "engineering", lang=lang).move_out(fake.CASE["move_out_id"])
    assert page["actions"] == ["tickets.record_inspection", "tickets.record_supply_cut"]
    form = next(f for f in page["forms"] if f.command == "record_supply_cut")
    assert form.title == title
    move_out = next(f for f in form.fields if f.name == "move_out_id")
    assert move_out.kind == "fixed" and move_out.value == fake.CASE["move_out_id"]
    supplies = next(f for f in form.fields if f.name == "supplies")
    assert supplies.kind == "rows" and [c.name for c in supplies.columns] == ["utility", "reading"]
    utility = supplies.columns[0]
    assert utility.kind == "select" and tuple(c.label for c in utility.choices) == utility_words
    html = render_text(lang, "move_out.html", principal=None, done=None, **page)
    assert title in html and 'name="supplies-0-utility"' in html and 'name="supplies-0-reading"' in html


def test_other_roles_do_not_get_it(calls):
    page = view(calls, "front_desk").move_out(fake.CASE["move_out_id"])
    assert "tickets.record_supply_cut" not in page["actions"]


@pytest.mark.parametrize("lang, line", [
    ("zh", "已抄表（水表 118; 电表 2217）并断供：水, 电, 空调"),
    ("en", "Meters read (Water meter 118; Electricity meter 2217) and supply cut: Water, Electricity, A/C"),
])
def test_the_timeline_says_the_cut_in_the_persons_language(lang, line):
    from propdesk_services.gateway.desk.words import event_line

    payload = {"move_out_id": "MO-1", "work_order_no": "WO-1", "unit_id": "1-1-102",
               "utilities": ["water", "electricity", "ac"], "at": "2026-12-01T02:00:00+00:00",
               "final_readings": [{"meter": "water", "reading": "118", "read_at": "2026-12-01T02:00:00+00:00"},
                                  {"meter": "electricity", "reading": "2217", "read_at": "2026-12-01T02:00:00+00:00"}]}
    assert event_line("unit.supply_cut", payload, {}, lang) == line


def supply_form(calls, monkeypatch, lang="zh"):
    monkeypatch.setitem(fake.ALLOWED, ("move_out_inspection", "engineering"), ["record_supply_cut"])
    page = view(calls, "engineering", lang=lang).move_out(fake.CASE["move_out_id"])
    form = next(f for f in page["forms"] if f.command == "record_supply_cut")
    return page, form, next(f for f in form.fields if f.name == "supplies")


def rows_shown(html: str) -> list[tuple[str, str]]:
    """(the utility selected, the note beside it) of each row of the supplies table, as drawn."""
    table = re.search(r'<table class="rows"[^>]*data-rows="supplies".*?</table>', html, re.S).group(0)
    out = []
    for row in re.findall(r"<tr>\s*<td class=\"n\">.*?</tr>", table, re.S):
        chosen = re.search(r'<option value="(\w+)" selected>', row)
        note = re.search(r'<td class="note[^"]*" data-note="[^"]*">([^<]*)</td>', row)
        out.append((chosen.group(1) if chosen else "", note.group(1).strip() if note else None))
    return out


@pytest.mark.parametrize("lang, expected", [
    ("zh", [("water", "116.00（2026-10-25 抄）"), ("electricity", "2197.00（2026-10-25 抄）"), ("ac", "无表，不抄读数")]),
    ("en", [("water", "116.00 (read on 2026-10-25)"), ("electricity", "2197.00 (read on 2026-10-25)"),
            ("ac", "No meter: not read")]),
])
def test_the_form_opens_with_a_row_per_supply_and_each_meters_last_reading(calls, monkeypatch, lang, expected):
    page, form, supplies = supply_form(calls, monkeypatch, lang)
    assert supplies.value == [{"utility": "water"}, {"utility": "electricity"}, {"utility": "ac"}]
    assert len(supplies.rows) == 3  # no blank rows: every utility has its row
    asked = [c for c in calls if c[:2] == ("billing", "list_meter_readings")]
    assert len(asked) == 1 and asked[0][3]["unit_id"] == fake.CASE["unit_id"]
    html = render_text(lang, "move_out.html", principal=None, done=None, **page)
    assert rows_shown(html) == expected
    assert ("上次读数" if lang == "zh" else "Last reading") in html


@pytest.mark.parametrize("state", ["held", "superseded"])  # superseded: held, then passed by a later one
def test_the_last_reading_is_the_latest_that_counts_not_one_held_for_review(calls, monkeypatch, state):
    monkeypatch.setattr(fake, "READINGS", [
        fake.reading("water", "2026-11", "90.00", state=state, no=5),  # lower than the last: held, not counted
        fake.reading("water", "2026-10", "116.00", state="accepted", no=3),
        fake.reading("water", "2026-09", "110.00", state="billed", no=1)])
    _, _, supplies = supply_form(calls, monkeypatch, "en")
    assert supplies.note({"utility": "water"}) == "116.00 (read on 2026-10-25)"


def test_a_unit_metered_for_electricity_only_gets_its_rows_and_one_blank_row(calls, monkeypatch):
    monkeypatch.setattr(fake, "READINGS", [fake.reading("electricity", "2026-10", "2197.00")])
    page, _, supplies = supply_form(calls, monkeypatch, "en")
    assert supplies.value == [{"utility": "electricity"}, {"utility": "ac"}]
    assert supplies.rows == [{"utility": "electricity"}, {"utility": "ac"}, {}]  # water may still be added
    html = render_text("en", "move_out.html", principal=None, done=None, **page)
    assert rows_shown(html) == [("electricity", "2197.00 (read on 2026-10-25)"), ("ac", "No meter: not read"),
                                ("", "")]


def test_a_unit_without_readings_opens_with_water_electricity_and_ac(calls, monkeypatch):
    monkeypatch.setattr(fake, "READINGS", [])
    page, _, supplies = supply_form(calls, monkeypatch, "zh")
    assert supplies.value == [{"utility": "water"}, {"utility": "electricity"}, {"utility": "ac"}]
    html = render_text("zh", "move_out.html", principal=None, done=None, **page)
    assert rows_shown(html) == [("water", "暂无读数记录"), ("electricity", "暂无读数记录"), ("ac", "无表，不抄读数")]


@pytest.mark.parametrize("lang, note", [("zh", "财务系统暂未应答"), ("en", "Billing is not answering")])
def test_billing_not_answering_still_draws_the_form_with_a_note(calls, monkeypatch, lang, note):
    monkeypatch.setattr(fake, "READINGS", ServiceUnavailable("billing", "the service is not running"))
    page, form, supplies = supply_form(calls, monkeypatch, lang)
    assert supplies.value == [{"utility": "water"}, {"utility": "electricity"}, {"utility": "ac"}]
    assert supplies.note({"utility": "water"}) == "" and note in supplies.help
    assert "billing" in page["unavailable"]
    html = render_text(lang, "move_out.html", principal=None, done=None, **page)
    assert note in html and [u for u, _ in rows_shown(html)] == ["water", "electricity", "ac"]


def test_the_prefilled_rows_post_back_as_the_command_with_the_readings_typed(calls, monkeypatch):
    _, form, _ = supply_form(calls, monkeypatch)
    spec = fake.describe("tickets")["record_supply_cut"]
    posted = {"supplies-0-utility": "water", "supplies-0-reading": "116.00", "supplies-1-utility": "electricity",
              "supplies-1-reading": "2197.00", "supplies-2-utility": "ac", "supplies-2-reading": ""}
    body, shown = forms.request_of(spec, posted, {"move_out_id": fake.CASE["move_out_id"]})
    assert body == {"move_out_id": fake.CASE["move_out_id"], "supplies": [
        {"utility": "water", "reading": "116.00"}, {"utility": "electricity", "reading": "2197.00"},
        {"utility": "ac"}]}
    # shown again with a refusal: the rows as posted, the notes beside them still
    again = view(calls, "engineering").action_form("tickets", "record_supply_cut", fake.CASE, form.action, values=shown)
    refused = again.with_problems(ValidationError.one("supplies[2].reading", "not_metered", "ac has no meter").problems,
                                  "zh")
    table = next(f for f in refused.fields if f.name == "supplies")
    assert table.value == shown["supplies"] and table.note({"utility": "water"}) == "116.00（2026-10-25 抄）"
    assert table.errors == ("此项无表：读数留空",)


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("changes, status, zh, en", [
    ({"fees": "pending", "supply_cut_at": None}, "awaiting_meters", "待抄表", "Awaiting the final meter readings"),
    ({"fees": "pending", "supply_cut_at": "2026-11-30T02:00:00+00:00"}, "pending", "待财务核查", "Fee check pending"),
    ({"fees": "outstanding", "supply_cut_at": None}, "outstanding", "尚有欠费", "Fees outstanding"),
    ({"fees": "pending", "supply_cut_at": None, "state": "WITHDRAWN"}, "pending", "待财务核查", "Fee check pending"),
])
def test_the_fee_line_says_what_a_pending_check_waits_for(calls, monkeypatch, lang, changes, status, zh, en):
    for key, value in changes.items():
        monkeypatch.setitem(fake.CASE, key, value)
    page = view(calls, "front_desk", lang=lang).move_out(fake.CASE["move_out_id"])
    assert page["fee_status"] == status
    html = render_text(lang, "move_out.html", principal=None, done=None, **page)
    line = re.search(r'<dd id="fees-status" data-fees="(\w+)">([^<]*)', html)
    assert (line.group(1), line.group(2).strip()) == (status, zh if lang == "zh" else en)
    # only a cut case whose check is still pending asks billing for the unit's readings
    asked = [c for c in calls if c[:2] == ("billing", "list_meter_readings")]
    assert len(asked) == (1 if status == "pending" and changes.get("supply_cut_at") else 0)


@pytest.mark.parametrize("lang, words", [("zh", "抄表待复核"), ("en", "Final meter reading held for review")])
def test_a_final_reading_held_for_review_is_said_so(calls, monkeypatch, lang, words):
    monkeypatch.setitem(fake.CASE, "fees", "pending")
    monkeypatch.setitem(fake.CASE, "supply_cut_at", "2026-11-30T02:00:00+00:00")
    final = {**fake.reading("water", "2026-11", "90.00", state="held", source="final"), "read_on": "2026-11-30"}
    monkeypatch.setattr(fake, "READINGS", [final, fake.reading("water", "2026-10", "116.00")])
    page = view(calls, "front_desk", lang=lang).move_out(fake.CASE["move_out_id"])
    assert page["fee_status"] == "readings_held"  # read on the office day of the cut (10:00 in Beijing)
    html = render_text(lang, "move_out.html", principal=None, done=None, **page)
    assert f'data-fees="readings_held">{words}' in html
    # billing naming the move-out a final reading belongs to: this one's, or an earlier move-out's
    monkeypatch.setattr(fake, "READINGS", [{**final, "move_out_id": fake.CASE["move_out_id"]}])
    assert view(calls, "front_desk", lang=lang).move_out(fake.CASE["move_out_id"])["fee_status"] == "readings_held"
    monkeypatch.setattr(fake, "READINGS", [{**final, "move_out_id": "MO-20250101-0001"}])
    assert view(calls, "front_desk", lang=lang).move_out(fake.CASE["move_out_id"])["fee_status"] == "pending"
    # an earlier move-out's final reading still held (read on another day), a monthly reading held:
    # neither is this move-out's, whose check is finance's now
    monkeypatch.setattr(fake, "READINGS", [{**final, "read_on": "2025-06-30"},
                                           fake.reading("water", "2026-11", "90.00", state="held")])
    assert view(calls, "front_desk", lang=lang).move_out(fake.CASE["move_out_id"])["fee_status"] == "pending"
    # billing not answering: the case still shows, its check as residents has it
    monkeypatch.setattr(fake, "READINGS", ServiceUnavailable("billing", "down"))
    page = view(calls, "front_desk", lang=lang).move_out(fake.CASE["move_out_id"])
    assert page["fee_status"] == "pending" and "billing" in page["unavailable"]
