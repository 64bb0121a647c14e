"""Every department's records, commands and queries as JSON, with no gateway code per workflow.

The desk's generic record pages (`desk/records.py`) are built from what each department answers
about itself (``describe_records``, ``describe_commands``, ``allowed_actions``); this module serves
the same tables to other systems (the owners' APP, an ERP, a script) under ``/api/``:

| method and path | what it answers |
|---|---|
| ``GET /api/records`` | every department's record kinds whose ``list`` query one of the caller's roles may read (`propdesk.policy.READS`): its ``describe_records`` entry with ``service``, ``kind`` and ``href`` |
| ``GET /api/<service>/<kind>?<filters>`` | the kind's ``list`` query; the query string is its arguments (the kind's ``filters``; another name is a 400 naming it, rule ``unknown``); the department checks the values (400 naming field and rule) |
| ``GET /api/<service>/<kind>/<id>`` | the kind's ``get`` query (404 when absent or of another estate: the department's rule) and ``allowed_actions``: the commands the department allows on it now for any of the caller's roles |
| ``GET /api/<service>/commands`` | the department's ``describe_commands`` (fields, labels, choices, roles) but its public ones, each with its ``request_schema`` (JSON Schema of the body, `request_schema`) |
| ``POST /api/<service>/commands/<command>`` | the command, a JSON object as its request, given as the caller (`api.acting_staff`), with the optional ``Idempotency-Key``; 201 for a command that creates a record kind (its ``create``, with ``Location``), else 200; the department's 400/403/404/409 as every endpoint maps them |
| ``GET /api/<service>/queries/<query>?<args>`` | any other query of the department (``repair_progress``, ``repair_counts`` ...): the query string is its arguments; not a command, not one of `SECRET_QUERIES` |

Who is acting and within which estates comes from `GatewayService._answer` (session cookie with
its CSRF token on a POST, or a Bearer API token; 401 before anything else): every call here goes
through the scoped `Remote`, so a department sees the caller's estates and answers another estate's
record as absent. The department is the rule of record for everything: who may give a command
(`propdesk.policy`, its 403 audited there), which reads are restricted (``list_audit``), what
arguments mean. The gateway checks only what it must to route: the department exists (else the
answer is the one a path no endpoint takes gets: 404 ``_path``, or 405), the kind, command or
query exists (404 naming ``kind`` / ``command`` / ``query``, rule ``exists``), the record id's
shape (400), the body is a JSON object of at most 64 KiB (400 ``_body`` / 413), the key's shape.

The descriptions are the desk's caches (5 minutes: a new kind or command appears after a
deployment).
"""
from __future__ import annotations

import re
from urllib.parse import quote

from marshmallow import INCLUDE, Schema, fields
from werkzeug.routing import Map, Rule

from propdesk import plugins, policy
from propdesk.chassis.idempotency import checked_key
from propdesk.errors import Forbidden, NotFound, ValidationError
from propdesk_services.gateway import api, auth
from propdesk_services.gateway.desk import records as desk_records
from propdesk_services.gateway.desk.views import DESCRIPTIONS
from propdesk_services.gateway.remote import Call

GENERIC_ATTR = "__generic_api__"
#: Queries the generic route never asks: they take a secret as their argument (a query string is
#: logged by every proxy on the way), and are the chassis' own business with the gateway.
SECRET_QUERIES = frozenset({"resolve_session", "resolve_api_token"})
#: The reserved argument of every query (who asks): the gateway sets it, never the caller.
RESERVED_ARGS = frozenset({"actor"})
NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
ARG = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")


def generic(fn):
    """Mark a route of this module (its ``<service>`` is any discovered department)."""
    setattr(fn, GENERIC_ATTR, True)
    return fn


def departments() -> tuple[str, ...]:
    """The departments the gateway discovers (`service.Departments`): every service but itself."""
    return tuple(name for name in plugins.service_names() if name != "gateway")


