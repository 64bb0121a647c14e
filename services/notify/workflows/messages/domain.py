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

from propdesk.contracts import registry, vocab
from propdesk.contracts.vocab import MESSAGE_STATUSES
from propdesk.domain import Event
from propdesk.money import yuan

TENANT = "tenant"
FRONT_DESK = "front_desk"
SECURITY = "security"


@dataclass
class Message:
    """One message to one recipient (a role, and the party id when known)."""

    recipient_role: str  # a resident role (tenant, owner, resident), a staff role code, or "staff"
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
    if not p.get("move_out_id"):  # a slip filled in at the desk: the applicant holds it; Security checks it
        return [Message(
            SECURITY, None, f"待放行 / Goods to release at the gate: {unit} {slip}",
            f"{unit} 已开具物品放行条 {slip}，物品：{goods_cn}。请核对物品与放行条一致后登记放行。\n"
            f"Release slip {slip} was issued for {unit}: {goods_en}. Check the goods against the slip, log "
            "them and let them out.")]
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
    if not p.get("move_out_id"):  # a slip filled in at the desk: filed with the desk's slips
        return [Message(
            FRONT_DESK, None, f"物品已放行 / Goods released: {unit} {slip}",
            f"保安 {p.get('guard_id')} 已核对并放行 {unit} 的物品（放行条 {slip}），请将放行条存档。\n"
            f"Guard {p.get('guard_id')} checked and released the goods of {unit} (slip {slip}): file the slip.")]
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


# -- the departments' workflows (domain.md §2.2-§2.12, §7, §8) -------------------------------------
OWNER = "owner"
RESIDENT = "resident"
CS_SUPERVISOR = "cs_supervisor"
CS_MANAGER = "cs_manager"
ENGINEERING = "engineering"
FINANCE_SUPERVISOR = "finance_supervisor"
STAFF = "staff"  # one staff member, by id (recipient_id)

_ROLE_ZH = {TENANT: "租户", OWNER: "业主", RESIDENT: "住户"}


def _resident(role: str, party_id: str | None, unit: str | None, subject: str, body: str) -> list[Message]:
    """A message for a resident: mailed to the party when the event names them; else a delivery
    task for the front desk (domain.md §7: the desk phones or hands it to the unit's resident,
    the office's way today); nothing when there is no unit either (a common area)."""
    if party_id:
        return [Message(role, party_id, subject, body)]
    if not unit:
        return []
    who = _ROLE_ZH.get(role, role)
    return [Message(FRONT_DESK, None, f"请转告{who} / Pass on to the {role} of {unit}: {subject}",
                    f"请电话或当面转告 {unit} 的{who}（系统中无其联系方式）：\n"
                    f"Please phone or tell the {role} of {unit} (no address on file):\n{body}")]


def _staff(staff_id: str | None, subject: str, body: str) -> list[Message]:
    """A message for one named staff member (their desk inbox); nothing when nobody is named."""
    return [Message(STAFF, staff_id, subject, body)] if staff_id else []


def _label(terms, code) -> tuple[str, str]:
    """The office's words (zh, en) for a code of a vocabulary; the code itself when unknown."""
    if code is None:
        return "-", "-"
    try:
        term = terms[code]
    except (KeyError, TypeError):
        return str(code), str(code)
    return term.zh, term.en


# repairs (报修, §2.2)
def _repair_ref(p: dict) -> str:
    return f"{p.get('repair_no')} {p.get('unit_id') or '公共区域 common area'}"


def _repair_dispatched(p: dict) -> list[Message]:
    """The owner is told when engineering comes; the follow-up CS assistant that it is theirs."""
    ref, wo, due = _repair_ref(p), p.get("work_order_no"), p.get("due_at")
    team_zh, team_en = _label(vocab.REPAIR_TEAMS, p.get("team"))
    reissued = f"（原工单 {p['old_work_order_no']} 已作废重开）" if p.get("old_work_order_no") else ""
    reissued_en = f" (re-issued, replacing {p['old_work_order_no']})" if p.get("old_work_order_no") else ""
    return [
        *_resident(OWNER, p.get("party_id"), p.get("unit_id"),
                   f"维修已派工 / Repair dispatched: {ref}",
                   f"您好！您报修的 {ref} 已派{team_zh}处理（工程维修单 {wo}{reissued}），预计 {due} 前上门。"
                   "上门前会先与您预约。\n"
                   f"Your repair {ref} has been given to the {team_en} (work order {wo}{reissued_en}); they will "
                   f"attend by {due} and book the visit with you first."),
        *_staff(p.get("follow_up"),
                f"维修跟进 / Repair to follow up: {ref}",
                f"{ref} 已派{team_zh}（工程维修单 {wo}{reissued}），由您跟进，须于 {due} 前上门。\n"
                f"You follow up repair {ref}: work order {wo}{reissued_en} with the {team_en}, attendance due by {due}."),
    ]


