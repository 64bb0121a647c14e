"""Charges outside the fee schedules: a paid repair tickets announces (``repair.charge_requested``)
and a one-off fee finance adds. Plain functions on a unit of work."""
from __future__ import annotations

from sqlalchemy import select

from propdesk.chassis.estates import visible
from propdesk.contracts.envelope import Envelope
from propdesk.domain import Event
from propdesk.money import money
from propdesk_services.billing.workflows.charges import domain
from propdesk_services.billing.workflows.fee_schedules.domain import period_of
from propdesk_services.billing.workflows.fee_schedules.models import FeeAccountUnit
from propdesk_services.billing.workflows.payments.models import Charge


def _estate_of(session, unit_id: str) -> str | None:
    unit = session.get(FeeAccountUnit, unit_id)
    if unit is not None:
        return unit.estate
    return session.scalar(select(Charge.estate).where(Charge.unit_id == unit_id).limit(1))


def _charge_view(c: Charge) -> dict:
    return {"charge_id": c.id, "unit_id": c.unit_id, "estate": c.estate, "period": c.period, "item": c.item,
            "amount": money(c.amount), "basis": c.basis, "source": c.source, "source_ref": c.source_ref}


def on_repair_charge_requested(event: Envelope, uow) -> None:
    """A paid repair (有偿维修) the client signed for: its amount goes on the unit's fee account
    (item paid_service, source repair, reference the repair's id) in the current month, shown on
    that month's fee notice; ``paid_service.charged`` tells reports and notify. Once per repair: the
    same repair announced again (another event id) charges nothing more. The unit's estate is the
    event's, else its fee account's; a unit billing knows nothing of is a fault (retried, then
    dead-lettered for finance to look at), never a guess."""
    p, s = event.payload, uow.session
    if s.scalar(select(Charge.id).where(Charge.source == domain.REPAIR, Charge.source_ref == p["repair_id"])):
        return
    estate = p.get("estate") or _estate_of(s, p["unit_id"])
    if estate is None:
        raise LookupError(f"repair {p['repair_id']}: billing knows no estate for unit {p['unit_id']}")
    today = uow.today()
    charge = Charge(unit_id=p["unit_id"], estate=estate, period=period_of(today.year, today.month),
                    item="paid_service", amount=p["amount"], basis="fixed", source=domain.REPAIR,
                    source_ref=p["repair_id"])
    s.add(charge)
    s.flush()
    uow.emit_all([Event("paid_service.charged", {
        "charge_id": charge.id, "repair_id": p["repair_id"], "work_order_no": p["work_order_no"],
        "unit_id": charge.unit_id, "estate": estate, "amount": money(charge.amount), "item": charge.item,
        "period": charge.period})])
    uow.audit("charge.repair", "charge", str(charge.id),
              {"repair_id": p["repair_id"], "work_order_no": p["work_order_no"], "unit_id": charge.unit_id,
               "amount": money(charge.amount), "description": p["description"], "signed_by": p["signed_by"]})


def add_one_off_charge(cmd, uow) -> dict:
    """A one-off fee (一次性收费) on a unit's fee account, numbered (OC-), in the given month
    (default the current one); shown on that month's fee notice. ValidationError: every problem at
    once (`domain.validate_one_off`; another estate's unit is unknown_unit)."""
    s, data = uow.session, cmd.data
    estate = _estate_of(s, data["unit_id"])
    known = estate is not None and visible(cmd.estates, estate)
    today = uow.today()
    amount, period, description = domain.validate_one_off(data, known, period_of(today.year, today.month))
    charge = Charge(unit_id=data["unit_id"], estate=estate, period=period, item="one_off", amount=amount,
                    basis="fixed", source=domain.ONE_OFF, source_ref=uow.next_number(domain.ONE_OFF_SERIES))
    s.add(charge)
    s.flush()
    uow.audit("charge.one_off", "charge", str(charge.id),
              {"number": charge.source_ref, "unit_id": charge.unit_id, "amount": money(amount), "period": period,
               "description": description})
    return {**_charge_view(charge), "description": description}
