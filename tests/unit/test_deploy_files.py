"""deploy/: the systemd units and the compose description agree with the services and settings.
(The units are also checked by `systemd-analyze verify` where it is installed; compose is not run
here: no container engine on these machines. Its start order is read from its depends_on conditions,
and each container's database role from its environment and secrets as Compose would hand them
over, read by propdesk's own settings and pg_setup code; pg-setup's command runs with a stand-in.)"""
from __future__ import annotations

import configparser
import os
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
UNITS = ("propdesk@.service", "propdesk-gateway.service", "propdesk-migrate.service", "propdesk.target")


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


def directives(name: str) -> list[tuple[str, str, str]]:
    """A unit's settings in order, (section, key, value), without comments: a key may repeat
    (Environment=, LoadCredential=), which configparser folds into one."""
    section, found = "", []
    for line in (DEPLOY / "systemd" / name).read_text().splitlines():
        line = line.strip()
        if line.startswith("["):
            section = line.strip("[]")
        elif line and not line.startswith(("#", ";")):
            key, value = line.split("=", 1)
            found.append((section, key, value))
    return found


def test_the_units_run_each_department_as_the_role_pg_setup_makes_and_the_gateway_as_none():
    """The password files the units load are those `propdesk pg-setup --dir` (as propdesk.env.example
    says to run it) writes: the owner's for propdesk-migrate, propdesk_<service>'s for each department
    with a database. pg-setup makes none for the gateway, and a missing LoadCredential= file fails a
    unit, so the gateway has its own unit: the template's settings for instance gateway, less its
    three database lines."""
    from propdesk.chassis import pg_setup

    text = (DEPLOY / "systemd" / "propdesk.env.example").read_text()
    env = dict(line.split("=", 1) for line in text.splitlines() if line and not line.startswith("#"))
    directory = Path(re.search(r"`propdesk pg-setup --dir (/\S+)`", text).group(1))
    owner, prefix = urlparse(env["PROPDESK_PG_URL"]).username, env["PROPDESK_DB_SERVICE_ROLE_PREFIX"]
    assert ("Service", "LoadCredential", f"db-password:{pg_setup.password_file(directory, owner)}") in \
        directives("propdesk-migrate.service")
    template = directives("propdesk@.service")
    for name in database_services():
        role = pg_setup.service_role(name, prefix)
        database = [(s, k, v.replace("%i", name)) for s, k, v in template if "PROPDESK_DB_" in v or "db-password:" in v]
        assert database == [("Service", "Environment", f"PROPDESK_DB_USER={role}"),
                            ("Service", "LoadCredential", f"db-password:{pg_setup.password_file(directory, role)}"),
                            ("Service", "Environment", "PROPDESK_DB_PASSWORD_FILE=%d/db-password")], name

    assert "gateway" in plugins.service_classes() and "gateway" not in database_services()
    as_gateway = [(s, k, v.replace("%i", "gateway")) for s, k, v in template
                  if k != "Description" and "PROPDESK_DB_" not in v and "db-password:" not in v]
    gateway = directives("propdesk-gateway.service")
    assert [d for d in gateway if d[1] != "Description"] == as_gateway
    assert not any("PROPDESK_DB_" in v or "db-users" in v for _, _, v in gateway)


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


# -- compose: each container's database role, read as Compose and propdesk's own code read it --------
#: ${NAME}, ${NAME:?message}, ${NAME:-default} and $$ (a literal $), as Compose interpolates a value
COMPOSE_VARIABLE = re.compile(r"\$\$|\$\{([A-Z0-9_]+)(?::?[?-][^}]*)?\}")
#: the values `docker compose up` would be given (docs: the header of deploy/compose.yaml)
COMPOSE_ENV = {"PROPDESK_BROKER_PASSWORD": "broker-pw", "PROPDESK_SECRET_KEY": "k" * 40,
               "RABBITMQ_ERLANG_COOKIE": "cookie"}


def compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def interpolated(value: str, values: dict[str, str]) -> str:
    return COMPOSE_VARIABLE.sub(lambda m: "$" if m.group(0) == "$$" else values[m.group(1)], value)


