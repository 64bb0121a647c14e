"""The operator's view: `propdesk status` and the metrics every service exposes."""
from __future__ import annotations

import os
import subprocess
import sys
from urllib.parse import urlsplit

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


def test_every_service_exposes_prometheus_metrics(system):
    """Every service serves its metrics; and every metric the alert rules (deploy/prometheus/alerts.yml)
    and the Grafana dashboard's panels (deploy/grafana/propdesk.json) name is exported by this running
    system or by its broker's rabbitmq_prometheus plugin (scraped as deploy/prometheus.yml does)."""
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
