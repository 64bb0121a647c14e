"""staff against the real broker: every row of its tables is reachable over RPC (through the
``rpc-staff`` queue, as the gateway will call it), a public command needs no actor, rejections
travel with their field and rule, and a refused sign-in is kept (its audit row commits although the
call fails). The rules themselves are tested on the unit tier."""
from __future__ import annotations

import json

import pytest
from nameko.exceptions import RemoteError
from nameko.standalone.rpc import ClusterRpcProxy
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from propdesk import demo
from propdesk.chassis.tables import AuditRow
from propdesk.chassis.workflow import queries_of, subscriptions_by_handler
from propdesk.errors import BY_NAME, Conflict, Forbidden, NotFound, Problem, ValidationError
from propdesk_services.staff import messages
from propdesk_services.staff.service import StaffService

ADMIN = {"id": "admin", "role": "admin"}
CLIENT = {"address": "192.0.2.10", "user_agent": "integration-test"}


@pytest.fixture
def staff(start_service, propdesk_env):
    container = start_service(StaffService)
    with Session(create_engine(propdesk_env.db_url("staff"))) as s:
        StaffService.load_demo(s)
        s.commit()
    with ClusterRpcProxy({"AMQP_URI": propdesk_env.amqp_uri}, timeout=30) as proxy:
        yield container, proxy.staff


def call(staff, method: str, *args, **kwargs):
    """One RPC to the running service over the broker; a propdesk rejection raised as itself."""
    try:
        return getattr(staff[1], method)(*args, **kwargs)
    except RemoteError as err:
        cls = BY_NAME.get(err.exc_type)
        if cls is ValidationError:
            raise ValidationError([Problem(**p) for p in json.loads(err.value)]) from None
        if cls is not None:
            raise cls.from_message(err.value) from None
        raise


def audit_actions(env) -> list[str]:
    with Session(create_engine(env.db_url("staff"))) as s:
        return list(s.scalars(select(AuditRow.action).order_by(AuditRow.id)))


def test_the_tables_are_the_public_surface(staff):
    """Every row became an entrypoint with its public name; nothing else is public."""
    rpc_names = set(messages.COMMANDS) | set(queries_of(messages, "staff"))
    assert "allowed_actions" in rpc_names
    assert subscriptions_by_handler(messages) == {} and set(messages.TIMERS) == {"purge_sessions"}
    entrypoints = {ep.method_name for ep in staff[0].entrypoints}
    assert entrypoints - rpc_names == {"serve_metrics", "serve_health", "purge_sessions"}
    assert rpc_names <= entrypoints


