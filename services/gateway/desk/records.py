"""Every department's records and queues on the desk, generically (SESSION4 RECORDS / QUEUES).

A department declares its record kinds in its ``messages.RECORDS`` and its work queues in
``messages.QUEUES``; the chassis answers two queries from them, and the desk needs nothing else:

- ``describe_records()`` -> ``{kind: {"title": {zh, en}, "get", "list", "id_field", "number_field",
  "columns", "fields" (field specs, as ``describe_schema``: name, type, label, choices,
  choice_labels {code: {zh, en}}), "filters" (the list query's argument specs), "create"
  (command names), "form" ({zh, en} or None), "signatures" ([{zh, en}]), "actions" (whether
  ``allowed_actions`` knows the kind)}}``;
- ``work_queues(actor=)`` -> ``[{"key", "title": {zh, en}, "items": [{"record", "id", "number",
  "title", "detail", "since", "due_at", "overdue", "owner"}]}]``, the queues of the asker's role.
  ``title`` and ``detail`` are the department's text, shown as sent (masked); a coded value goes
  in an item's optional ``fields`` ({field name: value} of its record), which the desk says after
  the detail as the record's page says that field: in the words the kind's own description gives
  it (``choice_labels`` of describe_records' field of that name; a value without words, or a kind
  the department does not describe now, as sent), e.g. billing's held reading
  ``{"hold_rule": "jump_beyond_factor"}``. An item may also carry a ``note`` ({"code",
  ...values}), which the desk says after those in the person's words (`words.QUEUE_NOTES`).

`Records` (made per request beside the `DeskView`) turns those answers into what the pages show:
the menu of kinds per department (only the kinds whose list the person's roles may read,
`propdesk.policy.READS`; "New ..." only for create commands one of their roles may give, from
``describe_commands``' roles), a list page (the filter form from the list query's arguments,
columns with their labels, coded values in the office's words, pages of `PAGE_SIZE`), a record
page (fields; the timeline from the department's ``list_audit`` for the record when the person
may read it, its coded details in the kind's words as on the audit page, `audit.detail_words`,
else the record's own ``history``; the actions ``allowed_actions(kind, id, role)`` answers for any
of the person's roles), the print view, the queues on the home page and the
search through each list query that takes a ``q`` filter.

The descriptions are kept for five minutes (they change with a deployment). A department that
does not answer ``describe_records``/``work_queues`` at all (an older one, notify) simply has no
kinds or queues; one that is down is named "unavailable", with the titles of the queues it had
when it last answered, and never breaks the page.
"""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

from propdesk import policy
from propdesk.errors import Forbidden, NotFound, ValidationError
from propdesk.privacy import mask_text
from propdesk_services.gateway.desk import audit, forms, render, words
from propdesk_services.gateway.desk.i18n import N_, gettext
from propdesk_services.gateway.desk.views import TtlCache
from propdesk_services.gateway.errors import ServiceFailed
from propdesk_services.gateway.remote import Call

DESCRIBE = "describe_records"
QUEUES = "work_queues"
PAGE_SIZE = 50
#: How many hits of one kind the search shows.
SEARCH_HITS = 20
#: Filters the desk never shows as inputs (paging is the desk's).
HIDDEN_FILTERS = frozenset({"limit", "before_id", "offset"})

#: service -> its describe_records answer (5 minutes; failures are not kept).
RECORDS = TtlCache(300.0)
#: service -> True for a department that answers no work_queues at all (5 minutes: not asked again
#: on every poll of the home page).
NO_QUEUES = TtlCache(300.0)
#: (service, role) -> [(queue key, title {zh, en})] as last answered: what to name as unavailable
#: when the department is down.
_SEEN_QUEUES: dict[tuple[str, str], list[tuple[str, dict]]] = {}
_SEEN_LOCK = threading.Lock()

