"""Least privilege on the broker: one RabbitMQ user per service, and its permissions, from code.

What each service may do on its vhost is derived from the service class and the contract registry,
never written by hand:

- its own handler queues `<service>.*` (configure, bind, consume), bound to `propdesk.events`
  with exactly the event types it subscribes to (a topic permission: *read* = binding keys);
- `propdesk.events` *write* only where it produces events (its outbox relay), and a topic
  permission that lets it publish exactly the event types whose contract names it as producer:
  notify publishing `move_out.release_approved` is refused by the broker (ACCESS_REFUSED);
- its own retry path: `propdesk.retry.<service>.<ms>ms` (exchanges and queues) and
  `propdesk.requeue.<service>` (where those dead-letter: it routes only to the service's own
  handler queues); and `propdesk.dlx` (write: a failing delivery is parked through it in
  `propdesk.dlq`, which it may declare). No write on the default exchange (`amq.default`) nor on
  another service's retry path: either would route a message into any queue by its name;
- nameko RPC: its own `rpc-<service>` queue and replies on `nameko-rpc` (topic write = a reply
  queue's uuid routing key only: a department cannot call another department's commands); a caller
  (the gateway) its `rpc.reply-<service>-*` queues and `<department>.<method>` routing keys. The
  gateway has no read on any department queue.

`propdesk broker users` applies this through the management API (`PROPDESK_RABBIT_API`, an
administrator) and keeps each user's password in a file (`PROPDESK_BROKER_USERS_DIR/<user>`,
mode 0600); `propdesk run` hands each child its own user (`runner.Supervisor.child_environment`).
The operator user (`propdesk-operator`) may list and replay the DLQ (`propdesk dlq`: back to a
handler queue through the default exchange) and nothing else. See docs/operations.md "Broker users"
for what remains broad.

Credentials of a process (`amqp_credentials`): `PROPDESK_AMQP_USER` with `PROPDESK_AMQP_PASSWORD_FILE`
(or `PROPDESK_AMQP_PASSWORD`) replace the user and password of every address of PROPDESK_AMQP_URI;
unset, the URI's own are used. With `PROPDESK_PRODUCTION=1` the guest user and the well-known
default passwords are refused with an error saying what to set.
"""
from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote, urlparse, urlunparse

from propdesk.chassis.topology import DLQ, DLX, EVENTS_EXCHANGE, requeue_exchange

#: nameko's RPC exchange (nameko.rpc.get_rpc_exchange; the `rpc_exchange` config key is never set here)
RPC_EXCHANGE = "nameko-rpc"
#: the routing key of a reply: the caller's reply queue's uuid4 (nameko.rpc.ReplyListener)
REPLY_KEY = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
NOTHING = "^$"
USER_PREFIX = "propdesk-"
#: the operator's user is the prefix and this (`propdesk-operator`)
OPERATOR = "operator"
#: refused as passwords in production mode (the repo's, RabbitMQ's and the obvious ones)
DEFAULT_PASSWORDS = frozenset({"", "guest", "password", "secret", "changeme", "propdesk", "admin"})


def user_prefix() -> str:
    """PROPDESK_BROKER_USER_PREFIX: the users' names are the prefix and the service's name
    (`propdesk-billing`); users are per broker, not per vhost, so two installs on one broker (or
    tests) take different prefixes."""
    return os.environ.get("PROPDESK_BROKER_USER_PREFIX") or USER_PREFIX


def user_name(service: str, prefix: str | None = None) -> str:
    return f"{user_prefix() if prefix is None else prefix}{service}"


@dataclass(frozen=True)
class Grant:
    """One broker user's rights on a vhost: the three resource regexes and, per topic exchange,
    (write, read) routing-key regexes (RabbitMQ topic permissions, >= 3.7)."""

    user: str
    configure: str
    write: str
    read: str
    topics: dict[str, tuple[str, str]] = field(default_factory=dict)

    def permits(self, kind: str, resource: str) -> bool:
        """Whether `resource` (a queue or exchange name; "" = the default exchange) matches the
        `kind` ("configure", "write", "read") regex, as RabbitMQ matches it."""
        name = resource or "amq.default"
        return re.search(getattr(self, kind), name) is not None

    def may_publish(self, exchange: str, routing_key: str) -> bool:
        if not self.permits("write", exchange):
            return False
        topic = self.topics.get(exchange)
        return topic is None or re.search(topic[0], routing_key) is not None

    def may_bind(self, queue: str, exchange: str, routing_key: str) -> bool:
        if not (self.permits("write", queue) and self.permits("read", exchange)):
            return False
        topic = self.topics.get(exchange)
        return topic is None or re.search(topic[1], routing_key) is not None


def _any(parts) -> str:
    parts = sorted(set(parts))
    return "^(" + "|".join(parts) + ")$" if parts else NOTHING


