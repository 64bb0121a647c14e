"""The repair state machine (domain.md §2.2), pure: no database, no clock."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from types import SimpleNamespace

import pytest

from propdesk.contracts import vocab
from propdesk.errors import Conflict, Forbidden, ValidationError
from propdesk_services.tickets.workflows.repairs import domain

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)
ITEM = {"code": "P01", "name": "更换水龙头", "price": Decimal("30.00")}


def repair(**kw) -> SimpleNamespace:
    base = dict(repair_id="BX-1", repair_no="BX-1", work_order_no=None, unit_id="1-1-303", estate="E1",
                location="1-1-303", category="water_electric", responsible="property", summary="tap drips",
                contact_id=None, client_name="王先生", paid=False, consent_at=None, consent_by=None, amount=None,
                price_source=None, price_item=None, charge_description=None, charge_requested=False,
                follow_up_open=False, reopen_count=0, reschedule_count=None, state="REPORTED", status="open")
    base.update(kw)
    return SimpleNamespace(**base)


def rules(exc) -> set[tuple[str, str]]:
    return {(p.field, p.rule) for p in exc.value.problems}


def issue(r, number="WO-1"):
    return domain.dispatch(r, NOW, number=lambda: number, team="maintenance", follow_up="cs-01",
                           due_at=NOW + timedelta(hours=24))


def test_the_states_are_the_vocabulary():
    assert set(domain.OPEN_STATES) | set(domain.FINAL_STATES) == set(vocab.REPAIR_STATES.codes)
    assert domain.status_of("CLOSED") == "closed" and domain.status_of("CANCELLED") == "cancelled"
    assert domain.status_of("DISPATCHED") == "open"


def test_a_report_names_unit_or_location_category_party_and_summary():
    with pytest.raises(ValidationError) as e:
        domain.validate_report(unit_id=None, unit_estate=None, location=" ", category="x", responsible="y",
                               summary="", paid=True, channel="fax")
    assert rules(e) == {("unit_id", "unit_or_location"), ("category", "one_of"), ("responsible", "one_of"),
                        ("summary", "required"), ("paid", "paid_repair_needs_unit"), ("channel", "one_of")}
    ok = domain.validate_report(unit_id=None, unit_estate=None, location="泵房", category="public_facility",
                                responsible="property", summary="浮球阀缺失", paid=False, channel="desk")
    assert ok["unit_id"] is None and ok["location"] == "泵房"
    r = repair()
    [event] = domain.report(r, NOW)
    assert event.type == "repair.reported" and r.state == "REPORTED" and r.reported_on == NOW.date()


def test_a_paid_repair_is_not_dispatched_before_the_owners_consent():
    r = repair(paid=True)
    with pytest.raises(Conflict) as e:
        issue(r)
    assert e.value.rule == "no_dispatch_before_consent"
    domain.price(r, NOW, source="standard", item=ITEM, quantity=2, role="front_desk")
    assert (r.state, r.amount) == ("AWAITING_CONSENT", Decimal("60.00"))
    with pytest.raises(Conflict) as e:
        issue(r)
    assert e.value.rule == "no_dispatch_before_consent"
    with pytest.raises(ValidationError) as v:
        domain.record_consent(r, NOW, consented=True, consented_by=" ")
    assert rules(v) == {("consented_by", "required")}
    [given] = domain.record_consent(r, NOW, consented=True, consented_by="王先生")
    assert given.type == "repair.consent_given" and r.state == "REPORTED"
    [dispatched] = issue(r)
    assert dispatched.type == "repair.dispatched" and r.state == "DISPATCHED" and r.work_order_no == "WO-1"


def test_a_declined_price_cancels_the_repair():
    r = repair()
    domain.price(r, NOW, source="standard", item=ITEM, quantity=None, role="front_desk")
    [cancelled] = domain.record_consent(r, NOW, consented=False, consented_by="王先生", note="太贵")
    assert (r.state, r.status, cancelled.payload["reason"]) == ("CANCELLED", "cancelled", "consent_declined: 太贵")


def test_an_engineering_quote_is_given_by_engineering():
    r = repair()
    domain.request_quote(r, NOW)
    assert r.state == "QUOTING"
    with pytest.raises(Forbidden) as e:
        domain.price(r, NOW, source="engineering_quote", amount="120", role="front_desk")
    assert e.value.rule == "quote_by_engineering"
    with pytest.raises(ValidationError) as v:
        domain.price(r, NOW, source="engineering_quote", amount="-1.001", role="engineering")
    assert rules(v) == {("amount", "positive"), ("amount", "cents")}
    domain.price(r, NOW, source="engineering_quote", amount="120.50", role="engineering")
    assert (r.state, r.amount, r.price_source) == ("AWAITING_CONSENT", Decimal("120.50"), "engineering_quote")


def test_a_common_area_repair_cannot_be_paid():
    with pytest.raises(ValidationError) as v:
        domain.price(repair(unit_id=None), NOW, source="standard", item=ITEM, role="front_desk")
    assert rules(v) == {("repair_id", "paid_repair_needs_unit")}


def test_reschedule_needs_the_owner_contacted_first_and_a_new_time():
    r = repair()
    issue(r)
    with pytest.raises(ValidationError) as v:
        domain.reschedule(r, NOW, owner_contacted=False, new_time=NOW - timedelta(minutes=1), agreed_with="")
    assert rules(v) == {("owner_contacted", "owner_contacted_first"), ("new_time", "in_future"),
                        ("agreed_with", "required")}
    later = NOW + timedelta(days=2)
    domain.reschedule(r, NOW, owner_contacted=True, new_time=later, agreed_with="王先生")
    assert (r.state, r.attend_by, r.reschedule_count) == ("RESCHEDULED", later, 1)


def test_mismatch_cancels_the_order_with_reason_and_signature_and_a_reissue_links_it():
    r = repair()
    issue(r)
    with pytest.raises(Conflict) as c:
        domain.reissue(r, NOW, number=lambda: "WO-2", team="maintenance", follow_up="cs-01",
                       due_at=NOW + timedelta(hours=1), reissued_by="sup")
    assert c.value.rule == "mismatch_confirmed_first"
    with pytest.raises(ValidationError) as v:
        domain.cancel_mismatched(r, NOW, reason="", signature=None, confirmed_by="aa-01")
    assert rules(v) == {("reason", "required"), ("signature", "signature_required")}
    domain.cancel_mismatched(r, NOW, reason="实际需整体更换", signature="李", confirmed_by="aa-01")
    assert r.state == "MISMATCH"
    [event] = domain.reissue(r, NOW, number=lambda: "WO-2", team="maintenance", follow_up="cs-01",
                             due_at=NOW + timedelta(hours=1), reissued_by="sup")
    assert (event.payload["old_work_order_no"], r.work_order_no, r.state) == ("WO-1", "WO-2", "DISPATCHED")


def test_completion_of_a_paid_repair_needs_the_clients_signature_and_requests_the_charge():
    r = repair(paid=True, consent_at=NOW, amount=Decimal("30.00"), charge_description="更换水龙头 x 1")
    issue(r)
    domain.start(r, NOW, technician="eng")
    with pytest.raises(ValidationError) as v:
        domain.complete(r, NOW, completed_by="eng", client_signature=" ")
    assert rules(v) == {("client_signature", "client_signature_required")}
    completed, charge = domain.complete(r, NOW, completed_by="eng", client_signature="王先生")
    assert completed.type == "repair.completed" and r.state == "COMPLETED"
    assert charge.type == "repair.charge_requested"
    assert (charge.payload["amount"], charge.payload["signed_by"], charge.payload["work_order_no"]) == \
        ("30.00", "王先生", "WO-1")


def test_a_free_repair_completes_without_signature_and_no_charge():
    r = repair()
    issue(r)
    domain.start(r, NOW, technician="eng")
    assert [e.type for e in domain.complete(r, NOW, completed_by="eng", client_signature=None)] == ["repair.completed"]


def test_failed_acceptance_reopens_until_it_passes():
    r = repair(state="COMPLETED", work_order_no="WO-1")
    with pytest.raises(ValidationError) as v:
        domain.record_acceptance(r, NOW, passed=False, defects="", inspector="cs")
    assert rules(v) == {("defects", "defects_required")}
    [reopened] = domain.record_acceptance(r, NOW, passed=False, defects="still drips", inspector="cs")
    assert (reopened.type, r.state, r.reopen_count) == ("repair.reopened", "REOPENED", 1)
    domain.start(r, NOW, technician="eng")
    domain.complete(r, NOW, completed_by="eng", client_signature=None)
    [accepted] = domain.record_acceptance(r, NOW, passed=True, defects=None, inspector="cs")
    assert accepted.type == "repair.accepted" and r.state == "RETURN_VISIT" and accepted.payload["owner"] == "王先生"


def test_return_visit_closes_or_reopens_and_is_ignored_in_other_states():
    r = repair(state="RETURN_VISIT")
    assert [e.type for e in domain.visited(r, NOW, overall="fairly_satisfied", visit_id="RV-1")] == ["repair.closed"]
    assert (r.state, r.status) == ("CLOSED", "closed")
    assert domain.visited(r, NOW, overall="dissatisfied", visit_id="RV-2") == []
    r = repair(state="ESCALATED")
    domain.visited(r, NOW, overall="dissatisfied", visit_id="RV-3")
    assert r.state == "REOPENED"


@pytest.mark.parametrize("rating, state, event", [(1, "ESCALATED", "repair.escalated"),
                                                  (2, "ESCALATED", "repair.escalated"),
                                                  (3, "CLOSED", "repair.closed"), (5, "CLOSED", "repair.closed")])
def test_an_app_rating_below_3_escalates_to_95059(rating, state, event):
    r = repair(state="RETURN_VISIT")
    [e] = domain.rate(r, NOW, rating=rating, comment="ok")
    assert (r.state, e.type) == (state, event)
    if state == "ESCALATED":
        assert e.payload["hotline"] == "95059"


@pytest.mark.parametrize("rating", [0, 6, "3", True, 2.5])
def test_a_rating_is_a_whole_number_from_1_to_5(rating):
    with pytest.raises(ValidationError) as v:
        domain.rate(repair(state="RETURN_VISIT"), NOW, rating=rating)
    assert rules(v) == {("rating", "range")}


def test_rating_before_acceptance_is_refused():
    with pytest.raises(Conflict) as c:
        domain.rate(repair(state="DISPATCHED"), NOW, rating=5)
    assert c.value.rule == "rated_after_acceptance"


def test_dispute_and_its_resolution():
    r = repair()
    issue(r)
    with pytest.raises(ValidationError) as v:
        domain.dispute(r, NOW, other_party="nobody", reason="")
    assert rules(v) == {("other_party", "one_of"), ("reason", "required")}
    domain.dispute(r, NOW, other_party="contractor", reason="施工方称属装修造成")
    assert r.state == "DISPUTED"
    domain.resolve_dispute(r, NOW, responsible="contractor")
    assert (r.state, r.responsible) == ("REPORTED", "contractor")


def test_liaison_close_needs_the_owners_permission_and_leaves_the_follow_up_open():
    r = repair(state="IN_PROGRESS")
    with pytest.raises(ValidationError) as v:
        domain.close_with_liaison(r, NOW, number=lambda: "LN-1", note="", owner_permission=False, by="sup")
    assert rules(v) == {("owner_permission", "owner_permission_required"), ("note", "required")}
    events = domain.close_with_liaison(r, NOW, number=lambda: "LN-1", note="地板起拱", owner_permission=True, by="sup")
    assert [e.type for e in events] == ["repair.liaison_sent", "repair.closed"]
    assert (r.state, r.follow_up_open, r.liaison_no, r.responsible) == ("CLOSED", True, "LN-1", "developer")
    assert "settle_follow_up" in domain.next_commands(r)
    domain.settle_follow_up(r, NOW, outcome="开发商已更换地板")
    assert r.follow_up_open is False
    with pytest.raises(Conflict) as c:
        domain.settle_follow_up(r, NOW, outcome="again")
    assert c.value.rule == "no_follow_up_open"


@pytest.mark.parametrize("state, fn", [
    ("CLOSED", lambda r: domain.start(r, NOW, technician="e")),
    ("REPORTED", lambda r: domain.complete(r, NOW, completed_by="e", client_signature=None)),
    ("DISPATCHED", lambda r: domain.record_acceptance(r, NOW, passed=True, defects=None, inspector="c")),
    ("COMPLETED", lambda r: domain.cancel_mismatched(r, NOW, reason="x", signature="y", confirmed_by="a")),
    ("CANCELLED", lambda r: domain.dispute(r, NOW, other_party="contractor", reason="x")),
    ("REPORTED", lambda r: domain.reschedule(r, NOW, owner_contacted=True, new_time=NOW + timedelta(days=1),
                                              agreed_with="x")),
    ("DISPATCHED", lambda r: domain.record_consent(r, NOW, consented=True, consented_by="x")),
])
def test_wrong_state_is_a_conflict_and_changes_nothing(state, fn):
    r = repair(state=state)
    with pytest.raises(Conflict) as c:
        fn(r)
    assert c.value.field == "repair_id" and r.state == state


def test_next_commands_follow_the_state():
    assert "dispatch_repair" in domain.next_commands(repair())
    assert "dispatch_repair" not in domain.next_commands(repair(paid=True))
    assert domain.next_commands(repair(state="MISMATCH"))[0] == "reissue_work_order"
    assert domain.next_commands(repair(state="CLOSED")) == []
