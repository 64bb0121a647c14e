"""The final meter readings and the supply cut (tickets.record_supply_cut, METERS_READ_AND_CUT) on
the move-out's page for engineering, in zh-CN and en: the form is drawn from tickets' real command
description (a table of supplies, each with its meter's final reading), no gateway code of its own."""
from __future__ import annotations

import pytest

from propdesk_services.gateway.desk.render import render_text

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
