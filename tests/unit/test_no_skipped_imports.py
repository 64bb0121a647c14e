"""A broken import of the project's own code must fail a test, not skip it: no
`pytest.importorskip("propdesk...")` anywhere under tests/ or services/*/tests."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OWN = ("propdesk", "propdesk_services", "tests", "bench", "chaos")


def skipped_imports(source: str) -> list[tuple[int, str]]:
    """(line, module) of every importorskip of one of the project's own modules."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if (isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", None)) == "importorskip"
                and node.args and isinstance(node.args[0], ast.Constant)
                and str(node.args[0].value).split(".")[0] in OWN):
            found.append((node.lineno, node.args[0].value))
    return found


def test_no_test_skips_when_the_projects_own_module_does_not_import():
    assert skipped_imports('r = pytest.importorskip("propdesk.contracts.registry")') == [
        (1, "propdesk.contracts.registry")]
    assert skipped_imports('np = pytest.importorskip("numpy")') == []  # a third-party extra may be optional
    files = sorted(ROOT.glob("tests/**/*.py")) + sorted(ROOT.glob("services/*/tests/**/*.py"))
    found = {str(f.relative_to(ROOT)): skipped_imports(f.read_text(encoding="utf-8")) for f in files}
    assert {name: lines for name, lines in found.items() if lines} == {}
