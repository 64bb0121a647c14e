"""A private three-node RabbitMQ cluster on this machine (the cluster drill of `make chaos`).

Three `PrivateBroker` nodes (propdesk.testing.private_broker: Debian's `rabbitmq-server`, free
AMQP/distribution/management ports, one data directory each) joined into one cluster. They share
the Erlang cookie because the Debian wrapper runs every node as the `rabbitmq` user (root) or as
the calling user (then its ~/.erlang.cookie): the same cookie as the shared broker.

    with private_cluster() as cluster:          # three nodes, clustered, management API answering
        cluster.amqp_uri                        # "amqp://...@127.0.0.1:p1/;amqp://...@127.0.0.1:p2/;..."
        cluster.load_definitions(json); cluster.grant("propdesk"); cluster.vhost_uri("propdesk")
        cluster.kill_node(1); cluster.nodes[1].start_node(); cluster.await_cluster()
        cluster.leader_counts(vhost)            # {nodename: quorum queues led}
    # every node stopped (killed if need be) and its directory removed, also on failure
"""
from __future__ import annotations

import contextlib
import os
import signal
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from typing import Iterator
from urllib.parse import quote

import requests

from propdesk.testing.ports import free_ports
from propdesk.testing.private_broker import BrokerError, PrivateBroker, _prepare_dir


@dataclass
class PrivateCluster:
    nodes: list[PrivateBroker]

    @property
    def amqp_uri(self) -> str:
        """Every node's address, `;`-separated: kombu's failover form (PROPDESK_AMQP_URI)."""
        return ";".join(n.amqp_uri for n in self.nodes)

    def vhost_uri(self, vhost: str) -> str:
        return ";".join(f"{n.amqp_uri.rstrip('/')}/{quote(vhost, safe='')}" for n in self.nodes)

    def rabbit_api(self, index: int = 0) -> str:
        return self.nodes[index].rabbit_api

    def running_api(self) -> str:
        """The management API of a node that answers (one of them may be down in a drill)."""
        for node in self.nodes:
            if node.management_up():
                return f"http://127.0.0.1:{node.mgmt_port}"
        raise BrokerError("no node of the cluster answers its management API")

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self) -> None:
        for node in self.nodes:
            node.start_node()
        first = self.nodes[0].nodename
        for node in self.nodes[1:]:
            node.stop_app()
            node._ctl("join_cluster", first, timeout=120)
            node.start_app()
        self.await_cluster()

    def await_cluster(self, timeout: float = 120.0) -> None:
        """Until every node runs and sees the other two as running members."""
        deadline = time.monotonic() + timeout
        want = {n.nodename for n in self.nodes}
        while True:
            try:
                nodes = requests.get(f"{self.running_api()}/api/nodes", auth=("guest", "guest"), timeout=5).json()
                running = {n["name"] for n in nodes if n.get("running")}
                if running >= want and all(n.management_up() for n in self.nodes):
                    return
            except (requests.RequestException, ValueError, BrokerError):
                pass
            if time.monotonic() > deadline:
                raise BrokerError(f"cluster not whole within {timeout:.0f}s")
            time.sleep(0.5)

    def kill_node(self, index: int) -> None:
        """kill -9 of one node's Erlang VM (found by its own management port argument)."""
        node = self.nodes[index]
        for pid in node.pids():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while node.pids() and time.monotonic() < deadline:
            time.sleep(0.1)

    def index_of(self, nodename: str) -> int:
        return next(i for i, n in enumerate(self.nodes) if n.nodename == nodename)

    def load_definitions(self, definitions: dict) -> None:
        """Import RabbitMQ definitions (deploy/rabbitmq/definitions.json) through the management API."""
        requests.post(f"{self.running_api()}/api/definitions", json=definitions, auth=("guest", "guest"),
                      timeout=60).raise_for_status()

    def grant(self, vhost: str, user: str = "guest") -> None:
        """Every permission on the vhost (the definitions carry no users or permissions)."""
        requests.put(f"{self.running_api()}/api/permissions/{quote(vhost, safe='')}/{quote(user, safe='')}",
                     json={"configure": ".*", "write": ".*", "read": ".*"}, auth=("guest", "guest"),
                     timeout=10).raise_for_status()

    def queues(self, vhost: str) -> list[dict]:
        return requests.get(f"{self.running_api()}/api/queues/{quote(vhost, safe='')}", auth=("guest", "guest"),
                            timeout=10, params={"columns": "name,type,leader,node,members,messages"}).json()

    def leader_counts(self, vhost: str) -> Counter:
        """How many quorum queues of the vhost each node leads."""
        return Counter(q.get("leader") or q.get("node") for q in self.queues(vhost) if q.get("type") == "quorum")

    def connections_per_node(self) -> Counter:
        """Client connections by the node they are open to (where the services failed over to)."""
        conns = requests.get(f"{self.running_api()}/api/connections", auth=("guest", "guest"), timeout=10,
                             params={"columns": "node"}).json()
        return Counter(c.get("node") for c in conns)

    def destroy(self) -> None:
        for node in self.nodes:
            node.destroy()


def create_private_cluster(size: int = 3) -> PrivateCluster:
    tag = uuid.uuid4().hex[:6]
    nodes = []
    for i in range(size):
        node_port, dist_port, mgmt_port = free_ports(3)
        nodes.append(PrivateBroker(_prepare_dir(), node_port, dist_port, mgmt_port,
                                   nodename=f"propdesk-cluster-{tag}-{i + 1}@localhost"))
    cluster = PrivateCluster(nodes)
    try:
        cluster.start()
    except BaseException:
        cluster.destroy()
        raise
    return cluster


@contextlib.contextmanager
def private_cluster(size: int = 3) -> Iterator[PrivateCluster]:
    """A private RabbitMQ cluster for the duration of the block; always stopped and removed."""
    cluster = create_private_cluster(size)
    try:
        yield cluster
    finally:
        cluster.destroy()
