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


def _nameko_expected(exc: BaseException) -> logging.LogRecord:
    """The record nameko's container writes for an entrypoint's expected exception (containers.py)."""
    try:
        raise exc
    except BaseException:
        import sys
        info = sys.exc_info()
    return logging.LogRecord("nameko.containers", logging.WARNING, __file__, 1,
                             "(expected) error handling worker %s: %s", ("<WorkerContext residents.get_move_out>", exc), info)


def _through_filter(record: logging.LogRecord) -> dict:
    from propdesk.chassis.logs import RejectionFilter

    assert RejectionFilter().filter(record)
    return json.loads(JsonFormatter("residents").format(record))


def test_an_expected_rejection_is_one_info_line_naming_field_and_rule():
    from propdesk.errors import Conflict, ValidationError

    entry = _through_filter(_nameko_expected(Conflict("unit 1-1-303 already has an open move-out",
                                                      field="unit_id", rule="one_open_move_out")))
    assert entry["level"] == "info" and "exc" not in entry
    assert entry["msg"] == ("rejected Conflict (unit_id/one_open_move_out) at <WorkerContext residents.get_move_out>: "
                            "unit 1-1-303 already has an open move-out")
    entry = _through_filter(_nameko_expected(ValidationError.one("exit_date", "not_before_today", "exit date is past")))
    assert entry["level"] == "info" and "exit_date/not_before_today" in entry["msg"] and "exc" not in entry


def test_a_fault_keeps_its_level_and_traceback():
    entry = _through_filter(_nameko_expected(RuntimeError("database is locked")))
    assert entry["level"] == "warning" and "RuntimeError: database is locked" in entry["exc"]


def test_personal_numbers_never_reach_a_log_line():
    entry = json.loads(JsonFormatter("residents").format(_record("consent ref 11010519491231002X, call 13812345678")))
    assert entry["msg"] == "consent ref 110105********002X, call 138****5678"
