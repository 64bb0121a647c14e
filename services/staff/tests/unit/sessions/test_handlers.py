"""Sessions' handlers on the fake unit of work: sign-in (public), its failures and the lock-out,
resolving a session (idle and absolute expiry, the sliding touch), sign-out, changing one's own
password; every attempt in the audit trail with the client's address, no token or password stored."""
from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from propdesk.errors import NotFound, ValidationError
from propdesk_services.staff.tests.unit.support import (ADMIN, CLI_ADMIN, CLIENT, NEW_PASSWORD, PASSWORD, account,
                                                        audit, count, everything_stored, new_staff, problems,
                                                        sign_in)
from propdesk_services.staff.workflows.accounts import domain as accounts
from propdesk_services.staff.workflows.accounts.models import StaffAccount
from propdesk_services.staff.workflows.sessions import domain
from propdesk_services.staff.workflows.sessions.models import SignInGuard, StaffSession

GENERIC = ("password", "sign_in_failed", domain.SIGN_IN_FAILED)


def refusal(app, username: str, password: str) -> tuple[str, str, str]:
    with pytest.raises(ValidationError) as e:
        sign_in(app, username, password)
    [p] = e.value.problems
    return p.field, p.rule, p.message


def expired(app, token: str) -> str:
    with pytest.raises(NotFound) as e:
        app.query("resolve_session", token)
    assert (e.value.field, e.value.rule) == ("token", "session_expired")
    return e.value.message


def stored_session(app, session_id: str) -> StaffSession:
    with app.session() as s:
        return s.get(StaffSession, session_id)


# --- sign_in ------------------------------------------------------------------------------------------
def test_sign_in_opens_a_session_and_answers_its_token_once(app):
    now = app.clock.now()
    signed = sign_in(app, " Front_Desk ")
    assert signed["staff"] == {"id": "front_desk", "username": "front_desk", "name": "王芳",
                               "department": "customer_service", "roles": ["front_desk"], "estates": ["E1"],
                               "must_change_password": False}
    assert signed["expires_at"] == (now + timedelta(minutes=30)).isoformat()
    assert signed["absolute_expires_at"] == (now + timedelta(hours=12)).isoformat()
    token = signed["token"]
    row = stored_session(app, signed["session_id"])
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert (row.address, row.user_agent) == (CLIENT["address"], CLIENT["user_agent"])
    assert token not in everything_stored(app) and PASSWORD not in everything_stored(app)
    resolved = app.query("resolve_session", token)
    assert resolved == {k: v for k, v in signed.items() if k != "token"}


def test_a_sign_in_is_audited_with_the_client_and_needs_no_actor(app):
    sign_in(app, "cashier")
    [row] = audit(app, "staff.signed_in")
    assert (row["actor_id"], row["actor_role"], row["object_type"], row["object_id"]) == (
        "anonymous", "anonymous", "staff", "cashier")
    assert row["details"]["address"] == "10.8.0.17" and row["details"]["user_agent"].startswith("Mozilla/5.0")
    assert row["details"]["session_id"] and "token" not in row["details"]


def test_a_long_user_agent_is_cut_for_the_audit_not_refused(app):
    signed = app.command("sign_in", {"username": "cashier", "password": PASSWORD, "address": " 2001:db8::1 ",
                                     "user_agent": "x" * 2000}, actor=None)
    row = stored_session(app, signed["session_id"])
    assert (row.address, len(row.user_agent)) == ("2001:db8::1", domain.MAX_USER_AGENT_LENGTH)


def test_every_failure_answers_the_same_and_is_audited_with_its_reason(app):
    app.command("disable_staff", {"username": "cashier"}, actor=ADMIN)
    assert refusal(app, "nobody", PASSWORD) == GENERIC
    assert refusal(app, "front_desk", "not-the-password") == GENERIC
    assert refusal(app, "cashier", PASSWORD) == GENERIC  # disabled, right password
    reasons = [(r["object_id"], r["details"]["reason"], r["details"]["address"])
               for r in audit(app, "staff.sign_in_failed")]
    assert reasons == [("nobody", "unknown_username", "10.8.0.17"), ("front_desk", "wrong_password", "10.8.0.17"),
                       ("cashier", "account_disabled", "10.8.0.17")]
    assert count(app, StaffSession) == 0
    assert "not-the-password" not in everything_stored(app)


def test_a_sign_in_shape_is_checked_first_and_then_nothing_is_kept(app):
    before = len(app.audit())
    with pytest.raises(ValidationError) as e:
        app.command("sign_in", {"username": "front_desk"}, actor=None)
    assert problems(e) == {("password", "required")}
    with pytest.raises(ValidationError) as e:
        app.command("sign_in", {"username": "", "password": PASSWORD, "remember_me": True}, actor=None)
    assert problems(e) == {("username", "length"), ("remember_me", "unknown_field")}
    assert len(app.audit()) == before


def test_sign_in_takes_no_idempotency_key(app):
    with pytest.raises(ValidationError) as e:
        app.command("sign_in", {"username": "cashier", "password": PASSWORD}, actor=None, idempotency_key="k-1")
    assert problems(e) == {("idempotency_key", "not_with_secrets")}
    assert count(app, StaffSession) == 0