def secret_paths(container: dict) -> dict[str, str]:
    """The secrets a container lists: the path it reads each at -> the secret's name (Compose: the short
    form and a relative target under /run/secrets/, an absolute target as it is)."""
    paths = {}
    for entry in container.get("secrets", ()):
        source, target = (entry, entry) if isinstance(entry, str) else (entry["source"], entry.get("target", entry["source"]))
        paths[target if target.startswith("/") else f"/run/secrets/{target}"] = source
    return paths


def database_services() -> list[str]:
    from propdesk.chassis import migrate

    return [name for name, cls in plugins.service_classes().items() if migrate.has_database(cls)]


def test_compose_starts_pg_setup_then_migrate_then_the_services():
    services = compose()["services"]
    assert services["pg-setup"]["depends_on"] == {"db": {"condition": "service_healthy"}}
    assert services["migrate"]["depends_on"] == {
        "pg-setup": {"condition": "service_completed_successfully"},
        **{node: {"condition": "service_healthy"} for node in ("mq1", "mq2", "mq3")}}
    for name in plugins.service_classes():
        assert services[name]["depends_on"] == {"migrate": {"condition": "service_completed_successfully"}}, name
    # the two steps run once per `up` and exit (a restart policy would run them for ever)
    assert "restart" not in services["pg-setup"] and "restart" not in services["migrate"]
    assert services["migrate"]["entrypoint"] == ["propdesk", "migrate"]
    assert re.search(r"\bpropdesk pg-setup --dir /run/propdesk/db-users\b", services["pg-setup"]["entrypoint"][-1])
    assert "healthcheck" in services["db"]


def test_compose_gives_each_service_its_own_database_role_and_password_only(monkeypatch, tmp_path):
    """Each container's environment and secret files, as Compose would make them, read by propdesk's
    settings: a department connects as propdesk_<service> with its own password, on its own database;
    migrate as the owner with the owner's; the gateway has none; no container holds a password in
    its environment, nor any secret but its own; pg-setup finds every role's password where it reads
    one (its --dir) and so sets those, generating none."""
    from propdesk.chassis import pg_setup
    from sqlalchemy.engine import make_url

    spec = compose()
    services, secrets = spec["services"], dict(spec["secrets"])
    owner = make_url(services["migrate"]["environment"]["PROPDESK_PG_URL"]).username
    roles = {name: pg_setup.service_role(name, "propdesk_") for name in database_services()}
    # one secret per role, named after it, from the variable pg-setup itself reads for that role
    assert owner == "propdesk" and secrets.pop(owner) == {"environment": "PROPDESK_DB_PASSWORD"}
    assert secrets.pop("pg-admin-password") == {"environment": "PROPDESK_PG_ADMIN_PASSWORD"}
    assert secrets == {role: {"environment": f"PROPDESK_{name.upper()}_DB_PASSWORD"} for name, role in roles.items()}
    values = {**COMPOSE_ENV, **{s["environment"]: f"pw-{name}" for name, s in spec["secrets"].items()}}
    passwords = {name: values[s["environment"]] for name, s in spec["secrets"].items()}

    def container(name: str) -> tuple[dict[str, str], dict[str, str]]:
        """(its environment, interpolated, secret paths mapped to files here; its secrets by path)."""
        given = services[name]
        paths = secret_paths(given)
        files = {}
        for path, secret in paths.items():
            files[path] = tmp_path / name / path.lstrip("/")
            files[path].parent.mkdir(parents=True, exist_ok=True)
            files[path].write_text(passwords[secret] + "\n")
        env = {key: interpolated(str(value), values) for key, value in given.get("environment", {}).items()}
        assert not any(password in value for value in env.values() for password in passwords.values()), name
        return {key: str(files.get(value, value)) for key, value in env.items()}, paths

    def settings_of(env: dict[str, str]) -> Settings:
        for key in [k for k in os.environ if k.startswith("PROPDESK_")]:
            monkeypatch.delenv(key)
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        return Settings.from_env()

    for name, role in roles.items():
        env, paths = container(name)
        assert set(paths.values()) == {role}, name  # its own password, no other
        assert env["PROPDESK_DB_USER"] == role and "PROPDESK_DB_PASSWORD" not in env
        url = make_url(settings_of(env).db_url(name))
        assert (url.username, url.password, url.host, url.database) == (role, passwords[role], "db", f"propdesk_{name}")
    env, paths = container("gateway")
    assert paths == {} and not {"PROPDESK_DB_USER", "PROPDESK_DB_PASSWORD_FILE", "PROPDESK_DB_PASSWORD"} & set(env)

    env, paths = container("migrate")
    assert set(paths.values()) == {owner} and "PROPDESK_DB_USER" not in env
    url = make_url(settings_of(env).db_url("billing"))
    assert (url.username, url.password) == (owner, passwords[owner])
    assert env["PROPDESK_DB_SERVICE_ROLE_PREFIX"] == "propdesk_"  # it grants the roles pg-setup made

    # pg-setup: the server's superuser (db's, not the owner) and every role's password file in its --dir
    env, paths = container("pg-setup")
    admin, db = make_url(env["PROPDESK_PG_ADMIN_URL"]), services["db"]["environment"]
    assert admin.username == db["POSTGRES_USER"] != owner and admin.password is None and admin.host == "db"
    assert secret_paths(services["db"]) == {db["POSTGRES_PASSWORD_FILE"]: "pg-admin-password"}
    assert "/run/secrets/pg-admin-password" in paths
    directory = "/run/propdesk/db-users"
    assert {path: secret for path, secret in paths.items() if path.startswith(directory + "/")} == {
        f"{directory}/{role}": role for role in (owner, *roles.values())}
    settings_of(env)
    here = tmp_path / "pg-setup" / directory.lstrip("/")
    for name, role in roles.items():
        assert pg_setup.new_password(pg_setup.Role(role, name), here) == passwords[role]
    assert pg_setup.new_password(pg_setup.Role(owner, None), here) == passwords[owner]
    assert sorted(p.name for p in here.iterdir()) == sorted((owner, *roles.values()))  # nothing generated


