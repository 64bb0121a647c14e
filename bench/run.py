"""`make bench`: run every scenario (raw baselines first), print one table, write
bench/results/<UTC time>.json (and latest.json), and check the targets of issue #3 as ratios.

    python -m bench.run                 # the full run (see docs/benchmarks.md for how long)
    python -m bench.run --quick         # a smoke run: every scenario for a few seconds
    python -m bench.run --only B1,B2,S1 # some scenarios
    python -m bench.run --quick --only S1,S1-pg   # SQLite and PostgreSQL side by side

The `-pg` scenarios (S1-pg, S2-pg, S3-pg, S3-2p-pg) rerun S1, S2, S3 and S3-2p with every service on PostgreSQL
(PROPDESK_DB=postgresql): one private server (propdesk.testing.postgres) is started for the run
when the first of them comes, each gets databases of its own on it, and it is stopped and removed
when the run ends. Their figures are the SQLite ones' with `-pg` after the scenario id
(S1-pg, S2-pg-c10-p99, S3-pg-p99).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from bench.common import Figure, machine
from propdesk.testing.postgres import PostgresError, create_private_postgres
from propdesk.testing.rabbit import throwaway_vhost

RESULTS = Path(__file__).resolve().parent / "results"

# (scenario id, module) in the order they run: raw RabbitMQ baselines first, same run, same machine.
SUITE = [
    ("B1", "bench.raw_pika"),
    ("B2", "bench.raw_pika"),
    ("B3", "bench.raw_pika"),
    ("S1", "bench.pipeline"),
    ("S1-nameko", "bench.pipeline"),
    ("S1-pg", "bench.pipeline"),
    ("S2", "bench.rpc_latency"),
    ("S2-pg", "bench.rpc_latency"),
    ("S3", "bench.move_out"),
    ("S3-pg", "bench.move_out"),
    ("S3-max", "bench.move_out"),
    ("S3b", "bench.move_out"),
    ("S3-2p", "bench.move_out"),
    ("S3-2p-pg", "bench.move_out"),
    ("M", "bench.memory"),
    ("S4", "bench.billing"),
    ("S4A", "bench.billing"),
    ("S4R", "bench.arrears"),
    ("S4B", "bench.bank"),
    ("T1", "bench.tickets"),
    ("T2", "bench.tickets"),
]


PG = "-pg"


def base_scenario(sid: str) -> str:
    """The scenario a `-pg` id reruns on PostgreSQL (S3-pg -> S3); any other id itself."""
    return sid[: -len(PG)] if sid.endswith(PG) else sid


def pg_figure(fig: Figure, base: str) -> Figure:
    """A figure measured on PostgreSQL, named beside its SQLite twin: S2-c10-p99 -> S2-pg-c10-p99."""
    if fig.id.startswith(base):
        fig.id = base + PG + fig.id[len(base):]
    fig.name += " [PostgreSQL]"
    fig.detail["database"] = "postgresql"
    return fig


def run_scenario(sid: str, module: str, args, so_far: list[Figure] | None = None,
                 pg_server_url=None) -> tuple[list[Figure], str | None]:
    """Run one scenario in its child process. The figures measured so far in this run are handed
    over in a file named by PROPDESK_BENCH_RUN_FIGURES (M reads this run's S3-max from it).
    A `-pg` scenario runs its SQLite twin with PROPDESK_DB=postgresql on ``pg_server_url(name)``."""
    base = base_scenario(sid)
    with tempfile.TemporaryDirectory(prefix=f"bench-{sid}-") as workdir, \
            throwaway_vhost(prefix=f"propdesk-bench-{sid.lower()}") as vhost:
        out = Path(workdir) / "figures.json"
        run_figures = Path(workdir) / "run-figures.json"
        run_figures.write_text(json.dumps([f.as_dict() for f in so_far or []]))
        cmd = [sys.executable, "-m", module, base, "--out", str(out), "--reps", str(args.reps),
               "--amqp-uri", vhost["amqp_uri"], "--workdir", workdir]
        if args.quick:
            cmd.append("--quick")
        env = {**os.environ, "PROPDESK_AMQP_URI": vhost["amqp_uri"], "PROPDESK_DATA_DIR": f"{workdir}/var",
               "PROPDESK_BENCH_RUN_FIGURES": str(run_figures)}
        if base != sid:
            env.update(PROPDESK_DB="postgresql", PROPDESK_PG_URL=pg_server_url(f"bench_{base.lower()}"))
        started = time.monotonic()
        proc = subprocess.run(cmd, env=env)
        took = time.monotonic() - started
        if proc.returncode != 0 or not out.exists():
            return [], f"{sid}: exited {proc.returncode} after {took:.0f} s"
        figures = [Figure.from_dict(d) for d in json.loads(out.read_text())]
        for fig in figures:
            fig.detail.setdefault("scenario_seconds", round(took, 1))
        if base != sid:
            figures = [pg_figure(fig, base) for fig in figures]
        return figures, None


def targets(by_id: dict[str, Figure]) -> list[dict]:
    """Issue #3's targets, as ratios of figures measured in this run. Missing figures -> not checked."""
    checks = []

    def check(name, ok_fn, *ids, text):
        if all(i in by_id for i in ids):
            vals = [by_id[i].median for i in ids]
            value, ok = ok_fn(*vals)
            checks.append({"target": name, "value": value, "met": bool(ok), "rule": text})
        else:
            checks.append({"target": name, "value": None, "met": None, "rule": text,
                           "missing": [i for i in ids if i not in by_id]})

    check("S1 vs B2", lambda s1, b2: (s1 / b2, s1 >= 0.25 * b2), "S1", "B2", text="S1 >= 0.25 x B2")
    check("S1 vs nameko", lambda s1, nk: (s1 / nk, s1 >= 2 * nk), "S1", "S1-nameko",
          text="S1 >= 2 x nameko EventDispatcher")
    for c in (1, 10, 50):
        check(f"S2 c={c} vs B3", lambda s2, b3: (s2 / b3, s2 <= 3 * b3), f"S2-c{c}-p99", "B3-p99",
              text=f"S2 p99 at {c} callers <= 3 x B3 p99")
    check("S3 p99", lambda p99: (p99, p99 <= 1000), "S3-p99", text="S3 p99 <= 1000 ms at 10 cases/s")
    check("S3 stuck", lambda n: (n, n == 0), "S3-stuck", text="0 cases stuck")
    check("S3b history", lambda big, small: (big / small, big <= 1.2 * small), "S3b-1m-p99", "S3b-10k-p99",
          text="p99 with 1,000,000 past events <= 1.2 x with 10,000")
    check("RSS growth", lambda g: (g, g < 10), "M-growth-max", text="RSS growth of every service < 10 %")
    check("S4 ratio", lambda r: (r, r >= 0.5), "S4-ratio", text="billing run >= 0.5 x raw SQLite bulk insert")
    check("S4 seconds", lambda t: (t, t < 60), "S4-seconds", text="a billing run for 100,000 units in under 60 s")
    for read in ("queues", "newest", "unit", "search"):
        check(f"T1 {read}", lambda p99: (p99, p99 <= 100), f"T1-{read}-1m-p99",
              text=f"desk read '{read}' p99 <= 100 ms with 1,000,000 past complaints")
    return checks


def print_table(figures: list[Figure], checks: list[dict], failures: list[str], out=sys.stdout) -> None:
    print(f"\n{'id':<16}{'median':>12}{'min':>12}{'max':>12}  {'unit':<8}what", file=out)
    for f in figures:
        print(f"{f.id:<16}{f.median:>12.2f}{f.min:>12.2f}{f.max:>12.2f}  {f.unit:<8}{f.name}", file=out)
    print(f"\n{'target':<16}{'value':>12}  met   rule", file=out)
    for c in checks:
        value = "-" if c["value"] is None else f"{c['value']:.2f}"
        met = {True: "yes", False: "NO", None: "n/a"}[c["met"]]
        print(f"{c['target']:<16}{value:>12}  {met:<5} {c['rule']}", file=out)
    for failure in failures:
        print(f"FAILED {failure}", file=out)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a few seconds per scenario; numbers not kept")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--only", default="", help="comma-separated scenario ids, e.g. B1,B2,S1")
    args = parser.parse_args(argv)
    only = {s.strip() for s in args.only.split(",") if s.strip()}
    unknown = only - {sid for sid, _ in SUITE}
    if unknown:
        parser.error(f"--only: unknown scenario(s) {sorted(unknown)}; known: {[s for s, _ in SUITE]}")

    started = datetime.now(timezone.utc)
    figures: list[Figure] = []
    failures: list[str] = []
    postgres = None   # the run's private PostgreSQL server, started for the first -pg scenario
    try:
        for sid, module in SUITE:
            if only and sid not in only:
                continue
            print(f"== {sid} ({module})", flush=True)
            if sid.endswith(PG) and postgres is None:
                try:
                    postgres = create_private_postgres()
                except (PostgresError, OSError) as exc:
                    failures.append(f"{sid}: no private PostgreSQL ({exc})")
                    continue
            got, failure = run_scenario(sid, module, args, figures,
                                        pg_server_url=postgres.url if postgres is not None else None)
            figures += got
            if failure:
                failures.append(failure)
    finally:
        if postgres is not None:
            postgres.destroy()
    checks = targets({f.id: f for f in figures})
    print_table(figures, checks, failures)

    report = {"started": started.isoformat(), "finished": datetime.now(timezone.utc).isoformat(),
              "quick": args.quick, "reps": args.reps, "machine": machine(),
              "figures": [f.as_dict() for f in figures], "targets": checks, "failures": failures}
    RESULTS.mkdir(exist_ok=True)
    name = ("quick-" if args.quick else "") + started.strftime("%Y%m%dT%H%M%SZ") + ".json"
    (RESULTS / name).write_text(json.dumps(report, indent=2))
    if not args.quick:
        (RESULTS / "latest.json").write_text(json.dumps(report, indent=2))
    print(f"\nwritten: bench/results/{name}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
