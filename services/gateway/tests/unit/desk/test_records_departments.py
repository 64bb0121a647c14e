"""Every real department's RECORDS and QUEUES on the desk, with no gateway code of its own: each
discovered department that declares them runs on the harness (demo data, in-memory, no broker)
and the desk's generic pages (desk/records.py) are walked as each role would: the menu, every
kind's list, the first records of each list with their actions and forms, the print view, the
"New" forms, and the home page's queues, in both languages. A page that is not 200 (or 403 for a
read the role may not make) fails here, naming the department, the kind and the page.

    .venv/bin/python -m pytest -q services/gateway/tests/unit/desk/test_records_departments.py -k tickets
"""
from __future__ import annotations

import html as markup
import importlib
import re
from types import SimpleNamespace

import pytest

from propdesk import plugins, policy
from propdesk.chassis.clock import FakeClock
from propdesk.errors import NotFound
from propdesk.testing.fake import ServiceHarness
from propdesk_services.gateway import auth
from propdesk_services.gateway.desk import records
from propdesk_services.gateway.desk.views import DESCRIPTIONS, NAMES

from .test_records import ROUTES, SECRET, Desk as RoutedDesk

DEPARTMENTS = [name for name in plugins.service_names() if name != "gateway"]
#: Who walks the pages in both languages: a reader of the audit trail and the front desk (then every
#: role that may give one of the department's commands, and each role with queues there).
WALKERS = ("cs_manager", "front_desk")


class Sessions:
    """auth.py's session look-up: token ``tok-<role>`` is a person with that one role, at E1."""

    def call(self, service, method, *args, **kwargs):
        role = args[0].removeprefix("tok-")
        if role not in policy.ROLES:
            raise NotFound("no such session", field="token", rule="session_expired")
        return {"session_id": "S", "expires_at": "x", "absolute_expires_at": "y",
                "staff": {"id": role, "username": role, "name": policy.ROLES[role][0], "department": "x",
                          "roles": [role], "estates": ["E1"], "must_change_password": False}}


class Department:
    """A harness as a nameko proxy is to `Remote`: its commands and queries by name; a method it
    does not have fails as nameko's MethodNotFound does (the desk takes it as "none")."""

    def __init__(self, harness: ServiceHarness):
        self.harness = harness

    def __getattr__(self, method: str):
        def call(*args, **kwargs):
            if method in getattr(self.harness.messages, "COMMANDS", {}):
                return self.harness.command(method, *args, **kwargs)
            try:
                return self.harness.query(method, *args, **kwargs)
            except KeyError:
                raise AttributeError(f"{self.harness.name} has no {method}") from None
        return call


class Staff:
    def list_staff(self, include_disabled=False, *, actor=None):
        return [{"id": role, "name": zh} for role, (zh, _en) in policy.ROLES.items()]


class Desk(RoutedDesk):
    def send(self, method, path, staff="front_desk", lang="zh", data=None, htmx=False):
        from werkzeug.test import EnvironBuilder
        from werkzeug.wrappers import Request

        cookies = f"{auth.LANG_COOKIE}={lang}; {auth.SESSION_COOKIE}={self.keys.cookie_value('tok-' + staff)}"
        request = Request(EnvironBuilder(method=method, path=path, headers={"Cookie": cookies}).get_environ())
        auth.bind(request, auth.Authenticator(self.keys, Sessions()))
        endpoint, values = ROUTES.bind("desk.test").match(request.path, method=method)
        return getattr(self, endpoint)(request, **values)


#: The demo's queues whose items carry ``fields`` (each changed to send its codes so): the checks
#: below must draw at least these, which keeps them honest.
QUEUES_WITH_FIELDS = {
    "access": {"mail_to_collect", "lost_items_to_publicise", "lost_items_unclaimed", "release_slips_owner_confirmation",
               "release_slips_fee_clearance", "release_slips_countersignature", "release_slips_at_gate"},
    "billing": {"meter_readings_held", "deposit_refunds_requested", "billing_runs_awaiting_review"},
    "tickets": {"repairs_to_dispatch", "repairs_awaiting_acceptance", "repairs_attendance_overdue", "repairs_escalated",
                "my_open_contacts", "complaints_measures_due", "complaints_replies_due",
                "complaints_major_awaiting_director", "complaints_second", "return_visits_due",
                "return_visits_dissatisfied", "return_visit_rectifications"}}


def _messages(service: str):
    return importlib.import_module(f"propdesk_services.{service}.messages")


@pytest.fixture(autouse=True)
def _fresh_caches():
    DESCRIPTIONS.clear()
    NAMES.clear()
    records.RECORDS.clear()
    records.NO_QUEUES.clear()
    records._SEEN_QUEUES.clear()


