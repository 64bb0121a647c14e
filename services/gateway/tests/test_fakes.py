"""The fake departments (fakes.py) must not drift from the real ones: a test that passes against a
fake the real department does not match proves nothing about the desk.

- every fake is a discovered department (`propdesk.plugins`) and every RPC method of a fake is an
  RPC method of the real service class, with the same parameters (names, kinds, defaults) and the
  same expected exceptions (the rejections);
- every answer a fake gives (each method called as the gateway calls it) is what the real
  department answers by its result contract in `propdesk.contracts.rpc` (or, for a record kind's
  list query no contract names, such as billing's ``list_meter_readings``, the kind's own schema in
  the department's ``messages.RECORDS``): no field the contract does not have, every field it has
  (the departments dump every field), and each value loads and dumps back unchanged (types, money
  with two decimals, ISO dates and times with their offset), a coded field one of its vocabulary's
  codes.

No broker: the fakes' methods are called directly.
"""
from __future__ import annotations

import importlib
import inspect

import pytest
from marshmallow import Schema, fields
from marshmallow import ValidationError as SchemaError

from propdesk import demo, plugins
from propdesk.contracts import rpc
from propdesk.contracts.vocab import METER_READING_STATES
from propdesk.errors import NotFound, ValidationError

from . import fakes

FRONT_DESK = {"id": "S-FD-01", "role": "front_desk"}
ENGINEERING = {"id": "S-EN-01", "role": "engineering"}
FINANCE = {"id": "S-FI-01", "role": "cashier"}
SECURITY = {"id": "S-SE-01", "role": "security"}
CASE_ID = fakes.CASE["move_out_id"]



def record_schema(service: str, kind: str, method: str) -> type[Schema]:
    """The output schema of a department's record kind (its ``messages.RECORDS``), which its list
    query `method` dumps with: the real answer of a query no `propdesk.contracts.rpc` contract names."""
    record = importlib.import_module(f"propdesk_services.{service}.messages").RECORDS[kind]
    assert method in (record.list, record.get), f"{service}.{method} does not answer {kind} records"
    return record.fields


#: (service, method) -> (result contract, many): what the real department answers.
CONTRACTS: dict[tuple[str, str], tuple[type[Schema], bool]] = {
    ("residents", "list_units"): (rpc.UnitSchema, True),
    ("residents", "get_unit"): (rpc.UnitDetailSchema, False),
    ("residents", "request_move_out"): (rpc.MoveOutSchema, False),
    ("residents", "get_move_out"): (rpc.MoveOutSchema, False),
    ("residents", "list_move_outs"): (rpc.MoveOutSchema, True),
    ("residents", "withdraw_move_out"): (rpc.MoveOutSchema, False),
    ("residents", "archive_move_out"): (rpc.MoveOutSchema, False),
    ("tickets", "record_inspection"): (rpc.WorkOrderSchema, False),
    ("tickets", "get_inspection"): (rpc.WorkOrderSchema, False),
    ("tickets", "record_supply_cut"): (rpc.WorkOrderSchema, False),
    ("billing", "record_payment"): (rpc.PaymentResultSchema, False),
    ("billing", "get_balance"): (rpc.BalanceSchema, False),
    ("billing", "list_arrears"): (rpc.OutstandingSchema, True),
    ("billing", "list_meter_readings"): (record_schema("billing", "meter_reading", "list_meter_readings"), True),
    ("access", "release_at_gate"): (rpc.ReleaseSlipSchema, False),
    ("access", "get_release_hold"): (rpc.ReleaseHoldSchema, False),
    ("notify", "list_messages"): (rpc.MessageSchema, True),
    ("reports", "timeline"): (rpc.TimelineEntrySchema, True),
    ("reports", "move_out_counts"): (rpc.MoveOutCountsSchema, False),
    ("staff", "sign_in"): (rpc.SignInResultSchema, False),
    ("staff", "sign_out"): (rpc.SignedOutSchema, False),
    ("staff", "resolve_session"): (rpc.SessionSchema, False),
    ("staff", "resolve_api_token"): (rpc.TokenIdentitySchema, False),
}
SIGN_IN = {"username": "front_desk", "password": demo.DEMO_STAFF_PASSWORD, "address": "127.0.0.1",
           "user_agent": "test"}

