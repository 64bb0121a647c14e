"""What each JSON endpoint does: check the input at the edge, call the departments, shape the answer.

Functions take the `Remote` (the departments) and the Werkzeug request (plus path values) and
return ``(status, body)`` or a Werkzeug Response; they raise on failure and the service turns
every exception into its HTTP answer through `errors.error_response` (one place).

Edge checks happen before any RPC, so malformed input never reaches a department:
- the body is at most `MAX_BODY_BYTES` (413), is JSON (400 naming ``_body``, rule ``json``) and an
  object, and matches the endpoint's schema (400 naming each field and rule);
- who is acting is the signed-in person or the API token (`auth.py`; the service answered 401
  before any handler runs without one): a command acts as `Principal.actor_for(service, command)`,
  the first of the person's roles the policy table allows; when none is allowed the first role is
  passed all the same and the department refuses it (403, audited there: the rule of record);
- a command may carry an `Idempotency-Key` header (letters, digits and . _ : -, at most 128; 400
  naming the header otherwise), passed to the department as `idempotency_key`: the same key and
  request answer the first result again, the same key with another request is a 409 naming
  ``Idempotency-Key`` and the rule ``reused_with_different_request``;
- ids in the path match `schemas.ID_PATTERN`.
Header and body problems are reported together, so the desk can fix everything at once.
"""
from __future__ import annotations

import json
import re

from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import MethodNotAllowed as NoSuchMethod
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.routing import Map, Rule

from propdesk import policy
from propdesk.chassis.edge import ROLES, load_or_reject
from propdesk.chassis.idempotency import checked_key
from propdesk.errors import Conflict, Forbidden, NotFound, Problem, ValidationError
from propdesk_services.gateway import auth, fees, schemas
from propdesk_services.gateway.errors import (
    EdgeError,
    MethodNotAllowed,
    PayloadTooLarge,
    RouteNotFound,
    error_status_and_body,
)
from propdesk_services.gateway.remote import Call, Remote

MAX_BODY_BYTES = 64 * 1024
IDEMPOTENCY_HEADER = "Idempotency-Key"



# --- reading the request ------------------------------------------------------------------------
def read_json(request, optional: bool = False):
    """The request body as JSON, within the size limit (`{}` for an empty optional body)."""
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        raise PayloadTooLarge(MAX_BODY_BYTES)
    if request.content_length is None and "chunked" in request.headers.get("Transfer-Encoding", "").lower():
        # no length given: read at most one byte past the limit (eventlet's input decodes the chunks;
        # Werkzeug would treat a body of unknown length as empty)
        raw = request.environ["wsgi.input"].read(MAX_BODY_BYTES + 1)
    else:
        request.max_content_length = MAX_BODY_BYTES
        try:
            raw = request.get_data(cache=True)
        except RequestEntityTooLarge:
            raise PayloadTooLarge(MAX_BODY_BYTES) from None
    if len(raw) > MAX_BODY_BYTES:
        raise PayloadTooLarge(MAX_BODY_BYTES)
    if not raw.strip():
        if optional:
            return {}
        raise ValidationError.one("_body", "required", "send a JSON object as the request body")
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as err:
        raise ValidationError.one("_body", "json", f"the body is not valid JSON: {err}") from None
    except RecursionError:  # a small body can nest deeper than the parser goes
        raise ValidationError.one("_body", "json", "the body is not valid JSON: nested too deeply") from None


def acting_staff(request, service: str, command: str) -> dict:
    """`{"id", "role"}` of the signed-in person (or API token) giving `service.command`: the first
    of their roles the policy allows, else their first role, for the department to refuse and
    audit (it is the rule of record). A principal without any role is refused here."""
    principal = auth.require_principal(request)
    actor = principal.actor_for(service, command)
    if actor is not None:
        return actor
    if not principal.roles:
        raise Forbidden(f"{principal.id} has no role, so may not {policy.action(service, command)}",
                        field="actor.role", rule=policy.RULE)
    return {"id": principal.id, "role": principal.roles[0]}


def command_input(request, schema, service: str, command: str,
                  body_optional: bool = False) -> tuple[dict, dict, dict]:
    """(actor, JSON-ready body, extra RPC kwargs) of `service.command`; every header and body
    problem reported at once. The extras hold `idempotency_key` when the desk sent an Idempotency-Key."""
    problems: list[Problem] = []
    body, extras = {}, {}
    actor = acting_staff(request, service, command)
    try:
        key = checked_key(request.headers.get(IDEMPOTENCY_HEADER), field=IDEMPOTENCY_HEADER)
        if key is not None:
            extras["idempotency_key"] = key
    except ValidationError as err:
        problems += err.problems
    try:
        body = schema.dump(load_or_reject(schema, read_json(request, optional=body_optional)))
    except ValidationError as err:
        problems += err.problems
    if problems:
        raise ValidationError(problems)
    return actor, body, extras


