"""The desk's pages: `DeskPages`, a mixin of nameko ``@http`` routes that `GatewayService` inherits.

Server-rendered (Jinja2, `render.render`) with htmx for the parts that change in place: the
case page polls its live part (answered 204 while nothing changed, so a form being typed into is
left alone), a form posted with htmx comes back with its errors in place, the search answers as
one types. Every page works without script too (plain links and form posts).

Nothing is decided in the browser. The routes are thin: who is asking (`auth.current_principal`;
not signed in or the session ended: to the sign-in page, or an ``HX-Redirect`` there for htmx), the
CSRF token of every post (`auth.check_csrf`), then `views.DeskView` asks the departments.

| route                                              | page                                          |
|----------------------------------------------------|-----------------------------------------------|
| GET  /                                             | my work: the queues of my roles, open cases   |
| GET  /search?q=                                    | cases and units by unit, name, phone, number  |
| GET  /dashboard                                    | charts (ECharts)                              |
| GET/POST /move-outs/new?unit_id=                   | register a move-out application               |
| GET  /move-outs/<id>                               | the case: facts, actions allowed, timeline    |
| GET  /move-outs/<id>/live?v=                       | its live part (htmx poll; 204 when unchanged) |
| GET/POST /move-outs/<id>/actions/<service>/<cmd>   | one action's form / giving the command        |
| GET  /move-outs/<id>/release-slip                  | the printable 物品放行条 (A5)                  |
| GET/POST /password[?next=]                         | change one's own password (before anything else |
|                                                    | when an admin set it: must_change_password)   |
| GET  /audit[?actor=&action=&...&before=]           | the audit trail of every department (managers) |
| GET  /audit/export/<csv|xlsx>[?the same filters]   | the same rows as a file                       |
| GET  /records                                      | every department's record kinds (a menu)      |
| GET  /records/<service>/<kind>[?filters&page=]     | a kind's list (records.py)                    |
| GET  /records/<service>/<kind>/<id>                | one record: fields, actions allowed, timeline |
| GET/POST /records/<service>/<kind>/<id>/actions/<cmd> | one action on it (id_field fixed)          |
| GET/POST /records/<service>/<kind>/new/<cmd>       | a create command's form                       |
| GET  /records/<service>/<kind>/<id>/print          | its paper form (A4, signature lines)          |
"""
from __future__ import annotations

import logging
import re
from urllib.parse import quote, urlsplit

from nameko.web.handlers import HttpRequestHandler
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from propdesk.errors import Conflict, Forbidden, NotFound, ValidationError
from propdesk_services.gateway import auth
from propdesk_services.gateway.desk import assets, audit, forms, gate, i18n, words
from propdesk_services.gateway.desk.records import Records
from propdesk_services.gateway.desk.i18n import N_, gettext
from propdesk_services.gateway.desk.render import SECURITY_HEADERS, render
from propdesk_services.gateway.desk.views import MOVE_OUT_RECORDS, DeskView
from propdesk_services.gateway.errors import EdgeError
from propdesk_services.gateway.remote import Remote

log = logging.getLogger("propdesk.gateway.desk")

ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")
NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
NEW_MOVE_OUT = ("residents", "request_move_out")

HEADLINES = {
    400: N_("Please correct the marked fields"),
    403: N_("Not allowed: your role may not do this"),
    404: N_("Not found: the record is not there (any more)"),
    409: N_("Not possible now: the record has moved on"),
    413: N_("Too much text in this form"),
    500: N_("The desk could not complete this"),
    503: N_("A department is not answering: try again shortly"),
    504: N_("A department did not answer in time: try again shortly"),
}
STALE_PAGE = N_("This page is out of date: reload it and try again")
#: What the password page says for each rule staff's change_password (or the page itself) names.
PASSWORD_WORDS = {
    "required": N_("Required"),
    "not_the_same": N_("The two new passwords are not the same"),
    "wrong_password": N_("The current password is not right"),
    "min_length": N_("At least %(n)s characters"),
    "length": N_("At most %(n)s characters"),
    "not_username": N_("The password may not be your username"),
    "same_as_current": N_("Choose a password other than the current one"),
    "locked_out": N_("Too many failed attempts: this username is locked for a while"),
}
KEY_REUSED = N_("This form was already sent with other values: reload the page")


