"""An admin enables a disabled account again and moves an account between estates; staff read only
the accounts of the estates they work for (another estate's answer as absent)."""
from __future__ import annotations

import pytest

from propdesk.errors import Forbidden, NotFound, ValidationError
from propdesk_services.staff.tests.unit.support import (ADMIN, CLERK, CLI_ADMIN, PASSWORD, account, audit,
                                                        problems, sign_in)

E1_MANAGER = {"id": "cs_manager", "role": "cs_manager", "estates": ["E1"]}
E2_DESK = {"id": "front_desk_e2", "role": "front_desk", "estates": ["E2"]}
E1_ADMIN = {"id": "admin", "role": "admin", "estates": ["E1"]}


def test_a_disabled_account_is_enabled_again_and_signs_in(app):
    app.command("disable_staff", {"username": "front_desk"}, actor=ADMIN)
    with pytest.raises(ValidationError):
        sign_in(app)
    enabled = app.command("enable_staff", {"username": "front_desk"}, actor=ADMIN)
    assert enabled["active"] is True and account(app, "front_desk").disabled_at is None
    assert sign_in(app)["staff"]["id"] == "front_desk"
    [row] = audit(app, "staff.enabled")
    assert (row["actor_id"], row["object_id"], row["details"]["must_change_password"]) == ("admin", "front_desk", False)


def test_enabling_an_active_account_changes_nothing_but_is_audited(app):
    before = account(app, "front_desk").updated_at
    app.command("enable_staff", {"username": "front_desk"}, actor=ADMIN)
    assert account(app, "front_desk").updated_at == before
    assert [r["object_id"] for r in audit(app, "staff.enable_unchanged")] == ["front_desk"]


def test_only_an_admin_enables_or_moves_an_account(app):
    app.command("disable_staff", {"username": "cashier"}, actor=ADMIN)
    for command, request in (("enable_staff", {"username": "cashier"}),
                             ("set_estates", {"username": "cashier", "estates": ["E2"]})):
        with pytest.raises(Forbidden) as e:
            app.command(command, request, actor=CLERK)
        assert e.value.rule == "role_not_allowed"
    assert account(app, "cashier").active is False and account(app, "cashier").estates == ["E1"]


def test_set_estates_replaces_the_estates_and_takes_effect_at_the_next_resolve(app):
    token = sign_in(app)["token"]
    moved = app.command("set_estates", {"username": "front_desk", "estates": ["E2", "E1"]}, actor=CLI_ADMIN)
    assert moved["estates"] == ["E1", "E2"]
    assert app.query("resolve_session", token)["staff"]["estates"] == ["E1", "E2"]
    [row] = audit(app, "staff.estates_set")
    assert row["details"] == {"estates_before": ["E1"], "estates": ["E1", "E2"]}


@pytest.mark.parametrize("estates, rule", [([], "required"), (None, "required"), (["E9"], "one_of")])
def test_set_estates_names_the_broken_rule_and_changes_nothing(app, estates, rule):
    with pytest.raises(ValidationError) as e:
        app.command("set_estates", {"username": "front_desk", "estates": estates}, actor=CLI_ADMIN)
    assert problems(e) == {("estates", rule)}
    assert account(app, "front_desk").estates == ["E1"]


def test_an_admin_of_one_estate_cannot_touch_another_estates_account(app):
    with pytest.raises(NotFound):
        app.command("set_estates", {"username": "front_desk_e2", "estates": ["E1"]}, actor=E1_ADMIN)
    assert account(app, "front_desk_e2").estates == ["E2"]


def test_staff_see_the_accounts_of_their_own_estates_only(app):
    e1 = {a["username"] for a in app.query("list_staff", actor=E1_MANAGER)}
    e2 = {a["username"] for a in app.query("list_staff", actor=E2_DESK)}
    assert "front_desk_e2" not in e1 and "front_desk" in e1
    assert e2 == {"front_desk_e2", "admin"}  # the demo admin works for both estates
    with pytest.raises(NotFound):
        app.query("get_staff", "front_desk", actor=E2_DESK)
    assert app.query("get_staff", "front_desk", actor=E1_MANAGER)["id"] == "front_desk"
    everyone = {a["username"] for a in app.query("list_staff")}  # a service or the CLI: not scoped
    assert e1 | e2 == everyone


def test_a_disabled_account_offers_enable_and_an_active_one_does_not(app):
    assert "enable_staff" not in app.query("allowed_actions", "staff", "front_desk", "admin")
    app.command("disable_staff", {"username": "front_desk"}, actor=ADMIN)
    assert app.query("allowed_actions", "staff", "front_desk", "admin")[0] == "enable_staff"
    assert PASSWORD  # the demo password is unchanged by disabling and enabling
