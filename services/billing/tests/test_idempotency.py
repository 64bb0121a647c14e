"""billing.record_payment with idempotency keys: one payment however often the desk submits it."""
from __future__ import annotations

from tests import idempotency_checks as checks
from tests.helpers import call

from .test_service import ARREARS_UNIT, CASHIER, billing  # noqa: F401  (the fixture)


def payment(variant: int = 0) -> dict:
    return {"unit_id": ARREARS_UNIT, "amount": ["100.00", "50.00"][variant], "method": "cash",
            "receipt_no": "R-IDEM-0001"}


def sender(container):
    return lambda key, variant: call(container, "record_payment", payment(variant), CASHIER, idempotency_key=key)


def test_same_key_same_payment_records_it_once(billing, propdesk_env):
    checks.same_key_same_request(sender(billing), propdesk_env.db_url("billing"), ("payment", "outbox", "audit_log"))


def test_same_key_another_payment_is_a_conflict(billing, propdesk_env):
    checks.same_key_other_request(sender(billing), propdesk_env.db_url("billing"))


def test_the_same_payment_submitted_at_once_is_recorded_once(billing, propdesk_env):
    checks.concurrent_duplicates(billing, "record_payment", (payment(), CASHIER), {},
                                 propdesk_env.db_url("billing"), "payment")


def test_a_malformed_key_is_rejected(billing, propdesk_env):
    checks.malformed_keys(sender(billing), propdesk_env.db_url("billing"))
