"""The metric names a PromQL expression reads, and the metric names a /metrics page exports: the
Grafana dashboard's panels and the alert rules are checked against a running propdesk with them
(tests/system/test_cli.py), and the extraction itself on the unit tier (tests/unit/test_alert_rules.py).

A PromQL expression names a metric either as a bare name (``rate(propdesk_handler_retries_total[5m])``)
or as a ``__name__`` matcher (``{__name__=~".+_rpc_requests_total"}``, every service's own prefix).
"""
from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import time
from contextlib import contextmanager, suppress
from pathlib import Path

import requests
import yaml

ROOT = Path(__file__).resolve().parents[1]
ALERTS = ROOT / "deploy" / "prometheus" / "alerts.yml"
DASHBOARD = ROOT / "deploy" / "grafana" / "propdesk.json"
SCRAPE_CONFIG = ROOT / "deploy" / "prometheus.yml"

#: Series Prometheus makes itself for every target: not exported by anyone.
SYNTHETIC = {"up", "scrape_duration_seconds", "scrape_samples_scraped", "scrape_series_added", "ALERTS"}

KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless",
            "offset", "inf", "nan"}

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
_MATCHERS = re.compile(r"\{[^{}]*\}")
_NAME_MATCHER = re.compile(r'__name__\s*(=~|!~|!=|=)\s*("(?:[^"\\]|\\.)*")')
_GROUPING = re.compile(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)")
_RANGE = re.compile(r"\[[^\[\]]*\]")
_IDENT = re.compile(r"(?<![\w:.$])([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?")


def metric_names(expr: str) -> tuple[set[str], set[str]]:
    """``(names, name patterns)`` an expression reads: bare metric names, and the regexes (or exact
    names) of its ``__name__`` matchers. Negative name matchers (``!=``, ``!~``) select nothing."""
    patterns: set[str] = set()
    for block in _MATCHERS.findall(expr):
        for op, quoted in _NAME_MATCHER.findall(block):
            value = json.loads(quoted)
            if op == "=":
                patterns.add(re.escape(value))
            elif op == "=~":
                patterns.add(value)
    text = _MATCHERS.sub(" ", expr)       # label matchers (strings inside them too)
    text = _STRING.sub(" ", text)         # string arguments (histogram_quantile's none, label_replace's)
    text = _RANGE.sub(" ", text)          # [5m], [$__rate_interval], [1h:5m]
    text = _GROUPING.sub(" ", text)       # by (service, le)
    text = re.sub(r"\$\{?\w+\}?", " ", text)  # Grafana variables outside matchers
    names = set()
    for ident, call in _IDENT.findall(text):
        if call or ident.lower() in KEYWORDS or re.fullmatch(r"\d.*", ident):
            continue
        names.add(ident)
    return names, patterns


def exported_names(text: str) -> set[str]:
    """Every sample name a /metrics page in Prometheus' text format exports, with the names its
    families would export once they have a sample (a labelled counter exports none before its
    first child: ``_total`` from its TYPE line, ``_bucket``/``_sum``/``_count`` of a histogram)."""
    names = set()
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(None, 3)
            names.add(name)
            if kind.strip() == "histogram":
                names |= {f"{name}_bucket", f"{name}_sum", f"{name}_count"}
            elif kind.strip() == "summary":
                names |= {f"{name}_sum", f"{name}_count"}
        elif line and not line.startswith("#"):
            names.add(re.split(r"[{\s]", line, 1)[0])
    return names


def unknown_metrics(expr: str, exported: set[str]) -> list[str]:
    """The names and name patterns of `expr` that no exported series matches."""
    names, patterns = metric_names(expr)
    missing = sorted(n for n in names if n not in exported and n not in SYNTHETIC)
    missing += sorted(f"__name__=~{p!r}" for p in patterns if not any(re.fullmatch(p, n) for n in exported))
    return missing


def alert_rules() -> list[dict]:
    return [rule for group in yaml.safe_load(ALERTS.read_text(encoding="utf-8"))["groups"]
            for rule in group["rules"]]


def dashboard() -> dict:
    return json.loads(DASHBOARD.read_text(encoding="utf-8"))


def dashboard_panels(board: dict | None = None) -> list[dict]:
    """Every panel with queries, rows' collapsed panels included."""
    found = []
    for panel in (board or dashboard())["panels"]:
        found.extend(p for p in [panel, *panel.get("panels", ())] if p.get("targets"))
    return found