@dataclass(frozen=True)
class BrokerUse:
    """What a service does on the broker, read off its nameko container (never started)."""

    service: str
    subscriptions: tuple[str, ...]  # binding keys on propdesk.events
    rpc_server: bool
    rpc_caller: bool
    produces: tuple[str, ...]  # event types whose contract names this service as producer

    @classmethod
    def of(cls, service_cls, contracts=None) -> "BrokerUse":
        from nameko.containers import ServiceContainer
        from nameko.rpc import ReplyListener, Rpc

        from propdesk.chassis.messaging import EventSubscriber
        from propdesk.contracts import registry

        container = ServiceContainer(service_cls, {"AMQP_URI": "memory://"})
        name = service_cls.name
        keys = sorted({t for e in container.entrypoints if isinstance(e, EventSubscriber) for t in e.event_types})
        contracts = registry.all_contracts() if contracts is None else contracts
        return cls(
            service=name,
            subscriptions=tuple(keys),
            rpc_server=any(isinstance(e, Rpc) for e in container.entrypoints),
            rpc_caller=any(isinstance(e, ReplyListener) for e in container.extensions),
            produces=tuple(sorted({c.event_type for c in contracts if c.producer == name})),
        )


def service_grant(use: BrokerUse, callees: tuple[str, ...] = (), prefix: str | None = None) -> Grant:
    """The least a service needs (module docstring). `callees`: the services a caller may call."""
    s = re.escape(use.service)
    configure, write, read = set(), set(), set()
    events_write, events_read, rpc_write, rpc_read = set(), set(), set(), set()
    if use.subscriptions:
        own = rf"{s}\..*"
        retry = rf"propdesk\.retry\.{s}\.[0-9]+ms"  # topology.retry_exchange_name(service, ms)
        requeue = re.escape(requeue_exchange(use.service).name)
        configure |= {own, re.escape(EVENTS_EXCHANGE), retry, requeue, re.escape(DLQ), re.escape(DLX)}
        # bind own queues; own retry exchanges (publish) and queues (bind); own requeue exchange (the
        # retry queues' dead-letter target, which RabbitMQ checks at their declaration); the DLX (park)
        write |= {own, retry, requeue, re.escape(DLX)}
        read |= {own, re.escape(EVENTS_EXCHANGE), retry, requeue}  # consume own; bind from these
        events_read |= {re.escape(k) for k in use.subscriptions}
    if use.produces:
        write.add(re.escape(EVENTS_EXCHANGE))
        events_write |= {re.escape(t) for t in use.produces}
    if use.rpc_server:
        queue = re.escape(f"rpc-{use.service}")
        configure |= {queue, re.escape(RPC_EXCHANGE)}
        write |= {queue, re.escape(RPC_EXCHANGE)}
        read |= {queue, re.escape(RPC_EXCHANGE)}
        rpc_write.add(REPLY_KEY)
        rpc_read.add(re.escape(f"{use.service}.*"))
    if use.rpc_caller:
        replies = re.escape(f"rpc.reply-{use.service}-") + ".*"
        configure |= {replies, re.escape(RPC_EXCHANGE)}
        write |= {replies, re.escape(RPC_EXCHANGE)}
        read |= {replies, re.escape(RPC_EXCHANGE)}
        rpc_write |= {rf"{re.escape(c)}\.[A-Za-z0-9_]+" for c in callees}
        rpc_read.add(REPLY_KEY)
    return Grant(user_name(use.service, prefix), _any(configure), _any(write), _any(read),
                 topics={EVENTS_EXCHANGE: (_any(events_write), _any(events_read)),
                         RPC_EXCHANGE: (_any(rpc_write), _any(rpc_read))})


def operator_grant(prefix: str | None = None) -> Grant:
    """`propdesk dlq list|replay`: read and declare the DLQ, send a message back to its handler
    queue through the default exchange. Nothing on the events or RPC exchanges."""
    dlq = re.escape(DLQ)
    return Grant(user_name(OPERATOR, prefix), configure=f"^{dlq}$", write=r"^amq\.default$", read=f"^{dlq}$",
                 topics={EVENTS_EXCHANGE: (NOTHING, NOTHING), RPC_EXCHANGE: (NOTHING, NOTHING)})


def grants(service_classes, contracts=None, prefix: str | None = None) -> list[Grant]:
    """Every service's grant (callers may call every other service that answers RPC) and the
    operator's, sorted by user."""
    uses = [BrokerUse.of(cls, contracts) for cls in service_classes]
    servers = tuple(sorted(u.service for u in uses if u.rpc_server))
    out = [service_grant(u, tuple(s for s in servers if s != u.service), prefix) for u in uses]
    return sorted([*out, operator_grant(prefix)], key=lambda g: g.user)


