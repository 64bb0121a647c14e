"""Outbound messages (domain.md §7): which events tell whom what, and how delivery is retried.
Pure: no nameko, no SQL, no I/O.

domain.md §7 (notify sends every outbound message: notices, delivery tasks, staff alerts), §2.6
(move-out: the tenant is told what is needed, the desk and Security what to do), §2.7 (goods
release slip 物品放行条: Security checks the goods at the gate), §8 (the events consumed).

`messages_for(event_type, payload)` turns one event into the messages to send. Texts are short and
bilingual, Chinese first. `recipient_id` is the party id when the payload names the party; when it
is None the channel resolves the recipient from the role (a staff inbox such as the front desk or
Security, or the tenant of ``payload["move_out_id"]`` recorded from ``move_out.requested``).

Delivery: a stored message is "pending" until its first attempt; each attempt records "sent" or
"failed" (`record_attempt`); a failed one is tried again at `retry_at` until `MAX_ATTEMPTS` are
used up. ``notification.sent`` (`notification_sent`) is emitted once per message, when it was sent
or when its last attempt failed, caused by the event the message was made from.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from propdesk.contracts import registry
from propdesk.contracts.vocab import MESSAGE_STATUSES
from propdesk.domain import Event
from propdesk.money import yuan

TENANT = "tenant"
FRONT_DESK = "front_desk"
SECURITY = "security"


@dataclass
class Message:
    """One message to one recipient (a role, and the party id when known)."""

    recipient_role: str  # "tenant" | "front_desk" | "security"
    recipient_id: str | None
    subject: str
    body: str


def _list(items: object, sep: str) -> str:
    return sep.join(str(i) for i in (items or []))


def _move_out_requested(p: dict) -> list[Message]:
    unit, exit_date, ref = p.get("unit_id"), p.get("exit_date"), p.get("move_out_id")
    return [
        Message(
            TENANT,
            p.get("tenant_id"),
            f"撤场申请已受理 / Move-out application accepted: {unit}",
            f"您好！您在 {unit} 的撤场申请（编号 {ref}）已受理，撤场日期 {exit_date}。"
            "工程部将进行单元验收，财务部将核算费用；验收合格且费用结清后方可办理物品放行条。\n"
            f"Your move-out from {unit} (ref {ref}) on {exit_date} has been accepted. Engineering will "
            "inspect the unit and Finance will check your fees; the goods release slip is issued "
            "once the inspection has passed and the fees are settled.",
        ),
        Message(
            FRONT_DESK,
            None,
            f"租户撤场受理 / Move-out accepted: {unit}",
            f"租户撤场审批表已受理：单元 {unit}，租户 {p.get('tenant_id')}，撤场日期 {exit_date}，"
            f"客户书面同意 {p.get('owner_consent_doc')}，装修处理 {p.get('fitout_disposition')}（编号 {ref}）。\n"
            f"Move-out {ref} accepted for {unit}: tenant {p.get('tenant_id')}, exit {exit_date}, owner's "
            f"written consent {p.get('owner_consent_doc')}, fit-out {p.get('fitout_disposition')}. "
            "Engineering inspection, fee check and goods-release hold have been requested.",
        ),
    ]


def _inspection_completed(p: dict) -> list[Message]:
    if p.get("passed"):
        return []
    unit, notice = p.get("unit_id"), p.get("breach_notice_id")
    return [
        Message(
            TENANT,
            None,
            f"撤场验收发现问题 / Move-out inspection found defects: {unit}",
            f"您好！{unit} 撤场验收发现以下问题：{_list(p.get('defects'), '；')}。"
            f"请按违约处理单 {notice} 限期整改或赔偿，整改后将复验。\n"
            f"The move-out inspection of {unit} found: {_list(p.get('defects'), '; ')}. Please fix them "
            f"by the deadline on breach notice {notice} or pay compensation; the unit will then be "
            "re-inspected.",
        )
    ]


def _clearance_failed(p: dict) -> list[Message]:
    unit, amount = p.get("unit_id"), yuan(p.get("outstanding_amount"))
    return [
        Message(
            TENANT,
            p.get("party_id"),
            f"费用未结清 / Fees outstanding: {unit} {amount}",
            f"您好！{unit} 尚有费用 {amount} 未结清。费用结清后方可办理物品放行条，请到服务中心缴费。\n"
            f"Unit {unit} has {amount} outstanding. A goods release slip can only be issued once fees "
            "are settled; please pay at the service centre.",
        )
    ]


def _slip_issued(p: dict) -> list[Message]:
    unit, slip, goods_cn, goods_en = p.get("unit_id"), p.get("slip_id"), _list(p.get("goods"), "、"), _list(p.get("goods"), ", ")
    return [
        Message(
            TENANT,
            None,
            f"物品放行条已开具 / Goods release slip issued: {slip}",
            f"您好！{unit} 的物品放行条 {slip} 已开具，物品：{goods_cn}。搬出时请出示放行条，由保安核对放行。\n"
            f"Release slip {slip} for {unit} has been issued for: {goods_en}. Show it at the gate; "
            "Security will check the goods against it.",
        ),
        Message(
            FRONT_DESK,
            None,
            f"物品放行条 {slip} / Release slip issued: {unit}",
            f"已为 {unit} 开具物品放行条 {slip}（撤场 {p.get('move_out_id')}），物品：{goods_cn}。\n"
            f"Release slip {slip} issued for {unit} (move-out {p.get('move_out_id')}): {goods_en}.",
        ),
        Message(
            SECURITY,
            None,
            f"待放行 / Goods to release at the gate: {unit} {slip}",
            f"{unit} 租户持物品放行条 {slip} 搬出物品：{goods_cn}。请核对物品与放行条一致后登记放行。\n"
            f"Tenant of {unit} will move out with slip {slip}: {goods_en}. Check the goods against the "
            "slip, log them and let them out.",
        ),
    ]


def _slip_released(p: dict) -> list[Message]:
    unit, slip = p.get("unit_id"), p.get("slip_id")
    return [
        Message(
            FRONT_DESK,
            None,
            f"物品已放行 / Goods released: {unit} {slip}",
            f"保安 {p.get('guard_id')} 已核对并放行 {unit} 的物品（放行条 {slip}，撤场 {p.get('move_out_id')}）。"
            "请整理撤场资料归档并报客户。\n"
            f"Guard {p.get('guard_id')} checked and released the goods of {unit} (slip {slip}, move-out "
            f"{p.get('move_out_id')}). File the exit documents and report the exit to the owner.",
        )
    ]


def _move_out_withdrawn(p: dict) -> list[Message]:
    unit, ref, reason = p.get("unit_id"), p.get("move_out_id"), p.get("reason")
    return [
        Message(
            TENANT,
            None,
            f"撤场申请已撤回 / Move-out application withdrawn: {unit}",
            f"您好！您在 {unit} 的撤场申请（编号 {ref}）已撤回，原因：{reason}。单元验收和物品放行手续随之取消；"
            "如仍需撤场，请重新提出申请。\n"
            f"Your move-out application for {unit} (ref {ref}) has been withdrawn: {reason}. The inspection "
            "and the goods release are cancelled; if you still plan to move out, please apply again.",
        ),
        Message(
            FRONT_DESK,
            None,
            f"撤场申请已撤回 / Move-out withdrawn: {unit}",
            f"撤场 {ref}（单元 {unit}）已撤回，原因：{reason}。工程部取消验收，保安解除物品放行控制；该单元可重新申请撤场。\n"
            f"Move-out {ref} for {unit} was withdrawn: {reason}. Engineering cancels the inspection and "
            "Security drops the goods-release hold; the unit may apply again.",
        ),
    ]


def _move_out_completed(p: dict) -> list[Message]:
    unit, ref = p.get("unit_id"), p.get("move_out_id")
    return [
        Message(
            TENANT,
            None,
            f"撤场手续已办结 / Move-out completed: {unit}",
            f"您好！{unit} 的撤场手续（编号 {ref}）已全部办结，撤场资料已归档并已报客户。感谢您的配合！\n"
            f"Your move-out from {unit} (ref {ref}) is complete: the exit documents are filed and the owner "
            "has been informed. Thank you.",
        ),
        Message(
            FRONT_DESK,
            None,
            f"撤场已归档 / Move-out archived: {unit}",
            f"撤场 {ref}（单元 {unit}）已归档并报客户：财务停止向租户计费，出入证注销、钥匙收回。\n"
            f"Move-out {ref} for {unit} is archived and reported to the owner: billing stops billing the "
            "tenant, passes are revoked and keys collected.",
        ),
    ]


_TEMPLATES = {
    "move_out.requested": _move_out_requested,
    "move_out.inspection_completed": _inspection_completed,
    "billing.clearance_failed": _clearance_failed,
    "release_slip.issued": _slip_issued,
    "release_slip.released": _slip_released,
    "move_out.withdrawn": _move_out_withdrawn,
    "move_out.completed": _move_out_completed,
}

def _deadline_breached(p: dict) -> list[Message]:
    """A time limit passed (propdesk.chassis.deadlines): the person responsible and the role it
    escalates to are told which record, which rule and since when."""
    what = p.get("summary") or f"{p.get('record_type')} {p.get('record_id')}"
    subject = f"已超时 / Overdue: {what}"
    body = (f"{what} 已超过时限（规则 {p.get('rule')}，应于 {p.get('due_at')} 前完成），请立即处理。\n"
            f"{what} is overdue (rule {p.get('rule')}, due {p.get('due_at')}): please act now.")
    out = []
    if p.get("responsible"):
        out.append(Message("staff", p["responsible"], subject, body))
    if p.get("escalate_to"):
        out.append(Message(p["escalate_to"], None, subject, body))
    return out


#: Every breach event (its contract subclasses `DeadlineBreach`) has the same template.
_TEMPLATES.update({event_type: _deadline_breached for event_type in registry.breach_event_types()})

#: Event types that produce messages (notify subscribes to these; ``move_out.requested`` also
#: records the tenant of the move-out).
HANDLED_EVENTS: tuple[str, ...] = tuple(_TEMPLATES)


def messages_for(event_type: str, payload: dict) -> list[Message]:
    """The messages one event causes; [] for an event without a template (or a passed inspection).

    - ``move_out.requested``: tenant (tenant_id) + front desk.
    - ``move_out.inspection_completed`` with defects: tenant (违约处理单 number, defects).
    - ``billing.clearance_failed``: tenant (party_id), amount outstanding.
    - ``release_slip.issued``: tenant + front desk + Security (goods list).
    - ``release_slip.released``: front desk (archive and report to the owner).
    - ``move_out.withdrawn``: tenant + front desk (why; inspection and release cancelled).
    - ``move_out.completed``: tenant + front desk (archived and reported to the owner).
    """
    template = _TEMPLATES.get(event_type)
    return template(payload) if template else []


# -- delivery -------------------------------------------------------------------------------------
STAFF_INBOX = "staff_inbox"
MAIL_SPOOL = "mail_spool"

#: Residents are written to (mail today, SMS/APP later); everyone else is staff with a desk inbox.
RESIDENT_ROLES = frozenset({"tenant", "owner", "resident"})

#: A stored message's status (codes and labels: propdesk.contracts.vocab.MESSAGE_STATUSES).
PENDING, SENT, FAILED = "pending", "sent", "failed"
assert MESSAGE_STATUSES.codes == (PENDING, SENT, FAILED)

#: Delivery attempts per message, the first included; then it stays "failed" for good.
MAX_ATTEMPTS = 5

#: Wait before the 2nd, 3rd, 4th and 5th attempt (seconds): a channel that is down for a minute
#: or two (a mail relay restarting) does not exhaust the attempts.
RETRY_DELAYS_S: tuple[float, ...] = (5, 30, 120, 600)

_MESSAGE_NS = uuid.UUID("3f0c7d52-7a36-4f43-9a43-2f6a1c8e5b10")


def message_id_for(event_id: str, index: int) -> str:
    """The same event always yields the same message ids (a duplicate cannot store a second copy)."""
    return uuid.uuid5(_MESSAGE_NS, f"{event_id}/{index}").hex


def channel_for(recipient_role: str) -> str:
    """The channel a role is reached through: residents by mail (spool), staff roles (front desk,
    Security, ...) in the desk's inbox."""
    return MAIL_SPOOL if recipient_role in RESIDENT_ROLES else STAFF_INBOX


