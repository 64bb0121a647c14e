"""The OpenAPI document of the JSON API, built from the routes themselves.

Each JSON route of the gateway carries an `@endpoint(...)` description next to its `@http`
decorator; `build_spec` walks the service class, reads the method and URL nameko registered and
that description, and writes the document with apispec and its marshmallow plugin. A route
without a description is a test failure (tests/test_api.py), so the document cannot drift from
the routes.
"""
from __future__ import annotations

import inspect
import re

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from nameko.web.handlers import HttpRequestHandler

from propdesk import policy
from propdesk.contracts import rpc
from propdesk_services.gateway import auth, schemas

OPENAPI_ATTR = "__openapi__"
FALLBACK_ATTR = "__fallback_route__"
#: `endpoint(command=ANY_COMMAND)`: the route gives whichever command its path names (records_api):
#: who may is each command's policy row, so the operation lists every role that may give any command.
ANY_COMMAND = ("{service}", "{command}")

_ERRORS = {
    400: ("The input broke a rule: each problem names the field (or header, or query parameter) and the rule",
          "ValidationError"),
    401: ("No valid session cookie or API token: field _session, rule sign_in_required (nothing was done)",
          "Error"),
    403: ("None of the acting person's roles may do this (field actor.role, rule role_not_allowed; the "
          "department audits the refusal), or a command by cookie came without its CSRF token (field "
          "csrf_token, rule csrf)", "Error"),
    404: ("No such record", "Error"),
    409: ("Valid, but not allowed in the record's current state", "Error"),
    413: ("The body is larger than 64 KiB", "Error"),
    500: ("A department or the gateway failed; the trace is in its log", "Error"),
    503: ("The department is not running or the message broker is unreachable", "Error"),
    504: ("The department did not answer within PROPDESK_RPC_TIMEOUT_S", "Error"),
}


def endpoint(summary: str, *, tag: str, response, status: int | tuple[int, ...] = 200, body=None, query=None,
             command: tuple[str, str] | None = None, errors: tuple[int, ...] = (), description: str = "",
             public: bool = False, path_choices: dict | None = None):
    """Describe a JSON route for the OpenAPI document (put it under `@http`). `command` is the
    department's command it gives, ``(service, command)``: who may is the policy table's row
    (documented with the operation as ``x-propdesk-command`` and ``x-propdesk-roles``). A `public`
    route needs no session or token. `status` may name several success codes (the first is the
    usual one); `path_choices` maps a path parameter to its values (or a function answering them),
    documented as its enum."""

    def mark(fn):
        setattr(fn, OPENAPI_ATTR, {
            "summary": summary, "tag": tag, "response": response, "status": status, "body": body,
            "query": query, "command": command, "errors": errors, "public": public,
            "path_choices": path_choices or {},
            "description": description or inspect.getdoc(fn) or "",
        })
        return fn

    return mark


def fallback(fn):
    """Mark a route that answers what no endpoint takes (not an operation of the document)."""
    setattr(fn, FALLBACK_ATTR, True)
    return fn


def http_routes(service_cls, fallbacks: bool = False) -> list[tuple[str, str, str, object]]:
    """(method, url, python name, function) for every @http route of the class (without the
    `fallback` ones unless asked)."""
    out = []
    for name, fn in inspect.getmembers(service_cls, inspect.isfunction):
        if getattr(fn, FALLBACK_ATTR, False) and not fallbacks:
            continue
        for ep in getattr(fn, "nameko_entrypoints", ()):
            if isinstance(ep, HttpRequestHandler):
                for method in ep.method.split(","):
                    out.append((method.strip().upper(), ep.url, name, fn))
    return sorted(out, key=lambda r: (r[1], r[0]))


def _openapi_path(url: str) -> tuple[str, list[str]]:
    names = re.findall(r"<(?:[a-z]+:)?([a-zA-Z_]+)>", url)
    return re.sub(r"<(?:[a-z]+:)?([a-zA-Z_]+)>", r"{\1}", url), names


def _path_parameter(name: str, choices=None) -> dict:
    """A path parameter: an id's pattern, or the values it takes (`endpoint(path_choices=)`)."""
    schema = {"type": "string", "pattern": schemas.ID_PATTERN, "maxLength": 64}
    if callable(choices):
        choices = choices()
    if choices:
        schema = {"type": "string", "enum": sorted(choices)}
    return {"in": "path", "name": name, "required": True,
            "description": "one of the values listed" if choices else schemas.ID_RULE, "schema": schema}


def _schema_name(schema) -> str:
    cls = schema if isinstance(schema, type) else type(schema)
    return cls.__name__.removesuffix("Schema")


