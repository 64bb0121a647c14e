"""gateway: the staff desk (物业客服台) — one page and a JSON API over the departments' RPC.

Thin on purpose: each route hands its request to a function in `api.py`, and every exception,
whether the edge's own rejection or a department's, becomes its HTTP answer in one place
(`errors.error_status_and_body`). The gateway has no database and emits no events; it talks to
the departments by RPC only (conventions §1, §3.6).

Who is acting is proven here (`auth.py`): every request finds its principal from the session
cookie or a Bearer API token (`Authentication` binds the authenticator to the request); every
route under /api/ but the OpenAPI document answers 401 without one, and a cookie-authenticated
command needs its CSRF token (`_answer`).
"""
from __future__ import annotations

from nameko.exceptions import ContainerBeingKilled
from nameko.extensions import DependencyProvider
from nameko.rpc import ReplyListener, ServiceProxy
from nameko.web.handlers import HttpRequestHandler

from propdesk import plugins
from propdesk.chassis.service import PropdeskService
from propdesk.config import Settings
from propdesk.contracts import rpc
from propdesk.errors import NotFound
from propdesk_services.gateway import api, auth, records_api, schemas
from propdesk_services.gateway.errors import ServiceUnavailable, error_response, json_response
from propdesk_services.gateway.openapi import ANY_COMMAND, build_spec, endpoint, fallback, http_routes
from propdesk_services.gateway.remote import Remote
from propdesk_services.gateway.desk.pages import DeskPages

class JsonHttpRequestHandler(HttpRequestHandler):
    """nameko's `@http`, answering a failure outside the route's own handling (the container
    shutting down, a dependency that could not be injected) in JSON too, through the one mapping;
    nameko's own answer is a text/plain line."""

    def response_from_exception(self, exc):
        if isinstance(exc, ContainerBeingKilled):
            exc = ServiceUnavailable("gateway", "the gateway is shutting down; try again shortly")
        return error_response(exc)


http = JsonHttpRequestHandler.decorator

#: Every method, for the routes that answer what no endpoint takes.
ANY_METHOD = "GET,HEAD,POST,PUT,PATCH,DELETE,OPTIONS"


class Departments(DependencyProvider):
    """The departments the desk calls: every service `propdesk.plugins` discovers (the
    `propdesk.services` entry points) but the gateway itself, each as a nameko `ServiceProxy` on
    the container's one RPC reply queue (what an `RpcProxy` attribute per department would give,
    without a list of them here). A new department is callable once its entry point is installed."""

    rpc_reply_listener = ReplyListener()

    @staticmethod
    def names(own: str) -> tuple[str, ...]:
        return tuple(name for name in plugins.service_names() if name != own)

    def setup(self):
        self.departments = self.names(self.container.service_name)

    def get_dependency(self, worker_ctx) -> dict[str, ServiceProxy]:
        return {name: ServiceProxy(worker_ctx, name, self.rpc_reply_listener) for name in self.departments}


class EdgeSettings(DependencyProvider):
    """The process settings (RPC timeout), read once when the container starts."""

    def setup(self):
        self.settings = self.container.config.get("PROPDESK") or Settings.from_env()

    def get_dependency(self, worker_ctx):
        return self.settings