@pytest.mark.parametrize("service", DEPARTMENTS)
def test_every_record_kind_and_queue_of_the_department_shows_on_the_desk(service):
    messages = _messages(service)
    kinds, queues = getattr(messages, "RECORDS", {}), getattr(messages, "QUEUES", {})
    if not kinds and not queues:
        pytest.skip(f"{service} declares no RECORDS or QUEUES")
    cls = plugins.service_classes([service])[service]
    harness = ServiceHarness(cls, clock=FakeClock(), demo=True)
    desk = Desk({service: Department(harness), **({} if service == "staff" else {"staff": Staff()})})
    desk.keys = auth.Keys(SECRET)
    problems: list[str] = []
    walked: list[str] = []

    def page(path: str, who: str, lang: str, allowed=(200,)) -> str:
        walked.append(path)
        r = desk.get(path, staff=who, lang=lang)
        html = r.get_data(as_text=True)
        if r.status_code not in allowed:
            text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
            problems.append(f"{who} {lang} GET {path}: {r.status_code} {text[-300:]}")
        elif 'id="unavailable"' in html and service in re.search(r'id="unavailable">([^<]*)<', html).group(1):
            problems.append(f"{who} {lang} GET {path}: {service} named unavailable")
        return html if r.status_code == 200 else ""

    # the two walkers in both languages; every other role that may give one of the department's
    # commands in Chinese (its own actions and forms)
    givers = sorted({r for name, roles in policy.POLICY.items() if name.startswith(f"{service}.")
                     for r in roles} - set(WALKERS) - {"finance"})
    for who, langs in [(w, ("zh", "en")) for w in WALKERS] + [(g, ("zh",)) for g in givers]:
        for lang in langs:
            menu = page("/records", who, lang)
            for kind, rec in kinds.items():
                href = f"/records/{service}/{kind}"
                readable = policy.may_read(who, rec.list)
                if readable and f'href="{href}"' not in menu:
                    problems.append(f"{who} {lang}: {kind} missing from the menu")
                html = page(href, who, lang, allowed=(200,) if readable else (403,))
                for new in re.findall(r'data-new="([a-z_]+)"', html):
                    page(f"{href}/new/{new}", who, lang)
                for rid in re.findall(r'<tr data-id="([^"]+)"', html)[:3]:
                    record = page(f"{href}/{rid}", who, lang)
                    for command in re.findall(r'data-command="([a-z_]+)"', record):
                        page(f"{href}/{rid}/actions/{command}", who, lang)
                    if rec.form:
                        page(f"{href}/{rid}/print", who, lang)
    for role in sorted({r for q in queues.values() for r in q.roles} & set(policy.ROLES)):
        home = page("/", role, "zh")
        for key, queue in queues.items():
            if role in queue.roles and f'id="queue-{service}-{key}"' not in home:
                problems.append(f"{role}: the queue {key} is not on the home page")
    assert problems == [], "\n".join(problems)
    assert {f"/records/{service}/{kind}" for kind in kinds} <= set(walked)


def _written(harness: ServiceHarness, kind: dict, item: dict) -> str:
    """What people wrote on the item's record: its text fields that name no vocabulary."""
    record = harness.query(kind["get"], item["id"])
    return " ".join(str(record.get(f["name"]) or "") for f in kind["fields"]
                    if f.get("type") == "string" and not f.get("choice_labels") and not f.get("choices"))


