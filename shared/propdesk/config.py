"""Configuration from environment variables, with defaults that run on one machine.

Every setting is read when a process starts (never at import time) so tests and the runner can
point a service at another broker, database or port by setting variables.

| variable | default | meaning |
|---|---|---|
| PROPDESK_AMQP_URI | amqp://guest:guest@127.0.0.1:5672/ | the RabbitMQ broker (vhost in the path) |
| PROPDESK_RABBIT_API | http://guest:guest@127.0.0.1:15672 | management API (status, test vhosts) |
| PROPDESK_DATA_DIR | ./var | SQLite files, logs, the notify mail spool |
| PROPDESK_<SERVICE>_DB_URL | sqlite:///<data dir>/<service>.db | a service's own database (PostgreSQL URL to scale out) |
| PROPDESK_<SERVICE>_PORT | the service's `http_port` | where the service answers /metrics (gateway: the UI) |
| PROPDESK_HOST | 127.0.0.1 | address the HTTP endpoints bind to |
| PROPDESK_<SERVICE>_MAX_WORKERS | 10 | nameko workers = prefetch; keep the DB pool >= it |
| PROPDESK_RETRY_DELAYS_MS | 1000,5000,30000 | back-off before each retry of a failing handler; then dead-letter |
| PROPDESK_RPC_TIMEOUT_S | 10 | the gateway's limit on one RPC call (then 504) |
| PROPDESK_RELAY_POLL_S | 0.5 | how often the outbox relay looks for rows it was not woken for |
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


def _env(name: str, default: str) -> str:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


@dataclass(frozen=True)
class Settings:
    amqp_uri: str
    rabbit_api: str
    data_dir: Path
    host: str
    retry_delays_ms: tuple[int, ...]
    rpc_timeout_s: float
    relay_poll_s: float

    @classmethod
    def from_env(cls) -> "Settings":
        delays = tuple(
            int(x) for x in _env("PROPDESK_RETRY_DELAYS_MS", "1000,5000,30000").split(",") if x.strip()
        )
        if not delays or any(d <= 0 for d in delays):
            raise ValueError("PROPDESK_RETRY_DELAYS_MS must be a comma-separated list of positive ms")
        return cls(
            amqp_uri=_env("PROPDESK_AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/"),
            rabbit_api=_env("PROPDESK_RABBIT_API", "http://guest:guest@127.0.0.1:15672"),
            data_dir=Path(_env("PROPDESK_DATA_DIR", "var")).resolve(),
            host=_env("PROPDESK_HOST", "127.0.0.1"),
            retry_delays_ms=delays,
            rpc_timeout_s=float(_env("PROPDESK_RPC_TIMEOUT_S", "10")),
            relay_poll_s=float(_env("PROPDESK_RELAY_POLL_S", "0.5")),
        )

    def db_url(self, service: str) -> str:
        default = f"sqlite:///{self.data_dir / (service + '.db')}"
        return _env(f"PROPDESK_{service.upper()}_DB_URL", default)

    def port(self, service: str, default: int) -> int:
        return int(_env(f"PROPDESK_{service.upper()}_PORT", str(default)))

    def max_workers(self, service: str) -> int:
        return int(_env(f"PROPDESK_{service.upper()}_MAX_WORKERS", "10"))

    def nameko_config(self, service: str, http_port: int) -> dict:
        """The nameko container config for one service process."""
        return {
            "AMQP_URI": self.amqp_uri,
            "WEB_SERVER_ADDRESS": f"{self.host}:{self.port(service, http_port)}",
            "max_workers": self.max_workers(service),
            "parent_calls_tracked": 10,
            "serializer": "json",
            "PROPDESK": self,
        }
