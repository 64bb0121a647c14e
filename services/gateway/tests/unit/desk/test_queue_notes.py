"""A work queue item's ``note`` in the person's words (`words.QUEUE_NOTES`, after the detail):
billing's review queue of held meter readings says which of them the meter has already passed (a
later month's reading exists: the reading can only be set aside as superseded), so the finance
supervisor sees it in the queue, not only in the actions the reading's page offers. Through the
desk's real routes with the canned departments (test_records.py's desk)."""
from __future__ import annotations

import html as html_text
import re

import pytest

from propdesk_services.billing.workflows.meter_readings.handlers import PASSED_NOTE
from propdesk_services.gateway.desk import words

from .test_records import PEOPLE, calls, desk, text  # noqa: F401 (fixtures)

PASSED = {"zh": "该表已有 2027-01 的读数：只能标记为已被后续读数取代",
          "en": "The meter has a later reading (2027-01): set it aside as superseded"}
JUMP = {"zh": "（用量超过上月用量的突增倍数）", "en": " (Consumption over the jump factor × last month's)"}


def held(reading_id: str, no: int, note) -> dict:
    """An item of billing's meter_readings_held queue as billing answers it (`held_readings`)."""
    return {"record": "meter_reading", "id": reading_id, "number": f"MR-20261210-{no:04d}",
            "title": "1-1-101 water 2026-12", "detail": "112.00 → 1120.00 (jump_beyond_factor)", "note": note,
            "since": f"2026-12-10T0{no}:00:00+00:00", "due_at": None, "overdue": False, "owner": None}


@pytest.fixture
def supervisor(desk, monkeypatch):
    monkeypatch.setitem(PEOPLE, "finance_supervisor", ("钱静", ["finance_supervisor"]))
    desk.departments["billing"].answers[("billing", "work_queues")] = lambda: [{
        "key": "meter_readings_held", "title": {"zh": "待复核的抄表读数", "en": "Meter readings held for review"},
        "items": [held("R-PASSED", 1, {"code": PASSED_NOTE, "period": "2027-01"}), held("R-OPEN", 2, None)]}]
    return desk


def items(html: str) -> dict[str, str]:
    """The queue's items on a page: reading id -> the item's text."""
    section = html[html.index('id="queue-billing-meter_readings_held"'):]
    found = re.findall(r'<li data-id="([^"]+)"[^>]*>(.*?)</li>', section[:section.index("</section>")], re.S)
    return {rid: html_text.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))) for rid, body in found}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_held_reading_the_meter_has_passed_says_so_in_the_queue(supervisor, lang):
    shown = items(text(supervisor.get("/", staff="finance_supervisor", lang=lang)))
    assert list(shown) == ["R-PASSED", "R-OPEN"]
    assert f"112.00 → 1120.00{JUMP[lang]} · {PASSED[lang]}" in shown["R-PASSED"]  # the hold rule in words too
    assert PASSED["zh"] not in shown["R-OPEN"] and PASSED["en"] not in shown["R-OPEN"]
    whole = text(supervisor.get("/queues/billing/meter_readings_held", staff="finance_supervisor", lang=lang))
    assert PASSED[lang] in whole and whole.count(PASSED[lang]) == 1


def test_a_note_the_desk_has_no_words_for_shows_its_code_and_none_shows_nothing():
    assert words.queue_note({"code": "meter_reading.something_new", "period": "2027-01"}, "zh") == \
        "meter_reading.something_new"
    assert words.queue_note({"code": PASSED_NOTE}, "en") == PASSED_NOTE  # without the month its words name
    assert words.queue_note(None, "zh") == words.queue_note({}, "en") == words.queue_note("x", "zh") == ""
