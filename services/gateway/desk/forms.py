"""Forms generated from the departments' command schemas (issue #8 §2; conventions §2a).

Every department answers ``describe_commands()`` (the chassis' `describe_schema` of each command's
edge schema): fields with type, required, choices, max_length and labels in zh and en. `build`
turns one command's description into a `Form` the template ``_form.html`` draws:

- choices become a select, labelled from `propdesk.contracts.vocab` when the codes are one of its
  vocabularies (fit-out dispositions, payment methods, ...), else shown as the codes;
- max_length becomes ``maxlength``; a date a date input; a boolean two radio buttons; a list a
  textarea with one item per line; a list of rows (goods item by item) a table of rows, one input
  per field of a row (a row's flag a checkbox), with blank rows to fill; a number a text input
  with a decimal keyboard;
- a field the record fixes (the move-out number on its own page, the unit, the slip) is not an
  input: its value comes from the record on the server (`fixed`), whatever the browser sends;
- every form carries an idempotency key made when the form is drawn (kept while it is shown again
  with its errors), unless the command is ``keyless`` (it carries a secret).

`request_of` reads the posted form back into the command's request, and `Form.with_problems`
puts a ValidationError's problems at their fields (the rest, and 403/404/409, at the top).
"""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field, replace

from propdesk.contracts import vocab
from propdesk.contracts.vocab import Terms
from propdesk_services.gateway.desk.i18n import N_, gettext

KEY_FIELD = "idempotency_key"
KEY_PATTERN = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
#: The largest textarea/list the desk accepts in one field (the department judges the content).
MAX_LINES = 50
#: A table of rows: at most this many rows are read back; blank rows shown beyond those filled in.
MAX_ROWS = 30
BLANK_ROWS = 3


@dataclass(frozen=True)
class Choice:
    code: str
    label: str


@dataclass(frozen=True)
class Field:
    name: str
    kind: str                 # widget: text | number | date | datetime | select | boolean | lines | fixed
    label: str
    required: bool = False
    choices: tuple[Choice, ...] = ()
    max_length: int | None = None
    help: str | None = None
    value: object = None      # what the input shows (a string, a bool, a list of lines)
    shown: str | None = None  # a fixed field: what the person reads instead of an input
    errors: tuple[str, ...] = ()
    columns: tuple["Field", ...] = ()  # a table of rows: the fields of one row
    blank_rows: int | None = None  # a table: how many blank rows to add (None: BLANK_ROWS, one more if empty)
    notes: "RowNotes | None" = None  # a table: a column of what the desk knows beside each row

    @property
    def lines(self) -> str:
        return "\n".join(self.value) if isinstance(self.value, (list, tuple)) else (self.value or "")

    @property
    def rows(self) -> list[dict]:
        """A table's rows as shown: those filled in, then blank ones to fill."""
        filled = [r for r in (self.value or []) if isinstance(r, dict)][:MAX_ROWS]
        blank = self.blank_rows if self.blank_rows is not None else BLANK_ROWS if filled else BLANK_ROWS + 1
        return filled + [{} for _ in range(max(0, min(blank, MAX_ROWS - len(filled))))]

    def note(self, row: dict) -> str:
        """What `notes` says beside a row (by the value of its `notes.column`), '' for none."""
        if self.notes is None:
            return ""
        return dict(self.notes.by_value).get(str(row.get(self.notes.column) or ""), "")


@dataclass(frozen=True)
class RowNotes:
    """A read-only column beside a table's rows: `label` its heading, and for each value of the
    row's `column` the text shown (e.g. each meter's last reading beside its supply)."""

    label: str
    column: str
    by_value: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Form:
    service: str
    command: str
    title: str
    fields: tuple[Field, ...]
    action: str                # where it posts
    key: str | None            # the idempotency key (None: keyless command)
    top_errors: tuple[str, ...] = ()
    status: int | None = None  # the status of the failure shown at the top
    done: str | None = None

    @property
    def id(self) -> str:
        return f"form-{self.service}-{self.command}".replace("_", "-")

    @property
    def inputs(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.kind != "fixed")

    def with_problems(self, problems, lang: str) -> "Form":
        """The form with each problem at its field (``defects.0`` at ``defects``); problems
        naming nothing on the form (the actor, the key, ``_schema``) at the top."""
        by_field: dict[str, list[str]] = {}
        top: list[str] = []
        names = {f.name for f in self.fields}
        for p in problems:
            name = re.split(r"[.\[]", p.field or "", maxsplit=1)[0]
            text = problem_text(p.rule, p.message, lang)
            if name in names:
                by_field.setdefault(name, []).append(text)
            else:
                top.append(f"{p.field}: {text}" if p.field and not p.field.startswith("_") else text)
        fields = []
        for f in self.fields:
            errs = tuple(by_field.get(f.name, ()))
            if errs and f.kind == "fixed":  # a value the record fixed was refused: say so at the top
                top += [f"{f.label}: {e}" for e in errs]
                errs = ()
            fields.append(replace(f, errors=errs))
        return replace(self, fields=tuple(fields), top_errors=tuple(top) + self.top_errors, status=400)

    def with_refusal(self, status: int, headline: str, detail: str) -> "Form":
        return replace(self, top_errors=(headline, detail) if detail else (headline,), status=status)


