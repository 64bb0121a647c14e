"""The checker: after recovery, what happened to every case of the stream (Jepsen-style).

Per case, each anomaly is one of four kinds (a case may have several; the table counts cases):

- **lost**: the system acknowledged something and then has no trace of it: a requested case
  residents does not know, an acknowledged inspection/payment/gate release whose effect is not
  recorded, an event of the case that one of its consumers never saw (reports' timeline lacks
  it, notify stored fewer messages for it than its template makes).
- **duplicated**: one fact took effect twice: two release slips or two inspection work orders for
  one case, two payments recorded for one payment command, one fact announced by two events
  (two ``release_slip.issued`` for the case, ...), two notices stored or sent for one event.
- **unexpected**: what must never happen: a slip for a case that was never approved (or for a case
  nobody requested), the saga's events out of order (approval before the inspection passed or the
  fees cleared, a slip before the approval, a release before the slip), fees cleared before the
  arrears were paid, a conflict recorded on the case, a dead letter nobody injected.
- **stuck**: the case did not reach GOODS_RELEASED within the bound after recovery (or its request
  was never acknowledged at all).

Reads go through a plain RPC proxy once the system is quiet again.
"""
from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterable

import eventlet
from nameko.exceptions import RemoteError
from nameko.standalone.rpc import ClusterRpcProxy

from chaos.workload import Case
from propdesk.chassis import dlq

KINDS = ("lost", "duplicated", "unexpected", "stuck")

#: Events every finished case has exactly once.
ONCE = ("move_out.requested", "move_out.inspection_opened", "move_out.inspection_completed",
        "billing.clearance_confirmed", "move_out.release_approved", "release_slip.issued", "release_slip.released")
#: ... and a case on a unit in arrears also these.
ONCE_IN_ARREARS = ("billing.clearance_failed", "payment.received")


@dataclass
class CaseReport:
    index: int
    unit_id: str
    move_out_id: str | None
    arrears: bool
    finished_at: float | None
    issues: dict[str, list[str]] = field(default_factory=lambda: {k: [] for k in KINDS})

    def add(self, kind: str, detail: str) -> None:
        self.issues[kind].append(detail)


@dataclass
class Verdict:
    """The counts of one drill (cases with at least one anomaly of each kind) and the details."""

    cases: list[CaseReport]
    global_issues: dict[str, list[str]]

    def counts(self) -> dict[str, int]:
        out = {k: sum(1 for c in self.cases if c.issues[k]) + len(self.global_issues[k]) for k in KINDS}
        out["cases"] = len(self.cases)
        out["completed"] = sum(1 for c in self.cases if c.finished_at is not None)
        return out

    def details(self) -> list[str]:
        lines = [f"{kind}: {d}" for kind in KINDS for d in self.global_issues[kind]]
        for c in self.cases:
            for kind in KINDS:
                lines.extend(f"{kind}: case {c.index} {c.move_out_id or c.unit_id}: {d}" for d in c.issues[kind])
        return lines

    @property
    def clean(self) -> bool:
        return all(self.counts()[k] == 0 for k in KINDS)


