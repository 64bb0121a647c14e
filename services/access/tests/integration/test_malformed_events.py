"""A malformed event reaching a real department's subscriber (access) is dead-lettered with the
reason and changes nothing; the subscriber keeps consuming the next, well-formed event (issue #3 §3).

tests/chassis/test_messaging.py covers the same on a toy service; this is the real one, its real
contracts (`move_out.requested` v1, `billing.clearance_confirmed` v1) and its real queues."""
from __future__ import annotations

import pytest

from propdesk.contracts.envelope import new_id
from tests.helpers import publish_raw, queue_messages, table_counts, wait_for

from .test_wiring import access, hold_of, move_out_id, requested  # noqa: F401  (fixtures)

REQUESTED = {"move_out_id": "MO-20261122-0901", "unit_id": "1-1-303", "tenant_id": "TEN-1-1-303",
             "owner_id": "OWN-1-1-303", "owner_consent_doc": "客户同意函 2026-118", "exit_date": "2026-11-30",
             "fitout_disposition": "restore"}


def envelope(event_type: str, payload: dict, version: int = 1, **changes) -> dict:
    return {"event_id": new_id(), "event_type": event_type, "version": version,
            "occurred_at": "2026-11-22T10:00:00+00:00", "producer": "residents",
            "correlation_id": payload.get("move_out_id", "c-1"), "causation_id": None,
            "actor": {"id": "fd-01", "role": "front_desk"}, "payload": payload, **changes}


@pytest.mark.parametrize("body, routing_key, queue, reason", [
    (b"\xff{not json", "move_out.requested", "access.on_move_out_requested", "malformed"),
    (envelope("move_out.requested", {**REQUESTED, "unit_id": 303}), "move_out.requested",
     "access.on_move_out_requested", "malformed"),                       # bad payload schema
    (envelope("move_out.requested", {k: v for k, v in REQUESTED.items() if k != "move_out_id"}),
     "move_out.requested", "access.on_move_out_requested", "malformed"),  # a required field missing
    (envelope("move_out.requested", REQUESTED, occurred_at="yesterday"), "move_out.requested",
     "access.on_move_out_requested", "malformed"),                       # bad envelope
    (envelope("move_out.requested", REQUESTED, version=7), "move_out.requested",
     "access.on_move_out_requested", "unknown_contract"),                # unknown version
    (envelope("billing.clearance_confirmed", {"unit_id": "1-1-303", "move_out_id": "MO-20261122-0901",
                                              "outstanding_amount": "0.00", "as_of": "2026-11-22T10:00:00+00:00",
                                              "party_id": "TEN-1-1-303"}, version=2),
     "billing.clearance_confirmed", "access.on_clearance", "unknown_contract"),
])
def test_a_malformed_event_is_dead_lettered_with_the_reason_and_changes_nothing(
        access, propdesk_env, move_out_id, body, routing_key, queue, reason):
    before = table_counts(propdesk_env.db_url("access"))
    publish_raw(propdesk_env.amqp_uri, body, routing_key)
    parked = wait_for(lambda: queue_messages(propdesk_env.amqp_uri, "propdesk.dlq"), what="a dead letter")
    assert len(parked) == 1
    headers = parked[0]["headers"]
    assert (headers["x-propdesk-reason"], headers["x-propdesk-queue"]) == (reason, queue)
    assert headers["x-propdesk-error"]
    assert table_counts(propdesk_env.db_url("access")) == before
    requested(propdesk_env, move_out_id)  # the subscriber is still consuming
    wait_for(lambda: hold_of(access, move_out_id), what="the next, well-formed event to be handled")
