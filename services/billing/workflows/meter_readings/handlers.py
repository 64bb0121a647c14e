"""Meter readings (抄表): entered one by one or imported from a file, checked (`domain.check`),
reviewed by the finance supervisor when held. Plain functions on a unit of work / a reader.

Estates: a reading has its unit's estate (the billed unit's); a unit of an estate the person does
not work for is refused as unknown (unit_id/unknown_unit), another estate's reading answers as
absent (NotFound reading_id/exists)."""
from __future__ import annotations

import base64
import binascii
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from propdesk.chassis.estates import visible, within
from propdesk.chassis.records import queue_item
from propdesk.contracts.envelope import new_id
from propdesk.errors import Conflict, NotFound, Problem, ValidationError
from propdesk_services.billing.workflows.fee_schedules import domain as schedules
from propdesk_services.billing.workflows.fee_schedules.handlers import schedules_of
from propdesk_services.billing.workflows.fee_schedules.models import FeeAccountUnit
from propdesk_services.billing.workflows.meter_readings import domain, files
from propdesk_services.billing.workflows.meter_readings.models import MeterReading
from propdesk_services.billing.workflows.meter_readings.schemas import MeterReadingSchema

SERIES = "MR"
_READING = MeterReadingSchema()
_READINGS = MeterReadingSchema(many=True)


# --- reading the register --------------------------------------------------------------------------
def _unit(session, unit_id: str, estates, prefix: str = "") -> FeeAccountUnit:
    unit = session.get(FeeAccountUnit, unit_id)
    if unit is None or not visible(estates, unit.estate):
        raise ValidationError.one(prefix + "unit_id", "unknown_unit", f"billing bills no unit {unit_id}")
    return unit


def _reading(session, reading_id: str, estates, lock: bool = False) -> MeterReading:
    row = session.get(MeterReading, reading_id, with_for_update=lock)
    if row is None or not visible(estates, row.estate):
        raise NotFound(f"no meter reading {reading_id}", field="reading_id", rule="exists")
    return row


def _latest(session, unit_id: str, meter: str, before: str | None = None, counted: bool = False):
    stmt = select(MeterReading).where(MeterReading.unit_id == unit_id, MeterReading.meter == meter)
    if before is not None:
        stmt = stmt.where(MeterReading.period < before)
    if counted:
        stmt = stmt.where(MeterReading.state.in_(domain.COUNTED))
    return session.scalar(stmt.order_by(MeterReading.period.desc()).limit(1))


def _on_approved_notice(session, reading_id: str) -> str | None:
    """The run number of an approved (locked) run whose notice bills this reading, if any."""
    from propdesk_services.billing.workflows.billing_run.models import BillingRun, FeeNotice, FeeNoticeLine

    return session.scalar(select(BillingRun.run_no).join(FeeNotice, FeeNotice.run_id == BillingRun.run_id)
                          .join(FeeNoticeLine, FeeNoticeLine.notice_id == FeeNotice.notice_id)
                          .where(FeeNoticeLine.source == "meter", FeeNoticeLine.source_ref == reading_id,
                                 BillingRun.state.in_(("approved", "issuing"))).limit(1))


def _factor(session, unit: FeeAccountUnit, meter: str, period: str) -> Decimal:
    tariff = schedules.applicable(schedules_of(session, unit.estate, period), unit.estate, unit.kind, period).get(meter)
    return schedules.jump_factor(tariff)


def _checked(session, unit, meter: str, period: str, value: Decimal) -> domain.Check:
    last = _latest(session, unit.unit_id, meter, before=period, counted=True)
    return domain.check(value, last.reading if last else None, last.consumption if last else None,
                        _factor(session, unit, meter, period))


def _record(uow, unit: FeeAccountUnit, entry: domain.Entry, source: str) -> MeterReading:
    s = uow.session
    domain.check_not_before_latest(getattr(_latest(s, unit.unit_id, entry.meter), "period", None), entry.period)
    result = _checked(s, unit, entry.meter, entry.period, entry.reading)
    row = MeterReading(reading_id=new_id(), reading_no=uow.next_number(SERIES), unit_id=unit.unit_id,
                       estate=unit.estate, meter=entry.meter, period=entry.period, reading=entry.reading,
                       previous=result.previous, consumption=result.consumption, state=result.state,
                       hold_rule=result.hold_rule, read_on=entry.read_on.isoformat(), source=source,
                       recorded_by=uow.actor.id, recorded_at=uow.now())
    s.add(row)
    s.flush()
    return row


