"""The role policy (propdesk.policy): one table, deny by default, enforced by every department.

Walks the whole matrix: every role against every command of every department, through the same
pipeline as the RPC entrypoint (on the fake unit of work). A role in the command's row gets past the
policy (its request may still be refused by the rules: 400/404/409); every other role gets 403
naming the role and the rule, and the refusal is audited. Also: every command has a row and every
row names a command, so a command cannot be added without saying who may give it. A public command
(`Command(public=True)`: sign-in, where nobody is signed in yet) has no row and no policy check.
"""
from __future__ import annotations

import pytest

from propdesk import plugins, policy
from propdesk.errors import Forbidden, PropdeskError
from propdesk.testing.fake import ServiceHarness

DEPARTMENTS = {name: cls for name, cls in plugins.service_classes().items() if name != "gateway"}


def commands(cls, public: bool = False) -> list[str]:
    """The service's commands that are checked against the policy (or, with `public`, those that are not)."""
    table = getattr(getattr(cls, "messages", None), "COMMANDS", {})
    return sorted(name for name, row in table.items() if row.public == public)


MATRIX = [(service, command, role)
          for service, cls in sorted(DEPARTMENTS.items())
          for command in commands(cls)
          for role in sorted(policy.ROLES)]


def test_every_department_declares_its_surface_in_tables():
    missing = [name for name, cls in DEPARTMENTS.items() if not hasattr(cls, "messages")]
    assert missing == [], f"services without messages.py tables: {missing}"


def test_every_command_has_a_policy_row_and_every_row_a_command():
    checked = {policy.action(s, c) for s, cls in DEPARTMENTS.items() for c in commands(cls)}
    public = {policy.action(s, c) for s, cls in DEPARTMENTS.items() for c in commands(cls, public=True)}
    assert checked - set(policy.POLICY) == set(), "commands nobody may give (add a row to propdesk/policy.py)"
    assert set(policy.POLICY) - checked - public == set(), "policy rows for commands that do not exist"
    assert public & set(policy.POLICY) == set(), "a public command is given by nobody signed in: no row"
    for action, roles in policy.POLICY.items():
        assert roles and roles <= set(policy.ROLES), action


def test_an_unknown_command_is_denied_to_every_role():
    for role in policy.ROLES:
        with pytest.raises(Forbidden) as e:
            policy.check(role, "residents", "demolish_building")
        assert (e.value.field, e.value.rule) == ("actor.role", policy.RULE)


@pytest.fixture(scope="module")
def harnesses():
    return {name: ServiceHarness(cls, demo=True) for name, cls in DEPARTMENTS.items()}


@pytest.mark.parametrize("service, command, role", MATRIX)
def test_the_matrix_is_enforced_by_the_department(harnesses, service, command, role):
    app = harnesses[service]
    actor = {"id": f"{role}-matrix", "role": role}
    refused_before = len(app.audit("refused"))
    try:
        app.command(command, {}, actor=actor)
        outcome = None
    except PropdeskError as exc:
        outcome = exc
    if policy.allows(role, service, command):
        assert not isinstance(outcome, Forbidden), f"{role} may {service}.{command} but was refused: {outcome}"
        assert len(app.audit("refused")) == refused_before
    else:
        assert isinstance(outcome, Forbidden), f"{role} may not {service}.{command} but got {outcome!r}"
        assert (outcome.field, outcome.rule) == ("actor.role", policy.RULE) and role in outcome.message
        [*_, refused] = app.audit("refused")
        assert (refused.actor_id, refused.object_id) == (actor["id"], policy.action(service, command))