@pytest.mark.parametrize("service", ["access", "billing", "tickets"])
def test_a_queue_items_fields_read_in_the_words_of_the_departments_own_description(service):
    """The real department's queue items (demo data) name coded values of their record as
    ``fields``, never in their title or detail; the home page says each in the words the
    department's own describe_records gives that field of the item's kind, in both languages."""
    messages = _messages(service)
    harness = ServiceHarness(plugins.service_classes([service])[service], clock=FakeClock(), demo=True)
    desk = Desk({service: Department(harness), "staff": Staff()})
    desk.keys = auth.Keys(SECRET)
    described = harness.query("describe_records")
    checked: set[str] = set()
    for role in sorted({r for q in messages.QUEUES.values() for r in q.roles} & set(policy.ROLES)):
        queues = [q for q in harness.query("work_queues", actor={"id": role, "role": role})
                  if any(i.get("fields") for i in q["items"]) and q["key"] not in checked]
        if not queues:
            continue
        for lang in ("zh", "en"):
            home = desk.get("/", staff=role, lang=lang).get_data(as_text=True)
            for q in queues:
                section = home[home.index(f'id="queue-{service}-{q["key"]}"'):]
                section = section[:section.index("</section>")]
                shown = {rid: markup.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))) for rid, body in
                         re.findall(r'<li data-id="([^"]+)"[^>]*>(.*?)</li>', section, re.S)}
                for item in q["items"]:
                    if item["id"] not in shown or not item.get("fields"):
                        continue  # past what the home page shows of the queue (or nothing coded: unclassified)
                    specs = {f["name"]: f for f in described[item["record"]]["fields"]}
                    written = _written(harness, described[item["record"]], item)
                    for name, code in item["fields"].items():
                        words = specs[name]["choice_labels"][code][lang]
                        assert words in shown[item["id"]], (q["key"], name, lang, shown[item["id"]])
                        said = rf"(?<![\w-]){re.escape(code)}(?![\w-])"
                        if re.search(said, written):
                            continue  # a word a person wrote on the record ("... intercom has no sound")
                        rest = shown[item["id"]]  # a code may be a word of the fields' words ("Weekly phone visit")
                        for other, value in item["fields"].items():
                            rest = rest.replace(specs[other]["choice_labels"][value][lang], " ")
                        assert not re.search(said, rest), (q["key"], name, lang, shown[item["id"]])
                        assert code not in f'{item["title"]} {item["detail"]}'
        checked.update(q["key"] for q in queues)
    # the demo queues whose items carry fields (QUEUES_WITH_FIELDS) were all checked
    assert checked >= QUEUES_WITH_FIELDS[service]


#: What separates the words of a queue item's text ("1-1-101 李女士 · 工程部"): a vocabulary's label
#: between two of them (or an end) is said in its own right, not part of a name such as "朱婷(租户)".
_APART = r"\s·,;:，；：、"


def _labels_in(text: str, spec: dict) -> list[str]:
    """The labels of a coded field (its ``choice_labels``, both languages) said as words of `text`."""
    return [words for pair in (spec.get("choice_labels") or {}).values() for words in pair.values()
            if words and re.search(rf"(?:^|(?<=[{_APART}])){re.escape(words)}(?=$|[{_APART}])", text)]


@pytest.mark.parametrize("service", ["access", "billing", "tickets"])
def test_no_queue_item_spells_a_vocabulary_label_in_its_title_or_detail(service):
    """The real department's queue items (demo data) keep their text language-neutral (numbers,
    units, names, what was written down): no label of a vocabulary that a field of the item's kind
    names, in either language, in the title or detail the department sends; and as the desk draws
    them on the home page, none of the other language's labels (Chinese words of a vocabulary on
    the English desk, English ones on the Chinese desk). The queues of each department whose demo
    has items are all drawn, so a queue going back to a label in its text fails here."""
    messages = _messages(service)
    harness = ServiceHarness(plugins.service_classes([service])[service], clock=FakeClock(), demo=True)
    desk = Desk({service: Department(harness), "staff": Staff()})
    desk.keys = auth.Keys(SECRET)
    described = harness.query("describe_records")
    problems: list[str] = []
    drawn: set[str] = set()
    for role in sorted({r for q in messages.QUEUES.values() for r in q.roles} & set(policy.ROLES)):
        queues = [q for q in harness.query("work_queues", actor={"id": role, "role": role})
                  if q["items"] and q["key"] not in drawn]
        if not queues:
            continue
        for q in queues:
            for item in q["items"]:
                specs = described[item["record"]]["fields"]
                for spec in specs:
                    for words in _labels_in(f'{item["title"]} · {item["detail"]}', spec):
                        problems.append(f'{q["key"]} {item["id"]}: {spec["name"]} {words!r} in its text')
        for lang, other in (("zh", "en"), ("en", "zh")):
            home = desk.get("/", staff=role, lang=lang).get_data(as_text=True)
            for q in queues:
                section = home[home.index(f'id="queue-{service}-{q["key"]}"'):]
                section = section[:section.index("</section>")]
                shown = {rid: markup.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))).strip()
                         for rid, body in re.findall(r'<li data-id="([^"]+)"[^>]*>(.*?)</li>', section, re.S)}
                for item in q["items"]:
                    if item["id"] not in shown:
                        continue  # past what the home page shows of the queue, or of another estate
                    for spec in described[item["record"]]["fields"]:
                        foreign = {**spec, "choice_labels": {c: {other: w[other]} for c, w in
                                                             (spec.get("choice_labels") or {}).items()}}
                        for words in _labels_in(shown[item["id"]], foreign):
                            problems.append(f'{lang} desk, {q["key"]} {item["id"]}: {spec["name"]} {words!r}')
        drawn.update(q["key"] for q in queues)
    assert problems == [], "\n".join(problems)
    # the demo queues whose items carry fields (QUEUES_WITH_FIELDS) were all drawn
    assert drawn >= QUEUES_WITH_FIELDS[service]