# --- commands --------------------------------------------------------------------------------------
def record_meter_reading(cmd, uow) -> dict:
    """Record a unit's water or electricity reading for a month (抄表录入): checked against the last
    reading; a reading lower than it or with a jump beyond the factor is held for review (state
    "held", `hold_rule`), not billed. Answers the reading.

    ValidationError: every problem of the entry (`domain.validate_entry`), unit_id/unknown_unit.
    Conflict: (period, already_recorded) the meter has a reading for the month (correct it
    instead); (period, later_reading_exists)."""
    entry = domain.validate_entry(cmd.data, uow.today())
    final = bool(cmd.data.get("final"))
    if final:
        domain.check_final(entry, bool(cmd.data.get("read_on")))
    s = uow.session
    unit = _unit(s, entry.unit_id, cmd.estates)
    existing = s.scalar(select(MeterReading).where(MeterReading.unit_id == unit.unit_id,
                                                   MeterReading.meter == entry.meter, MeterReading.period == entry.period))
    if existing is not None:
        raise Conflict(f"{unit.unit_id} already has a {entry.meter} reading for {entry.period} ({existing.reading_no}); "
                       "correct it instead", field="period", rule="already_recorded")
    row = _record(uow, unit, entry, domain.FINAL if final else "entered")
    uow.audit("meter_reading.record", "meter_reading", row.reading_id,
              {"reading_no": row.reading_no, "unit_id": row.unit_id, "meter": row.meter, "period": row.period,
               "reading": str(row.reading), "state": row.state, "hold_rule": row.hold_rule, "final": final})
    _bill_final(uow, unit, row)
    return _READING.dump(row)


def record_final_reading(uow, unit: FeeAccountUnit, meter: str, reading: Decimal, read_at, recorded_by: str,
                         move_out_id: str):
    """A final reading announced by engineering (``unit.supply_cut``, METERS_READ_AND_CUT) for the
    move-out `move_out_id`: the same rules as ``record_meter_reading`` with ``final: true`` — read
    on the exit day (the office day of `read_at`), for that month, checked, and billed at once when
    billable (`_bill_final`) — and recorded as that move-out's (`move_out_id`: its fee check waits
    for it while it is held, no other move-out's does).

    Once per move-out: a final reading of the meter for that month already there (the move-out
    announced again) records nothing and answers None; one entered at the counter that no cut has
    claimed yet becomes this move-out's. The month's regular reading already there is a fault
    (Conflict period/already_recorded): retried, then dead-lettered for finance, whose fee check of
    the move-out meanwhile waits; never a guess which reading is the exit's."""
    from propdesk.chassis.calendar import office_day

    read_on = office_day(read_at)
    entry = domain.Entry(unit_id=unit.unit_id, meter=meter, period=f"{read_on:%Y-%m}", reading=reading,
                         read_on=read_on)
    s = uow.session
    existing = s.scalar(select(MeterReading).where(MeterReading.unit_id == unit.unit_id, MeterReading.meter == meter,
                                                   MeterReading.period == entry.period))
    if existing is not None:
        if existing.source == domain.FINAL:
            if existing.move_out_id is None:
                existing.move_out_id = move_out_id
            return None
        raise Conflict(f"{unit.unit_id} already has its {meter} reading for {entry.period} ({existing.reading_no}); "
                       "the final reading is not recorded over it", field="period", rule="already_recorded")
    row = _record(uow, unit, entry, domain.FINAL)
    row.recorded_by, row.move_out_id = recorded_by, move_out_id
    uow.audit("meter_reading.record", "meter_reading", row.reading_id,
              {"reading_no": row.reading_no, "unit_id": row.unit_id, "meter": row.meter, "period": row.period,
               "reading": str(row.reading), "state": row.state, "hold_rule": row.hold_rule, "final": True,
               "by": recorded_by, "move_out_id": move_out_id})
    _bill_final(uow, unit, row, redecide=False)  # the move-out's own fee check is decided once, after all
    return row


