"""Fake departments for the gateway's tests: nameko services with the real names and RPC methods,
answering canned data or raising the propdesk errors, and recording every call they receive.

Special ids make a fake misbehave: ``SLOW`` (sleeps past the gateway's RPC timeout), ``BOOM``
(raises a plain RuntimeError), ``MISSING`` (NotFound), ``LOCKED`` (Conflict); the idempotency key
``REUSED`` is one the department holds for another request (Conflict naming idempotency_key).
The case ``MO-X-CUT`` (`CUT_CASE`) had its supply cut and its fee check pending, and billing holds
its final water reading for review (`READINGS`, answered by ``list_meter_readings``): 抄表待复核.

`FakeStaff` signs in the accounts of `ACCOUNTS` (username = a role code, as the demo's; plus
``multi``, with two roles, ``roleless``, and ``front_desk_e2`` at the office park) with the demo
password, keeps the sessions it opened until they are signed out, and knows the API tokens of
`API_TOKENS`. Its calls are recorded in `STAFF_CALLS`, apart from the departments' (every signed-in
request resolves its session).

Estates, as the real departments honour them (test_fakes.py checks the refusals against theirs):
the canned records belong to the residential estate E1 but for the office park's unit ``T1-31F``,
its case `OFFICE_CASE` and that case's work order, hold, slip and messages (E2). Given an actor
with ``estates`` (the gateway always sends them), a fake shows only those estates' records and
answers another estate's exactly as a missing one; without (a service asking) it is not scoped.
"""
from __future__ import annotations

import itertools

import eventlet
from nameko.rpc import Rpc

from propdesk import demo, policy
from propdesk.chassis.idempotency import reused
from propdesk.chassis.workflow import REJECTIONS
from propdesk.errors import Conflict, NotFound, ValidationError
from propdesk.privacy import mask_text

#: An RPC entrypoint as the departments' (the chassis's) are: the rejections are expected exceptions,
#: logged by nameko as the caller's doing, not as the department's fault.
rpc = Rpc.decorator(expected_exceptions=REJECTIONS)

#: Every call a fake received: (service, method, args, kwargs). Cleared by the tests' fixture.
CALLS: list[tuple[str, str, tuple, dict]] = []
#: Who asked each query (``actor=``: the person's id, role, estates and address): (service, method, actor).
ASKED: list[tuple[str, str, dict | None]] = []

SLOW_SECONDS = 4.0

#: The office park's unit and case (E2); everything else canned here is the residential estate's (E1).
OFFICE_UNIT = "T1-31F"
OFFICE_CASE_ID = "MO-20261102-0002"
OFFICE_SLIP = "RS-20261102-0002"

UNITS = [
    {"unit_id": "1-1-702", "building": "1", "kind": "residential", "estate": "E1", "owner_party_id": "OWN-1-1-702",
     "owner_name": "周建国", "tenant_party_id": "TEN-1-1-702", "tenant_name": "孙丽", "owner_phone": "13901010702",
     "tenant_phone": "13812345678"},
    {"unit_id": "1-1-303", "building": "1", "kind": "residential", "estate": "E1", "owner_party_id": "OWN-1-1-303",
     "owner_name": "吴海", "tenant_party_id": "TEN-1-1-303", "tenant_name": "郑凯", "owner_phone": "13901010303",
     "tenant_phone": None},
    {"unit_id": "1-1-101", "building": "1", "kind": "residential", "estate": "E1", "owner_party_id": "OWN-1-1-101",
     "owner_name": "钱芳", "tenant_party_id": None, "tenant_name": None, "owner_phone": None, "tenant_phone": None},
    {"unit_id": OFFICE_UNIT, "building": "T1", "kind": "office", "estate": "E2", "owner_party_id": "OWN-T1",
     "owner_name": "华鼎置业有限公司", "tenant_party_id": "TEN-T1-31F", "tenant_name": "汇通国际货运代理有限公司",
     "owner_phone": "02188886666", "tenant_phone": None},
]

CASE = {
    "move_out_id": "MO-20261102-0001", "unit_id": "1-1-702", "estate": "E1", "tenant_party_id": "TEN-1-1-702",
    "tenant_name": "孙丽", "owner_party_id": "OWN-1-1-702", "owner_name": "周建国", "exit_date": "2026-11-30",
    "owner_consent_ref": "OC-118", "fitout_disposition": "restore", "state": "APPLICATION_ACCEPTED",
    "inspection": "pending", "defects": [], "breach_notice_id": None, "fees": "outstanding",
    "outstanding_amount": "392.60", "release_slip_no": None, "requested_by": "S-FD-01", "supply_cut_at": None,
    "waiting_for": ["engineering inspection (单元验收)", "fee clearance: ¥392.60 outstanding (费用结清)"],
    "conflicts": [], "withdrawal_reason": None, "created_at": "2026-11-02T02:00:00+00:00",
    "updated_at": "2026-11-02T02:00:00+00:00", "closed_at": None,
}

OFFICE_CASE = {**CASE, "move_out_id": OFFICE_CASE_ID, "unit_id": OFFICE_UNIT, "estate": "E2",
               "tenant_party_id": "TEN-T1-31F", "tenant_name": "汇通国际货运代理有限公司", "owner_party_id": "OWN-T1",
               "owner_name": "华鼎置业有限公司", "requested_by": "front_desk_e2", "outstanding_amount": "0.00",
               "fees": "cleared", "waiting_for": ["engineering inspection (单元验收)"]}
CASES = (CASE, OFFICE_CASE)
#: A case of 1-1-702 whose supply engineering has cut (METERS_READ_AND_CUT): inspection passed, the
#: fee check pending while billing holds its final water reading for review (`READINGS`: 抄表待复核).
CUT_CASE_ID = "MO-X-CUT"
CUT_AT = "2026-11-30T02:00:00+00:00"
CUT_CASE = {**CASE, "move_out_id": CUT_CASE_ID, "state": "INSPECTION_PASSED", "inspection": "passed",
            "fees": "pending", "outstanding_amount": "0.00", "supply_cut_at": CUT_AT,
            "waiting_for": ["fee clearance check by finance (费用结清)"], "updated_at": CUT_AT}