def test_a_first_password_must_be_changed(app):
    app.command("add_staff", new_staff(), actor=CLI_ADMIN)
    assert sign_in(app, "wangfang", new_staff()["password"])["staff"]["must_change_password"] is True


def test_a_hash_with_old_parameters_is_rehashed_at_sign_in(app):
    with app.session() as s:
        s.get(StaffAccount, "cashier").password_hash = PasswordHasher(time_cost=1, memory_cost=8,
                                                                      parallelism=1).hash(PASSWORD)
        s.commit()
    sign_in(app, "cashier")
    rehashed = account(app, "cashier").password_hash
    assert rehashed.startswith("$argon2id$v=19$m=19456,t=2,p=1$") and accounts.verify_password(rehashed, PASSWORD)


# --- lock-out -----------------------------------------------------------------------------------------
def test_five_failures_in_15_minutes_lock_the_username_for_15_minutes(app):
    for _ in range(4):
        assert refusal(app, "front_desk", "guess-guess") == GENERIC
        app.clock.advance(minutes=3)
    field, rule, message = refusal(app, "front_desk", "guess-guess")  # the 5th, at minute 12
    until = app.clock.now() + timedelta(minutes=15)
    assert (field, rule) == ("username", "locked_out") and until.isoformat() in message
    [locked] = audit(app, "staff.locked_out")
    assert (locked["object_id"], locked["details"]["locked_until"]) == ("front_desk", until.isoformat())
    assert locked["details"]["address"] == "10.8.0.17"

    app.clock.advance(minutes=14, seconds=59)
    assert refusal(app, "front_desk", PASSWORD)[:2] == ("username", "locked_out")  # even the right one
    assert audit(app, "staff.sign_in_failed")[-1]["details"]["reason"] == "locked_out"
    app.clock.advance(seconds=1)  # the lock does not grow by trying
    assert sign_in(app, "front_desk")["staff"]["id"] == "front_desk"
    assert count(app, SignInGuard) == 0


def test_failures_spread_over_more_than_15_minutes_do_not_lock(app):
    for _ in range(8):
        assert refusal(app, "front_desk", "guess-guess") == GENERIC
        app.clock.advance(minutes=4)
    assert sign_in(app, "front_desk")["staff"]["id"] == "front_desk"


def test_a_success_starts_the_count_again(app):
    for _ in range(4):
        refusal(app, "front_desk", "guess-guess")
    sign_in(app, "front_desk")
    for _ in range(4):
        assert refusal(app, "front_desk", "guess-guess") == GENERIC
    assert sign_in(app, "front_desk")


def test_an_unknown_username_locks_alike_so_answers_tell_no_usernames_apart(app):
    answers = {name: [refusal(app, name, "guess-guess")[:2] for _ in range(6)] for name in ("front_desk", "ghost")}
    assert answers["front_desk"] == answers["ghost"] == [("password", "sign_in_failed")] * 4 + [
        ("username", "locked_out")] * 2
    assert refusal(app, "cashier", "guess-guess") == GENERIC  # another username is not locked


def test_old_lock_out_rows_go(app):
    for name in ("ghost1", "ghost2"):
        refusal(app, name, "guess-guess")
    app.clock.advance(minutes=16)
    refusal(app, "ghost3", "guess-guess")
    with app.session() as s:
        assert s.scalars(select(SignInGuard.username)).all() == ["ghost3"]


# --- resolve_session: expiry and the sliding touch ---------------------------------------------------
def test_29_minutes_idle_is_fine_31_is_expired(app):
    token = sign_in(app)["token"]
    app.clock.advance(minutes=29)
    assert app.query("resolve_session", token)["staff"]["id"] == "front_desk"
    app.clock.advance(minutes=29)  # 29 idle since that resolve
    assert app.query("resolve_session", token)["expires_at"] == (app.clock.now() + timedelta(minutes=30)).isoformat()
    app.clock.advance(minutes=31)
    assert "idle" in expired(app, token)


def test_an_unused_session_expires_at_minute_30(app):
    token = sign_in(app)["token"]
    app.clock.advance(minutes=31)
    expired(app, token)


def test_a_busy_session_still_ends_12_hours_after_sign_in(app):
    signed = sign_in(app)
    start = app.clock.now()
    while app.clock.now() < start + timedelta(hours=11, minutes=40):
        app.clock.advance(minutes=20)
        app.query("resolve_session", signed["token"])
    app.clock.set(start + timedelta(hours=11, minutes=59))
    assert app.query("resolve_session", signed["token"])["expires_at"] == signed["absolute_expires_at"]
    app.clock.set(start + timedelta(hours=12, minutes=1))
    assert "12 hours" in expired(app, signed["token"])


def test_resolving_writes_last_seen_only_after_a_minute(app):
    signed = sign_in(app)
    start = app.clock.now()
    app.clock.advance(seconds=50)
    app.query("resolve_session", signed["token"])
    assert stored_session(app, signed["session_id"]).last_seen_at.replace(tzinfo=start.tzinfo) == start
    app.clock.advance(seconds=20)  # 70 s after the last write
    app.query("resolve_session", signed["token"])
    assert stored_session(app, signed["session_id"]).last_seen_at.replace(tzinfo=start.tzinfo) == app.clock.now()


