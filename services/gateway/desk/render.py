"""Rendering the desk's pages: Jinja2 templates in the person's language, with the desk's filters.

    render(request, "sign_in.html", error=..., username=...)   # -> a Werkzeug Response

One Jinja2 environment per language (the gettext catalog installed with `jinja2.ext.i18n`,
``newstyle`` gettext so ``{{ _("Unit %(id)s", id=unit) }}`` escapes its values). The language is
the principal's (``principal=`` in the context), else the ``propdesk_lang`` cookie, else zh.

Every page is answered with the same security headers: scripts only from this origin (htmx,
ECharts and the desk's glue are files under /static/), nothing framed, no referrer. Inline
*styles* are allowed because ECharts sizes its canvas with them; no inline script is ever needed
(chart data travels as ``<script type="application/json">``, which is not executed).
"""
from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path

from babel.dates import format_date, format_datetime
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup
from werkzeug.wrappers import Response

from propdesk import policy
from propdesk.chassis.calendar import OFFICE_TZ
from propdesk.contracts import vocab
from propdesk.money import yuan
from propdesk.privacy import mask_text
from propdesk_services.gateway.desk import i18n
from propdesk_services.gateway.desk.words import DANGEROUS

#: The desk's first page (my work).
HOME = "/"

TEMPLATES = Path(__file__).parent / "templates"

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                               "img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; "
                               "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


# --- filters ------------------------------------------------------------------------------------
def _parse_time(value) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and value:
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    return None


def when(value, lang: str = "zh") -> str:
    """A moment in the office's time zone, in the language's medium form ('2026年11月30日 14:05')."""
    moment = _parse_time(value)
    if moment is None:
        return "" if value is None else str(value)
    if moment.tzinfo is not None:
        moment = moment.astimezone(OFFICE_TZ)
    pattern = "yyyy-MM-dd HH:mm" if lang == "zh" else "d MMM yyyy, HH:mm"
    return format_datetime(moment, pattern, locale=i18n.locale_of(lang))


def day(value, lang: str = "zh") -> str:
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            return value
    if not isinstance(value, date):
        return "" if value is None else str(value)
    pattern = "yyyy-MM-dd" if lang == "zh" else "d MMM yyyy"
    return format_date(value, pattern, locale=i18n.locale_of(lang))


def moment(value, lang: str = "zh") -> str:
    """A day ('2026-11-30') as a day, a time as a time: a due date or a due moment."""
    if isinstance(value, str) and len(value) <= 10:
        return day(value, lang)
    if isinstance(value, date) and not isinstance(value, datetime):
        return day(value, lang)
    return when(value, lang)


def money(value) -> str:
    if value in (None, ""):
        return ""
    try:
        Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    return yuan(value)


def role_label(code: str, lang: str = "zh") -> str:
    zh_en = policy.ROLES.get(code)
    return (zh_en[1] if lang == "en" else zh_en[0]) if zh_en else code


def term(terms, code, lang: str = "zh") -> str:
    """A code's words in a `vocab.Terms` ('' for none)."""
    return "" if code in (None, "") else terms.label(code, lang)


def to_json(value) -> Markup:
    """JSON for a ``<script type="application/json">`` block: ``<``, ``>`` and ``&`` escaped, so
    the data can never close the element."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)


# --- environments ----------------------------------------------------------------------------------
@lru_cache(maxsize=None)
def environment(lang: str) -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(("html",)),
                      extensions=["jinja2.ext.i18n"], undefined=StrictUndefined, trim_blocks=True,
                      lstrip_blocks=True)
    env.install_gettext_translations(i18n.translations(lang), newstyle=True)
    env.filters.update(
        when=lambda v: when(v, lang), day=lambda v: day(v, lang), moment=lambda v: moment(v, lang), money=money,
        mask=mask_text,
        role=lambda c: role_label(c, lang), term=lambda code, terms: term(terms, code, lang),
        json=to_json,
    )
    env.globals.update(lang=lang, html_lang="zh-CN" if lang == "zh" else "en", langs=i18n.LANGS,
                       vendor=vendor_url, asset=asset_url, vocab=vocab, dangerous=DANGEROUS, home=HOME,
                       may_read_audit=may_read_audit)
    return env


def may_read_audit(principal) -> bool:
    """Whether the nav shows the audit page (`propdesk.policy.READS`; the page itself checks again)."""
    return principal is not None and any(policy.may_read(role, "list_audit") for role in principal.roles)


def vendor_url(path: str) -> str:
    from propdesk_services.gateway.desk import assets

    return assets.vendor_url(path)


def asset_url(name: str) -> str:
    from propdesk_services.gateway.desk import assets

    return assets.asset_url(name)


def render_text(lang: str, template: str, **ctx) -> str:
    """The template as text (tests, fragments inside other answers)."""
    ctx.setdefault("principal", None)
    ctx.setdefault("csrf_token", getattr(ctx["principal"], "csrf_token", None))
    ctx.setdefault("path", "/")
    ctx.setdefault("nav", None)
    return environment(lang).get_template(template).render(**ctx)


def render(request, template: str, status: int = 200, headers: dict | None = None, **ctx) -> Response:
    """A desk page (or an htmx fragment) in the language of the person (``principal=``) or the
    request's cookie. `ctx` is the template's context; ``path`` (where the language switch and
    sign-in come back to) defaults to the request's."""
    hint = ctx.pop("lang", None)
    lang = i18n.lang_of(request, ctx.get("principal"))
    if ctx.get("principal") is None and request is None and hint in i18n.LOCALES:
        lang = hint
    if request is not None:
        ctx.setdefault("path", request.full_path.rstrip("?") if request.query_string else request.path)
        ctx.setdefault("htmx", request.headers.get("HX-Request") == "true")
    ctx.setdefault("htmx", False)
    body = render_text(lang, template, **ctx)
    return Response(body, status=status, headers={**SECURITY_HEADERS, **(headers or {})},
                    content_type="text/html; charset=utf-8")
