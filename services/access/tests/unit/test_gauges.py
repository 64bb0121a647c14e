"""access' domain gauges (issue #11 §5) on the demo, read as a scrape reads them (`app.gauges()`):
every release slip counted once by variant, state and estate; keys on loan and overdue; passes valid
now; found items held at the desk by age band, moving as the clock moves."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from propdesk.chassis.clock import FakeClock
from propdesk.domain import as_utc
from propdesk.testing.fake import ServiceHarness
from propdesk_services.access import gauges, messages
from propdesk_services.access.service import AccessService
from propdesk_services.access.workflows.keys.models import KeyLoan
from propdesk_services.access.workflows.lost_property.models import LostItem
from propdesk_services.access.workflows.passes.models import AccessPass
from propdesk_services.access.workflows.release_slip.models import ReleaseSlip

NAMES = {"propdesk_access_release_slips", "propdesk_access_keys_on_loan", "propdesk_access_key_loans_overdue",
         "propdesk_access_passes_active", "propdesk_access_lost_items_held"}


@pytest.fixture(scope="module")
def app() -> ServiceHarness:
    """The demo is anchored on today: the clock starts now (each test moves a copy of it forward)."""
    return ServiceHarness(AccessService, clock=FakeClock(datetime.now(timezone.utc)), demo=True)


@pytest.fixture
def clock(app):
    start = app.clock.now()
    yield app.clock
    app.clock._now = start  # the module's harness back at its start


def test_the_gauges_are_declared_with_their_labels():
    assert set(messages.GAUGES) == NAMES
    assert messages.GAUGES["propdesk_access_release_slips"].labels == ("variant", "state", "estate")
    assert messages.GAUGES["propdesk_access_lost_items_held"].labels == ("age", "estate")


def test_every_release_slip_is_counted_once_by_variant_state_and_estate(app):
    counted = app.gauges()["propdesk_access_release_slips"]
    with app.session() as s:
        slips = s.query(ReleaseSlip).all()
    assert len(slips) >= 10 and sum(counted.values()) == len(slips)
    for slip in slips:
        assert counted[(slip.variant, slip.state, slip.estate or "")] >= 1
    states = {state for (_, state, _) in counted}
    assert {"ISSUED", "RELEASED", "REFUSED"} <= states  # the demo's month has each


def test_keys_on_loan_and_overdue_follow_the_clock(app, clock):
    with app.session() as s:
        open_loans = s.query(KeyLoan).filter(KeyLoan.returned_at.is_(None)).all()
    assert open_loans, "the demo has keys out"
    before = app.gauges()
    assert sum(before["propdesk_access_keys_on_loan"].values()) == len(open_loans)
    late = [loan for loan in open_loans if as_utc(loan.expected_back_at) < clock.now()]
    assert sum(before["propdesk_access_key_loans_overdue"].values()) == len(late)
    clock.advance(days=60)  # past every expected return: all of them overdue, still on loan
    after = app.gauges()
    assert after["propdesk_access_key_loans_overdue"] == after["propdesk_access_keys_on_loan"] == \
        before["propdesk_access_keys_on_loan"]


def test_passes_active_are_the_issued_ones_not_past_their_last_day(app, clock):
    with app.session() as s:
        passes = s.query(AccessPass).all()
    valid = [p for p in passes if p.state == "issued" and as_utc(p.expires_at) > clock.now()]
    counted = app.gauges()["propdesk_access_passes_active"]
    assert valid and sum(counted.values()) == len(valid)
    assert {kind for kind, _ in counted} == {"construction", "resident"}
    last = max(as_utc(p.expires_at) for p in valid)
    clock._now = last + timedelta(seconds=1)  # the expiry timer has not run: the gauge still says 0
    assert app.gauges()["propdesk_access_passes_active"] == {}


def test_found_items_held_by_age_band(app, clock):
    with app.session() as s:
        held = s.query(LostItem).filter(LostItem.state.in_(gauges.LOST_ITEMS_HELD)).count()
        gone = s.query(LostItem).filter(LostItem.state.not_in(gauges.LOST_ITEMS_HELD)).count()
    assert held and gone, "the demo has items held and items returned or handed over"
    counted = app.gauges()["propdesk_access_lost_items_held"]
    assert sum(counted.values()) == held
    assert {band for band, _ in counted} <= {"under_1w", "1w_1m", "1m_3m", "over_3m"}
    clock.advance(days=100)
    assert app.gauges()["propdesk_access_lost_items_held"] == {("over_3m", "E1"): held}


REGISTERED = datetime(2026, 8, 30, 2, 0, tzinfo=timezone.utc)
UNCLAIMED = datetime(2026, 11, 30, 2, 0, tzinfo=timezone.utc)  # 3 calendar months on


@pytest.mark.parametrize("now, band", [
    (REGISTERED, "under_1w"),
    (REGISTERED + timedelta(days=7) - timedelta(seconds=1), "under_1w"),
    (REGISTERED + timedelta(days=7), "1w_1m"),
    (REGISTERED + timedelta(days=30), "1m_3m"),
    (UNCLAIMED - timedelta(seconds=1), "1m_3m"),
    (UNCLAIMED, "over_3m"),
])
def test_age_band_edges(now, band):
    assert gauges.age_band(REGISTERED, UNCLAIMED.replace(tzinfo=None), now) == band
