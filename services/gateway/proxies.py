"""The client's address behind a reverse proxy, for the audit trail ("from where").

The gateway sees the proxy's address (`request.remote_addr`). A proxy in front of it names the
client in ``X-Forwarded-For`` — but anyone can send that header, so it is believed only when the
request comes from a proxy the operator named: ``PROPDESK_TRUSTED_PROXIES``, a comma-separated list
of addresses or networks (``10.0.0.5,192.168.10.0/24``; default: none, the header is ignored).

Then the header is read from the right (the address each proxy appended last): trusted proxies
are skipped, and the first address that is not a trusted proxy is the client. A malformed entry
ends the walk at the last good address, so a forged left part of the header never wins.
"""
from __future__ import annotations

import ipaddress
import os
from functools import lru_cache

ENV = "PROPDESK_TRUSTED_PROXIES"


@lru_cache(maxsize=8)
def _networks(spec: str) -> tuple:
    nets = []
    for part in spec.split(","):
        part = part.strip()
        if part:
            try:
                nets.append(ipaddress.ip_network(part, strict=False))
            except ValueError:
                raise ValueError(f"{ENV}: {part!r} is not an address or network (e.g. 10.0.0.5 or 10.0.0.0/8)") from None
    return tuple(nets)


def trusted_networks(environ=None) -> tuple:
    return _networks((environ if environ is not None else os.environ).get(ENV, ""))


def _trusted(address: str | None, networks) -> bool:
    if not address or not networks:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in networks)


def client_address(remote_addr: str | None, forwarded_for: str | None, networks=None) -> str | None:
    """The client's address: `remote_addr`, or, when that is a trusted proxy, the right-most
    address of ``X-Forwarded-For`` that is not a trusted proxy itself."""
    networks = trusted_networks() if networks is None else networks
    if not _trusted(remote_addr, networks) or not forwarded_for:
        return remote_addr or None
    client = remote_addr
    for hop in reversed([h.strip() for h in forwarded_for.split(",")]):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            break
        client = hop
        if not _trusted(hop, networks):
            break
    return client or None


def address_of(request) -> str | None:
    """The client's address of a werkzeug request (see the module doc)."""
    if request is None:
        return None
    headers = getattr(request, "headers", None) or {}
    return client_address(getattr(request, "remote_addr", None), headers.get("X-Forwarded-For"))
