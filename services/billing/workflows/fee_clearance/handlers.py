"""Fee clearance (费用结清): finance's answer to a move-out, and its re-check after a payment.
Plain functions on a unit of work (no nameko); the rules are `domain`'s."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from propdesk.contracts.envelope import Envelope
from propdesk.money import money
from propdesk_services.billing.workflows.fee_clearance import domain
from propdesk_services.billing.workflows.fee_clearance.models import ClearanceRequest
from propdesk_services.billing.workflows.payments import domain as payments
from propdesk_services.billing.workflows.payments.views import charges_of, payments_of


def on_move_out_requested(event: Envelope, uow) -> None:
    """Check the unit's fees for a move-out (费用结清) and answer confirmed or failed; once per
    move-out. A unit with no fee account owes nothing and is confirmed. A unit with a metered
    tariff in force (water, electricity) is not checked yet: the check waits, unannounced, for
    engineering's final readings (``unit.supply_cut``: `on_unit_supply_cut` decides it), unless
    the cut is already in (it overtook the request on its own queue: checked now)."""
    p = event.payload
    move_out_id, unit_id, tenant_id = p["move_out_id"], p["unit_id"], p["tenant_id"]
    s = uow.session
    unit = _lock_billed_unit(s, unit_id)  # first, as the cut does: the one that waits reads the other's rows
    cut_first = s.get(ClearanceRequest, move_out_id, with_for_update=True)
    if cut_first is not None and cut_first.status != domain.METERS_READ:
        return  # already checked (the move-out was announced twice), or withdrawn first: the inbox mark only
    charges = charges_of(s, unit_id, lock=True)
    owed = payments.outstanding(charges, payments_of(s, unit_id))
    # the move-out's estate; else the fee account's (an event announced before estates were recorded)
    estate = p.get("estate") or (charges[0].estate if charges else None)
    now = uow.now()
    if cut_first is None and unit is not None and metered(s, unit, now):
        clearance, answers = domain.awaiting_meters(move_out_id, unit_id, tenant_id, owed, now, estate), []
    elif cut_first is not None and final_reading_held(s, move_out_id):
        clearance, answers = domain.awaiting_meters(move_out_id, unit_id, tenant_id, owed, now, estate, held=True), []
    else:
        clearance, answer = domain.check(move_out_id, unit_id, tenant_id, owed, now, estate)
        answers = [answer]
    if cut_first is None:
        s.add(ClearanceRequest(**vars(clearance)))
    else:
        for name, value in vars(clearance).items():
            setattr(cut_first, name, value)
    uow.emit_all(answers)
    uow.audit("clearance.check", "clearance", move_out_id,
              {"unit_id": unit_id, "outstanding": money(owed), "status": clearance.status})


def metered(session: Session, unit, at) -> bool:
    """The billed unit has a water or electricity tariff in force this office month: its move-out's
    fee check waits for the final readings."""
    from propdesk.chassis.calendar import office_day
    from propdesk.contracts.vocab import METER_KINDS
    from propdesk_services.billing.workflows.fee_schedules import domain as schedules
    from propdesk_services.billing.workflows.fee_schedules.handlers import schedules_of

    period = f"{office_day(at):%Y-%m}"
    tariffs = schedules.applicable(schedules_of(session, unit.estate, period), unit.estate, unit.kind, period)
    return any(meter in tariffs for meter in METER_KINDS.codes)


def final_reading_held(session: Session, move_out_id: str) -> bool:
    """A final reading of this move-out (recorded from its cut) is held for the supervisor's
    review: not billed yet. Only its own: a final reading of an earlier move-out of the unit that
    is still held is that move-out's, and keeps no later one waiting."""
    from propdesk_services.billing.workflows.meter_readings import domain as readings
    from propdesk_services.billing.workflows.meter_readings.models import MeterReading

    return session.scalar(select(MeterReading.reading_id).where(
        MeterReading.move_out_id == move_out_id, MeterReading.source == readings.FINAL,
        MeterReading.state == readings.HELD).limit(1)) is not None


def _decide(uow, clearance: ClearanceRequest, cause: dict) -> None:
    """An undecided fee check, its final readings in: decided now on the ledger (`domain.decide`)."""
    s = uow.session
    owed = payments.outstanding(charges_of(s, clearance.unit_id, lock=True), payments_of(s, clearance.unit_id))
    uow.emit_all(domain.decide(clearance, owed, uow.now()), correlation_id=clearance.move_out_id)
    uow.audit("clearance.check", "clearance", clearance.move_out_id,
              {"unit_id": clearance.unit_id, "outstanding": money(owed), "status": clearance.status, **cause},
              correlation_id=clearance.move_out_id)