class PageHandler(HttpRequestHandler):
    """nameko's `@http` for pages: a failure outside a page's own handling is a short HTML page
    (nameko's own answer is a text/plain line), the trace in the log."""

    def response_from_exception(self, exc):
        log.error("desk page failed", exc_info=exc)
        return Response("<!doctype html><meta charset=utf-8><title>500</title><p>The desk could not show this page; "
                        "see the gateway's log. 页面出错，请查看网关日志。</p>", status=500, headers=SECURITY_HEADERS,
                        content_type="text/html; charset=utf-8")


page = PageHandler.decorator


def is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def redirect_to(request, location: str) -> Response:
    """303 to `location`, or for htmx an ``HX-Redirect`` (a redirect the XHR followed would be
    swapped into the page)."""
    if is_htmx(request):
        return Response("", status=200, headers={"HX-Redirect": location, "Cache-Control": "no-store"})
    return Response("", status=303, headers={"Location": location, "Cache-Control": "no-store"})


def refusal_of(exc: BaseException) -> tuple[int, str, str]:
    """(status, headline msgid, detail) of a failure shown at the top of a form or page."""
    if isinstance(exc, auth.CsrfRefused):
        return 403, STALE_PAGE, ""
    if isinstance(exc, Forbidden):
        return 403, HEADLINES[403], exc.message
    if isinstance(exc, NotFound):
        return 404, HEADLINES[404], exc.message
    if isinstance(exc, Conflict):
        if exc.rule == "reused_with_different_request":
            return 409, KEY_REUSED, exc.message
        return 409, HEADLINES[409], exc.message
    if isinstance(exc, RequestEntityTooLarge):
        return 413, HEADLINES[413], ""
    if isinstance(exc, EdgeError):
        status = exc.status if exc.status in HEADLINES else 500
        return status, HEADLINES[status], str(exc)
    log.error("desk: unexpected failure", exc_info=exc)
    return 500, HEADLINES[500], ""


