"""The operators' alert rules (deploy/prometheus/alerts.yml) and dashboard (deploy/grafana/propdesk.json).

- Prometheus' own `promtool check rules` and `promtool test rules deploy/prometheus/alerts.test.yml`:
  each alert fires when it should and stays quiet when it should not (`make promtool` installs Debian's
  prometheus package; `make test` and `make test-unit` depend on it, so this never skips in CI);
- every alert is tested both ways, says whether it pages, and has its runbook line in docs/operations.md;
- the queue pattern of the queue alerts matches every department queue the topology declares, and
  none of the retry delay queues, the DLQ or RPC reply queues (which have no consumer by design);
- every dashboard query is PromQL that Prometheus parses (checked by promtool as recording rules).

That every metric named by an alert or a panel is exported by a running propdesk is checked against
the real /metrics pages in tests/system/test_cli.py.
"""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from propdesk import plugins
from propdesk.chassis import topology
from tests import promql

ROOT = promql.ROOT
RULES_DIR = ROOT / "deploy" / "prometheus"
OPERATIONS = ROOT / "docs" / "operations.md"


def promtool(*args: str) -> subprocess.CompletedProcess:
    path = shutil.which("promtool")
    assert path, "promtool is not installed: run `make promtool` (Debian's prometheus package)"
    return subprocess.run([path, *args], capture_output=True, text=True, timeout=120)


