"""What the desk's pages show, gathered from (fake, in-process) departments through the real
`Remote`: the actions are the departments' answers merged over the person's roles, the queues
list what waits for a role oldest first, the timeline names people and departments."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import pytest

from propdesk_services.gateway.desk.render import render_text
from propdesk_services.gateway.desk.views import DESCRIPTIONS, NAMES, DeskView
from propdesk_services.gateway.remote import Remote

from . import departments as fake

TODAY = date(2026, 11, 23)


@dataclass(frozen=True)
class Person:
    """What the desk reads of auth.Principal."""

    id: str
    name: str
    roles: tuple
    kind: str = "session"
    csrf_token: str = "csrf"
    lang: str = "zh"
    estates: tuple = ("E1",)

    def actor_for(self, service, command):
        from propdesk import policy

        role = next((r for r in self.roles if policy.allows(r, service, command)), None)
        return {"id": self.id, "role": role} if role else None


@pytest.fixture
def calls():
    DESCRIPTIONS.clear()
    NAMES.clear()
    return []


def view(calls, *roles, lang="zh", name="王芳"):
    return DeskView(Remote(fake.departments(calls), 5.0), Person(roles[0], name, roles), lang, today=TODAY)


def test_the_actions_are_the_departments_answers_for_each_role_merged(calls):
    page = view(calls, "front_desk", "cashier").move_out(fake.CASE["move_out_id"])
    assert page["actions"] == ["residents.withdraw_move_out", "billing.record_payment"]
    asked = {(args[0], args[2]) for _, method, args, _ in calls if method == "allowed_actions"}
    assert ("move_out", "front_desk") in asked and ("unit", "cashier") in asked
    assert [f.command for f in page["forms"]] == ["withdraw_move_out", "record_payment"]


def test_a_role_with_nothing_to_do_gets_no_form(calls):
    page = view(calls, "security").move_out(fake.CASE["move_out_id"])
    assert page["actions"] == [] and page["forms"] == []
    html = render_text("zh", "move_out.html", principal=None, done=None, **page)
    assert 'id="no-actions"' in html and "<form class=\"form action\"" not in html


def test_the_payment_form_is_prefilled_with_what_is_owed(calls):
    page = view(calls, "cashier").move_out(fake.CASE["move_out_id"])
    payment = page["forms"][0]
    amount = next(f for f in payment.fields if f.name == "amount")
    unit = next(f for f in payment.fields if f.name == "unit_id")
    assert amount.value == "392.60" and unit.kind == "fixed" and unit.value == "1-1-702"


def test_a_record_the_department_does_not_have_yet_offers_nothing_and_breaks_nothing(calls):
    v = view(calls, "engineering")
    assert v.allowed([("tickets", "move_out_inspection", "MISSING")]) == []
    assert v.unavailable == []


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_timeline_names_people_and_departments_never_codes(calls, lang):
    page = view(calls, "front_desk", lang=lang).move_out(fake.CASE["move_out_id"])
    who = [line["who"] for line in page["timeline"]]
    assert who[0] == "王芳"
    assert who[1] == ("工程部（系统自动）" if lang == "zh" else "Engineering (automatic)")
    html = render_text(lang, "move_out.html", principal=None, done=None, **page)
    section = html[html.index('id="timeline"'):html.index('id="work-order"')]
    text = re.sub(r"<[^>]+>", " ", section)  # what a person reads
    for code in ("front_desk", "system", "tickets", "billing", "residents", "move_out", "engineering"):
        assert code not in text


def test_each_role_sees_its_queue_oldest_first_with_due_dates_and_overdue(calls):
    queues, open_cases = view(calls, "engineering").queues()
    [inspections] = queues
    assert inspections.key == "inspections"
    assert [i.move_out_id for i in inspections.items] == [fake.LATE["move_out_id"], fake.CASE["move_out_id"]]
    assert [i.overdue for i in inspections.items] == [True, False]  # exit date 2026-10-25 has passed
    assert inspections.items[0].due == "2026-10-25"
    [fees] = view(calls, "cashier").queues()[0]
    assert {i.move_out_id for i in fees.items} == {fake.CASE["move_out_id"], fake.LATE["move_out_id"]}
    [archive] = view(calls, "front_desk").queues()[0]
    assert [i.move_out_id for i in archive.items] == [fake.RELEASED["move_out_id"]]
    assert archive.items[0].overdue is False
    queues, open_cases = view(calls, "director").queues()
    assert queues == [] and len(open_cases) == 3


def test_search_by_unit_name_number_and_phone_masked(calls):
    v = view(calls, "front_desk")
    assert [c["move_out_id"] for c in v.search("1-1-702")["cases"]] == [fake.CASE["move_out_id"]]
    assert [u["unit_id"] for u in v.search("钱芳")["units"]] == ["1-1-101"]
    assert [c["unit_id"] for c in v.search("MO-20261101")["cases"]] == ["1-1-303"]
    found = v.search("5678")
    assert [u["unit_id"] for u in found["units"]] == ["1-1-702"]
    assert found["units"][0]["tenant_phone"] == "138****5678"
    assert v.search("   ") == {"q": "", "cases": [], "units": []}


def test_the_dashboard_charts_speak_the_persons_language(calls):
    zh = view(calls, "director").dashboard()
    keys = [c[0] for c in zh["charts"]]
    assert keys == ["move-outs-by-state", "work-orders", "release-slips", "arrears"]
    by_state = zh["charts"][0][2]
    assert "申请已受理" in by_state["yAxis"]["data"] and zh["echarts_locale"] == "ZH"
    en = view(calls, "director", lang="en").dashboard()
    assert "Application accepted" in en["charts"][0][2]["yAxis"]["data"]
    html = render_text("en", "dashboard.html", principal=None, **en)
    assert 'type="application/json"' in html and "<script>" not in html


def test_the_page_version_changes_with_what_the_page_shows(calls):
    v = view(calls, "front_desk")
    first = v.move_out(fake.CASE["move_out_id"])
    assert v.move_out(fake.CASE["move_out_id"])["version"] == first["version"]
    fake.TIMELINE.append({**fake.TIMELINE[-1], "event_id": "E-9"})
    try:
        assert v.move_out(fake.CASE["move_out_id"])["version"] != first["version"]
    finally:
        fake.TIMELINE.pop()
