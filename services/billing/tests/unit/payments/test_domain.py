"""Account balance and payment validation (收费, domain.md §2.5)."""
from __future__ import annotations

from decimal import Decimal

import pytest

from propdesk.contracts import registry
from propdesk.contracts.vocab import MAX_AMOUNT, PAYMENT_METHODS
from propdesk.errors import ValidationError
from propdesk_services.billing.workflows.payments import domain as d


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
        ("0.00", "positive_amount"),
        (0, "positive_amount"),
        ("-5.00", "positive_amount"),
        (-1, "positive_amount"),
        ("1.005", "max_2_decimals"),
        ("10.005", "max_2_decimals"),
        (0.125, "max_2_decimals"),
        ("abc", "decimal"),
        ("Infinity", "decimal"),
        (True, "decimal"),
        (None, "required"),
        ("", "required"),
        ("10000000000.00", "max_amount"),  # the ledger keeps 12 digits, 2 of them decimals
        ("12345678901234567890.01", "max_amount"),  # would be stored as ...567168.00: over Numeric(12, 2)
        ("1e30", "max_amount"),  # was a decimal.InvalidOperation (a 500), not a named rule
    ],
)
def test_amount_rules(amount, rule):
    with pytest.raises(ValidationError) as e:
        d.validate_payment(True, amount, "cash", "R1")
    assert rules(e.value) == {("amount", rule)}


def test_the_largest_amount_the_ledger_keeps_is_accepted():
    assert d.validate_payment(True, "9999999999.99", "bank", "R1") == Decimal("9999999999.99") == MAX_AMOUNT


def test_methods_are_the_shared_vocabulary():
    for method in PAYMENT_METHODS.codes:
        assert d.validate_payment(True, "1.00", method, "R1") == Decimal("1.00")


def test_method_and_receipt_and_unit():
    with pytest.raises(ValidationError) as e:
        d.validate_payment(True, "10.00", "paypal", "R1")
    assert rules(e.value) == {("method", "one_of")}
    with pytest.raises(ValidationError) as e:
        d.validate_payment(True, "10.00", ["cash"], "R1")
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


def test_a_receipt_is_recorded_once():
    assert d.check_receipt_unused("SK-1", already_recorded=False) is None
    with pytest.raises(ValidationError) as e:
        d.check_receipt_unused("SK-1", already_recorded=True)
    assert rules(e.value) == {("receipt_no", "duplicate_receipt")}


def test_payment_received_matches_its_contract():
    paid = d.Payment("1-1-702", Decimal("392.6"), method="cash", receipt_no="SK-1", payment_id="P-1", party_id=None)
    event = d.payment_received(paid)
    assert event.type == "payment.received"
    assert event.payload["amount"] == "392.60" and event.payload["matched_bank_slip"] is None
    assert registry.validate_payload(event.type, 1, event.payload)


def test_money():
    assert d.money(Decimal("1234.5")) == "1234.50"
    assert d.money(Decimal("-0")) == "0.00"


# -- prepayments (预收款/预交物业费) ------------------------------------------------------------------
@pytest.mark.parametrize("owed_before, amount, prepaid", [
    ("0.00", "1.00", "1.00"),        # owes nothing: all of it is prepaid
    ("392.60", "400.00", "7.40"),    # more than owed: the excess
    ("392.60", "392.60", "0.00"),    # exactly what is owed
    ("392.60", "100.00", "0.00"),    # part of what is owed
    ("-20.00", "10.00", "10.00"),    # already in credit: all of it is prepaid
])
def test_the_part_of_a_payment_beyond_what_is_owed_is_prepaid(owed_before, amount, prepaid):
    assert d.prepaid_part(Decimal(owed_before), Decimal(amount)) == Decimal(prepaid)
    assert str(d.prepaid_part(Decimal(owed_before), Decimal(amount))) == prepaid


@pytest.mark.parametrize("owed, credit", [("-7.40", "7.40"), ("0.00", "0.00"), ("-0", "0.00"), ("392.60", "0.00")])
def test_credit_is_what_was_paid_beyond_the_charges(owed, credit):
    assert str(d.credit(Decimal(owed))) == credit


def test_payment_received_names_the_prepayment():
    paid = d.Payment("1-1-303", Decimal("1"), method="cash", receipt_no="SK-2", payment_id="P-2",
                     prepaid_amount=Decimal("1.00"))
    event = d.payment_received(paid)
    assert event.payload["prepaid_amount"] == "1.00"
    assert registry.validate_payload(event.type, 1, event.payload)["prepaid_amount"] == "1.00"


def test_an_older_payment_received_without_a_prepayment_reads_as_none():
    payload = {"payment_id": "P-1", "party_id": None, "unit_id": "1-1-702", "amount": "392.60", "method": "cash",
               "receipt_no": "SK-1", "matched_bank_slip": None}
    assert registry.validate_payload("payment.received", 1, payload)["prepaid_amount"] == "0.00"
