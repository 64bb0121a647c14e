"""Estates (管理处) in reports: every logged event has its business case's estate (its payload's, or
an earlier event's of the case; the case's rows logged before any event named it get it then), the
board's cards too. Asked by a person, the timeline, the latest events and the move-out counts show
only the estates they work for: another estate's timeline is empty, as an unknown case's; asked by
a service (no actor), nothing is scoped."""
from __future__ import annotations

import pytest

from propdesk.chassis.clock import FakeClock
from propdesk.testing.fake import ServiceHarness
from propdesk_services.reports.service import ReportsService

from .support import deliver

FRONT_DESK_E1 = {"id": "front_desk", "estates": ["E1"]}
FRONT_DESK_E2 = {"id": "front_desk_e2", "role": "front_desk", "estates": ["E2"]}
BOTH = {"id": "admin", "estates": ["E1", "E2"]}
UNITS = {"E1": "1-1-303", "E2": "T1-31F"}


@pytest.fixture
def app() -> ServiceHarness:
    return ServiceHarness(ReportsService, clock=FakeClock())


def requested(app, mo: str, estate: str | None, unit_id: str):
    payload = {"move_out_id": mo, "unit_id": unit_id, "tenant_id": f"TEN-{unit_id}", "owner_id": "OWN",
               "owner_consent_doc": "DOC-1", "exit_date": "2026-11-30", "fitout_disposition": "restore"}
    if estate:
        payload["estate"] = estate
    return app.event("move_out.requested", payload, correlation_id=mo, producer="residents")


def notified(app, mo: str):
    """An event that names no estate (notify's): it is its case's."""
    return app.event("notification.sent", {"message_id": f"M-{mo}", "channel": "staff_inbox",
                                           "recipient_role": "engineering", "recipient_id": None,
                                           "subject": "撤场验收", "status": "sent"},
                     correlation_id=mo, producer="notify")


@pytest.fixture
def cases(app):
    for estate, unit_id in UNITS.items():
        deliver(app, requested(app, f"MO-{estate}", estate, unit_id))
        deliver(app, notified(app, f"MO-{estate}"))


def test_the_timeline_of_another_estates_case_is_empty_as_an_unknown_ones(app, cases):
    assert [e["event_type"] for e in app.query("timeline", "MO-E2", actor=FRONT_DESK_E2)] == [
        "move_out.requested", "notification.sent"]
    assert app.query("timeline", "MO-E2", actor=BOTH) == app.query("timeline", "MO-E2")
    assert app.query("timeline", "MO-E2", actor=FRONT_DESK_E1) == [] == app.query("timeline", "MO-NONE")


def test_the_latest_events_and_the_counts_show_the_estates_of_the_person_asking(app, cases):
    recent = lambda actor=None: [e["correlation_id"] for e in app.query("recent_events", actor=actor)]  # noqa: E731
    assert recent(FRONT_DESK_E1) == ["MO-E1", "MO-E1"] and recent(FRONT_DESK_E2) == ["MO-E2", "MO-E2"]
    assert recent(BOTH) == recent() == ["MO-E2", "MO-E2", "MO-E1", "MO-E1"]
    counts = lambda actor=None: app.query("move_out_counts", actor=actor)["total"]  # noqa: E731
    assert (counts(FRONT_DESK_E1), counts(FRONT_DESK_E2), counts(BOTH), counts()) == (1, 1, 2, 2)
    assert app.query("move_out_counts", actor={"id": "nobody", "estates": []})["total"] == 0


def test_events_logged_before_their_case_named_an_estate_get_it_later(app):
    deliver(app, notified(app, "MO-LATE"))  # overtook the request
    assert app.query("timeline", "MO-LATE", actor=FRONT_DESK_E2) == []
    deliver(app, requested(app, "MO-LATE", "E2", UNITS["E2"]))
    assert len(app.query("timeline", "MO-LATE", actor=FRONT_DESK_E2)) == 2
    deliver(app, notified(app, "MO-LATE"))  # logged after: the case's estate
    assert len(app.query("timeline", "MO-LATE", actor=FRONT_DESK_E2)) == 3


def test_a_case_whose_events_name_no_estate_is_seen_unscoped_only(app):
    deliver(app, requested(app, "MO-OLD", None, UNITS["E1"]))
    assert len(app.query("timeline", "MO-OLD")) == 1
    assert app.query("timeline", "MO-OLD", actor=BOTH) == []
    assert app.query("move_out_counts", actor=BOTH)["total"] == 0 and app.query("move_out_counts")["total"] == 1
