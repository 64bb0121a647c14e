"""Sessions' handlers (登录/退出): sign in, sign out, change one's own password, and resolve a
session token to the staff member behind it (what the gateway asks on every request).

`sign_in`, `sign_out` and `change_password` are PUBLIC commands (`Command(public=True)`): nobody is
signed in yet, or the session token itself is the proof, so they have no policy row and the unit
of work acts as ``anonymous``; the audit rows name the account as their object
(``staff:<username>``) with the client's address and user agent. None of them takes an
idempotency key (`Command(keyless=True)`).

A refused sign-in is a fact to keep: its audit row and the username's failure count must outlive
the refusal, so `_keep_and_refuse` commits the unit of work and then raises (the only handlers that
commit themselves; the chassis' rollback-on-raise would otherwise erase the attempt). For the same
reason a refused sign-in is the one rejection of this service that writes rows.

Audit actions: ``staff.signed_in``, ``staff.sign_in_failed`` (details.reason: unknown_username,
wrong_password, account_disabled, locked_out), ``staff.locked_out``, ``staff.signed_out``,
``staff.password_changed``, ``staff.password_change_failed``.

`resolve_session` is a query that also slides the idle expiry: it writes the session's "last seen"
when more than a minute has passed since the last write (`domain.needs_touch`), on the reader's
session, committed there. One RPC per desk request, at most one small write a minute per session;
a separate `touch_session` command would double the RPCs and audit every touch.
"""
from __future__ import annotations

from sqlalchemy import delete, select, update

from propdesk.contracts.envelope import new_id
from propdesk.errors import NotFound, ValidationError
from propdesk_services.staff.workflows.accounts import domain as accounts
from propdesk_services.staff.workflows.accounts.models import StaffAccount
from propdesk_services.staff.workflows.accounts.views import identity
from propdesk_services.staff.workflows.sessions import domain
from propdesk_services.staff.workflows.sessions.models import SignInGuard, StaffSession
from propdesk_services.staff.workflows.sessions.schemas import SessionSchema, SignInResultSchema

_SESSION = SessionSchema()
_SIGNED_IN = SignInResultSchema()

#: The rule of every "this token signs nobody in" answer (unknown, ended, expired, account disabled).
SESSION_EXPIRED = "session_expired"


# --- helpers shared with the accounts workflow --------------------------------------------------------
def end_sessions(session, username: str, reason: str, at, keep: str | None = None) -> int:
    """End every open session of `username` (except `keep`); the number that were still active."""
    stmt = select(StaffSession).where(StaffSession.username == username, StaffSession.ended_at.is_(None))
    active = 0
    for row in session.scalars(stmt):
        if row.session_id == keep:
            continue
        active += domain.state(row.created_at, row.last_seen_at, None, at) == domain.ACTIVE
        row.ended_at, row.end_reason = at, reason
    return active


def clear_lock_out(session, username: str, now=None) -> bool:
    """Forget the username's failed sign-ins; whether it was locked."""
    guard = session.get(SignInGuard, username)
    if guard is None:
        return False
    was_locked = guard.locked_until is not None and (now is None or domain.locked_until(guard, now) is not None)
    session.delete(guard)
    return was_locked


# --- reading ------------------------------------------------------------------------------------------
def _client(data: dict) -> dict:
    address, agent = data.get("address"), data.get("user_agent")
    return {"address": address.strip()[:domain.MAX_ADDRESS_LENGTH] if address else None,
            "user_agent": agent.strip()[:domain.MAX_USER_AGENT_LENGTH] if agent else None}


def _by_token(session, token: str, *, lock: bool = False) -> StaffSession | None:
    stmt = select(StaffSession).where(StaffSession.token_hash == domain.token_digest(token))
    if lock:
        stmt = stmt.with_for_update()
    return session.scalars(stmt).first()


def _expired(message: str) -> NotFound:
    return NotFound(message, field="token", rule=SESSION_EXPIRED)


def _live(session, token: str, now, *, lock: bool = False) -> tuple[StaffSession, StaffAccount]:
    """The active session of `token` and its (active) account; NotFound (token, session_expired)."""
    row = _by_token(session, token, lock=lock)
    if row is None:
        raise _expired("no such session: sign in")
    over = domain.state(row.created_at, row.last_seen_at, row.ended_at, now)
    if over != domain.ACTIVE:
        raise _expired(domain.WHY_OVER[over])
    account = session.get(StaffAccount, row.username)
    if account is None or not account.active:
        raise _expired("the account is disabled")
    return row, account


def _session_view(row: StaffSession, account: StaffAccount, **more) -> dict:
    return {"session_id": row.session_id, "staff": identity(account),
            "expires_at": domain.expires_at(row.created_at, row.last_seen_at),
            "absolute_expires_at": domain.absolute_expiry(row.created_at), **more}


