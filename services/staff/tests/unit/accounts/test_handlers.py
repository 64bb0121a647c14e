"""Staff accounts' handlers on the fake unit of work: adding, disabling, resetting a password,
setting roles, reading accounts; never a password or a hash in an answer, a row or the audit trail."""
from __future__ import annotations

import json
import re

import pytest

from propdesk import demo, policy
from propdesk.chassis.idempotency import TABLE as KEYS
from propdesk.contracts.vocab import ESTATES
from propdesk.errors import Conflict, Forbidden, NotFound, ValidationError
from propdesk_services.staff.tests.unit.support import (ADMIN, CLERK, CLI_ADMIN, NEW_PASSWORD, PASSWORD, account,
                                                        audit, count, everything_stored, new_staff, problems,
                                                        sign_in)
from propdesk_services.staff.workflows.accounts import domain
from propdesk_services.staff.workflows.accounts.models import StaffAccount
from propdesk_services.staff.workflows.sessions.models import SignInGuard


def refused_sign_in(app, username, password) -> tuple[str, str]:
    with pytest.raises(ValidationError) as e:
        sign_in(app, username, password)
    [p] = e.value.problems
    return p.field, p.rule


# --- the demo -----------------------------------------------------------------------------------------
def test_the_demo_has_one_account_per_role_and_an_office_park_front_desk(app):
    staff = {a["username"]: a for a in app.query("list_staff")}
    assert set(staff) == set(policy.ROLES) - policy.API_ONLY_ROLES | {"front_desk_e2"}
    for role in set(policy.ROLES) - policy.API_ONLY_ROLES:
        assert staff[role]["roles"] == [role]
        assert staff[role]["estates"] == (list(ESTATES.codes) if role == "admin" else ["E1"])
        assert re.fullmatch(r"[\u4e00-\u9fff]{2,4}", staff[role]["name"]), staff[role]["name"]
        assert staff[role]["must_change_password"] is False
    assert (staff["front_desk_e2"]["roles"], staff["front_desk_e2"]["estates"]) == (["front_desk"], ["E2"])


def test_every_demo_account_signs_in_with_the_demo_password(app):
    for username in [r for r in policy.ROLES if r not in policy.API_ONLY_ROLES] + ["front_desk_e2"]:
        assert sign_in(app, username, demo.DEMO_STAFF_PASSWORD)["staff"]["id"] == username


def test_the_demo_loads_once_and_says_how_to_sign_in(app):
    with app.session() as s:
        again = app.service_cls.load_demo(s)
        s.commit()
    assert again.startswith("skipped: 15 staff accounts") and demo.DEMO_STAFF_PASSWORD in again
    assert count(app, StaffAccount) == 15


# --- add_staff ----------------------------------------------------------------------------------------
def test_an_admin_adds_an_account_that_must_change_its_first_password(app):
    added = app.command("add_staff", new_staff(username="WangFang", phone="139-1234-5678"), actor=CLI_ADMIN)
    assert added["id"] == added["username"] == "wangfang"
    assert (added["name"], added["roles"], added["estates"]) == ("王芳", ["front_desk"], ["E1"])
    assert added["phone"] == "139****5678" and added["must_change_password"] is True and added["active"] is True
    assert not {"password", "password_hash"} & set(added)
    assert NEW_PASSWORD not in json.dumps(added) and "argon2" not in json.dumps(added)
    stored = account(app, "wangfang")
    assert stored.password_hash.startswith("$argon2id$") and domain.verify_password(stored.password_hash, NEW_PASSWORD)
    [row] = audit(app, "staff.added")
    assert (row["actor_id"], row["object_type"], row["object_id"]) == ("cli:root", "staff", "wangfang")
    assert row["details"]["phone"] == "139****5678"
    assert NEW_PASSWORD not in everything_stored(app)
    assert sign_in(app, "wangfang", NEW_PASSWORD)["staff"]["must_change_password"] is True


def test_a_username_is_never_reused(app):
    app.command("add_staff", new_staff(), actor=CLI_ADMIN)
    with pytest.raises(Conflict) as e:
        app.command("add_staff", new_staff(username="WANGFANG", name="王芳二"), actor=CLI_ADMIN)
    assert (e.value.field, e.value.rule) == ("username", "username_taken")
    app.command("disable_staff", {"username": "wangfang"}, actor=CLI_ADMIN)
    with pytest.raises(Conflict):
        app.command("add_staff", new_staff(), actor=CLI_ADMIN)


def test_a_bad_account_is_refused_with_every_rule_and_nothing_written(app):
    before = (count(app, StaffAccount), len(app.audit()))
    with pytest.raises(ValidationError) as e:
        app.command("add_staff", new_staff(username="x", roles=["ghost"], estates=["E9"], password="short"),
                    actor=CLI_ADMIN)
    assert problems(e) == {("username", "username_format"), ("roles", "one_of"), ("estates", "one_of"),
                           ("password", "min_length")}
    with pytest.raises(ValidationError) as e:
        app.command("add_staff", {**new_staff(), "role": "admin"}, actor=CLI_ADMIN)
    assert problems(e) == {("role", "unknown_field")}
    assert (count(app, StaffAccount), len(app.audit())) == before


