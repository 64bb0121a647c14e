"""API tokens' handlers on the fake unit of work: an admin creates one (its secret answered once,
kept hashed), lists and revokes them; a token resolves to the identity it acts as until it is
revoked or expires."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest

from propdesk import policy
from propdesk.errors import Conflict, Forbidden, NotFound, ValidationError
from propdesk_services.staff.tests.unit.support import ADMIN, CLERK, audit, count, everything_stored, problems, sign_in
from propdesk_services.staff.workflows.api_tokens.models import ApiToken


def create(app, name="owner-app", roles=("front_desk",), estates=("E1",), expires_at=None, actor=ADMIN) -> dict:
    return app.command("create_api_token", {"name": name, "roles": list(roles), "estates": list(estates),
                                            "expires_at": expires_at}, actor=actor)


def invalid(app, token: str) -> str:
    with pytest.raises(NotFound) as e:
        app.query("resolve_api_token", token)
    assert (e.value.field, e.value.rule) == ("token", "token_invalid")
    return e.value.message


def test_a_token_is_answered_once_kept_hashed_and_resolves_to_what_it_acts_as(app):
    created = create(app, roles=("cs_assistant", "front_desk"), estates=("E1", "E2"))
    secret = created["token"]
    assert secret.startswith("pdt_") and created["hint"] == secret[:8]
    assert (created["id"], created["state"], created["created_by"]) == ("token:owner-app", "active", "admin")
    assert app.query("resolve_api_token", secret) == {"id": "token:owner-app", "name": "owner-app",
                                                      "roles": ["front_desk", "cs_assistant"],
                                                      "estates": ["E1", "E2"], "expires_at": None}
    listed = app.query("list_api_tokens")
    assert [t["name"] for t in listed] == ["owner-app"] and "token" not in listed[0]
    assert secret not in json.dumps(listed) and secret not in everything_stored(app)
    [row] = audit(app, "api_token.created")
    assert (row["actor_id"], row["object_type"], row["object_id"]) == ("admin", "api_token", "owner-app")
    assert secret not in json.dumps(row)


def test_a_revoked_token_resolves_to_nobody(app):
    secret = create(app)["token"]
    revoked = app.command("revoke_api_token", {"name": "owner-app"}, actor=ADMIN)
    assert (revoked["state"], revoked["revoked_by"]) == ("revoked", "admin")
    assert "revoked" in invalid(app, secret)
    assert app.query("list_api_tokens") == []
    assert [t["state"] for t in app.query("list_api_tokens", include_revoked=True)] == ["revoked"]
    app.command("revoke_api_token", {"name": "owner-app"}, actor=ADMIN)  # again: nothing changes
    assert len(audit(app, "api_token.revoked")) == 1
    with pytest.raises(NotFound) as e:
        app.command("revoke_api_token", {"name": "no-such-app"}, actor=ADMIN)
    assert (e.value.field, e.value.rule) == ("name", "exists")


def test_a_token_expires(app):
    expires = (app.clock.now() + timedelta(days=1)).isoformat()
    secret = create(app, expires_at=expires)["token"]
    app.clock.advance(hours=23, minutes=59)
    assert app.query("resolve_api_token", secret)["expires_at"] == expires
    app.clock.advance(minutes=1)
    assert "expired" in invalid(app, secret)
    assert app.query("list_api_tokens")[0]["state"] == "expired"


def test_a_name_is_never_reused(app):
    create(app)
    app.command("revoke_api_token", {"name": "owner-app"}, actor=ADMIN)
    with pytest.raises(Conflict) as e:
        create(app, name="Owner-App")
    assert (e.value.field, e.value.rule) == ("name", "name_taken")
    assert count(app, ApiToken) == 1


def test_a_bad_request_names_every_rule_and_writes_nothing(app):
    with pytest.raises(ValidationError) as e:
        create(app, name="owner app", roles=("system",), estates=(), expires_at="2020-01-01T00:00:00+08:00")
    assert problems(e) == {("name", "name_format"), ("roles", "one_of"), ("estates", "required"),
                           ("expires_at", "in_future")}
    assert count(app, ApiToken) == 0


def test_only_an_admin_creates_or_revokes_and_no_idempotency_key(app):
    for command, request in (("create_api_token", {"name": "x-app", "roles": ["front_desk"], "estates": ["E1"]}),
                             ("revoke_api_token", {"name": "x-app"})):
        with pytest.raises(Forbidden) as e:
            app.command(command, request, actor=CLERK)
        assert e.value.rule == policy.RULE
    with pytest.raises(ValidationError) as e:
        app.command("create_api_token", {"name": "x-app", "roles": ["front_desk"], "estates": ["E1"]}, actor=ADMIN,
                    idempotency_key="create-x-app")
    assert problems(e) == {("idempotency_key", "not_with_secrets")}
    assert count(app, ApiToken) == 0


def test_anything_but_a_live_api_token_resolves_to_nobody(app):
    session_token = sign_in(app)["token"]
    secret = create(app)["token"]
    assert "no such" in invalid(app, session_token)
    assert "no such" in invalid(app, "pdt_" + "x" * 43)
    assert "no such" in invalid(app, secret[:-1])
    with pytest.raises(NotFound):
        app.query("resolve_session", secret)


def test_allowed_actions_on_a_token(app):
    create(app)
    assert app.query("allowed_actions", "api_token", "owner-app", "admin") == ["revoke_api_token"]
    assert app.query("allowed_actions", "api_token", "owner-app", "front_desk") == []
    app.command("revoke_api_token", {"name": "owner-app"}, actor=ADMIN)
    assert app.query("allowed_actions", "api_token", "owner-app", "admin") == []
    with pytest.raises(NotFound):
        app.query("allowed_actions", "api_token", "no-such-app", "admin")