TIMELINE = [
    {"event_id": "E-1", "event_type": "move_out.requested", "occurred_at": "2026-11-02T02:00:00+00:00",
     "producer": "residents", "actor": {"id": "S-FD-01", "role": "front_desk"},
     "summary": "租户撤场申请已受理 1-1-702", "payload": {"move_out_id": CASE["move_out_id"]}},
]

HOLD = {"move_out_id": CASE["move_out_id"], "unit_id": "1-1-702", "estate": "E1", "tenant_party_id": "TEN-1-1-702",
        "fees_cleared": False, "release_approved": False, "clearance_ref": None, "clearance_as_of": None,
        "owner_written_opinion_ref": None, "slip_no": None, "released_by": None, "withdrawn_at": None, "closed": False,
        "created_at": "2026-11-02T02:00:01+00:00", "updated_at": "2026-11-02T02:00:01+00:00",
        "waiting_for": ["fee clearance (费用结清)", "release approval (放行批准)"], "slip": None}

BALANCE = {"unit_id": "1-1-702", "estate": "E1", "outstanding": "392.60", "credit": "0.00",
           "charges": [{"period": "2026-09", "item": "property_fee", "amount": "196.30"},
                       {"period": "2026-10", "item": "property_fee", "amount": "196.30"}],
           "payments": []}

WORK_ORDER = {"work_order_no": "WO-20261102-0001", "move_out_id": CASE["move_out_id"], "unit_id": "1-1-702",
              "estate": "E1",
              "status": "open", "defects": [], "inspector": None, "breach_notice_id": None,
              "supply_cut_at": None, "supply_cut_by": None, "utilities_cut": None, "final_readings": None,
              "created_at": "2026-11-02T02:00:01+00:00", "updated_at": "2026-11-02T02:00:01+00:00"}

MESSAGE = {"message_id": "M-1", "correlation_id": CASE["move_out_id"], "event_id": "E-1",
           "event_type": "move_out.requested", "recipient_role": "engineering", "recipient_id": None,
           "channel": "staff_inbox", "subject": "撤场验收 1-1-702", "body": "请安排验收", "status": "sent",
           "attempts": 1, "last_error": None, "next_attempt_at": None,
           "created_at": "2026-11-02T02:00:01+00:00", "sent_at": "2026-11-02T02:00:02+00:00"}


def _unit_matches(unit: dict, q) -> bool:
    q = " ".join((q or "").split()).lower()
    if not q:
        return True
    texts = [unit.get(k) or "" for k in ("unit_id", "owner_name", "owner_party_id", "tenant_name", "tenant_party_id")]
    if any(q in t.lower() for t in texts):
        return True
    digits = "".join(ch for ch in q if ch.isdigit())
    phones = ["".join(ch for ch in (unit.get(k) or "") if ch.isdigit()) for k in ("owner_phone", "tenant_phone")]
    return len(digits) >= 4 and any(digits in p for p in phones)


def estate_of_unit(unit_id: str | None) -> str:
    return "E2" if (unit_id or "").startswith("T1-") else "E1"


def estate_of_case(move_out_id: str | None) -> str:
    return "E2" if move_out_id == OFFICE_CASE_ID else "E1"


def _reading(unit_id: str, meter: str, period: str, value: str, no: int, **more) -> dict:
    """A meter reading as billing's list_meter_readings answers it (every field of its
    MeterReadingSchema, test_fakes.py checks)."""
    return {"reading_id": f"R-{unit_id}-{meter}-{period}", "reading_no": f"MR-20261025-{no:04d}", "unit_id": unit_id,
            "estate": estate_of_unit(unit_id), "meter": meter, "period": period, "reading": value, "previous": None,
            "consumption": None, "state": "ok", "hold_rule": None, "read_on": f"{period}-25", "source": "import",
            "recorded_by": "S-FI-01", "recorded_at": f"{period}-25T02:00:00+00:00", "reviewed_by": None,
            "notice_no": None, "move_out_id": None, **more}


#: billing's meter readings, newest first: the final readings of 1-1-702's cut case (electricity
#: billed at once; water, 34 m³ against October's 10, held for review), the office park's unit's (E2),
#: 1-1-702's October readings.
READINGS = [
    _reading("1-1-702", "water", "2026-11", "150.00", 6, previous="116.00", consumption="34.00", state="held",
             hold_rule="jump_beyond_factor", read_on="2026-11-30", source="final", recorded_by="engineering",
             recorded_at=CUT_AT, move_out_id=CUT_CASE_ID, reading_no="MR-20261130-0002"),
    _reading("1-1-702", "electricity", "2026-11", "2260.50", 5, previous="2197.00", consumption="63.50",
             state="billed", read_on="2026-11-30", source="final", recorded_by="engineering", recorded_at=CUT_AT,
             move_out_id=CUT_CASE_ID, reading_no="MR-20261130-0001"),
    _reading(OFFICE_UNIT, "electricity", "2026-10", "51820.00", 4),
    _reading("1-1-702", "electricity", "2026-10", "2197.00", 3, previous="2101.50", consumption="95.50"),
    _reading("1-1-702", "water", "2026-10", "116.00", 2, previous="106.00", consumption="10.00"),
]


def _sees(actor, estate: str) -> bool:
    """Whether a record of `estate` exists for `actor`: an actor with ``estates`` (what the gateway
    sends) sees those only; no actor, or one without estates, is not scoped."""
    estates = actor.get("estates") if isinstance(actor, dict) else None
    return estates is None or estate in estates


