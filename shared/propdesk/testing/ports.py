"""Free TCP ports on the loopback, for tests, `make bench` and `make chaos` (services, private
broker nodes and proxies that must not collide with a running instance or another run)."""
from __future__ import annotations

import socket


def free_ports(n: int) -> list[int]:
    """n distinct ports the kernel just handed out as free (bound, then released)."""
    socks = [socket.socket() for _ in range(n)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()