#: A department's menu heading (the office's words); others show the service's name.
SERVICE_TITLES = {
    "residents": N_("Residents and units"),
    "tickets": N_("Customer service tickets"),
    "billing": N_("Fees and billing"),
    "access": N_("Access, keys and passes"),
    "staff": N_("Staff"),
}
#: Kinds the search page shows in sections of its own (the units, with their move-out buttons).
SEARCHED_ALREADY = frozenset({("residents", "unit")})
#: The label of a list's ``q`` filter when the department gives none.
SEARCH_TEXT = N_("Search text")
#: Field names (or endings) that hold a staff id: shown as the person's name.
PERSON_FIELDS = ("owner", "responsible", "inspector", "handler", "assignee")
PERSON_SUFFIXES = ("_by", "_staff", "_staff_id")
#: A time in a field the department did not type (an ISO 8601 moment): shown in the office's time.
_ISO_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$")


def absent(exc: BaseException) -> bool:
    """Whether a failure says the department has no such query (not that it is down)."""
    if isinstance(exc, ServiceFailed):
        return "MethodNotFound" in exc.detail
    return isinstance(exc, AttributeError)


def service_title(service: str, lang: str) -> str:
    msgid = SERVICE_TITLES.get(service)
    return gettext(lang, msgid) if msgid else service


def said(value, lang: str, fallback: str = "") -> str:
    """A {zh, en} pair (or a plain string) in the person's language."""
    if isinstance(value, dict):
        return value.get(lang) or value.get("zh") or value.get("en") or fallback
    if isinstance(value, (list, tuple)) and len(value) == 2 and all(isinstance(v, str) for v in value):
        return value[1] if lang == "en" else value[0]
    return str(value) if value not in (None, "") else fallback


def label_of(spec: dict, lang: str) -> str:
    return said(spec.get("label"), lang, spec.get("name", ""))


def is_person_field(name: str) -> bool:
    return name in PERSON_FIELDS or name.endswith(PERSON_SUFFIXES)


def code_words(spec: dict, code, lang: str) -> str | None:
    """The office's words for a coded value: the department's ``choice_labels``, else the
    vocabulary that holds every choice (`forms.choice_labels`); None when the field is not coded."""
    labels = spec.get("choice_labels") or {}
    if str(code) in labels:
        return said(labels[str(code)], lang, str(code))
    if spec.get("choices"):
        return dict((c.code, c.label) for c in forms.choice_labels(spec["choices"], lang)).get(str(code), str(code))
    return None


def shown(spec: dict, value, lang: str, names: dict) -> str:
    """One value as a person reads it: a code in the office's words, a time in the office's time
    zone, a date, yes/no, money, a staff id as the person's name, lists joined."""
    if value is None or value == "":
        return ""
    kind = spec.get("type") or "string"
    if isinstance(value, list):
        item_spec = {**spec, "type": spec.get("items") or "string"}
        return "；".join(shown(item_spec, v, lang, names) for v in value)
    if isinstance(value, dict):
        return "；".join(f"{k}: {shown({}, v, lang, names)}" for k, v in value.items() if v not in (None, ""))
    words_of = code_words(spec, value, lang)
    if words_of is not None:
        return words_of
    if kind == "boolean" or isinstance(value, bool):
        return gettext(lang, "Yes") if value else gettext(lang, "No")
    if kind == "datetime" or (isinstance(value, str) and _ISO_MOMENT.match(value)):
        return render.when(value, lang)
    if kind == "date":
        return render.day(value, lang)
    if kind == "money":
        return render.money(value)
    if isinstance(value, str) and is_person_field(spec.get("name") or ""):
        return names.get(value) or value
    return str(value)


@dataclass
class Kind:
    """One record kind of one department, as its describe_records entry says."""

    service: str
    kind: str
    spec: dict

    @property
    def href(self) -> str:
        return f"/records/{quote(self.service)}/{quote(self.kind)}"

    def record_href(self, record_id) -> str:
        return f"{self.href}/{quote(str(record_id), safe='')}"

    @property
    def id_field(self) -> str:
        return self.spec.get("id_field") or "id"

    @property
    def number_field(self) -> str | None:
        return self.spec.get("number_field")

    def title(self, lang: str) -> str:
        return said(self.spec.get("title"), lang, self.kind)

    def fields(self) -> list[dict]:
        return [f for f in self.spec.get("fields") or () if isinstance(f, dict) and f.get("name")]

    def field(self, name: str) -> dict:
        return next((f for f in self.fields() if f["name"] == name), {"name": name})

    def specs(self) -> dict[str, dict]:
        """{field name: spec}: how an audit row's details of the kind read (`audit.detail_words`)."""
        return {f["name"]: f for f in self.fields()}

    def columns(self) -> list[str]:
        cols = list(self.spec.get("columns") or ())
        if cols:
            return cols
        first = [n for n in (self.number_field or self.id_field,) if n]
        return first + [f["name"] for f in self.fields() if f["name"] not in first][:4]

    def filters(self) -> list[dict]:
        return [f for f in self.spec.get("filters") or ()
                if isinstance(f, dict) and f.get("name") and f["name"] not in HIDDEN_FILTERS]

    def takes_q(self) -> bool:
        return any(f.get("name") == "q" for f in self.spec.get("filters") or ())


