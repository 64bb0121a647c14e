"""Alertmanager really delivers propdesk's alerts (deploy/alertmanager/alertmanager.yml), end to end.

Debian's Alertmanager (`make alertmanager`) runs on a private port with the deployed file rendered as
the deployment renders it, its receivers pointed at servers this test runs: a real SMTP server
(tests/smtp_server.py: aiosmtpd, pinned in requirements-test.lock, requiring STARTTLS and AUTH as the
deployed `smtp_require_tls: true` and password file expect; a throw-away certificate made with openssl)
storing what it receives in a Maildir, and an HTTP server
standing in for the pager's webhook. The routes, grouping keys and inhibit rules are the deployed
ones; only `group_wait`/`group_interval` are shortened so that the first notification goes out at
once. An alert is posted as Prometheus posts it (POST /api/v2/alerts) and the test waits, with a
deadline, for what arrives: a page mails the duty supervisor and calls the pager webhook; a ticket
mails the operations mailbox only; the page, once resolved, reaches the supervisor and the pager again.

No broker, no database: two local servers' processes and a thread, under 2 s, hence the unit tier.
"""
from __future__ import annotations

import json
import mailbox
import socket
import subprocess
import sys
import threading
from contextlib import contextmanager
from datetime import datetime, timezone
from email import policy
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests
import yaml

from tests import promql
from tests.helpers import wait_for
from tests.unit.test_alert_routing import CONFIG, EXAMPLE_VALUES, render, running_alertmanager

#: Short enough that a test does not wait for Alertmanager's batching, long enough to be a real wait.
GROUP_WAIT = "200ms"
#: What the SMTP server accepts from the user EXAMPLE_VALUES names; Alertmanager reads it from the
#: password file, as deployed (smtp_auth_password_file).
SMTP_PASSWORD = "relay-password-for-the-test"


@contextmanager
def smtp_server(workdir: Path, user: str, password: str):
    """tests/smtp_server.py on a free local port: STARTTLS (a self-signed certificate for 127.0.0.1)
    and AUTH as `user` required, each accepted message stored in a Maildir with its envelope.
    Yields ``(host:port, certificate, Maildir)``."""
    cert, key = workdir / "smtp.crt", workdir / "smtp.key"
    made = subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                           "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                           "-keyout", str(key), "-out", str(cert)], capture_output=True, text=True, timeout=60)
    assert made.returncode == 0, made.stderr
    port = promql.free_port()
    maildir = workdir / "maildir"
    log = workdir / "smtp.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "tests.smtp_server", str(port), str(cert), str(key), str(maildir),
                                 user, password], cwd=promql.ROOT, stdout=out, stderr=subprocess.STDOUT)
        try:
            def listening() -> bool:
                assert proc.poll() is None, log.read_text(errors="replace")
                with socket.socket() as s:
                    return s.connect_ex(("127.0.0.1", port)) == 0
            wait_for(listening, what="the SMTP server to listen")
            yield f"127.0.0.1:{port}", cert, mailbox.Maildir(maildir)
        finally:
            proc.terminate()
            proc.wait(timeout=10)


@contextmanager
def webhook_receiver():
    """An HTTP server taking the pager webhook's POSTs; yields ``(url, [payload, ...])``."""
    received: list[dict] = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self):
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hooks/propdesk", received
    finally:
        server.shutdown()
        server.server_close()


def delivery_config(smarthost: str, cert: Path, hook_url: str, workdir: Path) -> Path:
    """deploy/alertmanager/alertmanager.yml rendered for the local servers: same routes, receivers and
    inhibit rules; the SMTP server's certificate trusted; the first notification of a group at once."""
    (workdir / "smtp-password").write_text(SMTP_PASSWORD, encoding="utf-8")
    values = {**EXAMPLE_VALUES, "PROPDESK_ALERT_SMTP_SMARTHOST": smarthost,
              "PROPDESK_ALERT_SMTP_PASSWORD_FILE": str(workdir / "smtp-password"),
              "PROPDESK_ALERT_PAGER_WEBHOOK_URL": hook_url}
    config = yaml.safe_load(render(CONFIG.read_text(encoding="utf-8"), values))
    assert config["global"]["smtp_require_tls"] is True
    routes = [config["route"], *config["route"]["routes"]]
    for route in routes:
        route["group_wait"] = route["group_interval"] = GROUP_WAIT
    for receiver in config["receivers"]:
        for email in receiver.get("email_configs", ()):
            email["tls_config"] = {"ca_file": str(cert)}
    path = workdir / "alertmanager.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture
def delivery(tmp_path):
    """The three servers: yields (Alertmanager URL, Maildir, webhook payloads)."""
    with smtp_server(tmp_path, EXAMPLE_VALUES["PROPDESK_ALERT_SMTP_USER"], SMTP_PASSWORD) as (smarthost, cert, maildir), \
            webhook_receiver() as (hook_url, hooks):
        config = delivery_config(smarthost, cert, hook_url, tmp_path)
        with running_alertmanager(config, tmp_path) as url:
            yield url, maildir, hooks


def rule(name: str) -> dict:
    return next(r for r in promql.alert_rules() if r["alert"] == name)