def _lock_billed_unit(session: Session, unit_id: str):
    """The unit's billed-unit row, locked until the transaction ends (None: billing does not bill
    it). The fee check on ``move_out.requested`` and the final readings of ``unit.supply_cut`` both
    take it first, so on PostgreSQL (READ COMMITTED) the one that waits reads the other's ledger:
    a check made at the same moment as the final charges cannot miss them. (SQLite: every unit of
    work takes the write lock first anyway.)"""
    from propdesk_services.billing.workflows.fee_schedules.models import FeeAccountUnit

    return session.get(FeeAccountUnit, unit_id, with_for_update=True)


def on_move_out_withdrawn(event: Envelope, uow) -> None:
    """The desk withdrew the move-out: its pending fee check is closed, so a later payment on the
    unit confirms nothing for it. A withdrawal that overtakes the request (another queue) closes
    the check before it is made: the late request then checks and announces nothing."""
    p = event.payload
    s, now = uow.session, uow.now()
    row = s.get(ClearanceRequest, p["move_out_id"], with_for_update=True)
    if row is None:
        row = ClearanceRequest(move_out_id=p["move_out_id"], unit_id=p["unit_id"], party_id=None,
                               estate=p.get("estate"), status=domain.WITHDRAWN, last_outstanding=0, created_at=now, updated_at=now)
        s.add(row)
    elif not domain.withdraw(row, now):
        return
    uow.audit("clearance.withdraw", "clearance", row.move_out_id,
              {"unit_id": row.unit_id, "reason": p["reason"], "withdrawn_at": p["withdrawn_at"]})


def on_unit_supply_cut(event: Envelope, uow) -> None:
    """Engineering read the meters as of the exit and cut the supply (``unit.supply_cut``,
    METERS_READ_AND_CUT): each final reading is recorded by the final-reading rules (billed at once
    when billable: `meter_readings.handlers.record_final_reading`), then the move-out's fee check
    is decided on the ledger with them: for the first time when it waited for them ("awaiting_meters"
    -> `domain.decide`; a final reading of its own held for review keeps it waiting, "readings_held",
    until the supervisor accepts, corrects or supersedes it: `after_final_reading`), else re-decided
    (`domain.redecide_after_final_readings`: a check decided at once, the unit not metered then).

    Once per move-out: the inbox absorbs a redelivery, and the move-out announced again (another
    event id) finds its final readings recorded and changes nothing. A unit billing does not bill
    (no billed unit) records no reading. A fee check not made yet (``move_out.requested`` still on
    its way on another queue) is made later, at once, on the ledger that already holds the final
    charges (the cut leaves a "meters_read" row for the request to find)."""
    from propdesk_services.billing.workflows.meter_readings.handlers import record_final_reading

    p = event.payload
    move_out_id, unit_id = p["move_out_id"], p["unit_id"]
    uow.correlation_id = move_out_id
    s = uow.session
    unit = _lock_billed_unit(s, unit_id)
    recorded = []
    if unit is not None:
        for r in p["final_readings"]:
            row = record_final_reading(uow, unit, r["meter"], Decimal(r["reading"]),
                                       datetime.fromisoformat(r["read_at"]), event.actor.id, move_out_id)
            if row is not None:
                recorded.append({"reading_no": row.reading_no, "meter": row.meter, "state": row.state})
    uow.audit("clearance.final_readings", "clearance", move_out_id,
              {"unit_id": unit_id, "work_order_no": p["work_order_no"], "utilities": p["utilities"],
               "recorded": recorded, "billed_unit": unit is not None, "event_id": event.event_id})
    clearance = s.get(ClearanceRequest, move_out_id, with_for_update=True)
    if clearance is None:
        if unit is not None:  # the request is still on its way: it will find the cut in and check at once
            s.add(ClearanceRequest(move_out_id=move_out_id, unit_id=unit_id, party_id=None,
                                   estate=p.get("estate") or unit.estate, status=domain.METERS_READ,
                                   last_outstanding=0, created_at=uow.now(), updated_at=uow.now()))
        return
    if clearance.status == domain.AWAITING_METERS:  # the check waited for these readings: decided now
        if final_reading_held(s, move_out_id):
            clearance.status, clearance.updated_at = domain.READINGS_HELD, uow.now()
            uow.audit("clearance.readings_held", "clearance", move_out_id, {"unit_id": unit_id})
        else:
            _decide(uow, clearance, {"work_order_no": p["work_order_no"]})
        return
    if not recorded:
        return  # nothing new on the ledger (announced again, or a unit billing does not bill)
    owed = payments.outstanding(charges_of(s, unit_id, lock=True), payments_of(s, unit_id))
    before = clearance.status
    events = domain.redecide_after_final_readings(clearance, owed, uow.now())
    uow.emit_all(events)
    if events or clearance.status != before:
        uow.audit("clearance.redecide", "clearance", move_out_id,
                  {"unit_id": unit_id, "outstanding": money(owed), "from": before, "status": clearance.status})


