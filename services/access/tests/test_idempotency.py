"""access.release_at_gate with idempotency keys: the goods leave once however often it is sent."""
from __future__ import annotations

import pytest

from tests import idempotency_checks as checks
from tests.helpers import call

from .test_service import GUARD, access, issued_slip, move_out_id  # noqa: F401  (fixtures)


@pytest.fixture
def slips(access, propdesk_env, move_out_id) -> list[str]:
    """Two issued slips: the request (variant 0) and another one (variant 1)."""
    return [issued_slip(propdesk_env, access, move_out_id)["slip_no"],
            issued_slip(propdesk_env, access, move_out_id + "-B")["slip_no"]]


def sender(container, slips):
    return lambda key, variant: call(container, "release_at_gate", slips[variant], GUARD, idempotency_key=key)


def test_same_key_same_slip_is_released_once(access, slips, propdesk_env):
    checks.same_key_same_request(sender(access, slips), propdesk_env.db_url("access"), ("outbox", "audit_log"))


def test_same_key_another_slip_is_a_conflict(access, slips, propdesk_env):
    checks.same_key_other_request(sender(access, slips), propdesk_env.db_url("access"))


def test_the_same_release_submitted_at_once_is_done_once(access, slips, propdesk_env):
    checks.concurrent_duplicates(access, "release_at_gate", (slips[0], GUARD), {},
                                 propdesk_env.db_url("access"), "outbox")


def test_a_malformed_key_is_rejected(access, slips, propdesk_env):
    checks.malformed_keys(sender(access, slips), propdesk_env.db_url("access"))
