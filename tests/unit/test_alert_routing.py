"""Alertmanager's routing of propdesk's alerts (deploy/alertmanager/alertmanager.yml).

Checked with Alertmanager's own amtool, which reads the file and needs no server (`make alertmanager`
installs Debian's prometheus-alertmanager; `make test` and `make test-unit` depend on it):
- the file, rendered with example values for its ${NAME} placeholders as the deployment renders it
  (envsubst), passes `amtool check-config`; every placeholder is documented in docs/operations.md;
- every alert rule of deploy/prometheus/alerts.yml, with the labels it carries, is routed by
  `amtool config routes test` to the receiver its severity calls for: a new rule whose severity has no
  receiver here, or a route sending a page to the mailbox, fails;
- the inhibit rules name alerts that exist and severities that are used, and Debian's Alertmanager
  itself, on a private port with the rendered file (no broker, no database: a 2 s process, hence this
  tier), suppresses exactly the tickets they should while a service or the broker is down.
"""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import requests
import yaml

from propdesk import plugins
from tests import promql

ROOT = promql.ROOT
CONFIG = ROOT / "deploy" / "alertmanager" / "alertmanager.yml"
OPERATIONS = ROOT / "docs" / "operations.md"

#: What each severity of alerts.yml must reach. Written here, not read from the config: the test
#: compares the config against it.
EXPECTED_RECEIVER = {"page": "duty-supervisor", "ticket": "operations-mailbox"}

EXAMPLE_VALUES = {
    "PROPDESK_ALERT_SMTP_SMARTHOST": "mail.example.org:587",
    "PROPDESK_ALERT_SMTP_FROM": "propdesk-alerts@example.org",
    "PROPDESK_ALERT_SMTP_USER": "propdesk-alerts",
    "PROPDESK_ALERT_SMTP_PASSWORD_FILE": "/etc/prometheus/smtp-password",
    "PROPDESK_ALERT_PAGE_TO": "duty-supervisor@example.org",
    "PROPDESK_ALERT_PAGER_WEBHOOK_URL": "https://pager.example.org/hooks/propdesk",
    "PROPDESK_ALERT_MAIL_TO": "operations@example.org",
}

PLACEHOLDER = re.compile(r"\$\{([A-Z0-9_]+)\}")


def amtool(*args: str) -> subprocess.CompletedProcess:
    path = shutil.which("amtool")
    assert path, "amtool is not installed: run `make alertmanager` (Debian's prometheus-alertmanager)"
    return subprocess.run([path, *args], capture_output=True, text=True, timeout=60)


def render(text: str, values: dict[str, str]) -> str:
    """What `envsubst` makes of the file; a placeholder without a value is an error, not an empty string."""
    missing = sorted(set(PLACEHOLDER.findall(text)) - set(values))
    assert not missing, f"placeholders without a value: {missing}"
    return PLACEHOLDER.sub(lambda m: values[m.group(1)], text)


@pytest.fixture
def rendered(tmp_path) -> Path:
    path = tmp_path / "alertmanager.yml"
    path.write_text(render(CONFIG.read_text(encoding="utf-8"), EXAMPLE_VALUES), encoding="utf-8")
    return path


def routed_to(config: Path, labels: dict[str, str]) -> list[str]:
    done = amtool("config", "routes", "test", f"--config.file={config}",
                  *[f"{name}={value}" for name, value in labels.items()])
    assert done.returncode == 0, done.stdout + done.stderr
    return sorted(done.stdout.split()[0].split(","))


def alert_labels(rule: dict) -> dict[str, str]:
    """The labels an alert of this rule carries when it fires, as far as routing reads them: its name,
    the rule's own labels, and the service it is about (billing as the example)."""
    return {"alertname": rule["alert"], **rule.get("labels", {}), "job": "billing", "service": "billing"}


def test_amtool_checks_the_rendered_config(rendered):
    done = amtool("check-config", str(rendered))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS" in done.stdout and "2 receivers" in done.stdout and "2 inhibit rules" in done.stdout


def test_amtool_refuses_a_broken_config(tmp_path, rendered):
    """check-config can fail: a route to a receiver that does not exist."""
    broken = tmp_path / "broken.yml"
    broken.write_text(rendered.read_text(encoding="utf-8").replace("receiver: duty-supervisor", "receiver: nobody"),
                      encoding="utf-8")
    done = amtool("check-config", str(broken))
    assert done.returncode != 0 and "nobody" in done.stdout + done.stderr


