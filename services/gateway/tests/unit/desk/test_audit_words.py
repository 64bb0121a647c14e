"""Every action a department audits reads in the office's words on the audit page (/audit), not
as its code: the departments' source is scanned for the literal actions they hand to
``uow.audit(...)`` (``"key.loan"``, and both sides of ``"a.b" if ... else "c.d"``) or to a helper
that audits it (`AUDITING`: ``_act(cmd, uow, change, "repair.start")``), and each must
be in `words.AUDIT_ACTIONS` (or `AUDIT_ACTION_STATES`), in Chinese as well. A new workflow that
audits an action without words fails here, naming it and where it is audited.

Not scanned: an action built at run time (an f-string, a variable): those are checked by name
below where their parts are known (a pass's kind)."""
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
def audited_actions() -> dict[str, list[str]]:
    """Literal action -> where it is audited (``service/path:line``); read once (do not change it)."""
    actions: dict[str, list[str]] = {}
    for path in _sources():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
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
    actions = [*audited_actions(), *(f"pass.issue_{kind}" for kind in PASS_KINDS.codes)]
    for action in actions:
        zh = words.audit_action("x", action, action.split(".")[0], "id", "zh")
        en = words.audit_action("x", action, action.split(".")[0], "id", "en")
        assert zh != action and CJK.search(zh), (action, zh)
        assert en != action and not CJK.search(en), (action, en)