def firing(name: str, summary: str, **labels: str) -> dict:
    """An alert of rule `name` as Prometheus posts it: the rule's labels, the series' labels, its
    annotations filled in."""
    return {"labels": {"alertname": name, **rule(name)["labels"], **labels},
            "annotations": {"summary": summary, "runbook": rule(name)["annotations"]["runbook"]}}


def mails(box: mailbox.Maildir) -> list:
    parser = BytesParser(policy=policy.default)
    return [parser.parsebytes(box.get_bytes(key)) for key in box.keys()]


def text_of(message) -> str:
    return "\n".join(part.get_content() for part in message.walk() if part.get_content_maintype() == "text")


def test_a_page_reaches_the_duty_supervisor_by_mail_and_pager_and_a_ticket_the_mailbox_only(delivery, tmp_path):
    url, maildir, hooks = delivery
    page = firing("PropdeskServiceDown", "billing does not answer /metrics on 127.0.0.1:9103",
                  job="billing", instance="127.0.0.1:9103")
    ticket = firing("PropdeskOutboxRelayFailing", "notify: the outbox relay keeps failing", job="notify", service="notify")
    assert (page["labels"]["severity"], ticket["labels"]["severity"]) == ("page", "ticket")
    posted = requests.post(f"{url}/api/v2/alerts", json=[page, ticket], timeout=10)
    assert posted.status_code == 200, posted.text

    try:
        got = wait_for(lambda: len(maildir) >= 2 and hooks and mails(maildir), timeout=30, what="two mails and a pager call")
    except AssertionError as timeout:
        logs = {name: (tmp_path / name).read_text(errors="replace")[-3000:] for name in ("alertmanager.log", "smtp.log")}
        raise AssertionError(f"{timeout}; {len(maildir)} mails, {len(hooks)} pager calls; {logs}") from None
    by_rcpt = {message["X-RcptTo"]: message for message in got}
    assert sorted(by_rcpt) == sorted([EXAMPLE_VALUES["PROPDESK_ALERT_PAGE_TO"], EXAMPLE_VALUES["PROPDESK_ALERT_MAIL_TO"]])
    for message in got:
        assert message["X-MailFrom"] == EXAMPLE_VALUES["PROPDESK_ALERT_SMTP_FROM"]

    # (a) the page, mailed to the duty supervisor: subject and body name the alert
    mail = by_rcpt[EXAMPLE_VALUES["PROPDESK_ALERT_PAGE_TO"]]
    assert mail["To"] == EXAMPLE_VALUES["PROPDESK_ALERT_PAGE_TO"]
    assert "FIRING" in mail["Subject"] and "PropdeskServiceDown" in mail["Subject"] and "billing" in mail["Subject"]
    body = text_of(mail)
    assert "PropdeskServiceDown" in body and "billing does not answer /metrics on 127.0.0.1:9103" in body
    assert "PropdeskOutboxRelayFailing" not in mail["Subject"] + body

    # (b) the page, on the pager webhook: Alertmanager's JSON payload (version 4)
    assert len(hooks) == 1
    hook = hooks[0]
    assert (hook["version"], hook["status"], hook["receiver"]) == ("4", "firing", "duty-supervisor")
    assert hook["groupLabels"] == {"alertname": "PropdeskServiceDown", "job": "billing"}
    assert [(a["status"], a["labels"]) for a in hook["alerts"]] == [("firing", page["labels"])]
    assert hook["alerts"][0]["annotations"] == page["annotations"]
    assert hook["commonAnnotations"]["summary"] == page["annotations"]["summary"]

    # (c) the ticket, mailed to the operations mailbox only: no pager call, no mail to the supervisor
    mail = by_rcpt[EXAMPLE_VALUES["PROPDESK_ALERT_MAIL_TO"]]
    assert "PropdeskOutboxRelayFailing" in mail["Subject"] and "notify" in mail["Subject"]
    assert "notify: the outbox relay keeps failing" in text_of(mail) and "PropdeskServiceDown" not in text_of(mail)
    receivers = {a["labels"]["alertname"]: sorted(r["name"] for r in a["receivers"])
                 for a in requests.get(f"{url}/api/v2/alerts", timeout=10).json()}
    assert receivers == {"PropdeskServiceDown": ["duty-supervisor"], "PropdeskOutboxRelayFailing": ["operations-mailbox"]}
    assert len(mails(maildir)) == 2 and len(hooks) == 1

    # (d) the page resolved (Prometheus posts it again with its end): the supervisor and the pager hear
    # of it (send_resolved), the mailbox does not (its ticket still fires)
    ended = {**page, "startsAt": hook["alerts"][0]["startsAt"],
             "endsAt": datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")}
    posted = requests.post(f"{url}/api/v2/alerts", json=[ended], timeout=10)
    assert posted.status_code == 200, posted.text
    wait_for(lambda: len(hooks) == 2 and len(maildir) == 3, timeout=30, what="the resolved mail and pager call")
    assert (hooks[1]["status"], hooks[1]["receiver"], hooks[1]["alerts"][0]["labels"]) == (
        "resolved", "duty-supervisor", page["labels"])
    resolved = [m for m in mails(maildir) if m["Subject"].startswith("[RESOLVED]")]
    assert [(m["X-RcptTo"], "PropdeskServiceDown" in m["Subject"]) for m in resolved] == [
        (EXAMPLE_VALUES["PROPDESK_ALERT_PAGE_TO"], True)]