def _case_or_missing(move_out_id: str, actor, message: str = "no move-out") -> None:
    """NotFound (move_out_id, exists) for another estate's case, as for a missing one."""
    if not _sees(actor, estate_of_case(move_out_id)):
        raise NotFound(f"{message} {move_out_id}", field="move_out_id", rule="exists")


def _record(service: str, method: str, *args, **kwargs) -> None:
    CALLS.append((service, method, args, kwargs))


def _misbehave(key) -> None:
    if key == "SLOW":
        eventlet.sleep(SLOW_SECONDS)
    elif key == "BOOM":
        raise RuntimeError("the fake's database exploded (this text must not reach the desk)")
    elif key == "MISSING":
        raise NotFound(f"no record {key}")
    elif key == "LOCKED":
        raise Conflict("the record is in a state that does not allow this")


def _keyed(idempotency_key) -> dict:
    """The key as the department received it (recorded only when the desk sent one)."""
    return {} if idempotency_key is None else {"idempotency_key": idempotency_key}


def _reuse(key) -> None:
    """The key ``REUSED`` is a key the department already holds for another request."""
    if isinstance(key, dict):
        key = key.get("idempotency_key")
    if key == "REUSED":
        raise reused("REUSED")


def _require_role(actor: dict, action: str) -> None:
    """The policy table's answer, as the real department's chassis gives it (`propdesk.policy.check`)."""
    service, command = action.split(".")
    policy.check(actor.get("role") if isinstance(actor, dict) else None, service, command)


class FakeResidents:
    name = "residents"

    @rpc
    def list_units(self, leased_only=False, q=None, *, actor=None):
        """``q``: a part of the unit number, a name or party id, or 4+ digits of a phone (as residents
        searches); phones masked, as in residents' lists."""
        _record("residents", "list_units", leased_only=leased_only, **({"q": q} if q else {}))
        ASKED.append(("residents", "list_units", actor))
        return [{**u, "owner_phone": mask_text(u["owner_phone"] or "") or None,
                 "tenant_phone": mask_text(u["tenant_phone"] or "") or None}
                for u in UNITS if (u["tenant_party_id"] or not leased_only) and _sees(actor, u["estate"])
                and _unit_matches(u, q)]

    @rpc
    def request_move_out(self, request, actor=None, idempotency_key=None):
        _record("residents", "request_move_out", request, actor=actor, **_keyed(idempotency_key))
        _reuse(idempotency_key)
        _require_role(actor, "residents.request_move_out")
        _misbehave(request.get("unit_id"))
        estate = estate_of_unit(request.get("unit_id"))
        if not _sees(actor, estate):  # as for a unit the register does not have
            raise ValidationError.one("unit_id", "unknown_unit", "no such unit in the register")
        if request["exit_date"] < "2026-01-01":
            raise ValidationError.one("exit_date", "not_before_today", "exit date is before today")
        return {**CASE, **request, "estate": estate, "state": "APPLICATION_ACCEPTED", "requested_by": actor["id"]}

    @rpc
    def get_move_out(self, move_out_id, *, actor=None):
        _record("residents", "get_move_out", move_out_id)
        ASKED.append(("residents", "get_move_out", actor))
        _misbehave(move_out_id)
        self._known(move_out_id, actor)
        if move_out_id == CUT_CASE_ID:
            return dict(CUT_CASE)
        return dict(OFFICE_CASE) if move_out_id == OFFICE_CASE_ID else {**CASE, "move_out_id": move_out_id}

    @rpc
    def list_move_outs(self, state=None, *, actor=None):
        _record("residents", "list_move_outs", state=state)
        ASKED.append(("residents", "list_move_outs", actor))
        if state is not None and state not in ("APPLICATION_ACCEPTED", "GOODS_RELEASED"):
            raise ValidationError.one("state", "one_of", "state must be one of the saga's states")
        return [dict(c) for c in CASES if state in (None, c["state"]) and _sees(actor, c["estate"])]

    @rpc
    def get_unit(self, unit_id, *, actor=None):
        _record("residents", "get_unit", unit_id)
        ASKED.append(("residents", "get_unit", actor))
        unit = next((u for u in UNITS if u["unit_id"] == unit_id and _sees(actor, u["estate"])), None)
        if unit is None:
            raise NotFound(f"no unit {unit_id}", field="unit_id", rule="exists")
        open_case = next((c["move_out_id"] for c in CASES if c["unit_id"] == unit_id), None)
        return {**unit, "open_move_out_id": open_case}

    @rpc
    def withdraw_move_out(self, request, actor=None, idempotency_key=None):
        """``MO-X-APPROVED``: release already approved (Conflict naming move_out_id)."""
        _record("residents", "withdraw_move_out", request, actor=actor, **_keyed(idempotency_key))
        _reuse(idempotency_key)
        _require_role(actor, "residents.withdraw_move_out")
        move_out_id = request["move_out_id"]
        _misbehave(move_out_id)
        self._known(move_out_id, actor)
        if move_out_id == "MO-X-APPROVED":
            raise Conflict(f"move-out {move_out_id} is Release approved: only a case whose release is not yet "
                           "approved can be withdrawn", field="move_out_id", rule="before_release_approval")
        case = OFFICE_CASE if move_out_id == OFFICE_CASE_ID else CASE
        return {**case, "move_out_id": move_out_id, "state": "WITHDRAWN", "withdrawal_reason": request["reason"],
                "waiting_for": [], "closed_at": "2026-11-03T02:00:00+00:00"}

    @rpc
    def archive_move_out(self, request, actor=None, idempotency_key=None):
        """Only ``MO-X-RELEASED`` has its goods released; any other case is a Conflict."""
        _record("residents", "archive_move_out", request, actor=actor, **_keyed(idempotency_key))
        _reuse(idempotency_key)
        _require_role(actor, "residents.archive_move_out")
        move_out_id = request["move_out_id"]
        _misbehave(move_out_id)
        self._known(move_out_id, actor)
        if move_out_id != "MO-X-RELEASED":
            raise Conflict(f"move-out {move_out_id}: goods not released yet, cannot archive",
                           field="move_out_id", rule="goods_released_first")
        return {**CASE, "move_out_id": move_out_id, "state": "ARCHIVED", "fees": "cleared",
                "outstanding_amount": "0.00", "inspection": "passed", "release_slip_no": "RS-20261102-0001",
                "waiting_for": [], "closed_at": "2026-11-03T02:00:00+00:00"}

    @staticmethod
    def _known(move_out_id: str, actor=None) -> None:
        """NotFound (move_out_id, exists) for a case the fake does not have or of another estate."""
        if move_out_id not in (CASE["move_out_id"], OFFICE_CASE_ID) and not move_out_id.startswith("MO-X"):
            raise NotFound(f"no move-out {move_out_id}", field="move_out_id", rule="exists")
        _case_or_missing(move_out_id, actor)


