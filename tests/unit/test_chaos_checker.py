"""The chaos checker's rules on made-up timelines: it must see what it is there to see.

Plain pytest: no broker. The drills themselves run in tests/system/test_chaos.py.
"""
from __future__ import annotations

from decimal import Decimal

from chaos.checker import Checker, CaseReport, Verdict
from chaos.workload import Case, SeedUnit

PAID_UP = SeedUnit("CH-0001", "TEN-CH-0001", Decimal("0"))
IN_ARREARS = SeedUnit("CH-0003", "TEN-CH-0003", Decimal("321.50"))


def event(event_type: str, event_id: str | None = None, **payload) -> dict:
    return {"event_type": event_type, "event_id": event_id or f"id-{event_type}", "payload": payload}


def happy_timeline() -> list[dict]:
    return [event("move_out.requested"), event("move_out.inspection_opened"),
            event("billing.clearance_confirmed"), event("move_out.inspection_completed", passed=True),
            event("move_out.release_approved"), event("release_slip.issued"), event("release_slip.released")]


def finished(unit: SeedUnit = PAID_UP) -> Case:
    return Case(1, unit, move_out_id="MO-20261122-0001", finished_at=12.0)


def check(case: Case, timeline: list[dict]) -> CaseReport:
    report = CaseReport(case.index, case.unit.unit_id, case.move_out_id, case.unit.arrears > 0, case.finished_at)
    Checker("amqp://unused")._check_timeline(case, timeline, report)
    return report


def kinds(report: CaseReport) -> dict[str, int]:
    return {k: len(v) for k, v in report.issues.items() if v}


def test_a_clean_case_has_no_anomaly():
    assert kinds(check(finished(), happy_timeline())) == {}


def test_a_fact_announced_twice_is_a_duplicated_effect():
    timeline = happy_timeline() + [event("release_slip.issued", "another-id")]
    report = check(finished(), timeline)
    assert kinds(report) == {"duplicated": 1}
    assert "2 distinct release_slip.issued" in report.issues["duplicated"][0]


def test_an_event_reports_never_received_is_lost():
    timeline = [e for e in happy_timeline() if e["event_type"] != "move_out.inspection_opened"]
    assert kinds(check(finished(), timeline)) == {"lost": 1}


def test_a_case_in_arrears_must_show_the_failed_clearance_and_the_payment():
    assert kinds(check(finished(IN_ARREARS), happy_timeline())) == {"lost": 2}


def test_approval_before_the_inspection_passed_is_unexpected():
    t = happy_timeline()
    approved = t.pop(4)
    t.insert(2, approved)  # before clearance and inspection
    report = check(finished(), t)
    assert kinds(report) == {"unexpected": 1}
    assert "before the inspection passed" in report.issues["unexpected"][0]


def test_a_release_without_a_slip_is_unexpected():
    t = [e for e in happy_timeline() if e["event_type"] != "release_slip.issued"]
    report = check(finished(), t)
    assert "goods released before (or without) the slip" in report.issues["unexpected"]


def test_the_same_notice_sent_twice_is_duplicated():
    t = happy_timeline() + [event("notification.sent", "n1", message_id="m1"),
                            event("notification.sent", "n2", message_id="m1")]
    assert kinds(check(finished(), t)) == {"duplicated": 1}


def test_verdict_counts_cases_and_drill_wide_findings():
    a = CaseReport(1, "CH-0001", "MO-1", False, 3.0)
    b = CaseReport(2, "CH-0002", "MO-2", False, None)
    b.add("stuck", "waiting for the slip")
    b.add("stuck", "2 notices not sent")
    verdict = Verdict([a, b], {"lost": [], "duplicated": [], "unexpected": ["a dead letter"], "stuck": []})
    assert verdict.counts() == {"lost": 0, "duplicated": 0, "unexpected": 1, "stuck": 1, "cases": 2, "completed": 1}
    assert not verdict.clean
