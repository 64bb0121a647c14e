"""Per-service broker users on a throwaway vhost, for tests (chassis/broker_users.py).

    with service_users(vhost, classes, directory=tmp / "broker-users") as users:
        users.uri("notify")          # the vhost's AMQP URI as notify's own user
        users.env                    # PROPDESK_BROKER_USERS_DIR + _PREFIX: `propdesk run` uses them
    # the users are deleted (a vhost's deletion leaves its users behind)

`PROPDESK_TEST_BROKER_USERS=1` makes the root conftest's `start_service` and `system` fixtures
run every service as its own user, so any integration or system test file proves that nothing a
service needs was forbidden (docs/operations.md, Broker users).
"""
from __future__ import annotations

import contextlib
import os
import uuid
from dataclasses import dataclass
from pathlib import Path

from propdesk.chassis import broker_users


def wanted() -> bool:
    """PROPDESK_TEST_BROKER_USERS=1: the test fixtures run services as their own broker users."""
    return (os.environ.get("PROPDESK_TEST_BROKER_USERS") or "0").strip().lower() in ("1", "true", "yes")


@dataclass
class ServiceUsers:
    amqp_uri: str
    prefix: str
    passwords: dict[str, str]
    directory: Path

    def user(self, service: str) -> str:
        return broker_users.user_name(service, self.prefix)

    def uri(self, service: str) -> str:
        """The vhost's URI (every address of it) as this service's user."""
        user = self.user(service)
        return ";".join(broker_users.with_userinfo(a, user, self.passwords[user])
                        for a in self.amqp_uri.split(";") if a.strip())

    @property
    def env(self) -> dict[str, str]:
        return {"PROPDESK_BROKER_USERS_DIR": str(self.directory), "PROPDESK_BROKER_USER_PREFIX": self.prefix}


@contextlib.contextmanager
def service_users(vhost: dict, service_classes, directory: Path):
    """One user per service (and the operator's) with the permissions `propdesk broker users`
    gives, on `vhost` (a `throwaway_vhost`), passwords in `directory`; deleted afterwards."""
    prefix = f"pdtest-{uuid.uuid4().hex[:8]}-"
    grants = broker_users.grants(list(service_classes), prefix=prefix)
    passwords = {g.user: broker_users.ensure_password(directory, g.user) for g in grants}
    try:
        broker_users.apply(vhost["api"], vhost["auth"], vhost["name"], grants, passwords)
        yield ServiceUsers(vhost["amqp_uri"], prefix, passwords, Path(directory))
    finally:
        broker_users.remove(vhost["api"], vhost["auth"], [g.user for g in grants])
