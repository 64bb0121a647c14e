"""Estates (管理处) in notify: a message has its move-out's estate (its event's, else the one
``move_out.requested`` named for the case), and the messages a person is shown are those of the
estates they work for; a service asking (no actor) is not scoped."""
from __future__ import annotations

import pytest

from propdesk.chassis.clock import FakeClock
from propdesk.testing.fake import ServiceHarness
from propdesk_services.notify.service import NotifyService

FRONT_DESK_E1 = {"id": "front_desk", "role": "front_desk", "estates": ["E1"]}
FRONT_DESK_E2 = {"id": "front_desk_e2", "role": "front_desk", "estates": ["E2"]}
BOTH = {"id": "admin", "estates": ["E1", "E2"]}
UNITS = {"E1": "1-1-303", "E2": "T1-31F"}


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("PROPDESK_DATA_DIR", str(tmp_path / "var"))


@pytest.fixture
def app() -> ServiceHarness:
    app = ServiceHarness(NotifyService, clock=FakeClock())
    for estate, unit_id in UNITS.items():
        mo = f"MO-{estate}"
        app.deliver(app.event("move_out.requested", {
            "move_out_id": mo, "unit_id": unit_id, "estate": estate, "tenant_id": f"TEN-{unit_id}", "owner_id": "OWN",
            "owner_consent_doc": "DOC-1", "exit_date": "2026-11-30", "fitout_disposition": "restore"},
            correlation_id=mo, producer="residents"))
    return app


def cases(app, actor=None, **kw) -> set[str]:
    return {m["correlation_id"] for m in app.query("list_messages", actor=actor, **kw)}


def test_the_messages_shown_are_those_of_the_estates_of_the_person_asking(app):
    assert cases(app, FRONT_DESK_E1) == {"MO-E1"} and cases(app, FRONT_DESK_E2) == {"MO-E2"}
    assert cases(app, BOTH) == cases(app) == {"MO-E1", "MO-E2"}
    assert cases(app, FRONT_DESK_E1, correlation_id="MO-E2") == set()
    assert cases(app, {"id": "nobody", "estates": []}) == set()


def test_a_later_event_without_an_estate_is_its_move_outs(app):
    app.deliver(app.event("release_slip.released", {"slip_id": "FX-1", "move_out_id": "MO-E2", "unit_id": "T1-31F",
                                                    "guard_id": "security"}, correlation_id="MO-E2", producer="access"))
    shown = app.query("list_messages", actor=FRONT_DESK_E2, correlation_id="MO-E2")
    assert "release_slip.released" in {m["event_type"] for m in shown}
