"""An absorbed duplicate delivery is normal at-least-once traffic (the chaos duplicate drill sends
every event twice): it is counted in propdesk_inbox_duplicates_skipped_total, never logged as an
ERROR with a traceback that would page whoever watches the logs."""
from __future__ import annotations

import logging

from propdesk.chassis import metrics
from propdesk.contracts.envelope import Actor, Envelope, new_id, utcnow
from tests.chassis.test_messaging import seen, toys  # noqa: F401  (the fixture)
from tests.helpers import publish_raw, wait_for


def test_an_absorbed_duplicate_is_not_logged_as_an_error(toys, propdesk_env, caplog):  # noqa: F811
    front, back = toys
    caplog.set_level(logging.INFO)
    envelope = Envelope(new_id(), "toy.parcel_logged", 1, utcnow(), "toy_front", "case-dup", None,
                        Actor("clerk-1", "front_desk"), {"parcel_id": "P-DUP", "fail_times": 0})
    counter = metrics.INBOX_DUPLICATES.labels("toy_back", "toy_back.on_parcel_logged")
    before = counter._value.get()
    publish_raw(propdesk_env.amqp_uri, envelope.to_json_dict(), "toy.parcel_logged")
    publish_raw(propdesk_env.amqp_uri, envelope.to_json_dict(), "toy.parcel_logged")
    wait_for(lambda: counter._value.get() == before + 1, what="the duplicate to be skipped")
    assert seen(back, "P-DUP") == 1
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == [], [r.getMessage() for r in errors]