class FakeTickets:
    name = "tickets"

    @rpc
    def record_inspection(self, request, actor=None, idempotency_key=None):
        key = {} if idempotency_key is None else {"idempotency_key": idempotency_key}
        _record("tickets", "record_inspection", request, actor=actor, **key)
        move_out_id = request["move_out_id"]
        _reuse(key)
        _require_role(actor, "tickets.record_inspection")
        _misbehave(move_out_id)
        _case_or_missing(move_out_id, actor, "no inspection work order for move-out")
        return {**WORK_ORDER, "move_out_id": move_out_id, "estate": estate_of_case(move_out_id),
                "status": "passed" if request["passed"] else "defects_found",
                "defects": request["defects"], "inspector": actor["id"]}

    @rpc
    def record_supply_cut(self, request, actor=None, idempotency_key=None):
        """``CUT``: the supply was cut already (Conflict naming move_out_id, supply_already_cut); a
        metered supply without its reading is refused as tickets' domain refuses it."""
        _record("tickets", "record_supply_cut", request, actor=actor, **_keyed(idempotency_key))
        move_out_id = request["move_out_id"]
        _reuse(idempotency_key)
        _require_role(actor, "tickets.record_supply_cut")
        _misbehave(move_out_id)
        _case_or_missing(move_out_id, actor, "no inspection work order for move-out")
        if move_out_id == "CUT":
            raise Conflict(f"the supply of 1-1-702 was already cut under {WORK_ORDER['work_order_no']}",
                           field="move_out_id", rule="supply_already_cut")
        missing = [i for i, row in enumerate(request["supplies"])
                   if row["utility"] in ("water", "electricity") and row.get("reading") in (None, "")]
        if missing:
            raise ValidationError.one(f"supplies[{missing[0]}].reading", "required", "read the meter before cutting it")
        readings = [{"meter": row["utility"], "reading": row["reading"], "read_at": "2026-11-30T02:00:00+00:00"}
                    for row in request["supplies"] if row["utility"] in ("water", "electricity")]
        return {**WORK_ORDER, "move_out_id": move_out_id, "estate": estate_of_case(move_out_id),
                "supply_cut_at": "2026-11-30T02:00:00+00:00", "supply_cut_by": actor["id"],
                "utilities_cut": [row["utility"] for row in request["supplies"]], "final_readings": readings}

    @rpc
    def get_inspection(self, move_out_id, *, actor=None):
        _record("tickets", "get_inspection", move_out_id)
        ASKED.append(("tickets", "get_inspection", actor))
        if move_out_id not in (CASE["move_out_id"], OFFICE_CASE_ID):
            raise NotFound(f"no inspection work order for move-out {move_out_id}", field="move_out_id", rule="exists")
        _case_or_missing(move_out_id, actor, "no inspection work order for move-out")
        if move_out_id == OFFICE_CASE_ID:
            return {**WORK_ORDER, "work_order_no": "WO-20261102-0002", "move_out_id": move_out_id,
                    "unit_id": OFFICE_UNIT, "estate": "E2"}
        return dict(WORK_ORDER)


class FakeBilling:
    name = "billing"

    @rpc
    def record_payment(self, request, actor=None, idempotency_key=None):
        _record("billing", "record_payment", request, actor=actor, **_keyed(idempotency_key))
        _reuse(idempotency_key)
        _require_role(actor, "billing.record_payment")
        _misbehave(request.get("receipt_no"))
        estate = estate_of_unit(request["unit_id"])
        if not _sees(actor, estate):  # as into a unit billing does not know
            raise ValidationError.one("unit_id", "unknown_unit", "no such unit in the register")
        return {"payment": {"payment_id": "P-1", "unit_id": request["unit_id"], "party_id": request.get("party_id"),
                            "amount": request["amount"], "method": request["method"],
                            "receipt_no": request["receipt_no"], "received_at": "2026-11-02T03:30:00+00:00",
                            "recorded_by": actor["id"], "period": None, "item": None},
                "balance": {"unit_id": request["unit_id"], "estate": estate, "outstanding": "0.00"}, "clearances": [],
                "prepaid_amount": "0.00", "credit": "0.00"}

    @rpc
    def get_balance(self, unit_id, *, actor=None):
        _record("billing", "get_balance", unit_id)
        ASKED.append(("billing", "get_balance", actor))
        _misbehave(unit_id)
        if not _sees(actor, estate_of_unit(unit_id)):
            raise NotFound(f"no fee account for unit {unit_id}", field="unit_id", rule="exists")
        return {**BALANCE, "unit_id": unit_id, "estate": estate_of_unit(unit_id)}

    @rpc
    def list_meter_readings(self, period=None, state=None, unit_id=None, *, actor=None):
        """`READINGS` of the asker's estates, filtered as billing filters them (period, state, unit)."""
        _record("billing", "list_meter_readings", period=period, state=state, unit_id=unit_id)
        ASKED.append(("billing", "list_meter_readings", actor))
        _misbehave(unit_id)
        return [dict(r) for r in READINGS if _sees(actor, r["estate"]) and period in (None, r["period"])
                and state in (None, r["state"]) and unit_id in (None, r["unit_id"])]

    @rpc
    def list_arrears(self, *, actor=None):
        _record("billing", "list_arrears")
        ASKED.append(("billing", "list_arrears", actor))
        owing = [{"unit_id": "1-1-702", "estate": "E1", "outstanding": "392.60"},
                 {"unit_id": "T1-24F", "estate": "E2", "outstanding": "1116.00"}]
        return [a for a in owing if _sees(actor, a["estate"])]


