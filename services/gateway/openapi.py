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

from propdesk.chassis.edge import ROLES
from propdesk.contracts import rpc
from propdesk_services.gateway import schemas

OPENAPI_ATTR = "__openapi__"
FALLBACK_ATTR = "__fallback_route__"

_ERRORS = {
    400: ("The input broke a rule: each problem names the field (or header, or query parameter) and the rule",
          "ValidationError"),
    403: ("The acting staff member's role may not do this", "Error"),
    404: ("No such record", "Error"),
    409: ("Valid, but not allowed in the record's current state", "Error"),
    413: ("The body is larger than 64 KiB", "Error"),
    500: ("A department or the gateway failed; the trace is in its log", "Error"),
    503: ("The department is not running or the message broker is unreachable", "Error"),
    504: ("The department did not answer within PROPDESK_RPC_TIMEOUT_S", "Error"),
}


def endpoint(summary: str, *, tag: str, response, status: int = 200, body=None, query=None,
             actor: bool = False, errors: tuple[int, ...] = (), description: str = ""):
    """Describe a JSON route for the OpenAPI document (put it under `@http`)."""

    def mark(fn):
        setattr(fn, OPENAPI_ATTR, {
            "summary": summary, "tag": tag, "response": response, "status": status, "body": body,
            "query": query, "actor": actor, "errors": errors,
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


def _schema_name(schema) -> str:
    cls = schema if isinstance(schema, type) else type(schema)
    return cls.__name__.removesuffix("Schema")


def build_spec(service_cls, title: str = "propdesk gateway") -> dict:
    marshmallow_plugin = MarshmallowPlugin(schema_name_resolver=_schema_name)
    spec = APISpec(
        title=title,
        version="1.0.0",
        openapi_version="3.0.3",
        info={"description": "The staff desk's JSON API (物业客服台). Commands name who is acting in the "
                             "X-Staff-Id and X-Staff-Role headers; every rejection names the field and the rule."},
        plugins=[marshmallow_plugin],
    )
    marshmallow_plugin.map_to_openapi_type(schemas.Money, "string", "decimal")
    marshmallow_plugin.map_to_openapi_type(rpc.Money, "string", "decimal")
    spec.components.schema("ValidationError", schema=schemas.ValidationErrorSchema)
    spec.components.schema("Error", schema=schemas.ErrorSchema)
    spec.components.parameter("XStaffId", "header", {
        "name": "X-Staff-Id", "required": True, "schema": {"type": "string", "maxLength": 64},
        "description": "who is acting: the staff member's id"})
    spec.components.parameter("IdempotencyKey", "header", {
        "name": "Idempotency-Key", "required": False,
        "schema": {"type": "string", "minLength": 1, "maxLength": 128, "pattern": r"^[A-Za-z0-9._:\-]+$"},
        "description": "optional: the same key with the same request (and staff member) answers the first "
                       "result again and acts once; the same key with another request is a 409 naming "
                       "Idempotency-Key and the rule reused_with_different_request. Keys are kept as long as "
                       "the records the command made."})
    spec.components.parameter("XStaffRole", "header", {
        "name": "X-Staff-Role", "required": True, "schema": {"type": "string", "enum": sorted(ROLES)},
        "description": "the acting staff member's role: " + "; ".join(f"{k} = {v}" for k, v in sorted(ROLES.items()))})

    paths: dict[str, dict] = {}
    for method, url, name, fn in http_routes(service_cls):
        doc = getattr(fn, OPENAPI_ATTR, None)
        if doc is None or not url.startswith("/api/"):
            continue
        path, path_names = _openapi_path(url)
        parameters: list = [{"in": "path", "name": n, "required": True, "description": schemas.ID_RULE,
                             "schema": {"type": "string", "pattern": schemas.ID_PATTERN, "maxLength": 64}}
                            for n in path_names]
        if doc["query"] is not None:
            parameters.append({"in": "query", "schema": doc["query"]})
        if doc["actor"]:
            parameters += ["XStaffId", "XStaffRole", "IdempotencyKey"]
        responses = {str(doc["status"]): {"description": "Created" if doc["status"] == 201 else "OK", "content": {
            "application/json": {"schema": doc["response"]}}}}
        codes = set(doc["errors"]) | {500, 503, 504}
        if doc["actor"] or doc["body"] is not None or doc["query"] is not None or path_names:
            codes.add(400)
        if doc["actor"]:
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
        if doc["body"] is not None:
            operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": doc["body"]}}}
        paths.setdefault(path, {})[method.lower()] = operation
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    return spec.to_dict()
