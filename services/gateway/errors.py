"""Every failure becomes one HTTP answer here, and only here (conventions §3.6, §6).

| failure                                         | status | body                                              |
|-------------------------------------------------|--------|---------------------------------------------------|
| `ValidationError` (edge or a service)           | 400    | {"error": "validation", "problems": [{field, rule, message}]} |
| no valid session or API token (`auth.SignInRequired`) | 401 | {"error": "unauthorized", "message", "field": "_session", "rule": "sign_in_required"}, `WWW-Authenticate` |
| a command by cookie without its CSRF token (`auth.CsrfRefused`) | 403 | {"error": "forbidden", "message", "field": "csrf_token", "rule": "csrf"} |
| `Forbidden`                                     | 403    | {"error": "forbidden", "message", "field", "rule"} |
| `NotFound`                                      | 404    | {"error": "not_found", "message", "field", "rule"} |
| `Conflict`                                      | 409    | {"error": "conflict", "message", "field", "rule"} |
| body over the size limit                        | 413    | {"error": "too_large", "message", "limit_bytes", "field": "_body", "rule": "max_bytes"} |
| no endpoint under /api/ has that path           | 404    | {"error": "not_found", "message", "field": "_path", "rule": "not_found"} |
| the path under /api/ does not take that method  | 405    | {"error": "method_not_allowed", "message", "field": "_method", "rule": "not_allowed"}, `Allow` |
| a service is not running / the broker is down   | 503    | {"error": "unavailable", "service", "message"}    |
| a service did not answer within the RPC timeout | 504    | {"error": "timeout", "service", "message"}        |
| anything else                                   | 500    | {"error": "internal", "message"} (trace logged)   |

Logging: a fault (500) is an ERROR (with the trace when it happened in the gateway), a department
not answering (503/504) a WARNING, a rejection (4xx) one INFO line naming the request, the field and
the rule (`error_response`).

Remote errors arrive as nameko `RemoteError(exc_type, value)`; `from_remote` turns the propdesk ones
(`propdesk.errors.BY_NAME`) back into local exceptions so one table above serves both the edge's
own rejections and the services'.

Every 4xx names a field and a rule: a 400 in each problem; a 403/404/409 the ones the department
gave (e.g. ``Idempotency-Key`` / ``reused_with_different_request``) or, when it gave none, the
defaults below (the acting role ``actor.role``, the record named in the path, the record's state).
"""
from __future__ import annotations

import json
import logging

from nameko.exceptions import RemoteError
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from propdesk.errors import BY_NAME, Conflict, Forbidden, NotFound, Problem, RuleError, ValidationError

log = logging.getLogger("propdesk.gateway")


class EdgeError(Exception):
    """A failure the gateway itself names (not a business rejection)."""

    status = 500
    error = "internal"

    def body(self) -> dict:
        return {"error": self.error, "message": str(self)}

    def headers(self) -> dict:
        return {}


class RouteNotFound(EdgeError):
    """Nothing under /api/ answers this path (werkzeug would answer an HTML page)."""

    status = 404
    error = "not_found"

    def __init__(self, method: str, path: str):
        super().__init__(f"no endpoint answers {method} {path}; the endpoints are described at /api/openapi.json")

    def body(self) -> dict:
        return {"error": self.error, "message": str(self), "field": "_path", "rule": "not_found"}


class MethodNotAllowed(EdgeError):
    """The path is an endpoint, but not for this method; `Allow` names the methods it takes."""

    status = 405
    error = "method_not_allowed"

    def __init__(self, method: str, path: str, allowed: list[str]):
        self.allowed = sorted(allowed)
        super().__init__(f"{path} does not take {method}; it takes {', '.join(self.allowed)}")

    def body(self) -> dict:
        return {"error": self.error, "message": str(self), "field": "_method", "rule": "not_allowed"}

    def headers(self) -> dict:
        return {"Allow": ", ".join(self.allowed)}


class ServiceTimeout(EdgeError):
    """A service did not answer within `PROPDESK_RPC_TIMEOUT_S` (RPC has no timeout of its own)."""

    status = 504
    error = "timeout"

    def __init__(self, service: str, method: str, timeout_s: float):
        self.service = service
        super().__init__(f"{service}.{method} did not answer within {timeout_s:g} s; try again shortly")

    def body(self) -> dict:
        return {"error": self.error, "service": self.service, "message": str(self)}


class ServiceUnavailable(EdgeError):
    """The service is not running (nobody consumes its RPC queue) or the broker is unreachable."""

    status = 503
    error = "unavailable"

    def __init__(self, service: str, reason: str):
        self.service = service
        super().__init__(f"{service} is unavailable: {reason}")

    def body(self) -> dict:
        return {"error": self.error, "service": self.service, "message": str(self)}


