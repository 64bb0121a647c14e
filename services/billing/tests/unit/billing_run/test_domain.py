"""The billing run, pure rules: its states, the 25th/26th due times, what a notice bills, delivery."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal as D
from types import SimpleNamespace as NS

import pytest

from propdesk.errors import Conflict, ValidationError
from propdesk_services.billing.workflows.billing_run import domain
from propdesk_services.billing.workflows.fee_schedules.domain import Schedule

AT = datetime(2026, 11, 20, 2, 0, tzinfo=timezone.utc)


def run(state="awaiting_review", **more):
    base = dict(run_no="BR-1", state=state, round=1, cursor="u9", drafted_units=5, notice_count=5, issued_count=0,
                total_units=5, total_amount=D("10"), drafted_at=AT)
    return NS(**{**base, **more})


def test_the_review_is_due_at_the_end_of_the_25th_and_the_issue_of_the_26th_beijing_time():
    assert domain.review_due("2026-11") == datetime(2026, 11, 25, 16, 0, tzinfo=timezone.utc)
    assert domain.issue_due("2026-11") == datetime(2026, 11, 26, 16, 0, tzinfo=timezone.utc)
    assert domain.issue_due("2026-02") == datetime(2026, 2, 26, 16, 0, tzinfo=timezone.utc)


def test_a_run_bills_up_to_next_month():
    domain.check_start("2026-12", date(2026, 11, 30))
    with pytest.raises(ValidationError) as e:
        domain.check_start("2027-01", date(2026, 11, 30))
    assert e.value.problems[0].rule == "period_too_far"


def test_approve_locks_and_corrections_need_a_note():
    r = run()
    with pytest.raises(ValidationError) as e:
        domain.review(r, "corrections", " ", "sup", AT)
    assert (e.value.problems[0].field, e.value.problems[0].rule) == ("note", "required")
    with pytest.raises(ValidationError):
        domain.review(r, "maybe", None, "sup", AT)
    domain.review(r, "approve", None, "sup", AT)
    assert (r.state, r.reviewed_by) == ("approved", "sup")
    assert domain.next_commands(r) == ["issue_billing_run"]
    for step in (lambda: domain.review(r, "approve", None, "sup", AT), lambda: domain.redraft(r)):
        with pytest.raises(Conflict) as e:
            step()
        assert e.value.rule in ("not_awaiting_review", "locked")


def test_corrections_then_redraft_starts_a_new_round():
    r = run()
    domain.review(r, "corrections", "1-1-101 面积应为 66.00", "sup", AT)
    assert r.state == "corrections_ordered" and domain.next_commands(r) == ["redraft_billing_run"]
    domain.redraft(r)
    assert (r.state, r.round, r.cursor, r.drafted_units, r.notice_count) == ("drafting", 2, "", 0, 0)
    with pytest.raises(Conflict) as e:
        domain.redraft(r)
    assert e.value.rule == "still_drafting"


def test_only_an_approved_run_is_issued():
    with pytest.raises(Conflict) as e:
        domain.issue(run(), "cash", AT)
    assert e.value.rule == "not_approved"
    r = run("approved")
    domain.issue(r, "cash", AT)
    assert (r.state, r.issued_by, r.cursor) == ("issuing", "cash", "")
    assert domain.progress(r) == 0
    r.issued_count = 2
    assert domain.progress(r) == 40


def test_what_a_notice_bills():
    unit = NS(unit_id="1-1-101", area_m2=D("65.38"), parking_spaces=1, kind="residential")
    in_force = {
        "property_fee": Schedule("E1", "residential", "property_fee", "per_area", D("2.50"), "2026-01", schedule_id="S1"),
        "parking": Schedule("E1", "residential", "parking", "per_space", D("150"), "2026-01", schedule_id="S2"),
        "rent": Schedule("E1", "residential", "rent", "fixed", D("0"), "2026-01", schedule_id="S3"),
        "water": Schedule("E1", "residential", "water", "per_reading", D("4.90"), "2026-01", schedule_id="S4"),
    }
    readings = [NS(meter="water", consumption=D("9"), reading_id="R1", previous=D("103"), reading=D("112")),
                NS(meter="electricity", consumption=D("150"), reading_id="R2", previous=D("1"), reading=D("151"))]
    repair = NS(item="paid_service", basis="fixed", source="repair", source_ref="RP-1", amount=D("80.00"), id=7)
    lines = domain.draft_lines(unit, in_force, readings, [repair])
    assert [(x.item, x.source, x.source_ref, x.amount, x.charge_id) for x in lines] == [
        ("parking", "schedule", "S2", D("150.00"), None),
        ("property_fee", "schedule", "S1", D("163.45"), None),
        ("water", "meter", "R1", D("44.10"), None),           # no electricity tariff: not billed
        ("paid_service", "repair", "RP-1", D("80.00"), 7),    # on the ledger already
    ]
    assert domain.draft_lines(NS(area_m2=D("1"), parking_spaces=0), {}, [], []) == []


def test_delivery_is_signed_for_after_the_issue_and_not_in_the_future():
    notice = NS(state="issued", issued_at=AT, signed_by=None)
    with pytest.raises(ValidationError) as e:
        domain.confirm_delivery(notice, " ", None, "cs", AT, "notice_id")
    assert e.value.problems[0].rule == "required"
    for at, rule in ((AT + timedelta(days=1), "not_in_future"), (AT - timedelta(days=1), "before_issue")):
        with pytest.raises(ValidationError) as e:
            domain.confirm_delivery(notice, "王先生", at, "cs", AT + timedelta(hours=1), "notice_id")
        assert e.value.problems[0].rule == rule
    assert domain.confirm_delivery(notice, " 王先生 ", None, "cs", AT, "notice_id") == AT
    assert (notice.state, notice.signed_by, notice.delivered_by) == ("delivered", "王先生", "cs")
    with pytest.raises(Conflict) as e:
        domain.confirm_delivery(notice, "王先生", None, "cs", AT, "notice_id")
    assert e.value.rule == "already_delivered"
    with pytest.raises(Conflict) as e:
        domain.confirm_delivery(NS(state="draft"), "王先生", None, "cs", AT, "notice_id")
    assert e.value.rule == "not_issued"