def _bill_final(uow, unit: FeeAccountUnit, row: MeterReading, redecide: bool = True) -> None:
    """A final reading (move-out) that is billable is charged at once, up to the exit date: a
    ``meter`` charge on the ledger (ref the reading's number), so the unit's balance, its fee
    clearance and its deposit refund see it; the reading is then billed (no run bills it again,
    and the next reading of the meter counts from it). `redecide`: the pending move-out fee checks
    it belongs to are re-checked against the new balance, as after a payment, and those held for
    it decided (`fee_clearance.handlers.after_final_reading`): its own move-out's only when a cut
    recorded it (an earlier move-out's reading reviewed late is not the next move-out's), the
    unit's when it was entered at the counter."""
    if row.source != domain.FINAL:
        return
    s = uow.session
    tariff = schedules.applicable(schedules_of(s, unit.estate, row.period), unit.estate, unit.kind,
                                  row.period).get(row.meter)
    amount = domain.final_charge(row, tariff)
    if amount is not None:
        from propdesk_services.billing.workflows.payments.models import Charge

        s.add(Charge(unit_id=unit.unit_id, estate=unit.estate, period=row.period, item=row.meter, amount=amount,
                     basis="per_reading", source="meter", source_ref=row.reading_no))
        row.state = domain.BILLED
        s.flush()
        uow.audit("meter_reading.bill_final", "meter_reading", row.reading_id,
                  {"reading_no": row.reading_no, "unit_id": row.unit_id, "meter": row.meter, "period": row.period,
                   "consumption": str(row.consumption), "unit_price": str(tariff.unit_price), "amount": str(amount)})
    if redecide:  # nothing billed (no consumption, a baseline): a check held for it goes on all the same
        from propdesk_services.billing.workflows.fee_clearance.handlers import after_final_reading

        after_final_reading(uow, row, billed=amount is not None)


