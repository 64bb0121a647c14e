"""The contact log's pure rules (来电来访登记, domain.md §2.1, §1.3, §4): classification, first-contact
ownership, FCR, the agreed reply time, the ticket link, the masked number."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest

from propdesk.errors import Conflict, Forbidden, ValidationError
from propdesk_services.tickets.workflows.contacts import domain

AT = datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)
VALID = {"channel": "phone", "classification": "inquiry", "caller_name": "王伟", "caller_phone": "13812345678",
         "unit_id": "1-1-401", "estate": None, "summary": "停水通知", "answer": None}


def contact(**over) -> domain.Contact:
    data = domain.validate_registration({**VALID, **over}, unit_estate="E1", scope=None)
    return domain.register("CT-20261123-0001", data, "fd-wang", AT)[0]


def rules(err) -> set:
    return {(p.field, p.rule) for p in err.value.problems}


def test_registration_settles_the_estate_from_the_unit():
    assert domain.validate_registration(VALID, unit_estate="E1", scope=("E1",))["estate"] == "E1"
    assert domain.validate_registration({**VALID, "unit_id": None, "estate": "E2"}, unit_estate=None,
                                        scope=None)["estate"] == "E2"
    assert domain.validate_registration({**VALID, "unit_id": None}, unit_estate=None, scope=("E2",))["estate"] == "E2"


def test_registration_strips_and_names_every_broken_rule():
    checked = domain.validate_registration({**VALID, "caller_name": "  王伟 ", "summary": " 停水 "}, unit_estate="E1",
                                           scope=None)
    assert (checked["caller_name"], checked["summary"]) == ("王伟", "停水")
    with pytest.raises(ValidationError) as err:
        domain.validate_registration({**VALID, "unit_id": None}, unit_estate=None, scope=None)
    assert rules(err) == {("estate", "required_without_unit")}
    with pytest.raises(ValidationError) as err:
        domain.validate_registration({**VALID, "caller_name": "名" * 65, "answer": "答" * 1001}, unit_estate="E1",
                                     scope=None)
    assert rules(err) == {("caller_name", "length"), ("answer", "length")}


@pytest.mark.parametrize("cls, state", [("inquiry", "RECEIVED"), ("procedure", "RECEIVED"),
                                        ("repair", "AWAITING_TICKET"), ("complaint", "AWAITING_TICKET")])
def test_each_class_starts_where_it_waits(cls, state):
    c = contact(classification=cls)
    assert (c.state, c.owner, c.received_by, c.fcr) == (state, "fd-wang", "fd-wang", None)


def test_answered_in_the_registration_is_closed_and_fcr():
    data = domain.validate_registration({**VALID, "answer": "明早张贴"}, unit_estate="E1", scope=None)
    c, events = domain.register("CT-1", data, "fd-wang", AT)
    assert (c.state, c.fcr, c.outcome, c.closed_at) == ("CLOSED", True, "明早张贴", AT)
    assert [e.type for e in events] == ["contact.registered", "contact.closed"]


@pytest.mark.parametrize("minutes, by, fcr", [(30, "fd-wang", True), (31, "fd-wang", False), (5, "sup-chen", False)])
def test_first_contact_is_the_receiver_within_the_same_call_or_visit(minutes, by, fcr):
    c = contact()
    domain.answer(c, "答复", by, AT + timedelta(minutes=minutes))
    assert c.fcr is fcr


def test_owner_or_supervisor():
    c = contact()
    domain.check_owner(c, "fd-wang", "front_desk")
    for role in ("cs_supervisor", "cs_manager", "director"):
        domain.check_owner(c, "someone", role)
    for role in ("front_desk", "cs_assistant", "senior_cs", "cs_specialist", "area_assistant"):
        with pytest.raises(Forbidden) as err:
            domain.check_owner(c, "someone", role)
        assert err.value.rule == "first_contact_owner"


def test_reply_time_is_after_now_and_within_three_days_of_receipt():
    c = contact()
    later = AT + timedelta(hours=1)
    with pytest.raises(ValidationError) as err:
        domain.arrange_reply(c, "工程部", later, later)
    assert rules(err) == {("reply_due_at", "in_the_future")}
    with pytest.raises(ValidationError) as err:
        domain.arrange_reply(c, "工程部", AT + timedelta(days=3, seconds=1), later)
    assert rules(err) == {("reply_due_at", "within_3_days")}
    with pytest.raises(ValidationError) as err:
        domain.arrange_reply(c, "工程部", "明天下午", later)
    assert rules(err) == {("reply_due_at", "iso_datetime")}
    with pytest.raises(ValidationError) as err:
        domain.arrange_reply(c, "工程部", "  ", later)
    assert rules(err) == {("reply_due_at", "required")}
    with pytest.raises(ValidationError) as err:  # 10:30 office time is 02:30 UTC: before `later`
        domain.arrange_reply(c, "工程部", datetime(2026, 11, 23, 10, 30), later)
    assert rules(err) == {("reply_due_at", "in_the_future")}
    assert c.state == "RECEIVED"
    [e] = domain.arrange_reply(c, "工程部", AT + timedelta(days=3), later)
    assert (c.state, e.type, e.payload["reply_due_at"]) == ("AWAITING_REPLY", "contact.reply_arranged",
                                                            "2026-11-26T02:00:00+00:00")


def test_a_time_without_offset_is_office_time():
    c = contact()
    domain.arrange_reply(c, "工程部", "2026-11-23T16:00", AT)
    assert c.reply_due_at == datetime(2026, 11, 23, 8, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("late, replied_late", [(-1, False), (0, False), (1, True)])
def test_a_reply_after_the_agreed_time_is_late(late, replied_late):
    c = contact()
    due = AT + timedelta(minutes=30)
    domain.arrange_reply(c, "工程部", due, AT)
    domain.answer(c, "答复", "fd-wang", due + timedelta(minutes=late))
    assert (c.state, c.fcr, c.replied_late) == ("CLOSED", False, replied_late)


def test_hand_over_keeps_the_history_and_ends_first_contact():
    c = contact(classification="procedure")
    [e] = domain.hand_over(c, "fd-li", "交接班", "fd-wang", AT)
    assert (c.owner, e.payload["to_owner"], len(c.handovers)) == ("fd-li", "fd-li", 1)
    domain.hand_over(c, "fd-wang", "回到原接待人", "fd-li", AT)
    assert [h["to"] for h in c.handovers] == ["fd-li", "fd-wang"]
    domain.close_procedure(c, "已办", None, "fd-wang", AT)
    assert (c.state, c.fcr) == ("CLOSED", False)


def test_wrong_state_and_wrong_class():
    c = contact(classification="repair")
    for act in (lambda: domain.answer(c, "x", "fd-wang", AT),
                lambda: domain.arrange_reply(c, "x", AT + timedelta(hours=1), AT),
                lambda: domain.close_procedure(c, "x", None, "fd-wang", AT)):
        with pytest.raises(Conflict):
            act()
    domain.link_ticket(c, "repair", "BX-1", "BX-1", AT)
    with pytest.raises(Conflict) as err:
        domain.hand_over(c, "fd-li", "x", "fd-wang", AT)
    assert err.value.rule == "state"


def test_link_ticket_ends_an_open_contact_once():
    c = contact(classification="complaint")
    [e] = domain.link_ticket(c, "complaint", "CP-1", "CP-1", AT)
    assert (c.state, c.fcr, e.payload["state"], e.payload["ticket_type"]) == ("TICKET_OPENED", False, "TICKET_OPENED",
                                                                              "complaint")
    assert domain.link_ticket(c, "complaint", "CP-1", "CP-1", AT) == []
    assert domain.next_commands(c) == []


def test_a_repeat_call_withdraws_fcr_once_recorded_and_blocks_it_while_open():
    closed = contact(answer="答复")
    assert domain.repeat_call(closed, "CT-2") is True and (closed.fcr, closed.repeat_calls) == (False, 1)
    assert domain.repeat_call(closed, "CT-3") is False and closed.repeat_calls == 2
    open_one = contact()
    domain.repeat_call(open_one, "CT-2")
    assert domain.first_contact(open_one, "fd-wang", AT) is False
    with pytest.raises(ValidationError) as err:
        domain.repeat_call(open_one, open_one.contact_id)
    assert rules(err) == {("repeat_of", "not_itself")}


@pytest.mark.parametrize("phone, shown", [("13812345678", "138****5678"), ("010-65881234", "***-****1234"),
                                          ("1234", "1234"), ("", None), (None, None)])
def test_masked_phone(phone, shown):
    assert domain.masked_phone(phone) == shown


def test_fcr_rate_counts_closed_contacts_only():
    row = lambda cls, state, fcr: SimpleNamespace(classification=cls, state=state, fcr=fcr)  # noqa: E731
    rate = domain.fcr_rate([row("inquiry", "CLOSED", True), row("inquiry", "CLOSED", False),
                            row("procedure", "CLOSED", True), row("repair", "TICKET_OPENED", False),
                            row("complaint", "AWAITING_TICKET", None), row("inquiry", "RECEIVED", None)])
    assert (rate["received"], rate["closed"], rate["fcr"], rate["rate"]) == (6, 4, 2, "0.5000")
    assert rate["resolvable"]["rate"] == "0.6667"
    assert domain.fcr_rate([])["rate"] is None


def test_reply_timeliness_and_volume_per_channel():
    row = lambda channel, late: SimpleNamespace(classification="inquiry", state="CLOSED", fcr=False,  # noqa: E731
                                                channel=channel, replied_late=late)
    kpis = domain.fcr_rate([row("phone", False), row("phone", True), row("visit", None)])
    assert kpis["replies"] == {"answered": 2, "in_time": 1, "rate": "0.5000"}
    assert (kpis["by_channel"]["phone"], kpis["by_channel"]["visit"], kpis["by_channel"]["app"]) == (2, 1, 0)
