"""deploy/: the systemd units and the compose description agree with the services and settings.
(The units are also checked by `systemd-analyze verify` where it is installed; compose is not run
here: no container engine on these machines.)"""
from __future__ import annotations

import configparser
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml

from propdesk import plugins
from propdesk.config import Settings

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
CONFIG_DOC = Path(__file__).resolve().parents[2] / "shared" / "propdesk" / "config.py"
UNITS = ("propdesk@.service", "propdesk-migrate.service", "propdesk.target")


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read_string((DEPLOY / "systemd" / name).read_text())
    return parser


def test_service_unit_runs_one_worker_per_instance():
    u = unit("propdesk@.service")
    assert u["Service"]["ExecStart"].endswith("python -m propdesk.worker %i")
    assert u["Service"]["KillSignal"] == "SIGTERM" and u["Service"]["Restart"] == "always"
    assert "propdesk-migrate.service" in u["Unit"]["After"] and "propdesk-migrate.service" in u["Unit"]["Requires"]
    assert unit("propdesk-migrate.service")["Service"]["ExecStart"].endswith("propdesk migrate")
    assert unit("propdesk.target")["Install"]["WantedBy"] == "multi-user.target"


def test_env_example_sets_only_known_variables(monkeypatch):
    documented = set(re.findall(r"^\| (PROPDESK_[A-Z_<>]+) \|", CONFIG_DOC.read_text(), re.M))
    values = dict(line.split("=", 1) for line in (DEPLOY / "systemd" / "propdesk.env.example").read_text().splitlines()
                  if line and not line.startswith("#"))
    assert set(values) <= documented, set(values) - documented
    assert values["PROPDESK_QUEUE_TYPE"] == "quorum"
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("PROPDESK_SECRET_KEY", "x" * 40)
    settings = Settings.from_env()  # the example is a valid configuration
    assert len(settings.amqp_uri.split(";")) == 3 and settings.queue_type == "quorum"


def test_migrate_runs_as_the_owner_and_each_service_as_its_own_role(monkeypatch, tmp_path):
    service = (DEPLOY / "systemd" / "propdesk@.service").read_text()
    migrate = (DEPLOY / "systemd" / "propdesk-migrate.service").read_text()
    env = (DEPLOY / "systemd" / "propdesk.env.example").read_text()
    assert "Environment=PROPDESK_DB_USER=propdesk_%i" in service.splitlines()
    assert "LoadCredential=db-password:/etc/propdesk/db-users/propdesk_%i" in service.splitlines()
    assert "PROPDESK_DB_USER" not in migrate and "PROPDESK_DB_USER" not in env  # the URL's owner
    assert "LoadCredential=db-password:/etc/propdesk/db-users/propdesk" in migrate.splitlines()
    pg_url = next(line.split("=", 1)[1] for line in env.splitlines() if line.startswith("PROPDESK_PG_URL="))
    assert urlparse(pg_url).password is None  # no password in the shared file
    assert "PROPDESK_DB_SERVICE_ROLE_PREFIX=propdesk_" in env.splitlines()
    # what billing's unit gives it: its role, the password from its credential file
    (tmp_path / "db-password").write_text("generated\n")
    for name, value in (("PROPDESK_DB", "postgresql"), ("PROPDESK_PG_URL", pg_url), ("PROPDESK_DB_USER", "propdesk_billing"),
                        ("PROPDESK_DB_PASSWORD_FILE", str(tmp_path / "db-password"))):
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("PROPDESK_BILLING_DB_URL", raising=False)
    assert Settings.from_env().db_url("billing") == "postgresql+psycopg2://propdesk_billing:generated@db1:5432/propdesk_billing"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed")
def test_units_pass_systemd_analyze_verify(tmp_path):
    for name in UNITS:  # the install paths swapped for ones that exist here
        text = (DEPLOY / "systemd" / name).read_text()
        text = text.replace("/opt/propdesk/.venv/bin/python", sys.executable)
        text = text.replace("/opt/propdesk/.venv/bin/propdesk", sys.executable)
        text = text.replace("EnvironmentFile=/etc/", "EnvironmentFile=-/etc/")
        (tmp_path / name.replace("@.", "@billing.")).write_text(text)
    files = [str(tmp_path / n.replace("@.", "@billing.")) for n in UNITS]
    out = subprocess.run(["systemd-analyze", "verify", "--man=no", *files], capture_output=True, text=True,
                         timeout=60, cwd=tmp_path)
    problems = [line for line in (out.stdout + out.stderr).splitlines()
                if line.strip() and "propdesk" in line and "is not executable" not in line]
    assert problems == []


def test_compose_runs_every_service_on_the_cluster():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    assert set(plugins.service_classes()) <= set(services)
    for name in plugins.service_classes():
        assert services[name]["command"] == [name]
        env = services[name]["environment"]
        assert env["PROPDESK_QUEUE_TYPE"] == "quorum"
        assert [a.split("@")[1] for a in env["PROPDESK_AMQP_URI"].split(";")] == \
            ["mq1:5672/propdesk", "mq2:5672/propdesk", "mq3:5672/propdesk"]
    for node in ("mq1", "mq2", "mq3"):
        mounts = services[node]["volumes"]
        assert "./rabbitmq/definitions.json:/etc/rabbitmq/definitions.json:ro" in mounts
        assert (DEPLOY / "rabbitmq" / "definitions.json").exists()
    conf = (DEPLOY / "rabbitmq" / "cluster.conf").read_text()
    assert all(f"rabbit@{n}" in conf for n in ("mq1", "mq2", "mq3"))
