"""Reports: the pure projection rules of the read models fed by events (domain.md §4, §7, §8).

- `move_out_state_after`: where a tenant move-out (租户撤场, §2.6) stands after one more of its
  events. Events of one case reach reports in any order (each producer has its own outbox), so the
  state only moves forward along the saga; a re-inspection that passes after defects were found
  is forward too (DEFECTS_FOUND → INSPECTION_PASSED), a late "defects" after a pass is not.
- `summary` / `timeline_entry`: one short human line per event for a case's timeline, Chinese
  first where the desk uses the Chinese term.
"""
from __future__ import annotations

from collections.abc import Callable

APPLICATION_ACCEPTED = "APPLICATION_ACCEPTED"
DEFECTS_FOUND = "DEFECTS_FOUND"
INSPECTION_PASSED = "INSPECTION_PASSED"
RELEASE_APPROVED = "RELEASE_APPROVED"
SLIP_ISSUED = "SLIP_ISSUED"
GOODS_RELEASED = "GOODS_RELEASED"

#: The move-out states the projection knows, in saga order (a state never moves to an earlier one).
MOVE_OUT_STATES: tuple[str, ...] = (
    APPLICATION_ACCEPTED, DEFECTS_FOUND, INSPECTION_PASSED, RELEASE_APPROVED, SLIP_ISSUED, GOODS_RELEASED,
)
_RANK = {state: i for i, state in enumerate(MOVE_OUT_STATES)}


def _inspection(payload: dict) -> str:
    return INSPECTION_PASSED if payload.get("passed") else DEFECTS_FOUND


_REACHES: dict[str, Callable[[dict], str]] = {
    "move_out.requested": lambda p: APPLICATION_ACCEPTED,
    "move_out.inspection_completed": _inspection,
    "move_out.release_approved": lambda p: RELEASE_APPROVED,
    "release_slip.issued": lambda p: SLIP_ISSUED,
    "release_slip.released": lambda p: GOODS_RELEASED,
}

#: Event types that move a move-out's state.
MOVE_OUT_EVENTS: tuple[str, ...] = tuple(_REACHES)


def move_out_id_of(event_type: str, payload: dict) -> str | None:
    """The move-out an event advances (None for other events, or a slip not tied to a move-out)."""
    if event_type not in _REACHES:
        return None
    return payload.get("move_out_id") or None


def move_out_state_after(current_state: str | None, event_type: str, payload: dict) -> str | None:
    """The move-out's state once this event is counted: the later of the current state and the
    state the event reaches. Events that don't concern the state leave it as it is."""
    reach = _REACHES.get(event_type)
    if reach is None:
        return current_state
    reached = reach(payload)
    if current_state is None:
        return reached
    if current_state not in _RANK:
        raise ValueError(f"unknown move-out state {current_state!r}")
    return reached if _RANK[reached] > _RANK[current_state] else current_state


# -- timeline ----------------------------------------------------------------------------------------
def _money(p: dict, key: str) -> str:
    return f"¥{p.get(key)}"


_SUMMARIES: dict[str, Callable[[dict], str]] = {
    "move_out.requested": lambda p: (
        f"撤场申请已受理 Move-out accepted: {p.get('unit_id')}, tenant {p.get('tenant_id')}, exit {p.get('exit_date')}"),
    "move_out.inspection_opened": lambda p: (
        f"验收工单 Inspection work order {p.get('work_order_no')} opened for {p.get('unit_id')}"),
    "move_out.inspection_completed": lambda p: (
        f"单元验收合格 Inspection passed: {p.get('unit_id')}" if p.get("passed") else
        f"验收发现问题 Defects found in {p.get('unit_id')}: {'; '.join(p.get('defects') or [])} "
        f"(违约处理单 {p.get('breach_notice_id')})"),
    "billing.clearance_confirmed": lambda p: f"费用已结清 Fees cleared: {p.get('unit_id')}",
    "billing.clearance_failed": lambda p: (
        f"费用未结清 Fees outstanding: {p.get('unit_id')} {_money(p, 'outstanding_amount')}"),
    "payment.received": lambda p: (
        f"收款 Payment {_money(p, 'amount')} for {p.get('unit_id')} by {p.get('method')}, receipt {p.get('receipt_no')}"),
    "move_out.release_approved": lambda p: (
        f"放行已批准 Release approved for {p.get('unit_id')} per {p.get('owner_written_opinion_ref')}"),
    "release_slip.issued": lambda p: (
        f"物品放行条 Release slip {p.get('slip_id')} issued for {p.get('unit_id')}: {', '.join(p.get('goods') or [])}"),
    "release_slip.released": lambda p: (
        f"物品已放行 Goods released at the gate: slip {p.get('slip_id')}, guard {p.get('guard_id')}"),
    "notification.sent": lambda p: (
        f"通知{'已发送' if p.get('status') == 'sent' else '发送失败'} Message {p.get('status')} to "
        f"{p.get('recipient_role')}{' ' + p['recipient_id'] if p.get('recipient_id') else ''} "
        f"via {p.get('channel')}: {p.get('subject')}"),
}


def summary(event_type: str, payload: dict) -> str:
    """One short line saying what happened; events without a template name their ids."""
    template = _SUMMARIES.get(event_type)
    if template is not None:
        return template(payload)
    ids = ", ".join(f"{k} {v}" for k, v in payload.items() if (k.endswith("_id") or k.endswith("_no")) and v)
    return f"{event_type}{': ' + ids if ids else ''}"


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
