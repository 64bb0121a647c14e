"""Gateway -> department RPC latency, the way the desk sees it.

- **S2** the whole system is started as `make run` starts it (migrate, demo data, the real
  `Supervisor` with one process per service, on free ports, on bench.run's vhost and data dir).
  Callers send `GET /api/units/<unit_id>/balance` to the gateway: HTTP in, one nameko RPC to
  `billing.get_balance` (a few SQLite reads), the JSON answer out. 1, 10 and 50 concurrent
  callers (threads, each on its own keep-alive connection), each level for a fixed time per
  repetition after a short warm-up; p50 and p99 in ms, throughput in `detail`. Limited by the
  gateway's and billing's single eventlet process each, the broker, and the callers themselves,
  all on two shared cores: at 10 and 50 callers the latency is mostly queueing
  (callers / throughput).
- For comparison, `detail` has the bare nameko RPC (`ClusterRpcProxy`, one caller) to the same
  `billing.get_balance`: what the gateway's HTTP layer adds on top.
"""
from __future__ import annotations

import contextlib
import http.client
import io
import json
import os
import subprocess
import sys
import threading
import time
from typing import Iterator

from bench.common import Context, Figure, percentile, rate, scenario_main
from bench.procs import broker_pid, cpu_seconds, kill_with_parent
from propdesk.testing.ports import free_ports

CONCURRENCY = (1, 10, 50)


def benched_supervisor(out: io.StringIO):
    """The real Supervisor, except that its service processes also get SIGTERM when this scenario
    process dies, however it dies (`bench.run` kills a scenario it gives up on)."""
    from propdesk.runner import Supervisor

    class BenchSupervisor(Supervisor):
        def _spawn(self, child) -> None:
            log = open(child.log_path, "ab")
            child.proc = subprocess.Popen([sys.executable, "-m", "propdesk.worker", child.name],
                                          stdout=log, stderr=subprocess.STDOUT, env=os.environ.copy(),
                                          start_new_session=True, preexec_fn=kill_with_parent)
            log.close()
            child.started_at = time.monotonic()

    return BenchSupervisor(settings=None, out=out)


@contextlib.contextmanager
def running_system(ctx: Context) -> Iterator:
    """Migrate, load the demo, start every service under the real Supervisor; yields it. Every service process is stopped on the way out (SIGTERM, SIGKILL after 15 s)."""
    from propdesk import plugins

    os.environ["PROPDESK_AMQP_URI"] = ctx.amqp_uri
    os.environ.setdefault("PROPDESK_DATA_DIR", os.path.join(ctx.workdir, "var"))
    os.environ.setdefault("PROPDESK_LOG_LEVEL", "INFO")
    names = sorted(plugins.service_classes())
    for port, name in zip(free_ports(len(names)), names):
        os.environ[f"PROPDESK_{name.upper()}_PORT"] = str(port)
    for args in (["migrate"], ["demo"]):
        subprocess.run([sys.executable, "-m", "propdesk.cli", *args], check=True, stdout=subprocess.DEVNULL,
                       timeout=300)
    out = io.StringIO()
    sup = benched_supervisor(out)
    try:
        sup.start()
        if not sup.wait_ready(120):
            raise RuntimeError(f"services did not come up: {out.getvalue()}")
        yield sup
    finally:
        sup.stop()


#: The signed-in desk's session cookie, sent with every GET (the gateway answers 401 without one).
AUTH: dict[str, str] = {}
#: The demo account the desks sign in as (a front desk reads unit balances).
DESK_USER = "front_desk"


def sign_in(port: int) -> dict[str, str]:
    """Sign in as the demo front desk, as a browser does; the Cookie header of its session."""
    from propdesk_services.gateway.tests.signing_in import signed_in

    session = signed_in(f"http://127.0.0.1:{port}", DESK_USER)
    return {"Cookie": "; ".join(f"{c.name}={c.value}" for c in session.cookies)}


def get_json(port: int, path: str) -> object:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers=AUTH)
        resp = conn.getresponse()
        body = resp.read()
        if resp.status != 200:
            raise RuntimeError(f"GET {path}: {resp.status} {body[:200]!r}")
        return json.loads(body)
    finally:
        conn.close()


def balance_path(port: int) -> tuple[str, str]:
    """The balance endpoint of a demo unit billing knows (a leased unit)."""
    units = get_json(port, "/api/units?leased=1")["units"]
    unit_id = units[0]["unit_id"]
    path = f"/api/units/{unit_id}/balance"
    get_json(port, path)  # answers 200 before it is timed
    return unit_id, path


