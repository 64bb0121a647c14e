"""Who is acting at the gateway, proven rather than claimed (issue #8 §1).

A request acts as a `Principal`, found once per request (`current_principal`) from:

- the session cookie ``propdesk_session``: the staff service's session token signed with the
  gateway's key (itsdangerous, `Settings.signing_key`), resolved by ``staff.resolve_session``
  (who is signed in, with their roles and estates as they are now; sliding idle expiry), or
- an ``Authorization: Bearer pdt_...`` header: an API token of another system, resolved by
  ``staff.resolve_api_token`` (explicit credentials win: with such a header the cookie is not read).

One RPC per request at most, and none for a cookie whose signature does not hold (forged, another
key, older than 12 hours) or a header that is not ``Bearer pdt_...``. The ``X-Staff-Id`` /
``X-Staff-Role`` headers of old mean nothing anywhere. RPC between the services stays trusted
(docs/architecture.md, "Who is acting"): the gateway is where a person is proven.

What follows from the principal:

- the JSON API (``/api/...`` but ``/api/openapi.json``) answers 401 (``_session``,
  ``sign_in_required``) without one (`require_principal`), before anything else;
- a command acts as ``Principal.actor_for(service, command)``: the first of the person's roles the
  policy table (`propdesk.policy`) lets give it. When none may, the gateway still passes the first
  role and lets the department refuse: the department is the rule of record and audits the refusal
  (a 403 naming the role(s) and ``role_not_allowed``);
- a request authenticated by the cookie that may change something (not GET/HEAD/OPTIONS) carries
  the CSRF token, in the header ``X-CSRF-Token`` or the form field ``csrf_token`` (`check_csrf`;
  403 ``csrf_token`` / ``csrf`` otherwise). The token is an HMAC of the session token under a key
  derived from the gateway's key, so it needs no storage and ends with the session. Bearer
  requests need none (a browser never adds that header by itself).

Pages (`sign_in_page`, `sign_in`, `sign_out`, `set_lang`): ``GET /sign-in`` shows the form,
``POST /sign-in`` calls ``staff.sign_in`` with the client's address and user agent and sets the
cookie (HttpOnly, SameSite=Lax, Path=/, Max-Age 12 h, Secure with ``PROPDESK_COOKIE_SECURE=1``),
then redirects to ``next`` when it is a local path (`safe_next`), else to ``/``. A refusal shows
the form again with the staff service's message at its field: 400, or 429 when the username is
locked out. The sign-in form carries a CSRF token of its own (an HMAC of a random value kept in the
short-lived cookie ``propdesk_sign_in``), so another site cannot sign a browser in as someone else.
``POST /sign-out`` (CSRF-checked) ends the session at the staff service and clears the cookie.
A staff member whose password an admin set (``must_change_password``: a new account, a reset)
must choose their own before anything else: sign-in sends them to ``/password?next=...`` (the
desk's page, `desk/pages.py`), every desk page redirects there, and every API command answers 403
(``password`` / ``must_change_password``, `check_password_changed`) until it is done. Reads stay
open (``GET /api/staff`` says ``must_change_password``).
``POST /lang`` keeps the language choice (``zh`` | ``en``) in the cookie ``propdesk_lang``; it
needs no session and no CSRF token (a display preference; nothing is done in anyone's name).

The sign-in page is the desk's template ``sign_in.html`` rendered by
``desk/render.py::render(request, "sign_in.html", status=..., **ctx)`` with ctx: ``errors``
{field: message} (fields ``username``, ``password``, ``csrf_token``), ``username`` (to fill in
again), ``next`` (a safe local path), ``csrf_token`` (the form's hidden field), ``notice``
(``None`` | ``"signed_out"`` | ``"session_ended"``), ``lang``.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from typing import Callable
from urllib.parse import quote, urlsplit

from itsdangerous import BadSignature, TimestampSigner
from nameko.extensions import DependencyProvider
from nameko.rpc import ReplyListener, ServiceProxy
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

from propdesk import policy
from propdesk.config import Settings
from propdesk.errors import NotFound, ValidationError
from propdesk_services.gateway.proxies import address_of
from propdesk_services.gateway.errors import EdgeError
from propdesk_services.gateway.remote import Remote

SESSION_COOKIE = "propdesk_session"
LANG_COOKIE = "propdesk_lang"
SIGN_IN_COOKIE = "propdesk_sign_in"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
#: The staff service ends a session 12 hours after sign-in at the latest; the cookie lives as long.
SESSION_MAX_AGE_S = 12 * 3600
#: The sign-in form's own CSRF value lives an hour (a form left open longer is shown again).
SIGN_IN_FORM_MAX_AGE_S = 3600
LANG_MAX_AGE_S = 365 * 24 * 3600
API_TOKEN_PREFIX = "pdt_"
#: The longest token either kind of credential may carry (the staff service's TokenArgs).
MAX_TOKEN_LENGTH = 128
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
LANGS = ("zh", "en")
DEFAULT_LANG = "zh"
#: The largest form post read (the JSON API's body limit, `api.MAX_BODY_BYTES`; the desk's forms
#: are read through `form` too, and URL-encoded Chinese takes nine bytes a character).
MAX_FORM_BYTES = 64 * 1024
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

#: Where the request carries its authenticator (bound by the `Authentication` dependency) and,
#: once resolved, its principal and why there is none.
AUTH_KEY = "propdesk.auth"
PRINCIPAL_KEY = "propdesk.principal"
ABSENT_KEY = "propdesk.principal_absent"

SIGN_IN_REQUIRED = "sign_in_required"
CSRF_RULE = "csrf"
SIGN_IN_PATH = "/sign-in"
PASSWORD_PATH = "/password"
MUST_CHANGE_PASSWORD = "must_change_password"


# --- the failures ---------------------------------------------------------------------------------
class SignInRequired(EdgeError):
    """No valid session or API token: 401, naming ``_session`` and ``sign_in_required``."""

    status = 401
    error = "unauthorized"

    def body(self) -> dict:
        return {"error": self.error, "message": str(self), "field": "_session", "rule": SIGN_IN_REQUIRED}

    def headers(self) -> dict:
        return {"WWW-Authenticate": 'Bearer realm="propdesk"'}


class CsrfRefused(EdgeError):
    """A cookie-authenticated request that may change something came without the right CSRF token."""

    status = 403
    error = "forbidden"

    def __init__(self, message: str = f"send the page's CSRF token in the {CSRF_HEADER} header or the "
                                      f"{CSRF_FIELD} form field (reload the page if it is old)"):
        super().__init__(message)

    def body(self) -> dict:
        return {"error": self.error, "message": str(self), "field": CSRF_FIELD, "rule": CSRF_RULE}


class PasswordChangeRequired(EdgeError):
    """A session whose password an admin set gives no command until its owner chose their own."""

    status = 403
    error = "forbidden"

    def __init__(self, message: str = f"choose your own password first ({PASSWORD_PATH}): "
                                      "an administrator set the one you signed in with"):
        super().__init__(message)

    def body(self) -> dict:
        return {"error": self.error, "message": str(self), "field": "password", "rule": MUST_CHANGE_PASSWORD}


# --- who is acting --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Principal:
    id: str                 # staff id (username) or "token:<name>"
    name: str               # display name (the person's Chinese name; a token's name)
    roles: tuple[str, ...]  # codes of propdesk.policy.ROLES
    estates: tuple[str, ...]
    kind: str               # "session" | "token"
    csrf_token: str | None  # session principals: the hidden input "csrf_token" / header "X-CSRF-Token"
    lang: str = DEFAULT_LANG  # "zh" | "en" (cookie "propdesk_lang")
    must_change_password: bool = False  # an admin set the password: nothing else until it is changed

    def actor_for(self, service: str, command: str) -> dict | None:
        """``{"id", "role"}`` with the first of the person's roles the policy allows for the
        command, or None when none may (the caller lets the department refuse and audit it)."""
        for role in self.roles:
            if policy.allows(role, service, command):
                return {"id": self.id, "role": role}
        return None

    @classmethod
    def of_session(cls, staff: dict, csrf_token: str, lang: str = DEFAULT_LANG) -> "Principal":
        return cls(id=staff["id"], name=staff.get("name") or staff["id"], roles=tuple(staff.get("roles") or ()),
                   estates=tuple(staff.get("estates") or ()), kind="session", csrf_token=csrf_token, lang=lang,
                   must_change_password=bool(staff.get("must_change_password")))

    @classmethod
    def of_token(cls, identity: dict, lang: str = DEFAULT_LANG) -> "Principal":
        return cls(id=identity["id"], name=identity.get("name") or identity["id"],
                   roles=tuple(identity.get("roles") or ()), estates=tuple(identity.get("estates") or ()),
                   kind="token", csrf_token=None, lang=lang)


# --- keys: the signed cookie and the CSRF tokens --------------------------------------------------
class _Signer(TimestampSigner):
    def __init__(self, secret: bytes, salt: str, clock: Callable[[], float]):
        super().__init__(secret, salt=salt)
        self._clock = clock

    def get_timestamp(self) -> int:
        return int(self._clock())


class Keys:
    """What the gateway's one secret key signs: the session cookie (itsdangerous, timestamped, at
    most `SESSION_MAX_AGE_S` old), the CSRF token of a session and the sign-in form's. The CSRF
    key is derived from the secret, so a CSRF token is not a signature usable as a cookie."""

    def __init__(self, secret: bytes, clock: Callable[[], float] = time.time):
        if len(secret) < 16:
            raise ValueError("the signing key is too short")
        self._cookie = _Signer(secret, "propdesk.session-cookie", clock)
        self._csrf = hmac.new(secret, b"propdesk.csrf", hashlib.sha256).digest()

    def cookie_value(self, session_token: str) -> str:
        return self._cookie.sign(session_token).decode("ascii")

    def session_token(self, cookie_value: str | None) -> str | None:
        """The session token a cookie carries, or None when its signature does not hold or it is
        older than `SESSION_MAX_AGE_S`."""
        if not cookie_value or len(cookie_value) > 4 * MAX_TOKEN_LENGTH:
            return None
        try:
            token = self._cookie.unsign(cookie_value, max_age=SESSION_MAX_AGE_S).decode("utf-8")
        except (BadSignature, UnicodeDecodeError):
            return None
        return token if 0 < len(token) <= MAX_TOKEN_LENGTH else None

    def csrf_token(self, session_token: str) -> str:
        return hmac.new(self._csrf, b"session:" + session_token.encode("utf-8"), hashlib.sha256).hexdigest()

    def sign_in_csrf_token(self, nonce: str) -> str:
        return hmac.new(self._csrf, b"sign-in:" + nonce.encode("utf-8"), hashlib.sha256).hexdigest()


def same_token(expected: str | None, given: str | None) -> bool:
    return bool(expected) and isinstance(given, str) and hmac.compare_digest(expected.encode(), given.encode())


# --- per request ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Absence:
    """Why a request has no principal: ``none`` (no credentials), ``ended`` (a session that was
    valid ended or expired: the desk says so), ``invalid`` (a cookie or token that never was)."""

    reason: str
    message: str


NO_CREDENTIALS = Absence("none", "sign in first (POST /sign-in), or send Authorization: Bearer pdt_... "
                                 "with an API token")


class Authenticator:
    """Resolves a request's credentials with the staff service (`remote`: `Remote`-like, with
    ``call(service, method, *args, **kwargs)``) and signs with `keys`."""

    def __init__(self, keys: Keys, remote, cookie_secure: bool = False):
        self.keys = keys
        self.remote = remote
        self.cookie_secure = cookie_secure

    def staff(self, method: str, *args, **kwargs):
        return self.remote.call("staff", method, *args, **kwargs)

    def resolve(self, request) -> tuple[Principal | None, Absence | None]:
        lang = lang_of(request)
        header = request.headers.get("Authorization")
        if header is not None:
            scheme, _, token = header.strip().partition(" ")
            token = token.strip()
            if scheme.lower() != "bearer" or not token.startswith(API_TOKEN_PREFIX) or len(token) > MAX_TOKEN_LENGTH:
                return None, Absence("invalid", "the Authorization header is not Bearer pdt_... (an API token)")
            try:
                identity = self.staff("resolve_api_token", token)
            except (NotFound, ValidationError):
                return None, Absence("invalid", "the API token is unknown, revoked or expired")
            return Principal.of_token(identity, lang), None
        cookie = request.cookies.get(SESSION_COOKIE)
        if not cookie:
            return None, NO_CREDENTIALS
        token = self.keys.session_token(cookie)
        if token is None:
            return None, Absence("ended", "the session cookie is not valid any more (older than 12 hours, or "
                                          "signed with another key): sign in again")
        try:
            session = self.staff("resolve_session", token)
        except (NotFound, ValidationError):
            return None, Absence("ended", "the session has ended (signed out, 30 minutes idle, 12 hours old, or "
                                          "the account was disabled): sign in again")
        return Principal.of_session(session["staff"], self.keys.csrf_token(token), lang), None


def authenticator(request) -> Authenticator:
    auth = request.environ.get(AUTH_KEY)
    if auth is None:
        raise RuntimeError("no authenticator bound to this request (GatewayService's Authentication dependency)")
    return auth


def bind(request, auth: Authenticator) -> None:
    """Give the request its authenticator (what the `Authentication` dependency does per worker)."""
    request.environ[AUTH_KEY] = auth
    request.environ.pop(PRINCIPAL_KEY, None)
    request.environ.pop(ABSENT_KEY, None)


def current_principal(request) -> Principal | None:
    """Who is acting, from the session cookie or a Bearer API token; None without valid
    credentials. Resolved once per request (one RPC at most), then remembered on the request."""
    env = request.environ
    if PRINCIPAL_KEY not in env:
        principal, absent = authenticator(request).resolve(request)
        env[PRINCIPAL_KEY], env[ABSENT_KEY] = principal, absent
    return env[PRINCIPAL_KEY]


def absence(request) -> Absence | None:
    """Why `current_principal` is None (after it was asked)."""
    current_principal(request)
    return request.environ.get(ABSENT_KEY)


def require_principal(request) -> Principal:
    """The principal, or `SignInRequired` (401 ``_session`` / ``sign_in_required``)."""
    principal = current_principal(request)
    if principal is None:
        raise SignInRequired((absence(request) or NO_CREDENTIALS).message)
    return principal


def submitted_csrf_token(request) -> str | None:
    """The CSRF token a request carries: the header, else the form field of a form post (read
    within `MAX_FORM_BYTES`; a JSON body is never read here)."""
    given = request.headers.get(CSRF_HEADER)
    if given:
        return given
    if request.mimetype in FORM_TYPES:
        return form(request).get(CSRF_FIELD)
    return None


def check_csrf(request, principal: Principal | None) -> None:
    """`CsrfRefused` (403 ``csrf_token`` / ``csrf``) for a session principal's unsafe request
    without its CSRF token; nothing to check for safe methods, tokens or anonymous requests."""
    if principal is None or principal.kind != "session" or request.method in SAFE_METHODS:
        return
    if not same_token(principal.csrf_token, submitted_csrf_token(request)):
        raise CsrfRefused()


def check_password_changed(request, principal: Principal | None) -> None:
    """`PasswordChangeRequired` (403 ``password`` / ``must_change_password``) for a command (not
    GET/HEAD/OPTIONS) of a session whose password an admin set; reads stay open."""
    if principal is not None and principal.must_change_password and request.method not in SAFE_METHODS:
        raise PasswordChangeRequired()


def session_token(request) -> str | None:
    """The staff session token the request's signed cookie carries (None: none, or not valid)."""
    return authenticator(request).keys.session_token(request.cookies.get(SESSION_COOKIE))


