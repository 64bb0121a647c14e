"""Structured logs: one JSON object per line, with the service and the business case's
correlation id (set per worker by `LogContext`, a dependency every service inherits)."""
from __future__ import annotations

import json
import logging
import sys
from datetime import datetime, timezone

from eventlet.corolocal import local
from nameko.extensions import DependencyProvider

from propdesk.privacy import mask_text

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
            "msg": mask_text(record.getMessage()),
        }
        # a record may name its case (extra={"correlation_id": ...}); else the worker's
        correlation_id = getattr(record, "correlation_id", None) or getattr(_ctx, "correlation_id", None)
        if correlation_id:
            entry["correlation_id"] = correlation_id
        for key in ("event_id", "event_type", "actor"):
            if getattr(record, key, None):
                entry[key] = getattr(record, key)
        if record.exc_info:
            entry["exc"] = mask_text(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


class RejectionFilter(logging.Filter):
    """An expected rejection (400/403/404/409: the caller's input broke a named rule) is logged as
    what it is: one INFO line naming the error, the field and the rule, without a traceback.
    nameko logs an entrypoint's expected exception as a WARNING with its traceback; ERROR and
    tracebacks are kept for faults."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if exc is None or not is_rejection(exc):
            return True
        problems = getattr(exc, "problems", None)
        if problems is not None:
            named = "; ".join(f"{p.field}/{p.rule}" for p in problems)
            text = "; ".join(p.message for p in problems)
        else:
            named, text = f"{exc.field or '-'}/{exc.rule or '-'}", exc.message
        where = record.args[0] if isinstance(record.args, tuple) and record.args else record.name
        record.msg, record.args = "rejected %s (%s) at %s: %s", (type(exc).__name__, named, where, text)
        record.exc_info, record.exc_text = None, None
        record.levelno, record.levelname = logging.INFO, "INFO"
        return True


def is_rejection(exc: BaseException) -> bool:
    from propdesk.errors import PropdeskError

    return isinstance(exc, PropdeskError) and 400 <= getattr(exc, "http_status", 500) < 500


def configure(service: str, level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(service))
    handler.addFilter(RejectionFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