def retry_at(attempts: int, now: datetime) -> datetime | None:
    """When to try again a message whose `attempts`-th delivery just failed; None once the
    attempts are used up (the message stays "failed" for good)."""
    if attempts >= MAX_ATTEMPTS:
        return None
    return now + timedelta(seconds=RETRY_DELAYS_S[min(attempts, len(RETRY_DELAYS_S)) - 1])


def record_attempt(message, error: str | None, now: datetime) -> bool:
    """Record one delivery attempt on a stored message (attributes `status`, `attempts`,
    `sent_at`, `last_error`, `next_attempt_at`): "sent" when `error` is None, else "failed" with
    the error and the next try (`retry_at`). Returns whether the outcome is final: sent, or the
    last attempt failed (then ``notification.sent`` is due)."""
    message.attempts += 1
    if error is None:
        message.status, message.sent_at, message.next_attempt_at = SENT, now, None
    else:
        message.status, message.last_error = FAILED, error
        message.next_attempt_at = retry_at(message.attempts, now)
    return message.status == SENT or message.next_attempt_at is None


def notification_sent(message) -> Event:
    """The ``notification.sent`` event of a message whose outcome is final (`record_attempt`)."""
    return Event("notification.sent", {
        "message_id": message.message_id, "channel": message.channel, "recipient_role": message.recipient_role,
        "recipient_id": message.recipient_id, "subject": message.subject, "status": message.status})