class FakeAccess:
    name = "access"

    @rpc
    def release_at_gate(self, request, actor=None, idempotency_key=None):
        _record("access", "release_at_gate", request, actor=actor, **_keyed(idempotency_key))
        slip_no = request["slip_no"]
        _reuse(idempotency_key)
        _require_role(actor, "access.release_at_gate")
        _misbehave(slip_no)
        move_out_id = OFFICE_CASE_ID if slip_no == OFFICE_SLIP else CASE["move_out_id"]
        if not _sees(actor, estate_of_case(move_out_id)):
            raise NotFound(f"no release slip {slip_no}", field="slip_no", rule="exists")
        return {"slip_no": slip_no, "move_out_id": move_out_id, "unit_id": "1-1-702" if move_out_id == CASE["move_out_id"]
                else OFFICE_UNIT, "estate": estate_of_case(move_out_id),
                "applicant_type": "tenant",
                "goods": ["personal goods"], "clearance_ref": "E-CLEARANCE-1", "issued_at": "2026-11-02T03:00:00+00:00",
                "released_at": "2026-11-02T04:00:00+00:00", "released_by": actor["id"], "status": "released"}

    @rpc
    def get_release_hold(self, move_out_id, *, actor=None):
        _record("access", "get_release_hold", move_out_id)
        ASKED.append(("access", "get_release_hold", actor))
        if move_out_id == "MO-X-NOHOLD":
            raise NotFound(f"no release hold for {move_out_id}")
        _case_or_missing(move_out_id, actor, "no release hold for move-out")
        if move_out_id == OFFICE_CASE_ID:
            return {**HOLD, "move_out_id": move_out_id, "unit_id": OFFICE_UNIT, "estate": "E2",
                    "tenant_party_id": "TEN-T1-31F"}
        return {**HOLD, "move_out_id": move_out_id}


class FakeNotify:
    name = "notify"

    @rpc
    def list_messages(self, correlation_id=None, recipient_role=None, status=None, *, actor=None):
        _record("notify", "list_messages", correlation_id=correlation_id, recipient_role=recipient_role, status=status)
        ASKED.append(("notify", "list_messages", actor))
        office = {**MESSAGE, "message_id": "M-2", "correlation_id": OFFICE_CASE_ID, "event_id": "E-2",
                  "subject": "撤场验收 T1-31F"}
        return [m for m in [MESSAGE, office] if correlation_id in (None, m["correlation_id"])
                and recipient_role in (None, m["recipient_role"]) and _sees(actor, estate_of_case(m["correlation_id"]))]


class FakeReports:
    name = "reports"

    @rpc
    def timeline(self, correlation_id, *, actor=None):
        _record("reports", "timeline", correlation_id)
        ASKED.append(("reports", "timeline", actor))
        if correlation_id in ("SLOW", "MO-X-SLOWREPORTS"):
            eventlet.sleep(SLOW_SECONDS)
        _misbehave(correlation_id)
        if not _sees(actor, estate_of_case(correlation_id)):
            return []  # as for a case nobody logged
        return [dict(e, payload={"move_out_id": correlation_id}) for e in TIMELINE]

    @rpc
    def move_out_counts(self, *, actor=None):
        _record("reports", "move_out_counts")
        ASKED.append(("reports", "move_out_counts", actor))
        accepted = sum(1 for c in CASES if _sees(actor, c["estate"]))
        return {"by_state": {"APPLICATION_ACCEPTED": accepted, "GOODS_RELEASED": 0}, "total": accepted}


#: username -> (name, roles, estates). Password: `propdesk.demo.DEMO_STAFF_PASSWORD`.
ACCOUNTS: dict[str, tuple[str, list[str], list[str]]] = {
    **{role: (f"{zh}员工", [role], ["E1", "E2"] if role == "admin" else ["E1"])
       for role, (zh, _en) in policy.ROLES.items()},
    "multi": ("两岗员工", ["security", "engineering"], ["E1"]),
    "roleless": ("无岗员工", [], ["E1"]),
    "front_desk_e2": ("马丽", ["front_desk"], ["E2"]),  # the office park's front desk (万通中心)
}
#: API token -> (name, roles, estates).
API_TOKENS: dict[str, tuple[str, list[str], list[str]]] = {
    "pdt_gate-system-secret": ("gate-system", ["security"], ["E1"]),
    "pdt_erp-secret": ("erp", ["cashier", "cs_manager"], ["E1", "E2"]),
}
#: Every call the fake staff department received: (method, args, kwargs).
STAFF_CALLS: list[tuple[str, tuple, dict]] = []
#: The open sessions: token -> username. Cleared by the tests' fixture.
SESSIONS: dict[str, str] = {}
_SESSION_NUMBERS = itertools.count(1)
SESSION_TIMES = {"expires_at": "2026-11-02T02:30:00+00:00", "absolute_expires_at": "2026-11-02T14:00:00+00:00"}


