"""METERS_READ_AND_CUT (domain.md §2.6) on the move-out's inspection work order, through tickets'
tables on the in-memory harness: engineering records the final readings and the supplies cut
(`record_supply_cut`), once, and ``unit.supply_cut`` leaves through the outbox."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from propdesk.chassis.tables import AuditRow
from propdesk.contracts import registry
from propdesk.errors import Conflict, Forbidden, NotFound, ValidationError
from propdesk.testing.fake import ServiceHarness
from propdesk_services.tickets.service import TicketsService
from propdesk_services.tickets.tests.unit.move_out_inspection.test_handlers import (
    ENGINEER, move_out_withdrawn, open_work_order,
)

MO = "MO-20261130-0001"
FULL = [{"utility": "water", "reading": "321.5"}, {"utility": "electricity", "reading": "4560"},
        {"utility": "ac"}]


@pytest.fixture
def app() -> ServiceHarness:
    return ServiceHarness(TicketsService)


def cut(app, supplies, actor=ENGINEER, move_out_id=MO, **key):
    return app.command("record_supply_cut", {"move_out_id": move_out_id, "supplies": supplies}, actor, **key)


def problems(exc) -> set[tuple[str, str]]:
    return {(p.field, p.rule) for p in exc.value.problems}


def test_engineering_records_the_final_readings_and_the_cut_once(app):
    wo = open_work_order(app, MO)
    assert app.query("allowed_actions", "move_out_inspection", MO, "engineering") == [
        "record_inspection", "record_supply_cut"]
    answer = cut(app, FULL)
    assert answer["utilities_cut"] == ["water", "electricity", "ac"]
    assert answer["supply_cut_by"] == ENGINEER["id"] and answer["supply_cut_at"]
    now = app.clock.now().isoformat()
    [event] = [e for e in app.events() if e.event_type == "unit.supply_cut"]
    assert event.correlation_id == MO
    assert event.payload == registry.validate_payload("unit.supply_cut", 1, event.payload)
    assert event.payload["final_readings"] == [
        {"meter": "water", "reading": "321.5", "read_at": now},
        {"meter": "electricity", "reading": "4560", "read_at": now}]
    assert (event.payload["unit_id"], event.payload["work_order_no"], event.payload["estate"]) == (
        "1-1-303", wo["work_order_no"], "E1")
    with app.session() as s:
        audit = s.scalars(select(AuditRow).where(AuditRow.action == "work_order.supply_cut")).one()
        assert audit.actor_id == ENGINEER["id"] and audit.correlation_id == MO
    # once per move-out: the readings are billed at once
    with pytest.raises(Conflict) as again:
        cut(app, FULL)
    assert (again.value.field, again.value.rule) == ("move_out_id", "supply_already_cut")
    assert app.query("allowed_actions", "move_out_inspection", MO, "engineering") == ["record_inspection"]
    assert len([e for e in app.events() if e.event_type == "unit.supply_cut"]) == 1


def test_each_metered_supply_cut_needs_its_reading_and_every_problem_is_named(app):
    open_work_order(app, MO)
    with pytest.raises(ValidationError) as bad:
        cut(app, [{"utility": "water"}, {"utility": "electricity", "reading": "-1"}, {"utility": "ac", "reading": "3"},
                  {"utility": "gas"}, {"utility": "water", "reading": "2"}])
    assert problems(bad) == {("supplies[0].reading", "required"), ("supplies[1].reading", "not_negative"),
                             ("supplies[2].reading", "not_metered"), ("supplies[3].utility", "one_of"),
                             ("supplies[4].utility", "unique")}
    with pytest.raises(ValidationError) as none:
        cut(app, [])
    assert problems(none) == {("supplies", "required")}
    with pytest.raises(ValidationError) as digits:
        cut(app, [{"utility": "water", "reading": "1.234"}, {"utility": "electricity", "reading": "abc"}])
    assert problems(digits) == {("supplies[0].reading", "max_2_decimals"), ("supplies[1].reading", "decimal")}
    assert not [e for e in app.events() if e.event_type == "unit.supply_cut"]
    # A/C alone is cut without a reading; a partial cut is engineering's call
    assert cut(app, [{"utility": "ac"}])["final_readings"] == []


def test_only_engineering_and_not_on_a_withdrawn_or_unknown_move_out(app):
    open_work_order(app, MO)
    with pytest.raises(Forbidden):
        cut(app, FULL, actor={"id": "fd-wang", "role": "front_desk"})
    with pytest.raises(NotFound) as unknown:
        cut(app, FULL, move_out_id="MO-NONE")
    assert (unknown.value.field, unknown.value.rule) == ("move_out_id", "exists")
    app.deliver(move_out_withdrawn(app, MO))
    with pytest.raises(Conflict) as withdrawn:
        cut(app, FULL)
    assert withdrawn.value.rule == "work_order_cancelled"
    assert app.query("allowed_actions", "move_out_inspection", MO, "engineering") == []


def test_the_desk_form_is_described_in_both_languages(app):
    spec = app.query("describe_commands")["record_supply_cut"]
    assert spec["label"] == {"zh": "抄表并断水断电(停空调)", "en": "Read the meters and cut the supply"}
    [supplies] = [f for f in spec["fields"] if f["name"] == "supplies"]
    assert supplies["items"] == "object"
    utility = next(f for f in supplies["fields"] if f["name"] == "utility")
    assert utility["choices"] == ["water", "electricity", "ac"]
    assert utility["choice_labels"]["ac"] == {"zh": "空调", "en": "A/C"}