def _repair_rescheduled(p: dict) -> list[Message]:
    ref, new_time = _repair_ref(p), p.get("new_time")
    return [
        *_resident(OWNER, p.get("party_id"), p.get("unit_id"),
                   f"维修时间已改约 / Repair rebooked: {ref}",
                   f"您好！{ref} 的维修时间已与您（{p.get('agreed_with')}）改约为 {new_time}，给您带来不便，敬请谅解。\n"
                   f"Repair {ref} is rebooked for {new_time} as agreed with {p.get('agreed_with')}. "
                   "We apologise for the change."),
        Message(ENGINEERING, None, f"维修改约 / Repair rebooked: {ref}",
                f"{ref}（工程维修单 {p.get('work_order_no')}）已与业主改约为 {new_time}，请按新时间上门。\n"
                f"Repair {ref} (work order {p.get('work_order_no')}) is rebooked with the owner for {new_time}: "
                "attend then."),
    ]


def _repair_reopened(p: dict) -> list[Message]:
    ref = _repair_ref(p)
    why_zh, why_en = {"acceptance_failed": ("验收不合格", "CS acceptance failed"),
                      "return_visit_dissatisfied": ("回访不满意", "the owner was dissatisfied at the return visit")
                      }.get(p.get("reason"), (p.get("reason"), p.get("reason")))
    defects = p.get("defects") or "-"
    return [Message(ENGINEERING, None, f"返单 / Repair sent back: {ref}",
                    f"{ref}（工程维修单 {p.get('work_order_no')}）{why_zh}，返单重修直至合格。问题：{defects}。\n"
                    f"Repair {ref} (work order {p.get('work_order_no')}) is sent back: {why_en}. Defects: {defects}. "
                    "Rework it until it passes.")]


def _repair_escalated(p: dict) -> list[Message]:
    ref, hotline, rating = _repair_ref(p), p.get("hotline"), p.get("rating")
    comment = p.get("comment") or "-"
    return [Message(CS_MANAGER, None, f"低分报修已转 {hotline} / Repair escalated to {hotline}: {ref}",
                    f"业主在APP中对 {ref} 评分 {rating}（低于3分），已转集团客服中心 {hotline}。业主意见：{comment}。"
                    "请跟进处理并回复业主。\n"
                    f"The owner rated repair {ref} {rating} in the APP (below 3): escalated to the group hotline "
                    f"{hotline}. Comment: {comment}. Please follow it up and reply to the owner.")]


# contacts (来电来访, §2.1, §1.3 首问负责制)
def _contact_handed_over(p: dict) -> list[Message]:
    """The staff member a contact was handed to owns it from now on: they are told."""
    no, why = p.get("contact_no"), p.get("reason")
    return _staff(p.get("to_owner"), f"来电来访转交 / Contact handed to you: {no}",
                  f"{p.get('from_owner')} 将来电来访 {no} 转交给您（{why}），由您负责跟进并答复客户（首问负责制）。\n"
                  f"{p.get('from_owner')} handed contact {no} to you ({why}): you own it now, follow it up and "
                  "reply to the caller.")


# complaints (投诉, §2.3)
def _complaint_ref(p: dict) -> str:
    return f"{p.get('complaint_no')} {p.get('unit_id') or ''}".strip()


def _complaint_registered(p: dict) -> list[Message]:
    """A major or written complaint is reported to the CS supervisor at once (五清楚一汇报, §2.3)."""
    if p.get("kind") not in ("major", "written"):
        return []
    ref = _complaint_ref(p)
    kind_zh, kind_en = _label(vocab.COMPLAINT_KINDS, p.get("kind"))
    return [Message(CS_SUPERVISOR, None, f"{kind_zh} / {kind_en} complaint received: {ref}",
                    f"收到{kind_zh} {ref}（{p.get('received_by') or '-'} 登记），请立即处理并上报。\n"
                    f"A {kind_en.lower()} complaint {ref} was received (logged by {p.get('received_by') or '-'}): "
                    "deal with it and report it up at once.")]


