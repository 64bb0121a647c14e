"""Why billing holds a meter reading reads in the office's words wherever the desk shows it, never
as its code: vocab.METER_READING_HOLD_RULES (zh-CN and en), which billing's ``MeterReadingSchema``
names for ``hold_rule`` (``vocab=``), so billing's describe_records sends the words with the
meter_reading kind (``choice_labels``) and the desk draws them as for any coded field: the
record's page (and list and print view), its held readings' queue items (billing sends the rule as
the item's ``fields`` {"hold_rule": code}, the detail is only "112.00 → 100.00") and the audit
page's details of a reading. The desk holds no table of billing's words.

Every hold rule billing can give is found by scanning billing's source (the rule of each
``Check(HELD, ...)`` its domain decides, and any literal set as a ``hold_rule``), not listed here: a
new rule without words fails below, naming it. The queue is drawn from the real billing (found
through `propdesk.plugins`, as every gateway test finds a department, on the harness with its demo
estate) after readings its own check held, through the desk's real routes (test_records.py's desk)."""
from __future__ import annotations

import ast
import html as markup
import re
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path

import pytest

from propdesk import plugins
from propdesk.chassis.clock import FakeClock
from propdesk.contracts.vocab import METER_READING_HOLD_RULES
from propdesk.testing.fake import ServiceHarness
from propdesk_services.gateway.desk import audit

from .test_records import PEOPLE, calls, desk, readable  # noqa: F401 (fixtures)
from .test_records import text as raw_text

SERVICES = Path(__file__).resolve().parents[4]
BILLING = SERVICES / "billing"
CJK = re.compile(r"[\u4e00-\u9fff]")
WORDS = {"zh": {"lower_than_last": "读数低于上期读数",
                "jump_beyond_factor": "用量超过上月用量的突增倍数"},
         "en": {"lower_than_last": "Lower than the last reading",
                "jump_beyond_factor": "Consumption over the jump factor × last month's"}}


# --- every hold rule billing can give has words ---------------------------------------------------
def hold_rules_in(source: str, where: str) -> dict[str, list[str]]:
    """The hold rules a module of billing gives, -> where (``path:line``): the rule of each
    ``Check(...)`` whose state is HELD (positional or ``hold_rule=``), and any string set as a
    ``hold_rule`` (``hold_rule="..."``, ``x.hold_rule = "..."``). AssertionError for a held
    Check whose rule is not a literal (the scan could not read it)."""
    found: dict[str, list[str]] = {}

    def rule(node, at) -> None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            found.setdefault(node.value, []).append(f"{where}:{at.lineno}")

    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            keywords = {k.arg: k.value for k in node.keywords}
            if name == "Check":
                state = node.args[0] if node.args else keywords.get("state")
                held = (isinstance(state, ast.Name) and state.id == "HELD") or \
                    (isinstance(state, ast.Constant) and state.value == "held")
                given = node.args[1] if len(node.args) > 1 else keywords.get("hold_rule")
                if held:
                    assert isinstance(given, ast.Constant) and isinstance(given.value, str), \
                        f"{where}:{node.lineno}: a held Check whose hold rule the scan cannot read"
            if "hold_rule" in keywords:
                rule(keywords["hold_rule"], node)
            if name == "Check" and len(node.args) > 1:
                rule(node.args[1], node)
        elif isinstance(node, ast.Assign):
            targets = [t for target in node.targets
                       for t in (target.elts if isinstance(target, ast.Tuple) else [target])]
            values = node.value.elts if isinstance(node.value, ast.Tuple) else [node.value] * len(targets)
            for target, value in zip(targets, values):
                if isinstance(target, ast.Attribute) and target.attr == "hold_rule":
                    rule(value, node)
    return found


def billings_hold_rules() -> dict[str, list[str]]:
    sources = sorted(p for p in BILLING.rglob("*.py") if "tests" not in p.relative_to(BILLING).parts)
    found: dict[str, list[str]] = {}
    for path in sources:
        for code, where in hold_rules_in(path.read_text(encoding="utf-8"), str(path.relative_to(SERVICES))).items():
            found.setdefault(code, []).extend(where)
    return found


def test_every_hold_rule_billing_can_give_has_words_in_both_languages():
    found = billings_hold_rules()
    assert {"lower_than_last", "jump_beyond_factor"} <= set(found), found  # the scan reads billing's domain
    missing = {code: where for code, where in found.items() if code not in METER_READING_HOLD_RULES}
    assert not missing, f"hold rules without words in vocab.METER_READING_HOLD_RULES: {missing}"
    for code in found:
        term = METER_READING_HOLD_RULES[code]
        assert CJK.search(term.zh) and term.en and code not in (term.zh, term.en), term
    # billing describes its field with those words
    [spec] = [f for f in billings_description()["meter_reading"]["fields"] if f["name"] == "hold_rule"]
    assert spec["choice_labels"] == METER_READING_HOLD_RULES.as_dict()
    assert set(spec["choices"]) == set(METER_READING_HOLD_RULES.codes)