#: (service, method, args, kwargs): each fake method called the way the gateway calls it, with
#: every shape of answer the fake gives (a kwarg "idempotency_key" is what the desk's header sends).
CALLS = [
    ("residents", "list_units", (), {"leased_only": True}),
    ("residents", "list_units", (), {"leased_only": False}),
    ("residents", "list_units", (), {"q": "孙丽"}),
    ("residents", "get_unit", ("1-1-702",), {}),
    ("residents", "get_unit", ("1-1-101",), {}),
    ("residents", "request_move_out", ({"unit_id": "1-1-702", "tenant_party_id": "TEN-1-1-702",
                                        "exit_date": "2026-11-30", "owner_consent_ref": "OC-118",
                                        "fitout_disposition": "restore"}, FRONT_DESK), {}),
    ("residents", "get_move_out", (CASE_ID,), {}),
    ("residents", "get_move_out", (fakes.CUT_CASE_ID,), {}),
    ("residents", "list_move_outs", (), {"state": None}),
    ("residents", "withdraw_move_out", ({"move_out_id": CASE_ID, "reason": "租户续租"}, FRONT_DESK),
     {"idempotency_key": "k-1"}),
    ("residents", "archive_move_out", ({"move_out_id": "MO-X-RELEASED"}, FRONT_DESK), {}),
    ("tickets", "record_inspection", ({"move_out_id": CASE_ID, "passed": True, "defects": []}, ENGINEERING), {}),
    ("tickets", "record_inspection", ({"move_out_id": CASE_ID, "passed": False, "defects": ["墙面污损"]},
                                      ENGINEERING), {}),
    ("tickets", "get_inspection", (CASE_ID,), {}),
    ("tickets", "record_supply_cut", ({"move_out_id": CASE_ID, "supplies": [
        {"utility": "water", "reading": "118"}, {"utility": "electricity", "reading": "2217.5"},
        {"utility": "ac", "reading": None}]}, ENGINEERING), {"idempotency_key": "k-2"}),
    ("billing", "record_payment", ({"unit_id": "1-1-702", "amount": "392.60", "method": "cash",
                                    "receipt_no": "R-0001"}, FINANCE), {}),
    ("billing", "get_balance", ("1-1-702",), {}),
    ("billing", "list_arrears", (), {}),
    ("billing", "list_meter_readings", (), {"unit_id": "1-1-702"}),  # as the desk and the API ask
    ("billing", "list_meter_readings", (), {}),
    ("access", "release_at_gate", ({"slip_no": "RS-20261102-0001"}, SECURITY), {}),
    ("access", "get_release_hold", (CASE_ID,), {}),
    ("notify", "list_messages", (), {"correlation_id": CASE_ID}),
    ("reports", "timeline", (CASE_ID,), {}),
    ("reports", "move_out_counts", (), {}),
    ("staff", "sign_in", (SIGN_IN,), {}),
    ("staff", "sign_out", ({"token": "fake-session-0000-front_desk", "address": None, "user_agent": None},), {}),
    ("staff", "resolve_session", ("fake-session-0000-front_desk",), {}),
    ("staff", "resolve_api_token", ("pdt_gate-system-secret",), {}),
    ("staff", "resolve_api_token", ("pdt_erp-secret",), {}),
]


def rpc_methods(cls) -> dict[str, object]:
    """The RPC entrypoints of a service class, by name."""
    return {name: fn for name, fn in inspect.getmembers(cls, inspect.isfunction)
            if any(type(ep).__name__ == "Rpc" for ep in getattr(fn, "nameko_entrypoints", ()))}


def parameters(fn) -> list[tuple]:
    return [(p.name, p.kind.name, p.default) for p in inspect.signature(fn).parameters.values()]


def expected_exceptions(fn) -> set[str]:
    """The exceptions the RPC entrypoint declares expected (nameko logs them as the caller's, not
    as faults of the service)."""
    (ep,) = [ep for ep in fn.nameko_entrypoints if type(ep).__name__ == "Rpc"]
    declared = ep.expected_exceptions
    return {cls.__name__ for cls in (declared if isinstance(declared, tuple) else (declared,))}