# -- credentials ---------------------------------------------------------------------------------
class CredentialsRefused(ValueError):
    """Production mode and the guest user or a default password (or none at all)."""


def production() -> bool:
    value = (os.environ.get("PROPDESK_PRODUCTION") or "0").strip().lower()
    if value not in ("0", "1", "true", "false", "yes", "no"):
        raise ValueError("PROPDESK_PRODUCTION must be 1 or 0")
    return value in ("1", "true", "yes")


def _password_from_env() -> str | None:
    path = os.environ.get("PROPDESK_AMQP_PASSWORD_FILE")
    if path:
        try:
            return Path(path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise CredentialsRefused(f"PROPDESK_AMQP_PASSWORD_FILE={path} cannot be read: {exc.strerror}") from None
    return os.environ.get("PROPDESK_AMQP_PASSWORD")


def with_userinfo(address: str, user: str, password: str) -> str:
    u = urlparse(address)
    host = u.hostname or "127.0.0.1"
    host = f"[{host}]" if ":" in host else host  # an IPv6 address keeps its brackets
    netloc = f"{quote(user, safe='')}:{quote(password, safe='')}@{host}" + (f":{u.port}" if u.port else "")
    return urlunparse(u._replace(netloc=netloc))


def amqp_credentials(amqp_uri: str) -> str:
    """PROPDESK_AMQP_URI (every address of it) with this process' own user and password, from
    PROPDESK_AMQP_USER and PROPDESK_AMQP_PASSWORD_FILE / PROPDESK_AMQP_PASSWORD when set. In
    production mode (PROPDESK_PRODUCTION=1) the guest user and default passwords are refused."""
    addresses = [a.strip() for a in amqp_uri.split(";") if a.strip()]
    user = os.environ.get("PROPDESK_AMQP_USER")
    if user:
        password = _password_from_env()
        if password is None:
            raise CredentialsRefused(f"PROPDESK_AMQP_USER={user} is set without its password: set "
                                     "PROPDESK_AMQP_PASSWORD_FILE (a file holding it) or PROPDESK_AMQP_PASSWORD")
        addresses = [with_userinfo(a, user, password) for a in addresses]
    if production():
        for a in addresses:
            u = urlparse(a)
            name, password = unquote(u.username or "guest"), unquote(u.password or "guest")
            if name == "guest":
                raise CredentialsRefused(
                    "PROPDESK_PRODUCTION=1 refuses the broker's guest user (it is for the local default "
                    "only): set PROPDESK_AMQP_USER and PROPDESK_AMQP_PASSWORD_FILE per service "
                    "(propdesk broker users; docs/operations.md, Broker users)")
            if password.lower() in DEFAULT_PASSWORDS or password == name:
                raise CredentialsRefused(
                    f"PROPDESK_PRODUCTION=1 refuses a default password for broker user {name}: give it a "
                    "generated one in a file (PROPDESK_AMQP_PASSWORD_FILE; propdesk broker users makes them)")
    return ";".join(addresses)


def password_file(directory: Path, user: str) -> Path:
    return Path(directory) / user


def ensure_password(directory: Path, user: str) -> str:
    """The user's password from `<directory>/<user>`, made (256 random bits, mode 0600) when missing."""
    path = password_file(directory, user)
    if not path.exists():
        Path(directory).mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(32) + "\n")
    password = path.read_text(encoding="utf-8").strip()
    if not password:
        raise CredentialsRefused(f"{path} is empty: delete it to have a password made")
    return password


# -- applying them -------------------------------------------------------------------------------
def apply(api: str, auth: tuple[str, str], vhost: str, user_grants: list[Grant], passwords: dict[str, str],
          timeout: float = 10.0) -> None:
    """Create or update each user (its password, no management tags), its vhost permissions and its
    topic permissions, through the RabbitMQ management HTTP API (an administrator's `auth`)."""
    import requests

    v = quote(vhost, safe="")
    session = requests.Session()
    session.auth = auth
    for g in user_grants:
        u = quote(g.user, safe="")
        session.put(f"{api}/api/users/{u}", json={"password": passwords[g.user], "tags": ""},
                    timeout=timeout).raise_for_status()
        session.put(f"{api}/api/permissions/{v}/{u}", timeout=timeout,
                    json={"configure": g.configure, "write": g.write, "read": g.read}).raise_for_status()
        for exchange, (write, read) in sorted(g.topics.items()):
            session.put(f"{api}/api/topic-permissions/{v}/{u}", timeout=timeout,
                        json={"exchange": exchange, "write": write, "read": read}).raise_for_status()


def remove(api: str, auth: tuple[str, str], users: list[str], timeout: float = 10.0) -> None:
    """Delete these users (tests; an operator retiring a service)."""
    import requests

    for user in users:
        requests.delete(f"{api}/api/users/{quote(user, safe='')}", auth=auth, timeout=timeout)
