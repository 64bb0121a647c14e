"""Structured logs: one JSON object per line, with the service and the business case's
correlation id (set per worker by `LogContext`, a dependency every service inherits)."""
from __future__ import annotations

import json
import logging
import sys
from datetime import datetime, timezone

from eventlet.corolocal import local
from nameko.extensions import DependencyProvider

_ctx = local()


class LogContext(DependencyProvider):
    """Puts the worker's correlation id where the log formatter finds it."""

    def worker_setup(self, worker_ctx):
        _ctx.correlation_id = worker_ctx.data.get("correlation_id")

    def worker_teardown(self, worker_ctx):
        _ctx.correlation_id = None


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str):
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "at": datetime.fromtimestamp(record.created, timezone.utc).isoformat(),
            "level": record.levelname.lower(),
            "service": self.service,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        # a record may name its case (extra={"correlation_id": ...}); else the worker's
        correlation_id = getattr(record, "correlation_id", None) or getattr(_ctx, "correlation_id", None)
        if correlation_id:
            entry["correlation_id"] = correlation_id
        for key in ("event_id", "event_type", "actor"):
            if getattr(record, key, None):
                entry[key] = getattr(record, key)
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure(service: str, level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
