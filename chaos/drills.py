"""The drills: each runs the whole system under the real supervisor on a throwaway vhost (or a
private RabbitMQ node) and a throwaway data dir, drives a stream of move-out cases, injects its
faults in the middle of the stream, waits for recovery, and hands the cases to the checker.

| drill     | faults (full run)                                                      | quick (make test) |
|-----------|------------------------------------------------------------------------|-------------------|
| kill      | kill -9 of every service in turn, twice                                | residents once    |
| broker    | private node: stop_app/start_app, full node restart, 25 s stopped      | stop_app/start_app|
| duplicate | every event published twice (test-side duplicator)                     | same, fewer cases |
| poison    | an event that always fails its handler + an undecodable body           | same              |
| proxy     | TCP proxy between services and broker: latency, reset all, 30 s blackhole | 10 s blackhole |
| cluster   | 3-node cluster, quorum queues: kill -9 a node + restart, stop the leaders' node 20 s | make chaos only; --quick: node left stopped |
"""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable
from urllib.parse import urlparse

import eventlet

from chaos import faults
from chaos.checker import Checker
from chaos.faults import FaultRecord
from chaos.workload import Stream, seed, seed_units
from propdesk.runner import Supervisor
from propdesk.testing.faultproxy import FaultProxy
from propdesk.testing.private_broker import PrivateBroker, private_broker
from propdesk.testing.rabbit import throwaway_vhost
from propdesk.testing.rabbit_cluster import PrivateCluster, private_cluster
from propdesk.testing.system import running_system


#: what the cluster drill loads into its cluster, and the vhost those definitions make
CLUSTER_DEFINITIONS = Path(__file__).resolve().parents[1] / "deploy" / "rabbitmq" / "definitions.json"
CLUSTER_VHOST = "propdesk"


@dataclass(frozen=True)
class Plan:
    """How big a drill is: the full run (`make chaos`) or the short one (`make test`, --quick)."""

    quick: bool
    interval_s: float       # one new case every interval
    tail_cases: int         # cases started after the last fault
    stuck_bound_s: float    # after the faults, how long a case may take before it counts as stuck
    retry_delays_ms: str    # PROPDESK_RETRY_DELAYS_MS for the services
    blackhole_s: float      # the proxy drill's blackhole

    @classmethod
    def make(cls, quick: bool, blackhole_s: float | None = None) -> "Plan":
        if quick:
            return cls(True, interval_s=0.7, tail_cases=2, stuck_bound_s=120, retry_delays_ms="150,300",
                       blackhole_s=blackhole_s or 10)
        return cls(False, interval_s=0.8, tail_cases=6, stuck_bound_s=240, retry_delays_ms="1000,5000,30000",
                   blackhole_s=blackhole_s or 30)


@dataclass
class Drill:
    """What one fault script needs: the running system, where the broker is, the stream."""

    sup: Supervisor
    amqp_uri: str                    # the broker as the checker reaches it (never through the proxy)
    stream: Stream
    plan: Plan
    broker: PrivateBroker | None = None
    proxy: FaultProxy | None = None
    cluster: PrivateCluster | None = None
    records: list[FaultRecord] = field(default_factory=list)
    injected: set[str] = field(default_factory=set)
    observations: dict = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)  # fault-side findings the checker cannot see

    def now(self) -> float:
        return round(time.monotonic() - self.stream.began, 2)

    def recovered(self, name: str, began: float) -> None:
        ended = self.now()
        self.records.append(FaultRecord(name, began, ended, faults.wait_recovered(self.sup, self.amqp_uri)))


@dataclass(frozen=True)
class DrillSpec:
    name: str
    description: str
    script: Callable[[Drill], None]
    private_broker: bool = False
    via_proxy: bool = False
    cluster: bool = False
    #: its short form runs in `make test` (tests/system/test_chaos.py); the cluster drill's three
    #: nodes take a minute to form, so it runs in `make chaos` only
    in_make_test: bool = True
    max_cases: int = 200  # units seeded; the stream stops earlier, a few cases after the last fault


# -- the fault scripts ---------------------------------------------------------------------------
def _warm_up(d: Drill) -> None:
    eventlet.sleep(d.plan.interval_s * 3)  # a few cases in flight before the first fault


def kill_script(d: Drill) -> None:
    names = ["residents"] if d.plan.quick else [c.name for c in d.sup.children] * 2
    _warm_up(d)
    for name in names:
        d.records.append(faults.kill_service(d.sup, name, d.amqp_uri, d.now))
        eventlet.sleep(1.0)
    d.stream.stop_after(d.plan.tail_cases)


