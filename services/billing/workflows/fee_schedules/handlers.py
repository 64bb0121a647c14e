"""Fee schedules (收费标准) and billed units: set by finance's supervisor (audited with what was
there before), read by anyone in finance. Plain functions on a unit of work / a reader."""
from __future__ import annotations

from sqlalchemy import select

from propdesk.chassis.estates import visible, within
from propdesk.contracts.envelope import new_id
from propdesk.errors import NotFound
from propdesk.money import money
from propdesk_services.billing.workflows.fee_schedules import domain
from propdesk_services.billing.workflows.fee_schedules.models import FeeAccountUnit, FeeSchedule
from propdesk_services.billing.workflows.fee_schedules.schemas import BilledUnitSchema, FeeScheduleSchema

_SCHEDULE = FeeScheduleSchema()
_SCHEDULES = FeeScheduleSchema(many=True)
_UNIT = BilledUnitSchema()

_TRACKED = ("basis", "unit_price", "effective_to", "jump_factor", "note")


def _plain(value):
    return None if value is None else str(value)


# --- commands --------------------------------------------------------------------------------------
def set_fee_schedule(cmd, uow) -> dict:
    """Set a fee standard (收费标准) for an estate's units of one kind from a month on: a new row,
    or the one with the same estate, kind, item and first month changed (its version counts up).
    The audit row (``fee_schedule.set``) names the values before and after. Answers the schedule.

    ValidationError: every problem at once (`domain.validate_schedule`)."""
    s = uow.session
    new = domain.validate_schedule(cmd.data, cmd.estates)
    row = s.scalar(select(FeeSchedule).where(
        FeeSchedule.estate == new.estate, FeeSchedule.unit_kind == new.unit_kind, FeeSchedule.item == new.item,
        FeeSchedule.effective_from == new.effective_from).with_for_update())
    before = None
    if row is None:
        row = FeeSchedule(schedule_id=new_id(), estate=new.estate, unit_kind=new.unit_kind, item=new.item,
                          effective_from=new.effective_from, version=1)
        s.add(row)
    else:
        before = {k: _plain(getattr(row, k)) for k in _TRACKED}
        row.version += 1
    row.basis, row.unit_price, row.effective_to = new.basis, new.unit_price, new.effective_to
    row.jump_factor, row.note = new.jump_factor, new.note
    row.updated_by, row.updated_at = cmd.actor.id, uow.now()
    s.flush()
    uow.audit("fee_schedule.set", "fee_schedule", row.schedule_id, {
        "estate": row.estate, "unit_kind": row.unit_kind, "item": row.item, "effective_from": row.effective_from,
        "before": before, "after": {k: _plain(getattr(row, k)) for k in _TRACKED}, "version": row.version})
    return _SCHEDULE.dump(row)


def set_billed_unit(cmd, uow) -> dict:
    """Set a unit's billing basis (收费单元: kind, billable area, parking spaces, payer; `active`
    False stops billing it). Audited with the values before. A unit of an estate the person does
    not work for is refused (estate/not_your_estate; an existing unit of another estate: NotFound)."""
    s = uow.session
    new = domain.validate_billed_unit(cmd.data, cmd.estates)
    row = s.get(FeeAccountUnit, new.unit_id, with_for_update=True)
    before = None
    if row is not None and not visible(cmd.estates, row.estate):
        raise NotFound(f"no billed unit {new.unit_id}", field="unit_id", rule="exists")
    if row is None:
        row = FeeAccountUnit(unit_id=new.unit_id)
        s.add(row)
    else:
        before = {"estate": row.estate, "kind": row.kind, "area_m2": money(row.area_m2),
                  "parking_spaces": row.parking_spaces, "payer_party_id": row.payer_party_id, "active": row.active}
    for key in ("estate", "kind", "area_m2", "parking_spaces", "payer_party_id", "active"):
        setattr(row, key, getattr(new, key))
    row.updated_by, row.updated_at = cmd.actor.id, uow.now()
    uow.audit("billed_unit.set", "billed_unit", row.unit_id,
              {"before": before, "after": {"estate": row.estate, "kind": row.kind, "area_m2": money(row.area_m2),
                                           "parking_spaces": row.parking_spaces, "active": row.active}})
    return _UNIT.dump(row)


# --- queries ---------------------------------------------------------------------------------------
def get_fee_schedule(args: dict, reader) -> dict:
    row = reader.session.get(FeeSchedule, args["schedule_id"])
    if row is None or not visible(reader.estates, row.estate):
        raise NotFound(f"no fee schedule {args['schedule_id']}", field="schedule_id", rule="exists")
    return _SCHEDULE.dump(row)


def list_fee_schedules(args: dict, reader) -> list[dict]:
    """The fee schedules of the asker's estates (filters: estate, unit kind, item), by estate,
    kind, item and newest first month first."""
    stmt = within(select(FeeSchedule), FeeSchedule.estate, reader.estates)
    for key in ("estate", "unit_kind", "item"):
        if args.get(key) is not None:
            stmt = stmt.where(getattr(FeeSchedule, key) == args[key])
    stmt = stmt.order_by(FeeSchedule.estate, FeeSchedule.unit_kind, FeeSchedule.item,
                         FeeSchedule.effective_from.desc()).limit(500)
    return _SCHEDULES.dump(reader.session.scalars(stmt))


def get_billed_unit(args: dict, reader) -> dict:
    row = reader.session.get(FeeAccountUnit, args["unit_id"])
    if row is None or not visible(reader.estates, row.estate):
        raise NotFound(f"no billed unit {args['unit_id']}", field="unit_id", rule="exists")
    return _UNIT.dump(row)


def schedules_of(session, estate: str, period: str) -> list[FeeSchedule]:
    """Every schedule of `estate` that may be in force in `period` (`domain.applicable` picks)."""
    return list(session.scalars(select(FeeSchedule).where(FeeSchedule.estate == estate,
                                                          FeeSchedule.effective_from <= period)))
