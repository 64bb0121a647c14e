"""The move-out board on the in-memory harness (no broker): each case counted once in its state,
forward only, the vocabulary's states listed, withdrawn and archived cases, state changes audited."""
from __future__ import annotations

import json

import pytest

from propdesk.chassis.clock import FakeClock
from propdesk.contracts.vocab import MOVE_OUT_STATES
from propdesk.domain import as_utc
from propdesk.testing.fake import ServiceHarness
from propdesk_services.reports.service import ReportsService
from propdesk_services.reports.tests.unit.support import (
    approved, clearance, completed, deliver, inspected, released, requested, slip_issued, withdrawn,
)
from propdesk_services.reports.workflows.move_out_board import domain as d
from propdesk_services.reports.workflows.move_out_board.models import MoveOutProjection

A, B, C = "MO-20261122-0001", "MO-20261122-0002", "MO-20261122-0003"


@pytest.fixture
def app() -> ServiceHarness:
    return ServiceHarness(ReportsService, clock=FakeClock())


def counts(app) -> dict:
    return app.query("move_out_counts")


def changes(app, move_out_id: str) -> list[tuple[str | None, str]]:
    return [(d_["from"], d_["to"]) for d_ in
            (json.loads(a.details) for a in app.audit("move_out.state") if a.object_id == move_out_id)]


def card(app, move_out_id: str) -> MoveOutProjection:
    with app.session() as s:
        return s.get(MoveOutProjection, move_out_id)


def test_move_out_counts_by_state(app):
    deliver(app, requested(app, A))
    deliver(app, inspected(app, A, passed=False))
    deliver(app, requested(app, B))
    deliver(app, slip_issued(app, C))  # overtook its request: the state does not go back
    deliver(app, requested(app, C))

    assert counts(app) == {"total": 3, "by_state": {
        **{state: 0 for state in MOVE_OUT_STATES.codes},
        d.APPLICATION_ACCEPTED: 1, d.DEFECTS_FOUND: 1, d.RELEASE_APPROVED: 1}}
    assert list(counts(app)["by_state"]) == list(MOVE_OUT_STATES.codes)  # the vocabulary, in its order
    assert changes(app, A) == [(None, d.APPLICATION_ACCEPTED), (d.APPLICATION_ACCEPTED, d.DEFECTS_FOUND)]
    assert changes(app, C) == [(None, d.RELEASE_APPROVED)]
    assert card(app, C).release_slip_no == "FX-20261122-0001"
    assert {a.correlation_id for a in app.audit("move_out.state") if a.object_id == A} == {A}


def test_a_move_out_through_the_whole_saga(app):
    for event in (requested(app, A), clearance(app, A, cleared=False), inspected(app, A, passed=True),
                  clearance(app, A, cleared=True), approved(app, A), slip_issued(app, A), released(app, A),
                  completed(app, A)):
        app.clock.advance(minutes=1)
        deliver(app, event)
    assert changes(app, A) == [(None, d.APPLICATION_ACCEPTED), (d.APPLICATION_ACCEPTED, d.FEES_CHECKED),
                               (d.FEES_CHECKED, d.RELEASE_APPROVED), (d.RELEASE_APPROVED, d.GOODS_RELEASED),
                               (d.GOODS_RELEASED, d.ARCHIVED)]
    done = card(app, A)
    assert (done.state, done.release_slip_no, done.fees_checked, done.unit_id) == (
        d.ARCHIVED, "FX-20261122-0001", True, "1-1-303")
    assert as_utc(done.updated_at) == app.clock.now()  # the service's clock, when the last change came
    assert counts(app)["by_state"][d.ARCHIVED] == 1


def test_a_withdrawn_move_out_is_closed(app):
    deliver(app, requested(app, A))
    deliver(app, withdrawn(app, A))
    deliver(app, inspected(app, A, passed=True))  # engineering finished an inspection it had started
    assert card(app, A).state == d.WITHDRAWN
    assert changes(app, A) == [(None, d.APPLICATION_ACCEPTED), (d.APPLICATION_ACCEPTED, d.WITHDRAWN)]
    assert counts(app)["by_state"][d.WITHDRAWN] == 1 and counts(app)["total"] == 1


def test_a_fee_check_is_noted_without_a_state_change_until_the_inspection_passes(app):
    deliver(app, requested(app, A))
    deliver(app, clearance(app, A, cleared=False))
    noted = card(app, A)
    assert (noted.state, noted.fees_checked) == (d.APPLICATION_ACCEPTED, True)
    assert changes(app, A) == [(None, d.APPLICATION_ACCEPTED)]  # only state changes are audited
    deliver(app, inspected(app, A, passed=True))
    assert card(app, A).state == d.FEES_CHECKED


def test_a_fee_check_not_about_a_move_out_is_not_on_the_board(app):
    deliver(app, app.event("billing.clearance_confirmed", {
        "unit_id": "1-1-303", "party_id": None, "move_out_id": None, "outstanding_amount": "0.00",
        "as_of": "2026-11-22T09:00:00+00:00"}))
    assert counts(app)["total"] == 0