def broker_script(d: Drill) -> None:
    assert d.broker is not None
    _warm_up(d)
    began = d.now()
    d.broker.stop_app()
    d.broker.start_app()
    d.recovered("rabbitmqctl stop_app + start_app", began)
    if not d.plan.quick:
        eventlet.sleep(3)
        began = d.now()
        d.broker.stop_node()
        d.broker.start_node()
        d.recovered("node restart (rabbitmqctl stop, rabbitmq-server)", began)
        eventlet.sleep(3)
        began = d.now()
        d.broker.stop_app()
        eventlet.sleep(25)  # longer than nameko's publish retries give up after
        d.broker.start_app()
        d.recovered("broker stopped 25 s", began)
    d.stream.stop_after(d.plan.tail_cases)


def duplicate_script(d: Drill) -> None:
    """The duplicator runs for the whole stream (started before it, see `run_drill`)."""
    eventlet.sleep(d.plan.interval_s * (3 if d.plan.quick else 20))
    d.stream.stop_after(d.plan.tail_cases)


def poison_script(d: Drill) -> None:
    _warm_up(d)
    began = d.now()
    poison_id, malformed_id = faults.inject_poison(d.amqp_uri)
    d.injected |= {poison_id, malformed_id}
    residents = next(c for c in d.sup.children if c.name == "residents")
    tickets = next(c for c in d.sup.children if c.name == "tickets")
    retries_s = sum(int(x) for x in d.plan.retry_delays_ms.split(",")) / 1000
    deadline = time.monotonic() + retries_s + 90
    parked: list[dict] = []
    while time.monotonic() < deadline:
        parked = _dlq_list()
        ids = {p["event_id"] for p in parked}
        if poison_id in ids and malformed_id in ids:
            break
        eventlet.sleep(0.5)
    d.stream.stop_after(d.plan.tail_cases)  # the stream ran all the while the poison was retried
    # "recovery" here: how long until both were parked, visible to the operator
    d.records.append(FaultRecord("poison event + undecodable body (until dead-lettered)", began, began,
                                 round(d.now() - began, 2) if poison_id in {p["event_id"] for p in parked} else None))
    listed = {p["event_id"]: p for p in parked}
    handler_failed = faults.dead_lettered_metric(residents.port, "residents.on_inspection_completed", "handler_failed")
    malformed = faults.dead_lettered_metric(tickets.port, "tickets.on_move_out_requested", "malformed")
    d.observations.update({
        "poison_in_dlq_list": poison_id in listed,
        "poison_attempts": listed.get(poison_id, {}).get("attempts"),
        "malformed_in_dlq_list": malformed_id in listed,
        "metric_residents_handler_failed": handler_failed,
        "metric_tickets_malformed": malformed,
    })
    if poison_id not in listed:
        d.problems.append("the poison event is not in `propdesk dlq list`")
    if malformed_id not in listed:
        d.problems.append("the undecodable body is not in `propdesk dlq list`")
    if handler_failed < 1:
        d.problems.append("propdesk_dead_lettered_total{reason=handler_failed} did not count the poison")
    if malformed < 1:
        d.problems.append("propdesk_dead_lettered_total{reason=malformed} did not count the undecodable body")
    expected_attempts = len(d.plan.retry_delays_ms.split(",")) + 1
    if poison_id in listed and listed[poison_id]["attempts"] != expected_attempts:
        d.problems.append(f"poison parked after {listed[poison_id]['attempts']} attempts, not {expected_attempts}")


def _dlq_list() -> list[dict]:
    """`propdesk dlq list --json`, exactly as an operator runs it (environment of the drill)."""
    out = subprocess.run([sys.executable, "-m", "propdesk.cli", "dlq", "list", "--json"], env=os.environ.copy(),
                         capture_output=True, text=True, timeout=60)
    if out.returncode != 0:
        return []
    return json.loads(out.stdout or "[]")


def proxy_script(d: Drill) -> None:
    assert d.proxy is not None
    _warm_up(d)
    began = d.now()
    d.proxy.latency = 0.05
    eventlet.sleep(3 if d.plan.quick else 8)
    d.proxy.latency = 0.0
    d.recovered("50 ms latency on every chunk", began)
    began = d.now()
    d.proxy.reset()
    d.recovered("every broker connection reset", began)
    blackhole_s = d.plan.blackhole_s
    began = d.now()
    d.proxy.blackhole()
    eventlet.sleep(blackhole_s)
    d.proxy.heal()
    d.recovered(f"{blackhole_s:g} s blackhole", began)
    d.stream.stop_after(d.plan.tail_cases)


def _short(nodename: str) -> str:
    return nodename.split("@")[0].rsplit("-", 1)[-1]  # propdesk-cluster-ab12cd-2@localhost -> 2


