"""The TCP fault proxy the drills put between services and the broker must not break its own
process: a connection that ends leaves nothing behind in eventlet's hub."""
from __future__ import annotations

import subprocess
import sys

import eventlet
from eventlet.green import socket

from propdesk.testing.faultproxy import FaultProxy


def test_a_connection_the_broker_hangs_up_leaves_no_listener_on_a_closed_socket():
    proxy = FaultProxy(("127.0.0.1", 5672)).start()
    try:
        for _ in range(3):
            client = socket.create_connection(("127.0.0.1", proxy.port))
            client.sendall(b"GARBAGE!")  # not AMQP: the broker answers with its protocol header and hangs up
            eventlet.sleep(0.5)
            # the proxy closed its sockets of that connection; a pipe made now reuses their numbers
            subprocess.run([sys.executable, "-c", "pass"], check=True, timeout=60)
            client.close()
    finally:
        proxy.stop()