def test_the_scan_finds_a_new_hold_rule_and_refuses_one_it_cannot_read():
    source = ('def check(r, p):\n    if r < p:\n        return Check(HELD, "meter_replaced", p, None)\n'
              '    return Check(OK, None, p, r - p)\n'
              'def mend(row):\n    row.state, row.hold_rule = HELD, "typed_twice"\n'
              '    MeterReading(hold_rule="estimated")\n')
    assert set(hold_rules_in(source, "x.py")) == {"meter_replaced", "typed_twice", "estimated"}
    assert not {"meter_replaced", "typed_twice", "estimated"} & set(METER_READING_HOLD_RULES.codes)
    with pytest.raises(AssertionError, match="cannot read"):
        hold_rules_in("def check(rule):\n    return Check(HELD, rule, None, None)\n", "x.py")


# --- the desk says them ---------------------------------------------------------------------------
SUPERVISOR = {"id": "fin-sup", "role": "finance_supervisor"}
ENGINEER = {"id": "eng-01", "role": "engineering"}


def billing(at: datetime | None = None) -> ServiceHarness:
    """The real billing department (`propdesk.plugins`), on the harness with its demo estate."""
    return ServiceHarness(plugins.service_classes(["billing"])["billing"], clock=FakeClock(at), demo=True)


@lru_cache(maxsize=1)
def billings_description() -> dict:
    """billing's own describe_records answer."""
    return billing().query("describe_records")


def text(response) -> str:
    """The page's HTML with its entities read (the English words have an apostrophe)."""
    return markup.unescape(raw_text(response))


@lru_cache(maxsize=1)
def held_queue_items() -> tuple[dict, ...]:
    """billing's meter_readings_held items as it answers them, after engineering read 1-1-101's
    water meter below its November reading (112.00) and 1-1-102's electricity meter far past its
    jump factor (November used 164.00 of 2,244.00): one reading held by each of billing's rules."""
    app = billing(datetime(2026, 12, 10, 2, tzinfo=timezone.utc))
    for unit, meter, reading in (("1-1-101", "water", "100.00"), ("1-1-102", "electricity", "2836.00")):
        app.command("record_meter_reading", {"unit_id": unit, "meter": meter, "period": "2026-12",
                                             "reading": reading}, ENGINEER)
    [queue] = [q for q in app.query("work_queues", actor=SUPERVISOR) if q["key"] == "meter_readings_held"]
    return tuple(i for i in queue["items"] if i["title"].endswith("2026-12"))  # the demo holds one of November


@pytest.fixture
def supervisor(desk, monkeypatch):
    monkeypatch.setitem(PEOPLE, "finance_supervisor", ("钱静", ["finance_supervisor"]))
    items = [dict(i) for i in held_queue_items()]
    assert [(i["title"], i["detail"], i["fields"]) for i in items] == [  # as billing sends them: codes as fields
        ("1-1-101 2026-12", "112.00 → 100.00", {"meter": "water", "hold_rule": "lower_than_last"}),
        ("1-1-102 2026-12", "2244.00 → 2836.00", {"meter": "electricity", "hold_rule": "jump_beyond_factor"})]
    desk.departments["billing"].answers[("billing", "describe_records")] = billings_description
    desk.departments["billing"].answers[("billing", "work_queues")] = lambda: [{
        "key": "meter_readings_held", "title": {"zh": "待复核的抄表读数", "en": "Meter readings held for review"},
        "items": items}]
    return desk


def queue_items(html: str) -> dict[str, str]:
    """The held readings' queue on a page: reading id -> the item's text."""
    section = html[html.index('id="queue-billing-meter_readings_held"'):]
    found = re.findall(r'<li data-id="([^"]+)"[^>]*>(.*?)</li>', section[:section.index("</section>")], re.S)
    return {rid: readable(body) for rid, body in found}


METERS = {"zh": {"water": "水表", "electricity": "电表"},
          "en": {"water": "Water meter", "electricity": "Electricity meter"}}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_review_queue_says_which_meter_and_why_each_reading_is_held(supervisor, lang):
    said, meter = WORDS[lang], METERS[lang]
    for path in ("/", "/queues/billing/meter_readings_held"):
        html = text(supervisor.get(path, staff="finance_supervisor", lang=lang))
        shown = queue_items(html) if path == "/" else {"whole": readable(html)}
        if path == "/":
            lower, jump = (i["id"] for i in held_queue_items())
            assert f"112.00 → 100.00 · {meter['water']} · {said['lower_than_last']} ·" in shown[lower]
            assert f"2244.00 → 2836.00 · {meter['electricity']} · {said['jump_beyond_factor']} ·" in shown[jump]
        page = " ".join(shown.values())
        assert said["lower_than_last"] in page and said["jump_beyond_factor"] in page
        assert meter["water"] in page and meter["electricity"] in page
        assert not re.search(r"\b(lower_than_last|jump_beyond_factor|water|electricity)\b", page), page


