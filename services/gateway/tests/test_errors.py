"""The one mapping from failures to HTTP answers, and `Remote`'s naming of RPC failures
(plain objects stand in for nameko's service proxies: no broker needed)."""
from __future__ import annotations

import json

import eventlet
import pytest
from kombu.exceptions import OperationalError
from nameko.exceptions import MethodNotFound, RemoteError, UnknownService

from propdesk.errors import Conflict, Forbidden, NotFound, Problem, ValidationError
from propdesk_services.gateway.errors import (
    PayloadTooLarge,
    ServiceFailed,
    ServiceTimeout,
    ServiceUnavailable,
    error_status_and_body,
)
from propdesk_services.gateway.remote import Call, Remote


@pytest.mark.parametrize("exc, status, error", [
    (ValidationError.one("amount", "range", "must be positive"), 400, "validation"),
    (Forbidden("no"), 403, "forbidden"),
    (NotFound("none"), 404, "not_found"),
    (Conflict("state"), 409, "conflict"),
    (PayloadTooLarge(65536), 413, "too_large"),
    (ServiceUnavailable("billing", "down"), 503, "unavailable"),
    (ServiceTimeout("billing", "get_balance", 2), 504, "timeout"),
    (ServiceFailed("billing", "get_balance", "KeyError", "'x'"), 500, "internal"),
    (KeyError("gateway bug"), 500, "internal"),
])
def test_each_failure_has_one_status(exc, status, error):
    got_status, body = error_status_and_body(exc)
    assert (got_status, body["error"]) == (status, error)
    if status == 400:
        assert body["problems"] == [{"field": "amount", "rule": "range", "message": "must be positive"}]
    if status in (503, 504, 500) and not isinstance(exc, KeyError):
        assert body["service"] == "billing"
    assert "gateway bug" not in json.dumps(body)


class Proxy:
    """Stands in for a nameko ServiceProxy: `behaviour` is what its method does."""

    def __init__(self, behaviour):
        self.behaviour = behaviour

    def __getattr__(self, method):
        return lambda *args, **kwargs: self.behaviour(*args, **kwargs)


def raising(exc):
    def behave(*args, **kwargs):
        raise exc
    return behave


def remote_for(behaviour, timeout_s: float = 0.3) -> Remote:
    return Remote({"billing": Proxy(behaviour)}, timeout_s)


def test_remote_propdesk_errors_come_back_as_themselves():
    problems = json.dumps([{"field": "amount", "rule": "positive_amount", "message": "a payment is positive"}])
    with pytest.raises(ValidationError) as err:
        remote_for(raising(RemoteError("ValidationError", problems))).call("billing", "record_payment", {})
    assert err.value.problems == [Problem("amount", "positive_amount", "a payment is positive")]
    for name, cls in (("Forbidden", Forbidden), ("NotFound", NotFound), ("Conflict", Conflict)):
        with pytest.raises(cls, match="the reason"):
            remote_for(raising(RemoteError(name, "the reason"))).call("billing", "get_balance", "1-1-702")


def test_a_validation_error_without_readable_problems_still_names_a_field():
    with pytest.raises(ValidationError) as err:
        remote_for(raising(RemoteError("ValidationError", "not json"))).call("billing", "get_balance", "x")
    assert err.value.problems == [Problem("_schema", "invalid", "not json")]


def test_any_other_remote_error_is_a_500_naming_the_service_but_not_the_detail():
    with pytest.raises(ServiceFailed) as err:
        remote_for(raising(RemoteError("KeyError", "'secret column'"))).call("billing", "get_balance", "x")
    status, body = error_status_and_body(err.value)
    assert status == 500 and body["service"] == "billing" and "secret" not in json.dumps(body)
    with pytest.raises(ServiceFailed):
        remote_for(raising(MethodNotFound("get_balanse"))).call("billing", "get_balanse", "x")


@pytest.mark.parametrize("exc", [UnknownService("billing"), OperationalError("[Errno 111] Connection refused"),
                                 ConnectionRefusedError(111, "refused")])