def resolve_session(args: dict, reader) -> dict:
    """The staff member a session token signs in, with their roles and estates as they are now,
    and when the session expires; sliding: seeing it extends its idle expiry (written at most once
    a minute, see the module doc). NotFound (token, session_expired) for an unknown token, a
    session signed out, idle for 30 minutes or older than 12 hours, or a disabled account."""
    now = reader.now()
    row, account = _live(reader.session, args["token"], now)
    if domain.needs_touch(row.last_seen_at, now):
        reader.session.execute(update(StaffSession)
                               .where(StaffSession.session_id == row.session_id, StaffSession.ended_at.is_(None))
                               .values(last_seen_at=now))
        row.last_seen_at = now  # committed by the chassis (a writing query: messages.QUERIES)
    return _SESSION.dump(_session_view(row, account))


# --- commands -----------------------------------------------------------------------------------------
def _keep_and_refuse(uow, error: Exception):
    """Keep what the unit of work holds (the attempt's audit rows and failure count), then refuse."""
    uow.commit_and_refuse(error)


def _count_failure(uow, guard: SignInGuard | None, username: str, now):
    """Count a failure of `username` (creating its guard row); the end of a lock-out it starts."""
    s = uow.session
    if guard is None:
        guard = SignInGuard(username=username, failures=[], locked_until=None, updated_at=now)
        s.add(guard)
    locked = domain.record_failure(guard, now)
    guard.updated_at = now
    # rows with nothing left to remember go (a failure window or a lock ends LOCK_OUT after the update)
    cutoff = now - max(domain.FAILURE_WINDOW, domain.LOCK_OUT)
    s.execute(delete(SignInGuard).where(SignInGuard.updated_at < cutoff, SignInGuard.username != username)
              .execution_options(synchronize_session=False))  # none of those rows is loaded here
    return guard, locked


def _estate_of(account: StaffAccount | None) -> str | None:
    """The estate a sign-in's audit rows belong to: the account's, when it works for exactly one
    (the rows of someone working for several are read by those who work for every estate)."""
    return account.estates[0] if account is not None and len(account.estates) == 1 else None


def sign_in(cmd, uow) -> dict:
    """Sign in with username and password (登录): a new server-side session. Answers the session's
    token (ONCE: only its SHA-256 is kept), the staff member (id, name, roles, estates,
    must_change_password) and when the session expires (30 minutes idle, 12 hours at most).

    Refused, with the attempt audited and counted: ValidationError (password, sign_in_failed) with
    the same message whether the username exists, the password is wrong or the account is disabled;
    (username, locked_out) naming until when, at the 5th failure within 15 minutes and for 15
    minutes after it. Public: no actor, no policy row; takes no idempotency key."""
    s, now = uow.session, uow.now()
    username = accounts.normal_username(cmd.data["username"])[:64]
    client = _client(cmd.data)
    guard = s.get(SignInGuard, username, with_for_update=True)
    until = domain.locked_until(guard, now)
    if until is not None:
        uow.audit("staff.sign_in_failed", "staff", username,
                  {**client, "reason": "locked_out", "locked_until": until.isoformat()})
        _keep_and_refuse(uow, ValidationError.one("username", "locked_out", domain.locked_message(until)))

    account = s.get(StaffAccount, username)
    uow.estate = _estate_of(account)
    verified = accounts.verify_password(account.password_hash if account else None, cmd.data["password"])
    if not (verified and account.active):
        reason = ("unknown_username" if account is None else
                  "account_disabled" if not account.active else "wrong_password")
        guard, locked = _count_failure(uow, guard, username, now)
        uow.audit("staff.sign_in_failed", "staff", username,
                  {**client, "reason": reason, "recent_failures": len(guard.failures) or domain.MAX_FAILURES})
        if locked is None:
            _keep_and_refuse(uow, ValidationError.one("password", "sign_in_failed", domain.SIGN_IN_FAILED))
        uow.audit("staff.locked_out", "staff", username, {**client, "locked_until": locked.isoformat()})
        _keep_and_refuse(uow, ValidationError.one("username", "locked_out", domain.locked_message(locked)))

    if guard is not None:
        s.delete(guard)
    if accounts.needs_rehash(account.password_hash):
        account.password_hash = accounts.hash_password(cmd.data["password"])
    token = domain.new_token()
    row = StaffSession(session_id=new_id(), token_hash=domain.token_digest(token), username=account.username,
                       created_at=now, last_seen_at=now, ended_at=None, end_reason=None, **client)
    s.add(row)
    uow.audit("staff.signed_in", "staff", account.username,
              {**client, "session_id": row.session_id, "must_change_password": account.must_change_password})
    return _SIGNED_IN.dump(_session_view(row, account, token=token))


