"""The event log's timeline lines: one short human line per event of a business case (a move-out:
its id), in the office's words. Pure: no nameko, no SQL, no I/O.

Each line starts with the vocabulary's label of what became true (`propdesk.contracts.vocab`,
Chinese then English), then the details: a fee check that found fees outstanding reads
"尚有欠费 Fees outstanding", never "费用已结清". Every other event of the catalog reads as its
contract says what it means (the first sentence of the contract's description) with the unit and
the record's numbers; every breach of a time limit (a `DeadlineBreach` contract) as "超时 Overdue"
with what is overdue and since when. So a workflow's new event has a readable line the day it is
declared, and a line of its own here when the office wants more.
"""
from __future__ import annotations

from collections.abc import Callable

from propdesk.contracts.vocab import (
    FEE_STATUSES, INSPECTION_RESULTS, MESSAGE_STATUSES, MOVE_OUT_STATES, PAYMENT_METHODS, SLIP_STATUSES, Terms,
)
from propdesk.money import yuan


def _said(terms: Terms, code: str) -> str:
    """A term as the desk reads it: ``"验收通过 Inspection passed"``."""
    term = terms[code]
    return f"{term.zh} {term.en}"


def _move_out(code: str) -> str:
    return _said(MOVE_OUT_STATES, code)


def _inspection_completed(p: dict) -> str:
    if p.get("passed"):
        return f"{_move_out('INSPECTION_PASSED')}: {p.get('unit_id')}"
    return (f"{_move_out('DEFECTS_FOUND')} in {p.get('unit_id')}: {'; '.join(p.get('defects') or [])} "
            f"(违约处理单 {p.get('breach_notice_id')})")


def _slip(code: str) -> str:
    term = SLIP_STATUSES[code]
    return f"物品放行条{term.zh} Release slip {term.en.lower()}"


def _notification(p: dict) -> str:
    status = MESSAGE_STATUSES[p.get("status")] if p.get("status") in MESSAGE_STATUSES else None
    zh, en = (status.zh, status.en.lower()) if status else (p.get("status"), p.get("status"))
    recipient = f"{p.get('recipient_role')}{' ' + p['recipient_id'] if p.get('recipient_id') else ''}"
    return f"通知{zh} Message {en} to {recipient} via {p.get('channel')}: {p.get('subject')}"


def _payment(p: dict) -> str:
    method = PAYMENT_METHODS[p["method"]] if p.get("method") in PAYMENT_METHODS else None
    by = f"{method.zh} {method.en}" if method else p.get("method")
    return f"收款 Payment {yuan(p.get('amount'))} for {p.get('unit_id')} by {by}, receipt {p.get('receipt_no')}"


_SUMMARIES: dict[str, Callable[[dict], str]] = {
    "move_out.requested": lambda p: (
        f"{_move_out('APPLICATION_ACCEPTED')}: {p.get('unit_id')}, tenant {p.get('tenant_id')}, exit {p.get('exit_date')}"),
    "move_out.inspection_opened": lambda p: (
        f"{_said(INSPECTION_RESULTS, 'pending')}: work order {p.get('work_order_no')} opened for {p.get('unit_id')}"),
    "move_out.inspection_completed": _inspection_completed,
    "billing.clearance_confirmed": lambda p: f"{_said(FEE_STATUSES, 'cleared')}: {p.get('unit_id')}",
    "billing.clearance_failed": lambda p: (
        f"{_said(FEE_STATUSES, 'outstanding')}: {p.get('unit_id')} {yuan(p.get('outstanding_amount'))}"),
    "payment.received": _payment,
    "move_out.release_approved": lambda p: (
        f"{_move_out('RELEASE_APPROVED')}: {p.get('unit_id')} per {p.get('owner_written_opinion_ref')}"),
    "release_slip.issued": lambda p: (
        f"{_slip('issued')}: {p.get('slip_id')} for {p.get('unit_id')}: {', '.join(p.get('goods') or [])}"),
    "release_slip.released": lambda p: (
        f"{_move_out('GOODS_RELEASED')}: slip {p.get('slip_id')} at the gate, guard {p.get('guard_id')}"),
    "move_out.withdrawn": lambda p: f"{_move_out('WITHDRAWN')}: {p.get('unit_id')}, reason: {p.get('reason')}",
    "move_out.completed": lambda p: f"{_move_out('ARCHIVED')}: {p.get('unit_id')}, exit reported to the owner",
    "notification.sent": _notification,
}


def _ids(payload: dict) -> str:
    return ", ".join(f"{k} {v}" for k, v in payload.items() if (k.endswith("_id") or k.endswith("_no")) and v)


def _what_it_means(event_type: str) -> str | None:
    """The first sentence of the event's contract description, or None for an unknown event."""
    from propdesk.contracts import registry

    try:
        doc = registry.get(event_type, registry.latest_version(event_type)).doc
    except LookupError:
        return None
    first = " ".join(doc.split()).split(". ")[0].rstrip(".")
    return first[:120] or None


def _breach(p: dict) -> str:
    what = p.get("summary") or f"{p.get('record_type')} {p.get('record_id')}"
    return f"超时 Overdue: {what} (rule {p.get('rule')}, due {p.get('due_at')}, responsible {p.get('responsible')})"


def summary(event_type: str, payload: dict) -> str:
    """One short line saying what happened (see the module doc)."""
    template = _SUMMARIES.get(event_type)
    if template is not None:
        return template(payload)
    from propdesk.contracts import registry

    if event_type in registry.breach_event_types():
        return _breach(payload)
    meaning = _what_it_means(event_type) or event_type
    ids = _ids(payload)
    return f"{meaning}{': ' + ids if ids else ''}"


def timeline_entry(*, event_id: str, event_type: str, occurred_at: str, producer: str, actor_id: str,
                   actor_role: str, payload: dict) -> dict:
    """One line of a case's timeline, as the desk reads it (times as ISO strings)."""
    return {
        "event_id": event_id,
        "event_type": event_type,
        "occurred_at": occurred_at,
        "producer": producer,
        "actor": {"id": actor_id, "role": actor_role},
        "summary": summary(event_type, payload),
        "payload": payload,
    }
