"""Prometheus metrics the chassis adds to every service (nameko-prometheus adds entrypoint
latency and counts). Labelled by service, so several containers can share one registry in tests.

- propdesk_events_published_total{service,event_type}
- propdesk_outbox_pending{service}, propdesk_outbox_oldest_pending_age_seconds{service}
- propdesk_outbox_relay_failures_total{service}
- propdesk_inbox_duplicates_skipped_total{service,handler}
- propdesk_handler_retries_total{service,handler}
- propdesk_dead_lettered_total{service,handler,reason}
"""
from __future__ import annotations

import threading
import weakref
from datetime import datetime, timezone

from prometheus_client import REGISTRY, Counter
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func, select
from sqlalchemy.orm import Session

EVENTS_PUBLISHED = Counter("propdesk_events_published", "Events the outbox relay published (confirmed)",
                           ["service", "event_type"])
RELAY_FAILURES = Counter("propdesk_outbox_relay_failures", "Relay passes that failed and will be retried",
                         ["service"])
INBOX_DUPLICATES = Counter("propdesk_inbox_duplicates_skipped", "Deliveries skipped as already processed",
                           ["service", "handler"])
HANDLER_RETRIES = Counter("propdesk_handler_retries", "Failed deliveries sent to a retry delay queue",
                          ["service", "handler"])
CONFLICT_RERUNS = Counter("propdesk_handler_conflict_reruns", "Deliveries run again at once after losing a race "
                          "to a concurrent transaction", ["service", "handler"])
DEAD_LETTERED = Counter("propdesk_dead_lettered", "Deliveries parked in propdesk.dlq",
                        ["service", "handler", "reason"])


#: Why a delivery is dead-lettered (`propdesk.chassis.messaging`).
DEAD_LETTER_REASONS = ("malformed", "unknown_contract", "handler_failed")


def declare_subscriber(service: str, handler: str) -> None:
    """Export a subscriber's counters at 0 from its start, so an alert can tell "none yet" from "no
    series" (a counter with labels exports nothing until a child with those labels exists)."""
    INBOX_DUPLICATES.labels(service, handler)
    HANDLER_RETRIES.labels(service, handler)
    CONFLICT_RERUNS.labels(service, handler)
    for reason in DEAD_LETTER_REASONS:
        DEAD_LETTERED.labels(service, handler, reason)


def declare_service(service: str) -> None:
    """Export the service's relay failure counter at 0 from its start."""
    RELAY_FAILURES.labels(service)


class _OutboxCollector:
    """Reads the outbox backlog of each registered service database at scrape time."""

    def __init__(self):
        self._engines: "weakref.WeakValueDictionary[str, object]" = weakref.WeakValueDictionary()
        self._lock = threading.Lock()

    def add(self, service: str, engine) -> None:
        with self._lock:
            self._engines[service] = engine

    def collect(self):
        from propdesk.chassis.tables import OutboxRow

        pending = GaugeMetricFamily("propdesk_outbox_pending", "Committed events not yet published",
                                    labels=["service"])
        oldest = GaugeMetricFamily("propdesk_outbox_oldest_pending_age_seconds",
                                   "Age of the oldest unpublished event (0 when none)", labels=["service"])
        now = datetime.now(timezone.utc)
        for service, engine in list(self._engines.items()):
            try:
                with Session(engine) as s:
                    count, first = s.execute(
                        select(func.count(OutboxRow.id), func.min(OutboxRow.created_at))
                        .where(OutboxRow.published_at.is_(None))).one()
            except Exception:  # database unreachable: report nothing rather than fail the scrape
                continue
            pending.add_metric([service], count)
            if first is not None and first.tzinfo is None:
                first = first.replace(tzinfo=timezone.utc)
            oldest.add_metric([service], (now - first).total_seconds() if first else 0.0)
        yield pending
        yield oldest


_outbox_collector = _OutboxCollector()
REGISTRY.register(_outbox_collector)


def register_outbox(service: str, engine) -> None:
    _outbox_collector.add(service, engine)


# --- domain gauges: what a department counts (open tickets by kind and state, FCR, ...) ----------------
class DomainGauge:
    """A row of a service's ``messages.GAUGES``: a gauge read from the service's database at scrape
    time. ``read(session, now)`` yields ``(label values, value)`` for `labels` (the chassis adds
    ``service`` first)::

        GAUGES = {"propdesk_tickets_open": DomainGauge("Open tickets by kind and state",
                                                       ("kind", "state"), queues.open_ticket_counts)}
    """

    def __init__(self, help: str, labels: tuple[str, ...], read):
        self.help, self.labels, self.read = help, tuple(labels), read


def read_gauges(gauges: dict, session, now) -> dict[str, dict[tuple, float]]:
    """{metric name: {label values: value}} of one service's gauges (the harness reads them too)."""
    return {name: {tuple(str(v) for v in labels): float(value) for labels, value in gauge.read(session, now)}
            for name, gauge in gauges.items()}


class _GaugeCollector:
    """Reads every registered service's domain gauges at scrape time (one family per metric name,
    labelled by service); a database that cannot answer is skipped, never fails the scrape."""

    def __init__(self):
        self._services: dict[str, tuple] = {}
        self._lock = threading.Lock()

    def add(self, service: str, engine, gauges: dict, clock) -> None:
        with self._lock:
            self._services[service] = (weakref.ref(engine), gauges, clock)

    def collect(self):
        families: dict[str, GaugeMetricFamily] = {}
        for service, (engine_ref, gauges, clock) in list(self._services.items()):
            engine = engine_ref()
            if engine is None:
                continue
            try:
                with Session(engine) as s:
                    values = read_gauges(gauges, s, clock.now())
            except Exception:
                continue
            for name, samples in values.items():
                family = families.get(name) or families.setdefault(
                    name, GaugeMetricFamily(name, gauges[name].help, labels=["service", *gauges[name].labels]))
                for labels, value in samples.items():
                    family.add_metric([service, *labels], value)
        yield from families.values()


_gauge_collector = _GaugeCollector()
REGISTRY.register(_gauge_collector)


def register_gauges(service: str, engine, gauges: dict, clock) -> None:
    if gauges:
        _gauge_collector.add(service, engine, gauges, clock)