# --- the words --------------------------------------------------------------------------------------
#: A rule a department names -> what the desk says (the department's own message is shown with it
#: in English; for rules not here, only the department's message).
RULE_WORDS = {
    "required": N_("Required"),
    "required_owner_written_consent": N_("Required: the reference of the owner's written consent"),
    "duplicate_receipt": N_("This receipt number was used already"),
    "one_of": N_("Choose one of the options"),
    "iso_date": N_("Enter a date (YYYY-MM-DD)"),
    "not_before_today": N_("The date may not be in the past"),
    "at_most_a_year_ahead": N_("The date may be at most a year ahead"),
    "must_be_leased": N_("The unit is not let to a tenant"),
    "not_the_units_tenant": N_("This is not the unit's tenant"),
    "unknown_unit": N_("No such unit"),
    "positive_amount": N_("The amount must be more than zero"),
    "max_2_decimals": N_("At most two decimals (fen)"),
    "max_amount": N_("The amount is too large"),
    "decimal": N_("Enter an amount, e.g. 392.60"),
    "required_when_failed": N_("List the defects found when the inspection did not pass"),
    "must_be_empty_when_passed": N_("A passed inspection lists no defects"),
    "not_blank": N_("May not be blank"),
    "not_metered": N_("This supply has no meter: leave its reading empty"),
    "unique": N_("Listed twice"),
    "not_negative": N_("May not be negative"),
    "length": N_("Too long"),
    "type": N_("Not the expected kind of value"),
    "invalid": N_("Not valid"),
    "unknown": N_("Not a field of this form"),
}


def problem_text(rule: str | None, message: str | None, lang: str) -> str:
    words = RULE_WORDS.get(rule or "")
    if words is None and (rule or "").startswith("required"):
        words = RULE_WORDS["required"]
    if words is None:
        return message or rule or ""
    said = gettext(lang, words)
    if lang == "en" and message and message.lower() != said.lower():
        return f"{said} ({message})"
    return said


def _vocabularies() -> list[Terms]:
    return [v for v in vars(vocab).values() if isinstance(v, Terms)]


def choice_labels(codes, lang: str) -> tuple[Choice, ...]:
    """The codes with their words from the vocabulary that holds them all (the smallest such),
    else the codes themselves."""
    codes = [str(c) for c in codes]
    holders = [t for t in _vocabularies() if all(c in t for c in codes)]
    terms = min(holders, key=lambda t: len(t.codes)) if holders else None
    return tuple(Choice(c, terms.label(c, lang) if terms else c) for c in codes)


def _choices(spec: dict, lang: str) -> tuple[Choice, ...]:
    """A select's options: the department's own words for its codes (``choice_labels``, from the
    field's vocabulary) when it says them, else `choice_labels`."""
    said = spec.get("choice_labels") or {}
    if not said:
        return choice_labels(spec["choices"], lang)
    out = []
    for code in spec["choices"]:
        words = said.get(str(code))
        text = (words.get(lang) or words.get("zh")) if isinstance(words, dict) else None
        out.append(Choice(str(code), text or choice_labels([code], lang)[0].label))
    return tuple(out)


def _label(spec: dict, lang: str) -> str:
    label = spec.get("label") or {}
    if isinstance(label, dict):
        return label.get(lang) or label.get("zh") or spec["name"]
    return str(label)


def _widget(spec: dict) -> str:
    kind = spec.get("type") or "string"
    if kind == "list" and spec.get("items") == "object" and spec.get("fields"):
        return "rows"
    if spec.get("choices"):
        return "select"
    return {"boolean": "boolean", "date": "date", "datetime": "datetime", "integer": "number",
            "decimal": "number", "list": "lines"}.get(kind, "text")