def cluster_script(d: Drill) -> None:
    """On deploy/rabbitmq/definitions.json (vhost, quorum queues, RPC policy): kill -9 the node every service connected to first (the first address of the list), restart
    it; then stop the node that leads the most quorum queues and carry on with it down (full run:
    20 s down, then it rejoins, and the tail runs on three nodes again)."""
    c = d.cluster
    assert c is not None
    _warm_up(d)
    d.observations["leaders_before"] = {_short(k): v for k, v in c.leader_counts(CLUSTER_VHOST).items()}
    d.observations["connections_before"] = {_short(k): v for k, v in c.connections_per_node().items()}
    began = d.now()
    c.kill_node(0)
    eventlet.sleep(5)  # the stream runs on two nodes for a while
    d.observations["connections_node_1_killed"] = {_short(k): v for k, v in c.connections_per_node().items()}
    c.nodes[0].start_node()
    c.await_cluster()
    d.recovered("kill -9 node 1 (every service's first address), 5 s down, restarted", began)
    eventlet.sleep(3 if d.plan.quick else 8)
    leaders = c.leader_counts(CLUSTER_VHOST)
    d.observations["leaders_after_kill"] = {_short(k): v for k, v in leaders.items()}
    leader, led = leaders.most_common(1)[0]
    began = d.now()
    c.nodes[c.index_of(leader)].stop_node()
    d.recovered(f"rabbitmqctl stop of node {_short(leader)} (leading {led} of {sum(leaders.values())} quorum queues)",
                began)
    d.observations["leaders_with_node_stopped"] = {_short(k): v for k, v in c.leader_counts(CLUSTER_VHOST).items()}
    d.observations["connections_with_node_stopped"] = {_short(k): v for k, v in c.connections_per_node().items()}
    if not d.plan.quick:
        eventlet.sleep(20)  # the stream runs on the two remaining nodes
        began = d.now()
        c.nodes[c.index_of(leader)].start_node()
        c.await_cluster()
        d.recovered(f"node {_short(leader)} started again after 20 s down, rejoined", began)
    d.stream.stop_after(d.plan.tail_cases)


DRILLS: dict[str, DrillSpec] = {s.name: s for s in (
    DrillSpec("kill", "kill -9 of each service in turn in the middle of the stream", kill_script),
    DrillSpec("broker", "RabbitMQ (a private node) restarted mid-stream: app, node, and a 25 s outage",
              broker_script, private_broker=True),
    DrillSpec("duplicate", "every event delivered twice (a duplicator republishes each event)", duplicate_script),
    DrillSpec("poison", "an event that always fails its handler and an undecodable body", poison_script),
    DrillSpec("proxy", "TCP fault proxy between services and broker: latency, resets, blackhole", proxy_script,
              via_proxy=True),
    DrillSpec("cluster", "3-node RabbitMQ cluster, quorum queues: kill -9 of a node mid-stream and its restart, "
              "then the queue leaders' node stopped", cluster_script, cluster=True, in_make_test=False),
)}


# -- running one drill ---------------------------------------------------------------------------
@dataclass
class DrillResult:
    name: str
    description: str
    quick: bool
    counts: dict
    faults: list[dict]
    observations: dict
    details: list[str]
    duration_s: float
    drain_s: float | None
    error: str | None = None

    @property
    def clean(self) -> bool:
        return self.error is None and all(self.counts.get(k, 1) == 0 for k in ("lost", "duplicated", "unexpected", "stuck"))

    def as_dict(self) -> dict:
        return {"name": self.name, "description": self.description, "quick": self.quick, "counts": self.counts,
                "faults": self.faults, "observations": self.observations, "details": self.details,
                "duration_s": self.duration_s, "settled_after_faults_s": self.drain_s, "error": self.error,
                "ok": self.clean}

    @classmethod
    def from_dict(cls, d: dict) -> "DrillResult":
        return cls(d["name"], d["description"], d["quick"], d["counts"], d["faults"], d["observations"],
                   d["details"], d["duration_s"], d["settled_after_faults_s"], d["error"])

    @classmethod
    def failed(cls, name: str, quick: bool, error: str, details: list[str]) -> "DrillResult":
        return cls(name, DRILLS[name].description, quick, {}, [], {}, details, 0.0, None, error=error)