class ServiceFailed(EdgeError):
    """A service raised something that is not a propdesk rejection: a fault, logged, answered 500."""

    status = 500
    error = "internal"

    def __init__(self, service: str, method: str, exc_type: str, value: str):
        self.service = service
        self.detail = f"{service}.{method} raised {exc_type}: {value}"
        super().__init__(f"{service} could not complete the request ({exc_type})")

    def body(self) -> dict:
        return {"error": self.error, "service": self.service, "message": str(self)}


class PayloadTooLarge(EdgeError):
    status = 413
    error = "too_large"

    def __init__(self, limit_bytes: int):
        self.limit_bytes = limit_bytes
        super().__init__(f"the request body is larger than {limit_bytes} bytes")

    def body(self) -> dict:
        return {"error": self.error, "message": str(self), "limit_bytes": self.limit_bytes,
                "field": "_body", "rule": "max_bytes"}


def from_remote(service: str, method: str, err: RemoteError) -> Exception:
    """A nameko RemoteError as the propdesk error it was raised as (or `ServiceFailed`)."""
    cls = BY_NAME.get(err.exc_type or "")
    value = err.value if isinstance(err.value, str) else str(err.value)
    if cls is None:
        return ServiceFailed(service, method, err.exc_type or "RemoteError", value)
    if cls is ValidationError:
        return ValidationError(_problems(value))
    return cls.from_message(value)


def _problems(value: str) -> list[Problem]:
    try:
        items = json.loads(value)
        problems = [Problem(str(p["field"]), str(p["rule"]), str(p.get("message", ""))) for p in items]
    except (ValueError, TypeError, KeyError):
        problems = []
    return problems or [Problem("_schema", "invalid", value)]


def error_status_and_body(exc: BaseException) -> tuple[int, dict]:
    """THE mapping from a failure to (HTTP status, JSON body); see the table in the module doc."""
    if isinstance(exc, RemoteError):  # a raw one, not converted by the caller
        exc = from_remote("service", "call", exc)
    if isinstance(exc, ValidationError):
        return 400, {"error": "validation", "problems": [p.as_dict() for p in exc.problems]}
    if isinstance(exc, Forbidden):
        return 403, _rule_body("forbidden", exc, "actor.role", "role_not_allowed")
    if isinstance(exc, NotFound):
        return 404, _rule_body("not_found", exc, "_path", "exists")
    if isinstance(exc, Conflict):
        return 409, _rule_body("conflict", exc, "_state", "state_allows")
    if isinstance(exc, RequestEntityTooLarge):
        return 413, {"error": "too_large", "message": "the request body is too large", "field": "_body",
                     "rule": "max_bytes"}
    if isinstance(exc, EdgeError):
        if isinstance(exc, ServiceFailed):
            log.error("remote failure: %s", exc.detail)
        elif exc.status >= 500:
            log.warning("%s", exc)
        return exc.status, exc.body()
    log.error("unexpected error in the gateway", exc_info=exc)
    return 500, {"error": "internal", "message": "the gateway failed to handle the request; see its log"}


def _rule_body(error: str, exc: RuleError, field: str, rule: str) -> dict:
    """The body of a 403/404/409: the message, and the field and rule (the default ones when the
    error named none)."""
    message = exc.message if isinstance(exc, RuleError) else str(exc)
    return {"error": error, "message": message, "field": getattr(exc, "field", None) or field,
            "rule": getattr(exc, "rule", None) or rule}


def json_response(body, status: int = 200, headers: dict | None = None) -> Response:
    return Response(json.dumps(body, ensure_ascii=False), status=status, headers=headers,
                    mimetype="application/json")


def error_response(exc: BaseException, request=None) -> Response:
    """The JSON answer to a failure. A rejection (4xx) is logged as one INFO line naming the
    request, the field and the rule: the desk's doing, not a fault (faults are logged above)."""
    status, body = error_status_and_body(exc)
    if status < 500:
        log.info("rejected %s %s %s: %s (%s)", status, getattr(request, "method", "-"),
                 getattr(request, "full_path", "-").rstrip("?"), named_in(body), _one_line(body.get("message", "")))
    return json_response(body, status, exc.headers() if isinstance(exc, EdgeError) else None)


def named_in(body: dict) -> str:
    """``field/rule`` of a 4xx body (each problem of a 400, joined by "; ")."""
    problems = body.get("problems")
    if problems is not None:
        return "; ".join(f"{p['field']}/{p['rule']}" for p in problems)
    return f"{body.get('field') or '-'}/{body.get('rule') or '-'}"


def _one_line(text: str, limit: int = 300) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit] + "…"