class DeskPages:
    """The staff desk's routes (mixed into `GatewayService`, which brings `departments` and
    `settings`)."""

    # --- the frame every page goes through -------------------------------------------------------
    def _desk(self, request, handler, *, password_page: bool = False, **kw) -> Response:
        principal = auth.current_principal(request)
        if principal is None:
            return self._desk_to_sign_in(request)
        if principal.must_change_password and not password_page:
            return self._desk_to_password(request)
        lang = i18n.lang_of(request, principal)
        view = DeskView(Remote(self.departments, self.settings.rpc_timeout_s).acting_for(principal, request),
                        principal, lang)
        try:
            if request.method == "POST":
                auth.form(request)
                auth.check_csrf(request, principal)
            return handler(request, view, **kw)
        except Exception as exc:  # a page that cannot be shown: say why, in the person's words
            status, headline, detail = refusal_of(exc)
            return render(request, "error.html", status=status, principal=principal,
                          headline=gettext(lang, headline), detail=detail)

    @staticmethod
    def _desk_to_sign_in(request) -> Response:
        """auth.py's way to the sign-in page (303; the stale cookie dropped). An htmx request (a
        poll, a form) gets ``HX-Redirect`` instead, back to the page the browser shows
        (``HX-Current-URL``), not to the fragment it asked for."""
        response = auth.to_sign_in(request)
        if not is_htmx(request):
            return response
        current = urlsplit(request.headers.get("HX-Current-URL", ""))
        back = auth.safe_next((current.path or "/") + (f"?{current.query}" if current.query else ""))
        location = f"{auth.SIGN_IN_PATH}?next={quote(back, safe='/')}"
        if "ended=1" in response.headers.get("Location", ""):
            location += "&ended=1"
        response.status_code = 200
        del response.headers["Location"]
        response.headers["HX-Redirect"] = location
        return response

    @staticmethod
    def _desk_to_password(request) -> Response:
        """A person whose password an admin set goes to /password first, then back to this page
        (for htmx, the page the browser shows)."""
        if is_htmx(request):
            current = urlsplit(request.headers.get("HX-Current-URL", ""))
            back = (current.path or "/") + (f"?{current.query}" if current.query else "")
        else:
            back = request.full_path.rstrip("?") if request.method == "GET" else "/"
        back = auth.safe_next(back)
        if urlsplit(back).path == auth.PASSWORD_PATH:
            back = "/"
        return redirect_to(request, f"{auth.PASSWORD_PATH}?next={quote(back, safe='/')}")

    def _desk_page(self, request, view, template: str, status: int = 200, **ctx) -> Response:
        return render(request, template, status=status, principal=view.principal, **ctx)

    # --- files ----------------------------------------------------------------------------------
    @page("GET", "/static/vendor/<path:path>")
    def desk_vendor_file(self, request, path):
        return assets.vendor_response(path)

    @page("GET", "/static/desk/<name>")
    def desk_static_file(self, request, name):
        return assets.desk_response(name)

    # --- my work --------------------------------------------------------------------------------
    @page("GET", "/")
    def desk_home(self, request):
        return self._desk(request, self._desk_home)

    def _desk_home(self, request, view):
        try:
            queues, open_cases = view.queues()
        except (EdgeError, ConnectionError) as exc:  # residents down: the other departments' queues still show
            queues, open_cases = [], []
            view.unavailable.append(getattr(exc, "service", "residents"))
        theirs = Records(view).queues()
        # the departments' queues with something in them (or not answering) first: those with an
        # overdue item, then those with the person's own items, then by their oldest item; each
        # shows its first HOME_ITEMS items and links to the whole queue; the empty ones are named
        # in one line below
        busy = sorted((q for q in theirs if q.items or q.unavailable),
                      key=lambda q: (not any(i.overdue for i in q.items), not any(i.mine for i in q.items),
                                     min((i.since or "" for i in q.items), default="~")))
        quiet = [q for q in theirs if not (q.items or q.unavailable)]
        queues = queues + busy
        template = "_queues.html" if is_htmx(request) and request.headers.get("HX-Target") == "queues" else "home.html"
        may_request = view.principal.actor_for(*NEW_MOVE_OUT) is not None
        return self._desk_page(request, view, template, nav="queue", queues=queues, quiet=quiet, open_cases=open_cases,
                          may_request=may_request, today=view.today.isoformat(), unavailable=view.unavailable)

    # --- search ---------------------------------------------------------------------------------
    @page("GET", "/search")
    def desk_search(self, request):
        return self._desk(request, self._desk_search)

    def _desk_search(self, request, view):
        found = view.search(request.args.get("q", ""))
        recs = Records(view)
        found["records"] = recs.search(found["q"])
        found["for_units"] = recs.for_units() if found["units"] else []
        template = "_search_results.html" if is_htmx(request) and request.headers.get("HX-Target") == "results" \
            else "search.html"
        return self._desk_page(request, view, template, nav="search", found=found,
                          may_request=view.principal.actor_for(*NEW_MOVE_OUT) is not None,
                          unavailable=sorted(set(view.unavailable)))

    # --- dashboard ------------------------------------------------------------------------------
    @page("GET", "/dashboard")
    def desk_dashboard(self, request):
        return self._desk(request, lambda req, view: self._desk_page(req, view, "dashboard.html", nav="dashboard",
                                                                **view.dashboard()))

    # --- one's own password --------------------------------------------------------------------
    @page("GET", "/password")
    @page("POST", "/password")
    def desk_password(self, request):
        return self._desk(request, self._desk_password, password_page=True)

    def _desk_password(self, request, view):
        """Change one's own password with staff's public ``change_password`` (the session token
        and the current password are the proof; no idempotency key: it carries a secret)."""
        principal = view.principal
        if principal.kind != "session":
            raise Forbidden("an API token has no password to change", field="password", rule="session_only")
        fields = request.form if request.method == "POST" else request.args
        next_path = auth.safe_next(fields.get("next"))
        if urlsplit(next_path).path == auth.PASSWORD_PATH:
            next_path = "/"
        ctx = {"next": next_path, "forced": principal.must_change_password, "errors": {}, "nav": None}
        if request.method == "GET":
            return self._desk_page(request, view, "password.html", **ctx)
        current, new, again = (fields.get(name) or "" for name in ("current_password", "new_password",
                                                                  "new_password_again"))
        errors = ctx["errors"]
        if not current:
            errors["current_password"] = view.t(PASSWORD_WORDS["required"])
        if not new:
            errors["new_password"] = view.t(PASSWORD_WORDS["required"])
        elif new != again:
            errors["new_password_again"] = view.t(PASSWORD_WORDS["not_the_same"])
        if errors:
            return self._desk_page(request, view, "password.html", status=400, **ctx)
        token = auth.session_token(request)
        if token is None:
            return self._desk_to_sign_in(request)
        try:
            view.remote.call("staff", "change_password", {"token": token, "current_password": current,
                                                          "new_password": new, **auth.client_of(request)},
                             actor=None)
        except ValidationError as err:
            for p in err.problems:
                words_of = PASSWORD_WORDS.get(p.rule)
                n = re.search(r"\d+", p.message or "")
                text = view.t(words_of, n=n.group(0) if n else "") if words_of else p.message
                errors.setdefault(p.field if p.field in ("current_password", "new_password") else "_form", text)
            locked = any(p.rule == "locked_out" for p in err.problems)
            return self._desk_page(request, view, "password.html", status=429 if locked else 400, **ctx)
        except NotFound:  # the session ended meanwhile (signed out elsewhere, expired)
            return self._desk_to_sign_in(request)
        return redirect_to(request, next_path)

    # --- the audit trail (managers, directors, admins) -----------------------------------------
    @page("GET", "/audit")
    def desk_audit(self, request):
        return self._desk(request, self._desk_audit)

    def _desk_audit(self, request, view):
        audit.require_reader(view.principal)
        filters = audit.Filters.from_args(request.args, view.remote.proxies, view.lang)
        try:
            ctx = audit.page(view, filters)
        except ValidationError as err:  # a department refused a filter: shown at the form
            for p in err.problems:
                filters.problems.setdefault(audit.FORM_FIELD.get(p.field, p.field), p.message)
            ctx = audit.page(view, filters)
        return self._desk_page(request, view, "audit.html", status=400 if filters.problems else 200, nav="audit",
                               **ctx)

    @page("GET", "/audit/export/<fmt>")
    def desk_audit_export(self, request, fmt):
        return self._desk(request, self._desk_audit_export, fmt=fmt)

    def _desk_audit_export(self, request, view, fmt):
        if fmt not in ("csv", "xlsx"):
            raise NotFound(f"no export as {fmt!r}: csv or xlsx")
        audit.require_reader(view.principal)
        try:
            return audit.export(view, audit.Filters.from_args(request.args, view.remote.proxies, view.lang), fmt)
        except ValidationError:  # a filter that does not fit: the page shows it at its field
            query = request.query_string.decode("latin-1")
            return redirect_to(request, "/audit" + (f"?{query}" if query else ""))

    # --- a new move-out -------------------------------------------------------------------------
    @page("GET", "/move-outs/new")
    @page("POST", "/move-outs/new")
    def desk_new_move_out(self, request):
        return self._desk(request, self._desk_new_move_out)

    def _desk_new_move_out(self, request, view):
        service, command = NEW_MOVE_OUT
        spec = view.describe(service).get(command)
        if spec is None:
            raise NotFound(f"{service} has no command {command}")
        title = words.action_title(service, command, spec, view.lang)
        if view.principal.actor_for(service, command) is None and request.method == "GET":
            raise Forbidden(f"none of your roles ({', '.join(view.principal.roles)}) may {service}.{command}",
                            field="actor.role", rule="role_not_allowed")
        if request.method == "GET":
            values = {}
            unit_id = request.args.get("unit_id", "").strip()
            if unit_id and ID.match(unit_id):
                values["unit_id"] = unit_id
                try:
                    unit = view.remote.call("residents", "get_unit", unit_id)
                    values["tenant_party_id"] = unit.get("tenant_party_id") or ""
                except (NotFound, ValidationError):
                    pass
            form = forms.build(service, command, spec, lang=view.lang, title=title, action="/move-outs/new",
                               values=values)
            return self._desk_page(request, view, "action.html", form=form, case=None, nav=None)
        body, shown = forms.request_of(spec, request.form)
        form = forms.build(service, command, spec, lang=view.lang, title=title, action="/move-outs/new",
                           values=shown, key=forms.posted_key(request.form))
        try:
            case = self._desk_give(view, service, command, spec, body, request.form)
        except ValidationError as err:
            return self._desk_form_answer(request, view, form.with_problems(err.problems, view.lang), None)
        except (Forbidden, NotFound, Conflict, EdgeError) as exc:
            status, headline, detail = refusal_of(exc)
            return self._desk_form_answer(request, view, form.with_refusal(status, gettext(view.lang, headline), detail), None)
        return redirect_to(request, f"/move-outs/{quote(case['move_out_id'])}?done={service}.{command}")

    # --- the case -------------------------------------------------------------------------------
    @page("GET", "/move-outs/<move_out_id>")
    def desk_move_out(self, request, move_out_id):
        return self._desk(request, self._desk_move_out, move_out_id=move_out_id)

    def _desk_move_out(self, request, view, move_out_id):
        data = view.move_out(self._desk_id(move_out_id))
        done = request.args.get("done", "")
        done_title = None
        if done.count(".") == 1:
            svc, cmd = done.split(".")
            if NAME.match(svc) and NAME.match(cmd):
                done_title = words.action_title(svc, cmd, None, view.lang)
        return self._desk_page(request, view, "move_out.html", nav=None, done=done_title, **data)

    @page("GET", "/move-outs/<move_out_id>/live")
    def desk_move_out_live(self, request, move_out_id):
        return self._desk(request, self._desk_move_out_live, move_out_id=move_out_id)

    def _desk_move_out_live(self, request, view, move_out_id):
        data = view.move_out(self._desk_id(move_out_id))
        if request.args.get("v") == data["version"]:
            return Response("", status=204, headers={"Cache-Control": "no-store"})
        return self._desk_page(request, view, "_move_out_live.html", **data)

    @page("GET", "/move-outs/<move_out_id>/release-slip")
    def desk_release_slip(self, request, move_out_id):
        return self._desk(request, self._desk_slip, move_out_id=move_out_id)

    def _desk_slip(self, request, view, move_out_id):
        case, hold = view.slip(self._desk_id(move_out_id))
        names = view.names()
        try:  # the code the guard scans at the gate (access signs it); a slip prints without one if access cannot say
            qr = view.remote.call("access", "release_slip_qr", hold["slip"]["slip_no"])
        except Exception:  # noqa: BLE001 - the slip itself is what must print
            qr = None
        return self._desk_page(request, view, "slip.html", case=case, hold=hold, slip=hold["slip"], qr=qr,
                          requested_by=names.get(case.get("requested_by")) or case.get("requested_by"),
                          released_by=names.get(hold["slip"].get("released_by")) or hold["slip"].get("released_by"))

    # --- the actions on a case ------------------------------------------------------------------
    @page("GET", "/move-outs/<move_out_id>/actions/<service>/<command>")
    @page("POST", "/move-outs/<move_out_id>/actions/<service>/<command>")
    def desk_move_out_action(self, request, move_out_id, service, command):
        return self._desk(request, self._desk_action, move_out_id=move_out_id, service=service, command=command)

    def _desk_action(self, request, view, move_out_id, service, command):
        move_out_id = self._desk_id(move_out_id)
        if service not in {s for s, _, _ in MOVE_OUT_RECORDS} or not NAME.match(command) \
                or command not in view.describe(service):
            raise NotFound(f"a move-out has no action {service}.{command}")
        case = view.case(move_out_id)
        action = f"/move-outs/{quote(move_out_id)}/actions/{service}/{command}"
        if request.method == "GET":
            records = [(s, t, case.get(k)) for s, t, k in MOVE_OUT_RECORDS if s == service]
            if (service, command) not in view.allowed(records):
                raise Forbidden(gettext(view.lang, "%(action)s is not among what you may do on %(id)s now",
                                        action=words.action_title(service, command, None, view.lang), id=move_out_id),
                                field="actor.role", rule="not_allowed_now")
            form = view.action_form(service, command, case, action)
            return self._desk_page(request, view, "action.html", form=form, case=case)
        spec = view.describe(service)[command]
        body, shown = forms.request_of(spec, request.form, view.fixed_of(service, command, case))
        form = view.action_form(service, command, case, action, values=shown, key=forms.posted_key(request.form))
        try:
            self._desk_give(view, service, command, spec, body, request.form)
        except ValidationError as err:
            return self._desk_form_answer(request, view, form.with_problems(err.problems, view.lang), case)
        except (Forbidden, NotFound, Conflict, EdgeError) as exc:
            status, headline, detail = refusal_of(exc)
            return self._desk_form_answer(request, view, form.with_refusal(status, gettext(view.lang, headline), detail), case)
        return redirect_to(request, f"/move-outs/{quote(move_out_id)}?done={service}.{command}")

    def _desk_give(self, view, service: str, command: str, spec: dict, body: dict, posted):
        """Give the command as the person: the first of their roles the policy lets give it; when
        none may, their first role, so that the department refuses it (403) and audits the attempt."""
        principal = view.principal
        actor = principal.actor_for(service, command)
        if actor is None:
            if not principal.roles:
                raise Forbidden("you have no role", field="actor.role", rule="role_not_allowed")
            actor = {"id": principal.id, "role": principal.roles[0]}
        extras = {}
        key = forms.posted_key(posted)
        if key is not None and not spec.get("keyless"):
            extras["idempotency_key"] = key
        return view.remote.call(service, command, body, actor=actor, **extras)

    def _desk_form_answer(self, request, view, form, case) -> Response:
        """A form with its errors: just the form for htmx (it replaces itself), else its page."""
        template = "_form.html" if is_htmx(request) else "action.html"
        return self._desk_page(request, view, template, status=form.status or 400, form=form, case=case)

    @staticmethod
    def _desk_id(value: str) -> str:
        if not ID.match(value or ""):
            raise NotFound(f"no record {value!r}")
        return value

    # --- the gate (gate.py): scan or type a slip, release or refuse the goods ------------------------
    @page("GET", "/gate")
    @page("GET", "/gate/scan")
    def desk_gate(self, request):
        return self._desk(request, self._desk_gate)

    def _desk_gate(self, request, view, token=None, slip_no=None, problem=None, status=200):
        token = request.args.get("t") if token is None else token
        slip_no = request.args.get("slip") if slip_no is None else slip_no
        try:
            check = gate.look_up(view, token, slip_no)
        except (ValidationError, NotFound):
            check = {"genuine": False, "usable": False, "reason": "unknown_slip", "slip": None}
        may = {c: view.principal.actor_for("access", c) is not None for c in ("release_at_gate", "refuse_at_gate")}
        return self._desk_page(request, view, "gate.html", status=status, nav="gate", check=check,
                               token=token or "", typed=slip_no or "", may=may, done=request.args.get("done"),
                               why_not=gate.why_not(check.get("reason") if check else None, view.lang),
                               problem=problem, key=forms.new_key())

    @page("POST", "/gate/release")
    @page("POST", "/gate/refuse")
    def desk_gate_give(self, request):
        return self._desk(request, self._desk_gate_give)

    def _desk_gate_give(self, request, view):
        command = "release_at_gate" if request.path.endswith("/release") else "refuse_at_gate"
        slip_no = (request.form.get("slip_no") or "").strip()
        body = {"slip_no": slip_no, "checked_items": gate.checked_lines(request.form)} if command == "release_at_gate" \
            else {"slip_no": slip_no, "reason": request.form.get("reason") or None}
        spec = view.describe("access")[command]
        back = f"/gate/scan?t={quote(request.form.get('t') or '')}" if request.form.get("t") \
            else f"/gate?slip={quote(slip_no)}"
        try:
            self._desk_give(view, "access", command, spec, body, request.form)
        except (ValidationError, Forbidden, NotFound, Conflict) as exc:  # said on the gate page, nothing changed
            if isinstance(exc, ValidationError):
                status, problem = 400, "; ".join(p.message for p in exc.problems)
            else:
                status, headline, detail = refusal_of(exc)
                problem = f"{gettext(view.lang, headline)} {detail}".strip()
            return self._desk_gate(request, view, token=request.form.get("t") or "",
                                   slip_no=None if request.form.get("t") else slip_no, problem=problem, status=status)
        return redirect_to(request, f"{back}&done={'released' if command == 'release_at_gate' else 'refused'}")

    @page("GET", "/queues/<service>/<key>")
    def desk_queue(self, request, service, key):
        return self._desk(request, self._desk_queue, service=service, key=key)

    def _desk_queue(self, request, view, service, key):
        """One queue whole, as on the home page but every item (the home page shows the first ones)."""
        self._desk_names(service, key)
        queue = Records(view).queue(service, key)
        return self._desk_page(request, view, "queue.html", nav="queue", queue=queue,
                               unavailable=sorted(set(view.unavailable)))

    # --- every department's records (records.py) -----------------------------------------------
    @page("GET", "/records")
    def desk_records(self, request):
        return self._desk(request, self._desk_records)

    def _desk_records(self, request, view):
        menu = Records(view).menu()
        return self._desk_page(request, view, "records.html", nav="records", menu=menu,
                               unavailable=sorted(set(view.unavailable)))

    @page("GET", "/records/<service>/<kind>")
    def desk_record_list(self, request, service, kind):
        return self._desk(request, self._desk_record_list, service=service, kind=kind)

    def _desk_record_list(self, request, view, service, kind):
        self._desk_names(service, kind)
        data = Records(view).list_page(service, kind, request.args)
        status = 400 if any(f.error for f in data["filters"]) or data["filter_problems"] else 200
        return self._desk_page(request, view, "record_list.html", status=status, nav="records", **data)

    @page("GET", "/records/<service>/<kind>/<record_id>")
    def desk_record(self, request, service, kind, record_id):
        return self._desk(request, self._desk_record, service=service, kind=kind, record_id=record_id)

    def _desk_record(self, request, view, service, kind, record_id):
        self._desk_names(service, kind)
        data = Records(view).record_page(service, kind, self._desk_id(record_id))
        done = request.args.get("done", "")
        done_title = None
        if done and NAME.match(done):
            try:
                spec = view.describe(service).get(done)
            except Exception:  # the department stopped answering meanwhile: its command's name
                spec = None
            done_title = words.action_title(service, done, spec, view.lang)
        return self._desk_page(request, view, "record.html", nav="records", done=done_title, **data)

    @page("GET", "/records/<service>/<kind>/<record_id>/print")
    def desk_record_print(self, request, service, kind, record_id):
        return self._desk(request, self._desk_record_print, service=service, kind=kind, record_id=record_id)

    def _desk_record_print(self, request, view, service, kind, record_id):
        self._desk_names(service, kind)
        data = Records(view).print_page(service, kind, self._desk_id(record_id))
        return self._desk_page(request, view, "record_print.html", nav=None, **data)

    @page("GET", "/records/<service>/<kind>/<record_id>/actions/<command>")
    @page("POST", "/records/<service>/<kind>/<record_id>/actions/<command>")
    def desk_record_action(self, request, service, kind, record_id, command):
        return self._desk(request, self._desk_record_action, service=service, kind=kind, record_id=record_id,
                          command=command)

    def _desk_record_action(self, request, view, service, kind, record_id, command):
        """One action on a record: its form from ``describe_commands`` with the record's id fixed
        (GET only when the department allows it now for one of the person's roles; the post is
        the department's to refuse)."""
        self._desk_names(service, kind, command)
        record_id = self._desk_id(record_id)
        recs = Records(view)
        k = recs.kind(service, kind)
        spec = recs.command_spec(k, command)
        back = k.record_href(record_id)
        action = f"{back}/actions/{quote(command)}"
        title = words.action_title(service, command, spec, view.lang)
        fixed = recs.fixed(k, spec, record_id)
        ctx = {"back": back, "back_label": f"{k.title(view.lang)} {record_id}"}
        if request.method == "GET":
            if command not in recs.allowed(k, record_id):
                raise Forbidden(gettext(view.lang, "%(action)s is not among what you may do on %(id)s now",
                                        action=title, id=record_id), field="actor.role", rule="not_allowed_now")
            record = recs.record(k, record_id)
            number = record.get(k.number_field) if k.number_field else None
            form = forms.build(service, command, spec, lang=view.lang, title=title, action=action, fixed=fixed,
                               shown={name: number or value for name, value in fixed.items()},
                               values=recs.current(spec, record))
            ctx["back_label"] = f"{k.title(view.lang)} {number or record_id}"
            return self._desk_page(request, view, "action.html", form=form, case=None, **ctx)
        body, typed = forms.request_of(spec, request.form, fixed)
        form = forms.build(service, command, spec, lang=view.lang, title=title, action=action, fixed=fixed,
                           values=typed, key=forms.posted_key(request.form))
        try:
            self._desk_give(view, service, command, spec, body, request.form)
        except ValidationError as err:
            return self._desk_record_form(request, view, form.with_problems(err.problems, view.lang), ctx)
        except (Forbidden, NotFound, Conflict, EdgeError) as exc:
            status, headline, detail = refusal_of(exc)
            return self._desk_record_form(request, view, form.with_refusal(status, gettext(view.lang, headline),
                                                                           detail), ctx)
        return redirect_to(request, f"{back}?done={quote(command)}")

    @page("GET", "/records/<service>/<kind>/new/<command>")
    @page("POST", "/records/<service>/<kind>/new/<command>")
    def desk_record_new(self, request, service, kind, command):
        return self._desk(request, self._desk_record_new, service=service, kind=kind, command=command)

    def _desk_record_new(self, request, view, service, kind, command):
        """A create command of the kind (its RECORDS ``create``); GET only for a role that may give
        it. Fields may be filled in from the link (``?unit_id=1-1-702``); after it, the new record."""
        self._desk_names(service, kind, command)
        recs = Records(view)
        k = recs.kind(service, kind)
        if command not in (k.spec.get("create") or ()):
            raise NotFound(f"{service} does not create a {kind} with {command}", field="command", rule="exists")
        spec = recs.command_spec(k, command)
        title = words.action_title(service, command, spec, view.lang)
        action = f"{k.href}/new/{quote(command)}"
        ctx = {"back": k.href, "back_label": k.title(view.lang)}
        if request.method == "GET":
            if not set(spec.get("roles") or ()) & set(view.principal.roles):
                raise Forbidden(f"none of your roles ({', '.join(view.principal.roles) or '-'}) may "
                                f"{service}.{command}", field="actor.role", rule="role_not_allowed")
            names = {f["name"] for f in spec.get("fields", ())}
            values = {name: value.strip()[:200] for name, value in request.args.items()
                      if name in names and value.strip()}
            form = forms.build(service, command, spec, lang=view.lang, title=title, action=action, values=values)
            return self._desk_page(request, view, "action.html", form=form, case=None, **ctx)
        body, typed = forms.request_of(spec, request.form)
        form = forms.build(service, command, spec, lang=view.lang, title=title, action=action, values=typed,
                           key=forms.posted_key(request.form))
        try:
            made = self._desk_give(view, service, command, spec, body, request.form)
        except ValidationError as err:
            return self._desk_record_form(request, view, form.with_problems(err.problems, view.lang), ctx)
        except (Forbidden, NotFound, Conflict, EdgeError) as exc:
            status, headline, detail = refusal_of(exc)
            return self._desk_record_form(request, view, form.with_refusal(status, gettext(view.lang, headline),
                                                                           detail), ctx)
        new_id = made.get(k.id_field) if isinstance(made, dict) else None
        if new_id and ID.match(str(new_id)):
            return redirect_to(request, f"{k.record_href(new_id)}?done={quote(command)}")
        return redirect_to(request, k.href)

    def _desk_record_form(self, request, view, form, ctx: dict) -> Response:
        template = "_form.html" if is_htmx(request) else "action.html"
        return self._desk_page(request, view, template, status=form.status or 400, form=form, case=None, **ctx)

    @staticmethod
    def _desk_names(*names: str) -> None:
        for name in names:
            if not NAME.match(name or ""):
                raise NotFound(f"no such page part {name!r}")
