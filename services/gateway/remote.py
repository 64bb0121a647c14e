"""Calling the departments: nameko RPC with a time limit, failures named by service.

nameko RPC has no timeout (conventions §3.6): a call to a stopped or stuck service would hold the
desk's request forever. Every call here runs under `eventlet.Timeout(rpc_timeout_s)`; failures are
raised as the exceptions `errors.error_status_and_body` maps (504 timeout, 503 unavailable, the
service's own ValidationError/Forbidden/NotFound/Conflict, 500 for anything else).

Estates (管理处): a `Remote` made for a signed-in person (`Scope.of(principal, request)`) passes the
person's estates and the client's address with every call, so a department shows and changes only
what belongs to those estates (another estate's record answers as if absent) and audits where the
request came from: a command's ``actor`` gets ``"estates"`` and ``"address"``, and every other call
(a query) gets ``actor={"id", "role", "estates", "address"}``. Without a scope (signing in, the
staff service resolving a session) nothing is added.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import eventlet
from amqp.exceptions import ConnectionError as AmqpConnectionError
from kombu.exceptions import OperationalError
from nameko.exceptions import MethodNotFound, RemoteError, UnknownService

from propdesk_services.gateway.proxies import address_of
from propdesk_services.gateway.errors import (
    ServiceFailed,
    ServiceTimeout,
    ServiceUnavailable,
    from_remote,
)

_BROKER_DOWN = (OperationalError, AmqpConnectionError, ConnectionError, OSError)


@dataclass(frozen=True)
class Scope:
    """Who asks through the gateway, as every department is told: the person (or API token), the
    first of their roles, the estates they work for, and the client's address."""

    id: str
    role: str | None
    estates: tuple[str, ...]
    address: str | None = None

    @classmethod
    def of(cls, principal, request=None) -> "Scope":
        """The scope of an `auth.Principal` (id, roles, estates) and the request's client address."""
        address = address_of(request)
        return cls(id=principal.id, role=principal.roles[0] if principal.roles else None,
                   estates=tuple(principal.estates), address=address or None)

    def query_actor(self) -> dict:
        actor = {"id": self.id, "estates": list(self.estates), "address": self.address}
        if self.role is not None:
            actor["role"] = self.role
        return actor

    def scoped(self, kwargs: dict) -> dict:
        """A call's keyword arguments with the scope: a command's actor (a dict) gets the estates and
        the address; a call without an actor (a query) gets ``actor=`` of its own. A public
        command's ``actor=None`` stays None (nobody acts yet)."""
        if "actor" not in kwargs:
            return {**kwargs, "actor": self.query_actor()}
        actor = kwargs["actor"]
        if not isinstance(actor, dict):
            return kwargs
        return {**kwargs, "actor": {**actor, "estates": list(self.estates), "address": self.address}}


@dataclass(frozen=True)
class Call:
    """One RPC to make: `service.method(*args, **kwargs)`."""

    service: str
    method: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)


class Remote:
    """The departments as the gateway sees them: `proxies` maps a service name to a nameko
    ServiceProxy (the gateway's `Departments` dependency), or to any object with the same
    methods (the unit tests pass fakes). With a `scope`, every call carries who asks and within
    which estates (`Scope.scoped`)."""

    def __init__(self, proxies: dict, timeout_s: float, scope: Scope | None = None):
        self.proxies = proxies
        self.timeout_s = timeout_s
        self.scope = scope

    def acting_for(self, principal, request=None) -> "Remote":
        """The same departments, each call scoped to `principal` (and the request's address)."""
        return Remote(self.proxies, self.timeout_s, Scope.of(principal, request))

    def call(self, service: str, method: str, /, *args, **kwargs):
        if self.scope is not None:
            kwargs = self.scope.scoped(kwargs)
        proxy = self.proxies.get(service)
        if proxy is None:
            raise ServiceUnavailable(service, "the department is not installed (no propdesk.services entry point)")
        timer = eventlet.Timeout(self.timeout_s)
        try:
            return getattr(proxy, method)(*args, **kwargs)
        except eventlet.Timeout as exc:
            if exc is not timer:
                raise
            raise ServiceTimeout(service, method, self.timeout_s) from None
        except UnknownService:
            raise ServiceUnavailable(service, "the service is not running (nothing consumes its RPC queue)") from None
        except RemoteError as err:
            raise from_remote(service, method, err) from None
        except MethodNotFound as err:
            raise ServiceFailed(service, method, "MethodNotFound", str(err)) from None
        except _BROKER_DOWN as err:
            raise ServiceUnavailable(service, f"the message broker is unreachable ({type(err).__name__})") from None
        finally:
            timer.cancel()

    def gather(self, *calls: Call) -> list:
        """Make the calls concurrently; each result is the value or the exception it raised."""
        pile = eventlet.GreenPile(len(calls) or 1)
        for c in calls:
            pile.spawn(self._settled, c)
        return list(pile)

    def _settled(self, c: Call):
        try:
            return self.call(c.service, c.method, *c.args, **c.kwargs)
        except Exception as exc:  # handed back to the caller, which decides what is fatal
            return exc
