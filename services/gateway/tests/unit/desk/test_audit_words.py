"""Every action a department audits reads in the office's words on the audit page (/audit), not
as its code: the departments' source is scanned for the literal actions they hand to
``uow.audit(...)`` (``"key.loan"``, and both sides of ``"a.b" if ... else "c.d"``) or to a helper
that audits it (`AUDITING`: ``_act(cmd, uow, change, "repair.start")``), and each must
be in `words.AUDIT_ACTIONS` (or `AUDIT_ACTION_STATES`), in Chinese as well. A new workflow that
audits an action without words fails here, naming it and where it is audited.

Not scanned: an action built at run time (an f-string, a variable): those are checked by name
below where their parts are known (a pass's kind).

The record type an audit row names (``uow.audit(action, "key", ...)``, the type of the record the
action was done to) reads in the office's words too (`words.RECORD_TYPES`, the audit page's
"Record" column): the same calls are scanned for it, and so are the time limits the departments set
(``uow.set_deadline(rule, "key_loan", ...)``), which the chassis audits with that record type when
one passes unmet (``deadline.breached``). A record type given as a module's constant (tickets'
``RECORD = "repair"``) is read from that constant; one the scan cannot read (a variable) fails
here too, so that none is left unchecked."""
from __future__ import annotations

import ast
import functools
import re
from pathlib import Path

from propdesk.contracts.vocab import PASS_KINDS
from propdesk_services.gateway.desk import words

SERVICES = Path(__file__).resolve().parents[4]
ACTION = re.compile(r"[a-z_]+\.[a-z_]+")
CJK = re.compile(r"[\u4e00-\u9fff]")
#: ``audit`` and the workflows' helpers that hand it the action they are given (tickets' ``_act``,
#: residents' ``_close`` and ``_apply``): their literal action arguments are scanned.
AUDITING = {"audit", "_act", "_close", "_apply"}


def _sources() -> list[Path]:
    found = {*SERVICES.glob("*/workflows/**/*.py"), *SERVICES.glob("*/*.py")}
    return sorted(p for p in found if "tests" not in p.relative_to(SERVICES).parts)


@functools.cache
def _parsed() -> tuple[tuple[Path, ast.Module], ...]:
    """Each departmental source with its syntax tree, parsed once for every scan here."""
    return tuple((path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))) for path in _sources())


@functools.cache
def audited_actions() -> dict[str, list[str]]:
    """Literal action -> where it is audited (``service/path:line``); read once (do not change it)."""
    actions: dict[str, list[str]] = {}
    for path, tree in _parsed():
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and node.args):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if name not in AUDITING:
                continue
            args = node.args[:1] if name == "audit" else node.args
            built = {id(c) for arg in args for f in ast.walk(arg) if isinstance(f, ast.JoinedStr) for c in ast.walk(f)}
            for const in (c for arg in args for c in ast.walk(arg) if id(c) not in built):  # no f-string's parts
                if isinstance(const, ast.Constant) and isinstance(const.value, str) and ACTION.fullmatch(const.value):
                    actions.setdefault(const.value, []).append(f"{path.relative_to(SERVICES)}:{const.lineno}")
    return actions


def unworded(actions: dict[str, list[str]], worded=None, states=None) -> list[str]:
    worded = words.AUDIT_ACTIONS if worded is None else worded
    states = words.AUDIT_ACTION_STATES if states is None else states
    return [f"{action} ({', '.join(where)})" for action, where in sorted(actions.items())
            if action not in worded and action not in states]


def test_the_scan_finds_the_departments_audit_actions():
    found = audited_actions()
    assert len(found) >= 150, sorted(found)
    for action in ("bank_line.book", "key.loan", "staff.enabled", "visitor.register", "move_out.requested",
                   "repair.start", "complaint.triage", "move_out.inspection_recorded",  # through a helper
                   "key.register", "clearance.confirm", "clearance.recheck"):  # the last three: a ternary's sides
        assert action in found, action
    assert all("/tests/" not in w for where in found.values() for w in where)


def test_every_literal_audit_action_of_the_departments_has_the_offices_words():
    missing = unworded(audited_actions())
    assert missing == [], (
        "audit actions the /audit page would show as codes; add their words to AUDIT_ACTIONS in "
        "services/gateway/desk/words.py and translate them (i18n update):\n  " + "\n  ".join(missing))


def test_an_action_whose_words_are_removed_is_named():
    found = audited_actions()
    without = {k: v for k, v in words.AUDIT_ACTIONS.items() if k != "key.loan"}
    missing = unworded(found, worded=without)
    assert len(missing) == 1 and missing[0].startswith("key.loan (access/workflows/keys/handlers.py:")


def test_a_pass_of_every_kind_issued_has_words():
    for kind in PASS_KINDS.codes:
        assert f"pass.issue_{kind}" in words.AUDIT_ACTIONS, kind


def test_every_audited_action_reads_in_chinese_and_english():
    actions = [*audited_actions(), *(f"pass.issue_{kind}" for kind in PASS_KINDS.codes),
               "deadline.breached"]  # the chassis' own, with any department's record type
    for action in actions:
        zh = words.audit_action("x", action, action.split(".")[0], "id", "zh")
        en = words.audit_action("x", action, action.split(".")[0], "id", "en")
        assert zh != action and CJK.search(zh), (action, zh)
        assert en != action and not CJK.search(en), (action, en)