def test_the_file_in_the_repo_holds_placeholders_and_no_secret():
    text = CONFIG.read_text(encoding="utf-8")
    config = yaml.safe_load(text)
    assert set(PLACEHOLDER.findall(text)) == set(EXAMPLE_VALUES)
    smtp = config["global"]
    assert "smtp_auth_password" not in smtp and PLACEHOLDER.fullmatch(smtp["smtp_auth_password_file"])
    for name in ("smtp_smarthost", "smtp_from", "smtp_auth_username"):
        assert PLACEHOLDER.fullmatch(smtp[name]), name
    for receiver in config["receivers"]:
        for email in receiver.get("email_configs", ()):
            assert PLACEHOLDER.fullmatch(email["to"]) and "auth_password" not in email
        for hook in receiver.get("webhook_configs", ()):
            assert PLACEHOLDER.fullmatch(hook["url"])
    documented = OPERATIONS.read_text(encoding="utf-8")
    assert [name for name in sorted(EXAMPLE_VALUES) if f"`{name}`" not in documented] == []


def test_every_alert_rule_reaches_the_receiver_its_severity_calls_for(rendered):
    rules = promql.alert_rules()
    assert len(rules) >= 10
    wrong = {}
    for rule in rules:
        severity = rule.get("labels", {}).get("severity")
        expected = EXPECTED_RECEIVER.get(severity, f"<no receiver for severity {severity!r}>")
        got = routed_to(rendered, alert_labels(rule))
        if got != [expected]:
            wrong[rule["alert"]] = {"expected": expected, "routed to": got}
    assert wrong == {}
    assert {rule["labels"]["severity"] for rule in rules} == set(EXPECTED_RECEIVER)


def test_a_wrong_route_is_caught(tmp_path, rendered):
    """The routing test can fail: a config that sends pages to the mailbox routes a page wrongly."""
    wrong = tmp_path / "wrong.yml"
    wrong.write_text(rendered.read_text(encoding="utf-8").replace(
        "- receiver: duty-supervisor", "- receiver: operations-mailbox"), encoding="utf-8")
    page = next(rule for rule in promql.alert_rules() if rule["labels"]["severity"] == "page")
    assert routed_to(wrong, alert_labels(page)) == ["operations-mailbox"] != [EXPECTED_RECEIVER["page"]]
    assert routed_to(rendered, alert_labels(page)) == [EXPECTED_RECEIVER["page"]]


def test_an_alert_without_a_known_severity_falls_to_the_mailbox(rendered):
    assert routed_to(rendered, {"alertname": "SomethingNew", "job": "billing"}) == ["operations-mailbox"]


def test_the_inhibit_rules_name_alerts_and_severities_that_exist():
    config = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    names = {rule["alert"] for rule in promql.alert_rules()}
    severities = {rule["labels"]["severity"] for rule in promql.alert_rules()}
    matcher = re.compile(r'^(\w+)="([^"]*)"$')
    for inhibit in config["inhibit_rules"]:
        for side in ("source_matchers", "target_matchers"):
            for text in inhibit[side]:
                label, value = matcher.match(text).groups()
                assert (label, value in {"alertname": names, "severity": severities}[label]) == (label, True), text
    sources = {matcher.match(m).group(2) for i in config["inhibit_rules"] for m in i["source_matchers"]}
    assert sources == {"PropdeskServiceDown", "PropdeskBrokerDown"}
    # a page is never inhibited: only tickets are silenced while their cause is paged
    assert all(i["target_matchers"] == ['severity="ticket"'] for i in config["inhibit_rules"])


def running_alertmanager(config: Path, workdir: Path):
    """Debian's Alertmanager on a free local port with `config`, gossip off (a context manager yielding
    its URL; its data and log in `workdir`)."""
    binary = shutil.which("prometheus-alertmanager")
    assert binary, "prometheus-alertmanager is not installed: run `make alertmanager`"
    port = promql.free_port()
    return promql.serving([binary, f"--config.file={config}", f"--storage.path={workdir / 'data'}",
                           f"--web.listen-address=127.0.0.1:{port}", "--cluster.listen-address=", "--log.level=warn"],
                          f"http://127.0.0.1:{port}", workdir / "alertmanager.log")


@pytest.fixture
def alertmanager(tmp_path, rendered):
    """Debian's Alertmanager with the rendered file; yields its URL. Nothing is notified while the test
    runs: the first notification of a group waits `group_wait` (30 s)."""
    with running_alertmanager(rendered, tmp_path) as url:
        yield url


def suppressed(url: str, alerts: list[dict[str, str]]) -> dict[tuple[str, str], bool]:
    """Post `alerts` (label sets) and read back which of them Alertmanager suppresses, by (alertname, job)."""
    done = requests.post(f"{url}/api/v2/alerts", json=[{"labels": labels} for labels in alerts], timeout=10)
    assert done.status_code == 200, done.text
    got = requests.get(f"{url}/api/v2/alerts", timeout=10).json()
    assert len(got) == len(alerts)
    return {(a["labels"]["alertname"], a["labels"].get("job", "")): a["status"]["state"] == "suppressed" for a in got}


