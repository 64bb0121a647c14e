"""The operator's view: `propdesk status` and the metrics every service exposes."""
from __future__ import annotations

import os
import subprocess
import sys
from urllib.parse import unquote, urlsplit

import pytest
import requests

from tests import promql
from tests.helpers import wait_for

pytestmark = pytest.mark.system


def status():
    return subprocess.run([sys.executable, "-m", "propdesk.cli", "status"], capture_output=True, text=True,
                          env=os.environ.copy(), timeout=60)


def test_status_lists_every_service_up_with_its_queues(system):
    # the management API refreshes consumer counts every few seconds: poll until they show
    out = wait_for(lambda: (o := status()) and "residents.on_inspection_completed" in o.stdout and
                   all(" consumers 0" not in line for line in o.stdout.splitlines()) and o,
                   timeout=30, interval=1, what="every handler queue to show its consumer")
    assert out.returncode == 0, out.stdout + out.stderr
    lines = out.stdout.splitlines()
    for child in system.children:
        assert any(line.startswith(child.name) and " up " in line and f":{child.port}/metrics" in line
                   for line in lines), out.stdout
    assert any("residents.on_inspection_completed" in line and "consumers 1" in line for line in lines), out.stdout
    assert any(line.startswith("dead letters: 0") for line in lines), out.stdout


def test_every_service_exposes_prometheus_metrics(system, rpc, tmp_path):
    """Every service serves its metrics; every metric the alert rules (deploy/prometheus/alerts.yml)
    and the Grafana dashboard's panels (deploy/grafana/propdesk.json) name is exported by this running
    system or by its broker's rabbitmq_prometheus plugin; and a real Prometheus scraping the system as
    deploy/prometheus.yml does evaluates every rule without error, raises no alert on this healthy
    system, and answers every panel's query with data (a panel of problems only: none)."""
    exported = set()
    for child in system.children:
        body = requests.get(f"http://127.0.0.1:{child.port}/metrics", timeout=5).text
        assert f"{child.name}_service_max_workers" in body, child.name
        if child.name != "gateway":
            assert f'propdesk_outbox_pending{{service="{child.name}"}}' in body, child.name
        exported |= promql.exported_names(body)
    broker = urlsplit(os.environ["PROPDESK_AMQP_URI"]).hostname
    try:
        body = requests.get(f"http://{broker}:15692/metrics/per-object", timeout=10).text
    except requests.ConnectionError:
        pytest.fail(f"RabbitMQ's Prometheus plugin does not answer on {broker}:15692: run `make broker`")
    assert "rabbitmq_queue_consumers{" in body
    exported |= promql.exported_names(body)
    unknown = {where: missing for where, expr in promql.queries().items()
               if (missing := promql.unknown_metrics(expr, exported))}
    assert unknown == {}

    targets = {child.name: f"127.0.0.1:{child.port}" for child in system.children}
    for name in targets.keys() - {"gateway"}:  # an RPC to each department, so its RPC series exist
        try:
            getattr(rpc, name).list_audit()
        except Exception:  # refused without an actor, or no audit: still an RPC the department answered
            pass
    vhost = unquote(urlsplit(os.environ["PROPDESK_AMQP_URI"]).path.lstrip("/"))
    (tmp_path / "prometheus").mkdir()
    with promql.running_prometheus(tmp_path / "prometheus", targets, f"{broker}:15692", vhost) as prom:
        # every job up and scraped a few times (a rate or an increase needs two samples)
        wait_for(lambda: len(promql.query(prom, "up == 1 and count_over_time(up[1m]) >= 4")) == len(targets) + 1,
                 timeout=30, interval=0.5, what="Prometheus to scrape every service and the broker")
        wait_for(lambda: all(rule["health"] == "ok" for group in promql.rule_groups(prom) for rule in group["rules"]),
                 timeout=30, interval=0.5, what="every alert rule evaluated without error")
        # the broker refreshes a queue's consumer count every few seconds: wait for a quiet state
        raised = []

        def quiet() -> bool:
            raised[:] = [a["labels"] for a in promql.alerts(prom) if a["labels"]["alertname"] not in OFFICE_ALERTS]
            return not raised

        try:
            wait_for(quiet, timeout=30, interval=1, what="no alert on a healthy system")
        except AssertionError:
            pytest.fail(f"alerts on a healthy system after 30 s: {raised}")
        answers = {where: promql.query(prom, promql.dashboard_expr_for_prometheus(expr, "15s"))
                   for where, expr in promql.queries().items() if where.startswith("panel ")}
    assert sorted(where for where, result in answers.items() if not result) == ["panel 'Queues without a consumer' A"]


#: Alerts on the office's work, not the system's health: the demo's overdue records may breach meanwhile.
OFFICE_ALERTS = {"PropdeskDeadlineBreached", "PropdeskDeadlineBreachSurge"}
