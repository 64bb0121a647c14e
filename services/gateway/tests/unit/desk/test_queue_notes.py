"""What a work queue item says besides its title and detail, in the person's words:

- its ``fields`` ({field name: value} of its record), each as the record's page says that field: a
  code in the words the record kind's own description gives it (``choice_labels`` of
  describe_records), never a table of the desk's; as sent when the kind gives none, or the
  department does not describe it now;
- its ``note`` (`words.QUEUE_NOTES`): billing's review queue of held meter readings says which of
  them the meter has already passed (a later month's reading exists: the reading can only be set
  aside as superseded), so the finance supervisor sees it in the queue, not only in the actions the
  reading's page offers.

Through the desk's real routes with the canned departments (test_records.py's desk); billing
described by its own describe_records, the fake complaints desk (`fakes.Helpdesk`) by its own."""
from __future__ import annotations

import html as html_text
import re

import pytest

from propdesk_services.gateway.desk import words
from propdesk_services.gateway.tests.fakes import HELPDESK

from .test_hold_rules import billings_description
from .test_records import PEOPLE, calls, desk, text  # noqa: F401 (fixtures)

#: billing's note on a held reading the meter has passed (its meter_readings.handlers.PASSED_NOTE:
#: the queue's contract with the desk, whose words are words.QUEUE_NOTES')
PASSED_NOTE = "meter_reading.passed"

PASSED = {"zh": "该表已有 2027-01 的读数：只能标记为已被后续读数取代",
          "en": "The meter has a later reading (2027-01): set it aside as superseded"}
JUMP = {"zh": "水表 · 用量超过上月用量的突增倍数",  # the item's fields: its meter and hold rule
        "en": "Water meter · Consumption over the jump factor × last month's"}


def held(reading_id: str, no: int, note) -> dict:
    """An item of billing's meter_readings_held queue as billing answers it (`held_readings`)."""
    return {"record": "meter_reading", "id": reading_id, "number": f"MR-20261210-{no:04d}",
            "title": "1-1-101 2026-12", "detail": "112.00 → 1120.00",
            "fields": {"meter": "water", "hold_rule": "jump_beyond_factor"}, "note": note,
            "since": f"2026-12-10T0{no}:00:00+00:00", "due_at": None, "overdue": False, "owner": None}


@pytest.fixture
def supervisor(desk, monkeypatch):
    monkeypatch.setitem(PEOPLE, "finance_supervisor", ("钱静", ["finance_supervisor"]))
    table = desk.departments["billing"].answers
    table[("billing", "describe_records")] = billings_description
    table[("billing", "work_queues")] = lambda: [{
        "key": "meter_readings_held", "title": {"zh": "待复核的抄表读数", "en": "Meter readings held for review"},
        "items": [held("R-PASSED", 1, {"code": PASSED_NOTE, "period": "2027-01"}), held("R-OPEN", 2, None)]}]
    return desk


def items(html: str, queue: str = "billing-meter_readings_held") -> dict[str, str]:
    """A queue's items on a page: record id -> the item's text."""
    section = html[html.index(f'id="queue-{queue}"'):]
    found = re.findall(r'<li data-id="([^"]+)"[^>]*>(.*?)</li>', section[:section.index("</section>")], re.S)
    return {rid: html_text.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))) for rid, body in found}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_held_reading_the_meter_has_passed_says_so_in_the_queue(supervisor, lang):
    shown = items(text(supervisor.get("/", staff="finance_supervisor", lang=lang)))
    assert list(shown) == ["R-PASSED", "R-OPEN"]
    assert f"112.00 → 1120.00 · {JUMP[lang]} · {PASSED[lang]}" in shown["R-PASSED"]  # the hold rule in words too
    assert f"112.00 → 1120.00 · {JUMP[lang]} ·" in shown["R-OPEN"]
    assert PASSED["zh"] not in shown["R-OPEN"] and PASSED["en"] not in shown["R-OPEN"]
    assert "jump_beyond_factor" not in " ".join(shown.values())
    whole = text(supervisor.get("/queues/billing/meter_readings_held", staff="finance_supervisor", lang=lang))
    assert PASSED[lang] in whole and whole.count(PASSED[lang]) == 1


def test_a_note_the_desk_has_no_words_for_shows_its_code_and_none_shows_nothing():
    assert words.queue_note({"code": "meter_reading.something_new", "period": "2027-01"}, "zh") == \
        "meter_reading.something_new"
    assert words.queue_note({"code": PASSED_NOTE}, "en") == PASSED_NOTE  # without the month its words name
    assert words.queue_note(None, "zh") == words.queue_note({}, "en") == words.queue_note("x", "zh") == ""


# --- an item's fields, for any department ---------------------------------------------------------
@pytest.fixture
def helpdesk(desk, monkeypatch):
    """The fake complaints desk's queue, its items naming their complaint's kind and state (coded
    fields its describe_records gives words for), a field it does not describe and a person."""
    def work_queues(actor=None):
        queues = HELPDESK.work_queues(actor=actor)
        for q in queues:
            for item in q["items"]:
                c = HELPDESK.complaints[item["id"]]
                item["fields"] = {"kind": c["kind"], "state": c["state"], "channel": "wechat",
                                  "received_by": c["received_by"]}
        return queues

    monkeypatch.setitem(desk.departments["helpdesk"].answers, ("helpdesk", "work_queues"), work_queues)
    return desk


@pytest.mark.parametrize("lang, said", [("zh", "待定处理措施 · 一般投诉 · 已受理 · wechat · 王芳"),
                                        ("en", "待定处理措施 · Ordinary · Received · wechat · 王芳")])
def test_an_items_fields_read_in_the_words_its_kind_gives_them(helpdesk, calls, lang, said):
    shown = items(text(helpdesk.get("/", lang=lang)), "helpdesk-complaints_measures_due")
    assert list(shown) == ["CP-1"] and said in shown["CP-1"], shown
    assert "ordinary" not in shown["CP-1"] and "received " not in shown["CP-1"]
    helpdesk.get("/queues/helpdesk/complaints_measures_due", lang=lang)
    assert [c[1] for c in calls if c[:2] == ("helpdesk", "describe_records")] == ["describe_records"]  # kept


def test_an_items_fields_stay_as_sent_when_the_department_does_not_describe_them(helpdesk, monkeypatch):
    table = helpdesk.departments["helpdesk"].answers
    monkeypatch.setitem(table, ("helpdesk", "describe_records"), lambda: {})  # no such kind now
    r = helpdesk.get("/")
    assert r.status_code == 200
    shown = items(text(r), "helpdesk-complaints_measures_due")
    assert "待定处理措施 · ordinary · received · wechat · 王芳" in shown["CP-1"]


def test_an_items_fields_stay_as_sent_while_the_description_does_not_answer(helpdesk, monkeypatch):
    from propdesk_services.gateway.desk import records
    from propdesk_services.gateway.errors import ServiceUnavailable

    def down():
        raise ServiceUnavailable("helpdesk", "describe_records timed out")

    records.RECORDS.clear()
    monkeypatch.setitem(helpdesk.departments["helpdesk"].answers, ("helpdesk", "describe_records"), down)
    r = helpdesk.get("/")
    assert r.status_code == 200
    assert "待定处理措施 · ordinary · received" in items(text(r), "helpdesk-complaints_measures_due")["CP-1"]