#: The department's name of an argument -> the header the desk sent it in.
HEADER_OF = {"idempotency_key": IDEMPOTENCY_HEADER}


def command(remote: Remote, service: str, method: str, *args, actor: dict, extras: dict, request=None):
    """Call a department's command; a rejection naming an argument the desk sent as a header
    (the key) names the header instead. A refusal of the role, for a person with several roles
    none of which may, names them all (the department saw the first)."""
    try:
        return remote.call(service, method, *args, actor=actor, **extras)
    except (Conflict, Forbidden) as exc:
        if exc.field in HEADER_OF:
            raise type(exc)(exc.message, field=HEADER_OF[exc.field], rule=exc.rule) from None
        principal = auth.current_principal(request) if request is not None else None
        if isinstance(exc, Forbidden) and exc.rule == policy.RULE and principal and len(principal.roles) > 1:
            allowed = ", ".join(sorted(policy.roles_for(service, method))) or "none"
            raise Forbidden(f"none of the roles of {principal.id} ({', '.join(principal.roles)}) may "
                            f"{policy.action(service, method)}; allowed: {allowed}",
                            field=exc.field or "actor.role", rule=exc.rule) from None
        raise


def query(request, schema) -> dict:
    return load_or_reject(schema, request.args.to_dict())


def path_id(name: str, value: str) -> str:
    if not re.match(schemas.ID_PATTERN, value or ""):
        raise ValidationError.one(name, "invalid", schemas.ID_RULE)
    return value


def _unavailable(service: str, exc: Exception) -> dict:
    status, body = error_status_and_body(exc)
    return {"service": service, "error": body["error"], "message": body.get("message", "")}


# --- units and balances -------------------------------------------------------------------------
def _arrears_amount(item: dict):
    for key in ("outstanding", "amount_due", "amount"):
        if item.get(key) is not None:
            return str(item[key])
    return None


def list_units(remote: Remote, request):
    q = query(request, schemas.UnitsQuerySchema())
    units, arrears = remote.gather(
        Call("residents", "list_units", kwargs={"leased_only": q["leased"]}),
        Call("billing", "list_arrears"),
    )
    if isinstance(units, Exception):
        raise units
    unavailable = []
    if isinstance(arrears, Exception):
        unavailable.append(_unavailable("billing", arrears))
        owed = None
    else:
        owed = {a.get("unit_id"): _arrears_amount(a) for a in arrears}
    out = []
    for unit in units:
        unit = dict(unit)
        unit["outstanding"] = None if owed is None else owed.get(unit.get("unit_id"), "0.00")
        out.append(unit)
    return 200, {"units": out, "unavailable": unavailable}


def get_balance(remote: Remote, request, unit_id: str):
    return 200, remote.call("billing", "get_balance", path_id("unit_id", unit_id))


def record_payment(remote: Remote, request):
    actor, payment, extras = command_input(request, schemas.PaymentRequestSchema(), "billing", "record_payment")
    return 201, command(remote, "billing", "record_payment", payment, actor=actor, extras=extras, request=request)


# --- move-outs --------------------------------------------------------------------------------
def list_move_outs(remote: Remote, request):
    q = query(request, schemas.MoveOutsQuerySchema())
    return 200, {"move_outs": remote.call("residents", "list_move_outs", state=q.get("state"))}


def request_move_out(remote: Remote, request):
    actor, body, extras = command_input(request, schemas.MoveOutRequestSchema(), "residents", "request_move_out")
    case = command(remote, "residents", "request_move_out", body, actor=actor, extras=extras, request=request)
    location = f"/api/move-outs/{case.get('move_out_id', '')}" if isinstance(case, dict) else None
    return 201, case, ({"Location": location} if location else None)


def get_move_out(remote: Remote, request, move_out_id: str):
    """The case with everything the desk needs beside it; a department that does not answer leaves
    its part empty and is named in `unavailable` (the case itself must come from residents).

    ``fee_status`` says what the fee check waits for, as the desk's case page does (`fees.fee_status`:
    待抄表, 抄表待复核, 待财务核查, or residents' ``fees`` once decided); billing's meter readings of
    the unit are asked beside the rest only when they decide it (a pending check after the cut)."""
    move_out_id = path_id("move_out_id", move_out_id)
    case = dict(remote.call("residents", "get_move_out", move_out_id))
    extras = {
        "timeline": (Call("reports", "timeline", (move_out_id,)), []),
        "release": (Call("access", "get_release_hold", (move_out_id,)), None),
        "work_order": (Call("tickets", "get_inspection", (move_out_id,)), None),
        "messages": (Call("notify", "list_messages", kwargs={"correlation_id": move_out_id}), []),
        "balance": (Call("billing", "get_balance", (case.get("unit_id"),)), None),
    }
    readings_call = (Call("billing", "list_meter_readings", kwargs={"unit_id": case["unit_id"]})
                     if fees.needs_readings(case) else None)
    results = remote.gather(*(c for c, _ in extras.values()), *([readings_call] if readings_call else []))
    unavailable = []
    for (key, (call, empty)), result in zip(extras.items(), results):
        if isinstance(result, NotFound):
            result = empty
        elif isinstance(result, Exception):
            unavailable.append(_unavailable(call.service, result))
            result = empty
        case[key] = result
    readings = results[len(extras)] if readings_call else None
    if isinstance(readings, Exception):
        if not any(u["service"] == readings_call.service for u in unavailable):
            unavailable.append(_unavailable(readings_call.service, readings))
        readings = None
    case["fee_status"] = fees.fee_status(case, readings)
    case["unavailable"] = unavailable
    return 200, case