def after_final_reading(uow, reading, billed: bool) -> None:
    """A final reading accepted, corrected or entered at the counter, or set aside as superseded by
    a later reading (`billed`: charged now, or nothing to bill; a superseded one never bills): the
    fee checks it belongs to see it. Those pending are re-checked against the balance, as after a
    payment, when it billed; those that waited for it ("readings_held") are decided once none of
    their own final readings is held any more (a superseded one is not held: its check is decided on
    the ledger as it stands, `meter_readings.handlers.supersede_meter_reading`). It belongs to the
    move-out whose cut recorded it (`reading.move_out_id`): an earlier move-out's reading reviewed
    late neither re-checks nor decides a later move-out's check of the unit, decided on its own
    readings. A reading entered at the counter, of no move-out, is the unit's: its checks, as a
    payment's."""
    s, unit_id, cause = uow.session, reading.unit_id, {"reading_no": reading.reading_no}
    if billed:
        pending = pending_clearances(s, unit_id, reading.move_out_id)
        if pending:
            balance = payments.outstanding(charges_of(s, unit_id, lock=True), payments_of(s, unit_id))
            _recheck(uow, pending, balance, cause)
    held = select(ClearanceRequest).where(ClearanceRequest.unit_id == unit_id,
                                          ClearanceRequest.status == domain.READINGS_HELD)
    if reading.move_out_id is not None:
        held = held.where(ClearanceRequest.move_out_id == reading.move_out_id)
    for clearance in s.scalars(held.order_by(ClearanceRequest.created_at, ClearanceRequest.move_out_id)
                               .with_for_update()):
        if not final_reading_held(s, clearance.move_out_id):
            _decide(uow, clearance, cause)


def pending_clearances(session: Session, unit_id: str, move_out_id: str | None = None) -> list[ClearanceRequest]:
    """The unit's clearances still pending (`move_out_id`: that move-out's only), oldest first,
    locked until the transaction ends."""
    stmt = select(ClearanceRequest).where(ClearanceRequest.unit_id == unit_id,
                                          ClearanceRequest.status == domain.PENDING)
    if move_out_id is not None:
        stmt = stmt.where(ClearanceRequest.move_out_id == move_out_id)
    return list(session.scalars(stmt.order_by(ClearanceRequest.created_at, ClearanceRequest.move_out_id)
                                .with_for_update()))


def recheck_after_payment(uow, pending: list[ClearanceRequest], balance: Decimal, payment_id: str) -> None:
    """After a payment, in its unit of work: re-check each pending clearance against the unit's
    new balance (`_recheck`, the payment named as the cause)."""
    _recheck(uow, pending, balance, {"payment_id": payment_id})


def _recheck(uow, pending: list[ClearanceRequest], balance: Decimal, cause: dict) -> None:
    """Re-check each pending clearance against the unit's balance now (`domain.recheck`), after
    whatever changed it (`cause`: a payment, a final reading billed; recorded in the audit row).
    Settled: confirmed and announced (audit ``clearance.confirm``). Still owing: the new amount is
    stored, nothing announced (audit ``clearance.recheck``)."""
    now = uow.now()
    for clearance in pending:
        events = domain.recheck(clearance, balance, now)
        uow.emit_all(events, correlation_id=clearance.move_out_id)
        uow.audit("clearance.confirm" if clearance.status == domain.CONFIRMED else "clearance.recheck",
                  "clearance", clearance.move_out_id, {**cause, "outstanding": money(balance)},
                  correlation_id=clearance.move_out_id)