def run_drill_isolated(name: str, quick: bool, timeout_s: float = 1800.0,
                       blackhole_s: float | None = None) -> DrillResult:
    """`run_drill` in a child process of its own (`python -m chaos.run --child NAME`): every drill
    starts with a fresh eventlet hub and environment, and a drill that hangs is stopped (SIGTERM
    unwinds it: services, broker node and vhost are cleaned up) without taking the others along."""
    with tempfile.TemporaryDirectory(prefix="propdesk-chaos-result-") as tmp:
        out = os.path.join(tmp, "result.json")
        cmd = [sys.executable, "-m", "chaos.run", "--child", name, "--child-result", out] + (["--quick"] if quick else []) \
            + ([f"--blackhole-s={blackhole_s}"] if blackhole_s else [])
        proc = subprocess.Popen(cmd, cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        try:
            proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            proc.terminate()
            try:
                proc.wait(timeout=120)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            return DrillResult.failed(name, quick, f"drill did not finish within {timeout_s:.0f}s", [])
        if not os.path.exists(out):
            return DrillResult.failed(name, quick, f"drill process exited with {proc.returncode} and no result", [])
        with open(out) as f:
            return DrillResult.from_dict(json.load(f))


@contextlib.contextmanager
def _broker(spec: DrillSpec):
    """(amqp uri, management API, private node or cluster, or None) for the drill."""
    if spec.cluster:
        with private_cluster() as cluster:
            # the deployment's own definitions: services then redeclare every queue with the same
            # arguments (RabbitMQ refuses a mismatch), and the RPC queues get the mirroring policy
            cluster.load_definitions(json.loads(CLUSTER_DEFINITIONS.read_text()))
            cluster.grant(CLUSTER_VHOST)
            yield cluster.vhost_uri(CLUSTER_VHOST), cluster.rabbit_api(), cluster
    elif spec.private_broker:
        with private_broker() as node:
            yield node.amqp_uri, node.rabbit_api, node
    else:
        with throwaway_vhost(prefix=f"propdesk-chaos-{spec.name}") as vhost:
            yield vhost["amqp_uri"], None, None


def run_drill(name: str, quick: bool, say: Callable[[str], None] = print,
              blackhole_s: float | None = None) -> DrillResult:
    spec, plan = DRILLS[name], Plan.make(quick, blackhole_s)
    t0 = time.monotonic()
    n_cases = 8 if quick else spec.max_cases
    units = seed_units(n_cases)
    with contextlib.ExitStack() as stack:
        amqp_uri, rabbit_api, node = stack.enter_context(_broker(spec))
        data_dir = stack.enter_context(tempfile.TemporaryDirectory(prefix=f"propdesk-chaos-{name}-"))
        proxy = None
        service_uri = amqp_uri
        if spec.via_proxy:
            u = urlparse(amqp_uri)
            proxy = FaultProxy((u.hostname, u.port or 5672)).start()
            stack.callback(proxy.stop)
            service_uri = proxy.uri(amqp_uri)
        cluster = node if isinstance(node, PrivateCluster) else None
        env = {"PROPDESK_AMQP_URI": service_uri, "PROPDESK_QUEUE_TYPE": "quorum" if cluster else "classic", "PROPDESK_DATA_DIR": data_dir,
               "PROPDESK_RETRY_DELAYS_MS": plan.retry_delays_ms, "PROPDESK_RELAY_POLL_S": "0.2"}
        if rabbit_api:
            env["PROPDESK_RABBIT_API"] = rabbit_api
        say(f"[{name}] starting the system ({'quick' if quick else 'full'})")
        sup = stack.enter_context(running_system(env, seed=lambda settings: seed(settings, units)))
        stream = Stream(amqp_uri, units, plan.interval_s)
        drill = Drill(sup, amqp_uri, stream, plan, broker=None if cluster else node, proxy=proxy, cluster=cluster)
        duplicator = faults.Duplicator(amqp_uri).start() if name == "duplicate" else None
        stream.start()
        say(f"[{name}] stream running; injecting faults")
        try:
            spec.script(drill)
        finally:
            stream.stop_if_running()
        say(f"[{name}] faults done; waiting for the cases (bound {plan.stuck_bound_s:.0f}s)")
        t_faults = time.monotonic()
        stream.finish(plan.stuck_bound_s)
        drain_s = round(time.monotonic() - t_faults, 2)
        if duplicator is not None:
            duplicator.stop()
            drill.observations.update({"duplicates_published": duplicator.copies,
                                       "duplicator_reconnects": duplicator.errors})
            if duplicator.copies == 0:
                drill.problems.append("the duplicator published no copies: the drill tested nothing")
        verdict = Checker(amqp_uri, drill.injected).check(stream.cases)
        if drill.problems or not verdict.clean:  # the services' logs outlive the data dir, for the diagnosis
            kept = Path(tempfile.mkdtemp(prefix=f"propdesk-chaos-{name}-logs-"))
            shutil.copytree(Path(data_dir) / "log", kept / "log", dirs_exist_ok=True)
            drill.observations["service_logs"] = str(kept / "log")
    counts = verdict.counts()
    counts["unexpected"] += len(drill.problems)
    details = [f"unexpected: {p}" for p in drill.problems] + verdict.details()
    return DrillResult(name, spec.description, quick, counts, [r.as_dict() for r in drill.records],
                       drill.observations, details, round(time.monotonic() - t0, 1), drain_s)