#: Fields shown as a badge (a record's state).
STATE_FIELDS = ("state", "status")


@dataclass
class Cell:
    name: str
    label: str
    text: str
    #: a list of rows (goods item by item, signatures): the rows' column labels and their cells,
    #: drawn as a table on the record page and the paper form (`text` stays the one-line form)
    columns: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()

    @property
    def badge(self) -> bool:
        return self.name in STATE_FIELDS and bool(self.text)


@dataclass
class Row:
    id: str
    href: str
    cells: list[Cell]


@dataclass
class Filter:
    """One input of a list page's filter form."""

    name: str
    label: str
    kind: str                     # text | search | select | boolean | date | number
    value: str = ""
    choices: list[tuple[str, str]] = field(default_factory=list)
    error: str | None = None
    max_length: int | None = None


@dataclass
class RecordItem:
    """One item of a department's work queue, as _queues.html draws it."""

    kind: str
    record_id: str
    number: str
    title: str
    detail: str
    since: str | None
    due: str | None
    overdue: bool
    href: str
    owner: str | None = None
    #: the person asking owns it (首问负责制: their own open contacts, orders they follow up)
    mine: bool = False


@dataclass
class RecordQueue:
    key: str
    title: str
    service: str
    items: list[RecordItem] = field(default_factory=list)
    unavailable: bool = False