def record_inspection(remote: Remote, request, move_out_id: str):
    move_out_id = path_id("move_out_id", move_out_id)
    actor, result, extras = command_input(request, schemas.InspectionResultSchema(), "tickets", "record_inspection")
    return 200, command(remote, "tickets", "record_inspection", {"move_out_id": move_out_id, **result},
                        actor=actor, extras=extras, request=request)


def record_supply_cut(remote: Remote, request, move_out_id: str):
    move_out_id = path_id("move_out_id", move_out_id)
    actor, body, extras = command_input(request, schemas.SupplyCutRequestSchema(), "tickets", "record_supply_cut")
    return 200, command(remote, "tickets", "record_supply_cut", {"move_out_id": move_out_id, **body},
                        actor=actor, extras=extras, request=request)


def withdraw_move_out(remote: Remote, request, move_out_id: str):
    move_out_id = path_id("move_out_id", move_out_id)
    actor, body, extras = command_input(request, schemas.WithdrawRequestSchema(), "residents", "withdraw_move_out")
    return 200, command(remote, "residents", "withdraw_move_out", {"move_out_id": move_out_id, **body},
                        actor=actor, extras=extras, request=request)


def archive_move_out(remote: Remote, request, move_out_id: str):
    move_out_id = path_id("move_out_id", move_out_id)
    actor, _, extras = command_input(request, schemas.EmptyBodySchema(), "residents", "archive_move_out",
                                     body_optional=True)
    return 200, command(remote, "residents", "archive_move_out", {"move_out_id": move_out_id},
                        actor=actor, extras=extras, request=request)


def release_at_gate(remote: Remote, request, slip_no: str):
    slip_no = path_id("slip_no", slip_no)
    actor, _, extras = command_input(request, schemas.EmptyBodySchema(), "access", "release_at_gate",
                                     body_optional=True)
    return 200, command(remote, "access", "release_at_gate", {"slip_no": slip_no}, actor=actor, extras=extras,
                        request=request)


# --- anything else under /api/ ------------------------------------------------------------------
def route_map(routes: list[tuple[str, str, str, object]]) -> Map:
    """The endpoints' URL rules (`openapi.http_routes`), as nameko builds them."""
    return Map([Rule(url, methods=[method]) for method, url, _, _ in routes])


def no_route(routes: Map, request) -> EdgeError:
    """What the desk is told when no endpoint took the request: 405 naming the methods the path
    takes, else 404 naming the path (JSON, like every other answer under /api/)."""
    try:
        routes.bind("gateway").match(request.path, method=request.method)
    except NoSuchMethod as exc:
        return MethodNotAllowed(request.method, request.path, list(exc.valid_methods or ()))
    except HTTPException:  # NotFound, or a redirect werkzeug would make: no endpoint has this path
        pass
    return RouteNotFound(request.method, request.path)


# --- reports, messages, staff -------------------------------------------------------------------
def timeline(remote: Remote, request, correlation_id: str):
    correlation_id = path_id("correlation_id", correlation_id)
    return 200, {"correlation_id": correlation_id, "events": remote.call("reports", "timeline", correlation_id)}


def move_out_counts(remote: Remote, request):
    return 200, remote.call("reports", "move_out_counts")


def list_messages(remote: Remote, request):
    q = query(request, schemas.MessagesQuerySchema())
    return 200, {"messages": remote.call("notify", "list_messages", **q)}


def staff(remote: Remote, request):
    """Who is signed in (or which API token is acting), the roles, and the commands each role may
    give (the policy table: the page offers exactly those; the department still enforces it)."""
    me = auth.require_principal(request)
    return 200, {"me": {"id": me.id, "name": me.name, "roles": list(me.roles), "estates": list(me.estates),
                        "kind": me.kind, "csrf_token": me.csrf_token,
                        "must_change_password": me.must_change_password},
                 "roles": dict(ROLES), "commands": {role: policy.allowed_commands(role) for role in ROLES}}