# --- record types -------------------------------------------------------------------------------
#: Calls whose second argument (or ``object_type=`` / ``record_type=``) is a record type an audit row
#: will name: ``audit`` itself, and ``set_deadline`` (the chassis audits its breach with it).
RECORD_TYPE_ARGUMENT = {"audit": "object_type", "set_deadline": "record_type"}
RECORD_TYPE = re.compile(r"[a-z][a-z_]*")


def _module_strings(tree: ast.Module) -> dict[str, str]:
    """A module's top-level ``NAME = "text"`` constants (tickets' ``RECORD = "repair"``)."""
    return {target.id: node.value.value for node in tree.body if isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
            for target in node.targets if isinstance(target, ast.Name)}


def _record_types_of(arg: ast.expr, constants: dict[str, str]) -> list[str] | None:
    """The record types an argument can be: a literal, a module constant, either side of a
    ternary; None when the scan cannot tell (a variable, a call, an f-string)."""
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return [arg.value]
    if isinstance(arg, ast.Name) and arg.id in constants:
        return [constants[arg.id]]
    if isinstance(arg, ast.IfExp):
        sides = [_record_types_of(arg.body, constants), _record_types_of(arg.orelse, constants)]
        return None if None in sides else [t for side in sides for t in side]
    return None


@functools.cache
def audited_record_types() -> tuple[dict[str, list[str]], tuple[str, ...]]:
    """(record type -> where it is audited or its deadline set (``service/path:line``), the calls
    whose record type the scan cannot read, as ``service/path:line code``)."""
    types: dict[str, list[str]] = {}
    unread: list[str] = []
    for path, tree in _parsed():
        constants = _module_strings(tree)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if name not in RECORD_TYPE_ARGUMENT:
                continue
            keyword = next((k.value for k in node.keywords if k.arg == RECORD_TYPE_ARGUMENT[name]), None)
            arg = node.args[1] if len(node.args) > 1 else keyword
            if arg is None:
                continue  # not a call that records (a fake's audit() listing its rows)
            where = f"{path.relative_to(SERVICES)}:{node.lineno}"
            found = _record_types_of(arg, constants)
            if found is None:
                unread.append(f"{where} {ast.unparse(arg)}")
                continue
            for record_type in found:
                types.setdefault(record_type, []).append(where)
    return types, tuple(unread)


def unnamed_record_types(types: dict[str, list[str]], worded=None) -> list[str]:
    worded = words.RECORD_TYPES if worded is None else worded
    return [f"{t} ({', '.join(where)})" for t, where in sorted(types.items()) if t not in worded]


def test_the_scan_finds_the_departments_record_types():
    types, _ = audited_record_types()
    assert len(types) >= 30, sorted(types)
    for record_type in ("billing_run", "fee_notice", "meter_reading", "deposit", "dunning_notice", "bank_statement",
                        "key", "pass", "visitor", "move_out", "staff",
                        "repair", "complaint", "return_visit", "return_visit_round",  # a module's constant
                        "key_loan"):  # only a deadline's: audited by the chassis when it passes
        assert record_type in types, record_type
    assert all(RECORD_TYPE.fullmatch(t) for t in types), sorted(types)
    assert all("/tests/" not in w for where in types.values() for w in where)


def test_every_record_type_the_departments_audit_is_read_by_the_scan():
    _, unread = audited_record_types()
    assert unread == (), (
        "audit() / set_deadline() calls whose record type the scan cannot read; give it as a literal or a "
        "module constant so its words are checked:\n  " + "\n  ".join(unread))


def test_every_record_type_the_departments_audit_has_the_offices_words():
    types, _ = audited_record_types()
    missing = unnamed_record_types(types)
    assert missing == [], (
        "record types the /audit page would show as codes; add their words to RECORD_TYPES in "
        "services/gateway/desk/words.py and translate them (i18n update):\n  " + "\n  ".join(missing))


def test_a_record_type_whose_words_are_removed_is_named():
    types, _ = audited_record_types()
    without = {k: v for k, v in words.RECORD_TYPES.items() if k not in ("key_loan", "repair")}
    missing = unnamed_record_types(types, worded=without)
    assert [m.split(" ")[0] for m in missing] == ["key_loan", "repair"]
    assert "access/workflows/keys/handlers.py:" in missing[0] and "tickets/workflows/repairs/handlers.py:" in missing[1]


def test_a_record_type_the_scan_cannot_read_is_named():
    tree = ast.parse("RECORD = 'repair'\n"
                     "def f(uow, kind, x):\n"
                     "    uow.audit('a.b', RECORD, x)\n"
                     "    uow.audit('a.c', 'key' if x else 'pass', x)\n"
                     "    uow.set_deadline('rule', record_type='key_loan', record_id=x, due_at=None)\n"
                     "    uow.audit('a.d', kind, x)\n")
    constants = _module_strings(tree)
    read = [_record_types_of(c.args[1] if len(c.args) > 1 else c.keywords[0].value, constants)
            for c in ast.walk(tree) if isinstance(c, ast.Call)]
    assert read == [["repair"], ["key", "pass"], ["key_loan"], None]


def test_every_record_type_reads_in_chinese_and_english():
    types, _ = audited_record_types()
    for record_type in {*types, *words.RECORD_TYPES}:
        zh, en = words.record_type(record_type, "zh"), words.record_type(record_type, "en")
        assert zh != record_type and CJK.search(zh), (record_type, zh)
        assert en != record_type and not CJK.search(en), (record_type, en)