def client_of(request) -> dict:
    """The client's address and user agent, for the staff service's audit trail."""
    return _client(request)


def form(request) -> dict:
    """A form post's fields (`MAX_FORM_BYTES` at most; larger is RequestEntityTooLarge: 413)."""
    if request.content_length is not None and request.content_length > MAX_FORM_BYTES:
        raise RequestEntityTooLarge()
    request.max_content_length = MAX_FORM_BYTES
    request.max_form_memory_size = MAX_FORM_BYTES
    return request.form


def lang_of(request) -> str:
    """The language the person chose (cookie ``propdesk_lang``), Chinese unless English was chosen."""
    lang = request.cookies.get(LANG_COOKIE)
    return lang if lang in LANGS else DEFAULT_LANG


def safe_next(value: str | None, default: str = "/") -> str:
    """`value` when it is a path on this site (``/...``), else `default`: never another host
    (``//evil``, ``/\\evil``, ``https://...``), never a control character, never the sign-in or
    sign-out page (it takes POST only)."""
    if not value or not isinstance(value, str) or len(value) > 2000:
        return default
    if not value.startswith("/") or value.startswith("//") or "\\" in value:
        return default
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return default
    if parts.path == "/sign-out":
        return default
    return value


# --- the nameko dependency ------------------------------------------------------------------------
class Authentication(DependencyProvider):
    """Binds an `Authenticator` to each HTTP request of the gateway (so `current_principal(request)`
    works in any route, the desk's pages included) and hands it to the service as well. The key is
    read (or made) once when the container starts; the staff service is called on the container's
    one RPC reply queue, under the gateway's RPC timeout."""

    rpc_reply_listener = ReplyListener()

    def setup(self):
        self.settings = self.container.config.get("PROPDESK") or Settings.from_env()
        self.keys = Keys(self.settings.signing_key())

    def get_dependency(self, worker_ctx) -> Authenticator:
        proxy = ServiceProxy(worker_ctx, "staff", self.rpc_reply_listener)
        auth = Authenticator(self.keys, Remote({"staff": proxy}, self.settings.rpc_timeout_s),
                             cookie_secure=self.settings.cookie_secure)
        for arg in worker_ctx.args or ():
            if isinstance(arg, Request):
                bind(arg, auth)
        return auth


