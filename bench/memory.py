"""M: resident memory (VmRSS from /proc/<pid>/status) of every service process, at start and after
a 10-minute move-out load.

The system is started as for S3 (bench/system.py). "Start" is read after every service answered
/health and a 30-second warm-up at the load's rate (imports done, connection pools and SQLite page
caches filled by real cases); "end" after 600 s more of the same open-loop load (bench/move_out.py).

The rate is half the highest rate S3-max found, read from the last full run
(bench/results/latest.json), else DEFAULT_RATE; it is capped so rate × duration stays within the
day's 9999 work-order and slip numbers (see bench/move_out.py). The detail says which rate was used
and why. One repetition: ten minutes is the point, and it would not fit the bench's time budget
three times.

Limits: RSS counts shared pages (the interpreter, libraries) in every process; a service that was
restarted by the supervisor during the run is reported as such (its RSS restarted too).
"""
from __future__ import annotations

import bench.move_out as move_out  # noqa: I001  (first: eventlet-patches this process)

import json  # noqa: E402
import os  # noqa: E402
from pathlib import Path  # noqa: E402

from bench import seed  # noqa: E402
from bench.common import Context, Figure, scenario_main  # noqa: E402
from bench.system import running_system, say  # noqa: E402
from propdesk.runner import Supervisor  # noqa: E402

LATEST = Path(__file__).resolve().parent / "results" / "latest.json"
DEFAULT_RATE = 10.0
WARMUP_S = 30.0
#: Numbers left for the warm-up and slack out of the day's 9999 (work orders, slips).
NUMBER_SLACK = 100


def rss_mib(pid: int) -> float:
    """VmRSS of a process in MiB."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise LookupError(f"no VmRSS for pid {pid}")


def rss_by_service(sup: Supervisor) -> dict[str, tuple[int, float]]:
    """{service: (pid, RSS MiB)} of every running service process."""
    out = {}
    for child in sup.children:
        pid = sup.pid(child.name)
        if pid is not None:
            out[child.name] = (pid, round(rss_mib(pid), 2))
    return out


def _this_runs_figures() -> list[dict]:
    path = os.environ.get("PROPDESK_BENCH_RUN_FIGURES")
    if not path:
        raise OSError("not run by bench.run")
    return json.loads(Path(path).read_text())


def chosen_rate(seconds: float, warmup_s: float) -> tuple[float, str]:
    """Half of S3-max from this run (bench.run hands its figures over), else from the last full
    run, else DEFAULT_RATE; capped by the day's numbers."""
    rate, why = DEFAULT_RATE, f"default {DEFAULT_RATE:g}/s (no S3-max in this run or {LATEST.name})"
    for source, read in (("this run", _this_runs_figures), (LATEST.name, lambda: json.loads(LATEST.read_text())["figures"])):
        try:
            s3max = next(f for f in read() if f["id"] == "S3-max-rate")["median"]
        except (OSError, ValueError, KeyError, StopIteration):
            continue
        if s3max > 0:
            rate, why = 0.5 * s3max, f"0.5 x S3-max {s3max:g}/s from {source}"
            break
    cap = (move_out.DAILY_NUMBERS - NUMBER_SLACK) / (seconds + warmup_s)
    if rate > cap:
        rate, why = cap, why + f", capped at {cap:.1f}/s by the day's 9999 work-order and slip numbers"
    return rate, why


def memory(ctx: Context) -> list[Figure]:
    """M: RSS per service at start (after ready + warm-up) and after the 10-minute load."""
    seconds, warmup_s = ctx.seconds(600, quick=5.0), ctx.seconds(WARMUP_S, quick=2.0)
    rate, why = chosen_rate(seconds, warmup_s)
    n_units = int(rate * (seconds + warmup_s)) + 20
    say(f"M: {rate:.1f} cases/s ({why}) for {seconds:g} s after a {warmup_s:g} s warm-up")
    with running_system("M", lambda d: seed.seed_units(d, n_units)) as sup:
        units = iter(seed.bench_units(n_units))
        with move_out.desk(ctx.amqp_uri) as (pool, observer):
            warm = move_out.offered_load(pool, observer, units, rate, warmup_s, drain_s=10)
            start = rss_by_service(sup)
            say(f"RSS at start (MiB): { {k: v[1] for k, v in start.items()} }")
            run = move_out.offered_load(pool, observer, units, rate, seconds)
            move_out._report("M", run)
            end = rss_by_service(sup)
            say(f"RSS at end (MiB): { {k: v[1] for k, v in end.items()} }")
    restarted = sorted(n for n in start if n in end and start[n][0] != end[n][0])
    detail = {"rate": round(rate, 2), "rate_source": why, "seconds": seconds, "warmup_s": warmup_s,
              "warmup": warm.summary(), "run": run.summary(), "repetitions": 1, "restarted": restarted,
              "pids": {n: [start[n][0], end.get(n, (None,))[0]] for n in start}}
    figures, growth = [], {}
    for name in sorted(start):
        figures.append(Figure(f"M-{name}-start", f"RSS of {name} after ready + warm-up", "MiB",
                              [start[name][1]], higher_is_better=False, detail=detail))
        if name in end:
            figures.append(Figure(f"M-{name}-end", f"RSS of {name} after {seconds:g} s at {rate:.1f} cases/s",
                                  "MiB", [end[name][1]], higher_is_better=False, detail=detail))
            growth[name] = round(100.0 * (end[name][1] - start[name][1]) / start[name][1], 2)
    detail["growth_percent"] = growth
    worst = max(growth, key=growth.get)
    figures.append(Figure("M-growth-max", f"largest RSS growth across services ({worst})", "%",
                          [growth[worst]], higher_is_better=False, detail=detail))
    return figures


SCENARIOS = {"M": memory}

if __name__ == "__main__":
    scenario_main(SCENARIOS)