def fake_methods() -> list[tuple[type, str]]:
    return [(fake, name) for fake in fakes.ALL for name in rpc_methods(fake)]


# --- the contract checker: what a department's answer may hold ------------------------------------
def contract_problems(schema: Schema, answer, where: str) -> list[str]:
    """What in `answer` the real department, dumping with `schema`, could not have answered."""
    if not isinstance(answer, dict):
        return [f"{where}: {answer!r} is not an object"]
    by_key = {fld.data_key or name: fld for name, fld in schema.fields.items()}
    out = [f"{where}.{key}: not in {type(schema).__name__}" for key in sorted(answer.keys() - by_key.keys())]
    out += [f"{where}.{key}: missing (the department answers every field of {type(schema).__name__})"
            for key in sorted(by_key.keys() - answer.keys())]
    for key, fld in by_key.items():
        if key in answer:
            out += value_problems(fld, answer[key], f"{where}.{key}")
    return out


def value_problems(fld: fields.Field, value, where: str) -> list[str]:
    if value is None:
        return [] if fld.allow_none else [f"{where}: null, which the contract does not allow"]
    if isinstance(fld, fields.Nested):
        items = value if fld.many else [value]
        if fld.many and not isinstance(value, list):
            return [f"{where}: {value!r} is not a list"]
        return [p for i, item in enumerate(items) for p in contract_problems(fld.schema, item, f"{where}[{i}]"
                                                                                if fld.many else where)]
    if isinstance(fld, fields.List):
        if not isinstance(value, list):
            return [f"{where}: {value!r} is not a list"]
        return [p for i, item in enumerate(value) for p in value_problems(fld.inner, item, f"{where}[{i}]")]
    vocab = fld.metadata.get("vocab")  # a coded field of a record schema (vocab.Terms): one of its codes
    if vocab is not None and value not in vocab.codes:
        return [f"{where}: {value!r} not one of {list(vocab.codes)}"]
    if isinstance(fld, fields.Method):  # worked out by the department when it dumps: check what it documents
        enum = fld.metadata.get("enum")
        return [] if enum is None or value in enum else [f"{where}: {value!r} not one of {enum}"]
    try:
        loaded = fld.deserialize(value)
    except SchemaError as err:
        return [f"{where}: {value!r}: {err.messages}"]
    dumped = fld._serialize(loaded, None, None)
    if dumped != value:
        return [f"{where}: {value!r} is not in the contract's form (the department answers {dumped!r})"]
    return []


def test_the_contract_checker_can_fail():
    """The checker itself: each kind of drift is reported."""
    slip = {"slip_no": "RS-1", "move_out_id": None, "unit_id": "1-1-702", "estate": "E1", "applicant_type": "tenant",
            "goods": [],
            "clearance_ref": None, "issued_at": "2026-11-02T03:00:00+00:00", "released_at": None,
            "released_by": None, "status": "issued"}
    assert contract_problems(rpc.ReleaseSlipSchema(), slip, "slip") == []
    assert contract_problems(rpc.ReleaseSlipSchema(), {**slip, "colour": "red"}, "slip") == [
        "slip.colour: not in ReleaseSlipSchema"]
    assert contract_problems(rpc.ReleaseSlipSchema(), {k: v for k, v in slip.items() if k != "goods"}, "slip") == [
        "slip.goods: missing (the department answers every field of ReleaseSlipSchema)"]
    assert contract_problems(rpc.ReleaseSlipSchema(), {**slip, "status": "gone"}, "slip") == [
        "slip.status: 'gone' not one of ['issued', 'released']"]
    assert contract_problems(rpc.ReleaseSlipSchema(), {**slip, "slip_no": None}, "slip") == [
        "slip.slip_no: null, which the contract does not allow"]
    balance = {"unit_id": "1-1-702", "estate": "E1", "outstanding": "392.6", "credit": "0.00",
               "charges": [{"period": "2026-10", "item": "fee", "amount": 196.3}], "payments": []}
    assert contract_problems(rpc.BalanceSchema(), balance, "b") == [
        "b.outstanding: '392.6' is not in the contract's form (the department answers '392.60')",
        "b.charges[0].amount: 196.3: ['Not a valid string.']"]
    assert contract_problems(rpc.MoveOutCountsSchema(), {"by_state": {"A": "one"}, "total": 1}, "c")[0].startswith(
        "c.by_state: {'A': 'one'}")
    readings, _ = CONTRACTS[("billing", "list_meter_readings")]
    reading = fakes.READINGS[0]
    assert contract_problems(readings(), reading, "r") == []
    assert contract_problems(readings(), {**reading, "state": "on_hold"}, "r") == [
        f"r.state: 'on_hold' not one of {list(METER_READING_STATES.codes)}"]
    assert contract_problems(readings(), {k: v for k, v in reading.items() if k != "move_out_id"}, "r") == [
        "r.move_out_id: missing (the department answers every field of MeterReadingSchema)"]


