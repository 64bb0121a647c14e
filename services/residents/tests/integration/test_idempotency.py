"""residents.request_move_out with idempotency keys: one case however often the desk submits it."""
from __future__ import annotations

from tests import idempotency_checks as checks
from tests.helpers import call

from .test_wiring import CLERK, request, residents  # noqa: F401  (the fixture)


def application(variant: int) -> dict:
    return request(owner_consent_ref=["客户同意函 2026-118", "客户同意函 2026-119"][variant])


def sender(container):
    return lambda key, variant: call(container, "request_move_out", application(variant), CLERK,
                                     idempotency_key=key)


def test_same_key_same_application_opens_one_case(residents, propdesk_env):
    checks.same_key_same_request(sender(residents), propdesk_env.db_url("residents"),
                                 ("move_out_case", "outbox", "audit_log"))


def test_same_key_another_application_is_a_conflict(residents, propdesk_env):
    checks.same_key_other_request(sender(residents), propdesk_env.db_url("residents"))


def test_the_same_application_submitted_at_once_opens_one_case(residents, propdesk_env):
    checks.concurrent_duplicates(residents, "request_move_out", (application(0), CLERK), {},
                                 propdesk_env.db_url("residents"), "move_out_case")


def test_a_malformed_key_is_rejected(residents, propdesk_env):
    checks.malformed_keys(sender(residents), propdesk_env.db_url("residents"))
