"""The audit view (审计日志, issue #8 §1): every department's audit trail in one table, for the
roles that may read it (`propdesk.policy.READS["list_audit"]`: CS manager, director, admin).

Each department answers ``list_audit`` from its own trail (chassis/audit_view.py); the desk asks
every department it discovers (the gateway's `Departments`, never a list here), concurrently, as
the person (``actor=``: the department checks the role too), and merges the answers newest first.

Paging across departments: a page asks each department for `limit` rows before its own cursor and
keeps the newest `limit` of them all; the next page's cursor is, per department, the id of the
last row it took from it (rows it did not take are asked again). The cursor travels in the link
as ``before=billing:120,staff:88``.

Filters (a GET form; the same parameters for the exports): ``actor`` (a username, ``token:<name>``,
a service, or a person's name as the desk shows it), ``action`` (a code, or a prefix ending in
``*``), ``object_type``, ``object_id``, ``case`` (correlation id), ``service`` (one department),
``from`` and ``until`` (office days, Asia/Shanghai, both included), ``limit`` (page size).

Exports: the same rows, all pages, as CSV (UTF-8 with a BOM, so a spreadsheet opens the Chinese
right; a cell that would start a formula is prefixed with ') or XLSX (XlsxWriter in constant-memory
mode, formulas and URLs never interpreted), `EXPORT_MAX_ROWS` at most. Both are written page by page
into a temporary file and streamed from it: the rows are never all in memory.
"""
from __future__ import annotations

import csv
import io
import json
import re
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from urllib.parse import urlencode

from werkzeug.wrappers import Response
from werkzeug.wsgi import FileWrapper

from propdesk import policy
from propdesk.chassis.calendar import OFFICE_TZ
from propdesk.errors import Forbidden, NotFound, Problem, ValidationError
from propdesk_services.gateway.desk import words
from propdesk_services.gateway.desk.i18n import N_, gettext
from propdesk_services.gateway.errors import ServiceFailed, ServiceUnavailable
from propdesk_services.gateway.remote import Call

QUERY = "list_audit"
PAGE_SIZES = (50, 100, 200, 500)
DEFAULT_PAGE_SIZE = 100
#: What one department is asked for at a time (its `list_audit` answers 500 at most).
BATCH = 500
#: The most rows one export holds (a spreadsheet opens it; ask again with narrower filters).
EXPORT_MAX_ROWS = 50_000
TEXT_FILTERS = {"actor": 64, "action": 128, "object_type": 64, "object_id": 64, "case": 64}
#: A ``list_audit`` argument a department named in a refusal -> the form's field.
FORM_FIELD = {"actor_id": "actor", "correlation_id": "case", "since": "from", "until": "until"}
_CURSOR_PART = re.compile(r"^([a-z][a-z0-9_]{0,63}):([1-9][0-9]{0,17})$")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

#: The columns of an export: (key of `Line.cells`, heading).
COLUMNS = (
    ("at", N_("Time")), ("department", N_("Department")), ("who", N_("Who")), ("actor_id", N_("Staff id")),
    ("role", N_("Role")), ("what", N_("What")), ("action", N_("Action code")), ("record_type", N_("Record")),
    ("record_id", N_("Record id")), ("case", N_("Case")), ("address", N_("From where")), ("details", N_("Details")),
)


def reader_role(principal) -> str | None:
    """The first of the person's roles that may read the audit trail, or None."""
    return next((role for role in principal.roles if policy.may_read(role, QUERY)), None)


def may_read(principal) -> bool:
    return principal is not None and reader_role(principal) is not None


def require_reader(principal) -> dict:
    """The actor the departments are asked as, or Forbidden (403 naming the role and the rule)."""
    role = reader_role(principal)
    if role is None:
        allowed = ", ".join(sorted(policy.READS[QUERY]))
        raise Forbidden(f"none of your roles ({', '.join(principal.roles) or '-'}) may read the audit trail; "
                        f"allowed: {allowed}", field="actor.role", rule=policy.RULE)
    return {"id": principal.id, "role": role, "estates": list(principal.estates)}