# --- cookies --------------------------------------------------------------------------------------
def set_session_cookie(response: Response, auth: Authenticator, session_token: str) -> None:
    response.set_cookie(SESSION_COOKIE, auth.keys.cookie_value(session_token), max_age=SESSION_MAX_AGE_S,
                        path="/", httponly=True, samesite="Lax", secure=auth.cookie_secure)


def clear_session_cookie(response: Response, auth: Authenticator) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="Lax", secure=auth.cookie_secure)


def _client(request) -> dict:
    agent = request.headers.get("User-Agent")
    return {"address": address_of(request), "user_agent": agent or None}


NO_STORE = {"Cache-Control": "no-store"}


def _see_other(location: str) -> Response:
    response = redirect(location, code=303)
    response.headers.update(NO_STORE)
    return response


def to_sign_in(request) -> Response:
    """Where a page sends someone not signed in: ``/sign-in?next=<this page>`` (303), saying the
    session ended when there was one, and dropping the stale cookie."""
    absent = absence(request)
    target = request.full_path.rstrip("?") if request.method == "GET" else "/"
    location = f"{SIGN_IN_PATH}?next={quote(safe_next(target), safe='/')}"
    if absent is not None and absent.reason == "ended":
        location += "&ended=1"
    response = _see_other(location)
    if request.cookies.get(SESSION_COOKIE):
        clear_session_cookie(response, authenticator(request))
    return response


