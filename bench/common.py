"""What every benchmark scenario shares: the figure it reports, repetitions, percentiles, the
machine description, and the child-process protocol `bench.run` uses.

A scenario module ends with

    SCENARIOS = {"B1": b1_confirm_each, ...}      # id -> function(ctx) -> Figure | list[Figure]
    if __name__ == "__main__":
        scenario_main(SCENARIOS)

and a scenario function measures ``ctx.reps`` repetitions itself (``repeat`` helps) and returns
one Figure per reported figure. ``ctx.quick`` asks for a short smoke run (a few seconds) that
checks the scenario works; its numbers are not published.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Callable


@dataclass
class Figure:
    """One reported number: the median of ``values`` (one per repetition), with min and max."""

    id: str                      # "B1", "S2-c10-p99", ...
    name: str                    # what was measured, in words
    unit: str                    # "msg/s", "ms", "MiB", "x"
    values: list[float]          # one per repetition
    higher_is_better: bool = True
    detail: dict = field(default_factory=dict)   # anything else worth keeping (samples, depth, ...)

    @property
    def median(self) -> float:
        return statistics.median(self.values) if self.values else float("nan")

    @property
    def min(self) -> float:
        return min(self.values) if self.values else float("nan")

    @property
    def max(self) -> float:
        return max(self.values) if self.values else float("nan")

    def as_dict(self) -> dict:
        d = asdict(self)
        d.update(median=self.median, min=self.min, max=self.max)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "Figure":
        return cls(id=d["id"], name=d["name"], unit=d["unit"], values=list(d["values"]),
                   higher_is_better=d.get("higher_is_better", True), detail=d.get("detail", {}))


@dataclass
class Context:
    reps: int = 3
    quick: bool = False
    amqp_uri: str = "amqp://guest:guest@127.0.0.1:5672/"   # a throwaway vhost made by bench.run
    workdir: str = "/tmp"                                    # scratch space for this scenario

    def seconds(self, full: float, quick: float = 3.0) -> float:
        """A duration: ``full`` in a real run, ``quick`` in a smoke run."""
        return quick if self.quick else full


def repeat(ctx: Context, fn: Callable[[], float]) -> list[float]:
    """Run ``fn`` ``ctx.reps`` times (once when quick); the values it returned."""
    return [fn() for _ in range(1 if ctx.quick else ctx.reps)]


def percentile(samples: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    if not samples:
        raise ValueError("percentile of no samples")
    ordered = sorted(samples)
    rank = max(1, int(round(p / 100.0 * len(ordered) + 0.4999)))
    return ordered[min(rank, len(ordered)) - 1]


def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds > 0 else float("nan")


class Stopwatch:
    def __enter__(self):
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.elapsed = time.perf_counter() - self.start


def machine() -> dict:
    """Where the figures were measured: CPU, memory, OS, Python, RabbitMQ and library versions."""
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem_gib = None
    try:
        with open("/proc/meminfo") as f:
            mem_gib = round(int(f.readline().split()[1]) / 1024 / 1024, 1)
    except (OSError, ValueError, IndexError):
        pass
    rabbit = "unknown"
    try:
        out = subprocess.run(["rabbitmqctl", "version"], capture_output=True, text=True, timeout=20,
                             env={**os.environ, "PATH": os.environ.get("PATH", "") + ":/usr/sbin"})
        rabbit = out.stdout.strip() or rabbit
    except (OSError, subprocess.SubprocessError):
        pass
    versions = {}
    for pkg in ("nameko", "eventlet", "kombu", "amqp", "pika", "SQLAlchemy", "marshmallow", "Werkzeug"):
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            versions[pkg] = None
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gib": mem_gib, "os": platform.platform(),
            "python": platform.python_version(), "rabbitmq": rabbit, "packages": versions}


# -- the child-process protocol ----------------------------------------------------------------------

def scenario_main(scenarios: dict[str, Callable[[Context], "Figure | list[Figure]"]]) -> None:
    """``python -m bench.<module> ID --out FILE [--reps N] [--quick] [--amqp-uri URI]``:
    run one scenario and write its figures as JSON to FILE."""
    parser = argparse.ArgumentParser()
    parser.add_argument("scenario", choices=sorted(scenarios))
    parser.add_argument("--out", required=True)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--amqp-uri", default=os.environ.get("PROPDESK_AMQP_URI",
                                                             "amqp://guest:guest@127.0.0.1:5672/"))
    parser.add_argument("--workdir", default="/tmp")
    args = parser.parse_args()
    ctx = Context(reps=args.reps, quick=args.quick, amqp_uri=args.amqp_uri, workdir=args.workdir)
    result = scenarios[args.scenario](ctx)
    figures = result if isinstance(result, list) else [result]
    with open(args.out, "w") as f:
        json.dump([fig.as_dict() for fig in figures], f, indent=2)
    for fig in figures:
        print(f"{fig.id:<14} {fig.median:>12.2f} {fig.unit:<6} {fig.name}", file=sys.stderr, flush=True)


def chunked_writes(conn, units: int, chunk: int, counts: dict):
    """A seeding writer for benches: ``write(sql, key, rows_of)`` runs `sql` for ``rows_of(i)`` of
    every unit i, `chunk` units a transaction (no list of every unit held), adding the rows written
    to ``counts[key]``."""
    def write(sql: str, key: str, rows_of) -> None:
        for start in range(0, units, chunk):
            rows = [row for i in range(start, min(units, start + chunk)) for row in rows_of(i)]
            with conn:
                conn.executemany(sql, rows)
            counts[key] = counts.get(key, 0) + len(rows)
    return write


def migrated_sqlite(ctx: Context, prefix: str, service) -> tuple[Path, str]:
    """A fresh SQLite file under the scenario's workdir (a new one on every call), migrated as
    `service`'s database: (its path, its URL)."""
    import tempfile

    from propdesk.chassis import migrate

    path = Path(tempfile.mkdtemp(prefix=prefix, dir=ctx.workdir)) / f"{prefix.strip('-')}.db"
    url = f"sqlite:///{path}"
    migrate.upgrade(service, url)
    return path, url


def peak_rss_mib() -> float:
    """The process' peak resident set so far, MiB."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