# --- the filters ----------------------------------------------------------------------------------
@dataclass
class Filters:
    actor: str | None = None
    action: str | None = None
    object_type: str | None = None
    object_id: str | None = None
    case: str | None = None
    service: str | None = None
    since: date | None = None
    until: date | None = None
    limit: int = DEFAULT_PAGE_SIZE
    cursor: dict[str, int] = field(default_factory=dict)
    #: the form's values as typed (shown again), and the problems found in them
    typed: dict[str, str] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_args(cls, args, departments, lang: str) -> "Filters":
        f = cls()
        for name, max_len in TEXT_FILTERS.items():
            value = " ".join((args.get(name) or "").split())
            f.typed[name] = value[:200]
            if len(value) > max_len:
                f.problems[name] = gettext(lang, "At most %(n)s characters", n=max_len)
            elif value:
                setattr(f, name, value)
        service = (args.get("service") or "").strip()
        f.typed["service"] = service
        if service:
            if service in departments:
                f.service = service
            else:
                f.problems["service"] = gettext(lang, "Choose a department of the list")
        for name, attr in (("from", "since"), ("until", "until")):
            value = (args.get(name) or "").strip()
            f.typed[name] = value[:20]
            if value:
                try:
                    day = date.fromisoformat(value)
                except ValueError:
                    day = None
                if day is None or not 1900 <= day.year <= 2999:
                    f.problems[name] = gettext(lang, "A date such as 2026-11-30")
                else:
                    setattr(f, attr, day)
        if f.since and f.until and f.until < f.since:
            f.problems["until"] = gettext(lang, "Until is before from")
        try:
            limit = int(args.get("limit") or DEFAULT_PAGE_SIZE)
        except ValueError:
            limit = DEFAULT_PAGE_SIZE
        f.limit = limit if limit in PAGE_SIZES else DEFAULT_PAGE_SIZE
        f.typed["limit"] = str(f.limit)
        f.cursor = parse_cursor(args.get("before"), departments)
        return f

    def check(self) -> None:
        """ValidationError naming each filter that does not fit (nothing is asked then)."""
        if self.problems:
            raise ValidationError([Problem(name, "invalid", message) for name, message in self.problems.items()])

    def query_kwargs(self, names: dict[str, str]) -> dict:
        """The filters as ``list_audit`` takes them: days as UTC times (the office day's start;
        until = the start of the day after), a person's name as their id."""
        out = {}
        if self.actor:
            out["actor_id"] = _id_of(self.actor, names)
        for name, arg in (("action", "action"), ("object_type", "object_type"), ("object_id", "object_id"),
                          ("case", "correlation_id")):
            if getattr(self, name):
                out[arg] = getattr(self, name)
        if self.since:
            out["since"] = _office_midnight(self.since).isoformat()
        if self.until:
            out["until"] = _office_midnight(self.until + timedelta(days=1)).isoformat()
        return out

    def params(self, **override) -> str:
        """The filters as a query string (for the pager and the export links)."""
        values = {"actor": self.actor, "action": self.action, "object_type": self.object_type,
                  "object_id": self.object_id, "case": self.case, "service": self.service,
                  "from": self.since.isoformat() if self.since else None,
                  "until": self.until.isoformat() if self.until else None,
                  "limit": self.limit if self.limit != DEFAULT_PAGE_SIZE else None}
        values.update(override)
        return urlencode({k: v for k, v in values.items() if v not in (None, "")})

    @property
    def filtered(self) -> bool:
        return any((self.actor, self.action, self.object_type, self.object_id, self.case, self.service,
                    self.since, self.until))


def _office_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=OFFICE_TZ).astimezone(timezone.utc)


def _id_of(value: str, names: dict[str, str]) -> str:
    """A person typed by name (as the table shows them) is asked for by id."""
    if value in names:
        return value
    matches = [staff_id for staff_id, name in names.items() if name == value]
    return matches[0] if len(matches) == 1 else value


