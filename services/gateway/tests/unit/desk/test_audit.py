"""The audit page (/audit) and its exports, on the unit tier: the desk's real routes (DeskPages)
and the real `Remote`, with every discovered department running in-process on the harness (its
real ``list_audit`` on an in-memory database, no broker), signed in through auth.py with a stand-in
for the staff service's session look-up.

Checked: a CS manager sees one table merged from every department, newest first, in people's
names and office words, with the address; the filters (a person by name, an action prefix, a
department, office days) and the pager (every row once); CSV and XLSX exports of the same rows
(masked, no formula); a front desk is refused the page, the exports and the nav link; the
department is asked as the person."""
from __future__ import annotations

import csv
import io
import json
import re
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import openpyxl
import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from propdesk import demo, plugins
from propdesk.chassis.clock import FakeClock
from propdesk.chassis.tables import AuditRow
from propdesk.errors import NotFound
from propdesk.testing.fake import ServiceHarness
from propdesk_services.gateway import auth
from propdesk_services.gateway.desk import audit
from propdesk_services.gateway.desk.pages import DeskPages
from propdesk_services.gateway.desk.records import RECORDS
from propdesk_services.gateway.desk.views import DESCRIPTIONS, NAMES

SECRET = b"k" * 43
ID_NUMBER = "11010519491231002X"
#: The people here work for both estates: they read every row, those no estate is known for too
#: (sign-ins; chassis/audit_view.py), as the rows below are.
ESTATES = ("E1", "E2")
PEOPLE = {"cs_manager": "赵敏", "front_desk": "王芳", "admin": "林涛", "director": "黄建国", "cashier": "孙燕"}


class Department:
    """A department as a nameko proxy is to `Remote`: its RPC methods, here its harness's queries
    (every call recorded)."""

    def __init__(self, harness: ServiceHarness, calls: list, down: bool = False):
        self.harness, self.calls, self.down = harness, calls, down

    def __getattr__(self, method: str):
        def call(*args, **kwargs):
            self.calls.append((self.harness.name, method, args, kwargs))
            if self.down:
                from propdesk_services.gateway.errors import ServiceUnavailable

                raise ServiceUnavailable(self.harness.name, "not running")
            return self.harness.query(method, *args, **kwargs)
        return call


class Sessions:
    """The staff service as auth.py asks it: a session token per demo account (username = role)."""

    def call(self, service, method, *args, **kwargs):
        assert (service, method) == ("staff", "resolve_session"), (service, method)
        role = args[0].removeprefix("tok-")
        if role not in PEOPLE:
            raise NotFound("no such session", field="token", rule="session_expired")
        return {"session_id": "S", "expires_at": "x", "absolute_expires_at": "y",
                "staff": {"id": role, "username": role, "name": PEOPLE[role], "department": "customer_service",
                          "roles": [role], "estates": list(ESTATES), "must_change_password": False}}


class Desk(DeskPages):
    """The gateway as the desk's routes see it: departments and settings."""

    def __init__(self, departments: dict):
        self.departments = departments
        self.settings = SimpleNamespace(rpc_timeout_s=5.0)
        self.keys = auth.Keys(SECRET)

    def get(self, path: str, staff: str | None = "cs_manager", lang: str = "zh"):
        cookies = f"{auth.LANG_COOKIE}={lang}"
        if staff:
            cookies += f"; {auth.SESSION_COOKIE}={self.keys.cookie_value('tok-' + staff)}"
        request = Request(EnvironBuilder(method="GET", path=path, headers={"Cookie": cookies}).get_environ())
        auth.bind(request, auth.Authenticator(self.keys, Sessions()))
        route = {"/audit": "desk_audit", "/": "desk_home"}.get(request.path)
        if route is None:
            return self.desk_audit_export(request, request.path.rsplit("/", 1)[1])
        return getattr(self, route)(request)


@pytest.fixture(scope="module")
def harnesses():
    """Every discovered department on the harness, with something in its trail: payments by two
    people in billing, sign-ins (with the client's address) in staff, a refusal, an unmasked row."""
    clock = FakeClock()
    apps = {name: ServiceHarness(cls, clock=clock, demo=True)
            for name, cls in plugins.service_classes().items() if name != "gateway"}
    billing, staff = apps["billing"], apps["staff"]
    for n, who in enumerate(["cashier", "counter_staff", "cashier"] * 10, start=1):
        billing.command("record_payment", {"unit_id": demo.DEMO_ARREARS_UNIT, "amount": "1.00", "method": "cash",
                                           "receipt_no": f"R-{n}"},
                        actor={"id": who, "role": who, "estates": ["E1"], "address": "198.51.100.7"})
        clock.advance(minutes=1)
        staff.command("sign_in", {"username": who, "password": demo.DEMO_STAFF_PASSWORD, "address": "203.0.113.9",
                                  "user_agent": "test"}, actor=None)
        clock.advance(minutes=1)
    with pytest.raises(Exception):
        billing.command("record_payment", {}, actor={"id": "security", "role": "security"})
    clock.advance(days=1)
    with staff.session() as s:
        s.add(AuditRow(at=clock.now(), actor_id="admin", actor_role="admin", action="note", object_type="party",
                       object_id='=HYPERLINK("http://x")', correlation_id=None,
                       details=json.dumps({"note": f"=身份证 {ID_NUMBER}"}, ensure_ascii=False),
                       prev_hash="0" * 64, row_hash="1" * 64))
        s.commit()
    return apps


