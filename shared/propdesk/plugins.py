"""Plugin discovery: services and notify channels are found through entry points.

Adding a department is a new folder plus an entry point in `propdesk.services`; nothing else in
the runner, the CLI or the gateway names services.
"""
from __future__ import annotations

from importlib.metadata import entry_points

SERVICES_GROUP = "propdesk.services"
NOTIFY_CHANNELS_GROUP = "propdesk.notify_channels"


def _load(group: str) -> dict[str, type]:
    return {ep.name: ep.load() for ep in sorted(entry_points(group=group), key=lambda e: e.name)}


def service_names() -> list[str]:
    return sorted(ep.name for ep in entry_points(group=SERVICES_GROUP))


def service_classes(names: list[str] | tuple[str, ...] | None = None) -> dict[str, type]:
    """Discovered service classes by name (all, or the named ones; unknown names raise).
    Only the named ones are imported."""
    eps = {ep.name: ep for ep in entry_points(group=SERVICES_GROUP)}
    if not names:
        names = sorted(eps)
    unknown = sorted(set(names) - set(eps))
    if unknown:
        raise SystemExit(f"unknown service(s): {', '.join(unknown)}; known: {', '.join(sorted(eps))}")
    return {n: eps[n].load() for n in names}


def notify_channels() -> dict[str, type]:
    return _load(NOTIFY_CHANNELS_GROUP)
