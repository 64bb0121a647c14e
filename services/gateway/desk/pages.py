"""The desk's pages: `DeskPages`, a mixin of nameko ``@http`` routes that `GatewayService` inherits.

Server-rendered (Jinja2, `render`) with htmx for the parts that change in place. The routes are
thin: each reads the principal, asks `views` for what to show, and renders it. Nothing is decided
in the browser: the actions on a record are the ones the departments answer (`allowed_actions`),
the forms are built from the departments' command schemas (`describe_commands`).
"""
from __future__ import annotations

import logging

from nameko.web.handlers import HttpRequestHandler
from werkzeug.wrappers import Response

from propdesk_services.gateway.desk import assets
from propdesk_services.gateway.desk.render import SECURITY_HEADERS

log = logging.getLogger("propdesk.gateway.desk")


class PageHandler(HttpRequestHandler):
    """nameko's `@http` for pages: a failure outside a page's own handling is a short HTML page
    (nameko's own answer is a text/plain line), the trace in the log."""

    def response_from_exception(self, exc):
        log.error("desk page failed", exc_info=exc)
        return Response("<!doctype html><meta charset=utf-8><title>500</title><p>The desk could not show this page; "
                        "see the gateway's log. 页面出错，请查看网关日志。</p>", status=500, headers=SECURITY_HEADERS,
                        content_type="text/html; charset=utf-8")


page = PageHandler.decorator


class DeskPages:
    """The staff desk's routes (mixed into `GatewayService`, which brings `departments` and
    `settings`)."""

    # --- files ----------------------------------------------------------------------------------
    @page("GET", "/static/vendor/<path:path>")
    def desk_vendor_file(self, request, path):
        return assets.vendor_response(path)

    @page("GET", "/static/desk/<name>")
    def desk_static_file(self, request, name):
        return assets.desk_response(name)