@pytest.fixture(scope="module", autouse=True)
def kinds_kept():
    """The record kinds the page keeps (`records.RECORDS`, 5 minutes): these departments', asked
    once here, and not left for the next module's desk."""
    RECORDS.clear()
    yield
    RECORDS.clear()


@pytest.fixture
def calls():
    DESCRIPTIONS.clear()
    NAMES.clear()
    return []


@pytest.fixture
def desk(harnesses, calls):
    return Desk({name: Department(app, calls) for name, app in harnesses.items()})


def everything(harnesses) -> list[dict]:
    rows = [r for app in harnesses.values() for r in app.query("list_audit", limit=500)]
    return sorted(rows, key=lambda r: (r["at"], r["service"], r["id"]), reverse=True)


def rows_of(html: str) -> list[tuple[str, str]]:
    """(service, id) of each row of the table, in order."""
    return re.findall(r'<tr data-service="([a-z_]+)" data-id="(\d+)"', html)


# --- the page ------------------------------------------------------------------------------------
def test_a_manager_sees_every_department_merged_newest_first_in_names_and_office_words(desk, harnesses, calls):
    r = desk.get("/audit")
    html = r.get_data(as_text=True)
    assert r.status_code == 200, html
    expected = everything(harnesses)
    assert {r["service"] for r in expected} >= {"billing", "staff"}
    assert rows_of(html) == [(e["service"], str(e["id"])) for e in expected]
    assert 'id="nav-audit"' in html and 'aria-current="page"' in html
    assert "孙燕" in html and "胡小红" in html  # people's names, not ids
    assert "登记收费" in html and "登录" in html and "被拒绝" in html  # the office's words
    assert "财务部" in html and "系统管理" in html  # departments, not service names
    assert "198.51.100.7" in html and "203.0.113.9" in html  # from where
    assert "110105********002X" in html and ID_NUMBER not in html  # masked
    asked = [c for c in calls if c[1] == "list_audit"]
    assert {c[0] for c in asked} == set(harnesses)  # every discovered department, none listed
    assert {(c[3]["actor"]["id"], c[3]["actor"]["role"], tuple(c[3]["actor"]["estates"])) for c in asked} == {
        ("cs_manager", "cs_manager", ESTATES)}  # asked as the person, with the role that may read it


def test_in_english_too(desk):
    html = desk.get("/audit", lang="en").get_data(as_text=True)
    assert "Audit log" in html and "Payment recorded" in html and "Finance" in html


@pytest.mark.parametrize("staff", ["admin", "director"])
def test_directors_and_admins_may_read_it(desk, staff):
    assert desk.get("/audit", staff=staff).status_code == 200


def test_a_front_desk_is_refused_the_page_the_exports_and_the_link(desk, calls):
    r = desk.get("/audit", staff="front_desk")
    html = r.get_data(as_text=True)
    assert r.status_code == 403 and "role_not_allowed" not in html and "cs_manager" in html
    assert 'id="nav-audit"' not in html
    for fmt in ("csv", "xlsx"):
        assert desk.get(f"/audit/export/{fmt}", staff="front_desk").status_code == 403
    assert [c for c in calls if c[1] == "list_audit"] == []  # no department was asked
    home = desk.get("/", staff="front_desk").get_data(as_text=True)
    assert 'id="nav-audit"' not in home
    assert desk.get("/audit", staff=None).status_code == 303  # not signed in: to the sign-in page


# --- filters and pages ---------------------------------------------------------------------------
def test_the_filters(desk, harnesses):
    every = everything(harnesses)
    by_name = desk.get("/audit?actor=孙燕").get_data(as_text=True)  # a person by the name the table shows
    assert rows_of(by_name) == [(e["service"], str(e["id"])) for e in every if e["actor"]["id"] == "cashier"]
    prefix = desk.get("/audit?action=staff.*").get_data(as_text=True)
    assert rows_of(prefix) and {s for s, _ in rows_of(prefix)} == {"staff"}
    one = desk.get("/audit?service=billing").get_data(as_text=True)
    assert rows_of(one) == [(e["service"], str(e["id"])) for e in every if e["service"] == "billing"]
    day = desk.get("/audit?from=2026-11-24&until=2026-11-24").get_data(as_text=True)  # the office day after
    assert rows_of(day) == [("staff", str(every[0]["id"]))]
    before = desk.get("/audit?until=2026-11-23").get_data(as_text=True)
    assert len(rows_of(before)) == len(every) - 1