def route_map(routes: list[tuple[str, str, str, object]], names: tuple[str, ...]) -> Map:
    """The endpoints' URL rules as `api.no_route` matches them, the generic routes taking only a
    department's name as ``<service>``: a path that is not a department's (``/api/release-slips/X``)
    is answered as no endpoint's, and a method another endpoint of the path takes as a 405."""
    rules = []
    for method, url, _, fn in routes:
        if getattr(fn, GENERIC_ATTR, False):
            if not names:
                continue
            url = url.replace("<service>", f"<any({', '.join(sorted(names))}):service>")
        rules.append(Rule(url, methods=[method]))
    return Map(rules)


def _not_routed(request):
    """What the request gets when its ``<service>`` is no department: the answer of a path no
    endpoint takes (404 ``_path``), or 405 when another endpoint takes the path with another method."""
    from propdesk_services.gateway import service as gateway  # imports this module: asked at call time

    return api.no_route(gateway._routes(), request)


def _department(remote, request, service: str) -> str:
    if service not in remote.proxies:
        raise _not_routed(request)
    return service


# --- what the departments say about themselves --------------------------------------------------
def described_records(remote, service: str) -> dict:
    """The department's ``describe_records`` (the desk's cache); {} for one that keeps no kinds."""
    hit = desk_records.RECORDS.peek(service)
    if hit is not None:
        return hit
    try:
        answer = remote.call(service, desk_records.DESCRIBE)
    except Exception as exc:
        if not desk_records.absent(exc):
            raise
        answer = {}
    answer = answer if isinstance(answer, dict) else {}
    desk_records.RECORDS.put(service, answer)
    return answer


def described_commands(remote, service: str) -> dict:
    """The department's ``describe_commands`` (the desk's cache); {} for one that has no commands."""
    def load():
        try:
            answer = remote.call(service, "describe_commands")
        except Exception as exc:
            if not desk_records.absent(exc):
                raise
            answer = {}
        return answer if isinstance(answer, dict) else {}

    return DESCRIPTIONS.get(service, load)


def _roles(principal) -> list[str]:
    return [r for r in principal.roles if r in policy.ROLES]


def _may_read(principal, query: str) -> bool:
    return any(policy.may_read(role, query) for role in _roles(principal))


def _kind(remote, service: str, kind: str) -> dict:
    entry = described_records(remote, service).get(kind) if NAME.match(kind or "") else None
    if not isinstance(entry, dict):
        raise NotFound(f"{service} keeps no records of kind {kind!r} (GET /api/records lists them)",
                       field="kind", rule="exists")
    return entry


def _require_read(principal, service: str, query: str) -> None:
    if not _may_read(principal, query):
        raise Forbidden(f"none of the roles of {principal.id} ({', '.join(principal.roles) or '-'}) may read "
                        f"{service}.{query}; allowed: {', '.join(sorted(policy.READS.get(query, ())))}",
                        field="actor.role", rule=policy.RULE)


def _arguments(request, allowed: set[str] | None, types: dict[str, str] | None = None) -> dict:
    """The query string as a query's keyword arguments (empty values left out); a name the query
    does not take (when `allowed` is known) or may not be given is a 400 naming it. A query string
    carries text: ``true``/``false`` become JSON booleans (for a filter described as a boolean, or
    any argument when the types are not known: the chassis' flags take only true or false), and a
    filter described as an integer its number when it is one; the department checks the rest."""
    problems = []
    out = {}
    for name, value in request.args.items():
        if name in RESERVED_ARGS:
            problems.append(ValidationError.one(name, "reserved", "who asks is the signed-in person or the "
                                                                  "API token, never an argument").problems[0])
        elif not ARG.match(name) or (allowed is not None and name not in allowed):
            known = ", ".join(sorted(allowed or ())) or "none"
            problems.append(ValidationError.one(name, "unknown", f"not an argument of this query; it takes: "
                                                                 f"{known}").problems[0])
        elif value.strip():
            out[name] = _typed(value.strip(), (types or {}).get(name) if types is not None else None)
    if problems:
        raise ValidationError(problems)
    return out


