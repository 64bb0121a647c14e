"""Message templates for the move-out saga (domain.md §2.6, §2.7, §7) and the delivery rules."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

from propdesk_services.notify.workflows.messages import domain as d

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=timezone.utc)

REQUESTED = {
    "move_out_id": "MO-1",
    "unit_id": "1-1-303",
    "tenant_id": "TEN-1-1-303",
    "owner_id": "OWN-1-1-303",
    "owner_consent_doc": "客户同意函 2026-118",
    "exit_date": "2026-11-30",
    "fitout_disposition": "restore",
}


def roles(messages) -> list[str]:
    return [m.recipient_role for m in messages]


def test_move_out_requested_tells_tenant_and_front_desk():
    tenant, desk = d.messages_for("move_out.requested", REQUESTED)
    assert (tenant.recipient_role, tenant.recipient_id) == ("tenant", "TEN-1-1-303")
    assert (desk.recipient_role, desk.recipient_id) == ("front_desk", None)
    assert tenant.subject.startswith("撤场申请已受理")
    assert "1-1-303" in tenant.body and "2026-11-30" in tenant.body
    assert "客户同意函 2026-118" in desk.body and "restore" in desk.body
    # Chinese first, then English
    assert tenant.body.index("撤场") < tenant.body.index("Your move-out")


def test_inspection_with_defects_tells_the_tenant():
    payload = {
        "move_out_id": "MO-1",
        "work_order_no": "WO-20261122-0007",
        "unit_id": "1-1-303",
        "passed": False,
        "defects": ["墙面破损", "门锁损坏"],
        "breach_notice_id": "WY-20261122-0007",
    }
    (msg,) = d.messages_for("move_out.inspection_completed", payload)
    assert msg.recipient_role == "tenant" and msg.recipient_id is None
    assert "墙面破损；门锁损坏" in msg.body and "WY-20261122-0007" in msg.body and "违约处理单" in msg.body


def test_passed_inspection_sends_nothing():
    payload = {"move_out_id": "MO-1", "work_order_no": "WO-1", "unit_id": "1-1-303", "passed": True, "defects": [], "breach_notice_id": None}
    assert d.messages_for("move_out.inspection_completed", payload) == []


def test_clearance_failed_tells_the_tenant_the_amount():
    payload = {"unit_id": "1-1-702", "party_id": "TEN-1-1-702", "move_out_id": "MO-2", "outstanding_amount": "1234.50", "as_of": "2026-11-22T10:00:00+08:00"}
    (msg,) = d.messages_for("billing.clearance_failed", payload)
    assert (msg.recipient_role, msg.recipient_id) == ("tenant", "TEN-1-1-702")
    assert "¥1,234.50" in msg.subject and "¥1,234.50" in msg.body


def test_slip_issued_tells_tenant_desk_and_security():
    payload = {"slip_id": "FX-20261122-0003", "move_out_id": "MO-1", "unit_id": "1-1-303", "applicant_type": "tenant", "goods": ["沙发", "冰箱"], "clearance_ref": "MO-1"}
    messages = d.messages_for("release_slip.issued", payload)
    assert roles(messages) == ["tenant", "front_desk", "security"]
    for m in messages:
        assert "FX-20261122-0003" in m.subject + m.body
        assert "沙发" in m.body and "冰箱" in m.body
    assert "保安" in messages[0].body  # the tenant shows the slip to Security at the gate
    assert "核对物品" in messages[2].body  # Security checks the goods against the slip


def test_slip_released_tells_the_front_desk():
    payload = {"slip_id": "FX-20261122-0003", "move_out_id": "MO-1", "unit_id": "1-1-303", "guard_id": "guard-07"}
    (msg,) = d.messages_for("release_slip.released", payload)
    assert msg.recipient_role == "front_desk"
    assert "guard-07" in msg.body and "归档" in msg.body


def test_a_withdrawn_move_out_tells_the_tenant_and_the_front_desk_why():
    payload = {"move_out_id": "MO-1", "unit_id": "1-1-303", "reason": "租户续租 lease renewed",
               "withdrawn_at": "2026-11-23T02:00:00+00:00"}
    tenant, desk = d.messages_for("move_out.withdrawn", payload)
    assert (tenant.recipient_role, tenant.recipient_id) == ("tenant", None)  # addressed from the request
    assert (desk.recipient_role, desk.recipient_id) == ("front_desk", None)
    assert tenant.subject.startswith("撤场申请已撤回") and "1-1-303" in tenant.subject
    for m in (tenant, desk):
        assert "MO-1" in m.body and "租户续租 lease renewed" in m.body
    assert "重新提出申请" in tenant.body  # the tenant may apply again
    assert "取消验收" in desk.body and "解除物品放行" in desk.body  # what the other departments do
    assert tenant.body.index("撤回") < tenant.body.index("withdrawn")


def test_a_completed_move_out_tells_the_tenant_and_the_front_desk_it_is_archived():
    payload = {"move_out_id": "MO-1", "unit_id": "1-1-303", "archived_at": "2026-11-30T08:00:00+00:00"}
    tenant, desk = d.messages_for("move_out.completed", payload)
    assert (tenant.recipient_role, tenant.recipient_id) == ("tenant", None)
    assert desk.recipient_role == "front_desk"
    assert tenant.subject.startswith("撤场手续已办结")
    assert desk.subject.startswith("撤场已归档")
    for m in (tenant, desk):
        assert "MO-1" in m.body and "归档" in m.body and "报客户" in m.body


def test_unknown_events_send_nothing():
    assert d.messages_for("billing.clearance_confirmed", {"unit_id": "1-1-303"}) == []
    assert d.messages_for("no.such_event", {}) == []


def test_handled_events():
    """The move-out saga's, the departments' (tests/samples.py has one of each) and every breach."""
    from propdesk.contracts import registry
    from propdesk_services.notify.tests.samples import SAMPLES

    assert set(d.HANDLED_EVENTS) == {
        "move_out.requested",
        "move_out.inspection_completed",
        "billing.clearance_failed",
        "release_slip.issued",
        "release_slip.released",
        "move_out.withdrawn",
        "move_out.completed",
    } | set(SAMPLES) | set(registry.breach_event_types())


def test_residents_get_mail_and_staff_the_inbox():
    assert d.channel_for("tenant") == d.channel_for("owner") == "mail_spool"
    assert d.channel_for("front_desk") == d.channel_for("security") == d.channel_for("cashier") == "staff_inbox"


def test_a_failed_delivery_is_retried_later_until_the_attempts_are_used_up():
    assert d.retry_at(1, NOW) == NOW + timedelta(seconds=d.RETRY_DELAYS_S[0])
    assert d.retry_at(d.MAX_ATTEMPTS - 1, NOW) == NOW + timedelta(seconds=d.RETRY_DELAYS_S[-1])
    assert d.retry_at(d.MAX_ATTEMPTS, NOW) is None


def stored(**kw) -> SimpleNamespace:
    base = dict(message_id="m1", channel="mail_spool", recipient_role="tenant", recipient_id="TEN-1",
                subject="s", status=d.PENDING, attempts=0, sent_at=None, last_error=None, next_attempt_at=None)
    return SimpleNamespace(**{**base, **kw})


def test_a_sent_attempt_is_final():
    m = stored()
    assert d.record_attempt(m, None, NOW) is True
    assert (m.status, m.attempts, m.sent_at, m.next_attempt_at) == (d.SENT, 1, NOW, None)
    assert d.notification_sent(m) == ("notification.sent", {
        "message_id": "m1", "channel": "mail_spool", "recipient_role": "tenant", "recipient_id": "TEN-1",
        "subject": "s", "status": "sent"})


def test_a_failed_attempt_waits_for_the_next_try_until_the_last():
    m = stored()
    assert d.record_attempt(m, "ConnectionError: down", NOW) is False
    assert (m.status, m.attempts, m.last_error) == (d.FAILED, 1, "ConnectionError: down")
    assert m.next_attempt_at == NOW + timedelta(seconds=d.RETRY_DELAYS_S[0])
    m.attempts = d.MAX_ATTEMPTS - 1
    assert d.record_attempt(m, "ConnectionError: still down", NOW) is True
    assert (m.status, m.next_attempt_at) == (d.FAILED, None)
    assert d.notification_sent(m).payload["status"] == "failed"


def test_message_ids_are_the_same_for_the_same_event():
    assert d.message_id_for("e1", 0) == d.message_id_for("e1", 0)
    assert len({d.message_id_for("e1", 0), d.message_id_for("e1", 1), d.message_id_for("e2", 0)}) == 3
