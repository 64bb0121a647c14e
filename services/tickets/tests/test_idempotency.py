"""tickets.record_inspection with idempotency keys: one result recorded however often it is sent."""
from __future__ import annotations

import pytest

from tests import idempotency_checks as checks
from tests.helpers import call

from .test_service import ENGINEER, open_work_order, tickets  # noqa: F401  (the fixture)

MOVE_OUT = "MO-20261122-0042"
RESULTS = ({"passed": False, "defects": ["客厅墙面破损"]}, {"passed": True, "defects": []})


@pytest.fixture
def work_order(tickets, propdesk_env):
    return open_work_order(tickets, propdesk_env, MOVE_OUT)


def sender(container):
    return lambda key, variant: call(container, "record_inspection", MOVE_OUT, RESULTS[variant], ENGINEER,
                                     idempotency_key=key)


def test_same_key_same_result_is_recorded_once(tickets, work_order, propdesk_env):
    checks.same_key_same_request(sender(tickets), propdesk_env.db_url("tickets"), ("outbox", "audit_log"))


def test_same_key_another_result_is_a_conflict(tickets, work_order, propdesk_env):
    checks.same_key_other_request(sender(tickets), propdesk_env.db_url("tickets"))


def test_the_same_result_submitted_at_once_is_recorded_once(tickets, work_order, propdesk_env):
    checks.concurrent_duplicates(tickets, "record_inspection", (MOVE_OUT, RESULTS[0], ENGINEER), {},
                                 propdesk_env.db_url("tickets"), "outbox")


def test_a_malformed_key_is_rejected(tickets, work_order, propdesk_env):
    checks.malformed_keys(sender(tickets), propdesk_env.db_url("tickets"))