def caller(port: int, path: str, until: float, samples: list[float], errors: list[str]) -> None:
    """One desk: GET ``path`` back to back on one keep-alive connection until ``until``."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        while time.perf_counter() < until:
            t0 = time.perf_counter()
            conn.request("GET", path, headers=AUTH)
            resp = conn.getresponse()
            resp.read()
            elapsed = (time.perf_counter() - t0) * 1000
            if resp.status == 200:
                samples.append(elapsed)
            else:
                errors.append(str(resp.status))
    except (OSError, http.client.HTTPException) as exc:
        errors.append(f"{type(exc).__name__}: {exc}")
    finally:
        conn.close()


def load(port: int, path: str, callers: int, seconds: float, pids: dict[str, int | None] | None = None) -> dict:
    """``callers`` threads for ``seconds``: latencies (ms), throughput, errors, and the CPU share
    (cores) the ``pids`` (name -> process) used meanwhile."""
    pids = pids or {}
    cpu_before = {name: cpu_seconds(pid) for name, pid in pids.items()}
    until = time.perf_counter() + seconds
    per_thread: list[list[float]] = [[] for _ in range(callers)]
    errors: list[str] = []
    threads = [threading.Thread(target=caller, args=(port, path, until, per_thread[i], errors), daemon=True)
               for i in range(callers)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(seconds + 60)
    elapsed = time.perf_counter() - start
    samples = [s for thread_samples in per_thread for s in thread_samples]
    if not samples:
        raise RuntimeError(f"no successful request at {callers} callers: {errors[:5]}")
    return {"samples": samples, "per_s": rate(len(samples), elapsed), "errors": len(errors),
            "error_examples": errors[:5],
            "cpu_share": {name: round((cpu_seconds(pid) - cpu_before[name]) / elapsed, 2) for name, pid in pids.items()}}


def bare_rpc(amqp_uri: str, unit_id: str, seconds: float) -> dict:
    """The same department call without the gateway: nameko ClusterRpcProxy, one caller."""
    from nameko.standalone.rpc import ClusterRpcProxy

    samples = []
    with ClusterRpcProxy({"AMQP_URI": amqp_uri}, timeout=30) as proxy:
        proxy.billing.get_balance(unit_id)
        until = time.perf_counter() + seconds
        while time.perf_counter() < until:
            t0 = time.perf_counter()
            proxy.billing.get_balance(unit_id)
            samples.append((time.perf_counter() - t0) * 1000)
    return {"p50_ms": round(percentile(samples, 50), 3), "p99_ms": round(percentile(samples, 99), 3),
            "calls": len(samples), "per_s": round(rate(len(samples), seconds), 1)}


def s2_gateway_rpc(ctx: Context) -> list[Figure]:
    seconds, warmup = ctx.seconds(20), ctx.seconds(2, 0.5)
    reps = 1 if ctx.quick else ctx.reps
    runs: dict[int, list[dict]] = {c: [] for c in CONCURRENCY}
    with running_system(ctx) as sup:
        port = int(os.environ["PROPDESK_GATEWAY_PORT"])
        AUTH.update(sign_in(port))
        pids = {"gateway": sup.pid("gateway"), "billing": sup.pid("billing"), "rabbitmq_all_vhosts": broker_pid()}
        unit_id, path = balance_path(port)
        for _ in range(reps):
            for c in CONCURRENCY:
                load(port, path, c, warmup)
                runs[c].append(load(port, path, c, seconds, pids))
        bare = [bare_rpc(ctx.amqp_uri, unit_id, seconds) for _ in range(reps)]
    figures = []
    for c in CONCURRENCY:
        detail = {"endpoint": "GET /api/units/<unit_id>/balance -> billing.get_balance", "seconds_per_rep": seconds,
                  "requests_per_s": [round(r["per_s"], 1) for r in runs[c]],
                  "requests": [len(r["samples"]) for r in runs[c]], "errors": [r["errors"] for r in runs[c]],
                  "error_examples": [e for r in runs[c] for e in r["error_examples"]][:5],
                  "cpu_share": [r["cpu_share"] for r in runs[c]],
                  "bare_nameko_rpc_c1": bare}
        for p in (50, 99):
            figures.append(Figure(f"S2-c{c}-p{p}", f"gateway GET balance -> one RPC to billing, {c} concurrent "
                                                   f"caller{'s' if c > 1 else ''}, p{p}", "ms",
                                  [percentile(r["samples"], p) for r in runs[c]], higher_is_better=False,
                                  detail=detail))
    return figures


SCENARIOS = {"S2": s2_gateway_rpc}

if __name__ == "__main__":
    scenario_main(SCENARIOS)