def _typed(value: str, kind: str | None):
    if value in ("true", "false") and kind in (None, "boolean"):
        return value == "true"
    if kind == "integer" and re.fullmatch(r"-?\d{1,18}", value):
        return int(value)
    return value


def _ask(remote, service: str, query: str, *args, **kwargs):
    """A department's query; one it does not have is a 404 naming ``query``."""
    try:
        return remote.call(service, query, *args, **kwargs)
    except Exception as exc:
        if desk_records.absent(exc):
            raise NotFound(f"{service} answers no query {query!r}", field="query", rule="exists") from None
        raise


# --- the endpoints ------------------------------------------------------------------------------
def list_kinds(remote, request):
    """GET /api/records: every department's kinds the caller may list."""
    principal = auth.require_principal(request)
    names = sorted(remote.proxies)
    missing = [s for s in names if desk_records.RECORDS.peek(s) is None]
    answers = dict(zip(missing, remote.gather(*(Call(s, desk_records.DESCRIBE) for s in missing))))
    kinds, unavailable = [], []
    for service in names:
        if service in answers:
            answer = answers[service]
            if isinstance(answer, Exception):
                if not desk_records.absent(answer):
                    unavailable.append(api._unavailable(service, answer))
                    continue
                answer = {}
            answer = answer if isinstance(answer, dict) else {}
            desk_records.RECORDS.put(service, answer)
        else:
            answer = desk_records.RECORDS.peek(service) or {}
        for kind, entry in answer.items():
            if isinstance(entry, dict) and _may_read(principal, entry.get("list") or ""):
                kinds.append({"service": service, "kind": kind, "href": f"/api/{service}/{quote(kind)}", **entry})
    return 200, {"kinds": kinds, "unavailable": unavailable}


def list_records(remote, request, service: str, kind: str):
    """GET /api/<service>/<kind>: the kind's list query, the query string its arguments."""
    principal = auth.require_principal(request)
    service = _department(remote, request, service)
    entry = _kind(remote, service, kind)
    _require_read(principal, service, entry["list"])
    filters = {f.get("name"): f.get("type") or "string" for f in entry.get("filters") or () if isinstance(f, dict)}
    answer = remote.call(service, entry["list"], **_arguments(request, set(filters), filters))
    return 200, {"service": service, "kind": kind, "records": answer if isinstance(answer, list) else []}


def get_record(remote, request, service: str, kind: str, record_id: str):
    """GET /api/<service>/<kind>/<id>: the kind's get query and what the caller may do on it now."""
    principal = auth.require_principal(request)
    service = _department(remote, request, service)
    record_id = api.path_id("record_id", record_id)
    entry = _kind(remote, service, kind)
    _require_read(principal, service, entry["get"])
    record = remote.call(service, entry["get"], record_id)
    allowed: list[str] = []
    if entry.get("actions") is not False:
        calls = [Call(service, "allowed_actions", (kind, record_id, role)) for role in _roles(principal)]
        for answer in remote.gather(*calls):
            if isinstance(answer, (NotFound, ValidationError)) or (
                    isinstance(answer, Exception) and desk_records.absent(answer)):
                continue  # the kind has no actions, or the record went meanwhile
            if isinstance(answer, Exception):
                raise answer
            allowed += [c for c in answer or () if c not in allowed]
    return 200, {"service": service, "kind": kind, "id": record_id, "record": record, "allowed_actions": allowed}


def list_commands(remote, request, service: str):
    """GET /api/<service>/commands: each command's request fields (``describe_commands``)."""
    auth.require_principal(request)
    service = _department(remote, request, service)
    commands = {name: {**spec, "href": f"/api/{service}/commands/{name}", "request_schema": request_schema(spec)}
                for name, spec in described_commands(remote, service).items()
                if isinstance(spec, dict) and not spec.get("public")}
    return 200, {"service": service, "commands": commands}


