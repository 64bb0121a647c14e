"""In-process fake departments for the desk's unit tests: the real command descriptions (the
chassis' ``describe_commands`` over each department's real `messages.COMMANDS`), canned records
and allowed actions, every call recorded. Handed to the gateway's real `Remote`, as the nameko
proxies are in production; no broker."""
from __future__ import annotations

import copy
import importlib
import inspect

from propdesk.chassis.workflow import queries_of
from propdesk.errors import Forbidden, NotFound, ValidationError, Problem
from propdesk_services.gateway.tests.fakes import HELPDESK, _unit_matches

CASE = {
    "move_out_id": "MO-20261102-0001", "unit_id": "1-1-702", "tenant_party_id": "TEN-1-1-702",
    "tenant_name": "孙丽", "owner_party_id": "OWN-1-1-702", "owner_name": "周建国", "exit_date": "2026-11-30",
    "owner_consent_ref": "OC-118", "fitout_disposition": "restore", "state": "APPLICATION_ACCEPTED",
    "inspection": "pending", "defects": [], "breach_notice_id": None, "fees": "outstanding",
    "outstanding_amount": "392.60", "release_slip_no": None, "requested_by": "front_desk",
    "waiting_for": ["engineering inspection (单元验收)", "fee clearance: ¥392.60 outstanding (费用结清)"],
    "conflicts": [], "withdrawal_reason": None, "created_at": "2026-11-02T02:00:00+00:00",
    "updated_at": "2026-11-02T02:00:00+00:00", "closed_at": None,
}
RELEASED = {**CASE, "move_out_id": "MO-20261101-0002", "unit_id": "1-1-303", "tenant_name": "郑凯",
            "tenant_party_id": "TEN-1-1-303", "owner_party_id": "OWN-1-1-303", "owner_name": "吴海",
            "state": "GOODS_RELEASED", "fees": "cleared", "outstanding_amount": "0.00", "inspection": "passed",
            "release_slip_no": "FX-20261101-0001", "waiting_for": [], "created_at": "2026-11-01T02:00:00+00:00",
            "exit_date": "2026-11-03"}
LATE = {**CASE, "move_out_id": "MO-20261020-0003", "unit_id": "2-1-501", "tenant_name": "钱多",
        "tenant_party_id": "TEN-2-1-501", "owner_party_id": "OWN-2-1-501", "owner_name": "李梅",
        "exit_date": "2026-10-25", "created_at": "2026-10-20T02:00:00+00:00"}
CASES = [RELEASED, CASE, LATE]
UNITS = [
    {"unit_id": "1-1-702", "building": "1", "kind": "residential", "owner_party_id": "OWN-1-1-702",
     "owner_name": "周建国", "tenant_party_id": "TEN-1-1-702", "tenant_name": "孙丽", "tenant_phone": "13812345678"},
    {"unit_id": "1-1-101", "building": "1", "kind": "residential", "owner_party_id": "OWN-1-1-101",
     "owner_name": "钱芳", "tenant_party_id": None, "tenant_name": None},
]
TIMELINE = [
    {"event_id": "E-1", "event_type": "move_out.requested", "occurred_at": "2026-11-02T02:00:00+00:00",
     "producer": "residents", "actor": {"id": "front_desk", "role": "front_desk"}, "summary": "x",
     "payload": {"move_out_id": CASE["move_out_id"], "unit_id": "1-1-702", "exit_date": "2026-11-30"}},
    {"event_id": "E-2", "event_type": "move_out.inspection_opened", "occurred_at": "2026-11-02T02:00:01+00:00",
     "producer": "tickets", "actor": {"id": "tickets", "role": "system"}, "summary": "x",
     "payload": {"move_out_id": CASE["move_out_id"], "work_order_no": "WO-20261102-0001", "unit_id": "1-1-702"}},
    {"event_id": "E-3", "event_type": "billing.clearance_failed", "occurred_at": "2026-11-02T02:00:02+00:00",
     "producer": "billing", "actor": {"id": "billing", "role": "system"}, "summary": "x",
     "payload": {"move_out_id": CASE["move_out_id"], "unit_id": "1-1-702", "outstanding_amount": "392.60"}},
]
def reading(meter: str, period: str, value: str, state: str = "ok", source: str = "entered", unit_id: str = "1-1-702",
            no: int = 1) -> dict:
    """A meter reading as billing's list_meter_readings answers it."""
    return {"reading_id": f"R-{unit_id}-{meter}-{period}", "reading_no": f"MR-20261025-{no:04d}", "unit_id": unit_id,
            "estate": "E1", "meter": meter, "period": period, "reading": value, "previous": None, "consumption": None,
            "state": state, "hold_rule": "lower_than_last" if state == "held" else None, "read_on": f"{period}-25",
            "source": source, "recorded_by": "S-FI-01", "recorded_at": f"{period}-25T02:00:00+00:00",
            "reviewed_by": None, "notice_no": None, "move_out_id": None}


#: billing's meter readings (newest first, as list_meter_readings answers); an exception instead:
#: billing fails to answer. Tests replace it (monkeypatch).
READINGS: list | Exception = [
    reading("electricity", "2026-10", "2197.00", no=4), reading("water", "2026-10", "116.00", no=3),
    reading("electricity", "2026-09", "2101.50", state="billed", no=2), reading("water", "2026-09", "110.00",
                                                                                state="billed", no=1),
]


def _readings(period=None, state=None, unit_id=None):
    if isinstance(READINGS, Exception):
        raise READINGS
    return [r for r in READINGS if unit_id in (None, r["unit_id"]) and state in (None, r["state"])]


