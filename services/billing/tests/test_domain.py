"""Account balance, payment validation and fee clearance (费用结清, domain.md §2.5, WI/FW-020)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from propdesk.errors import ValidationError
from propdesk_services.billing import domain as d

AS_OF = datetime(2026, 11, 22, 10, 0, tzinfo=timezone(timedelta(hours=8)))


def rules(exc: ValidationError) -> set[tuple[str, str]]:
    return {(p.field, p.rule) for p in exc.problems}


def charge(amount: str, period: str = "2026-10") -> d.Charge:
    return d.Charge("1-1-702", Decimal(amount), period, "property_fee")


def payment(amount: str, period: str = "2026-10") -> d.Payment:
    return d.Payment("1-1-702", Decimal(amount), period, "property_fee", "bank", "SK-1")


def test_outstanding():
    assert d.outstanding([charge("196.30", "2026-09"), charge("196.30")], [payment("196.30", "2026-09")]) == Decimal("196.30")
    assert d.outstanding([charge("196.30")], [payment("196.30")]) == Decimal("0.00")
    assert d.outstanding([charge("100.00")], [payment("150.00")]) == Decimal("-50.00")
    assert d.outstanding([], []) == Decimal("0.00")
    assert str(d.outstanding([charge("0.1"), charge("0.2")], [])) == "0.30"


def test_valid_payment_returns_the_amount():
    assert d.validate_payment(True, "1234.5", "cash", "SK202610-00001") == Decimal("1234.50")
    assert d.validate_payment(True, Decimal("10"), "cheque", "R1") == Decimal("10.00")
    assert d.validate_payment(True, 3, "bank", "R1") == Decimal("3.00")


@pytest.mark.parametrize(
    "amount, rule",
    [
        ("0", "positive_amount"),
        ("-5.00", "positive_amount"),
        ("1.005", "max_2_decimals"),
        ("abc", "decimal"),
        ("Infinity", "decimal"),
        (None, "required"),
        ("", "required"),
        ("10000000000.00", "max_amount"),  # the ledger keeps 12 digits, 2 of them decimals
        ("12345678901234567890.01", "max_amount"),
        ("1e30", "max_amount"),
    ],
)
def test_amount_rules(amount, rule):
    with pytest.raises(ValidationError) as e:
        d.validate_payment(True, amount, "cash", "R1")
    assert rules(e.value) == {("amount", rule)}


def test_the_largest_amount_the_ledger_keeps_is_accepted():
    assert d.validate_payment(True, "9999999999.99", "bank", "R1") == Decimal("9999999999.99")


def test_method_and_receipt_and_unit():
    with pytest.raises(ValidationError) as e:
        d.validate_payment(True, "10.00", "alipay", "R1")
    assert rules(e.value) == {("method", "one_of")}
    with pytest.raises(ValidationError) as e:
        d.validate_payment(True, "10.00", "cash", "  ")
    assert rules(e.value) == {("receipt_no", "required")}
    with pytest.raises(ValidationError) as e:
        d.validate_payment(False, "10.00", "cash", "R1")
    assert rules(e.value) == {("unit_id", "unknown_unit")}


def test_all_payment_problems_at_once():
    with pytest.raises(ValidationError) as e:
        d.validate_payment(False, "-0.001", None, None)
    assert rules(e.value) == {
        ("unit_id", "unknown_unit"),
        ("amount", "positive_amount"),
        ("amount", "max_2_decimals"),
        ("method", "one_of"),
        ("receipt_no", "required"),
    }


def test_clearance_confirmed_when_nothing_owed():
    event_type, payload = d.clearance_event("1-1-303", "TEN-1-1-303", Decimal("0"), "MO-1", AS_OF)
    assert event_type == "billing.clearance_confirmed"
    assert payload == {
        "unit_id": "1-1-303",
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


def test_money():
    assert d.money(Decimal("1234.5")) == "1234.50"
    assert d.money(Decimal("-0")) == "0.00"


def test_payloads_match_the_contracts():
    registry = pytest.importorskip("propdesk.contracts.registry")
    for amount in (Decimal("0"), Decimal("12.3")):
        event_type, payload = d.clearance_event("1-1-702", "TEN-1-1-702", amount, "MO-2", AS_OF)
        assert registry.validate_payload(event_type, 1, payload)
