"""Sign-in sessions (登录会话) and the lock-out after repeated failures, pure (issue #8 §1).

A session is server-side: sign-in creates a random token (`new_token`, 256 bits) that the caller
gets ONCE; the service keeps only its SHA-256 (`token_digest`), so a copy of the database signs
nobody in. A session ends when it is signed out, when its account is disabled or its password
reset, or when it expires (`state`):

- **idle expiry** 30 minutes after it was last seen (inferred: a desk left open at lunch);
- **absolute expiry** 12 hours after sign-in, however active (inferred: one long shift).

Seeing a session (`resolve_session`) slides its idle expiry, but the service writes the new
"last seen" only when more than `TOUCH_AFTER` (1 minute) has passed since the last write
(`needs_touch`): one write a minute per session at most, however many requests the desk makes.
So the idle window after the latest request is between 29 and 30 minutes, never more than 30.

Lock-out (inferred from the issue's "lock-out or back-off"): after `MAX_FAILURES` (5) failed
sign-ins of one username within `FAILURE_WINDOW` (15 minutes) the username is locked for
`LOCK_OUT` (15 minutes); while locked, even the right password is refused, and such an attempt
neither counts nor extends the lock. The count is kept per *username*, whether or not an account
has it, so the answers never tell which usernames exist. A successful sign-in clears the count;
an admin's `reset_password` lifts a lock.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from propdesk.domain import as_utc

IDLE_TIMEOUT = timedelta(minutes=30)
ABSOLUTE_TIMEOUT = timedelta(hours=12)
TOUCH_AFTER = timedelta(minutes=1)

MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
LOCK_OUT = timedelta(minutes=15)

#: Longest address and user agent kept for the audit (an IPv6 address with zone fits in 64).
MAX_ADDRESS_LENGTH = 64
MAX_USER_AGENT_LENGTH = 300

#: What a failed sign-in answers, whether or not the username exists (and for a disabled account).
SIGN_IN_FAILED = "wrong username or password (用户名或密码错误)"

ACTIVE = "active"
SIGNED_OUT = "ended"
IDLE_EXPIRED = "idle_expired"
EXPIRED = "expired"


# --- tokens -------------------------------------------------------------------------------------------
def new_token() -> str:
    """A session token: 32 random bytes, URL-safe (43 characters)."""
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """What is stored of a token: its SHA-256, hex. A token has 256 bits of entropy, so a plain
    hash suffices (unlike a password, nothing guessable is behind it)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# --- a session's life -------------------------------------------------------------------------------
def absolute_expiry(created_at: datetime) -> datetime:
    return as_utc(created_at) + ABSOLUTE_TIMEOUT


def expires_at(created_at: datetime, last_seen_at: datetime) -> datetime:
    """When the session ends unless seen again: the idle expiry, capped by the absolute one."""
    return min(as_utc(last_seen_at) + IDLE_TIMEOUT, absolute_expiry(created_at))


def state(created_at: datetime, last_seen_at: datetime, ended_at: datetime | None, now: datetime) -> str:
    """ACTIVE, or why the session is over: SIGNED_OUT (ended: signed out, account disabled,
    password reset), EXPIRED (12 hours after sign-in), IDLE_EXPIRED (30 minutes unseen).
    A session is over AT its expiry time (30:00 idle is expired, 29:59 is not)."""
    if ended_at is not None:
        return SIGNED_OUT
    now = as_utc(now)
    if now >= absolute_expiry(created_at):
        return EXPIRED
    if now >= as_utc(last_seen_at) + IDLE_TIMEOUT:
        return IDLE_EXPIRED
    return ACTIVE


#: How long a session that is over (ended or expired) stays on record before the purge removes it
#: (the audit trail keeps every sign-in and sign-out for good). (inferred: issue #8 names no period)
RETENTION = timedelta(days=30)


def purgeable(created_at: datetime, last_seen_at: datetime, ended_at: datetime | None, now: datetime) -> bool:
    """Whether a session row may go: it has been over for longer than `RETENTION` (ended, or past
    its expiry, that long ago)."""
    over_since = as_utc(ended_at) if ended_at is not None else expires_at(created_at, last_seen_at)
    return as_utc(now) - over_since > RETENTION


def needs_touch(last_seen_at: datetime, now: datetime) -> bool:
    """Whether seeing the session now should write its "last seen" (more than a minute since)."""
    return as_utc(now) - as_utc(last_seen_at) > TOUCH_AFTER


WHY_OVER = {
    SIGNED_OUT: "the session was ended (signed out, account disabled or password reset)",
    EXPIRED: f"the session is older than {ABSOLUTE_TIMEOUT.total_seconds() / 3600:g} hours: sign in again",
    IDLE_EXPIRED: f"the session was idle for {IDLE_TIMEOUT.total_seconds() / 60:g} minutes: sign in again",
}


# --- lock-out -----------------------------------------------------------------------------------------
@dataclass
class Guard:
    """Failed sign-ins of one username: their times within the window, and the lock if any.
    (The stored `models.SignInGuard` has the same attributes; `failures` is re-assigned, never
    mutated in place.)"""

    username: str
    failures: list[str] = field(default_factory=list)  # ISO times, oldest first
    locked_until: datetime | None = None


def locked_until(guard: Guard | None, now: datetime) -> datetime | None:
    """The end of the username's lock-out if it is locked now, else None."""
    if guard is None or guard.locked_until is None:
        return None
    until = as_utc(guard.locked_until)
    return until if as_utc(now) < until else None


def recent_failures(guard: Guard, now: datetime) -> list[str]:
    cutoff = as_utc(now) - FAILURE_WINDOW
    return [t for t in guard.failures or [] if datetime.fromisoformat(t) > cutoff]


def record_failure(guard: Guard, now: datetime) -> datetime | None:
    """Count a failed sign-in at `now`. Returns the end of the lock-out when this failure is the
    `MAX_FAILURES`-th within `FAILURE_WINDOW` (the count then starts again), else None.
    Call only when the username is not locked (`locked_until` is None)."""
    now = as_utc(now)
    failures = recent_failures(guard, now) + [now.isoformat()]
    if len(failures) >= MAX_FAILURES:
        guard.failures = []
        guard.locked_until = now + LOCK_OUT
        return guard.locked_until
    guard.failures = failures
    guard.locked_until = None
    return None


def stale(guard: Guard, now: datetime) -> bool:
    """Nothing left to remember: not locked and no failure within the window (the row may go)."""
    return locked_until(guard, now) is None and not recent_failures(guard, now)


def locked_message(until: datetime) -> str:
    return (f"too many failed sign-ins: this username is locked until {as_utc(until).isoformat()} "
            "(登录失败次数过多，已暂时锁定)")
