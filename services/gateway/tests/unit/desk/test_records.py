"""Every department's records and queues on the desk, generically (desk/records.py): the desk's
real routes (DeskPages, routed as nameko routes them) and the real `Remote`, signed in through
auth.py, with the canned departments of departments.py and the fake complaints desk
(`fakes.Helpdesk`: a department the desk knows only by its ``describe_records`` and ``work_queues``).

Checked: the menu shows the kinds whose list the person's roles may read and "New" only for a
create command one of them may give; the list page (filters from the list query's arguments,
coded values in the office's words, pages); the record page (labels, only the actions the
department allows, the audit timeline for a manager, the record's own history for others); the
action form with the id fixed (a 403 on a command not allowed now, a field error at its field, a
refusal at the top); a create form that posts and goes to the new record; the print view; the
home page's queues (oldest first, due, overdue, the department down: unavailable, not a 500);
the search through a list that takes ``q``; both languages."""
from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from werkzeug.routing import Map, Rule
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from propdesk.errors import NotFound
from propdesk_services.gateway import auth
from propdesk_services.gateway.desk import records
from propdesk_services.gateway.desk.pages import DeskPages
from propdesk_services.gateway.desk.views import DESCRIPTIONS, NAMES
from propdesk_services.gateway.errors import ServiceUnavailable
from propdesk_services.gateway.openapi import http_routes
from propdesk_services.gateway.tests.fakes import HELPDESK

from . import departments as fake

SECRET = b"k" * 43
PEOPLE = {"front_desk": ("王芳", ["front_desk"]), "cs_manager": ("赵敏", ["cs_manager"]),
          "security": ("吴刚", ["security"]), "cs_assistant": ("李娜", ["cs_assistant"])}
ROUTES = Map([Rule(url, endpoint=name, methods=[method]) for method, url, name, _ in http_routes(DeskPages)
              if name.startswith("desk_")])


class Sessions:
    """The staff service as auth.py asks it: a session token per person (username = role)."""

    def call(self, service, method, *args, **kwargs):
        who = args[0].removeprefix("tok-")
        if who not in PEOPLE:
            raise NotFound("no such session", field="token", rule="session_expired")
        name, roles = PEOPLE[who]
        return {"session_id": "S", "expires_at": "x", "absolute_expires_at": "y",
                "staff": {"id": who, "username": who, "name": name, "department": "customer_service",
                          "roles": roles, "estates": ["E1"], "must_change_password": False}}


class Desk(DeskPages):
    def __init__(self, departments: dict):
        self.departments = departments
        self.settings = SimpleNamespace(rpc_timeout_s=5.0)
        self.keys = auth.Keys(SECRET)

    def send(self, method: str, path: str, staff: str = "front_desk", lang: str = "zh", data: dict | None = None,
             htmx: bool = False):
        cookies = f"{auth.LANG_COOKIE}={lang}; {auth.SESSION_COOKIE}={self.keys.cookie_value('tok-' + staff)}"
        headers = {"Cookie": cookies, **({"HX-Request": "true"} if htmx else {})}
        if method == "POST":
            data = {"csrf_token": self.keys.csrf_token("tok-" + staff), **(data or {})}
        request = Request(EnvironBuilder(method=method, path=path, data=data, headers=headers).get_environ())
        auth.bind(request, auth.Authenticator(self.keys, Sessions()))
        endpoint, values = ROUTES.bind("desk.test").match(request.path, method=method)
        return getattr(self, endpoint)(request, **values)

    def get(self, path: str, **kw):
        return self.send("GET", path, **kw)

    def post(self, path: str, data: dict, **kw):
        return self.send("POST", path, data=data, **kw)


@pytest.fixture
def calls():
    DESCRIPTIONS.clear()
    NAMES.clear()
    records.RECORDS.clear()
    records.NO_QUEUES.clear()
    records._SEEN_QUEUES.clear()
    return []