def test_every_row_over_the_broker(staff, propdesk_env):
    # accounts (admin)
    added = call(staff, "add_staff", {"username": "wangfang", "name": "王芳", "department": "customer_service",
                                      "roles": ["front_desk"], "estates": ["E1"], "phone": "13912345678",
                                      "password": "first-password-1"}, actor=ADMIN)
    assert (added["id"], added["phone"], added["must_change_password"]) == ("wangfang", "139****5678", True)
    assert call(staff, "set_roles", {"username": "wangfang", "roles": ["cs_assistant", "front_desk"]},
                actor=ADMIN)["roles"] == ["front_desk", "cs_assistant"]
    assert call(staff, "get_staff", "wangfang")["roles"] == ["front_desk", "cs_assistant"]
    assert [a["username"] for a in call(staff, "list_staff", estate="E2")] == ["admin", "front_desk_e2"]
    assert call(staff, "list_staff", estate="E2", actor={"id": "cs_manager", "role": "cs_manager",
                                                          "estates": ["E1"]}) == [call(staff, "get_staff", "admin")]
    assert call(staff, "set_estates", {"username": "wangfang", "estates": ["E1", "E2"]},
                actor=ADMIN)["estates"] == ["E1", "E2"]
    assert call(staff, "allowed_actions", "staff", "wangfang", "admin") == ["set_roles", "set_estates",
                                                                            "reset_password", "disable_staff"]

    # sessions (public: no actor)
    signed = call(staff, "sign_in", {"username": "wangfang", "password": "first-password-1", **CLIENT})
    assert signed["staff"]["must_change_password"] is True
    changed = call(staff, "change_password", {"token": signed["token"], "current_password": "first-password-1",
                                              "new_password": "second-password-2", **CLIENT})
    assert changed["staff"]["must_change_password"] is False
    assert call(staff, "resolve_session", signed["token"])["staff"]["id"] == "wangfang"
    assert call(staff, "sign_out", {"token": signed["token"], **CLIENT}, actor=None)["signed_out"] is True
    with pytest.raises(NotFound) as e:
        call(staff, "resolve_session", signed["token"])
    assert (e.value.field, e.value.rule) == ("token", "session_expired")

    call(staff, "reset_password", {"username": "wangfang", "password": "third-password-3"}, actor=ADMIN)
    assert call(staff, "disable_staff", {"username": "wangfang"}, actor=ADMIN)["active"] is False
    assert call(staff, "enable_staff", {"username": "wangfang"}, actor=ADMIN)["active"] is True

    # API tokens (admin)
    created = call(staff, "create_api_token", {"name": "owner-app", "roles": ["front_desk"], "estates": ["E1"]},
                   actor=ADMIN)
    assert call(staff, "resolve_api_token", created["token"])["id"] == "token:owner-app"
    assert [t["name"] for t in call(staff, "list_api_tokens")] == ["owner-app"]
    assert call(staff, "allowed_actions", "api_token", "owner-app", "admin") == ["revoke_api_token"]
    assert call(staff, "revoke_api_token", {"name": "owner-app"}, actor=ADMIN)["state"] == "revoked"
    with pytest.raises(NotFound) as e:
        call(staff, "resolve_api_token", created["token"])
    assert e.value.rule == "token_invalid"
    assert call(staff, "list_api_tokens", include_revoked=True)[0]["state"] == "revoked"

    assert audit_actions(propdesk_env) == [
        "staff.added", "staff.roles_set", "staff.estates_set", "staff.signed_in", "staff.password_changed",
        "staff.signed_out", "staff.password_reset", "staff.disabled", "staff.enabled", "api_token.created",
        "api_token.revoked"]


def test_rejections_travel_with_field_and_rule_and_a_refused_sign_in_is_kept(staff, propdesk_env):
    with pytest.raises(ValidationError) as e:
        call(staff, "sign_in", {"username": "front_desk", "password": "not-the-password", **CLIENT}, actor=None)
    assert [(p.field, p.rule) for p in e.value.problems] == [("password", "sign_in_failed")]
    assert audit_actions(propdesk_env) == ["staff.sign_in_failed"]
    assert call(staff, "sign_in", {"username": "front_desk", "password": demo.DEMO_STAFF_PASSWORD}
                )["staff"]["roles"] == ["front_desk"]

    with pytest.raises(Forbidden) as e:
        call(staff, "add_staff", {"username": "x"}, actor={"id": "front_desk", "role": "front_desk"})
    assert e.value.rule == "role_not_allowed"
    with pytest.raises(Conflict) as e:
        call(staff, "disable_staff", {"username": "admin"}, actor=ADMIN)
    assert (e.value.field, e.value.rule) == ("username", "not_yourself")
    with pytest.raises(ValidationError) as e:
        call(staff, "create_api_token", {"name": "x-app", "roles": ["front_desk"], "estates": ["E1"]}, actor=ADMIN,
             idempotency_key="create-x-app")
    assert [(p.field, p.rule) for p in e.value.problems] == [("idempotency_key", "not_with_secrets")]
    with pytest.raises(ValidationError) as e:
        call(staff, "get_staff", ["admin"])
    assert [(p.field, p.rule) for p in e.value.problems] == [("username", "type")]