def _identity(username: str) -> dict:
    name, roles, estates = ACCOUNTS[username]
    return {"id": username, "username": username, "name": name, "department": "customer_service",
            "roles": list(roles), "estates": list(estates), "must_change_password": False}


def _session(token: str) -> str:
    if token not in SESSIONS:
        raise NotFound("no such session: sign in", field="token", rule="session_expired")
    return SESSIONS[token]


class FakeStaff:
    """Sign-in (``locked`` is a username locked out), sessions and API tokens."""

    name = "staff"

    @rpc
    def sign_in(self, request, actor=None, idempotency_key=None):
        STAFF_CALLS.append(("sign_in", (request,), {"actor": actor}))
        username = request["username"]
        if username == "locked":
            raise ValidationError.one("username", "locked_out", "too many failed sign-ins: locked until 10:15")
        if username not in ACCOUNTS or request["password"] != demo.DEMO_STAFF_PASSWORD:
            raise ValidationError.one("password", "sign_in_failed", "wrong username or password (用户名或密码错误)")
        token = f"fake-session-{next(_SESSION_NUMBERS):04d}-{username}"
        SESSIONS[token] = username
        return {"session_id": f"S-{token}", "staff": _identity(username), **SESSION_TIMES, "token": token}

    @rpc
    def sign_out(self, request, actor=None, idempotency_key=None):
        STAFF_CALLS.append(("sign_out", (request,), {"actor": actor}))
        username = _session(request["token"])
        del SESSIONS[request["token"]]
        return {"signed_out": True, "session_id": f"S-{request['token']}", "username": username}

    @rpc
    def resolve_session(self, token, *, actor=None):
        STAFF_CALLS.append(("resolve_session", (token,), {}))
        return {"session_id": f"S-{token}", "staff": _identity(_session(token)), **SESSION_TIMES}

    @rpc
    def resolve_api_token(self, token, *, actor=None):
        STAFF_CALLS.append(("resolve_api_token", (token,), {}))
        if token not in API_TOKENS:
            raise NotFound("no such API token", field="token", rule="token_invalid")
        name, roles, estates = API_TOKENS[token]
        return {"id": f"token:{name}", "name": name, "roles": list(roles), "estates": list(estates),
                "expires_at": None}


ALL = (FakeResidents, FakeTickets, FakeBilling, FakeAccess, FakeNotify, FakeReports, FakeStaff)


# --- a department the desk shows generically (SESSION4 RECORDS / QUEUES) -------------------------------
#: The roles of the fake complaints desk's commands (as ``describe_commands`` answers them; a real
#: department's come from propdesk.policy).
HELPDESK_ROLES = {
    "register_complaint": ["cs_assistant", "cs_manager", "cs_supervisor", "front_desk"],
    "decide_measures": ["cs_manager", "cs_supervisor", "front_desk"],
    "close_complaint": ["cs_manager"],
}
#: state -> the commands it allows now (the department's domain rule).
HELPDESK_NEXT = {"received": ["decide_measures"], "measures_decided": ["close_complaint"], "closed": []}
_COMPLAINT_STATES = {"received": ("已受理", "Received"), "measures_decided": ("已定措施", "Measures decided"),
                     "closed": ("已关闭", "Closed")}
_COMPLAINT_KINDS = {"ordinary": ("一般投诉", "Ordinary"), "major": ("重大投诉", "Major")}


def _spec(name, zh, en, kind="string", required=False, choices=None, labels=None, max_length=None, items=None):
    spec = {"name": name, "type": kind, "required": required, "nullable": not required,
            "label": {"zh": zh, "en": en}, "help": None, "choices": list(choices) if choices else None,
            "max_length": max_length}
    if labels:
        spec["choice_labels"] = {code: {"zh": z, "en": e} for code, (z, e) in labels.items()}
    if items:
        spec["items"] = items
    return spec


COMPLAINT_FIELDS = [
    _spec("complaint_no", "投诉编号", "Complaint no.", required=True),
    _spec("complaint_id", "投诉ID", "Complaint id", required=True),
    _spec("unit_id", "单元", "Unit", required=True),
    _spec("kind", "投诉类别", "Kind", choices=_COMPLAINT_KINDS, labels=_COMPLAINT_KINDS),
    _spec("state", "状态", "State", choices=_COMPLAINT_STATES, labels=_COMPLAINT_STATES),
    _spec("summary", "投诉内容", "What the complaint is about"),
    _spec("complainant_phone", "联系电话", "Phone"),
    _spec("measures", "处理措施", "Measures"),
    _spec("received_by", "受理人", "Received by"),
    _spec("received_at", "受理时间", "Received at", kind="datetime"),
    _spec("estate", "管理处", "Estate"),
]
HELPDESK_RECORDS = {
    "complaint": {
        "title": {"zh": "投诉", "en": "Complaint"}, "get": "get_complaint", "list": "list_complaints",
        "id_field": "complaint_id", "number_field": "complaint_no",
        "columns": ["complaint_no", "unit_id", "kind", "state", "received_at"],
        "fields": COMPLAINT_FIELDS,
        "filters": [_spec("state", "状态", "State", choices=_COMPLAINT_STATES, labels=_COMPLAINT_STATES),
                    _spec("unit_id", "单元", "Unit", max_length=32), _spec("q", "关键字", "Text", max_length=64)],
        "create": ["register_complaint"],
        "form": {"zh": "投诉处理表 QR-002FW", "en": "Complaint form QR-002FW"},
        "signatures": [{"zh": "投诉人", "en": "Complainant"}, {"zh": "处理人", "en": "Handled by"}],
    },
}
HELPDESK_COMMANDS = {
    "register_complaint": {"doc": "Register a complaint.", "label": {"zh": "登记投诉", "en": "Register a complaint"},
                           "fields": [_spec("unit_id", "单元", "Unit", required=True, max_length=32),
                                      _spec("kind", "投诉类别", "Kind", required=True, choices=_COMPLAINT_KINDS,
                                            labels=_COMPLAINT_KINDS),
                                      _spec("summary", "投诉内容", "What the complaint is about", required=True,
                                            max_length=200)]},
    "decide_measures": {"doc": "Decide the measures.", "label": {"zh": "确定处理措施", "en": "Decide the measures"},
                        "fields": [_spec("complaint_id", "投诉ID", "Complaint id", required=True),
                                   _spec("measures", "处理措施", "Measures", required=True, max_length=200)]},
    "close_complaint": {"doc": "Close the complaint.", "label": {"zh": "关闭投诉", "en": "Close the complaint"},
                        "fields": [_spec("complaint_id", "投诉ID", "Complaint id", required=True)]},
}