def sign_out(cmd, uow) -> dict:
    """Sign out (退出登录): the session ends now, and a later `resolve_session` of its token fails.
    NotFound (token, session_expired) for a token of no session or of one already ended.
    Public: the token is the proof; takes no idempotency key."""
    now = uow.now()
    row = _by_token(uow.session, cmd.data["token"], lock=True)
    if row is None or row.ended_at is not None:
        raise _expired("no such session, or it has ended already")
    was = domain.state(row.created_at, row.last_seen_at, None, now)
    uow.estate = _estate_of(uow.session.get(StaffAccount, row.username))
    row.ended_at, row.end_reason = now, "signed_out"
    uow.audit("staff.signed_out", "staff", row.username,
              {**_client(cmd.data), "session_id": row.session_id, "was": was})
    return {"signed_out": True, "session_id": row.session_id, "username": row.username}


def change_password(cmd, uow) -> dict:
    """Change one's own password (修改密码), proven by the session token and the current password:
    clears must_change_password and ends the account's other sessions (this one stays).

    NotFound (token, session_expired) as `resolve_session`. A wrong current password is audited and
    counts toward the username's lock-out like a failed sign-in: ValidationError
    (current_password, wrong_password), or (username, locked_out). The new password follows the
    account rules (new_password: min_length, length, not_username) and differs from the current
    one (new_password, same_as_current). Public; takes no idempotency key."""
    s, now, d = uow.session, uow.now(), cmd.data
    row, account = _live(s, d["token"], now, lock=True)
    client = {**_client(d), "session_id": row.session_id}
    guard = s.get(SignInGuard, account.username, with_for_update=True)
    until = domain.locked_until(guard, now)
    if until is not None:
        raise ValidationError.one("username", "locked_out", domain.locked_message(until))
    if not accounts.verify_password(account.password_hash, d["current_password"]):
        guard, locked = _count_failure(uow, guard, account.username, now)
        uow.audit("staff.password_change_failed", "staff", account.username,
                  {**client, "reason": "wrong_current_password"})
        if locked is None:
            _keep_and_refuse(uow, ValidationError.one("current_password", "wrong_password",
                                                      "the current password is not right"))
        uow.audit("staff.locked_out", "staff", account.username, {**client, "locked_until": locked.isoformat()})
        _keep_and_refuse(uow, ValidationError.one("username", "locked_out", domain.locked_message(locked)))
    new = accounts.check_password(d["new_password"], account.username, field="new_password")
    if accounts.verify_password(account.password_hash, new):
        raise ValidationError.one("new_password", "same_as_current", "choose a password other than the current one")
    account.password_hash = accounts.hash_password(new)
    account.must_change_password = False
    account.password_changed_at = account.updated_at = now
    ended = end_sessions(s, account.username, "password_changed", now, keep=row.session_id)
    clear_lock_out(s, account.username)
    row.last_seen_at = now
    uow.audit("staff.password_changed", "staff", account.username, {**client, "other_sessions_ended": ended})
    return _SESSION.dump(_session_view(row, account))


# --- the purge (timer) ----------------------------------------------------------------------------------
def purge_sessions(db) -> int:
    """Remove the sessions that have been over for longer than `domain.RETENTION`, and the
    lock-out rows with nothing left to remember (`domain.stale`): the tables hold what is live,
    the audit trail what happened. One unit of work per batch of 500; returns how many sessions went.

    A candidate is re-checked inside the unit of work that deletes it, so a session seen meanwhile
    (impossible once over, but cheap to be sure of) stays. Several staff processes may purge at
    once: each counts and audits only the rows its own DELETE removed (its rowcount), so a batch
    another process purged first is neither counted nor audited twice."""
    now = db.clock.now()
    cutoff = now - domain.RETENTION
    removed = 0
    while True:
        with db() as uow:
            rows = uow.session.scalars(
                select(StaffSession).where((StaffSession.ended_at < cutoff) |
                                           (StaffSession.last_seen_at < cutoff))
                .order_by(StaffSession.created_at).limit(500)).all()
            gone = [r.session_id for r in rows
                    if domain.purgeable(r.created_at, r.last_seen_at, r.ended_at, now)]
            deleted = 0
            if gone:
                deleted = uow.session.execute(
                    delete(StaffSession).where(StaffSession.session_id.in_(gone))
                    .execution_options(synchronize_session=False)).rowcount
            if deleted:
                uow.audit("staff.sessions_purged", "staff_session", "purge",
                          {"sessions": deleted, "older_than_days": domain.RETENTION.days})
            stale = [g.username for g in uow.session.scalars(
                select(SignInGuard).where(SignInGuard.updated_at < now - domain.FAILURE_WINDOW)).all()
                if domain.stale(g, now)]
            if stale:
                uow.session.execute(delete(SignInGuard).where(SignInGuard.username.in_(stale)))
            uow.commit()
        removed += deleted
        if len(rows) < 500 or not gone:
            return removed