def test_only_an_admin_adds_staff_and_a_refusal_is_audited(app):
    with pytest.raises(Forbidden) as e:
        app.command("add_staff", new_staff(roles=["admin"]), actor=CLERK)
    assert (e.value.field, e.value.rule) == ("actor.role", policy.RULE)
    assert audit(app, "refused")[-1]["object_id"] == "staff.add_staff"
    assert account(app, "wangfang") is None


def test_commands_with_a_password_take_no_idempotency_key(app):
    with pytest.raises(ValidationError) as e:
        app.command("add_staff", new_staff(), actor=CLI_ADMIN, idempotency_key="add-wangfang-1")
    assert problems(e) == {("idempotency_key", "not_with_secrets")}
    with pytest.raises(ValidationError) as e:
        app.command("reset_password", {"username": "cashier", "password": NEW_PASSWORD}, actor=CLI_ADMIN,
                    idempotency_key="reset-cashier-1")
    assert problems(e) == {("idempotency_key", "not_with_secrets")}
    assert account(app, "wangfang") is None
    assert domain.verify_password(account(app, "cashier").password_hash, PASSWORD)
    with app.session() as s:
        assert s.execute(app.db.metadata.tables[KEYS].select()).all() == []


# --- reading ------------------------------------------------------------------------------------------
def test_get_staff_masks_the_phone_and_never_shows_the_hash(app):
    one = app.query("get_staff", "Cashier")
    assert one["username"] == "cashier" and one["phone"] == "138****0012"
    assert not {"password", "password_hash"} & set(one) and "argon2" not in json.dumps(one)
    with pytest.raises(NotFound) as e:
        app.query("get_staff", "nobody")
    assert (e.value.field, e.value.rule) == ("username", "exists")
    with pytest.raises(ValidationError) as e:
        app.query("get_staff", ["cashier"])
    assert problems(e) == {("username", "type")}


def test_list_staff_by_estate_and_role_and_disabled_only_when_asked(app):
    assert [a["username"] for a in app.query("list_staff", estate="E2")] == ["admin", "front_desk_e2"]
    assert [a["username"] for a in app.query("list_staff", role="front_desk")] == ["front_desk", "front_desk_e2"]
    assert all(re.fullmatch(r"138\*{4}\d{4}", a["phone"]) for a in app.query("list_staff"))
    app.command("disable_staff", {"username": "cashier"}, actor=CLI_ADMIN)
    assert "cashier" not in [a["username"] for a in app.query("list_staff")]
    [cashier] = [a for a in app.query("list_staff", include_disabled=True) if a["username"] == "cashier"]
    assert cashier["active"] is False and cashier["disabled_at"] == app.clock.now().isoformat()
    with pytest.raises(ValidationError) as e:
        app.query("list_staff", estate="E7")
    assert problems(e) == {("estate", "one_of")}


# --- disable_staff ------------------------------------------------------------------------------------
def test_a_disabled_account_cannot_sign_in_and_its_sessions_end(app):
    token = sign_in(app, "cashier")["token"]
    assert app.query("resolve_session", token)["staff"]["id"] == "cashier"
    disabled = app.command("disable_staff", {"username": "cashier"}, actor=ADMIN)
    assert disabled["active"] is False
    with pytest.raises(NotFound) as e:
        app.query("resolve_session", token)
    assert (e.value.field, e.value.rule) == ("token", "session_expired")
    assert refused_sign_in(app, "cashier", PASSWORD) == ("password", "sign_in_failed")
    assert audit(app, "staff.disabled")[-1]["details"] == {"sessions_ended": 1}
    assert audit(app, "staff.sign_in_failed")[-1]["details"]["reason"] == "account_disabled"
    app.command("disable_staff", {"username": "cashier"}, actor=ADMIN)  # again: nothing changes
    assert len(audit(app, "staff.disabled")) == 1


def test_an_admin_cannot_disable_their_own_account_nor_the_last_admin(app):
    with pytest.raises(Conflict) as e:
        app.command("disable_staff", {"username": "admin"}, actor=ADMIN)
    assert (e.value.field, e.value.rule) == ("username", "not_yourself")
    with pytest.raises(Conflict) as e:
        app.command("disable_staff", {"username": "admin"}, actor=CLI_ADMIN)
    assert (e.value.field, e.value.rule) == ("username", "last_admin")
    app.command("add_staff", new_staff(username="admin2", department="administration", roles=["admin"]),
                actor=CLI_ADMIN)
    assert app.command("disable_staff", {"username": "admin"}, actor=CLI_ADMIN)["active"] is False
    with pytest.raises(NotFound):
        app.command("disable_staff", {"username": "nobody"}, actor=CLI_ADMIN)


