"""access.release_at_gate submitted several times at once with one idempotency key, against a
real database and container: the goods leave once and every caller gets the same answer. (The
key's other rules, same request / another request / malformed key, are on the unit tier:
tests/unit/release_slip/test_handlers.py.)"""
from __future__ import annotations

from tests import idempotency_checks as checks

from .test_wiring import GUARD, access, issued_slip, move_out_id  # noqa: F401  (fixtures)


def test_the_same_release_submitted_at_once_is_done_once(access, propdesk_env, move_out_id):
    slip_no = issued_slip(propdesk_env, access, move_out_id)["slip_no"]
    checks.concurrent_duplicates(access, "release_at_gate", ({"slip_no": slip_no}, GUARD), {},
                                 propdesk_env.db_url("access"), "outbox")
