"""The TCP fault proxy the drills put between services and the broker must not break its own
process: a connection that ends leaves nothing behind in eventlet's hub."""
from __future__ import annotations

import os
import subprocess
import sys

import eventlet
from eventlet.green import socket
from eventlet.hubs import get_hub

from propdesk.testing.faultproxy import FaultProxy
from tests.helpers import wait_for


def hub_fds() -> set[int]:
    """The file descriptors eventlet's hub waits on."""
    listeners = get_hub().listeners
    return set(listeners["read"]) | set(listeners["write"])


def is_open(fd: int) -> bool:
    try:
        os.fstat(fd)
    except OSError:
        return False
    return True


def read_to_the_end(sock) -> bytes:
    sock.settimeout(10)
    data = b""
    while chunk := sock.recv(4096):
        data += chunk
    return data


def test_a_connection_the_broker_hangs_up_leaves_no_listener_on_a_closed_socket():
    proxy = FaultProxy(("127.0.0.1", 5672)).start()
    try:
        eventlet.sleep(0)  # the accept loop is waiting on the proxy's socket
        waiting_before = hub_fds()
        for _ in range(3):
            client = socket.create_connection(("127.0.0.1", proxy.port))
            client.sendall(b"GARBAGE!")  # not AMQP: the broker answers with its protocol header and hangs up
            assert read_to_the_end(client).startswith(b"AMQP"), "the broker's answer passes through, then EOF"
            client.close()
            # the proxy closed its sockets of that connection and the hub no longer waits on them
            wait_for(lambda: not proxy._pairs and hub_fds() == waiting_before, timeout=10,
                     what="the proxy to drop the connection")
            assert [fd for fd in hub_fds() if not is_open(fd)] == []
            # a pipe made now reuses those descriptor numbers: a stale listener made this fail with
            # "Second simultaneous read"
            done = subprocess.run([sys.executable, "-c", "print('ok')"], capture_output=True, text=True,
                                  check=True, timeout=60)
            assert done.stdout == "ok\n"
    finally:
        proxy.stop()