# --- the fakes against the real departments --------------------------------------------------------
def test_every_fake_is_a_discovered_department():
    known = plugins.service_names()
    assert [fake.name for fake in fakes.ALL if fake.name not in known] == []


@pytest.mark.parametrize("fake, method", fake_methods(), ids=lambda v: getattr(v, "name", v))
def test_a_fake_method_is_a_real_rpc_method_with_the_same_parameters(fake, method):
    real = plugins.service_classes([fake.name])[fake.name]
    real_methods = rpc_methods(real)
    assert method in real_methods, f"{fake.name}.{method} is not an RPC method of {real.__name__}"
    assert parameters(getattr(fake, method)) == parameters(real_methods[method]), (
        f"{fake.name}.{method}{inspect.signature(getattr(fake, method))} != "
        f"{real.__name__}.{method}{inspect.signature(real_methods[method])}")
    assert expected_exceptions(getattr(fake, method)) == expected_exceptions(real_methods[method])


def test_every_fake_method_has_a_contract_and_is_called_below():
    methods = {(fake.name, name) for fake, name in fake_methods()}
    assert methods - CONTRACTS.keys() == set(), "a fake method without its result contract"
    assert methods - {(s, m) for s, m, _, _ in CALLS} == set(), "a fake method this test does not call"


@pytest.mark.parametrize("service, method, args, kwargs", CALLS, ids=[f"{c[0]}.{c[1]}" for c in CALLS])
def test_a_fake_answers_what_the_real_department_answers(service, method, args, kwargs):
    fake = next(f for f in fakes.ALL if f.name == service)
    fakes.SESSIONS["fake-session-0000-front_desk"] = "front_desk"
    try:
        answer = getattr(fake(), method)(*args, **kwargs)
    finally:
        fakes.CALLS.clear()
        fakes.STAFF_CALLS.clear()
        fakes.SESSIONS.clear()
    schema_cls, many = CONTRACTS[(service, method)]
    if many:
        assert isinstance(answer, list) and answer, f"{service}.{method} answers a non-empty list: {answer!r}"
        problems = [p for i, item in enumerate(answer) for p in contract_problems(schema_cls(), item, f"[{i}]")]
    else:
        problems = contract_problems(schema_cls(), answer, method)
    assert problems == [], "\n".join(problems)


# --- estates: a fake refuses another estate's record as the real department does ---------------------
E2 = {"id": "front_desk_e2", "role": "front_desk", "estates": ["E2"], "address": "127.0.0.1"}

