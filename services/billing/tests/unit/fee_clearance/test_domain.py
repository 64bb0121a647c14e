"""Fee clearance (费用结清, domain.md §2.6, WI/FW-020): finance's answer and its re-check."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from propdesk.contracts import registry
from propdesk.errors import ValidationError
from propdesk_services.billing.workflows.fee_clearance import domain as d

AS_OF = datetime(2026, 11, 22, 10, 0, tzinfo=timezone(timedelta(hours=8)))
LATER = AS_OF + timedelta(hours=2)


def rules(exc: ValidationError) -> set[tuple[str, str]]:
    return {(p.field, p.rule) for p in exc.problems}


def test_clearance_confirmed_when_nothing_owed():
    event_type, payload = d.clearance_event("1-1-303", "TEN-1-1-303", Decimal("0"), "MO-1", AS_OF)
    assert event_type == "billing.clearance_confirmed"
    assert payload == {
        "unit_id": "1-1-303",
        "estate": None,
        "party_id": "TEN-1-1-303",
        "move_out_id": "MO-1",
        "outstanding_amount": "0.00",
        "as_of": "2026-11-22T10:00:00+08:00",
    }


def test_clearance_confirmed_with_credit():
    event_type, payload = d.clearance_event("1-1-303", "TEN-1-1-303", Decimal("-20"), None, AS_OF)
    assert (event_type, payload["outstanding_amount"], payload["move_out_id"]) == ("billing.clearance_confirmed", "-20.00", None)


def test_clearance_failed_when_owed():
    event_type, payload = d.clearance_event("1-1-702", "TEN-1-1-702", Decimal("392.6"), "MO-2", AS_OF)
    assert event_type == "billing.clearance_failed"
    assert payload["outstanding_amount"] == "392.60"


def test_clearance_needs_an_aware_time():
    with pytest.raises(ValidationError) as e:
        d.clearance_event("1-1-702", None, Decimal("1"), None, datetime(2026, 11, 22))
    assert rules(e.value) == {("as_of", "timezone_aware")}


def test_payloads_match_the_contracts():
    for amount in (Decimal("0"), Decimal("12.3"), Decimal("-5")):
        event_type, payload = d.clearance_event("1-1-702", "TEN-1-1-702", amount, "MO-2", AS_OF)
        assert registry.validate_payload(event_type, 1, payload)


def test_check_of_a_paid_up_unit_is_confirmed():
    clearance, answer = d.check("MO-1", "1-1-303", "TEN-1-1-303", Decimal("0.00"), AS_OF)
    assert (clearance.status, clearance.last_outstanding, clearance.created_at) == (d.CONFIRMED, Decimal("0.00"), AS_OF)
    assert answer.type == d.CLEARANCE_CONFIRMED


def test_check_of_a_unit_in_arrears_stays_pending_with_the_amount():
    clearance, answer = d.check("MO-2", "1-1-702", "TEN-1-1-702", Decimal("392.6"), AS_OF)
    assert (clearance.status, clearance.last_outstanding, clearance.party_id) == (d.PENDING, Decimal("392.60"), "TEN-1-1-702")
    assert (answer.type, answer.payload["move_out_id"], answer.payload["outstanding_amount"]) == \
        (d.CLEARANCE_FAILED, "MO-2", "392.60")


def test_a_recheck_still_owing_stores_the_amount_and_announces_nothing():
    clearance, _ = d.check("MO-2", "1-1-702", "TEN-1-1-702", Decimal("392.60"), AS_OF)
    assert d.recheck(clearance, Decimal("196.30"), LATER) == []
    assert (clearance.status, clearance.last_outstanding, clearance.updated_at) == (d.PENDING, Decimal("196.30"), LATER)


@pytest.mark.parametrize("balance", [Decimal("0"), Decimal("-1.00")])
def test_a_recheck_that_settles_confirms_and_announces(balance):
    clearance, _ = d.check("MO-2", "1-1-702", "TEN-1-1-702", Decimal("392.60"), AS_OF)
    [event] = d.recheck(clearance, balance, LATER)
    assert (clearance.status, clearance.last_outstanding) == (d.CONFIRMED, balance.quantize(Decimal("0.01")))
    assert (event.type, event.payload["move_out_id"], event.payload["party_id"], event.payload["as_of"]) == \
        (d.CLEARANCE_CONFIRMED, "MO-2", "TEN-1-1-702", LATER.isoformat())


def test_final_readings_re_decide_a_move_outs_fee_check():
    from datetime import datetime, timezone
    from decimal import Decimal

    from propdesk_services.billing.workflows.fee_clearance import domain as d

    at = datetime(2026, 12, 10, 2, 0, tzinfo=timezone.utc)
    confirmed = d.Clearance(move_out_id="MO-1", unit_id="1-1-101", party_id="T", status=d.CONFIRMED)
    [e] = d.redecide_after_final_readings(confirmed, Decimal("39.97"), at)
    assert (confirmed.status, e.type, e.payload["outstanding_amount"]) == (d.PENDING, d.CLEARANCE_FAILED, "39.97")
    assert d.redecide_after_final_readings(confirmed, Decimal("39.97"), at) == []     # the same amount: nothing new
    [more] = d.redecide_after_final_readings(confirmed, Decimal("50.00"), at)         # a new amount is announced
    assert more.payload["outstanding_amount"] == "50.00"
    [ok] = d.redecide_after_final_readings(confirmed, Decimal("0"), at)
    assert (confirmed.status, ok.type) == (d.CONFIRMED, d.CLEARANCE_CONFIRMED)
    assert d.redecide_after_final_readings(confirmed, Decimal("0"), at) == []
    gone = d.Clearance(move_out_id="MO-2", unit_id="1-1-101", party_id="T", status=d.WITHDRAWN)
    assert d.redecide_after_final_readings(gone, Decimal("10"), at) == [] and gone.status == d.WITHDRAWN


def test_a_check_waiting_for_the_meters_is_decided_once_and_only_then():
    waiting = d.awaiting_meters("MO-3", "1-1-101", "T", Decimal("0"), AS_OF, "E1")
    assert (waiting.status, waiting.last_outstanding) == (d.AWAITING_METERS, Decimal("0.00"))
    assert d.awaiting_meters("MO-4", "1-1-101", "T", Decimal("0"), AS_OF, held=True).status == d.READINGS_HELD
    assert d.redecide_after_final_readings(waiting, Decimal("9.80"), LATER) == []     # not decided yet: not re-decided
    assert waiting.status == d.AWAITING_METERS
    [failed] = d.decide(waiting, Decimal("9.80"), LATER)
    assert (waiting.status, failed.type, failed.payload["outstanding_amount"]) == (d.PENDING, d.CLEARANCE_FAILED, "9.80")
    assert failed.payload["estate"] == "E1" and failed.payload["as_of"] == LATER.isoformat()
    assert d.decide(waiting, Decimal("0"), LATER) == [] and waiting.status == d.PENDING   # decided already
    paid_up = d.awaiting_meters("MO-5", "1-1-101", "T", Decimal("0"), AS_OF, held=True)
    [ok] = d.decide(paid_up, Decimal("-5"), LATER)                                    # a credit counts as settled
    assert (paid_up.status, ok.type) == (d.CONFIRMED, d.CLEARANCE_CONFIRMED)


@pytest.mark.parametrize("status", [d.AWAITING_METERS, d.READINGS_HELD, d.METERS_READ, d.PENDING])
def test_an_undecided_check_is_closed_by_a_withdrawal(status):
    c = d.Clearance(move_out_id="MO-6", unit_id="1-1-101", party_id="T", status=status)
    assert d.withdraw(c, LATER) and c.status == d.WITHDRAWN
    assert d.decide(c, Decimal("0"), LATER) == []


def test_every_status_fits_the_stored_column():
    from propdesk_services.billing.workflows.fee_clearance.models import ClearanceRequest

    assert max(len(s) for s in d.STATUSES) <= ClearanceRequest.__table__.c.status.type.length
