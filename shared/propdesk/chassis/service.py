"""What every propdesk service has in common: `/metrics`, `/health`, and its HTTP port.

    class TicketsService(PropdeskService):
        name = "tickets"          # public contract: queue names are built from it
        http_port = 9102          # default; PROPDESK_TICKETS_PORT overrides
        db = Database(models.Base.metadata)

nameko collects entrypoints and dependencies from base classes, so the two routes below are
inherited by every service; the gateway adds its UI and JSON API on the same port.
"""
from __future__ import annotations

import json

from nameko.web.handlers import http
from nameko_prometheus import PrometheusMetrics
from werkzeug.wrappers import Response

from propdesk.chassis.logs import LogContext


class PropdeskService:
    name: str = ""
    http_port: int = 0
    metrics = PrometheusMetrics()
    log_context = LogContext()

    @http("GET", "/metrics")
    def serve_metrics(self, request):
        return self.metrics.expose_metrics(request)

    @http("GET", "/health")
    def serve_health(self, request):
        return Response(json.dumps({"service": self.name, "status": "up"}), mimetype="application/json")