#: (service, method, args, kwargs): each a record of the residential estate E1 (the fake's canned
#: case, unit, work order, hold and slip; for the real department the demo's unit 1-1-702 or nothing),
#: asked for or acted on by someone of the office park E2 only.
ESTATE_CALLS = [
    ("residents", "get_move_out", (CASE_ID,), {}),
    ("residents", "get_unit", ("1-1-702",), {}),
    ("residents", "request_move_out", ({"unit_id": "1-1-702", "tenant_party_id": "TEN-1-1-702",
                                        "exit_date": "2026-11-30", "owner_consent_ref": "OC-118",
                                        "fitout_disposition": "restore"}, FRONT_DESK), {}),
    ("residents", "withdraw_move_out", ({"move_out_id": CASE_ID, "reason": "租户续租"}, FRONT_DESK), {}),
    ("residents", "archive_move_out", ({"move_out_id": "MO-X-RELEASED"}, FRONT_DESK), {}),
    ("tickets", "get_inspection", (CASE_ID,), {}),
    ("tickets", "record_inspection", ({"move_out_id": CASE_ID, "passed": True, "defects": []}, ENGINEERING), {}),
    ("tickets", "record_supply_cut", ({"move_out_id": CASE_ID, "supplies": [{"utility": "ac", "reading": None}]},
                                      ENGINEERING), {}),
    ("billing", "get_balance", ("1-1-702",), {}),
    ("billing", "list_meter_readings", (), {"unit_id": "1-1-702"}),
    ("billing", "record_payment", ({"unit_id": "1-1-702", "amount": "392.60", "method": "cash",
                                    "receipt_no": "R-0001"}, FINANCE), {}),
    ("access", "get_release_hold", (CASE_ID,), {}),
    ("access", "release_at_gate", ({"slip_no": "RS-20261102-0001"}, SECURITY), {}),
    ("notify", "list_messages", (), {"correlation_id": CASE_ID}),
    ("reports", "timeline", (CASE_ID,), {}),
]
#: Lists: asked by E2, every record answered is E2's (fake and real alike).
ESTATE_LISTS = [("residents", "list_units"), ("residents", "list_move_outs"), ("billing", "list_arrears")]


@pytest.fixture(scope="module")
def real():
    """The real departments on the harness (in memory, with their demo data), by name."""
    from propdesk.testing.fake import ServiceHarness

    classes = plugins.service_classes()
    apps = {name: ServiceHarness(classes[name], demo=hasattr(classes[name], "load_demo"))
            for name in ("residents", "tickets", "billing", "access", "notify", "reports")}
    for unit_id in ("1-1-303", "T1-31F"):  # a move-out in each estate
        apps["residents"].command("request_move_out", {
            "unit_id": unit_id, "tenant_party_id": f"TEN-{unit_id}", "exit_date": "2026-11-30",
            "owner_consent_ref": "OC-1", "fitout_disposition": "restore"}, FRONT_DESK)
    return apps


def answer_of(call):
    """What a call answered, as comparable: the refusal (its kind, field and rule) or the value."""
    try:
        return ("answered", call())
    except ValidationError as exc:
        return ("ValidationError", sorted((p.field, p.rule) for p in exc.problems))
    except NotFound as exc:
        return ("NotFound", exc.field, exc.rule)


def as_e2(service, method, args, kwargs, command: bool):
    """The call as the gateway makes it for the office park's front desk: a command's actor, or a
    query's ``actor=``, with the person's estates and address."""
    if command:
        request, actor = args
        return (request, {**actor, "estates": E2["estates"], "address": E2["address"]}), kwargs
    return args, {**kwargs, "actor": E2}


@pytest.mark.parametrize("service, method, args, kwargs", ESTATE_CALLS, ids=[f"{c[0]}.{c[1]}" for c in ESTATE_CALLS])
def test_a_fake_refuses_another_estates_record_as_the_real_department_refuses_a_missing_one(
        real, service, method, args, kwargs):
    fake = next(f for f in fakes.ALL if f.name == service)
    app = real[service]
    command = method in app.messages.COMMANDS
    args, kwargs = as_e2(service, method, args, kwargs, command)
    try:
        faked = answer_of(lambda: getattr(fake(), method)(*args, **kwargs))
    finally:
        fakes.CALLS.clear()
        fakes.ASKED.clear()
    if command:
        (request, actor) = args
        really = answer_of(lambda: app.command(method, request, actor, **kwargs))
    else:
        really = answer_of(lambda: app.query(method, *args, **kwargs))
    assert faked[0] != "answered" or faked[1] == [], f"the fake showed another estate's record: {faked}"
    assert faked == really


@pytest.mark.parametrize("service, method", ESTATE_LISTS, ids=[f"{s}.{m}" for s, m in ESTATE_LISTS])
def test_a_fakes_list_shows_the_askers_estates_only_as_the_real_departments(real, service, method):
    fake = next(f for f in fakes.ALL if f.name == service)
    try:
        faked = getattr(fake(), method)(actor=E2)
    finally:
        fakes.CALLS.clear()
        fakes.ASKED.clear()
    really = real[service].query(method, actor=E2)
    everything = real[service].query(method)
    assert faked and really and len(really) < len(everything)
    assert {item["estate"] for item in faked} == {item["estate"] for item in really} == {"E2"}