class Records:
    """What the generic record pages show, for one request (`view`: the request's `DeskView`)."""

    def __init__(self, view):
        self.view = view
        self.remote = view.remote
        self.principal = view.principal
        self.lang = view.lang

    @property
    def roles(self) -> list[str]:
        return [r for r in self.principal.roles if r in policy.ROLES]

    def _unavailable(self, service: str) -> None:
        if service not in self.view.unavailable:
            self.view.unavailable.append(service)

    # --- what the departments keep --------------------------------------------------------------
    def catalog(self, only=None) -> dict[str, dict]:
        """service -> its kinds ({kind: entry}) for every department the gateway discovers (those of
        `only` of them); a department that is down is left out (and named unavailable)."""
        services = sorted(s for s in self.remote.proxies if only is None or s in only)
        out: dict[str, dict] = {}
        missing = []
        for service in services:
            hit = RECORDS.peek(service)
            if hit is not None:
                out[service] = hit
            else:
                missing.append(service)
        answers = self.remote.gather(*(Call(s, DESCRIBE) for s in missing))
        for service, answer in zip(missing, answers):
            if isinstance(answer, Exception):
                if absent(answer):
                    RECORDS.put(service, {})
                    out[service] = {}
                else:
                    self._unavailable(service)
                continue
            answer = answer if isinstance(answer, dict) else {}
            RECORDS.put(service, answer)
            out[service] = answer
        return {s: out[s] for s in services if s in out}

    def kind(self, service: str, kind: str) -> Kind:
        """The kind, or NotFound (a department that is down: its own failure)."""
        if service not in self.remote.proxies:
            raise NotFound(f"no department {service!r}", field="service", rule="exists")
        entry = RECORDS.peek(service)
        if entry is None:
            entry = self.remote.call(service, DESCRIBE)
            entry = entry if isinstance(entry, dict) else {}
            RECORDS.put(service, entry)
        if kind not in entry:
            raise NotFound(f"{service} keeps no records of kind {kind!r}", field="kind", rule="exists")
        return Kind(service, kind, entry[kind])

    def may_list(self, k: Kind) -> bool:
        return any(policy.may_read(role, k.spec.get("list") or "") for role in self.roles)

    def require_list(self, k: Kind) -> None:
        if not self.may_list(k):
            raise Forbidden(f"none of your roles ({', '.join(self.principal.roles) or '-'}) may read "
                            f"{k.service}.{k.spec.get('list')}", field="actor.role", rule=policy.RULE)

    def creatable(self, k: Kind, prefill: dict | None = None, needs: str | None = None) -> list[tuple[str, str, str]]:
        """(command, title, href) of the kind's create commands one of the person's roles may give
        (``describe_commands``' roles); `prefill` values of the command's fields go into the link
        (a list filtered by unit: the new record is for that unit); with `needs`, only commands
        having that field."""
        described = self.view.describe(k.service)
        out = []
        for command in k.spec.get("create") or ():
            spec = described.get(command)
            if spec is None or not set(spec.get("roles") or ()) & set(self.roles):
                continue
            names = {f["name"] for f in spec.get("fields") or ()}
            if needs is not None and needs not in names:
                continue
            given = {name: value for name, value in (prefill or {}).items() if name in names and value}
            href = f"{k.href}/new/{quote(command)}" + (f"?{urlencode(given)}" if given else "")
            out.append((command, words.action_title(k.service, command, spec, self.lang), href))
        return out

    def for_units(self) -> list[dict]:
        """The create commands taking a ``unit_id`` that the person may give (the search's units
        offer them: a repair or a complaint for this unit)."""
        out = []
        for service, kinds in self.catalog().items():
            for name, spec in kinds.items():
                k = Kind(service, name, spec)
                try:
                    for command, title, href in self.creatable(k, needs="unit_id"):
                        out.append({"command": command, "title": title, "href": href})
                except Exception:  # describe_commands did not answer: not offered now
                    self._unavailable(service)
        return out

    def menu(self) -> list[dict]:
        """Per department (in the office's words): the kinds the person may list, with their "New"
        buttons."""
        out = []
        for service, kinds in self.catalog().items():
            entries = []
            for name, spec in kinds.items():
                k = Kind(service, name, spec)
                if not self.may_list(k):
                    continue
                try:
                    new = self.creatable(k)
                except Exception:  # describe_commands did not answer: no "New" buttons now
                    self._unavailable(service)
                    new = []
                entries.append({"kind": name, "title": k.title(self.lang), "href": k.href, "new": new})
            if entries:
                out.append({"service": service, "title": service_title(service, self.lang), "kinds": entries})
        return out

    # --- the list page -------------------------------------------------------------------------
    def filter_form(self, k: Kind, args) -> tuple[list[Filter], dict]:
        """The filter inputs (with what was typed) and the list query's keyword arguments."""
        inputs, kwargs = [], {}
        for spec in k.filters():
            name = spec["name"]
            typed = " ".join(str(args.get(name) or "").split())[:200]
            kind = spec.get("type") or "string"
            f = Filter(name, self.filter_label(k, spec), "text", typed, max_length=spec.get("max_length"))
            if spec.get("choices"):
                f.kind = "select"
                f.choices = [(str(c), code_words(spec, c, self.lang) or str(c)) for c in spec["choices"]]
            elif kind == "boolean":
                f.kind = "boolean"
            elif kind == "date":
                f.kind = "date"
            elif kind in ("integer", "decimal"):
                f.kind = "number"
            elif name == "q":
                f.kind = "search"
            inputs.append(f)
            if not typed:
                continue
            if kind == "boolean":
                if typed in ("true", "false"):
                    kwargs[name] = typed == "true"
            elif kind == "integer" and typed.lstrip("-").isdigit():
                kwargs[name] = int(typed)
            else:
                kwargs[name] = typed
        return inputs, kwargs

    def filter_label(self, k: Kind, spec: dict) -> str:
        """A filter's label: its own, else the record field's of the same name (a list query's
        arguments seldom carry labels), else for ``q`` the desk's word."""
        name = spec["name"]
        label = spec.get("label")
        if isinstance(label, dict) and any(label.get(lang) not in (None, "", name) for lang in ("zh", "en")):
            return label_of(spec, self.lang)
        if name == "q":
            return gettext(self.lang, SEARCH_TEXT)
        same = k.field(name)
        return label_of(same, self.lang) if same.get("label") else name

    def rows(self, k: Kind, records: list[dict], names: dict) -> list[Row]:
        cols = k.columns()
        specs = {c: k.field(c) for c in cols}
        out = []
        for rec in records:
            if not isinstance(rec, dict):
                continue
            rid = rec.get(k.id_field)
            cells = [Cell(c, label_of(specs[c], self.lang), shown(specs[c], rec.get(c), self.lang, names))
                     for c in cols]
            out.append(Row(str(rid or ""), k.record_href(rid) if rid else "", cells))
        return out

    def list_page(self, service: str, kind: str, args) -> dict:
        k = self.kind(service, kind)
        self.require_list(k)
        inputs, kwargs = self.filter_form(k, args)
        problems = {}
        try:
            records = self.remote.call(service, k.spec["list"], **kwargs)
        except ValidationError as err:  # a filter the department refused: at its input
            records = []
            for p in err.problems:
                problems[p.field] = forms.problem_text(p.rule, p.message, self.lang)
        for f in inputs:
            f.error = problems.pop(f.name, None)
        records = records if isinstance(records, list) else []
        try:
            page = max(1, int(args.get("page") or 1))
        except ValueError:
            page = 1
        pages = max(1, -(-len(records) // PAGE_SIZE))
        page = min(page, pages)
        chunk = records[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
        names = self.view.names() if any(is_person_field(c) for c in k.columns()) else {}
        typed = {f.name: f.value for f in inputs if f.value}

        def link(n: int) -> str:
            return f"{k.href}?{urlencode({**typed, 'page': n})}"

        return {
            "kind": k, "title": k.title(self.lang), "department": service_title(service, self.lang),
            "filters": inputs, "filter_problems": list(problems.values()),
            "headings": [label_of(k.field(c), self.lang) for c in k.columns()],
            "rows": self.rows(k, chunk, names), "total": len(records), "page": page, "pages": pages,
            "prev": link(page - 1) if page > 1 else None, "next": link(page + 1) if page < pages else None,
            "new": self.creatable(k, prefill=typed), "unavailable": sorted(set(self.view.unavailable)),
        }

    # --- one record ----------------------------------------------------------------------------
    def record(self, k: Kind, record_id: str) -> dict:
        return self.remote.call(k.service, k.spec["get"], record_id)

    def facts(self, k: Kind, record: dict, names: dict, blanks: bool = False) -> list[Cell]:
        """The record's fields with their labels, in the order the department describes them
        (every key when it describes none); empty ones only with `blanks` (the paper form), the
        id not again when it is the number."""
        specs = k.fields() or [{"name": key} for key in record if key != "history"]
        number = record.get(k.number_field) if k.number_field else None
        out = []
        for s in specs:
            name = s["name"]
            if name == "history" or (name == k.id_field != k.number_field and record.get(name) == number):
                continue
            cell = Cell(name, label_of(s, self.lang), shown(s, record.get(name), self.lang, names),
                        *self.table(s, record.get(name), names))
            if cell.text or blanks:
                out.append(cell)
        return out

    def table(self, spec: dict, value, names: dict) -> tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]:
        """A list of rows whose fields the department describes (``items: object``): the labels of
        the columns some row fills, and each row's cells in the office's words; () () otherwise."""
        row_specs = spec.get("fields") or ()
        if spec.get("items") != "object" or not row_specs or not isinstance(value, list) or not value:
            return (), ()
        rows = [r for r in value if isinstance(r, dict)]
        used = [f for f in row_specs if any(r.get(f["name"]) not in (None, "", []) for r in rows)]
        return (tuple(label_of(f, self.lang) for f in used),
                tuple(tuple(shown(f, r.get(f["name"]), self.lang, names) for f in used) for r in rows))

    def allowed(self, k: Kind, record_id: str) -> list[str]:
        """The commands the department allows on the record now, for any of the person's roles
        (not asked when the department says the kind has no actions)."""
        if k.spec.get("actions") is False:
            return []
        calls = [Call(k.service, "allowed_actions", (k.kind, record_id, role)) for role in self.roles]
        out: list[str] = []
        for answer in self.remote.gather(*calls):
            if isinstance(answer, (NotFound, ValidationError)) or (isinstance(answer, Exception) and absent(answer)):
                continue  # no such record yet, or the kind has no actions
            if isinstance(answer, Exception):
                self._unavailable(k.service)
                continue
            for command in answer or ():
                if command not in out:
                    out.append(command)
        return out

    def timeline(self, k: Kind, record: dict, record_id: str, names: dict) -> list[dict]:
        """What happened to the record: the department's audit trail for it (oldest first) when
        the person may read it, else the record's own ``history``."""
        role = audit.reader_role(self.principal)
        if role is None:
            return self._history(record.get("history"), names)
        ids = [record_id]
        number = record.get(k.number_field) if k.number_field else None
        if number and str(number) != record_id:
            ids.append(str(number))
        actor = {"id": self.principal.id, "role": role}
        answers = self.remote.gather(*(Call(k.service, "list_audit", kwargs={"object_id": i, "limit": 100,
                                                                               "actor": actor}) for i in ids))
        rows, seen = [], set()
        for answer in answers:
            if isinstance(answer, Exception):
                self._unavailable(k.service)
                continue
            for row in answer:
                if row.get("id") not in seen:
                    seen.add(row.get("id"))
                    rows.append(row)
        if not rows:
            return self._history(record.get("history"), names)
        rows.sort(key=lambda r: (str(r.get("at") or ""), r.get("id") or 0))
        kinds: dict[str, dict] = {k.kind: k.specs()}  # the record kind of a row (another: as described now)

        def specs(object_type: str) -> dict:
            if object_type not in kinds:
                other = self.described(k.service, object_type)
                kinds[object_type] = other.specs() if other is not None else {}
            return kinds[object_type]

        return [{"at": r.get("at"), "who": words.audit_who(r.get("actor"), k.service, names, self.lang),
                 "what": words.audit_action(k.service, r.get("action") or "", r.get("object_type") or "",
                                            r.get("object_id") or "", self.lang),
                 "note": _note(r.get("details") or {}, specs(r.get("object_type") or k.kind), self.lang)}
                for r in rows]

    def _history(self, history, names: dict) -> list[dict]:
        out = []
        for h in history if isinstance(history, list) else ():
            if not isinstance(h, dict):
                continue
            at = next((h[key] for key in ("at", "occurred_at", "time", "created_at") if h.get(key)), None)
            who = next((h[key] for key in ("by", "actor_id", "staff_id", "actor") if h.get(key)), None)
            if isinstance(who, dict):
                who = words.acting(who, None, names, self.lang)
            elif who:
                who = names.get(who) or who
            what = next((h[key] for key in ("what", "summary", "action", "event", "state") if h.get(key)), "")
            out.append({"at": at, "who": who or "", "what": mask_text(str(what)),
                        "note": mask_text(str(h.get("note") or h.get("reason") or ""))})
        return out

    def record_page(self, service: str, kind: str, record_id: str) -> dict:
        k = self.kind(service, kind)
        record = self.record(k, record_id)
        names = self.view.names()
        commands = self.allowed(k, record_id)
        facts = self.facts(k, record, names)
        described = self.view.describe(service) if commands else {}
        actions = [{"command": c, "title": words.action_title(service, c, described.get(c), self.lang),
                    "href": f"{k.record_href(record_id)}/actions/{quote(c)}",
                    "danger": f"{service}.{c}" in words.DANGEROUS}
                   for c in commands if c in described]
        return {
            "kind": k, "title": k.title(self.lang), "department": service_title(service, self.lang),
            "record": record, "record_id": record_id, "number": record.get(k.number_field) or record_id,
            "facts": facts, "state": next((c for c in facts if c.badge), None), "actions": actions,
            "timeline": self.timeline(k, record, record_id, names),
            "may_list": self.may_list(k), "printable": bool(k.spec.get("form")),
            "unavailable": sorted(set(self.view.unavailable)),
        }

    def print_page(self, service: str, kind: str, record_id: str) -> dict:
        k = self.kind(service, kind)
        if not k.spec.get("form"):
            raise NotFound(f"{service} prints no paper form for {kind}", field="kind", rule="printable")
        record = self.record(k, record_id)
        names = self.view.names()
        number = record.get(k.number_field) or record_id
        return {
            "kind": k, "record_id": record_id, "number": number,
            "form_title": said(k.spec["form"], self.lang), "title": k.title(self.lang),
            "facts": [c for c in self.facts(k, record, names, blanks=True) if c.name != k.number_field],
            "signatures": [said(s, self.lang) for s in k.spec.get("signatures") or ()],
            "qr": self.qr(k, number),
        }

    def qr(self, k: Kind, number: str) -> dict | None:
        """The code the kind prints for the one who checks it (``qr`` of its description), or None:
        the kind prints none, the record has none yet, or the department cannot say (the paper
        form itself is what must print)."""
        query = k.spec.get("qr")
        if not query:
            return None
        try:
            answer = self.remote.call(k.service, query, number)
        except Exception:  # noqa: BLE001 - Conflict before the slip is issued, or the department down
            return None
        return answer if isinstance(answer, dict) and str(answer.get("data_uri", "")).startswith("data:image/") else None

    # --- the forms -----------------------------------------------------------------------------
    def command_spec(self, k: Kind, command: str) -> dict:
        spec = self.view.describe(k.service).get(command)
        if spec is None:
            raise NotFound(f"{k.service} has no command {command}", field="command", rule="exists")
        return spec

    @staticmethod
    def current(spec: dict, record: dict) -> dict:
        """The record's present values of the command's fields of the same name (a correction
        starts from what is recorded); times and objects are left for the person to type."""
        out = {}
        for f in spec.get("fields") or ():
            value = record.get(f["name"])
            if value in (None, "", []) or (f.get("type") or "string") in ("datetime", "object"):
                continue
            if isinstance(value, list):
                if all(isinstance(v, (str, int, float)) for v in value):
                    out[f["name"]] = [str(v) for v in value]
            elif isinstance(value, bool):
                out[f["name"]] = value
            elif isinstance(value, (str, int, float)):
                out[f["name"]] = str(value)
        return out

    def fixed(self, k: Kind, spec: dict, record_id: str) -> dict:
        names = {f["name"] for f in spec.get("fields", ())}
        return {k.id_field: record_id} if k.id_field in names else {}

    # --- the home page's queues ----------------------------------------------------------------
    def queues(self) -> list[RecordQueue]:
        """Every department's queues for each of the person's roles, merged (one per department
        and key), items oldest first; a department that is down: its queues as unavailable."""
        services = [s for s in sorted(self.remote.proxies) if NO_QUEUES.peek(s) is None]
        pairs = [(s, r) for s in services for r in self.roles]
        answers = self.remote.gather(*(Call(s, QUEUES, kwargs={"actor": {"id": self.principal.id, "role": r}})
                                       for s, r in pairs))
        merged: dict[tuple[str, str], RecordQueue] = {}
        names = None
        kinds: dict[tuple[str, str], Kind | None] = {}  # the kinds whose items name fields
        for (service, role), answer in zip(pairs, answers):
            if isinstance(answer, Exception):
                if absent(answer):
                    NO_QUEUES.put(service, True)
                    continue
                self._unavailable(service)
                with _SEEN_LOCK:
                    seen = list(_SEEN_QUEUES.get((service, role), ()))
                for key, title in seen:
                    merged.setdefault((service, key), RecordQueue(key, said(title, self.lang, key), service,
                                                                  unavailable=True))
                continue
            answer = [q for q in answer or () if isinstance(q, dict) and q.get("key")]
            with _SEEN_LOCK:
                _SEEN_QUEUES[(service, role)] = [(q["key"], q.get("title") or {}) for q in answer]
            for q in answer:
                queue = merged.setdefault((service, q["key"]), RecordQueue(
                    q["key"], said(q.get("title"), self.lang, q["key"]), service))
                queue.unavailable = False
                known = {(i.kind, i.record_id) for i in queue.items}
                for item in q.get("items") or ():
                    if not isinstance(item, dict) or (item.get("record"), str(item.get("id"))) in known:
                        continue
                    if names is None:
                        names = self.view.names()
                    k = None
                    if isinstance(item.get("fields"), dict) and item["fields"]:
                        key = (service, str(item.get("record") or ""))
                        if key not in kinds:
                            kinds[key] = self.described(*key)
                        k = kinds[key]
                    queue.items.append(self._item(service, item, names, self.principal.id, self.lang, k))
                    known.add((item.get("record"), str(item.get("id"))))
        for queue in merged.values():  # what is overdue first, then the oldest
            queue.items.sort(key=lambda i: (not i.overdue, i.since or "", i.record_id))
        return list(merged.values())

    def queue(self, service: str, key: str) -> RecordQueue:
        """One of the person's queues whole (the home page shows each queue's first items);
        NotFound for a queue none of their roles has there."""
        for queue in self.queues():
            if (queue.service, queue.key) == (service, key):
                return queue
        raise NotFound(f"no work queue {service}/{key} for you", field="queue", rule="exists")

    def described(self, service: str, kind: str) -> Kind | None:
        """The kind as its department describes it now (kept 5 minutes), or None: it describes no
        such kind, or does not answer (a queue item's fields are then shown as sent)."""
        try:
            return self.kind(service, kind)
        except Exception:  # noqa: BLE001 - NotFound, or the department stopped answering meanwhile
            return None

    @staticmethod
    def _item(service: str, item: dict, names: dict, me: str | None = None, lang: str = "zh",
              record_kind: Kind | None = None) -> RecordItem:
        """An item as the queue draws it: its detail, then each of its ``fields`` as the record's
        page says that field (`shown` with the field's spec of `record_kind`, the item's record kind:
        a code in the words of the kind's ``choice_labels``; as sent without them), then its ``note``
        (a code the department sends, e.g. billing's held reading the meter has passed) in the
        person's words (`words.queue_note`)."""
        kind, rid = str(item.get("record") or ""), str(item.get("id") or "")
        owner = item.get("owner")
        given = item.get("fields") if isinstance(item.get("fields"), dict) else {}
        values = [mask_text(shown(record_kind.field(str(name)) if record_kind else {"name": str(name)}, value,
                                  lang, names)) for name, value in given.items()]
        detail = " · ".join(t for t in (mask_text(str(item.get("detail") or "")), *values,
                                        words.queue_note(item.get("note"), lang)) if t)
        return RecordItem(kind, rid, str(item.get("number") or rid), mask_text(str(item.get("title") or "")),
                          detail, item.get("since"), item.get("due_at"),
                          bool(item.get("overdue")),
                          f"/records/{quote(service)}/{quote(kind)}/{quote(rid, safe='')}",
                          (names.get(owner) or owner) if owner else None, bool(owner) and owner == me)

    # --- search --------------------------------------------------------------------------------
    def search(self, q: str) -> list[dict]:
        """Each kind whose list takes ``q`` (and the person may read), asked with it: its hits."""
        if not q:
            return []
        kinds = [Kind(s, name, spec) for s, entry in self.catalog().items() for name, spec in entry.items()]
        kinds = [k for k in kinds if k.takes_q() and self.may_list(k) and (k.service, k.kind) not in SEARCHED_ALREADY]
        answers = self.remote.gather(*(Call(k.service, k.spec["list"], kwargs={"q": q}) for k in kinds))
        out = []
        names = None
        for k, answer in zip(kinds, answers):
            if isinstance(answer, ValidationError):
                continue  # the department does not take this text as a search
            if isinstance(answer, Exception):
                self._unavailable(k.service)
                continue
            if names is None:
                names = self.view.names()
            hits = answer if isinstance(answer, list) else []
            out.append({"kind": k, "title": k.title(self.lang), "department": service_title(k.service, self.lang),
                        "headings": [label_of(k.field(c), self.lang) for c in k.columns()],
                        "rows": self.rows(k, hits[:SEARCH_HITS], names), "total": len(hits),
                        "more": f"{k.href}?{urlencode({'q': q})}" if len(hits) > SEARCH_HITS else None})
        return out


def _note(details: dict, specs: dict, lang: str) -> str:
    """A short note from an audit row's details (a reason, a note, the state it went to), a coded
    one in the words of the record's kind (`specs`, its fields by name), as the audit page says
    details (`audit.detail_words`)."""
    for key in ("reason", "note", "to", "state"):
        value = details.get(key)
        if isinstance(value, str) and value:
            return mask_text(str(audit.detail_words(specs, key, value, lang)))[:200]
    return ""