def build_spec(service_cls, title: str = "propdesk gateway") -> dict:
    marshmallow_plugin = MarshmallowPlugin(schema_name_resolver=_schema_name)
    spec = APISpec(
        title=title,
        version="1.0.0",
        openapi_version="3.0.3",
        info={"description": "The staff desk's JSON API (物业客服台). Every operation but this document acts as "
                             "a signed-in staff member (the session cookie of POST /sign-in, with the page's CSRF "
                             "token in X-CSRF-Token on commands) or another system (Authorization: Bearer pdt_..., "
                             "an API token an admin created); without either it answers 401 and does nothing. "
                             "A command acts with the first of the person's roles the policy table allows; every "
                             "rejection names the field and the rule."},
        plugins=[marshmallow_plugin],
    )
    spec.components.security_scheme("sessionCookie", {
        "type": "apiKey", "in": "cookie", "name": auth.SESSION_COOKIE,
        "description": "the session of a staff member who signed in at POST /sign-in (HttpOnly; 30 minutes "
                       "idle, 12 hours at most); POST /sign-out ends it"})
    spec.components.security_scheme("csrfToken", {
        "type": "apiKey", "in": "header", "name": auth.CSRF_HEADER,
        "description": "with the session cookie, on every command (POST): the page's CSRF token "
                       "(<meta name=\"csrf-token\">); without it, or wrong, 403 csrf_token/csrf"})
    spec.components.security_scheme("apiToken", {
        "type": "http", "scheme": "bearer", "bearerFormat": "pdt_...",
        "description": "an API token of another system (propdesk staff token create): acts with the token's "
                       "roles, as token:<name>; needs no CSRF token"})
    marshmallow_plugin.map_to_openapi_type(schemas.Money, "string", "decimal")
    marshmallow_plugin.map_to_openapi_type(rpc.Money, "string", "decimal")
    spec.components.schema("ValidationError", schema=schemas.ValidationErrorSchema)
    spec.components.schema("Error", schema=schemas.ErrorSchema)
    spec.components.parameter("IdempotencyKey", "header", {
        "name": "Idempotency-Key", "required": False,
        "schema": {"type": "string", "minLength": 1, "maxLength": 128, "pattern": r"^[A-Za-z0-9._:\-]+$"},
        "description": "optional: the same key with the same request (and staff member) answers the first "
                       "result again and acts once; the same key with another request is a 409 naming "
                       "Idempotency-Key and the rule reused_with_different_request. Keys are kept as long as "
                       "the records the command made."})

    paths: dict[str, dict] = {}
    for method, url, name, fn in http_routes(service_cls):
        doc = getattr(fn, OPENAPI_ATTR, None)
        if doc is None or not url.startswith("/api/"):
            continue
        path, path_names = _openapi_path(url)
        parameters: list = [_path_parameter(n, doc["path_choices"].get(n)) for n in path_names]
        if doc["query"] is not None:
            parameters.append({"in": "query", "schema": doc["query"]})
        if doc["command"]:
            parameters += ["IdempotencyKey"]
        statuses = doc["status"] if isinstance(doc["status"], tuple) else (doc["status"],)
        responses = {str(status): {"description": "Created" if status == 201 else "OK", "content": {
            "application/json": {"schema": doc["response"]}}} for status in statuses}
        codes = set(doc["errors"]) | {500, 503, 504}
        if not doc["public"]:
            codes.add(401)
        if doc["command"] or doc["body"] is not None or doc["query"] is not None or path_names:
            codes.add(400)
        if doc["command"]:
            codes |= {403, 409}
        if doc["body"] is not None:
            codes.add(413)
        for code in sorted(codes):
            text, ref = _ERRORS[code]
            responses[str(code)] = {"description": text, "content": {"application/json": {"schema": ref}}}
        operation = {
            "operationId": name,
            "summary": doc["summary"],
            "description": doc["description"],
            "tags": [doc["tag"]],
            "parameters": parameters,
            "responses": responses,
        }
        if doc["public"]:
            operation["security"] = []
        elif method.upper() in auth.SAFE_METHODS:
            operation["security"] = [{"sessionCookie": []}, {"apiToken": []}]
        else:
            operation["security"] = [{"sessionCookie": [], "csrfToken": []}, {"apiToken": []}]
        if doc["command"]:
            service, command = doc["command"]
            roles = sorted(policy.roles_for(service, command) if doc["command"] != ANY_COMMAND
                           else {role for allowed in policy.POLICY.values() for role in allowed})
            operation["x-propdesk-command"] = policy.action(service, command)
            operation["x-propdesk-roles"] = roles
            given = (f"Gives {policy.action(service, command)}: roles {', '.join(roles) or 'none'} (propdesk.policy)."
                     if doc["command"] != ANY_COMMAND else
                     "Who may give each command is its row of propdesk.policy (the roles in GET "
                     "/api/{service}/commands); the department refuses any other role (403, audited).")
            operation["description"] = (operation["description"] + "\n\n" if operation["description"] else "") + given
        if doc["body"] is not None:
            operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": doc["body"]}}}
        paths.setdefault(path, {})[method.lower()] = operation
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    return spec.to_dict()