# --- the pages ------------------------------------------------------------------------------------
def sign_in_page(request) -> Response:
    """GET /sign-in: the form (or, when signed in already, straight on to ``next``)."""
    next_path = safe_next(request.args.get("next"))
    if current_principal(request) is not None:
        return _see_other(next_path)
    notice = "signed_out" if request.args.get("signed_out") else "session_ended" if request.args.get("ended") else None
    return _form_answer(request, 200, next_path=next_path, notice=notice)


def sign_in(request) -> Response:
    """POST /sign-in (username, password, next, csrf_token): a session, or the form again."""
    auth = authenticator(request)
    fields = form(request)
    next_path = safe_next(fields.get("next"))
    username = (fields.get("username") or "").strip()
    nonce = request.cookies.get(SIGN_IN_COOKIE) or ""
    if not nonce or not same_token(auth.keys.sign_in_csrf_token(nonce), fields.get(CSRF_FIELD)):
        return _form_answer(request, 403, next_path=next_path, username=username,
                            errors={CSRF_FIELD: "登录表单已过期，请重新登录 (the form expired: sign in again)"})
    try:
        signed = auth.staff("sign_in", {"username": username, "password": fields.get("password") or "",
                                        **_client(request)}, actor=None)
    except ValidationError as refusal:
        errors: dict[str, str] = {}
        for p in refusal.problems:
            errors.setdefault(p.field if p.field in ("username", "password") else "username", p.message)
        locked = any(p.rule == "locked_out" for p in refusal.problems)
        return _form_answer(request, 429 if locked else 400, next_path=next_path, username=username, errors=errors)
    if (signed.get("staff") or {}).get("must_change_password"):  # an admin set it: choose one's own first
        next_path = f"{PASSWORD_PATH}?next={quote(next_path, safe='/')}"
    response = _see_other(next_path)
    set_session_cookie(response, auth, signed["token"])
    response.delete_cookie(SIGN_IN_COOKIE, path=SIGN_IN_PATH)
    return response