# --- reset_password -----------------------------------------------------------------------------------
def test_a_reset_password_works_must_be_changed_and_ends_the_sessions(app):
    token = sign_in(app, "cashier")["token"]
    reset = app.command("reset_password", {"username": "cashier", "password": NEW_PASSWORD}, actor=ADMIN)
    assert reset["must_change_password"] is True
    with pytest.raises(NotFound):
        app.query("resolve_session", token)
    assert refused_sign_in(app, "cashier", PASSWORD) == ("password", "sign_in_failed")
    assert sign_in(app, "cashier", NEW_PASSWORD)["staff"]["must_change_password"] is True
    [row] = audit(app, "staff.password_reset")
    assert row["details"] == {"must_change_password": True, "sessions_ended": 1, "lock_out_lifted": False}
    assert NEW_PASSWORD not in everything_stored(app)


def test_a_reset_password_follows_the_rules_and_lifts_a_lock_out(app):
    with pytest.raises(ValidationError) as e:
        app.command("reset_password", {"username": "cashier", "password": "too-short"}, actor=ADMIN)
    assert problems(e) == {("password", "min_length")}
    with pytest.raises(ValidationError) as e:
        app.command("reset_password", {"username": "cashier", "password": "CASHIER"}, actor=ADMIN)
    assert problems(e) == {("password", "min_length")}
    with pytest.raises(ValidationError) as e:
        app.command("reset_password", {"username": "counter_staff", "password": "Counter_Staff"}, actor=ADMIN)
    assert problems(e) == {("password", "not_username")}
    with pytest.raises(NotFound):
        app.command("reset_password", {"username": "nobody", "password": NEW_PASSWORD}, actor=ADMIN)
    for _ in range(5):
        refused_sign_in(app, "cashier", "guess-guess-guess")
    assert refused_sign_in(app, "cashier", PASSWORD) == ("username", "locked_out")
    app.command("reset_password", {"username": "cashier", "password": NEW_PASSWORD}, actor=ADMIN)
    assert audit(app, "staff.password_reset")[-1]["details"]["lock_out_lifted"] is True
    assert count(app, SignInGuard) == 0
    assert sign_in(app, "cashier", NEW_PASSWORD)["staff"]["id"] == "cashier"


# --- set_roles ----------------------------------------------------------------------------------------
def test_new_roles_take_effect_at_the_next_resolve(app):
    token = sign_in(app, "cs_assistant")["token"]
    changed = app.command("set_roles", {"username": "cs_assistant", "roles": ["senior_cs", "cs_assistant"]},
                          actor=ADMIN)
    assert changed["roles"] == ["cs_assistant", "senior_cs"]  # the policy's order
    assert app.query("resolve_session", token)["staff"]["roles"] == ["cs_assistant", "senior_cs"]
    assert audit(app, "staff.roles_set")[-1]["details"] == {"roles_before": ["cs_assistant"],
                                                             "roles": ["cs_assistant", "senior_cs"]}
    app.command("set_roles", {"username": "cs_assistant", "roles": ["senior_cs", "cs_assistant"]}, actor=ADMIN)
    assert len(audit(app, "staff.roles_set")) == 1


def test_roles_are_checked_and_the_last_admin_keeps_the_admin_role(app):
    with pytest.raises(ValidationError) as e:
        app.command("set_roles", {"username": "cashier", "roles": []}, actor=ADMIN)
    assert problems(e) == {("roles", "required")}
    with pytest.raises(ValidationError) as e:
        app.command("set_roles", {"username": "cashier", "roles": ["banker"]}, actor=ADMIN)
    assert problems(e) == {("roles", "one_of")}
    with pytest.raises(Conflict) as e:
        app.command("set_roles", {"username": "admin", "roles": ["director"]}, actor=CLI_ADMIN)
    assert (e.value.field, e.value.rule) == ("username", "last_admin")
    assert app.command("set_roles", {"username": "director", "roles": ["director", "admin"]},
                       actor=CLI_ADMIN)["roles"] == ["director", "admin"]
    assert app.command("set_roles", {"username": "admin", "roles": ["director"]}, actor=CLI_ADMIN)["roles"] == [
        "director"]
    with pytest.raises(NotFound):
        app.command("set_roles", {"username": "nobody", "roles": ["cashier"]}, actor=CLI_ADMIN)


# --- what the desk offers -----------------------------------------------------------------------------
def test_allowed_actions_on_an_account_are_the_admins_and_follow_its_state(app):
    assert app.query("allowed_actions", "staff", "cashier", "admin") == ["set_roles", "set_estates",
                                                                         "reset_password", "disable_staff"]
    assert app.query("allowed_actions", "staff", "cashier", "cs_manager") == []
    app.command("disable_staff", {"username": "cashier"}, actor=ADMIN)
    assert app.query("allowed_actions", "staff", "cashier", "admin") == ["enable_staff", "set_roles", "set_estates",
                                                                         "reset_password"]
    with pytest.raises(NotFound):
        app.query("allowed_actions", "staff", "nobody", "admin")
