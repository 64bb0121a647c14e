"""The project builds into one wheel with every department, workflow and migration found on disk:
no list of services or packages is kept by hand (setup.py finds them)."""
from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_wheel_holds_every_workflow_folder_and_migration(tmp_path):
    shutil.rmtree(ROOT / "build", ignore_errors=True)  # setuptools' in-tree build dir keeps deleted files
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", str(ROOT),
                    "-w", str(tmp_path)], check=True, capture_output=True, timeout=300)
    [wheel] = tmp_path.glob("propdesk-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = set()
    for init in (ROOT / "services").rglob("__init__.py"):
        rel = init.relative_to(ROOT / "services")
        if "tests" not in rel.parts:
            expected.add(f"propdesk_services/{rel.as_posix()}")
    for migration in (ROOT / "services").glob("*/migrations/*.py"):
        expected.add(f"propdesk_services/{migration.relative_to(ROOT / 'services').as_posix()}")
    assert expected - names == set()
    assert not any("/tests/" in n for n in names if n.startswith("propdesk_services/"))
