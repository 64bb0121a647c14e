"""`propdesk migrate` takes a lock (issue #12 §1): two replicas starting together and both running
it migrate one after the other, the second finding nothing to do, instead of both creating the
same tables. PostgreSQL: ``pg_advisory_lock`` on the service's database (created by the first
when missing); SQLite: ``flock`` on ``<file>.migrate.lock``. Without the lock the two processes
below collide (one fails with "relation ... already exists" or a duplicate alembic_version row)."""
from __future__ import annotations

import os
import subprocess
import sys
import uuid

import pytest
from sqlalchemy import create_engine, text

SERVICES = ("residents", "tickets")


def _two_replicas_migrate(env: dict) -> list[subprocess.CompletedProcess]:
    procs = [subprocess.Popen([sys.executable, "-m", "propdesk.cli", "migrate", *SERVICES], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    out = []
    for p in procs:
        stdout, stderr = p.communicate(timeout=240)
        out.append(subprocess.CompletedProcess(p.args, p.returncode, stdout, stderr))
    return out


def _heads(url: str) -> list[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return sorted(r[0] for r in conn.execute(text("SELECT version_num FROM alembic_version")))
    finally:
        engine.dispose()


@pytest.mark.parametrize("kind", ["postgresql", "sqlite"])
def test_two_replicas_migrating_at_once_both_succeed(kind, pg_server, rabbit_vhost, tmp_path):
    prefix = f"m{uuid.uuid4().hex[:10]}"
    env = {**os.environ, "PROPDESK_AMQP_URI": rabbit_vhost["amqp_uri"], "PROPDESK_DATA_DIR": str(tmp_path),
           "PROPDESK_DB": kind, "PROPDESK_PG_URL": pg_server.url(prefix)}
    for service in SERVICES:
        env.pop(f"PROPDESK_{service.upper()}_DB_URL", None)
    try:
        runs = _two_replicas_migrate(env)
        for run in runs:
            assert run.returncode == 0, run.stderr[-3000:]
            assert all(f"migrated {s}" in run.stdout for s in SERVICES), run.stdout
        from propdesk.config import Settings

        for service in SERVICES:
            url = pg_server.url(f"{prefix}_{service}") if kind == "postgresql" else f"sqlite:///{tmp_path}/{service}.db"
            assert _heads(url), service   # at its heads, once
    finally:
        if kind == "postgresql":
            from propdesk.testing.postgres import drop_databases

            drop_databases(pg_server.url(), prefix + "_")
