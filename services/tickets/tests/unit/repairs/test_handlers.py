"""The repairs (报修) list: today the demo's open repairs, read through `list_repairs`."""
from __future__ import annotations

import pytest

from propdesk.errors import ValidationError
from propdesk.testing.fake import ServiceHarness
from propdesk_services.tickets.service import TicketsService


def test_demo_repairs_load_once_and_list():
    app = ServiceHarness(TicketsService)
    assert app.query("list_repairs") == []
    with app.session() as s:
        assert TicketsService.load_demo(s) == "16 open repairs"
        s.commit()
    with app.session() as s:
        assert TicketsService.load_demo(s) == "repairs already loaded"
        s.commit()
    repairs = app.query("list_repairs", status="open")
    assert len(repairs) == 16 and app.query("list_repairs") == repairs
    assert app.query("list_repairs", status="closed") == []
    pump_room = next(r for r in repairs if r["location"] == "水泵房")
    assert pump_room["unit_id"] is None and pump_room["reported_on"] == "2026-10-18"
    assert repairs[0] == {"repair_id": "BX-2026-0001", "unit_id": "1-1-401", "estate": "E1", "location": "1-1-401 客厅",
                          "category": "土建", "responsible": "施工方", "summary": "墙面裂缝 wall crack",
                          "reported_on": "2026-09-03", "status": "open"}
    assert [r["reported_on"] for r in repairs] == sorted(r["reported_on"] for r in repairs)  # oldest first


@pytest.mark.parametrize("status, rule", [(["open"], "type"), ("x" * 65, "length")])
def test_a_bad_status_filter_is_rejected(status, rule):
    app = ServiceHarness(TicketsService, demo=True)
    with pytest.raises(ValidationError) as err:
        app.query("list_repairs", status=status)
    assert [(p.field, p.rule) for p in err.value.problems] == [("status", rule)]