def parse_cursor(text: str | None, departments) -> dict[str, int]:
    """``billing:120,staff:88`` -> {"billing": 120, "staff": 88}; a part that does not fit is dropped."""
    out: dict[str, int] = {}
    for part in (text or "")[:2000].split(","):
        m = _CURSOR_PART.match(part.strip())
        if m and m.group(1) in departments:
            out[m.group(1)] = int(m.group(2))
    return out


def cursor_text(cursor: dict[str, int]) -> str:
    return ",".join(f"{service}:{before}" for service, before in sorted(cursor.items()))


# --- asking the departments -----------------------------------------------------------------------
@dataclass
class Batch:
    entries: list[dict]
    cursor: dict[str, int]
    more: bool
    unavailable: list[str]


def departments_of(view, filters: Filters) -> list[str]:
    """The departments asked: every discovered one (the gateway's `Departments`), or the one chosen."""
    known = sorted(view.remote.proxies)
    return [filters.service] if filters.service else known


def fetch(view, filters: Filters, actor: dict, cursor: dict[str, int], limit: int, names: dict) -> Batch:
    """One page: the newest `limit` rows of every department before `cursor`, merged."""
    services = departments_of(view, filters)
    kwargs = filters.query_kwargs(names)
    calls = [Call(s, QUERY, kwargs={**kwargs, "limit": limit, "before_id": cursor.get(s), "actor": actor})
             for s in services]
    rows, full, unavailable = [], False, []
    for service, answer in zip(services, view.remote.gather(*calls)):
        if isinstance(answer, ServiceFailed) and "MethodNotFound" in answer.detail:
            continue  # a department that keeps no audit trail
        if isinstance(answer, (Forbidden, ValidationError)):
            raise answer  # the department refused the person, or a filter (shown at its field)
        if isinstance(answer, NotFound):
            continue
        if isinstance(answer, Exception):
            unavailable.append(service)
            continue
        rows.extend(answer)
        full = full or len(answer) >= limit
    rows.sort(key=lambda r: (_moment(r.get("at")), r.get("service") or "", r.get("id") or 0), reverse=True)
    taken = rows[:limit]
    after = dict(cursor)
    for r in taken:
        after[r["service"]] = r["id"]  # newest first: the last taken from a department is its oldest
    return Batch(taken, after, full or len(rows) > limit, unavailable)


def _moment(value) -> datetime:
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return datetime.min.replace(tzinfo=timezone.utc)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


# --- what a row shows ------------------------------------------------------------------------------
@dataclass
class Line:
    entry: dict
    cells: dict[str, str]
    case_href: str | None
    details: list[tuple[str, str]]


_CASE = re.compile(r"^MO-[A-Za-z0-9._:-]{1,60}$")


def line(entry: dict, names: dict, lang: str, kinds: dict | None = None) -> Line:
    """One row as the page shows it. `kinds`: (service, record kind) -> {field name: spec} of the
    record kinds the departments describe (`described_kinds`): a detail named as a coded field of
    the row's record kind reads in the words the kind gives it (its ``choice_labels``, as on the
    record's page), e.g. billing's meter reading's ``hold_rule``; any other detail as recorded."""
    actor = entry.get("actor") or {}
    service = entry.get("service") or ""
    details = entry.get("details") or {}
    address = entry.get("address") or ""
    shown = [(k, v) for k, v in details.items() if not (k in ("from", "address") and v == address)]
    case = entry.get("correlation_id") or ""
    role = actor.get("role") or ""
    cells = {
        "at": _office_time(entry.get("at")),
        "department": words.service_words(service, lang),
        "who": words.audit_who(actor, service, names, lang),
        "actor_id": actor.get("id") or "",
        "role": _role_words(role, lang),
        "what": words.audit_action(service, entry.get("action") or "", entry.get("object_type") or "",
                                   entry.get("object_id") or "", lang),
        "action": entry.get("action") or "",
        "record_type": words.record_type(entry.get("object_type") or "", lang),
        "record_id": entry.get("object_id") or "",
        "case": case,
        "address": address,
        "details": json.dumps(details, ensure_ascii=False, sort_keys=True, default=str) if details else "",
    }
    if role == "anonymous" and entry.get("object_type") == "staff" and entry.get("object_id"):
        # a sign-in attempt: nobody was signed in yet; the account it was for is who tried
        cells["who"] = names.get(entry["object_id"]) or entry["object_id"]
        cells["role"] = gettext(lang, "Not signed in")
    href = f"/move-outs/{case}" if _CASE.match(case) else None
    specs = (kinds or {}).get((service, entry.get("object_type") or "")) or {}
    return Line(entry, cells, href, [(k, _short(detail_words(specs, k, v, lang))) for k, v in shown])


