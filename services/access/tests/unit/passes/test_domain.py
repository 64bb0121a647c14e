"""Passes' pure rules (domain.md §2.9): validity to the end of the last day, one expiry, which
events end which passes, what a pass allows next."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from propdesk.errors import Conflict
from propdesk_services.access.workflows.passes import domain
from propdesk_services.access.workflows.registers import end_of_office_day, office_midnight

NOW = datetime(2026, 11, 30, 2, 0, tzinfo=timezone.utc)


def a_pass(**over) -> domain.Pass:
    base = dict(pass_no="SG-1", kind="construction", holder_name="张", holder_id_number=None, id_copy_ref="c",
                photo_ref="p", unit_id="1-1-303", work_location="室内", renovation_id="RN-1", contractor=None,
                relation=None, estate="E1", valid_from=date(2026, 11, 30), valid_to=date(2026, 12, 2),
                expires_at=end_of_office_day(date(2026, 12, 2)))
    return domain.Pass(**{**base, **over})


def test_a_pass_is_valid_through_its_last_office_day():
    p = a_pass()
    start = office_midnight(p.valid_from)
    assert start == datetime(2026, 11, 29, 16, 0, tzinfo=timezone.utc)
    assert not domain.is_valid_at(p, start - timedelta(minutes=1), start)
    assert domain.is_valid_at(p, p.expires_at - timedelta(minutes=1), start)
    assert not domain.is_valid_at(p, p.expires_at, start)


def test_expiry_happens_once():
    p = a_pass()
    assert domain.expire(p, p.expires_at - timedelta(minutes=1)) == []
    [event] = domain.expire(p, p.expires_at + timedelta(minutes=1))
    assert event.type == "pass.expired" and p.state == domain.EXPIRED
    assert domain.expire(p, p.expires_at + timedelta(days=1)) == []
    assert domain.next_commands(p) == []


def test_which_events_end_which_passes():
    assert domain.revoked_by_renovation(a_pass(), "RN-1")
    assert not domain.revoked_by_renovation(a_pass(), "RN-2")
    assert not domain.revoked_by_renovation(a_pass(kind="resident"), "RN-1")
    tenant = a_pass(kind="resident", relation="tenant", renovation_id=None)
    assert domain.revoked_by_move_out(tenant, "1-1-303")
    assert not domain.revoked_by_move_out(a_pass(kind="resident", relation="owner"), "1-1-303")
    assert not domain.revoked_by_move_out(tenant, "1-1-304")


def test_a_pass_not_in_use_is_neither_revoked_nor_returned():
    p = a_pass()
    domain.return_pass(p, NOW)
    with pytest.raises(Conflict):
        domain.revoke(p, domain.BY_OFFICE, NOW)
    assert not domain.revoked_by_renovation(p, "RN-1")