def held_reading(rule: str) -> dict:
    """A held reading as billing's get_meter_reading answers it."""
    return {"reading_id": "R-HELD", "reading_no": "MR-20261210-0007", "unit_id": "1-1-101", "estate": "E1",
            "meter": "water", "period": "2026-12", "reading": "1120.00", "previous": "112.00", "consumption": "1008.00",
            "state": "held", "hold_rule": rule, "read_on": "2026-12-10", "source": "entered",
            "recorded_by": "engineering", "recorded_at": "2026-12-10T02:00:00+00:00", "reviewed_by": None,
            "notice_no": None, "move_out_id": None}


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("rule", METER_READING_HOLD_RULES.codes)
def test_a_held_readings_page_says_why_it_is_held(desk, monkeypatch, lang, rule):
    monkeypatch.setitem(PEOPLE, "finance_supervisor", ("钱静", ["finance_supervisor"]))
    table = desk.departments["billing"].answers
    table[("billing", "describe_records")] = billings_description
    table[("billing", "get_meter_reading")] = lambda reading_id: held_reading(rule)
    r = desk.get("/records/billing/meter_reading/R-HELD", staff="finance_supervisor", lang=lang)
    page = readable(text(r))
    assert r.status_code == 200, page[:500]
    label = "待复核原因" if lang == "zh" else "Held because"  # billing's label of the field
    assert re.search(rf"{label}\s+{re.escape(WORDS[lang][rule])}\s", page), page
    assert rule not in page


AUDITED = {"id": 7, "service": "billing", "action": "meter_reading.accept", "object_type": "meter_reading",
           "object_id": "R-HELD", "at": "2026-12-11T02:00:00+00:00", "correlation_id": None, "address": None,
           "actor": {"id": "S-FI-02", "role": "finance_supervisor"},
           "details": {"reading_no": "MR-20261210-0007", "hold_rule": "jump_beyond_factor", "state": "accepted",
                       "note": "核实：漏水"}}


def audit_details(html: str) -> dict[str, str]:
    """The details of billing's audit row 7 on the audit page: name -> what it says."""
    row = re.search(r'<tr data-service="billing" data-id="7".*?</tr>', html, re.S).group(0)
    cell = row[row.index('class="small details"'):]
    return {k: v.strip() for k, v in
            re.findall(r'<span class="muted">([^<]+)</span>([^<]*)</span>', cell)}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_audit_page_says_a_readings_coded_details_in_billings_words(desk, calls, lang):
    table = desk.departments["billing"].answers
    table[("billing", "describe_records")] = billings_description
    table[("billing", "list_audit")] = lambda **asked: [AUDITED, {
        **AUDITED, "id": 6, "object_type": "bank_line", "details": {"hold_rule": "jump_beyond_factor"}}]
    r = desk.get("/audit", staff="cs_manager", lang=lang)
    html = text(r)
    assert r.status_code == 200, readable(html)[:500]
    accepted = "复核通过" if lang == "zh" else "Accepted after review"
    assert audit_details(html) == {"reading_no": "MR-20261210-0007", "hold_rule": WORDS[lang]["jump_beyond_factor"],
                                   "state": accepted, "note": "核实：漏水"}  # every coded field of the kind
    other = re.search(r'<tr data-service="billing" data-id="6".*?</tr>', html, re.S).group(0)
    assert "jump_beyond_factor" in other  # a kind without that field: as recorded
    assert [c[1] for c in calls if c[:2] == ("billing", "describe_records")] == ["describe_records"]
    desk.get("/audit", staff="cs_manager", lang=lang)  # the kinds are kept: not asked on every page
    assert [c[1] for c in calls if c[:2] == ("billing", "describe_records")] == ["describe_records"]


def test_audit_details_are_as_recorded_without_the_kinds_description():
    assert dict(audit.line(AUDITED, {}, "zh").details)["hold_rule"] == "jump_beyond_factor"
    assert dict(audit.line(AUDITED, {}, "zh", {("billing", "meter_reading"): {}}).details)["state"] == "accepted"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_readings_change_of_state_reads_alike_on_its_timeline_and_the_audit_page(desk, monkeypatch, lang):
    """The state a reading went from and to (details ``from``/``to``) is said in the words billing
    gives the kind's state field, on the reading's page (its timeline) as on the audit page: one
    path (audit.detail_words)."""
    monkeypatch.setitem(PEOPLE, "finance_supervisor", ("钱静", ["finance_supervisor"]))
    row = {**AUDITED, "details": {"from": "held", "to": "superseded"}}
    table = desk.departments["billing"].answers
    table[("billing", "describe_records")] = billings_description
    table[("billing", "get_meter_reading")] = lambda reading_id: held_reading("jump_beyond_factor")
    table[("billing", "list_audit")] = lambda **asked: [row]
    held, superseded = (("待复核", "已被后续读数取代") if lang == "zh" else
                        ("Held for review", "Superseded by a later reading"))
    page = text(desk.get("/records/billing/meter_reading/R-HELD", staff="cs_manager", lang=lang))
    timeline = readable(page[page.index('id="timeline"'):])
    assert superseded in timeline and "superseded" not in timeline
    assert audit_details(text(desk.get("/audit", staff="cs_manager", lang=lang))) == {
        "from": held, "to": superseded}