def test_compose_pg_setup_gives_libpq_the_superusers_password_and_logs_no_password(tmp_path):
    """pg-setup's entrypoint as Compose runs it (its one secret path pointed at a file here), with a
    stand-in `propdesk` that records what it was given and prints what pg-setup prints when it made
    a role: libpq gets the superuser's password (PGPASSWORD), the URLs reach the log without the
    passwords, the rest as it was, and pg-setup's exit status is the container's."""
    from propdesk.chassis import pg_setup

    command = [interpolated(part, {}) for part in compose()["services"]["pg-setup"]["entrypoint"]]
    (tmp_path / "admin").write_text("s3cret-admin\n")
    command[-1] = command[-1].replace("/run/secrets/pg-admin-password", str(tmp_path / "admin"))
    url = pg_setup.service_url(pg_setup.server_url("postgresql://propdesk@db:5432/propdesk"), pg_setup.Done(
        "propdesk_billing", "billing", role_created=True, password="p@ss/w:rd%x", database="propdesk_billing"))
    (tmp_path / "out").write_text(f"role propdesk_billing: created\nPROPDESK_BILLING_DB_URL={url}\nnext: migrate\n")
    stub = tmp_path / "bin" / "propdesk"
    stub.parent.mkdir()
    stub.write_text(f'#!/bin/sh\nprintf "%s\\n" "$PGPASSWORD" "$@" > {tmp_path}/given\ncat {tmp_path}/out\n'
                    'exit "${STUB_RC:-0}"\n')
    stub.chmod(0o755)
    env = {"PATH": f"{stub.parent}:/usr/bin:/bin"}
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=30)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "given").read_text().splitlines() == ["s3cret-admin", "pg-setup", "--dir", "/run/propdesk/db-users"]
    assert done.stdout.splitlines() == [
        "role propdesk_billing: created",
        "PROPDESK_BILLING_DB_URL=postgresql+psycopg2://propdesk_billing@db:5432/propdesk_billing", "next: migrate"]
    assert "p@ss" not in url and url.count("@") == 1  # the password is quoted in the URL it printed
    failed = subprocess.run(command, capture_output=True, text=True, env={**env, "STUB_RC": "2"}, timeout=30)
    assert failed.returncode == 2