def import_meter_readings(cmd, uow) -> dict:
    """Import a month's readings from a CSV or XLSX file (`files.read_rows`). All or nothing: any
    row with a problem refuses the whole file (ValidationError naming ``rows[<n>].<field>``, n the
    file's row number) and records nothing. A row the meter already has with the same value is
    skipped (re-importing the same file records nothing twice); with another value it is refused
    (rows[n].reading/already_recorded: correct that reading instead).

    Answers {recorded, held, skipped, readings: [reading_no of each held reading]}."""
    data = cmd.data
    period = schedules.check_period(data["period"])
    try:
        content = base64.b64decode(data["content_base64"], validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError.one("content_base64", "base64", "the file's content as base64") from None
    rows = files.read_rows(data["filename"], content)
    if not rows:
        raise ValidationError.one("content", "empty_file", "the file has no readings")
    s, today = uow.session, uow.today()
    problems: list[Problem] = []
    todo: list[tuple[FeeAccountUnit, domain.Entry]] = []
    seen: set[tuple[str, str, str]] = set()
    for number, raw in enumerate(rows, start=2):  # row 1 is the header
        prefix = f"rows[{number}]."
        try:
            entry = domain.validate_entry({**raw, "period": raw.get("period") or period}, today, prefix)
            unit = _unit(s, entry.unit_id, cmd.estates, prefix)
        except ValidationError as err:
            problems.extend(err.problems)
            continue
        key = (entry.unit_id, entry.meter, entry.period)
        if key in seen:
            problems.append(Problem(prefix + "unit_id", "duplicate_row", "the file has this meter twice for the month"))
            continue
        seen.add(key)
        todo.append((unit, entry))
    if problems:
        raise ValidationError(problems[:200])
    recorded = skipped = 0
    held: list[str] = []
    for number, (unit, entry) in enumerate(todo, start=2):
        existing = s.scalar(select(MeterReading).where(MeterReading.unit_id == unit.unit_id,
                                                       MeterReading.meter == entry.meter,
                                                       MeterReading.period == entry.period))
        if existing is not None:
            if Decimal(existing.reading) == entry.reading:
                skipped += 1
                continue
            problems.append(Problem(f"rows[{number}].reading", "already_recorded",
                                    f"{unit.unit_id} already has {existing.reading} ({existing.reading_no})"))
            continue
        try:
            row = _record(uow, unit, entry, "import")
        except Conflict as err:
            problems.append(Problem(f"rows[{number}].period", err.rule, err.message))
            continue
        recorded += 1
        if row.state == domain.HELD:
            held.append(row.reading_no)
    if problems:
        raise ValidationError(problems[:200])
    uow.audit("meter_reading.import", "meter_import", data["filename"],
              {"period": period, "rows": len(rows), "recorded": recorded, "held": len(held), "skipped": skipped})
    return {"recorded": recorded, "held": len(held), "skipped": skipped, "readings": held}


def correct_meter_reading(cmd, uow) -> dict:
    """Correct a reading not yet billed (更正读数): the new value is checked again (ok or held).
    Audited with the value before and the reason. Conflict: (reading_id, reading_billed);
    (reading_id, run_locked) when an approved run bills it as read (its notices are locked);
    (period, later_reading_exists) when the meter has a later month's reading."""
    s = uow.session
    row = _reading(s, cmd.data["reading_id"], cmd.estates, lock=True)
    domain.check_correctable(row)
    domain.check_not_locked(_on_approved_notice(s, row.reading_id))
    problems: list[Problem] = []
    value = schedules.decimal_problem(cmd.data["reading"], "reading", places=2, maximum=domain.MAX_READING,
                                      problems=problems)
    if problems:
        raise ValidationError(problems)
    later = _latest(s, row.unit_id, row.meter)
    domain.check_not_before_latest(later.period if later else None, row.period)
    unit = s.get(FeeAccountUnit, row.unit_id)
    before = {"reading": str(row.reading), "state": row.state}
    result = _checked(s, unit, row.meter, row.period, value)
    row.reading, row.previous, row.consumption = value, result.previous, result.consumption
    row.state, row.hold_rule = result.state, result.hold_rule
    row.reviewed_by, row.reviewed_at = cmd.actor.id, uow.now()
    uow.audit("meter_reading.correct", "meter_reading", row.reading_id,
              {"reading_no": row.reading_no, "before": before, "reading": str(value), "state": row.state,
               "hold_rule": row.hold_rule, "note": cmd.data["note"]})
    _bill_final(uow, unit, row)
    return _READING.dump(row)


def accept_meter_reading(cmd, uow) -> dict:
    """Accept a held reading as read (复核通过): it bills with its consumption. Conflict
    (reading_id, not_held) for a reading that is not held; (period, later_reading_exists) when the
    meter has a later month's reading: that one counted from the reading before this one, so
    billing this one too would bill its consumption twice."""
    s = uow.session
    row = _reading(s, cmd.data["reading_id"], cmd.estates, lock=True)
    rule = row.hold_rule
    domain.accept(row)
    later = _latest(s, row.unit_id, row.meter)  # a later month's reading already counted past this one
    domain.check_not_before_latest(later.period if later else None, row.period)
    row.reviewed_by, row.reviewed_at = cmd.actor.id, uow.now()
    uow.audit("meter_reading.accept", "meter_reading", row.reading_id,
              {"reading_no": row.reading_no, "hold_rule": rule, "note": cmd.data["note"]})
    _bill_final(uow, s.get(FeeAccountUnit, row.unit_id), row)
    return _READING.dump(row)


def supersede_meter_reading(cmd, uow) -> dict:
    """Set a held reading aside as superseded (复核：已被后续读数取代): the meter has a later
    month's reading, which counted from the reading before this one and bills its consumption, so
    this one can be neither accepted nor corrected (`later_reading_exists`). Bills nothing; leaves
    the supervisor's review queue; audited with its hold rule, the later reading and the reason. A
    final reading's move-out fee check that waited for it (``readings_held``) is decided now on the
    ledger (`fee_clearance.handlers.after_final_reading`, nothing billed), once none of its own
    final readings is held. Conflict (reading_id, not_held); (period, no_later_reading)."""
    s = uow.session
    row = _reading(s, cmd.data["reading_id"], cmd.estates, lock=True)
    later = _latest(s, row.unit_id, row.meter)
    domain.supersede(row, later.period if later else None)
    row.reviewed_by, row.reviewed_at = cmd.actor.id, uow.now()
    uow.audit("meter_reading.supersede", "meter_reading", row.reading_id,
              {"reading_no": row.reading_no, "unit_id": row.unit_id, "meter": row.meter, "period": row.period,
               "reading": str(row.reading), "hold_rule": row.hold_rule, "superseded_by": later.reading_no,
               "later_period": later.period, "move_out_id": row.move_out_id, "note": cmd.data["note"]})
    if row.source == domain.FINAL:
        from propdesk_services.billing.workflows.fee_clearance.handlers import after_final_reading

        after_final_reading(uow, row, billed=False)
    return _READING.dump(row)


# --- queries ---------------------------------------------------------------------------------------
def get_meter_reading(args: dict, reader) -> dict:
    return _READING.dump(_reading(reader.session, args["reading_id"], reader.estates))


def list_meter_readings(args: dict, reader) -> list[dict]:
    """Readings of the asker's estates, newest first (at most 200): filters period, state, unit."""
    stmt = within(select(MeterReading), MeterReading.estate, reader.estates)
    for key in ("period", "state", "unit_id"):
        if args.get(key) is not None:
            stmt = stmt.where(getattr(MeterReading, key) == args[key])
    return _READINGS.dump(reader.session.scalars(
        stmt.order_by(MeterReading.recorded_at.desc(), MeterReading.reading_no.desc()).limit(200)))


def possible_actions(reading_id: str, reader) -> list[str]:
    row = _reading(reader.session, reading_id, reader.estates)
    later = _latest(reader.session, row.unit_id, row.meter) if row.state == domain.HELD else None
    return domain.next_commands(row, passed=later is not None and later.period > row.period)


#: A held reading's queue note (``note.code``, the desk's words.QUEUE_NOTES): the meter has a later
#: month's reading (``note.period``, its month), so the reading can only be set aside as superseded.
PASSED_NOTE = "meter_reading.passed"


def held_readings(args: dict, reader) -> list[dict]:
    """QUEUE: readings held for the finance supervisor's review, oldest first. A reading the meter
    has since passed (a later month's reading of the unit's meter, in any state: accepting or
    correcting it is refused, `later_reading_exists`; setting it aside is what is left, as
    `possible_actions` offers) carries ``note`` {code: PASSED_NOTE, period: the latest later month},
    which the desk says in its words; None for the others. The meter and why the check held it are
    the item's ``fields`` {"meter": code, "hold_rule": code} (`records.queue_item`), which the desk
    says in the words the meter_reading kind's description gives those fields (`MeterReadingSchema`:
    vocab METER_KINDS, METER_READING_HOLD_RULES: 水表, 用量超过…), never as codes in the ``title``
    ("1-1-101 2026-12") or the ``detail`` ("112.00 → 1120.00"). The later month is read in the same
    statement as the queue (a correlated MAX over the meter's readings, on the unique
    (unit_id, meter, period) index), not one query per reading."""
    later = aliased(MeterReading)
    later_period = (select(func.max(later.period))
                    .where(later.unit_id == MeterReading.unit_id, later.meter == MeterReading.meter,
                           later.period > MeterReading.period)
                    .correlate(MeterReading).scalar_subquery())
    stmt = within(select(MeterReading, later_period), MeterReading.estate, reader.estates).where(
        MeterReading.state == domain.HELD).order_by(MeterReading.recorded_at, MeterReading.reading_no).limit(500)
    now = reader.now()
    return [{**queue_item("meter_reading", r.reading_no, f"{r.unit_id} {r.period}", f"{r.previous} → {r.reading}",
                          r.recorded_at, None, now, record_id=r.reading_id, overdue=False,
                          fields={"meter": r.meter, "hold_rule": r.hold_rule}),
             "note": {"code": PASSED_NOTE, "period": passed} if passed else None}
            for r, passed in reader.session.execute(stmt)]
