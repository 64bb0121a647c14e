"""Structured logs: one JSON object a line, naming the service and the business case."""
from __future__ import annotations

import json
import logging

from propdesk.chassis.logs import JsonFormatter


def _record(msg, **extra):
    record = logging.LogRecord("propdesk.test", logging.INFO, __file__, 1, msg, (), None)
    for k, v in extra.items():
        setattr(record, k, v)
    return record


def test_a_log_line_is_json_with_the_case_it_belongs_to():
    line = JsonFormatter("residents").format(_record("committed move_out.requested", correlation_id="MO-20261123-0001",
                                                     event_type="billing.clearance_failed", actor="front_desk:fd-1"))
    entry = json.loads(line)
    assert entry["service"] == "residents" and entry["level"] == "info"
    assert entry["correlation_id"] == "MO-20261123-0001"
    assert entry["event_type"] == "billing.clearance_failed" and entry["actor"] == "front_desk:fd-1"
    assert entry["msg"] == "committed move_out.requested"


def test_a_line_outside_any_case_has_no_correlation_id():
    entry = json.loads(JsonFormatter("tickets").format(_record("started")))
    assert "correlation_id" not in entry and entry["service"] == "tickets"
