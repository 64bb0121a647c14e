"""Demo rows of the monthly fee cycle: every demo unit as a billed unit (its estate, kind and area
from propdesk.demo), the fee schedules of both estates, and the water and electricity readings of
2026-10 (the baseline) and 2026-11 for the flats of building 1, one of them held for review (a
jump beyond the factor). The property fees of 2026-09/10 are already on the ledger (demo.py), so
the first billing run is 2026-11's, left for finance to start."""
from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from propdesk import demo
from propdesk.chassis.calendar import office_day
from propdesk.chassis.numbering import next_numbers
from propdesk_services.billing.workflows.fee_schedules.models import FeeAccountUnit, FeeSchedule
from propdesk_services.billing.workflows.meter_readings.handlers import SERIES as READINGS_SERIES
from propdesk_services.billing.workflows.meter_readings.models import MeterReading

LOADED = "fee cycle already loaded"
_AT = datetime(2026, 11, 20, 2, 0, tzinfo=timezone.utc)

#: (estate, unit kind, item, basis, unit price, from, to, jump factor): the management contract's
#: standards (inferred values; the residential rate is propdesk.demo's)
SCHEDULES = (
    ("E1", "residential", "property_fee", "per_area", demo.RESIDENTIAL_RATE, "2026-01", None, None),
    ("E1", "residential", "water", "per_reading", Decimal("4.90"), "2026-01", None, Decimal("3")),
    ("E1", "residential", "electricity", "per_reading", Decimal("0.5283"), "2026-01", None, Decimal("3")),
    ("E1", "residential", "parking", "per_space", Decimal("150.00"), "2026-01", None, None),
    ("E1", "residential", "heating", "per_area", Decimal("5.80"), "2026-11", "2027-03", None),
    ("E2", "office", "property_fee", "per_area", demo.OFFICE_RATE, "2026-01", None, None),
    ("E2", "office", "water", "per_reading", Decimal("6.50"), "2026-01", None, None),
    ("E2", "office", "electricity", "per_reading", Decimal("1.05"), "2026-01", None, Decimal("4")),
)


def load(session: Session) -> str:
    """Add the billed units, schedules and readings unless billed units are there; say what was added."""
    if session.scalar(select(FeeAccountUnit.unit_id).limit(1)) is not None:
        return LOADED
    units = demo.units()
    session.add_all(FeeAccountUnit(unit_id=u["unit_id"], estate=u["estate"], kind=u["kind"], area_m2=u["area_m2"],
                                   parking_spaces=1 if u["unit_id"].endswith("01") and u["estate"] == "E1" else 0,
                                   payer_party_id=u["tenant_party_id"] or u["owner_party_id"], active=True,
                                   updated_by="demo", updated_at=_AT) for u in units)
    session.add_all(FeeSchedule(schedule_id=f"FS-{i:02d}", estate=e, unit_kind=k, item=item, basis=basis,
                                unit_price=price, effective_from=start, effective_to=end, jump_factor=factor,
                                note="《物业委托管理合同》", version=1, updated_by="demo", updated_at=_AT)
                    for i, (e, k, item, basis, price, start, end, factor) in enumerate(SCHEDULES, start=1))
    rows = []
    flats = [u for u in units if u["building"] == "1" and u["floor"] <= 5]
    for n, u in enumerate(flats, start=1):
        for meter, base, used in (("water", Decimal(100 + n * 3), Decimal(8 + n % 5)),
                                  ("electricity", Decimal(2000 + n * 40), Decimal(150 + (n * 7) % 60))):
            jump = meter == "water" and n == 3  # a leak, or a typing error: held for the supervisor
            for period, value, previous, consumption in (
                    ("2026-10", base, None, None),
                    ("2026-11", base + (used * 5 if jump else used), base, used * 5 if jump else used)):
                rows.append(MeterReading(
                    reading_id=f"MR-DEMO-{len(rows) + 1:04d}",
                    unit_id=u["unit_id"], estate=u["estate"], meter=meter, period=period, reading=value,
                    previous=previous, consumption=consumption,
                    state="held" if jump and period == "2026-11" else "ok",
                    hold_rule="jump_beyond_factor" if jump and period == "2026-11" else None,
                    read_on=f"{period}-20", source="import", recorded_by="demo", recorded_at=_AT))
    # numbered by the chassis numbering of the import's office day, as an import numbers them: the
    # day's sequence moves past them, so a reading recorded that day takes the next number
    for row, number in zip(rows, next_numbers(session, READINGS_SERIES, office_day(_AT), len(rows))):
        row.reading_no = number
    session.add_all(rows)
    session.flush()
    return f"{len(units)} billed units, {len(SCHEDULES)} fee schedules, {len(rows)} meter readings"
