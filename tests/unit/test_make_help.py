"""`make help` (the default goal) lists every documented target with its text in one column, however
long the longest target name is (`alertmanager` and `test-postgres` once ran into their text)."""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_help_lists_every_target_in_one_column():
    documented = re.findall(r"^([a-z][a-z-]*):.*## (.+)$", (ROOT / "Makefile").read_text(encoding="utf-8"), re.M)
    done = subprocess.run(["make", "--no-print-directory", "-C", str(ROOT), "help"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    rows = {m.group(1): m for line in done.stdout.splitlines() if (m := re.match(r"^  ([a-z][a-z-]*)( +)(\S.*)$", line))}
    assert sorted(rows) == sorted(name for name, _ in documented)
    assert {name: rows[name].group(3) for name, _ in documented} == dict(documented)
    columns = {name: row.start(3) for name, row in rows.items()}
    widest = max(len(name) for name in columns)
    assert set(columns.values()) == {2 + widest + 2}, columns