def test_promtool_checks_the_rules():
    done = promtool("check", "rules", str(RULES_DIR / "alerts.yml"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"SUCCESS: {len(promql.alert_rules())} rules found" in done.stdout


def test_promtool_unit_tests_of_the_alerts_pass():
    done = promtool("test", "rules", str(RULES_DIR / "alerts.test.yml"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS" in done.stdout


def test_promtool_fails_a_wrong_expectation(tmp_path):
    """The unit tests can fail: a service up all along does not raise PropdeskServiceDown."""
    (tmp_path / "alerts.yml").write_text((RULES_DIR / "alerts.yml").read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "wrong.test.yml").write_text(yaml.safe_dump({
        "rule_files": ["alerts.yml"], "evaluation_interval": "1m",
        "tests": [{"interval": "1m",
                   "input_series": [{"series": 'up{job="billing", instance="127.0.0.1:9103"}', "values": "1+0x10"}],
                   "alert_rule_test": [{"eval_time": "10m", "alertname": "PropdeskServiceDown",
                                        "exp_alerts": [{"exp_labels": {"severity": "page", "job": "billing",
                                                                       "instance": "127.0.0.1:9103"}}]}]}]}),
        encoding="utf-8")
    done = promtool("test", "rules", str(tmp_path / "wrong.test.yml"))
    assert done.returncode != 0 and "PropdeskServiceDown" in done.stdout + done.stderr


def test_every_alert_is_tested_firing_and_quiet():
    cases = yaml.safe_load((RULES_DIR / "alerts.test.yml").read_text(encoding="utf-8"))["tests"]
    checks = [check for case in cases for check in case["alert_rule_test"]]
    names = [rule["alert"] for rule in promql.alert_rules()]
    untested = {name: [what for what, seen in (
        ("firing", any(c["alertname"] == name and c.get("exp_alerts") for c in checks)),
        ("quiet", any(c["alertname"] == name and not c.get("exp_alerts") for c in checks)),
    ) if not seen] for name in names}
    assert {name: missing for name, missing in untested.items() if missing} == {}


def test_every_alert_pages_or_makes_a_ticket_and_has_a_runbook_line():
    runbook = OPERATIONS.read_text(encoding="utf-8")
    problems = {}
    for rule in promql.alert_rules():
        name = rule["alert"]
        wrong = []
        if rule.get("labels", {}).get("severity") not in ("page", "ticket"):
            wrong.append("severity")
        if not rule.get("annotations", {}).get("summary"):
            wrong.append("summary")
        if rule.get("annotations", {}).get("runbook") != f"docs/operations.md, Alerts: {name}":
            wrong.append("runbook annotation")
        if not re.search(rf"^\| `{name}` \|", runbook, re.M):
            wrong.append("row in docs/operations.md")
        if wrong:
            problems[name] = wrong
    assert problems == {}
    assert len({rule["alert"] for rule in promql.alert_rules()}) == len(promql.alert_rules())


def queue_selectors(expr: str) -> tuple[str, str]:
    return (re.search(r'queue=~"([^"]+)"', expr).group(1), re.search(r'queue!~"([^"]+)"', expr).group(1))


@pytest.mark.parametrize("alert", ["PropdeskQueueWithoutConsumer", "PropdeskQueueBacklog"])
def test_the_queue_alerts_watch_every_department_queue_and_no_queue_without_consumers_by_design(alert):
    expr = next(rule["expr"] for rule in promql.alert_rules() if rule["alert"] == alert)
    keep, drop = queue_selectors(expr)

    def watched(queue: str) -> bool:  # Prometheus anchors a regex matcher at both ends
        return bool(re.fullmatch(keep, queue)) and not re.fullmatch(drop, queue)

    classes = plugins.service_classes()
    declared = [q.name for q in topology.all_queues(classes.values(), (1000, 5000, 30000))]
    handler_queues = [name for name in declared if not name.startswith("propdesk.")]
    assert handler_queues and all(watched(name) for name in handler_queues), handler_queues
    assert all(watched(f"rpc-{name}") for name in classes)
    by_design = [name for name in declared if name.startswith("propdesk.")]
    assert topology.DLQ in by_design
    assert not any(watched(name) for name in [*by_design, "rpc.reply-standalone_rpc_proxy-4f1e0c2a"])


@pytest.mark.parametrize("alert", ["PropdeskQueueWithoutConsumer", "PropdeskQueueBacklog"])
def test_the_queue_alerts_name_the_service_whose_queue_it_is(alert):
    """The queue alerts read the broker's series (job rabbitmq) and set `job` to the queue's service,
    so a down service's page inhibits its backlog ticket and Alertmanager groups a service's queues
    without a consumer into one page: the label_replace regex gives every declared handler queue's and
    RPC queue's service (Prometheus anchors it at both ends)."""
    expr = next(rule["expr"] for rule in promql.alert_rules() if rule["alert"] == alert)
    target, replacement, source, regex = re.search(
        r'"(\w+)",\s*"([^"]*)",\s*"(\w+)",\s*"([^"]+)"\s*\)\s*$', expr).groups()
    assert (target, replacement, source) == ("job", "$1", "queue")

    def job(queue: str) -> str:
        return re.fullmatch(regex, queue).group(1)

    classes = plugins.service_classes()
    declared = [q.name for q in topology.all_queues(classes.values(), (1000, 5000, 30000))]
    keep, drop = queue_selectors(expr)
    owners = {name: job(name) for name in declared if re.fullmatch(keep, name) and not re.fullmatch(drop, name)}
    assert owners and all(owner in classes and (name == f"rpc-{owner}" or name.startswith(f"{owner}."))
                          for name, owner in owners.items()), owners
    assert {name: job(f"rpc-{name}") for name in classes} == {name: name for name in classes}


def test_the_dashboard_queries_are_promql_that_prometheus_parses(tmp_path):
    """promtool parses every dashboard query as a recording rule (Grafana's variables filled in)."""
    exprs = [target["expr"] for panel in promql.dashboard_panels() for target in panel["targets"]]
    filled = [promql.dashboard_expr_for_prometheus(e) for e in exprs]
    assert not [e for e in filled if "$" in e]
    rules = {"groups": [{"name": "dashboard", "rules": [{"record": f"dashboard:query_{i}", "expr": e}
                                                        for i, e in enumerate(filled)]}]}
    (tmp_path / "dashboard.yml").write_text(yaml.safe_dump(rules), encoding="utf-8")
    done = promtool("check", "rules", str(tmp_path / "dashboard.yml"))
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_dashboard_is_a_grafana_dashboard_on_one_prometheus():
    board = promql.dashboard()
    panels = [p for top in board["panels"] for p in [top, *top.get("panels", ())]]
    assert board["uid"] == "propdesk" and board["title"] == "propdesk"
    assert len({p["id"] for p in panels}) == len(panels)
    assert all(0 <= p["gridPos"]["x"] and p["gridPos"]["x"] + p["gridPos"]["w"] <= 24 for p in panels)
    queried = promql.dashboard_panels(board)
    assert len(queried) >= 20 and all(p["title"] for p in queried)
    assert {p["datasource"]["uid"] for p in queried} == {"${datasource}"}
    assert {v["name"] for v in board["templating"]["list"]} == {"datasource", "estate"}
    # the panels the operators asked for
    every = " ".join(target["expr"] for p in queried for target in p["targets"])
    for metric in ("_rpc_request_latency_seconds_bucket", "propdesk_outbox_oldest_pending_age_seconds",
                   "propdesk_dead_lettered_total", "propdesk_handler_retries_total", "propdesk_deadline_breaches_total",
                   'rabbitmq_queue_messages{queue="propdesk.dlq"}', "propdesk_tickets{", "propdesk_access_keys_on_loan"):
        assert metric in every, metric


# -- the PromQL reader the system test relies on -----------------------------------------------------
def test_metric_names_of_an_expression():
    assert promql.metric_names(
        'histogram_quantile(0.95, sum by (job, le) (rate({__name__=~"[a-z_]+_rpc_request_latency_seconds_bucket"}'
        '[$__rate_interval])))') == (set(), {"[a-z_]+_rpc_request_latency_seconds_bucket"})
    assert promql.metric_names(
        'sum by (service, rule) (increase(propdesk_deadline_breaches_total{rule!~"a|b", estate=~"$estate"}[1h])) > 10'
    ) == ({"propdesk_deadline_breaches_total"}, set())
    assert promql.metric_names('up{job!="rabbitmq"} == 0 and on(job) absent_over_time(foo_bar[5m] offset 1h) or 1e3') == (
        {"up", "foo_bar"}, set())
    assert promql.metric_names('label_replace(a_b, "x", "$1", "y", "(.*)") / ignoring(x) group_left c_d') == (
        {"a_b", "c_d"}, set())
    assert promql.metric_names('{__name__="exact_name_total", service="x"}') == (set(), {"exact_name_total"})


def test_exported_names_and_unknown_metrics():
    page = "\n".join([
        "# HELP propdesk_handler_retries_total Failed deliveries",
        "# TYPE propdesk_handler_retries_total counter",          # a labelled counter with no child yet
        "# TYPE billing_rpc_request_latency_seconds histogram",
        'billing_rpc_request_latency_seconds_bucket{le="0.1",method_name="x"} 1.0',
        'propdesk_outbox_pending{service="billing"} 0.0',
    ])
    exported = promql.exported_names(page)
    assert {"propdesk_handler_retries_total", "billing_rpc_request_latency_seconds_count",
            "propdesk_outbox_pending"} <= exported
    assert promql.unknown_metrics("rate(propdesk_handler_retries_total[5m]) + up", exported) == []
    assert promql.unknown_metrics("propdesk_outbox_pendng", exported) == ["propdesk_outbox_pendng"]
    assert promql.unknown_metrics('{__name__=~"[a-z_]+_rpc_request_latency_seconds_sum"}', exported) == []
    assert promql.unknown_metrics('{__name__=~"[a-z_]+_rpc_requests_total"}', exported) == [
        "__name__=~'[a-z_]+_rpc_requests_total'"]


def test_every_query_is_read_from_the_files():
    found = promql.queries()
    assert sum(k.startswith("alert ") for k in found) == len(promql.alert_rules())
    assert sum(k.startswith("panel ") for k in found) >= 20
    assert found["variable estate"] == "propdesk_tickets"
