"""The mail desk (邮件/报纸/包裹, domain.md §2.12) on the fake unit of work: sorted by unit;
important mail and parcel notices signed for by staff; the recipient notified (mail.received);
collected with a signature, once; the queue of parcels and mail to collect."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from propdesk.chassis.clock import FakeClock
from propdesk.chassis.workflow import Reader
from propdesk.contracts.envelope import Actor
from propdesk.contracts.vocab import MAIL_KINDS
from propdesk.errors import Conflict, Forbidden, NotFound, ValidationError
from propdesk.testing.fake import ServiceHarness
from propdesk_services.access import messages
from propdesk_services.access.service import AccessService

T0 = datetime(2026, 11, 30, 2, 0, tzinfo=timezone.utc)
DESK = {"id": "desk-01", "role": "front_desk", "estates": ["E1"]}


@pytest.fixture
def app() -> ServiceHarness:
    return ServiceHarness(AccessService, clock=FakeClock(T0))


def mail(**over) -> dict:
    return {"kind": "important", "unit_id": "1-2-1101", "recipient_name": "郑先生", "sender": "邮政 EMS",
            "tracking_ref": "EMS123", "signed_for_by_staff": True, **over}


def queue(app, role="front_desk"):
    return messages.QUEUES["mail_to_collect"].items({}, Reader(app.session(), app.clock, Actor("x", role), ("E1",)))


def test_important_mail_is_signed_for_logged_notified_and_collected_once(app):
    m = app.command("register_mail", mail(), actor=DESK)
    assert m["mail_no"] == "YJ-20261130-0001" and m["state"] == "awaiting_collection"
    assert (m["signed_by"], m["received_by"], m["estate"]) == ("desk-01", "desk-01", "E1")
    [event] = app.events("mail.received")
    assert (event.payload["kind"], event.payload["unit_id"], event.payload["recipient"]) == ("important", "1-2-1101", "郑先生")
    assert app.query("allowed_actions", "mail", m["mail_no"], "security") == ["collect_mail"]
    with pytest.raises(ValidationError) as e:
        app.command("collect_mail", {"mail_no": m["mail_no"], "collector_name": "郑太太"}, actor=DESK)
    assert e.value.problems[0].rule == "collector_signature"
    got = app.command("collect_mail", {"mail_no": m["mail_no"], "collector_name": "郑太太", "collector_signed": True},
                      actor=DESK)
    assert (got["state"], got["collector_name"], got["handed_over_by"]) == ("collected", "郑太太", "desk-01")
    assert app.events("mail.collected")[0].payload["collector"] == "郑太太"
    with pytest.raises(Conflict) as e:
        app.command("collect_mail", {"mail_no": m["mail_no"], "collector_name": "x", "collector_signed": True}, actor=DESK)
    assert e.value.rule == "not_collected"


@pytest.mark.parametrize("over, field, rule", [
    ({"signed_for_by_staff": False}, "signed_for_by_staff", "signed_by_staff"),
    ({"kind": "parcel_notice", "signed_for_by_staff": False}, "signed_for_by_staff", "signed_by_staff"),
    ({"unit_id": None}, "unit_id", "required"),
    ({"kind": "letter_bomb"}, "kind", "one_of"),
    ({"unit_id": "T1-24F"}, "unit_id", "unknown_unit"),
])
def test_registration_refusals(app, over, field, rule):
    with pytest.raises(ValidationError) as e:
        app.command("register_mail", mail(**over), actor=DESK)
    assert (field, rule) in [(p.field, p.rule) for p in e.value.problems]
    assert app.events() == []


def test_a_courier_parcel_needs_no_staff_signature(app):
    m = app.command("register_mail", mail(kind="parcel", signed_for_by_staff=False), actor=DESK)
    assert m["signed_by"] is None and app.events("mail.received")[0].payload["signed_by"] is None


def test_the_queue_of_mail_to_collect(app):
    parcel = app.command("register_mail", mail(kind="parcel"), actor=DESK)
    paper = app.command("register_mail", mail(kind="newspaper", signed_for_by_staff=False), actor=DESK)
    done = app.command("register_mail", mail(), actor=DESK)
    app.command("collect_mail", {"mail_no": done["mail_no"], "collector_name": "x", "collector_signed": True}, actor=DESK)
    items = queue(app)
    assert [i["number"] for i in items] == [parcel["mail_no"], paper["mail_no"]]
    # the kind as a field the desk says in the mail kind's words, not a code as the detail
    assert [(i["detail"], i["fields"]) for i in items] == [("", {"kind": "parcel"}), ("", {"kind": "newspaper"})]
    assert set(next(f for f in app.query("describe_records")["mail"]["fields"]
                    if f["name"] == "kind")["choice_labels"]) == set(MAIL_KINDS.codes)
    assert [i["due_at"] for i in items] == ["2026-12-03T02:00:00+00:00", "2026-11-30T16:00:00+00:00"]
    assert not any(i["overdue"] for i in items)
    app.clock.advance(days=1)
    assert [i["overdue"] for i in queue(app, "security")] == [False, True]  # newspapers: collected daily
    app.clock.advance(days=2, minutes=1)
    assert [i["overdue"] for i in queue(app)] == [True, True]


def test_who_may_and_estates(app):
    with pytest.raises(Forbidden):
        app.command("register_mail", mail(), actor={"id": "e", "role": "engineering"})
    m = app.command("register_mail", mail(), actor={"id": "g", "role": "security", "estates": ["E1"]})
    e2 = {"id": "d2", "role": "front_desk", "estates": ["E2"]}
    with pytest.raises(NotFound):
        app.query("get_mail", m["mail_no"], actor=e2)
    assert app.query("list_mail", actor=e2) == []
    assert [x["mail_no"] for x in app.query("list_mail", unit_id="1-2-1101", actor=DESK)] == [m["mail_no"]]
