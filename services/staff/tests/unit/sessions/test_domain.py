"""Sessions and the lock-out, pure: tokens, a session's life (idle and absolute expiry, the
once-a-minute touch) and the failure count of a username."""
from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta, timezone

import pytest

from propdesk_services.staff.workflows.sessions import domain as d

T0 = datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)


def at(**delta) -> datetime:
    return T0 + timedelta(**delta)


def test_a_token_is_256_random_bits_and_only_its_sha256_is_kept():
    tokens = {d.new_token() for _ in range(50)}
    assert len(tokens) == 50
    assert all(re.fullmatch(r"[A-Za-z0-9_\-]{43}", t) for t in tokens)
    token = tokens.pop()
    assert d.token_digest(token) == hashlib.sha256(token.encode()).hexdigest() != token


@pytest.mark.parametrize("idle, state", [(timedelta(minutes=29), d.ACTIVE),
                                         (timedelta(minutes=29, seconds=59), d.ACTIVE),
                                         (timedelta(minutes=30), d.IDLE_EXPIRED),
                                         (timedelta(minutes=31), d.IDLE_EXPIRED)])
def test_idle_expiry_is_30_minutes(idle, state):
    assert d.state(T0, T0, None, T0 + idle) == state


@pytest.mark.parametrize("age, state", [(timedelta(hours=11, minutes=59), d.ACTIVE),
                                        (timedelta(hours=12), d.EXPIRED),
                                        (timedelta(hours=12, minutes=1), d.EXPIRED)])
def test_absolute_expiry_is_12_hours_however_active(age, state):
    seen = T0 + age - timedelta(minutes=1)
    assert d.state(T0, seen, None, T0 + age) == state


def test_an_ended_session_is_over_whatever_the_time():
    assert d.state(T0, T0, at(minutes=1), at(minutes=2)) == d.SIGNED_OUT


def test_expires_at_is_the_idle_expiry_capped_by_the_absolute_one():
    assert d.expires_at(T0, at(hours=1)) == at(hours=1, minutes=30)
    assert d.expires_at(T0, at(hours=11, minutes=45)) == at(hours=12)
    assert d.absolute_expiry(T0.replace(tzinfo=None)) == at(hours=12)  # as SQLite gives it back


def test_seeing_a_session_writes_at_most_once_a_minute():
    assert not d.needs_touch(T0, at(seconds=30))
    assert not d.needs_touch(T0, at(minutes=1))
    assert d.needs_touch(T0, at(minutes=1, seconds=1))


# --- lock-out -----------------------------------------------------------------------------------------
def fail(guard: d.Guard, *minutes: float) -> list:
    return [d.record_failure(guard, at(minutes=m)) for m in minutes]


def test_the_fifth_failure_within_15_minutes_locks_for_15_minutes():
    guard = d.Guard("front_desk")
    assert fail(guard, 0, 1, 2, 3) == [None] * 4
    assert d.locked_until(guard, at(minutes=3)) is None
    assert d.record_failure(guard, at(minutes=14)) == at(minutes=29)
    assert d.locked_until(guard, at(minutes=28, seconds=59)) == at(minutes=29)
    assert d.locked_until(guard, at(minutes=29)) is None
    assert guard.failures == []  # the count starts again after the lock


def test_failures_older_than_15_minutes_do_not_count():
    guard = d.Guard("front_desk")
    assert fail(guard, 0, 1, 2, 3, 15.5) == [None] * 5  # the first one has left the window
    assert len(guard.failures) == 4
    assert d.record_failure(guard, at(minutes=15.75)) == at(minutes=30.75)  # 1, 2, 3, 15.5 and this one


def test_a_guard_with_nothing_to_remember_is_stale():
    guard = d.Guard("front_desk")
    fail(guard, 0)
    assert not d.stale(guard, at(minutes=14))
    assert d.stale(guard, at(minutes=15, seconds=1))
    fail(guard, 20, 21, 22, 23, 24)
    assert not d.stale(guard, at(minutes=38)) and d.stale(guard, at(minutes=39))
    assert d.locked_until(None, T0) is None


def test_the_lock_out_message_says_until_when():
    assert "2026-11-23T02:15:00+00:00" in d.locked_message(at(minutes=15))