def _complaint_escalated(p: dict) -> list[Message]:
    ref, due = _complaint_ref(p), p.get("reply_due") or "-"
    kind_zh, kind_en = _label(vocab.COMPLAINT_KINDS, p.get("kind"))
    return [Message(p.get("level") or "director", None, f"投诉上报 / Complaint escalated: {ref}",
                    f"投诉 {ref}（{kind_zh}）已上报，请处理；已与投诉人约定于 {due} 前答复。\n"
                    f"Complaint {ref} ({kind_en}) is escalated to you; the reply agreed with the complainant is due "
                    f"{due}.")]


def _complaint_resolved(p: dict) -> list[Message]:
    ref = _complaint_ref(p)
    return _resident(RESIDENT, p.get("party_id"), p.get("unit_id"),
                     f"投诉处理结果 / Your complaint is resolved: {p.get('complaint_no')}",
                     f"您好！您的投诉 {ref} 已处理完毕，处理结果已向您答复。客服将对您进行回访，感谢您的监督！\n"
                     f"Your complaint {ref} has been handled and you have been told the outcome. Customer service "
                     "will call back to ask whether you are satisfied. Thank you.")


def _complaint_reopened(p: dict) -> list[Message]:
    ref, n = _complaint_ref(p), p.get("second_complaints")
    why_zh, why_en = _label(vocab.COMPLAINT_REOPEN_REASONS, p.get("reason"))
    return [Message(CS_SUPERVISOR, None, f"二次投诉 / Complaint reopened: {ref}",
                    f"投诉 {ref} 重新打开（{why_zh}），计为二次投诉（第 {n} 次）。须检讨分析原因后再处理、结案。\n"
                    f"Complaint {ref} is reopened ({why_en}) and counts as a second complaint (#{n}). A root-cause "
                    "review is required before it is handled and closed again.")]


# return visits (回访, §2.4)
def _return_visit_planned(p: dict) -> list[Message]:
    method_zh, method_en = _label(vocab.RETURN_VISIT_METHODS, p.get("method"))
    no, unit, due = p.get("return_visit_no"), p.get("unit_id") or "-", p.get("due_at")
    return _staff(p.get("assignee"), f"回访任务 / Return visit to make: {no} {unit}",
                  f"请于 {due} 回访 {unit}（{no}，{method_zh}），先与业主预约。\n"
                  f"Return visit {no} to {unit} by {method_en}, appointment {due}: book it with the owner first.")


def _return_visit_completed(p: dict) -> list[Message]:
    if p.get("overall") != "dissatisfied":
        return []
    no, unit = p.get("return_visit_no") or p.get("return_visit_id"), p.get("unit_id") or "-"
    about = f"{p.get('subject_type')} {p.get('subject_id')}" if p.get("subject_id") else "-"
    return [Message(CS_SUPERVISOR, None, f"回访不满意 / Dissatisfied return visit: {no} {unit}",
                    f"回访 {no}（{unit}，事项 {about}）业主不满意。请指定责任部门限期整改，或解释并安排下次回访。\n"
                    f"The owner of {unit} was dissatisfied at return visit {no} (about {about}). Order a "
                    "rectification with a deadline, or explain and plan the next visit.")]


#: Who is told of a rectification ordered to a department (vocab.RETURN_VISIT_DEPARTMENTS): its own
#: desk role; CS passes it on to the cleaning/greening contractor, the office and the developer.
_DEPARTMENT_ROLES = {"engineering": ENGINEERING, "security": SECURITY, "finance": FINANCE_SUPERVISOR}


def _rectification_ordered(p: dict) -> list[Message]:
    no, unit, due = p.get("return_visit_no"), p.get("unit_id") or "-", p.get("deadline")
    dept_zh, dept_en = _label(vocab.RETURN_VISIT_DEPARTMENTS, p.get("department"))
    return [Message(_DEPARTMENT_ROLES.get(p.get("department"), CS_SUPERVISOR), None,
                    f"限期整改 / Rectification due: {unit} {no}",
                    f"回访 {no}（{unit}）业主不满意，责成{dept_zh}整改：{p.get('measures')}，须于 {due} 前完成。\n"
                    f"The owner of {unit} was dissatisfied at return visit {no}: {dept_en} is to rectify it "
                    f"({p.get('measures')}) by {due}.")]


