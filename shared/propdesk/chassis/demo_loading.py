"""Loading a service's demo rows on the clock the service runs on.

A service's ``load_demo(session)`` (a staticmethod, idempotent, returning what it added) may also
take ``clock``: then its demo counts back from that clock's now rather than from the wall clock,
so that on the test harness (a `FakeClock`) and under ``PROPDESK_CLOCK_FILE`` the demo month ends
on the services' today, not in their future. A service whose ``load_demo`` takes no clock is
called as before.
"""
from __future__ import annotations

import inspect


def takes_clock(loader) -> bool:
    """Whether `loader` accepts a ``clock`` keyword argument."""
    try:
        params = inspect.signature(loader).parameters
    except (TypeError, ValueError):
        return False
    return "clock" in params or any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())


def load_demo(service_cls, session, clock=None) -> str | None:
    """The service's demo rows added to `session` (not committed): what it said it added, or None
    when the service has no demo. `clock` reaches the loader when it takes one (None: the loader's
    default, the wall clock)."""
    loader = getattr(service_cls, "load_demo", None)
    if loader is None:
        return None
    if clock is not None and takes_clock(loader):
        return loader(session, clock=clock)
    return loader(session)