@dataclass(frozen=True)
class Table:
    """How the page draws one table of rows beyond its schema: how many blank rows to add (None:
    the default), a notes column beside the rows, a help line under it."""

    blank_rows: int | None = None
    notes: RowNotes | None = None
    help: str | None = None


def new_key() -> str:
    return "desk-" + secrets.token_urlsafe(18)


def build(service: str, command: str, spec: dict, *, lang: str, title: str, action: str,
          fixed: dict | None = None, shown: dict | None = None, values: dict | None = None,
          key: str | None = None, tables: dict | None = None) -> Form:
    """The form of one command from its description (``describe_commands()[command]``).

    fixed: field -> value the record sets (not an input); shown: field -> how a fixed value reads;
    values: what the inputs show (defaults, or what was posted); key: the idempotency key to keep;
    tables: a table's field -> `Table` (its blank rows, its notes column, its help)."""
    fixed, shown, values, tables = fixed or {}, shown or {}, values or {}, tables or {}
    fields = []
    for f in spec.get("fields", ()):
        name = f["name"]
        label = _label(f, lang)
        help_text = f.get("help")
        if isinstance(help_text, dict):
            help_text = help_text.get(lang) or help_text.get("zh")
        if name in fixed:
            fields.append(Field(name, "fixed", label, value=fixed[name], shown=str(shown.get(name, fixed[name]))))
            continue
        widget = _widget(f)
        columns = tuple(Field(sub["name"], _widget(sub), _label(sub, lang), required=bool(sub.get("required")),
                              choices=_choices(sub, lang) if _widget(sub) == "select" else (),
                              max_length=sub.get("max_length"))
                        for sub in f.get("fields", ())) if widget == "rows" else ()
        table = tables.get(name) if widget == "rows" else None
        fields.append(Field(
            name, widget, label, required=bool(f.get("required")),
            choices=_choices(f, lang) if widget == "select" else (),
            max_length=f.get("max_length"), help=(table.help if table and table.help else help_text),
            value=values.get(name), columns=columns, blank_rows=table.blank_rows if table else None,
            notes=table.notes if table else None))
    keyless = bool(spec.get("keyless"))
    if not keyless and not (key and KEY_PATTERN.match(key)):
        key = new_key()
    return Form(service, command, title, tuple(fields), action, None if keyless else key)


def request_of(spec: dict, posted, fixed: dict | None = None) -> tuple[dict, dict]:
    """(the command's request, the values to show again) from a posted form (a MultiDict or
    dict). Fixed fields take the record's value, never the browser's. An empty optional field is
    left out (the schema's default applies, or it says the field is required); types are the schema's: a boolean from "true" /
    "false", a list from the lines of a textarea; strings pass as typed (the department checks)."""
    fixed = fixed or {}
    request, shown = {}, {}
    for f in spec.get("fields", ()):
        name, kind = f["name"], f.get("type") or "string"
        if name in fixed:
            request[name] = fixed[name]
            continue
        raw = posted.get(name)
        if _widget(f) == "rows":
            rows = rows_of(f, posted)
            shown[name] = rows
            if rows:
                request[name] = rows
            continue
        if kind == "list":
            items = [line.strip() for line in (raw or "").splitlines() if line.strip()][:MAX_LINES]
            shown[name] = items
            if items:
                request[name] = items
            continue
        if kind == "boolean":
            shown[name] = {"true": True, "false": False}.get(raw)
            if raw in ("true", "false"):
                request[name] = raw == "true"
            continue
        text = (raw or "").strip()
        shown[name] = text
        if text:
            request[name] = text
    return request, shown


def rows_of(spec: dict, posted) -> list[dict]:
    """A table's rows as posted (inputs ``<field>-<row>-<column>``): a row with nothing typed and
    nothing ticked is left out; a whole number where the row's field takes one, a ticked box
    True (unticked False); other values as typed (the department checks them)."""
    name, out = spec["name"], []
    for i in range(MAX_ROWS):
        row, typed = {}, False
        for sub in spec.get("fields", ()):
            raw = posted.get(f"{name}-{i}-{sub['name']}")
            kind = sub.get("type") or "string"
            if kind == "boolean":
                row[sub["name"]] = raw in ("true", "on")
                typed = typed or row[sub["name"]]
                continue
            text = (raw or "").strip()
            if not text:
                continue
            typed = True
            row[sub["name"]] = int(text) if kind == "integer" and text.isdigit() and len(text) < 10 else text
        if typed:
            out.append(row)
    return out


def posted_key(posted) -> str | None:
    key = (posted.get(KEY_FIELD) or "").strip()
    return key if KEY_PATTERN.match(key) else None