def test_a_service_not_running_or_the_broker_down_is_503(exc):
    with pytest.raises(ServiceUnavailable) as err:
        remote_for(raising(exc)).call("billing", "get_balance", "x")
    assert error_status_and_body(err.value)[0] == 503


def test_a_call_past_the_timeout_is_504_and_other_timeouts_are_not_swallowed():
    with pytest.raises(ServiceTimeout) as err:
        remote_for(lambda *a: eventlet.sleep(5)).call("billing", "get_balance", "x")
    assert err.value.service == "billing" and "0.3 s" in str(err.value)

    def inner_timeout(*args):
        with eventlet.Timeout(0.01):
            eventlet.sleep(1)

    with pytest.raises(eventlet.Timeout):  # not ours: passed through, not reported as the service's
        remote_for(inner_timeout, timeout_s=5).call("billing", "get_balance", "x")


def test_gather_runs_calls_together_and_hands_back_failures():
    remote = Remote({"billing": Proxy(lambda unit: {"unit_id": unit}),
                     "reports": Proxy(raising(RemoteError("NotFound", "no case")))}, 1.0)
    ok, missing = remote.gather(Call("billing", "get_balance", ("1-1-702",)), Call("reports", "timeline", ("MO-1",)))
    assert ok == {"unit_id": "1-1-702"}
    assert isinstance(missing, NotFound)


@pytest.mark.parametrize("raised, field, rule", [
    (Conflict("key k-1 was used for another request", field="idempotency_key", rule="reused_with_different_request"),
     "idempotency_key", "reused_with_different_request"),
    (NotFound("no unit 9-9-999", field="unit_id", rule="exists"), "unit_id", "exists"),
    (Forbidden("role security may not do this", field="actor.role", rule="role_not_allowed"),
     "actor.role", "role_not_allowed"),
    (Conflict("the record's state does not allow this"), "_state", "state_allows"),  # the defaults
    (NotFound("no such record"), "_path", "exists"),
    (Forbidden("no"), "actor.role", "role_not_allowed"),
])
def test_a_rejection_names_its_field_and_rule_after_crossing_rpc(raised, field, rule):
    """nameko carries the class name and str(exc); the field and rule come back from it."""
    remote = Remote({"billing": Raising(RemoteError(type(raised).__name__, str(raised)))}, timeout_s=2)
    with pytest.raises(type(raised)) as err:
        remote.call("billing", "anything")
    status, body = error_status_and_body(err.value)
    assert (body["field"], body["rule"], body["message"]) == (field, rule, raised.message)
    assert status == raised.http_status


class Raising:
    """A stand-in proxy whose every method raises `exc`."""

    def __init__(self, exc: Exception):
        self.exc = exc

    def __getattr__(self, name):
        def method(*args, **kwargs):
            raise self.exc
        return method


def test_a_failure_outside_a_route_is_answered_in_json_too():
    """nameko answers an exception that escapes the route (the container shutting down, a dependency
    that could not be injected) with a text/plain line; the gateway's @http answers JSON."""
    from nameko.exceptions import ContainerBeingKilled

    from propdesk_services.gateway.service import JsonHttpRequestHandler

    handler = JsonHttpRequestHandler("GET", "/api/units")
    r = handler.response_from_exception(ContainerBeingKilled())
    assert (r.status_code, r.mimetype) == (503, "application/json")
    assert json.loads(r.get_data()) == {
        "error": "unavailable", "service": "gateway",
        "message": "gateway is unavailable: the gateway is shutting down; try again shortly"}
    r = handler.response_from_exception(KeyError("secret column"))
    assert (r.status_code, r.mimetype) == (500, "application/json")
    assert json.loads(r.get_data())["error"] == "internal" and "secret" not in r.get_data(as_text=True)


def test_a_department_that_is_not_installed_is_503_naming_it():
    """The departments are the discovered services; one without an entry point is not there."""
    with pytest.raises(ServiceUnavailable) as err:
        Remote({}, timeout_s=1).call("billing", "get_balance", "1-1-702")
    status, body = error_status_and_body(err.value)
    assert (status, body["service"]) == (503, "billing") and "not installed" in body["message"]