#: Details that name the states a record went from and to (a change of state, e.g. reports'
#: move_out.state {"from", "to"}): said in the words of the kind's state field.
TRANSITION_DETAILS = ("from", "to")


def detail_words(specs: dict, name: str, value, lang: str):
    """A detail of an audit row in the words of its record kind (`specs`: {field name: spec} of the
    kind as its department describes it, `records.Kind.specs`) when it is coded: the kind's field of
    the same name, and for ``from``/``to`` its state field, as the record's page says them (their
    ``choice_labels``); a value the field gives no words for, and any other detail, as recorded.
    The audit page's details and the record page's timeline both say details through this."""
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        return value
    from propdesk_services.gateway.desk.records import STATE_FIELDS, code_words  # records imports this module

    spec = specs.get(name)
    if spec is None and name in TRANSITION_DETAILS:
        spec = next((specs[f] for f in STATE_FIELDS if f in specs), None)
    if spec is None:
        return value
    said = code_words(spec, value, lang)
    return value if said is None else said


def described_kinds(view, entries: list[dict]) -> dict:
    """(service, record kind) -> {field name: spec} of the kinds the departments of `entries` with
    details describe: their ``describe_records`` answers, kept 5 minutes by the desk's record pages
    (`records.RECORDS`), so a page asks a department again at most once in that time; one that
    does not answer is named unavailable and its details shown as recorded."""
    from propdesk_services.gateway.desk.records import Kind, Records

    services = {e.get("service") for e in entries if e.get("details") and e.get("object_type")}
    if not services:
        return {}
    return {(service, name): Kind(service, name, spec).specs()
            for service, kinds in Records(view).catalog(services).items() for name, spec in kinds.items()}


def _role_words(role: str, lang: str) -> str:
    from propdesk_services.gateway.desk.render import role_label

    if role in ("system", ""):
        return gettext(lang, "automatic") if role == "system" else ""
    if role == "anonymous":
        return ""
    return role_label(role, lang)


def _office_time(value) -> str:
    moment = _moment(value)
    return moment.astimezone(OFFICE_TZ).strftime("%Y-%m-%d %H:%M:%S") if value else ""


def _short(value, limit: int = 200) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[:limit - 1] + "…"


# --- the page -------------------------------------------------------------------------------------
def page(view, filters: Filters) -> dict:
    """The page's context: the rows of this page, the pager, the form's lists."""
    actor = require_reader(view.principal)
    names = view.names()
    departments = sorted(view.remote.proxies)
    ctx = {"filters": filters, "lines": [], "older": None, "newest": None, "unavailable": [],
           "departments": [(s, words.service_words(s, view.lang)) for s in departments],
           "people": sorted(names.items(), key=lambda kv: kv[1]),
           "known_actions": [(code, words.audit_action("", code, "", "", view.lang))
                             for code in sorted({*words.AUDIT_ACTIONS, *words.AUDIT_ACTION_STATES, "refused"})],
           "page_sizes": PAGE_SIZES, "csv": f"/audit/export/csv?{filters.params()}",
           "xlsx": f"/audit/export/xlsx?{filters.params()}"}
    if filters.problems:
        return ctx
    batch = fetch(view, filters, actor, filters.cursor, filters.limit, names)
    kinds = described_kinds(view, batch.entries)
    ctx["lines"] = [line(e, names, view.lang, kinds) for e in batch.entries]
    ctx["unavailable"] = sorted(set(batch.unavailable + view.unavailable))
    if batch.more and batch.entries:
        ctx["older"] = f"/audit?{filters.params(before=cursor_text(batch.cursor))}"
    if filters.cursor:
        ctx["newest"] = f"/audit?{filters.params()}"
    return ctx


