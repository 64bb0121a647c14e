"""`make chaos`: run the fault drills and check every case of their streams.

    .venv/bin/python -m chaos.run [--quick] [--only kill,broker,duplicate,poison,proxy,cluster]

Prints a table per drill and a markdown summary (for docs/reliability.md), writes
chaos/results/chaos-<utc time>.json, and exits 1 when any drill lost, duplicated, did something
unexpected, left a case stuck, or could not run.
"""
from __future__ import annotations

import propdesk  # noqa: F401  (first: quiets eventlet's deprecation notice)
import eventlet  # noqa: E402

eventlet.monkey_patch()  # noqa: E402

import argparse  # noqa: E402
import json  # noqa: E402
import logging  # noqa: E402
import signal  # noqa: E402
import sys  # noqa: E402
import traceback  # noqa: E402
from pathlib import Path  # noqa: E402

from chaos.drills import DRILLS, DrillResult, run_drill, run_drill_isolated  # noqa: E402
from chaos.workload import utc_stamp  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
KINDS = ("lost", "duplicated", "unexpected", "stuck")


def drill_table(r: DrillResult) -> str:
    """The plain-text table of one drill: counts, faults with recovery times, observations."""
    lines = [f"== {r.name}: {r.description} ({'quick' if r.quick else 'full'}, {r.duration_s:.0f}s)"]
    if r.error:
        lines.append(f"   ERROR: {r.error}")
    c = r.counts
    lines.append("   cases  completed  lost  duplicated  unexpected  stuck")
    lines.append(f"   {c.get('cases', 0):>5}  {c.get('completed', 0):>9}  {c.get('lost', '-'):>4}  "
                 f"{c.get('duplicated', '-'):>10}  {c.get('unexpected', '-'):>10}  {c.get('stuck', '-'):>5}")
    for f in r.faults:
        rec = "not recovered" if f["recovery_s"] is None else f"recovered in {f['recovery_s']:.1f}s"
        lines.append(f"   fault {f['name']:<50} at {f['began_s']:>6.1f}s-{f['ended_s']:>6.1f}s  {rec}")
    if r.drain_s is not None:
        lines.append(f"   all cases settled {r.drain_s:.1f}s after the last fault")
    for k, v in r.observations.items():
        lines.append(f"   {k}: {v}")
    for d in r.details[:40]:
        lines.append(f"   ! {d}")
    if len(r.details) > 40:
        lines.append(f"   ! ... {len(r.details) - 40} more in the JSON")
    lines.append(f"   => {'OK' if r.clean else 'FAILED'}")
    return "\n".join(lines)


def _seconds(value: float | None) -> str:
    return "not recovered" if value is None else f"{value:.1f}"


def _grouped(faults: list[dict]) -> dict[str, list[str]]:
    """Recovery times by fault name, in order (the kill drill kills each service twice)."""
    out: dict[str, list[str]] = {}
    for f in faults:
        out.setdefault(f["name"], []).append(_seconds(f["recovery_s"]))
    return out


def markdown_table(results: list[DrillResult]) -> str:
    """One row per drill, the table docs/reliability.md shows."""
    rows = ["| drill | cases | completed | lost | duplicated | unexpected | stuck | faults (recovery s) | settled after last fault |",
            "|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        c = r.counts
        recov = "; ".join(f"{name} ({', '.join(times)})" for name, times in _grouped(r.faults).items()) or "—"
        drain = "—" if r.drain_s is None else f"{r.drain_s:.0f} s"
        rows.append(f"| {r.name} | {c.get('cases', 0)} | {c.get('completed', 0)} | "
                    + " | ".join(str(c.get(k, "error")) for k in KINDS) + f" | {recov} | {drain} |")
    return "\n".join(rows)


def run_child(name: str, quick: bool, result_path: str, blackhole_s: float | None) -> int:
    """One drill in this process (started by `run_drill_isolated`); its result as JSON."""
    try:
        result = run_drill(name, quick, say=lambda text: print(text, flush=True), blackhole_s=blackhole_s)
    except (Exception, KeyboardInterrupt) as exc:  # the drill itself broke (system did not start, ...)
        result = DrillResult.failed(name, quick, f"{type(exc).__name__}: {exc}",
                                    traceback.format_exc().splitlines()[-20:])
    Path(result_path).write_text(json.dumps(result.as_dict(), ensure_ascii=False))
    return 0


def run(names: list[str], quick: bool, blackhole_s: float | None = None) -> list[DrillResult]:
    results = []
    for name in names:
        result = run_drill_isolated(name, quick, blackhole_s=blackhole_s)
        print(drill_table(result), flush=True)
        results.append(result)
    return results


def _interrupted(signum, frame) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="chaos.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="short drills (what make test runs)")
    parser.add_argument("--only", default="", help=f"comma-separated drills of: {', '.join(DRILLS)}")
    parser.add_argument("--blackhole-s", type=float, default=None,
                        help="length of the proxy drill's blackhole (default 30 s, quick 10 s)")
    parser.add_argument("--child", help=argparse.SUPPRESS)         # one drill, in this process
    parser.add_argument("--child-result", help=argparse.SUPPRESS)  # where that drill writes its result
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _interrupted)  # unwind: stop the services, nodes, vhosts it started
    if args.child:
        logging.basicConfig(level=logging.CRITICAL)
        return run_child(args.child, args.quick, args.child_result, args.blackhole_s)
    names = [n.strip() for n in args.only.split(",") if n.strip()] or list(DRILLS)
    unknown = [n for n in names if n not in DRILLS]
    if unknown:
        parser.error(f"unknown drill(s) {', '.join(unknown)}; choose from {', '.join(DRILLS)}")
    results = run(names, args.quick, args.blackhole_s)
    print()
    print(markdown_table(results))
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"chaos-{utc_stamp()}{'-quick' if args.quick else ''}.json"
    path.write_text(json.dumps([r.as_dict() for r in results], indent=2, ensure_ascii=False))
    failed = [r.name for r in results if not r.clean]
    print(f"\nresults: {path}")
    print(f"chaos: {'FAILED: ' + ', '.join(failed) if failed else 'every drill clean'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
