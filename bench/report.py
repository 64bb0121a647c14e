"""Render a bench results file as the markdown that docs/benchmarks.md publishes.

    python -m bench.report                       # bench/results/latest.json
    python -m bench.report bench/results/X.json
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from bench.common import Figure

RESULTS = Path(__file__).resolve().parent / "results"


def _num(value: float) -> str:
    if value != value:  # NaN
        return "-"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}"


def markdown(report: dict) -> str:
    m = report["machine"]
    pk = ", ".join(f"{k} {v}" for k, v in m["packages"].items() if v)
    lines = [
        f"Run of {report['started'][:19].replace('T', ' ')} UTC, {report['reps']} repetitions "
        f"(median, min, max); machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB, "
        f"{m['os']}, Python {m['python']}, RabbitMQ {m['rabbitmq']}; {pk}.",
        "",
        "| id | what | median | min | max | unit |",
        "|---|---|---:|---:|---:|---|",
    ]
    for d in report["figures"]:
        f = Figure.from_dict(d)
        lines.append(f"| {f.id} | {f.name} | {_num(f.median)} | {_num(f.min)} | {_num(f.max)} | {f.unit} |")
    lines += ["", "| target | rule | value | met |", "|---|---|---:|---|"]
    for c in report["targets"]:
        value = "-" if c["value"] is None else f"{c['value']:.2f}"
        met = {True: "yes", False: "**no**", None: "not measured"}[c["met"]]
        lines.append(f"| {c['target']} | {c['rule']} | {value} | {met} |")
    for failure in report.get("failures", []):
        lines.append(f"\nFailed: {failure}")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    path = Path(argv[0]) if argv else RESULTS / "latest.json"
    print(markdown(json.loads(path.read_text())), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