class Helpdesk:
    """The fake complaints desk's records and rules, shared by the nameko fake (`FakeHelpdesk`) and
    the desk's unit tests (tests/unit/desk/departments.py). `reset()` brings back the canned ones:
    CP-1 received at 09:00 (overdue by 14:00), CP-2 with its measures decided, CP-3 of the office
    park (E2)."""

    def __init__(self):
        self.reset()

    def reset(self) -> None:
        base = {"kind": "ordinary", "measures": None, "received_by": "front_desk", "complainant_phone": "13812345678"}
        self.complaints = {
            "CP-1": {**base, "complaint_id": "CP-1", "complaint_no": "CP-20261102-0001", "unit_id": "1-1-702",
                     "state": "received", "summary": "楼上漏水", "received_at": "2026-11-02T01:00:00+00:00",
                     "estate": "E1"},
            "CP-2": {**base, "complaint_id": "CP-2", "complaint_no": "CP-20261102-0002", "unit_id": "1-1-303",
                     "kind": "major", "state": "measures_decided", "summary": "噪音扰民", "measures": "约谈装修队",
                     "received_at": "2026-11-02T02:00:00+00:00", "estate": "E1"},
            "CP-3": {**base, "complaint_id": "CP-3", "complaint_no": "CP-20261102-0003", "unit_id": OFFICE_UNIT,
                     "state": "received", "summary": "电梯故障", "received_at": "2026-11-02T03:00:00+00:00",
                     "estate": "E2"},
        }
        self.history = {cid: [{"at": c["received_at"], "by": "front_desk", "what": "投诉已受理"}]
                        for cid, c in self.complaints.items()}
        self.keys: dict[str, str] = {}
        self.calls: list[tuple[str, tuple, dict]] = []

    def _seen(self, complaint_id, actor) -> dict:
        c = self.complaints.get(complaint_id)
        if c is None or not _sees(actor, c["estate"]):
            raise NotFound(f"no complaint {complaint_id}", field="complaint_id", rule="exists")
        return c

    @staticmethod
    def _role(actor, command) -> None:
        role = actor.get("role") if isinstance(actor, dict) else None
        if role not in HELPDESK_ROLES[command]:
            from propdesk.errors import Forbidden

            raise Forbidden(f"role {role} may not helpdesk.{command}; allowed: {', '.join(HELPDESK_ROLES[command])}",
                            field="actor.role", rule="role_not_allowed")

    def describe_records(self, *, actor=None):
        self.calls.append(("describe_records", (), {}))
        return HELPDESK_RECORDS

    def describe_commands(self, *, actor=None):
        self.calls.append(("describe_commands", (), {}))
        return {name: {**spec, "roles": HELPDESK_ROLES[name], "public": False, "keyless": False}
                for name, spec in HELPDESK_COMMANDS.items()}

    def get_complaint(self, complaint_id, *, actor=None):
        self.calls.append(("get_complaint", (complaint_id,), {"actor": actor}))
        return {**self._seen(complaint_id, actor), "history": list(self.history[complaint_id])}

    def list_complaints(self, state=None, unit_id=None, q=None, *, actor=None):
        self.calls.append(("list_complaints", (), {"state": state, "unit_id": unit_id, "q": q, "actor": actor}))
        if state is not None and state not in _COMPLAINT_STATES:
            raise ValidationError.one("state", "one_of", "state must be one of received, measures_decided, closed")
        out = [dict(c) for c in self.complaints.values() if _sees(actor, c["estate"])
               and state in (None, c["state"]) and unit_id in (None, c["unit_id"])
               and (q is None or q in c["summary"] or q in c["complaint_no"] or q in c["unit_id"])]
        for c in out:
            c["complainant_phone"] = "138****" + c["complainant_phone"][-4:]
        return sorted(out, key=lambda c: c["received_at"], reverse=True)

    def allowed_actions(self, record_type, record_id, role, *, actor=None):
        self.calls.append(("allowed_actions", (record_type, record_id, role), {}))
        if record_type != "complaint":
            raise ValidationError.one("record_type", "one_of", "record_type must be complaint")
        c = self._seen(record_id, actor)
        return [cmd for cmd in HELPDESK_NEXT[c["state"]] if role in HELPDESK_ROLES[cmd]]

    def work_queues(self, *, actor=None):
        self.calls.append(("work_queues", (), {"actor": actor}))
        role = actor.get("role") if isinstance(actor, dict) else None
        if role not in HELPDESK_ROLES["decide_measures"]:
            return []
        items = [{"record": "complaint", "id": c["complaint_id"], "number": c["complaint_no"],
                  "title": f"{c['unit_id']} · {c['summary']}", "detail": "待定处理措施",
                  "since": c["received_at"], "due_at": c["received_at"].replace(":00:00", ":30:00"),
                  "overdue": c.get("overdue", c["complaint_id"] == "CP-1"), "owner": c["received_by"]}
                 for c in sorted(self.complaints.values(), key=lambda c: c["received_at"])
                 if c["state"] == "received" and _sees(actor, c["estate"])]
        return [{"key": "complaints_measures_due", "title": {"zh": "待定处理措施的投诉", "en": "Complaints awaiting measures"},
                 "items": items}]

    def list_audit(self, actor_id=None, action=None, object_type=None, object_id=None, correlation_id=None,
                   since=None, until=None, limit=100, before_id=None, *, actor=None):
        self.calls.append(("list_audit", (), {"object_id": object_id, "actor": actor}))
        policy.check_read(actor.get("role") if isinstance(actor, dict) else None, "list_audit")
        c = self.complaints.get(object_id or "")
        if c is None:
            return []
        return [{"service": "helpdesk", "id": 7, "at": c["received_at"], "actor": {"id": "front_desk", "role": "front_desk"},
                 "action": "complaint.registered", "object_type": "complaint", "object_id": object_id,
                 "correlation_id": None, "details": {"note": "首次受理"}, "address": "127.0.0.1"}]

    def register_complaint(self, request, actor=None, idempotency_key=None):
        self.calls.append(("register_complaint", (request,), {"actor": actor, **_keyed(idempotency_key)}))
        _reuse(idempotency_key)
        self._role(actor, "register_complaint")
        if idempotency_key in self.keys:
            return dict(self.complaints[self.keys[idempotency_key]])
        problems = []
        if not (request.get("summary") or "").strip():
            problems.append(("summary", "required", "summary is required"))
        if request.get("kind") not in _COMPLAINT_KINDS:
            problems.append(("kind", "one_of", "kind must be ordinary or major"))
        estate = estate_of_unit(request.get("unit_id"))
        if request.get("unit_id") not in {u["unit_id"] for u in UNITS} or not _sees(actor, estate):
            problems.append(("unit_id", "unknown_unit", "no such unit in the register"))
        if problems:
            from propdesk.errors import Problem

            raise ValidationError([Problem(*p) for p in problems])
        n = len(self.complaints) + 1
        cid = f"CP-{n}"
        self.complaints[cid] = {"complaint_id": cid, "complaint_no": f"CP-20261130-{n:04d}",
                                "unit_id": request["unit_id"], "kind": request["kind"], "state": "received",
                                "summary": request["summary"], "measures": None, "received_by": actor["id"],
                                "complainant_phone": "13900001111", "received_at": "2026-11-30T06:00:00+00:00",
                                "estate": estate}
        self.history[cid] = [{"at": "2026-11-30T06:00:00+00:00", "by": actor["id"], "what": "投诉已受理"}]
        if idempotency_key is not None:
            self.keys[idempotency_key] = cid
        return dict(self.complaints[cid])

    def decide_measures(self, request, actor=None, idempotency_key=None):
        self.calls.append(("decide_measures", (request,), {"actor": actor, **_keyed(idempotency_key)}))
        self._role(actor, "decide_measures")
        c = self._seen(request["complaint_id"], actor)
        if c["state"] != "received":
            raise Conflict(f"complaint {c['complaint_no']} is {c['state']}", field="complaint_id", rule="received_first")
        if not (request.get("measures") or "").strip():
            raise ValidationError.one("measures", "required", "say what will be done")
        c.update(state="measures_decided", measures=request["measures"])
        self.history[c["complaint_id"]].append({"at": "2026-11-30T06:10:00+00:00", "by": actor["id"],
                                                "what": "已定处理措施", "note": request["measures"]})
        return dict(c)

    def close_complaint(self, request, actor=None, idempotency_key=None):
        self.calls.append(("close_complaint", (request,), {"actor": actor, **_keyed(idempotency_key)}))
        self._role(actor, "close_complaint")
        c = self._seen(request["complaint_id"], actor)
        if c["state"] != "measures_decided":
            raise Conflict(f"complaint {c['complaint_no']} is {c['state']}", field="complaint_id",
                           rule="measures_first")
        c.update(state="closed")
        return dict(c)