# passes (出入证, §2.9)
def _pass_ended(p: dict, why_zh: str, why_en: str) -> list[Message]:
    kind_zh, kind_en = _label(vocab.PASS_KINDS, p.get("pass_type"))
    no, holder, unit = p.get("pass_id"), p.get("holder"), p.get("unit_id") or "-"
    return [
        Message(FRONT_DESK, None, f"出入证失效，请通知持证人 / Pass no longer valid: {no} {holder}",
                f"{kind_zh} {no}（持证人 {holder}，{unit}）{why_zh}。请通知持证人交回证件"
                "（如需继续出入请重新办理）。\n"
                f"{kind_en} {no} (holder {holder}, {unit}) {why_en}. Tell the holder to hand it back "
                "(a new pass is needed to keep coming in)."),
        Message(SECURITY, None, f"出入证失效 / Pass no longer valid: {no}",
                f"{kind_zh} {no}（持证人 {holder}，{unit}）{why_zh}，门岗不再凭此证放行。\n"
                f"{kind_en} {no} (holder {holder}, {unit}) {why_en}: no longer valid at the gate."),
    ]


def _pass_expired(p: dict) -> list[Message]:
    return _pass_ended(p, f"已于 {p.get('valid_to')} 到期", f"expired after {p.get('valid_to')}")


def _pass_revoked(p: dict) -> list[Message]:
    why_zh, why_en = _label(vocab.PASS_REVOKE_REASONS, p.get("reason"))
    return _pass_ended(p, f"已注销（{why_zh}）", f"was revoked ({why_en})")


# lost & found (拾获物品, §2.10), storage (寄存, §2.11), mail (§2.12)
def _lost_item_expired(p: dict) -> list[Message]:
    no, what, since = p.get("item_id"), p.get("description"), str(p.get("registered_at") or "")[:10]
    return [
        Message(FINANCE_SUPERVISOR, None, f"逾期无人认领物品移交财务 / Unclaimed item for finance: {no}",
                f"拾获物品 {no}（{what}）自 {since} 登记起三个月无人认领，将列清单移交财务部，请安排接收。\n"
                f"Found item {no} ({what}) registered on {since} is unclaimed after three months: it is listed "
                "and handed to finance. Please arrange to receive it."),
        Message(FRONT_DESK, None, f"物品待移交财务 / Hand the item to finance: {no}",
                f"拾获物品 {no}（{what}）已满三个月无人认领，请列清单移交财务部并登记。\n"
                f"Found item {no} ({what}) is unclaimed after three months: list it and hand it to finance."),
    ]


def _lost_item_claim_refused(p: dict) -> list[Message]:
    no = p.get("item_id")
    return [Message(p.get("escalate_to") or CS_SUPERVISOR, None, f"认领无法核实 / Claim refused: {no}",
                    f"{p.get('claimant')} 认领拾获物品 {no} 无法核实，已婉拒（{p.get('reason')}），请上级处理。\n"
                    f"{p.get('claimant')}'s claim to found item {no} could not be verified and was refused "
                    f"({p.get('reason')}): please deal with it.")]


def _parcel_overdue(p: dict) -> list[Message]:
    no, who, unit = p.get("parcel_id"), p.get("depositor"), p.get("unit_id") or "-"
    items_zh, items_en = _list(p.get("items"), "、"), _list(p.get("items"), ", ")
    since = str(p.get("stored_at") or "")[:10]
    return [Message(FRONT_DESK, None, f"寄存超过三天，请联系寄存人 / Deposit over 3 days: {no} {who}",
                    f"{who}（{unit}）于 {since} 寄存的物品（{items_zh}，{no}）已超过三天，请联系寄存人尽快领取并记录联系结果。\n"
                    f"{who} ({unit}) left items on {since} ({items_en}, {no}), now over three days: contact the "
                    "depositor to collect them and record the outcome.")]


def _mail_received(p: dict) -> list[Message]:
    if p.get("kind") == "newspaper":  # newspapers are collected daily by the nominated person (§2.12)
        return []
    kind_zh, kind_en = _label(vocab.MAIL_KINDS, p.get("kind"))
    no, unit, who = p.get("mail_id"), p.get("unit_id"), p.get("recipient")
    return _resident(RESIDENT, p.get("party_id"), unit, f"{kind_zh}待领取 / {kind_en} to collect: {unit} {who}",
                     f"您好！{who}（{unit}）有{kind_zh}（编号 {no}）在服务中心，请携带有效证件前来签收领取。\n"
                     f"{who} ({unit}): a {kind_en.lower()} ({no}) is waiting at the service centre. Please collect "
                     "it with your ID and sign for it.")


# goods release slips filled in at the desk (§2.7)
def _slip_refused(p: dict) -> list[Message]:
    slip, unit = p.get("slip_id"), p.get("unit_id")
    return [Message(FRONT_DESK, None, f"放行被拒 / Goods refused at the gate: {unit} {slip}",
                    f"保安 {p.get('guard_id')} 在门岗拒绝放行 {unit} 的物品（放行条 {slip}）：{p.get('reason')}。"
                    "该放行条已使用，请告知申请人，如需搬出须重新办理。\n"
                    f"Guard {p.get('guard_id')} refused the goods of {unit} at the gate (slip {slip}): "
                    f"{p.get('reason')}. The slip is used: tell the applicant a new slip is needed.")]


