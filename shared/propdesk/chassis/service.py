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

from nameko.extensions import DependencyProvider
from nameko.messaging import QueueConsumer
from nameko.web.handlers import http
from nameko_prometheus import PrometheusMetrics
from werkzeug.wrappers import Response

from propdesk.chassis import messaging  # noqa: F401  (every service: acks on a lost connection never kill it)
from propdesk.chassis.logs import LogContext


class Readiness(DependencyProvider):
    """True once every queue consumer of the container (RPC and @subscribe) is consuming: the HTTP
    server answers earlier than that, and an RPC sent to a queue not yet declared is refused."""

    def get_dependency(self, worker_ctx):
        consumers = [e for e in self.container.extensions if isinstance(e, QueueConsumer)]
        return lambda: all(c._consumers_ready.ready() for c in consumers)


class PropdeskService:
    name: str = ""
    http_port: int = 0
    metrics = PrometheusMetrics()
    log_context = LogContext()
    ready = Readiness()

    @http("GET", "/metrics")
    def serve_metrics(self, request):
        if "Accept" not in request.headers:  # curl or urllib without one: nameko-prometheus reads it unguarded
            from werkzeug.datastructures import EnvironHeaders

            request.environ["HTTP_ACCEPT"] = "text/plain"
            request.headers = EnvironHeaders(request.environ)
        return self.metrics.expose_metrics(request)

    @http("GET", "/health")
    def serve_health(self, request):
        ready = self.ready()
        return Response(json.dumps({"service": self.name, "status": "up" if ready else "starting"}),
                        status=200 if ready else 503, mimetype="application/json")
