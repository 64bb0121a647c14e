"""Two access processes (`propdesk run --scale access=2`) run `expire_passes` at the same time
(issue #12 §2): the other one expires the pass between this one's read and its claim; the claim
(`UPDATE ... WHERE state = 'issued'`) finds it gone, so ``pass.expired`` is announced once."""
from __future__ import annotations

from propdesk_services.access.tests.unit.passes.test_handlers import DESK, app, worker  # noqa: F401  (app: fixture)
from propdesk_services.access.workflows.passes import domain


def test_a_pass_both_processes_find_due_expires_once(app, monkeypatch):  # noqa: F811
    p = app.command("issue_construction_pass", worker(), actor=DESK)
    app.clock.advance(days=4)
    due_to_expire, other = domain.due_to_expire, []

    def meanwhile(row, now):  # the other process runs its sweep while this one decides
        if not other:
            other.append(None)
            other.append(app.tick("expire_passes"))
        return due_to_expire(row, now)

    monkeypatch.setattr(domain, "due_to_expire", meanwhile)
    assert app.tick("expire_passes") == 0
    assert other == [None, 1]
    assert app.query("get_pass", p["pass_no"])["state"] == "expired"
    assert len(app.events("pass.expired")) == 1 and len(app.audit("pass.expire")) == 1
    app.clock.advance(days=1)
    assert app.tick("expire_passes") == 0