def test_filters_that_do_not_fit_are_shown_at_their_field_and_ask_nobody(desk, calls):
    r = desk.get("/audit?from=yesterday&until=2026-11-01&service=nowhere&object_id=" + "x" * 65)
    html = r.get_data(as_text=True)
    assert r.status_code == 400
    assert 'data-for="from" role="alert">请填写日期' in html
    assert 'data-for="service" role="alert">请从列表中选择部门' in html
    assert 'data-for="object_id" role="alert">最多 64 个字符' in html
    assert [c for c in calls if c[1] == "list_audit"] == []
    assert desk.get("/audit?until=9999-12-31").status_code == 400  # no time past the calendar's end
    r = desk.get("/audit?from=2026-11-30&until=2026-11-01")
    assert r.status_code == 400 and "截止日期早于起始日期" in r.get_data(as_text=True)
    r = desk.get("/audit/export/csv?from=yesterday")  # the export sends the form back to the page
    assert (r.status_code, r.headers["Location"]) == (303, "/audit?from=yesterday")


def test_the_pager_shows_every_row_once_in_order(desk, harnesses):
    every = everything(harnesses)
    assert len(every) > 50
    seen, path, pages = [], "/audit?limit=50", 0
    while path:
        pages += 1
        assert pages < 10, (path, seen)
        html = desk.get(path).get_data(as_text=True)
        seen += rows_of(html)
        older = re.search(r'<a class="button" href="([^"]+)" id="audit-older">', html)
        path = older.group(1).replace("&amp;", "&") if older else None
        if path:
            assert parse_qs(urlsplit(path).query)["limit"] == ["50"]
    assert seen == [(e["service"], str(e["id"])) for e in every]


# --- exports -------------------------------------------------------------------------------------
def body(response) -> bytes:
    return b"".join(response.response)


def test_the_csv_export_holds_every_row_masked_and_no_formula(desk, harnesses):
    r = desk.get("/audit/export/csv")
    assert r.status_code == 200 and r.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert r.headers["Content-Disposition"].startswith('attachment; filename="audit-')
    data = body(r)
    assert data.startswith("\ufeff".encode()) and int(r.headers["Content-Length"]) == len(data)
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert table[0][:3] == ["时间", "部门", "操作人"]
    every = everything(harnesses)
    assert len(table) - 1 == len(every) == int(r.headers["X-Propdesk-Rows"])
    assert [row[3] for row in table[1:]] == [e["actor"]["id"] for e in every]
    note = next(row for row in table[1:] if row[6] == "note")
    assert ID_NUMBER not in data.decode("utf-8-sig") and "110105********002X" in note[-1]
    assert not any(cell.startswith(("=", "+", "@")) for row in table for cell in row)
    filtered = list(csv.reader(io.StringIO(body(desk.get("/audit/export/csv?service=billing")).decode("utf-8-sig"))))
    assert len(filtered) - 1 == len([e for e in every if e["service"] == "billing"])


def test_the_xlsx_export_is_written_in_constant_memory_mode(desk, harnesses, monkeypatch):
    import xlsxwriter

    options = []
    real = xlsxwriter.Workbook

    def spy(target, opts=None):
        options.append(opts or {})
        return real(target, opts)

    monkeypatch.setattr(xlsxwriter, "Workbook", spy)
    r = desk.get("/audit/export/xlsx", lang="en")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    assert options and options[0]["constant_memory"] is True and options[0]["strings_to_formulas"] is False
    sheet = openpyxl.load_workbook(io.BytesIO(body(r)), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("Time", "Department", "Who")
    every = everything(harnesses)
    assert len(rows) - 1 == len(every)
    assert [row[6] for row in rows[1:]] == [e["action"] for e in every]
    cells = [c for row in openpyxl.load_workbook(io.BytesIO(body(desk.get("/audit/export/xlsx")))).active.iter_rows()
             for c in row]
    assert '=HYPERLINK("http://x")' in [c.value for c in cells] and {c.data_type for c in cells} <= {"s", "n"}


def test_an_export_is_refused_while_a_department_does_not_answer(harnesses, calls):
    departments = {name: Department(app, calls, down=(name == "billing")) for name, app in harnesses.items()}
    desk = Desk(departments)
    r = desk.get("/audit/export/csv")
    assert r.status_code == 503  # a file without billing's rows would pass for complete
    page = desk.get("/audit").get_data(as_text=True)
    assert 'id="unavailable"' in page and "billing" in page and rows_of(page)
    assert desk.get("/audit/export/pdf").status_code == 404


def test_a_formula_cell_is_kept_as_text():
    assert audit.safe_cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert audit.safe_cell("+1") == "'+1" and audit.safe_cell("a=b") == "a=b"