def sign_out(request) -> Response:
    """POST /sign-out (csrf_token): the session ends at the staff service, the cookie goes, and
    the browser is sent to the sign-in page. Without a valid session there is nothing to end (the
    cookie is cleared all the same); with one, a missing or wrong CSRF token is a 403 (another
    site cannot sign anyone out). One RPC: the CSRF token is checked against the cookie's token."""
    auth = authenticator(request)
    token = auth.keys.session_token(request.cookies.get(SESSION_COOKIE))
    if token is not None:
        if not same_token(auth.keys.csrf_token(token), submitted_csrf_token(request)):
            raise CsrfRefused()
        try:
            auth.staff("sign_out", {"token": token, **_client(request)}, actor=None)
        except NotFound:  # ended already (expired, signed out elsewhere): nothing left to end
            pass
    response = _see_other(f"{SIGN_IN_PATH}?signed_out=1")
    clear_session_cookie(response, auth)
    return response


def set_lang(request) -> Response:
    """POST /lang (lang = zh | en, next): remember the language in a cookie and go back."""
    fields = form(request) if request.mimetype in FORM_TYPES else {}
    lang = fields.get("lang") or request.args.get("lang")
    if lang not in LANGS:
        raise ValidationError.one("lang", "one_of", f"lang must be one of {', '.join(LANGS)}")
    response = _see_other(safe_next(fields.get("next") or request.args.get("next")))
    response.set_cookie(LANG_COOKIE, lang, max_age=LANG_MAX_AGE_S, path="/", httponly=True, samesite="Lax",
                        secure=authenticator(request).cookie_secure)
    return response