#: A field type of ``describe_schema`` as JSON Schema (money and decimals as a number or a string:
#: "392.60" keeps its cents).
_JSON_TYPES = {
    "string": {"type": "string"}, "integer": {"type": "integer"}, "boolean": {"type": "boolean"},
    "decimal": {"anyOf": [{"type": "number"}, {"type": "string"}]},
    "money": {"anyOf": [{"type": "number"}, {"type": "string"}]},
    "date": {"type": "string", "format": "date"}, "datetime": {"type": "string", "format": "date-time"},
    "date-time": {"type": "string", "format": "date-time"}, "object": {"type": "object"},
}


def request_schema(spec: dict) -> dict:
    """A command's request as JSON Schema, from its ``describe_commands`` fields (type, required,
    nullable, choices, max_length, label as the title): what a client may check before sending;
    the department's schema stays the rule."""
    def one(f: dict) -> dict:
        kind = f.get("type") or "string"
        if kind == "list":
            item = f.get("items") or "string"
            items = (request_schema({"fields": f.get("fields") or ()}) if item == "object"
                     else dict(_JSON_TYPES.get(item, {})))
            out = {"type": "array", "items": items}
        else:
            out = dict(_JSON_TYPES.get(kind, {}))
        if f.get("choices") and kind != "list":
            out["enum"] = list(f["choices"])
        elif f.get("choices"):
            out["items"]["enum"] = list(f["choices"])
        if f.get("max_length") is not None:
            out["maxItems" if kind == "list" else "maxLength"] = f["max_length"]
        label = f.get("label")
        if isinstance(label, dict) and label.get("en"):
            out["title"] = f"{label.get('zh') or ''} {label['en']}".strip()
        if f.get("nullable"):
            out = {"anyOf": [out, {"type": "null"}]}
        return out

    described = [f for f in spec.get("fields") or () if isinstance(f, dict) and f.get("name")]
    return {"type": "object", "properties": {f["name"]: one(f) for f in described},
            "required": [f["name"] for f in described if f.get("required")], "additionalProperties": False}


def give_command(remote, request, service: str, command: str):
    """POST /api/<service>/commands/<command>: the command as the caller, with its key."""
    service = _department(remote, request, service)
    spec = described_commands(remote, service).get(command) if NAME.match(command or "") else None
    if not isinstance(spec, dict) or spec.get("public"):
        raise NotFound(f"{service} has no command {command!r} (GET /api/{service}/commands lists them)",
                       field="command", rule="exists")
    actor = api.acting_staff(request, service, command)
    problems, extras, body = [], {}, {}
    try:
        key = checked_key(request.headers.get(api.IDEMPOTENCY_HEADER), field=api.IDEMPOTENCY_HEADER)
        if key is not None and spec.get("keyless"):
            raise ValidationError.one(api.IDEMPOTENCY_HEADER, "not_with_secrets",
                                      f"{command} carries or answers a secret and takes no idempotency key")
        if key is not None:
            extras["idempotency_key"] = key
    except ValidationError as err:
        problems += err.problems
    try:
        body = api.read_json(request, optional=True)
        if not isinstance(body, dict):
            raise ValidationError.one("_body", "type", "the body is a JSON object: the command's fields")
    except ValidationError as err:
        problems += err.problems
    if problems:
        raise ValidationError(problems)
    answer = api.command(remote, service, command, body, actor=actor, extras=extras, request=request)
    made = created(described_records(remote, service), command, spec, answer)
    if made is None:
        return 200, answer
    kind, new_id = made
    return 201, answer, {"Location": f"/api/{service}/{quote(kind)}/{quote(str(new_id), safe='')}"}


