"""Fee schedules and billed units on the harness: who may set them, the audit, estates."""
from __future__ import annotations

import pytest

from propdesk.errors import Forbidden, NotFound, ValidationError
from propdesk_services.billing.tests.unit.cycle import CASHIER, CS, SUPERVISOR, only, rules

NEW = {"estate": "E1", "unit_kind": "residential", "item": "property_fee", "basis": "per_area",
       "unit_price": "2.80", "effective_from": "2027-01", "note": "2027年合同"}


def test_the_supervisor_sets_a_schedule_and_it_is_audited(app):
    out = app.command("set_fee_schedule", NEW, SUPERVISOR)
    assert (out["unit_price"], out["version"], out["updated_by"]) == ("2.8000", 1, "fin-sup")
    [audit] = app.audit("fee_schedule.set")
    assert audit.object_id == out["schedule_id"] and '"before": null' in audit.details


def test_setting_the_same_key_again_changes_it_and_keeps_the_value_before(app):
    first = app.command("set_fee_schedule", NEW, SUPERVISOR)
    again = app.command("set_fee_schedule", {**NEW, "unit_price": "2.90"}, SUPERVISOR)
    assert again["schedule_id"] == first["schedule_id"] and again["version"] == 2
    assert '"unit_price": "2.8000"' in app.audit("fee_schedule.set")[-1].details
    assert [s["unit_price"] for s in app.query("list_fee_schedules", "E1", "residential", "property_fee")] == \
        ["2.9000", "2.5000"]


@pytest.mark.parametrize("actor", [CASHIER, CS, {"id": "x", "role": "counter_staff"}])
def test_only_finance_supervisors_set_fee_standards(app, actor):
    with pytest.raises(Forbidden):
        app.command("set_fee_schedule", NEW, actor)
    assert app.audit("fee_schedule.set") == []


def test_another_estates_schedule_is_refused_and_invisible(app):
    with pytest.raises(ValidationError) as e:
        app.command("set_fee_schedule", NEW, only(SUPERVISOR, "E2"))
    assert rules(e.value) == {("estate", "not_your_estate")}
    [e1] = app.query("list_fee_schedules", "E1", "residential", "property_fee")
    with pytest.raises(NotFound):
        app.query("get_fee_schedule", e1["schedule_id"], actor=only(SUPERVISOR, "E2"))
    assert app.query("list_fee_schedules", "E1", None, None, actor=only(SUPERVISOR, "E2")) == []


def test_a_billed_unit_is_set_and_audited(app):
    out = app.command("set_billed_unit", {"unit_id": "3-2-1801", "estate": "E1", "kind": "residential",
                                          "area_m2": "88.10", "parking_spaces": 2}, SUPERVISOR)
    assert (out["area_m2"], out["parking_spaces"], out["active"]) == ("88.10", 2, True)
    changed = app.command("set_billed_unit", {"unit_id": "3-2-1801", "estate": "E1", "kind": "residential",
                                              "area_m2": "88.20", "active": False}, SUPERVISOR)
    assert (changed["area_m2"], changed["active"]) == ("88.20", False)
    assert '"area_m2": "88.10"' in app.audit("billed_unit.set")[-1].details
    with pytest.raises(NotFound):
        app.command("set_billed_unit", {"unit_id": "T1-24F", "estate": "E1", "kind": "office", "area_m2": "1"},
                    only(SUPERVISOR, "E1"))