# --- the exports ----------------------------------------------------------------------------------
def export(view, filters: Filters, fmt: str, now: datetime | None = None) -> Response:
    """Every row the filters select (all pages, `EXPORT_MAX_ROWS` at most) as a CSV or XLSX file."""
    actor = require_reader(view.principal)
    filters.check()
    names = view.names()
    headings = [gettext(view.lang, heading) for _, heading in COLUMNS]
    out = tempfile.TemporaryFile()
    try:
        writer = (_XlsxWriter if fmt == "xlsx" else _CsvWriter)(out, headings)
        cursor: dict[str, int] = {}
        written = 0
        while written < EXPORT_MAX_ROWS:
            batch = fetch(view, filters, actor, cursor, min(BATCH, EXPORT_MAX_ROWS - written), names)
            if batch.unavailable:  # a file missing a department's rows would pass for complete
                raise ServiceUnavailable(", ".join(batch.unavailable), "it did not answer: the export would be incomplete")
            for entry in batch.entries:
                cells = line(entry, names, view.lang).cells
                writer.row([cells[key] for key, _ in COLUMNS])
            written += len(batch.entries)
            if not batch.more or not batch.entries:
                break
            cursor = batch.cursor
        writer.close()
        size = out.tell()
        out.seek(0)
    except BaseException:
        out.close()
        raise
    stamp = (now or datetime.now(timezone.utc)).astimezone(OFFICE_TZ).strftime("%Y%m%d-%H%M")
    kind = ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" if fmt == "xlsx"
            else "text/csv; charset=utf-8")
    headers = {"Content-Disposition": f'attachment; filename="audit-{stamp}.{fmt}"', "Content-Length": str(size),
               "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff",
               "X-Propdesk-Rows": str(written)}
    return Response(FileWrapper(out), headers=headers, content_type=kind, direct_passthrough=True)


def safe_cell(value: str) -> str:
    """A text cell a spreadsheet will not run as a formula (OWASP's CSV injection advice)."""
    return "'" + value if value.startswith(_FORMULA_START) else value


class _CsvWriter:
    def __init__(self, out, headings: list[str]):
        self._text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
        self._text.write("\ufeff")
        self._csv = csv.writer(self._text)
        self._csv.writerow(headings)

    def row(self, cells: list[str]) -> None:
        self._csv.writerow([safe_cell(c) for c in cells])

    def close(self) -> None:
        self._text.flush()
        self._text.detach()  # the file stays open for the response


class _XlsxWriter:
    """XlsxWriter in constant-memory mode: each row is flushed to a temporary file as it is
    written (rows in order only), so a large export holds one row in memory."""

    def __init__(self, out, headings: list[str]):
        import xlsxwriter

        self._book = xlsxwriter.Workbook(out, {"constant_memory": True, "strings_to_formulas": False,
                                               "strings_to_urls": False, "strings_to_numbers": False})
        self._sheet = self._book.add_worksheet("audit")
        bold = self._book.add_format({"bold": True, "bg_color": "#EEF1F5"})
        widths = (20, 10, 14, 16, 12, 26, 22, 12, 22, 22, 16, 60)
        for col, width in enumerate(widths):
            self._sheet.set_column(col, col, width)
        self._sheet.freeze_panes(1, 0)
        self._sheet.write_row(0, 0, headings, bold)
        self._row = 1

    def row(self, cells: list[str]) -> None:
        self._sheet.write_row(self._row, 0, cells)
        self._row += 1

    def close(self) -> None:
        self._sheet.autofilter(0, 0, max(self._row - 1, 1), len(COLUMNS) - 1)
        self._book.close()
