"""One money format on the wire, one for people."""
from decimal import Decimal

from propdesk.money import money, yuan


def test_wire_form_has_two_decimals_and_no_negative_zero():
    assert money(Decimal("1234.5")) == "1234.50"
    assert money("392.6") == "392.60"
    assert money(Decimal("-0.001")) == "0.00"
    assert money(Decimal("-12.5")) == "-12.50"


def test_office_form_groups_thousands_and_shows_what_is_not_a_number():
    assert yuan("1234.5") == "¥1,234.50"
    assert yuan(Decimal("12960")) == "¥12,960.00"
    assert yuan("n/a") == "¥n/a"
