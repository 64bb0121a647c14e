"""A TCP fault proxy for drills between services and the broker (no Docker needed).

    proxy = FaultProxy(("127.0.0.1", 5672)).start()      # listens on 127.0.0.1:<proxy.port>
    proxy.blackhole()   # connections stay open but nothing passes (a 30 s network partition)
    proxy.reset()       # every open connection is cut; new ones are accepted
    proxy.refuse()      # new connections are closed at once, open ones are cut
    proxy.heal()        # back to normal
    proxy.latency = 0.05  # seconds added to every chunk forwarded

Green (eventlet) sockets: run it inside an eventlet-patched process (tests, `make chaos`).
"""
from __future__ import annotations

import eventlet
from eventlet.green import socket

NORMAL, BLACKHOLE, REFUSE = "normal", "blackhole", "refuse"


class FaultProxy:
    def __init__(self, target: tuple[str, int], listen: tuple[str, int] = ("127.0.0.1", 0)):
        self.target = target
        self.listen_addr = listen
        self.mode = NORMAL
        self.latency = 0.0
        self._server = None
        self._pairs: set[tuple] = set()
        self._gt = None
        self.port: int | None = None

    def start(self) -> "FaultProxy":
        self._server = eventlet.listen(self.listen_addr)
        self.port = self._server.getsockname()[1]
        self._gt = eventlet.spawn(self._accept_loop)
        return self

    def stop(self) -> None:
        self.refuse()
        if self._gt is not None:
            self._gt.kill()
        if self._server is not None:
            self._server.close()

    def uri(self, amqp_uri: str) -> str:
        """The same AMQP URI with host:port replaced by the proxy's."""
        from urllib.parse import urlparse, urlunparse

        u = urlparse(amqp_uri)
        netloc = u.netloc.rsplit("@", 1)
        hostport = f"127.0.0.1:{self.port}"
        return urlunparse(u._replace(netloc=f"{netloc[0]}@{hostport}" if len(netloc) == 2 else hostport))

    # -- faults -----------------------------------------------------------------------------
    def heal(self) -> None:
        self.mode = NORMAL

    def blackhole(self) -> None:
        self.mode = BLACKHOLE

    def refuse(self) -> None:
        self.mode = REFUSE
        self.reset()

    def reset(self) -> None:
        # shutdown (not close) from this greenthread: the pumps' recv returns b"" and they close
        # their own sockets, which eventlet needs (closing a socket another greenthread waits on
        # raises inside the hub)
        for pair in list(self._pairs):
            for s in pair:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
        self._pairs.clear()

    # -- plumbing ---------------------------------------------------------------------------
    def _accept_loop(self) -> None:
        while True:
            client, _ = self._server.accept()
            if self.mode == REFUSE:
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            pair = (client, upstream)
            self._pairs.add(pair)
            eventlet.spawn(self._pump, client, upstream, pair)
            eventlet.spawn(self._pump, upstream, client, pair)

    def _pump(self, src, dst, pair) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                while self.mode == BLACKHOLE and pair in self._pairs:
                    eventlet.sleep(0.05)
                if pair not in self._pairs:
                    break
                if self.latency:
                    eventlet.sleep(self.latency)
                dst.sendall(data)
        except (OSError, EOFError):
            pass
        finally:
            # wake the opposite pump (shutdown, not close: it is still waiting on its socket), and
            # close only the socket this pump reads. Closing the other one under the other pump
            # leaves the hub listening on a closed fd, and the next file that gets that fd number
            # (a pipe of a subprocess, say) fails with "Second simultaneous read".
            self._pairs.discard(pair)
            for s in pair:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            try:
                src.close()
            except OSError:
                pass
