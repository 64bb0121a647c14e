"""The audit trail, readable (chassis/audit_view.py): every department answers ``list_audit`` from
its own `audit_log`, filtered, newest first, paged, personal numbers masked, with the address the
request came from; only a CS manager, director or admin may read it when the caller says who asks.
On the harness (the same query pipeline as the RPC entrypoint), no broker."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest

from propdesk import demo, plugins, policy
from propdesk.chassis import audit_view
from propdesk.chassis.tables import AuditRow
from propdesk.chassis.workflow import Reader, queries_of
from propdesk.errors import Forbidden, ValidationError
from propdesk.testing.fake import ServiceHarness

DEPARTMENTS = {name: cls for name, cls in plugins.service_classes().items() if name != "gateway"}
CASHIER = {"id": "cashier", "role": "cashier"}
COUNTER = {"id": "counter_staff", "role": "counter_staff"}
ID_NUMBER = "11010519491231002X"


def pay(app, receipt_no: str, actor=CASHIER, amount: str = "10.00"):
    return app.command("record_payment", {"unit_id": demo.DEMO_ARREARS_UNIT, "amount": amount, "method": "cash",
                                          "receipt_no": receipt_no}, actor=actor)


@pytest.fixture
def billing():
    app = ServiceHarness(DEPARTMENTS["billing"], demo=True)
    pay(app, "R-1")
    app.clock.advance(hours=1)
    pay(app, "R-2", COUNTER)
    app.clock.advance(hours=1)
    with pytest.raises(Forbidden):  # a refusal is audited too
        app.command("record_payment", {}, actor={"id": "security", "role": "security"})
    return app


def actions(entries) -> list[tuple[str, str]]:
    return [(e["action"], e["actor"]["id"]) for e in entries]


def test_every_department_answers_list_audit():
    for name, cls in DEPARTMENTS.items():
        assert "list_audit" in queries_of(cls.messages, name), name
    assert policy.READS["list_audit"] == {"cs_manager", "director", "admin"}


def test_newest_first_with_who_what_which_record_and_when(billing):
    entries = billing.query("list_audit")
    assert actions(entries) == [("refused", "security"), ("payment.record", "counter_staff"),
                                ("payment.record", "cashier")]
    refused, second, first = entries
    assert [e["id"] for e in entries] == sorted((e["id"] for e in entries), reverse=True)
    assert first["service"] == "billing" and first["object_type"] == "payment"
    assert first["actor"] == {"id": "cashier", "role": "cashier"}
    assert first["details"]["receipt_no"] == "R-1" and first["details"]["amount"] == "10.00"
    assert first["at"] == "2026-11-23T02:00:00+00:00" and refused["at"] == "2026-11-23T04:00:00+00:00"
    assert refused["object_id"] == "billing.record_payment" and refused["details"]["rule"] == policy.RULE
    assert first["address"] is None


def test_each_filter_and_their_combination(billing):
    payment_id = billing.query("list_audit", action="payment.record")[-1]["object_id"]
    assert actions(billing.query("list_audit", actor_id="cashier")) == [("payment.record", "cashier")]
    assert actions(billing.query("list_audit", action="refused")) == [("refused", "security")]
    assert actions(billing.query("list_audit", action="payment.*")) == [("payment.record", "counter_staff"),
                                                                        ("payment.record", "cashier")]
    assert billing.query("list_audit", action="payment.%") == []  # a prefix is literal, not a LIKE pattern
    assert actions(billing.query("list_audit", object_type="command")) == [("refused", "security")]
    assert actions(billing.query("list_audit", object_id=payment_id)) == [("payment.record", "cashier")]
    correlation = billing.query("list_audit", object_id=payment_id)[0]["correlation_id"]
    assert actions(billing.query("list_audit", correlation_id=correlation)) == [("payment.record", "cashier")]
    # since inclusive, until exclusive; a time without an offset is UTC, one with an offset is converted
    assert actions(billing.query("list_audit", since="2026-11-23T03:00:00")) == [
        ("refused", "security"), ("payment.record", "counter_staff")]
    assert actions(billing.query("list_audit", until="2026-11-23T11:00:00+08:00")) == [
        ("payment.record", "cashier")]
    assert actions(billing.query("list_audit", since="2026-11-23T02:30:00Z", until="2026-11-23T04:00:00Z")) == [
        ("payment.record", "counter_staff")]
    assert billing.query("list_audit", actor_id="cashier", action="refused") == []


def test_paged_with_limit_and_before_id(billing):
    for n in range(3, 8):
        pay(billing, f"R-{n}")
    everything = billing.query("list_audit")
    assert len(everything) == 8
    first_page = billing.query("list_audit", limit=3)
    assert first_page == everything[:3]
    second_page = billing.query("list_audit", limit=3, before_id=first_page[-1]["id"])
    assert second_page == everything[3:6]
    assert billing.query("list_audit", limit=3, before_id=everything[-1]["id"]) == []
    assert billing.query("list_audit", limit=500, action="payment.*", before_id=second_page[0]["id"]) == \
        [e for e in everything[4:] if e["action"] == "payment.record"]


def test_the_arguments_are_checked_by_name():
    app = ServiceHarness(DEPARTMENTS["reports"])
    cases = [({"limit": 0}, "limit", "range"), ({"limit": 501}, "limit", "range"), ({"limit": "5"}, "limit", "type"),
             ({"before_id": 0}, "before_id", "range"), ({"before_id": 10**30}, "before_id", "range"),
             ({"since": "yesterday"}, "since", "type"), ({"since": "0001-01-01T00:00:00+14:00"}, "since", "type"),
             ({"until": 7}, "until", "type"), ({"actor_id": "x" * 65}, "actor_id", "length"),
             ({"action": ["refused"]}, "action", "type"),
             ({"since": "2026-11-23T04:00:00Z", "until": "2026-11-23T03:00:00Z"}, "until", "range")]
    for kwargs, field, rule in cases:
        with pytest.raises(ValidationError) as err:
            app.query("list_audit", **kwargs)
        assert [(p.field, p.rule) for p in err.value.problems] == [(field, rule)], kwargs
    assert app.query("list_audit", limit=500) == []  # a department with nothing audited yet


def test_personal_numbers_are_masked_whatever_was_stored_and_the_address_is_shown():
    app = ServiceHarness(DEPARTMENTS["staff"], demo=True)
    app.command("sign_in", {"username": "cashier", "password": demo.DEMO_STAFF_PASSWORD, "address": "203.0.113.9",
                            "user_agent": "test"}, actor=None)
    with app.session() as s:  # a row written unmasked (before masking existed, or by hand)
        s.add(AuditRow(at=app.clock.now() + timedelta(minutes=1), actor_id="admin", actor_role="admin",
                       action="note", object_type="party", object_id=ID_NUMBER, correlation_id=None,
                       details=json.dumps({"note": f"身份证 {ID_NUMBER} 电话 13812345678", "from": "10.0.0.7",
                                           "state": "x"}, ensure_ascii=False),
                       prev_hash="0" * 64, row_hash="1" * 64))
        s.add(AuditRow(at=app.clock.now() + timedelta(minutes=2), actor_id="residents", actor_role="system",
                       action="move_out.archived", object_type="move_out", object_id="MO-1", correlation_id="MO-1",
                       details=json.dumps({"from": "GOODS_RELEASED", "state": "ARCHIVED"}),
                       prev_hash="1" * 64, row_hash="2" * 64))
        s.commit()
    archived, note, signed_in = app.query("list_audit", limit=3)
    assert note["object_id"] == "110105********002X"
    assert note["details"]["note"] == "身份证 110105********002X 电话 138****5678"
    assert note["address"] == "10.0.0.7"  # the chassis's "from": the client's address
    assert archived["address"] is None and archived["details"]["from"] == "GOODS_RELEASED"  # a state, not an address
    assert (signed_in["action"], signed_in["address"]) == ("staff.signed_in", "203.0.113.9")  # staff's "address"
    assert demo.DEMO_STAFF_PASSWORD not in json.dumps(signed_in["details"])


def test_only_managers_directors_and_admins_may_read_it_when_the_caller_says_who_asks(billing):
    assert len(billing.query("list_audit")) == 3  # another service or the CLI: trusted, as RPC between services is
    for role in sorted(policy.ROLES):
        asker = {"id": f"{role}-1", "role": role, "estates": ["E1", "E2"], "address": "10.0.0.1"}
        if role in policy.READS["list_audit"]:
            assert len(billing.query("list_audit", actor=asker)) == 3
        else:
            with pytest.raises(Forbidden) as refused:
                billing.query("list_audit", actor=asker)
            assert (refused.value.field, refused.value.rule) == ("actor.role", policy.RULE)
            assert role in refused.value.message
    with pytest.raises(Forbidden):
        billing.query("list_audit", actor={"id": "someone"})  # who asks, without a role
    row = queries_of(billing.messages, "billing")["list_audit"]
    with pytest.raises(Forbidden):  # the asker among the arguments (as a caller may hand them over) counts too
        row.handler({**audit_view.AuditArgs().load({}), "actor": {"id": "fd", "role": "front_desk"}},
                    Reader(None, billing.clock))