def rule_alert(name: str, job: str) -> dict[str, str]:
    rule = next(rule for rule in promql.alert_rules() if rule["alert"] == name)
    return {**alert_labels(rule), "job": job, "service": job}


def test_a_down_service_silences_its_own_tickets_only(alertmanager):
    state = suppressed(alertmanager, [
        {**rule_alert("PropdeskServiceDown", "billing"), "instance": "127.0.0.1:9103"},
        rule_alert("PropdeskOutboxRelayFailing", "billing"),    # billing's ticket: silenced
        rule_alert("PropdeskOutboxRelayFailing", "notify"),     # another service's ticket: not
        rule_alert("PropdeskOutboxStuck", "billing"),           # billing's page: never silenced
    ])
    assert state == {("PropdeskServiceDown", "billing"): False, ("PropdeskOutboxRelayFailing", "billing"): True,
                     ("PropdeskOutboxRelayFailing", "notify"): False, ("PropdeskOutboxStuck", "billing"): False}


def test_a_down_broker_silences_every_ticket_and_no_page(alertmanager):
    state = suppressed(alertmanager, [
        {**rule_alert("PropdeskBrokerDown", "rabbitmq"), "instance": "127.0.0.1:15692"},
        rule_alert("PropdeskOutboxRelayFailing", "billing"),
        rule_alert("PropdeskOutboxRelayFailing", "notify"),
        rule_alert("PropdeskOutboxStuck", "notify"),
    ])
    assert state == {("PropdeskBrokerDown", "rabbitmq"): False, ("PropdeskOutboxRelayFailing", "billing"): True,
                     ("PropdeskOutboxRelayFailing", "notify"): True, ("PropdeskOutboxStuck", "notify"): False}


def test_without_a_cause_nothing_is_silenced(alertmanager):
    state = suppressed(alertmanager, [rule_alert("PropdeskOutboxRelayFailing", "billing"),
                                      rule_alert("PropdeskDeadlineBreached", "complaints")])
    assert not any(state.values()), state


#: Tickets about the broker as a whole, not about one service: PropdeskBrokerDown inhibits them.
BROKER_WIDE_TICKETS = {"PropdeskDeadLettersWaiting"}


def fired_labels(name: str) -> list[dict[str, str]]:
    """The label sets alert `name` fires with in deploy/prometheus/alerts.test.yml, which `promtool test
    rules` proves the rule produces (its exp_labels must match exactly): the labels the rule really
    carries, where alert_labels() above supposes a job and a service."""
    cases = yaml.safe_load((promql.ALERTS.parent / "alerts.test.yml").read_text(encoding="utf-8"))["tests"]
    found = {tuple(sorted({"alertname": name, **{k: str(v) for k, v in alert["exp_labels"].items()}}.items()))
             for case in cases for check in case["alert_rule_test"] if check["alertname"] == name
             for alert in check.get("exp_alerts") or ()}
    return [dict(labels) for labels in sorted(found)]


def test_every_ticket_about_a_service_fires_with_that_services_job():
    """The inhibit rule `equal: [job]` silences a ticket only if it carries the down service's `job`:
    a rule that aggregates `job` away (sum by (service, ...)) or reads the broker's series (job rabbitmq)
    would page nobody about it and silence nothing."""
    services = set(plugins.service_classes())
    tickets = [rule["alert"] for rule in promql.alert_rules() if rule["labels"]["severity"] == "ticket"]
    assert BROKER_WIDE_TICKETS < set(tickets)
    jobs = {name: sorted({labels.get("job", "<none>") for labels in fired_labels(name)})
            for name in tickets if name not in BROKER_WIDE_TICKETS}
    assert {name: got for name, got in jobs.items() if not got or not set(got) <= services} == {}
    assert all("job" not in labels and "vhost" in labels
               for name in BROKER_WIDE_TICKETS for labels in fired_labels(name))


def test_a_down_service_silences_its_backlog_and_deadline_tickets(alertmanager):
    """With the labels the rules really fire with (promtool-proven): reports' queue backlog and tickets'
    deadline breach are silenced while those services are down; billing's backlog and access's breach
    are not."""
    backlog = fired_labels("PropdeskQueueBacklog")        # reports.on_any_event (reports), rpc-billing (billing)
    breached = fired_labels("PropdeskDeadlineBreached")   # complaint.reply (tickets), key.loan_return (access)
    state = suppressed(alertmanager, [
        {"alertname": "PropdeskServiceDown", "severity": "page", "job": "reports", "instance": "127.0.0.1:9106"},
        {"alertname": "PropdeskServiceDown", "severity": "page", "job": "tickets", "instance": "127.0.0.1:9102"},
        *backlog, *breached,
    ])
    assert state == {("PropdeskServiceDown", "reports"): False, ("PropdeskServiceDown", "tickets"): False,
                     ("PropdeskQueueBacklog", "reports"): True, ("PropdeskQueueBacklog", "billing"): False,
                     ("PropdeskDeadlineBreached", "tickets"): True, ("PropdeskDeadlineBreached", "access"): False}