STAFF = [{"id": "front_desk", "name": "王芳"}, {"id": "engineering", "name": "周强"}, {"id": "cashier", "name": "孙燕"},
         {"id": "security", "name": "吴刚"}]
#: (record type, role) -> what the department answers for CASE (the departments' real rules
#: decide this in production; here the test says what they answered).
ALLOWED = {
    ("move_out", "front_desk"): ["withdraw_move_out"],
    ("move_out", "cs_manager"): ["withdraw_move_out"],
    ("move_out_inspection", "engineering"): ["record_inspection"],
    ("unit", "cashier"): ["record_payment"],
    ("unit", "front_desk"): ["record_payment"],
}


def describe(service: str) -> dict:
    messages = importlib.import_module(f"propdesk_services.{service}.messages")
    return queries_of(messages, service)["describe_commands"].handler({}, None)


class Department:
    def __init__(self, name: str, calls: list, answers: dict):
        self.name, self.calls, self.answers = name, calls, answers

    def __getattr__(self, method: str):
        def call(*args, **kwargs):
            self.calls.append((self.name, method, args, kwargs))
            answer = self.answers.get((self.name, method))
            if answer is None:
                raise AttributeError(f"fake {self.name} has no {method}")
            if callable(answer) and "actor" in kwargs and not _takes_actor(answer):
                kwargs = {k: v for k, v in kwargs.items() if k != "actor"}  # asked as a person: canned all the same
            result = answer(*args, **kwargs) if callable(answer) else answer
            return copy.deepcopy(result)
        return call


def _takes_actor(fn) -> bool:
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return True
    return "actor" in params or any(p.kind is p.VAR_KEYWORD for p in params.values())


def _allowed(record_type, record_id, role):
    if record_id == "MISSING":
        raise NotFound("no such record", field="record_id", rule="exists")
    return ALLOWED.get((record_type, role), [])


def _case(move_out_id):
    for c in CASES:
        if c["move_out_id"] == move_out_id:
            return c
    raise NotFound(f"no move-out {move_out_id}", field="move_out_id", rule="exists")


def _refuse_inspection(request, actor=None, idempotency_key=None):
    if actor["role"] != "engineering":
        raise Forbidden(f"role {actor['role']} may not tickets.record_inspection; allowed: engineering",
                        field="actor.role", rule="role_not_allowed")
    if request.get("passed") is False and not request.get("defects"):
        raise ValidationError([Problem("defects", "required_when_failed", "list the defects")])
    return {"work_order_no": "WO-1", "status": "passed"}


def answers() -> dict:
    return {
        ("residents", "describe_commands"): lambda: describe("residents"),
        ("tickets", "describe_commands"): lambda: describe("tickets"),
        ("billing", "describe_commands"): lambda: describe("billing"),
        ("access", "describe_commands"): lambda: describe("access"),
        ("residents", "allowed_actions"): _allowed, ("tickets", "allowed_actions"): _allowed,
        ("billing", "allowed_actions"): _allowed, ("access", "allowed_actions"): _allowed,
        ("residents", "get_move_out"): _case,
        ("residents", "list_move_outs"): lambda state=None: [c for c in CASES if state in (None, c["state"])],
        ("residents", "list_units"): lambda leased_only=False, q=None: [u for u in UNITS if _unit_matches(u, q)],
        ("reports", "timeline"): lambda move_out_id: TIMELINE if move_out_id == CASE["move_out_id"] else [],
        ("access", "get_release_hold"): lambda move_out_id: {"move_out_id": move_out_id, "slip": None, "closed": False,
                                                             "updated_at": None},
        ("tickets", "get_inspection"): lambda move_out_id: {"work_order_no": "WO-20261102-0001", "status": "open",
                                                            "inspector": None, "updated_at": None},
        ("billing", "get_balance"): lambda unit_id: {"unit_id": unit_id, "outstanding": "392.60", "credit": "0.00"},
        ("staff", "list_staff"): lambda include_disabled=False: STAFF,
        ("tickets", "list_work_orders"): lambda status=None: [
            {"work_order_no": "WO-20261102-0001", "move_out_id": CASE["move_out_id"], "unit_id": "1-1-702",
             "status": "open", "created_at": "2026-11-02T02:00:01+00:00"},
            {"work_order_no": "WO-20261020-0001", "move_out_id": LATE["move_out_id"], "unit_id": "2-1-501",
             "status": "open", "created_at": "2026-10-20T02:00:01+00:00"}],
        ("access", "list_release_slips"): lambda status=None: [],
        ("reports", "move_out_counts"): {"by_state": {"APPLICATION_ACCEPTED": 2, "GOODS_RELEASED": 1}, "total": 3},
        ("billing", "list_arrears"): [{"unit_id": "1-1-702", "outstanding": "392.60"}],
        ("billing", "list_meter_readings"): _readings,
        ("tickets", "record_inspection"): _refuse_inspection,
        **{("helpdesk", method): getattr(HELPDESK, method) for method in HELPDESK_METHODS},
    }


#: The fake complaints desk (a department the desk knows only by its describe_records / work_queues).
HELPDESK_METHODS = ("describe_records", "describe_commands", "get_complaint", "list_complaints", "allowed_actions",
                    "work_queues", "list_audit", "register_complaint", "decide_measures", "close_complaint")


def departments(calls: list, helpdesk: bool = False) -> dict:
    """The canned departments; with `helpdesk`, the fake complaints desk too (fakes.HELPDESK, reset)."""
    table = answers()
    names = ("residents", "tickets", "billing", "access", "reports", "staff", "notify")
    if helpdesk:
        HELPDESK.reset()
        names += ("helpdesk",)
    return {name: Department(name, calls, table) for name in names}