def created(kinds: dict, command: str, spec: dict, answer) -> tuple[str, str] | None:
    """(kind, id) of the record the command made, or None: a command of a kind's ``create``, or
    one that names no record of the department at all (none of its kinds' ``id_field`` is among
    the command's fields) and answers one: the first kind, in the department's order, whose id the
    answer carries (``submit_app_repair`` answers the new repair)."""
    if not isinstance(answer, dict):
        return None
    takes = {f.get("name") for f in spec.get("fields") or () if isinstance(f, dict)}
    entries = [(k, e, e.get("id_field") or "id") for k, e in kinds.items() if isinstance(e, dict)]
    for kind, entry, id_field in entries:
        if command in (entry.get("create") or ()) and answer.get(id_field) not in (None, ""):
            return kind, str(answer[id_field])
    if takes & {id_field for _, _, id_field in entries}:
        return None  # it acts on a record (or several)
    for kind, entry, id_field in entries:
        if answer.get(id_field) not in (None, ""):
            return kind, str(answer[id_field])
    return None


def run_query(remote, request, service: str, query: str):
    """GET /api/<service>/queries/<query>: any query of the department (not a command, not one
    taking a secret), the query string its arguments; the department checks them and who may."""
    principal = auth.require_principal(request)
    service = _department(remote, request, service)
    if not NAME.match(query or "") or query in SECRET_QUERIES or query in described_commands(remote, service):
        raise NotFound(f"{service} answers no query {query!r} here", field="query", rule="exists")
    _require_read(principal, service, query)
    return 200, _ask(remote, service, query, **_arguments(request, None))


# --- the OpenAPI document's schemas (documentation) --------------------------------------------
class KindSchema(Schema):
    """A record kind as its department describes it (``describe_records``), where to list it;
    what a department adds to its description later is passed on as it is."""

    class Meta:
        unknown = INCLUDE

    service = fields.String()
    kind = fields.String()
    href = fields.String(metadata={"description": "GET it for the list; /<id> for one record"})
    title = fields.Dict(allow_none=True, metadata={"description": "{zh, en}"})
    get = fields.String(metadata={"description": "the department's query for one record"})
    list = fields.String(metadata={"description": "the department's list query (its filters are the query string)"})
    id_field = fields.String()
    number_field = fields.String(allow_none=True)
    columns = fields.List(fields.String())
    fields_ = fields.List(fields.Dict(), data_key="fields",
                          metadata={"description": "the record's fields: name, type, label {zh, en}, choices"})
    filters = fields.List(fields.Dict(), metadata={"description": "the list query's arguments"})
    create = fields.List(fields.String(), metadata={"description": "commands that create one (POST "
                                                                   "/api/<service>/commands/<command>)"})
    form = fields.Dict(allow_none=True, metadata={"description": "the paper form's title {zh, en}, or null"})
    signatures = fields.List(fields.Dict(allow_none=True), metadata={"description": "signature lines {zh, en}"})
    actions = fields.Boolean(metadata={"description": "whether allowed_actions knows the kind"})


class KindListSchema(Schema):
    kinds = fields.List(fields.Nested(KindSchema))
    unavailable = fields.List(fields.Dict(), metadata={"description": "departments that did not answer"})


class RecordListSchema(Schema):
    service = fields.String()
    kind = fields.String()
    records = fields.List(fields.Dict(), metadata={"description": "the list query's answer, newest first"})


class RecordSchema(Schema):
    service = fields.String()
    kind = fields.String()
    id = fields.String()
    record = fields.Dict(metadata={"description": "the get query's answer (the kind's fields)"})
    allowed_actions = fields.List(fields.String(), metadata={
        "description": "the commands the department allows on this record now for any of the caller's roles"})


class CommandListSchema(Schema):
    service = fields.String()
    commands = fields.Dict(keys=fields.String(), values=fields.Dict(), metadata={
        "description": "command -> {doc, fields (name, type, required, choices, max_length, label), roles, "
                       "keyless, href, request_schema (JSON Schema of the body)}"})


#: A command's request and answer, and a query's answer: the department's own (object, list ...).
ANY_OBJECT = {"type": "object", "additionalProperties": True,
              "description": "the command's fields (GET /api/{service}/commands describes them)"}
ANY_ANSWER = {"description": "what the department answers (its contract in propdesk.contracts.rpc)"}