#: Alerts about the broker or the DLQ as a whole, not about one service.
BROKER_WIDE = {"PropdeskBrokerDown", "PropdeskDeadLetterQueueGrowing", "PropdeskDeadLettersWaiting"}


def test_every_alert_about_a_service_fires_with_that_services_job():
    """The route groups by [alertname, job, service, vhost] and the inhibit rule matches `job`: an alert
    about a service fires with `job` = that service (and `service`, where it has one, the same), so a
    stopped or failing service pages as itself, and a rule that aggregates `job` away (`sum by
    (service, ...)`) fails here. Only the broker's and the DLQ's alerts have none (or the broker's job).
    With the labels each rule fires with in alerts.test.yml (promtool-proven: exp_labels match exactly)."""
    services = set(plugins.service_classes())
    names = [rule["alert"] for rule in promql.alert_rules()]
    assert BROKER_WIDE < set(names)
    wrong = {}
    for name in names:
        for labels in fired_labels(name):
            if name in BROKER_WIDE:
                right = labels.get("job", "rabbitmq") == "rabbitmq" and "service" not in labels
            else:
                right = labels.get("job") in services and labels.get("service", labels.get("job")) == labels.get("job")
            if not right:
                wrong.setdefault(name, []).append(labels)
    assert wrong == {}
    assert all(fired_labels(name) for name in names)


def test_the_service_alerts_check_fails_an_alert_without_job(monkeypatch):
    """The check above can fail: PropdeskDeadLettered as it fired before it kept `job` (service only)."""
    real = fired_labels
    monkeypatch.setitem(globals(), "fired_labels", lambda name: [
        {k: v for k, v in labels.items() if k != "job"} if name == "PropdeskDeadLettered" else labels
        for labels in real(name)])
    with pytest.raises(AssertionError, match="PropdeskDeadLettered"):
        test_every_alert_about_a_service_fires_with_that_services_job()


def test_every_service_alert_is_notified_under_its_service(alertmanager):
    """Every alert as promtool proves it fires, posted to Alertmanager together: each notification group
    of an alert about a service is that service's (its `job`), one per alert and service (billing's and
    notify's dead letters are two pages, residents' two queues without a consumer one), pages to the
    duty supervisor; only the broker-wide alerts are grouped without a service."""
    services = set(plugins.service_classes())
    fired = [labels for rule in promql.alert_rules() for labels in fired_labels(rule["alert"])]
    done = requests.post(f"{alertmanager}/api/v2/alerts", json=[{"labels": labels} for labels in fired], timeout=10)
    assert done.status_code == 200, done.text
    groups = requests.get(f"{alertmanager}/api/v2/alerts/groups", timeout=10).json()
    got = {}
    for group in groups:
        name, job = group["labels"]["alertname"], group["labels"].get("job")
        assert {a["labels"].get("job") for a in group["alerts"]} == {job}, group
        got.setdefault(name, set()).add(job)
        if name not in BROKER_WIDE:
            assert job in services, group
        severity = {a["labels"]["severity"] for a in group["alerts"]}
        assert [group["receiver"]["name"]] == [EXPECTED_RECEIVER[s] for s in severity], group
    assert got == {name: {labels.get("job") for labels in fired_labels(name)} for name in {l["alertname"] for l in fired}}
    assert got["PropdeskDeadLettered"] == {"billing", "notify"}
    assert got["PropdeskQueueWithoutConsumer"] == {"residents", "tickets"}


def test_queues_without_a_consumer_page_once_per_service(alertmanager):
    """Residents' two queues and tickets' one, as promtool proves the rule fires them: two groups (one
    page per service, each listing its queues), not one page for every queue of the vhost."""
    fired = fired_labels("PropdeskQueueWithoutConsumer")
    done = requests.post(f"{alertmanager}/api/v2/alerts", json=[{"labels": labels} for labels in fired], timeout=10)
    assert done.status_code == 200, done.text
    groups = requests.get(f"{alertmanager}/api/v2/alerts/groups", timeout=10).json()
    assert {(g["labels"].get("job"), g["receiver"]["name"]): sorted(a["labels"]["queue"] for a in g["alerts"])
            for g in groups} == {("residents", "duty-supervisor"): ["residents.on_clearance", "rpc-residents"],
                                 ("tickets", "duty-supervisor"): ["rpc-tickets"]}