HELPDESK = Helpdesk()


class FakeHelpdesk:
    """A department the desk knows nothing about but what it answers: ``describe_records`` (one kind,
    complaint), ``work_queues``, its list/get queries, three commands, ``allowed_actions`` and
    ``list_audit``. Not a discovered department (not in `ALL`): a test that runs it adds its name to
    the gateway's `Departments`."""

    name = "helpdesk"

    @rpc
    def describe_records(self, *, actor=None):
        return HELPDESK.describe_records(actor=actor)

    @rpc
    def describe_commands(self, *, actor=None):
        return HELPDESK.describe_commands(actor=actor)

    @rpc
    def get_complaint(self, complaint_id, *, actor=None):
        return HELPDESK.get_complaint(complaint_id, actor=actor)

    @rpc
    def list_complaints(self, state=None, unit_id=None, q=None, *, actor=None):
        return HELPDESK.list_complaints(state, unit_id, q, actor=actor)

    @rpc
    def allowed_actions(self, record_type, record_id, role, *, actor=None):
        return HELPDESK.allowed_actions(record_type, record_id, role, actor=actor)

    @rpc
    def work_queues(self, *, actor=None):
        return HELPDESK.work_queues(actor=actor)

    @rpc
    def list_audit(self, actor_id=None, action=None, object_type=None, object_id=None, correlation_id=None,
                   since=None, until=None, limit=100, before_id=None, *, actor=None):
        return HELPDESK.list_audit(actor_id, action, object_type, object_id, correlation_id, since, until, limit,
                                   before_id, actor=actor)

    @rpc
    def register_complaint(self, request, actor=None, idempotency_key=None):
        return HELPDESK.register_complaint(request, actor, idempotency_key)

    @rpc
    def decide_measures(self, request, actor=None, idempotency_key=None):
        return HELPDESK.decide_measures(request, actor, idempotency_key)

    @rpc
    def close_complaint(self, request, actor=None, idempotency_key=None):
        return HELPDESK.close_complaint(request, actor, idempotency_key)