def test_an_unknown_token_resolves_to_nobody(app):
    assert "no such session" in expired(app, "not-a-token")
    sign_in(app)
    assert "no such session" in expired(app, "x" * 43)
    with pytest.raises(ValidationError) as e:
        app.query("resolve_session", "x" * 129)
    assert problems(e) == {("token", "length")}


# --- sign_out -----------------------------------------------------------------------------------------
def test_sign_out_really_ends_the_session(app):
    mine, other = sign_in(app), sign_in(app)
    out = app.command("sign_out", {"token": mine["token"], **CLIENT}, actor=None)
    assert out == {"signed_out": True, "session_id": mine["session_id"], "username": "front_desk"}
    assert "ended" in expired(app, mine["token"])
    assert app.query("resolve_session", other["token"])["session_id"] == other["session_id"]
    [row] = audit(app, "staff.signed_out")
    assert (row["object_id"], row["details"]["address"], row["details"]["session_id"]) == (
        "front_desk", "10.8.0.17", mine["session_id"])
    with pytest.raises(NotFound) as e:
        app.command("sign_out", {"token": mine["token"]}, actor=None)
    assert (e.value.field, e.value.rule) == ("token", "session_expired")
    with pytest.raises(NotFound):
        app.command("sign_out", {"token": "never-issued"}, actor=None)
    assert len(audit(app, "staff.signed_out")) == 1
    assert mine["token"] not in everything_stored(app)


# --- change_password ----------------------------------------------------------------------------------
def change(app, token: str, current: str = PASSWORD, new: str = NEW_PASSWORD) -> dict:
    return app.command("change_password", {"token": token, "current_password": current, "new_password": new,
                                           **CLIENT}, actor=None)


def test_changing_ones_password_clears_the_flag_and_ends_the_other_sessions(app):
    app.command("add_staff", new_staff(), actor=CLI_ADMIN)
    first = new_staff()["password"]
    mine, elsewhere = sign_in(app, "wangfang", first), sign_in(app, "wangfang", first)
    changed = change(app, mine["token"], first, "winter-is-coming-7")
    assert changed["staff"]["must_change_password"] is False
    assert app.query("resolve_session", mine["token"])["staff"]["must_change_password"] is False
    expired(app, elsewhere["token"])
    assert refusal(app, "wangfang", first) == GENERIC
    assert sign_in(app, "wangfang", "winter-is-coming-7")
    assert audit(app, "staff.password_changed")[-1]["details"]["other_sessions_ended"] == 1
    assert "winter-is-coming-7" not in everything_stored(app)


def test_a_wrong_current_password_is_audited_and_counts_toward_the_lock_out(app):
    token = sign_in(app, "cashier")["token"]
    for _ in range(4):
        with pytest.raises(ValidationError) as e:
            change(app, token, current="guess-guess")
        assert problems(e) == {("current_password", "wrong_password")}
    with pytest.raises(ValidationError) as e:
        change(app, token, current="guess-guess")
    assert problems(e) == {("username", "locked_out")}
    assert len(audit(app, "staff.password_change_failed")) == 5 and audit(app, "staff.locked_out")
    with pytest.raises(ValidationError) as e:
        change(app, token)  # locked: even the right one
    assert problems(e) == {("username", "locked_out")}
    assert accounts.verify_password(account(app, "cashier").password_hash, PASSWORD)


def test_the_new_password_follows_the_rules(app):
    token = sign_in(app, "cashier")["token"]
    for new, rule in (("short", "min_length"), ("CASHIER-cashier"[:7], "min_length"), (PASSWORD, "same_as_current")):
        with pytest.raises(ValidationError) as e:
            change(app, token, new=new)
        assert problems(e) == {("new_password", rule)}
    with pytest.raises(ValidationError) as e:
        change(app, sign_in(app, "counter_staff")["token"], new="counter_staff")
    assert problems(e) == {("new_password", "not_username")}


def test_a_password_change_needs_a_live_session_and_no_idempotency_key(app):
    token = sign_in(app, "cashier")["token"]
    with pytest.raises(ValidationError) as e:
        app.command("change_password", {"token": token, "current_password": PASSWORD, "new_password": NEW_PASSWORD},
                    actor=None, idempotency_key="change-1")
    assert problems(e) == {("idempotency_key", "not_with_secrets")}
    app.clock.advance(minutes=30)
    with pytest.raises(NotFound) as e:
        change(app, token)
    assert (e.value.field, e.value.rule) == ("token", "session_expired")
    assert accounts.verify_password(account(app, "cashier").password_hash, PASSWORD)


def test_a_session_of_a_disabled_account_resolves_to_nobody_even_if_left_open(app):
    token = sign_in(app, "cashier")["token"]
    with app.session() as s:  # disabled by a path that did not end its sessions (a restore, a script)
        s.get(StaffAccount, "cashier").active = False
        s.commit()
    assert "disabled" in expired(app, token)
