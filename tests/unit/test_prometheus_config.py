"""deploy/prometheus.yml against the metrics the services export.

A label Prometheus attaches to a target (`job`, `instance`, a static or relabelled label) that a
scraped series already carries is renamed ``exported_<label>`` on that series (unless
`honor_labels`): the chassis metrics carry `service`, so a static `service` label turned every
`service` into `exported_service` and dashboards and alerts on `service` found nothing. And every
department the runner discovers is scraped, on its own port, as a job named after it.
"""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from nameko_prometheus import PrometheusMetrics
from prometheus_client.metrics import MetricWrapperBase
from prometheus_client.metrics_core import Metric

from propdesk import plugins
from propdesk.chassis import metrics

CONFIG = Path(__file__).resolve().parents[2] / "deploy" / "prometheus.yml"


def labels_of(metric) -> set[str]:
    """The label names of a metric (a counter, a gauge ...) or a collector's metric family."""
    if isinstance(metric, (MetricWrapperBase, Metric)):
        return set(metric._labelnames)
    return set()


def chassis_labels() -> set[str]:
    """Every label a series of the chassis carries: its own counters and collectors, and the
    entrypoint metrics nameko-prometheus declares for a service."""
    labels: set[str] = set()
    for value in vars(metrics).values():
        labels |= labels_of(value)
    for family in metrics._outbox_collector.collect():
        labels |= labels_of(family)
    nameko = PrometheusMetrics()  # the conftest fixture unregisters what setup() registers
    nameko.container = SimpleNamespace(service_name="probe", config={})
    nameko.setup()
    for value in vars(nameko).values():
        labels |= labels_of(value)
    return labels


def target_labels(scrape: dict) -> set[str]:
    """The labels Prometheus attaches to every series of this scrape config."""
    labels = {"job", "instance"}
    for static in scrape.get("static_configs", ()):
        labels |= set(static.get("labels") or {})
    for relabel in scrape.get("relabel_configs", ()):
        if relabel.get("target_label"):
            labels.add(relabel["target_label"])
    return labels


@pytest.fixture(scope="module")
def config() -> dict:
    return yaml.safe_load(CONFIG.read_text(encoding="utf-8"))


def test_the_metrics_labels_are_known_to_this_test():
    labels = chassis_labels()
    assert {"service", "handler", "reason", "event_type", "method_name"} <= labels


def test_no_target_label_collides_with_a_label_the_metrics_carry(config):
    carried = chassis_labels()
    collisions = {scrape["job_name"]: sorted(target_labels(scrape) & carried) for scrape in config["scrape_configs"]}
    assert {job: labels for job, labels in collisions.items() if labels} == {}


def test_every_discovered_service_is_scraped_on_its_port_as_a_job_of_its_name(config):
    jobs = {scrape["job_name"]: [t for static in scrape.get("static_configs", ()) for t in static["targets"]]
            for scrape in config["scrape_configs"]}
    expected = {name: [f"127.0.0.1:{cls.http_port}"] for name, cls in plugins.service_classes().items()}
    assert {name: jobs.get(name) for name in expected} == expected
    assert all(scrape.get("metrics_path", "/metrics") == "/metrics" for scrape in config["scrape_configs"]
               if scrape["job_name"] in expected)


def test_the_broker_is_scraped_per_queue_and_the_alert_rules_are_loaded(config):
    """The alerts on queues (no consumer, the DLQ) need RabbitMQ's per-queue series: /metrics
    alone is aggregated per node and carries no `queue` label."""
    rabbitmq = next(scrape for scrape in config["scrape_configs"] if scrape["job_name"] == "rabbitmq")
    assert rabbitmq["metrics_path"] == "/metrics/per-object"
    assert [(CONFIG.parent / f).resolve() for f in config["rule_files"]] == [
        (CONFIG.parent / "prometheus" / "alerts.yml").resolve()]


#: Where deploy/prometheus.yml sends alerts: Alertmanager on its default port, as docs/operations.md
#: ("Alert routing") tells the operator to run it.
ALERTMANAGER = "127.0.0.1:9093"
OPERATIONS = CONFIG.parents[1] / "docs" / "operations.md"


def promtool_check_config(path: Path) -> subprocess.CompletedProcess:
    promtool = shutil.which("promtool")
    assert promtool, "promtool is not installed: run `make promtool` (Debian's prometheus package)"
    return subprocess.run([promtool, "check", "config", str(path)], capture_output=True, text=True, timeout=60)


def test_promtool_accepts_the_config_and_its_rule_files():
    """Prometheus' own check (keys, intervals, targets, the alertmanagers, the rule files it loads);
    `make test-unit` installs promtool, so this never skips."""
    done = promtool_check_config(CONFIG)
    assert done.returncode == 0, done.stdout + done.stderr
    rules = yaml.safe_load((CONFIG.parent / "prometheus" / "alerts.yml").read_text(encoding="utf-8"))["groups"]
    assert "SUCCESS: 1 rule files found" in done.stdout
    assert f"SUCCESS: {sum(len(group['rules']) for group in rules)} rules found" in done.stdout


def test_promtool_refuses_a_broken_alertmanager_address(tmp_path):
    """The check can fail: an Alertmanager target written as a URL (the scheme belongs in `scheme:`)."""
    (tmp_path / "prometheus").mkdir()
    (tmp_path / "prometheus" / "alerts.yml").write_text(
        (CONFIG.parent / "prometheus" / "alerts.yml").read_text(encoding="utf-8"), encoding="utf-8")
    text = CONFIG.read_text(encoding="utf-8")
    assert f'"{ALERTMANAGER}"' in text
    (tmp_path / "prometheus.yml").write_text(text.replace(f'"{ALERTMANAGER}"', f'"http://{ALERTMANAGER}"'),
                                             encoding="utf-8")
    done = promtool_check_config(tmp_path / "prometheus.yml")
    assert done.returncode != 0 and "not a valid hostname" in done.stdout + done.stderr


def test_firing_alerts_go_to_the_alertmanager_the_docs_name(config):
    """Without `alerting:` the rules fire into nothing: nobody is paged."""
    managers = config["alerting"]["alertmanagers"]
    assert [t for m in managers for s in m["static_configs"] for t in s["targets"]] == [ALERTMANAGER]
    assert all(m.get("scheme", "http") == "http" and m.get("path_prefix", "/") == "/" for m in managers)
    port = ALERTMANAGER.rsplit(":", 1)[1]
    docs = OPERATIONS.read_text(encoding="utf-8")
    assert f"port {port}" in docs and f"localhost:{port}" in docs
