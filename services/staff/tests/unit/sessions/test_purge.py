"""The purge timer: sessions over for more than 30 days go (the audit trail keeps the sign-ins),
live and recently ended ones stay; lock-out rows with nothing left to remember go too."""
from __future__ import annotations

from datetime import timedelta

from propdesk_services.staff.tests.unit.support import audit, count, sign_in
from propdesk_services.staff.workflows.sessions import domain
from propdesk_services.staff.workflows.sessions.models import SignInGuard, StaffSession


def test_sessions_over_for_30_days_go_and_the_rest_stay(app):
    old = sign_in(app)["token"]
    app.command("sign_out", {"token": old}, actor=None)
    app.clock.advance(days=30, minutes=-1)
    assert app.tick("purge_sessions") == 0  # ended 29 days 23:59 ago: kept
    fresh = sign_in(app, "cashier")["token"]
    app.clock.advance(minutes=2)
    assert app.tick("purge_sessions") == 1
    assert count(app, StaffSession) == 1
    assert app.query("resolve_session", fresh)["staff"]["id"] == "cashier"
    [row] = audit(app, "staff.sessions_purged")
    assert row["details"] == {"sessions": 1, "older_than_days": 30}


def test_an_expired_session_goes_30_days_after_its_expiry(app):
    sign_in(app)
    app.clock.advance(minutes=30)  # idle-expired now
    app.clock.advance(days=30, minutes=-1)
    assert app.tick("purge_sessions") == 0
    app.clock.advance(minutes=2)
    assert app.tick("purge_sessions") == 1 and count(app, StaffSession) == 0


def test_stale_lock_out_rows_go_and_a_live_lock_stays(app):
    from propdesk_services.staff.tests.unit.support import PASSWORD
    for _ in range(domain.MAX_FAILURES):
        try:
            sign_in(app, "front_desk", "wrong-" + PASSWORD)
        except Exception:
            pass
    app.tick("purge_sessions")
    assert count(app, SignInGuard) == 1  # locked: kept
    app.clock.advance(minutes=domain.LOCK_OUT.seconds // 60 + domain.FAILURE_WINDOW.seconds // 60 + 1)
    app.tick("purge_sessions")
    assert count(app, SignInGuard) == 0


def test_nothing_to_purge_writes_nothing(app):
    app.tick("purge_sessions")
    assert audit(app, "staff.sessions_purged") == []
    assert timedelta(days=30) == domain.RETENTION


def test_two_processes_purging_at_once_count_and_audit_each_session_once(app, monkeypatch):
    """Another staff process purges the same batch between this one's read and its delete
    (`propdesk run --scale staff=2`): only the rows each DELETE removed are counted and audited."""
    for role in ("front_desk", "cashier"):
        app.command("sign_out", {"token": sign_in(app, role)["token"]}, actor=None)
    app.clock.advance(days=31)
    purgeable, other = domain.purgeable, []

    def meanwhile(*args):  # the other process runs its purge while this one decides
        if not other:
            other.append(None)
            other.append(app.tick("purge_sessions"))
        return purgeable(*args)

    monkeypatch.setattr(domain, "purgeable", meanwhile)
    assert app.tick("purge_sessions") == 0
    assert other == [None, 2]
    assert count(app, StaffSession) == 0
    [row] = audit(app, "staff.sessions_purged")
    assert row["details"] == {"sessions": 2, "older_than_days": 30}