class Checker:
    """Reads every service's view of the stream's cases and classifies what it finds."""

    def __init__(self, amqp_uri: str, injected_dead_letters: Iterable[str] = (), settle_s: float = 60.0):
        self.amqp_uri = amqp_uri
        self.injected = set(injected_dead_letters)
        self.settle_s = settle_s

    def check(self, cases: list[Case]) -> Verdict:
        with ClusterRpcProxy({"AMQP_URI": self.amqp_uri}, timeout=60) as rpc:
            self._settle(rpc, cases)
            slips = rpc.access.list_release_slips(None)
            work_orders = rpc.tickets.list_work_orders(None)
            reports = [self._check_case(rpc, c, slips, work_orders) for c in cases]
        return Verdict(reports, self._global(cases, slips))

    # -- waiting for the read models to catch up (bounded) -------------------------------------------
    def _settle(self, rpc: Any, cases: list[Case]) -> None:
        """Finished cases: wait until reports has the release and notify has sent everything."""
        deadline = time.monotonic() + self.settle_s
        for c in cases:
            if not c.done:
                continue
            while time.monotonic() < deadline:
                types = [e["event_type"] for e in rpc.reports.timeline(c.move_out_id)]
                messages = rpc.notify.list_messages(correlation_id=c.move_out_id)
                if "release_slip.released" in types and all(m["status"] == "sent" for m in messages):
                    break
                eventlet.sleep(0.5)

    # -- one case ----------------------------------------------------------------------------------
    def _check_case(self, rpc: Any, c: Case, slips: list[dict], work_orders: list[dict]) -> CaseReport:
        r = CaseReport(c.index, c.unit.unit_id, c.move_out_id, c.unit.arrears > 0, c.finished_at)
        for note in c.observed:
            r.add("unexpected", note)
        if c.move_out_id is None:
            r.add("stuck", f"request never acknowledged ({c.last_error})")
            return r
        case = self._get(rpc.residents.get_move_out, c.move_out_id)
        if case is None:
            r.add("lost", "acknowledged request, but residents has no such case")
            return r
        if not c.done:
            r.add("stuck", f"state {case['state']}, waiting for {case['waiting_for']} ({c.last_error})")
        if case["conflicts"]:
            r.add("unexpected", f"conflicts recorded on the case: {case['conflicts']}")
        self._check_commands(rpc, c, case, work_orders, slips, r)
        timeline = rpc.reports.timeline(c.move_out_id)
        self._check_timeline(c, timeline, r)
        self._check_notices(rpc, c, timeline, r)
        return r

    @staticmethod
    def _get(method, *args) -> dict | None:
        try:
            return method(*args)
        except RemoteError as exc:
            if exc.exc_type == "NotFound":
                return None
            raise

    def _check_commands(self, rpc: Any, c: Case, case: dict, work_orders: list[dict], slips: list[dict],
                        r: CaseReport) -> None:
        mine = [w for w in work_orders if w["move_out_id"] == c.move_out_id]
        if len(mine) > 1:
            r.add("duplicated", f"{len(mine)} inspection work orders")
        if "inspection" in c.acked and not any(w["status"] == "passed" for w in mine):
            r.add("lost", "acknowledged passing inspection not recorded by tickets")
        if c.unit.arrears > 0:
            payments = rpc.billing.get_balance(c.unit.unit_id)["payments"]
            if len(payments) > 1:
                r.add("duplicated", f"{len(payments)} payments recorded for one payment command")
            if "payment" in c.acked and not any(p["receipt_no"] == c.receipt_no for p in payments):
                r.add("lost", f"acknowledged payment {c.receipt_no} not recorded by billing")
        my_slips = [s for s in slips if s["move_out_id"] == c.move_out_id]
        if len(my_slips) > 1:
            r.add("duplicated", f"{len(my_slips)} release slips: {[s['slip_no'] for s in my_slips]}")
        if "gate" in c.acked and not any(s["released_at"] for s in my_slips):
            r.add("lost", "acknowledged gate release not recorded by access")
        if c.done and case["state"] != "GOODS_RELEASED":
            r.add("unexpected", f"driver saw GOODS_RELEASED, now {case['state']}")

    def _check_timeline(self, c: Case, timeline: list[dict], r: CaseReport) -> None:
        types = [e["event_type"] for e in timeline]
        counts = Counter(types)
        expected = ONCE + (ONCE_IN_ARREARS if c.unit.arrears > 0 else ())
        for t in expected:
            if counts[t] > 1:
                r.add("duplicated", f"{counts[t]} distinct {t} events")
            elif counts[t] == 0 and c.done:
                r.add("lost", f"reports never received {t}")
        if c.unit.arrears == 0 and counts["billing.clearance_failed"]:
            r.add("unexpected", "billing.clearance_failed for a unit that owes nothing")
        sent = Counter(e["payload"].get("message_id") for e in timeline if e["event_type"] == "notification.sent")
        for message_id, n in sent.items():
            if n > 1:
                r.add("duplicated", f"notification.sent {n} times for message {message_id}")
        self._check_order(types, timeline, r)

    @staticmethod
    def _check_order(types: list[str], timeline: list[dict], r: CaseReport) -> None:
        def first(event_type: str, passed: bool | None = None) -> int | None:
            for i, e in enumerate(timeline):
                if e["event_type"] == event_type and (passed is None or e["payload"].get("passed") == passed):
                    return i
            return None

        approved, issued, released = first("move_out.release_approved"), first("release_slip.issued"), \
            first("release_slip.released")
        passed, cleared = first("move_out.inspection_completed", True), first("billing.clearance_confirmed")
        if approved is not None and (passed is None or cleared is None or approved < passed or approved < cleared):
            r.add("unexpected", "release approved before the inspection passed and the fees cleared")
        if issued is not None and (approved is None or issued < approved):
            r.add("unexpected", "release slip issued before (or without) the approval")
        if released is not None and (issued is None or released < issued):
            r.add("unexpected", "goods released before (or without) the slip")

    def _check_notices(self, rpc: Any, c: Case, timeline: list[dict], r: CaseReport) -> None:
        from propdesk_services.notify.workflows.messages import domain as notify_domain

        handled = set(notify_domain.HANDLED_EVENTS) | {"move_out.requested"}
        messages = rpc.notify.list_messages(correlation_id=c.move_out_id)
        stored = Counter(m["event_id"] for m in messages)
        for e in timeline:
            if e["event_type"] not in handled:
                continue
            want = len(notify_domain.messages_for(e["event_type"], e["payload"]))
            got = stored.get(e["event_id"], 0)
            if got > want:
                r.add("duplicated", f"{got} notices stored for one {e['event_type']} (template makes {want})")
            elif got < want and c.done:
                r.add("lost", f"{got} of {want} notices stored for {e['event_type']}")
        by_event = {e["event_id"] for e in timeline}
        for event_id in stored:
            if event_id not in by_event and c.done:
                r.add("unexpected", f"notice for event {event_id} that reports never saw")
        if c.done:
            unsent = [m["message_id"] for m in messages if m["status"] != "sent"]
            if unsent:
                r.add("stuck", f"{len(unsent)} notices not sent")

    # -- the whole drill ------------------------------------------------------------------------------
    def _global(self, cases: list[Case], slips: list[dict]) -> dict[str, list[str]]:
        issues: dict[str, list[str]] = {k: [] for k in KINDS}
        known = {c.move_out_id for c in cases if c.move_out_id}
        for s in slips:
            # a slip filled in at the desk (an owner's, a contractor's, ...) belongs to no move-out
            if s["move_out_id"] is not None and s["move_out_id"] not in known:
                issues["unexpected"].append(f"release slip {s['slip_no']} for {s['move_out_id']}, a case nobody requested")
        for d in dlq.list_messages(self.amqp_uri):
            if d["event_id"] not in self.injected:
                issues["unexpected"].append(
                    f"dead letter {d['event_type']} {d['event_id']} in {d['queue']} ({d['reason']}: {d['error']})")
        return issues