def queries() -> dict[str, str]:
    """{where: PromQL} of every alert rule and every dashboard panel query."""
    found = {f"alert {rule['alert']}": rule["expr"] for rule in alert_rules()}
    for panel in dashboard_panels():
        for target in panel["targets"]:
            found[f"panel {panel['title']!r} {target.get('refId', '')}"] = target["expr"]
    board = dashboard()
    for variable in board["templating"]["list"]:
        query = variable.get("query")
        if variable["type"] == "query":
            query = query["query"] if isinstance(query, dict) else query
            found[f"variable {variable['name']}"] = re.sub(r"^label_values\((.*),\s*\w+\)$", r"\1", query)
    for annotation in board["annotations"]["list"]:
        if annotation.get("expr"):
            found[f"annotation {annotation['name']}"] = annotation["expr"]
    return found


def dashboard_expr_for_prometheus(expr: str, rate_interval: str = "5m") -> str:
    """A panel's query as Prometheus takes it: Grafana's variables filled in (every estate)."""
    return expr.replace("$__rate_interval", rate_interval).replace("$estate", ".*")


# -- a Prometheus or Alertmanager server on a private port ----------------------------------------
def free_port() -> int:
    """A TCP port free on 127.0.0.1 now (the server started next binds it)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(argv: list[str], url: str, log: Path, timeout: float = 30.0):
    """Run `argv` (a Prometheus or Alertmanager server listening at `url`, its output in `log`) until
    its ``/-/ready`` answers 200; yields `url`; then terminates it (killed after 10 s). Fails with the
    log if the process exits or is not ready within `timeout` (readiness, not a timing assumption)."""
    with log.open("wb") as out:
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    if requests.get(f"{url}/-/ready", timeout=2).status_code == 200:
                        break
                except requests.ConnectionError:
                    pass
                assert proc.poll() is None and time.monotonic() < deadline, log.read_text(errors="replace")
                time.sleep(0.1)
            yield url
        finally:
            proc.terminate()
            with suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=10)
            proc.kill()  # a no-op once it has exited
            proc.wait()


# -- a real Prometheus on a running system ----------------------------------------------------------
@contextmanager
def running_prometheus(workdir: Path, targets: dict[str, str], rabbitmq: str, vhost: str, interval: str = "1s"):
    """Debian's Prometheus server (the `prometheus` package `make promtool` installs) scraping a running
    system as deploy/prometheus.yml does, with its rule files loaded: each job's target replaced by
    ``targets[job]`` (the broker's by `rabbitmq`), scraping and evaluating every `interval`, and the
    broker's per-queue series kept for one vhost only (a shared broker carries other runs' vhosts).
    Yields the server's base URL; stops it and removes nothing else."""
    binary = shutil.which("prometheus")
    assert binary, "prometheus is not installed: run `make promtool` (Debian's prometheus package)"
    config = yaml.safe_load(SCRAPE_CONFIG.read_text(encoding="utf-8"))
    config["global"] = {"scrape_interval": interval, "evaluation_interval": interval}
    config["rule_files"] = [str((SCRAPE_CONFIG.parent / f).resolve()) for f in config["rule_files"]]
    config.pop("alerting", None)  # evaluate the rules, notify nobody (not an Alertmanager this host may run)
    for scrape in config["scrape_configs"]:
        job = scrape["job_name"]
        scrape["static_configs"] = [{"targets": [rabbitmq if job == "rabbitmq" else targets[job]]}]
        if job == "rabbitmq":
            scrape["metric_relabel_configs"] = [{"source_labels": ["vhost"], "regex": f"|{re.escape(vhost)}",
                                                 "action": "keep"}]
    (workdir / "prometheus.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    port = free_port()
    with serving([binary, f"--config.file={workdir / 'prometheus.yml'}", f"--storage.tsdb.path={workdir / 'tsdb'}",
                  f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn"],
                 f"http://127.0.0.1:{port}", workdir / "prometheus.log") as url:
        yield url


def query(url: str, expr: str) -> list[dict]:
    """An instant query's result vector; fails on any error Prometheus reports."""
    answer = requests.get(f"{url}/api/v1/query", params={"query": expr}, timeout=10).json()
    assert answer["status"] == "success", (expr, answer)
    return answer["data"]["result"]


def rule_groups(url: str) -> list[dict]:
    return requests.get(f"{url}/api/v1/rules", timeout=10).json()["data"]["groups"]


def alerts(url: str) -> list[dict]:
    """Alerts pending or firing now."""
    return requests.get(f"{url}/api/v1/alerts", timeout=10).json()["data"]["alerts"]