# billing (§2.5)
def _notices_issued(p: dict) -> list[Message]:
    """One event per run (no unit): the CS supervisor arranges the delivery (a delivery task); each
    notice is handed to its client by CS, who signs (billing.notice_delivered)."""
    period, n, total = p.get("period"), p.get("notice_count"), yuan(p.get("total_amount"))
    return [Message(CS_SUPERVISOR, None, f"缴费通知单待派送 / Fee notices to deliver: {period} ×{n}",
                    f"{period} 缴费通知单 {n} 份（合计 {total}，批次 {p.get('run_no')}）已由出纳盖章发出，"
                    "请安排客服逐户派送并请客户签收。\n"
                    f"{n} fee notices for {period} (total {total}, run {p.get('run_no')}) are issued and stamped: "
                    "arrange their delivery to each client, who signs for it.")]


def _dunning_issued(p: dict) -> list[Message]:
    unit, amount, periods = p.get("unit_id"), yuan(p.get("amount_due")), _list(p.get("periods"), ", ")
    return _resident(OWNER, p.get("party_id"), unit, f"催款通知 / Payment reminder: {unit} {amount}",
                     f"您好！{unit} 尚欠 {periods} 的费用共 {amount}（催款通知单 {p.get('dunning_no')}），"
                     "请尽快到服务中心或通过银行缴纳。如已缴纳，请忽略本通知。\n"
                     f"Unit {unit} owes {amount} for {periods} (dunning notice {p.get('dunning_no')}). Please pay at "
                     "the service centre or by bank transfer soon; if you have paid already, please ignore this.")


def _paid_service_charged(p: dict) -> list[Message]:
    unit, amount = p.get("unit_id"), yuan(p.get("amount"))
    return _resident(OWNER, p.get("party_id"), unit, f"有偿服务费用 / Paid service charged: {unit} {amount}",
                     f"您好！{unit} 的有偿维修（{p.get('item')}，工程维修单 {p.get('work_order_no')}）费用 {amount} "
                     f"已计入 {p.get('period')} 的物业费账单。\n"
                     f"The paid repair of {unit} ({p.get('item')}, work order {p.get('work_order_no')}) costs {amount}; "
                     f"it is on your {p.get('period')} fee notice.")


_TEMPLATES = {
    "move_out.requested": _move_out_requested,
    "move_out.inspection_completed": _inspection_completed,
    "billing.clearance_failed": _clearance_failed,
    "release_slip.issued": _slip_issued,
    "release_slip.released": _slip_released,
    "move_out.withdrawn": _move_out_withdrawn,
    "move_out.completed": _move_out_completed,
    # tickets: repairs, complaints, return visits
    "repair.dispatched": _repair_dispatched,
    "repair.order_reissued": _repair_dispatched,
    "repair.rescheduled": _repair_rescheduled,
    "repair.reopened": _repair_reopened,
    "repair.escalated": _repair_escalated,
    "contact.handed_over": _contact_handed_over,
    "complaint.registered": _complaint_registered,
    "complaint.escalated": _complaint_escalated,
    "complaint.resolved": _complaint_resolved,
    "complaint.reopened": _complaint_reopened,
    "return_visit.planned": _return_visit_planned,
    "return_visit.completed": _return_visit_completed,
    "return_visit.rectification_ordered": _rectification_ordered,
    # access: slips refused at the gate, passes, lost & found, storage, mail
    "release_slip.refused": _slip_refused,
    "pass.expired": _pass_expired,
    "pass.revoked": _pass_revoked,
    "lost_item.expired": _lost_item_expired,
    "lost_item.claim_refused": _lost_item_claim_refused,
    "parcel.overdue": _parcel_overdue,
    "mail.received": _mail_received,
    # billing: the monthly notices, dunning, paid services
    "billing.notices_issued": _notices_issued,
    "arrears.dunning_issued": _dunning_issued,
    "paid_service.charged": _paid_service_charged,
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
    - a slip filled in at the desk (no ``move_out_id``): issued -> Security; released -> front desk.
    - the departments' events (repairs, complaints, return visits, passes, lost & found, storage,
      mail, billing): see the table in docs/workflows/notify-messages.md. A resident the event does
      not name by party id is reached through the front desk (a delivery task: `_resident`).
    - every breach event (DeadlineBreach): the responsible person + the role it escalates to.
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
