"""Throwaway RabbitMQ vhosts through the management API, for tests, `make bench` and `make chaos`.

    with throwaway_vhost() as vhost:       # {"name", "amqp_uri", "api", "auth"}
        ...                                # deleted afterwards, queues and all
"""
from __future__ import annotations

import contextlib
import uuid
from urllib.parse import quote

import requests

from propdesk.config import Settings


def management_api(settings: Settings) -> tuple[str, tuple[str, str]]:
    """(base URL without credentials, (user, password)) of the management API."""
    base = settings.rabbit_api
    auth = ("guest", "guest")
    if "@" in base:
        creds, host = base.split("://", 1)[1].split("@", 1)
        auth = tuple(creds.split(":", 1))
        base = base.split("://", 1)[0] + "://" + host
    return base.rstrip("/"), auth


def create_vhost(prefix: str = "propdesk-test", settings: Settings | None = None) -> dict:
    settings = settings or Settings.from_env()
    base, auth = management_api(settings)
    vhost = f"{prefix}-{uuid.uuid4().hex[:10]}"
    quoted = quote(vhost, safe="")
    requests.put(f"{base}/api/vhosts/{quoted}", auth=auth, timeout=10).raise_for_status()
    requests.put(f"{base}/api/permissions/{quoted}/{auth[0]}", auth=auth, timeout=10,
                 json={"configure": ".*", "write": ".*", "read": ".*"}).raise_for_status()
    amqp_base = settings.amqp_uri.rsplit("/", 1)[0]
    return {"name": vhost, "amqp_uri": f"{amqp_base}/{quoted}", "api": base, "auth": auth}


def delete_vhost(vhost: dict) -> None:
    requests.delete(f"{vhost['api']}/api/vhosts/{quote(vhost['name'], safe='')}", auth=vhost["auth"], timeout=30)


@contextlib.contextmanager
def throwaway_vhost(prefix: str = "propdesk-test", settings: Settings | None = None):
    vhost = create_vhost(prefix, settings)
    try:
        yield vhost
    finally:
        delete_vhost(vhost)
