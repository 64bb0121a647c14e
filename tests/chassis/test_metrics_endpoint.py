"""Every service's /metrics answers a scrape whatever the client sends: Prometheus' Accept header,
or none at all (curl -H 'Accept:', urllib), which nameko-prometheus would otherwise answer 500."""
from __future__ import annotations

import socket
import urllib.request

from propdesk_services.notify.service import NotifyService


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_metrics_with_and_without_an_accept_header(start_service):
    port = _free_port()
    start_service(NotifyService, port=port)
    url = f"http://127.0.0.1:{port}/metrics"
    bare = urllib.request.Request(url)
    bare.remove_header("Accept")
    with urllib.request.urlopen(bare, timeout=10) as r:  # urllib sends no Accept of its own
        assert r.status == 200 and b"propdesk_outbox_pending" in r.read()
    prom = urllib.request.Request(url, headers={"Accept": "text/plain;version=0.0.4;q=1,*/*;q=0.1"})
    with urllib.request.urlopen(prom, timeout=10) as r:
        assert r.status == 200