# --- rendering the sign-in form -------------------------------------------------------------------
def _form_answer(request, status: int, *, next_path: str, username: str = "", errors: dict | None = None,
                 notice: str | None = None) -> Response:
    """The sign-in form with its own CSRF value (a fresh one in the cookie ``propdesk_sign_in``
    unless the browser holds one)."""
    auth = authenticator(request)
    nonce = request.cookies.get(SIGN_IN_COOKIE)
    fresh = not nonce or len(nonce) > 64
    if fresh:
        nonce = secrets.token_urlsafe(24)
    ctx = {"errors": errors or {}, "username": username, "next": next_path, "notice": notice,
           "csrf_token": auth.keys.sign_in_csrf_token(nonce), "lang": lang_of(request)}
    response = _render(request, status, ctx)
    response.headers.update(NO_STORE)
    if fresh:
        response.set_cookie(SIGN_IN_COOKIE, nonce, max_age=SIGN_IN_FORM_MAX_AGE_S, path=SIGN_IN_PATH,
                            httponly=True, samesite="Lax", secure=auth.cookie_secure)
    return response


def _render(request, status: int, ctx: dict) -> Response:
    from propdesk_services.gateway.desk.render import render  # the desk's (imports nothing of auth)

    return render(request, "sign_in.html", status=status, **ctx)