class GatewayService(DeskPages, PropdeskService):
    name = "gateway"
    http_port = 8000

    settings = EdgeSettings()
    departments = Departments()
    authentication = auth.Authentication()

    def _answer(self, handler, request, public: bool = False, **path):
        """A JSON endpoint: who is acting first (401 without a session or token; a command by
        cookie without its CSRF token 403, or by a session that must change its password first 403),
        then the handler; any failure through the one mapping."""
        remote = Remote(self.departments, self.settings.rpc_timeout_s)
        try:
            if not public:
                principal = auth.require_principal(request)
                auth.check_csrf(request, principal)
                auth.check_password_changed(request, principal)  # an admin set it: no command until changed
                remote = remote.acting_for(principal, request)  # the person's estates with every call
            status, body, *headers = handler(remote, request, **path)
        except NotFound as exc:  # the record the path names, unless the department said which
            if exc.field is None and len(path) == 1:
                exc = NotFound(exc.message, field=next(iter(path)), rule="exists")
            return error_response(exc, request)
        except Exception as exc:  # every failure is answered by the one mapping
            return error_response(exc, request)
        return json_response(body, status, headers[0] if headers else None)

    # --- the pages: the staff desk is DeskPages (desk/pages.py), from / ------------------------

    # --- signing in and out (auth.py) ---------------------------------------------------------
    @http("GET", "/sign-in")
    def sign_in_page(self, request):
        return self._page(auth.sign_in_page, request)

    @http("POST", "/sign-in")
    def sign_in(self, request):
        return self._page(auth.sign_in, request)

    @http("POST", "/sign-out")
    def sign_out(self, request):
        return self._page(auth.sign_out, request)

    @http("POST", "/lang")
    def set_lang(self, request):
        return self._page(auth.set_lang, request)

    def _page(self, handler, request):
        """A page route: its own answer, or a failure through the one mapping (JSON)."""
        try:
            return handler(request)
        except Exception as exc:
            return error_response(exc, request)

    # --- units and fees -----------------------------------------------------------------------
    @http("GET", "/api/units")
    @endpoint("Units, with their arrears (在租单元/欠费)", tag="units", response=schemas.UnitListSchema,
              query=schemas.UnitsQuerySchema)
    def list_units(self, request):
        """Units from residents (`?leased=1`: only let units), each with `outstanding` from billing."""
        return self._answer(api.list_units, request)

    @http("GET", "/api/units/<unit_id>/balance")
    @endpoint("A unit's fee balance (费用余额)", tag="fees", response=rpc.BalanceSchema, errors=(404,))
    def get_balance(self, request, unit_id):
        return self._answer(api.get_balance, request, unit_id=unit_id)

    @http("POST", "/api/payments")
    @endpoint("Record a payment (收费)", tag="fees", status=201, response=rpc.PaymentResultSchema,
              body=schemas.PaymentRequestSchema, command=("billing", "record_payment"), errors=(403, 404, 409))
    def record_payment(self, request):
        """Finance or the front desk takes a payment; billing answers with the new balance."""
        return self._answer(api.record_payment, request)

    # --- move-outs ----------------------------------------------------------------------------
    @http("GET", "/api/move-outs")
    @endpoint("Move-out cases (租户撤场)", tag="move-outs", response=schemas.MoveOutListSchema,
              query=schemas.MoveOutsQuerySchema)
    def list_move_outs(self, request):
        return self._answer(api.list_move_outs, request)

    @http("POST", "/api/move-outs")
    @endpoint("Request a tenant move-out (租户撤场申请)", tag="move-outs", status=201,
              response=rpc.MoveOutSchema, body=schemas.MoveOutRequestSchema,
              command=("residents", "request_move_out"), errors=(403, 404, 409))
    def request_move_out(self, request):
        """The desk files the owner-approved application; residents opens the case."""
        return self._answer(api.request_move_out, request)

    @http("GET", "/api/move-outs/<move_out_id>")
    @endpoint("One move-out case with its fee status, timeline, release slip, work order, messages and balance",
              tag="move-outs",
              response=schemas.CaseDetailSchema, errors=(404,))
    def get_move_out(self, request, move_out_id):
        return self._answer(api.get_move_out, request, move_out_id=move_out_id)

    @http("POST", "/api/move-outs/<move_out_id>/inspection")
    @endpoint("Record the move-out inspection (单元验收)", tag="move-outs", response=rpc.WorkOrderSchema,
              body=schemas.InspectionResultSchema, command=("tickets", "record_inspection"), errors=(403, 404, 409))
    def record_inspection(self, request, move_out_id):
        """Engineering records whether the unit passed, and the defects found."""
        return self._answer(api.record_inspection, request, move_out_id=move_out_id)

    @http("POST", "/api/move-outs/<move_out_id>/supply-cut")
    @endpoint("Read the meters and cut the supply (抄表并断水断电)", tag="move-outs", response=rpc.WorkOrderSchema,
              body=schemas.SupplyCutRequestSchema, command=("tickets", "record_supply_cut"), errors=(403, 404, 409))
    def record_supply_cut(self, request, move_out_id):
        """Engineering records the final meter readings as of the exit and the supplies it cut, once per
        move-out (METERS_READ_AND_CUT): billing bills the readings and only then decides a metered
        unit's fee check. Each broken rule is named per row, e.g. supplies[0].reading/required."""
        return self._answer(api.record_supply_cut, request, move_out_id=move_out_id)

    @http("POST", "/api/move-outs/<move_out_id>/withdraw")
    @endpoint("Withdraw a move-out before its release is approved (撤回撤场申请)", tag="move-outs",
              response=rpc.MoveOutSchema, body=schemas.WithdrawRequestSchema,
              command=("residents", "withdraw_move_out"), errors=(403, 404, 409))
    def withdraw_move_out(self, request, move_out_id):
        """Customer service closes an application that will not go on, with the reason: engineering
        cancels the inspection and security drops the hold. Withdrawing twice changes nothing."""
        return self._answer(api.withdraw_move_out, request, move_out_id=move_out_id)

    @http("POST", "/api/move-outs/<move_out_id>/archive")
    @endpoint("Archive a move-out once the goods are released (归档)", tag="move-outs", response=rpc.MoveOutSchema,
              command=("residents", "archive_move_out"), errors=(403, 404, 409))
    def archive_move_out(self, request, move_out_id):
        """Customer service files every exit document and reports the exit to the owner; the unit may
        start a new move-out. The body may be empty."""
        return self._answer(api.archive_move_out, request, move_out_id=move_out_id)

    @http("POST", "/api/release-slips/<slip_no>/release")
    @endpoint("Release the goods at the gate (物品放行)", tag="move-outs", response=rpc.ReleaseSlipSchema,
              command=("access", "release_at_gate"), errors=(403, 404, 409))
    def release_at_gate(self, request, slip_no):
        """Security checks the goods against the slip and lets them out. The body may be empty."""
        return self._answer(api.release_at_gate, request, slip_no=slip_no)

    # --- every department's records, commands and queries, generically (records_api.py) --------
    @http("GET", "/api/records")
    @endpoint("Every department's record kinds the caller may list (记录种类)", tag="records",
              response=records_api.KindListSchema)
    def api_records(self, request):
        """From each department's ``describe_records``: what GET /api/{service}/{kind} lists."""
        return self._answer(records_api.list_kinds, request)

    @http("GET", "/api/<service>/<kind>")
    @endpoint("A department's records of one kind (its list query)", tag="records",
              response=records_api.RecordListSchema, errors=(403, 404), path_choices={"service": records_api.departments})
    @records_api.generic
    def api_record_list(self, request, service, kind):
        """The query string is the list query's arguments (the kind's ``filters`` in GET /api/records);
        the department checks each value (400 naming the field and the rule)."""
        return self._answer(records_api.list_records, request, service=service, kind=kind)

    @http("GET", "/api/<service>/<kind>/<record_id>")
    @endpoint("One record (its get query) and the actions allowed on it now", tag="records",
              response=records_api.RecordSchema, errors=(403, 404), path_choices={"service": records_api.departments})
    @records_api.generic
    def api_record(self, request, service, kind, record_id):
        """Another estate's record is 404, as an unknown one; ``allowed_actions``: the commands the
        department allows now for any of the caller's roles (POST /api/{service}/commands/{command})."""
        return self._answer(records_api.get_record, request, service=service, kind=kind, record_id=record_id)

    @http("GET", "/api/<service>/commands")
    @endpoint("A department's commands and their request fields (describe_commands)", tag="records",
              response=records_api.CommandListSchema, errors=(404,), path_choices={"service": records_api.departments})
    @records_api.generic
    def api_commands(self, request, service):
        return self._answer(records_api.list_commands, request, service=service)

    @http("POST", "/api/<service>/commands/<command>")
    @endpoint("Give any command of a department (its describe_commands)", tag="records", status=(201, 200),
              response=records_api.ANY_ANSWER, body=records_api.ANY_OBJECT, command=ANY_COMMAND, errors=(403, 404, 409),
              path_choices={"service": records_api.departments})
    @records_api.generic
    def api_command(self, request, service, command):
        """The body is the command's request (its fields: GET /api/{service}/commands); 201 with
        ``Location`` for a command that creates a record, else 200; the department's answer."""
        return self._answer(records_api.give_command, request, service=service, command=command)

    @http("GET", "/api/<service>/queries/<query>")
    @endpoint("Ask any query of a department (not a command)", tag="records", response=records_api.ANY_ANSWER,
              errors=(403, 404), path_choices={"service": records_api.departments})
    @records_api.generic
    def api_query(self, request, service, query):
        """The query string is the query's arguments, e.g. GET /api/tickets/queries/repair_progress?repair_id=..."""
        return self._answer(records_api.run_query, request, service=service, query=query)

    # --- reports, messages, staff -------------------------------------------------------------
    @http("GET", "/api/timeline/<correlation_id>")
    @endpoint("Every event of one business case, in order", tag="reports", response=schemas.TimelineSchema,
              errors=(404,))
    def timeline(self, request, correlation_id):
        return self._answer(api.timeline, request, correlation_id=correlation_id)

    @http("GET", "/api/reports/move-outs")
    @endpoint("Move-out cases counted by state", tag="reports", response=rpc.MoveOutCountsSchema)
    def move_out_counts(self, request):
        return self._answer(api.move_out_counts, request)

    @http("GET", "/api/messages")
    @endpoint("Outbound messages (notify)", tag="messages", response=schemas.MessageListSchema,
              query=schemas.MessagesQuerySchema)
    def list_messages(self, request):
        return self._answer(api.list_messages, request)

    @http("GET", "/api/staff")
    @endpoint("Who is signed in, the roles, and the commands each role may give", tag="staff",
              response=schemas.StaffListSchema)
    def staff(self, request):
        return self._answer(api.staff, request)

    @http(ANY_METHOD, "/api")
    @http(ANY_METHOD, "/api/")
    @http(ANY_METHOD, "/api/<path:rest>")
    @fallback
    def api_no_route(self, request, rest=None):
        """Whatever no endpoint above takes under /api/: a JSON 404 naming the path or a 405 naming
        the method (werkzeug would answer an HTML page). Specific routes win over this one. Not
        signed in: 401 like every other path under /api/ (which paths exist is for the signed-in)."""
        try:
            auth.require_principal(request)
        except Exception as exc:
            return error_response(exc, request)
        return error_response(api.no_route(_routes(), request), request)

    @http("GET", "/api/openapi.json")
    @endpoint("This document", tag="meta", response={"type": "object"}, public=True)
    def openapi(self, request):
        return self._answer(lambda remote, req: (200, _spec()), request, public=True)


_SPEC: dict = {}
_ROUTES: list = []


def _routes():
    if not _ROUTES:
        _ROUTES.append(records_api.route_map(http_routes(GatewayService), records_api.departments()))
    return _ROUTES[0]


def _spec() -> dict:
    if not _SPEC:
        _SPEC.update(build_spec(GatewayService))
    return _SPEC