@pytest.fixture
def desk(calls) -> Desk:
    return Desk(fake.departments(calls, helpdesk=True))


def text(response) -> str:
    return response.get_data(as_text=True)


def readable(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_routes_are_the_desks_and_none_is_under_api():
    urls = {url for _, url, name, _ in http_routes(DeskPages) if name.startswith("desk_record")}
    assert "/records/<service>/<kind>/<record_id>/actions/<command>" in urls
    assert not [u for u in urls if u.startswith("/api")]
    assert ROUTES.bind("x").match("/records/helpdesk/complaint/new/register_complaint", method="GET")[0] == \
        "desk_record_new"


@pytest.mark.parametrize("lang, words", [("zh", ("投诉", "新建：登记投诉")), ("en", ("Complaint", "New: Register a complaint"))])
def test_the_menu_names_each_departments_kinds_in_the_persons_language(desk, lang, words):
    r = desk.get("/records", lang=lang)
    html = text(r)
    assert r.status_code == 200
    section = html[html.index('id="records-helpdesk"'):]
    assert all(w in readable(section) for w in words)
    assert 'href="/records/helpdesk/complaint/new/register_complaint"' in section
    assert 'id="nav-records"' in html


def test_new_is_offered_only_to_a_role_that_may_create(desk):
    html = text(desk.get("/records", staff="security"))
    assert 'href="/records/helpdesk/complaint"' in html  # every signed-in person may read the list
    assert "/new/register_complaint" not in html
    r = desk.get("/records/helpdesk/complaint/new/register_complaint", staff="security")
    assert r.status_code == 403 and "无权操作" in text(r) and 'id="page-error"' in text(r)


def test_a_kind_whose_list_is_a_restricted_read_is_not_in_the_menu(desk, monkeypatch):
    from propdesk import policy

    monkeypatch.setitem(policy.READS, "list_complaints", frozenset({"cs_manager"}))
    assert 'href="/records/helpdesk/complaint"' not in text(desk.get("/records"))
    assert desk.get("/records/helpdesk/complaint").status_code == 403
    assert 'href="/records/helpdesk/complaint"' in text(desk.get("/records", staff="cs_manager"))


@pytest.mark.parametrize("lang, state, kind", [("zh", "已受理", "一般投诉"), ("en", "Received", "Ordinary")])
def test_the_list_shows_labelled_columns_and_coded_values_in_words(desk, lang, state, kind):
    r = desk.get("/records/helpdesk/complaint", lang=lang)
    html = text(r)
    assert r.status_code == 200
    heading = ("投诉编号", "单元", "状态") if lang == "zh" else ("Complaint no.", "Unit", "State")
    assert all(f"<th>{h}</th>" in html for h in heading)
    rows = re.findall(r'<tr data-id="(CP-\d)"', html)
    assert rows == ["CP-2", "CP-1"]  # newest first, as the department answers; CP-3 is the other estate's
    assert state in html and kind in html and 'data-field="state"' in html
    assert 'href="/records/helpdesk/complaint/CP-1"' in html
    assert 'name="state"' in html and 'name="q"' in html and 'type="search"' in html  # the filters


def test_the_filters_go_to_the_list_query_and_a_refused_one_shows_at_its_input(desk, calls):
    html = text(desk.get("/records/helpdesk/complaint?state=measures_decided&unit_id=&q="))
    assert re.findall(r'<tr data-id="(CP-\d)"', html) == ["CP-2"]
    asked = [kw for s, m, _, kw in calls if m == "list_complaints"][-1]
    assert asked["state"] == "measures_decided" and "unit_id" not in asked and "q" not in asked
    assert asked["actor"]["estates"] == ["E1"]  # asked as the person
    r = desk.get("/records/helpdesk/complaint?state=lost")
    assert r.status_code == 400
    assert re.search(r'data-for="state">[^<]+<', text(r))


def test_the_list_pages(desk, monkeypatch):
    monkeypatch.setattr(records, "PAGE_SIZE", 1)
    html = text(desk.get("/records/helpdesk/complaint"))
    assert re.findall(r'<tr data-id="(CP-\d)"', html) == ["CP-2"] and 'id="page-next"' in html
    html = text(desk.get("/records/helpdesk/complaint?page=2"))
    assert re.findall(r'<tr data-id="(CP-\d)"', html) == ["CP-1"] and 'id="page-prev"' in html


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_record_page_shows_fields_allowed_actions_and_its_history(desk, lang):
    r = desk.get("/records/helpdesk/complaint/CP-1", lang=lang)
    html = text(r)
    assert r.status_code == 200
    assert "CP-20261102-0001" in html and ("投诉内容" if lang == "zh" else "What the complaint is about") in html
    assert ("已受理" if lang == "zh" else "Received") in html
    actions = re.findall(r'data-command="([a-z_]+)"', html)
    assert actions == ["decide_measures"]  # close_complaint is not allowed in this state (nor to front_desk)
    timeline = readable(html[html.index('id="timeline"'):])
    assert "投诉已受理" in timeline and "王芳" in timeline  # the record's own history, the person named
    assert 'href="/records/helpdesk/complaint/CP-1/print"' in html


def test_only_the_actions_the_department_allows_the_role_are_shown(desk):
    assert re.findall(r'data-command="([a-z_]+)"', text(desk.get("/records/helpdesk/complaint/CP-2"))) == []
    assert re.findall(r'data-command="([a-z_]+)"', text(desk.get("/records/helpdesk/complaint/CP-2",
                                                                     staff="cs_manager"))) == ["close_complaint"]
    assert 'id="no-actions"' in text(desk.get("/records/helpdesk/complaint/CP-1", staff="security"))


def test_a_manager_reads_the_records_audit_trail_as_its_timeline(desk, calls):
    html = text(desk.get("/records/helpdesk/complaint/CP-1", staff="cs_manager"))
    timeline = readable(html[html.index('id="timeline"'):])
    assert "首次受理" in timeline and "complaint.registered" in timeline
    asked = [kw for s, m, _, kw in calls if m == "list_audit"]
    assert asked and asked[0]["object_id"] == "CP-1" and asked[0]["actor"]["role"] == "cs_manager"
    calls.clear()
    desk.get("/records/helpdesk/complaint/CP-1")  # the front desk may not read the trail: not asked
    assert not [c for c in calls if c[1] == "list_audit"]


def trail(*details: dict) -> list[dict]:
    """The fake complaints desk's audit rows of CP-1 with these details, oldest first."""
    return [{"service": "helpdesk", "id": n, "at": f"2026-11-02T0{n}:00:00+00:00",
             "actor": {"id": "cs_manager", "role": "cs_manager"}, "action": "complaint.changed",
             "object_type": "complaint", "object_id": "CP-1", "correlation_id": None, "details": d, "address": None}
            for n, d in enumerate(details, 1)]


@pytest.mark.parametrize("lang, said", [("zh", ["已定措施", "已关闭", "楼上漏水已修"]),
                                        ("en", ["Measures decided", "Closed", "楼上漏水已修"])])
def test_the_timeline_says_the_state_a_record_went_to_in_its_kinds_words(desk, monkeypatch, lang, said):
    """A detail ``to``/``state`` of the record's audit rows is said in the words the kind gives its
    state field (describe_records' ``choice_labels``), as the audit page says it (audit.detail_words);
    a note as written; a code of a kind that is not the record's, as recorded."""
    rows = trail({"from": "received", "to": "measures_decided"}, {"state": "closed"},
                 {"note": "楼上漏水已修", "to": "closed"}, {"to": "major"})
    monkeypatch.setitem(desk.departments["helpdesk"].answers, ("helpdesk", "list_audit"), lambda **asked: rows)
    html = text(desk.get("/records/helpdesk/complaint/CP-1", staff="cs_manager", lang=lang))
    notes = [readable(n).strip() for n in re.findall(r'<span class="muted small">(.*?)</span>',
                                                     html[html.index('id="timeline"'):], re.S)]
    assert notes == said + ["major"]  # not a state of the kind: as recorded
    assert "measures_decided" not in html[html.index('id="timeline"'):]


def test_another_estates_record_is_not_found(desk):
    r = desk.get("/records/helpdesk/complaint/CP-3")
    assert r.status_code == 404
    assert desk.get("/records/helpdesk/nothing").status_code == 404
    assert desk.get("/records/nowhere/complaint").status_code == 404


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_an_action_form_has_the_record_fixed_and_goes_back_to_it(desk, lang):
    r = desk.get("/records/helpdesk/complaint/CP-1/actions/decide_measures", lang=lang)
    html = text(r)
    assert r.status_code == 200
    assert ("确定处理措施" if lang == "zh" else "Decide the measures") in html
    assert 'name="complaint_id"' not in html and "CP-20261102-0001" in html  # fixed, shown by its number
    assert 'name="idempotency_key"' in html and 'name="csrf_token"' in html
    key = re.search(r'name="idempotency_key" value="([^"]+)"', html).group(1)
    r = desk.post("/records/helpdesk/complaint/CP-1/actions/decide_measures",
                  {"measures": "派维修工上门", "complaint_id": "CP-2", "idempotency_key": key})
    assert (r.status_code, r.headers["Location"]) == (303, "/records/helpdesk/complaint/CP-1?done=decide_measures")
    assert HELPDESK.complaints["CP-1"]["state"] == "measures_decided"
    assert HELPDESK.complaints["CP-2"]["measures"] == "约谈装修队"  # the browser cannot choose another record
    done = text(desk.get("/records/helpdesk/complaint/CP-1?done=decide_measures", lang=lang))
    assert 'id="done"' in done and ("确定处理措施" if lang == "zh" else "Decide the measures") in done


def test_an_action_not_allowed_now_is_refused_clearly(desk):
    r = desk.get("/records/helpdesk/complaint/CP-2/actions/close_complaint")
    assert r.status_code == 403
    assert 'id="page-error"' in text(r) and "“关闭投诉”不在您现在可以对 CP-2 办理的事项之中" in text(r)
    r = desk.post("/records/helpdesk/complaint/CP-2/actions/close_complaint", {"idempotency_key": "k-1"})
    html = text(r)
    assert r.status_code == 403 and 'data-status="403"' in html
    assert "role front_desk may not helpdesk.close_complaint" in html
    assert HELPDESK.complaints["CP-2"]["state"] == "measures_decided"


def test_a_field_error_is_shown_at_the_field(desk):
    r = desk.post("/records/helpdesk/complaint/CP-1/actions/decide_measures", {"measures": " "}, htmx=True)
    html = text(r)
    assert r.status_code == 400 and html.lstrip().startswith("<form")  # htmx: the form replaces itself
    assert re.search(r'data-for="measures" role="alert">[^<]+<', html)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_create_form_posts_and_goes_to_the_new_record(desk, lang):
    r = desk.get("/records/helpdesk/complaint/new/register_complaint?unit_id=1-1-702&other=x", lang=lang)
    html = text(r)
    assert r.status_code == 200 and 'value="1-1-702"' in html
    assert ("一般投诉" if lang == "zh" else "Ordinary") in html  # the choices in the office's words
    key = re.search(r'name="idempotency_key" value="([^"]+)"', html).group(1)
    form = {"unit_id": "1-1-702", "kind": "ordinary", "summary": "垃圾未清运", "idempotency_key": key}
    r = desk.post("/records/helpdesk/complaint/new/register_complaint", form, lang=lang)
    assert (r.status_code, r.headers["Location"]) == (303, "/records/helpdesk/complaint/CP-4?done=register_complaint")
    again = desk.post("/records/helpdesk/complaint/new/register_complaint", form, lang=lang)
    assert again.headers["Location"] == r.headers["Location"] and len(HELPDESK.complaints) == 4  # the same key
    r = desk.post("/records/helpdesk/complaint/new/register_complaint", {"unit_id": "9-9-999", "kind": "ordinary"})
    html = text(r)
    assert r.status_code == 400
    assert re.search(r'data-for="summary" role="alert">[^<]+<', html)
    assert re.search(r'data-for="unit_id" role="alert">[^<]+<', html)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_print_view_has_the_paper_forms_title_fields_and_signature_lines(desk, lang):
    r = desk.get("/records/helpdesk/complaint/CP-1/print", lang=lang)
    html = text(r)
    assert r.status_code == 200 and 'class="card paper"' in html and "print-page" in html
    assert ("投诉处理表 QR-002FW" if lang == "zh" else "Complaint form QR-002FW") in html
    assert "CP-20261102-0001" in html and ("楼上漏水" in html)
    signs = re.findall(r'<div class="sign"><span>([^<]+)</span>', html)
    assert signs == (["投诉人", "处理人"] if lang == "zh" else ["Complainant", "Handled by"])


def test_the_home_page_has_every_departments_queues_oldest_first_with_due_and_overdue(desk):
    html = text(desk.get("/"))
    section = html[html.index('id="queue-helpdesk-complaints_measures_due"'):]
    section = section[:section.index("</section>")]
    assert "待定处理措施的投诉" in section
    assert re.findall(r'<li data-id="([^"]+)"', section) == ["CP-1"]
    assert 'class="badge overdue"' in section and "2026-11-02 09:30" in section  # due, in the office's time
    assert 'href="/records/helpdesk/complaint/CP-1"' in section
    assert 'id="queue-to_archive"' in html  # the move-out queues are still there
    en = text(desk.get("/", lang="en"))
    assert "Complaints awaiting measures" in en


def test_a_department_that_is_down_shows_its_queues_as_unavailable_not_a_500(desk, calls):
    desk.get("/")  # answered once: its queues are known

    def down(*args, **kwargs):
        raise ServiceUnavailable("helpdesk", "not running")

    desk.departments["helpdesk"] = SimpleNamespace(work_queues=down, describe_records=down)
    r = desk.get("/")
    html = text(r)
    assert r.status_code == 200
    assert 'id="unavailable"' in html and "helpdesk" in html
    section = html[html.index('id="queue-helpdesk-complaints_measures_due"'):]
    assert "此清单暂时无法显示。" in section[:section.index("</section>")]
    records.RECORDS.clear()
    r = desk.get("/records")
    assert r.status_code == 200 and 'id="unavailable"' in text(r)


def test_a_role_without_queues_there_sees_none_of_the_department(desk):
    assert "queue-helpdesk" not in text(desk.get("/", staff="security"))


def test_search_asks_each_list_that_takes_q(desk, calls):
    html = text(desk.get("/search?q=漏水"))
    section = html[html.index('id="found-helpdesk-complaint"'):]
    assert re.findall(r'<tr data-id="(CP-\d)"', section) == ["CP-1"]
    assert [kw["q"] for s, m, _, kw in calls if m == "list_complaints"] == ["漏水"]


def test_a_department_without_queues_is_not_asked_on_every_poll(desk, calls):
    desk.get("/")
    desk.get("/")
    asked = [s for s, m, _, _ in calls if m == "work_queues"]
    assert asked.count("residents") == 1 and asked.count("helpdesk") == 2


def test_empty_queues_are_named_in_one_line_and_busy_ones_come_first(desk):
    HELPDESK.complaints["CP-1"]["state"] = "closed"
    html = text(desk.get("/"))
    quiet = html[html.index('id="queues-quiet"'):]
    assert 'id="queue-helpdesk-complaints_measures_due"' in quiet[:quiet.index("</section>")]
    assert "以下清单暂无待办" in quiet and "待定处理措施的投诉" in quiet


def test_a_list_filtered_by_unit_creates_for_that_unit_and_the_search_offers_new_per_unit(desk):
    html = text(desk.get("/records/helpdesk/complaint?unit_id=1-1-702"))
    assert 'href="/records/helpdesk/complaint/new/register_complaint?unit_id=1-1-702"' in html
    found = text(desk.get("/search?q=1-1-702"))
    row = found[found.index('<tr data-unit="1-1-702"'):]
    assert 'href="/records/helpdesk/complaint/new/register_complaint?unit_id=1-1-702"' in row[:row.index("</tr>")]
    assert "/new/register_complaint" not in text(desk.get("/search?q=1-1-702", staff="security"))


def test_an_action_form_starts_from_what_the_record_holds(desk):
    HELPDESK.complaints["CP-1"]["measures"] = "先电话联系"
    html = text(desk.get("/records/helpdesk/complaint/CP-1/actions/decide_measures"))
    assert 'value="先电话联系"' in html


@pytest.mark.parametrize("lang, name", [("zh", "阳光花园"), ("en", "Sunshine Garden")])
def test_every_page_says_which_estate_the_person_works_for(desk, lang, name):
    html = text(desk.get("/records", lang=lang))
    person = html[html.index('id="person"'):html.index("</span>\n", html.index('class="estate"')) + 7]
    assert 'data-estate="E1"' in person and name in person


def test_a_long_queue_shows_its_first_items_overdue_first_and_links_to_the_whole_queue(desk):
    base = HELPDESK.complaints["CP-1"]
    for n in range(2, 9):  # seven more waiting, newer than CP-1; two of them received by someone else
        HELPDESK.complaints[f"CP-{n}"] = {**base, "complaint_id": f"CP-{n}", "complaint_no": f"CP-20261102-000{n}",
                                          "received_at": f"2026-11-02T0{n}:00:00+00:00",
                                          "received_by": "front_desk" if n % 3 else "cs_assistant"}
    html = text(desk.get("/", lang="en"))
    section = html[html.index('id="queue-helpdesk-complaints_measures_due"'):]
    section = section[:section.index("</section>")]
    assert re.findall(r'<li data-id="([^"]+)"', section) == ["CP-1", "CP-2", "CP-3", "CP-4", "CP-5"]
    assert '<span class="badge">8</span>' in section  # the count is of the whole queue
    assert 'href="/queues/helpdesk/complaints_measures_due"' in section and "All 8 in this queue" in section
    mine = re.findall(r'<li data-id="([^"]+)" data-record="complaint" class="mine">', section)
    assert mine == ["CP-1", "CP-2", "CP-4", "CP-5"]  # CP-3 was received by the CS assistant
    assert section.count('class="badge mine">Mine<') == 4

    whole = text(desk.get("/queues/helpdesk/complaints_measures_due"))
    assert re.findall(r'<li data-id="([^"]+)"', whole) == [f"CP-{n}" for n in range(1, 9)]
    assert "待定处理措施的投诉" in whole and "我的" in whole

    assert desk.get("/queues/helpdesk/no_such_queue").status_code == 404
    assert desk.get("/queues/helpdesk/complaints_measures_due", staff="security").status_code == 404


def test_the_overdue_come_first_in_a_queue(desk):
    base = HELPDESK.complaints["CP-1"]
    HELPDESK.complaints["CP-1"]["overdue"] = False
    HELPDESK.complaints["CP-2"] = {**base, "complaint_id": "CP-2", "complaint_no": "CP-20261102-0002",
                                   "received_at": "2026-11-02T05:00:00+00:00", "overdue": True}
    html = text(desk.get("/"))
    section = html[html.index('id="queue-helpdesk-complaints_measures_due"'):]
    assert re.findall(r'<li data-id="([^"]+)"', section[:section.index("</section>")]) == ["CP-2", "CP-1"]
