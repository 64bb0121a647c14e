"""The desk's routes as a mixin of GatewayService: none of its names is taken by the service
(a method of the same name in GatewayService would silently replace the page), and every page
route is outside /api/ (the JSON API's 401/404 answers stay JSON)."""
from __future__ import annotations

from propdesk_services.gateway.desk.pages import DeskPages, refusal_of
from propdesk_services.gateway.openapi import http_routes
from propdesk_services.gateway.service import GatewayService
from propdesk.errors import Conflict, Forbidden


def test_no_name_of_the_desk_is_replaced_by_the_service():
    mine = {name for name in vars(DeskPages) if not name.startswith("__")}
    taken = mine & set(vars(GatewayService))
    assert not taken, f"GatewayService replaces the desk's {sorted(taken)}: rename them"
    assert all(name.startswith(("desk_", "_desk")) for name in mine), sorted(mine)


def test_the_pages_are_routes_of_the_gateway_and_none_is_under_api():
    routes = {(m, url) for m, url, name, _ in http_routes(GatewayService) if name.startswith("desk_")}
    assert ("GET", "/move-outs/<move_out_id>") in routes
    assert ("POST", "/move-outs/<move_out_id>/actions/<service>/<command>") in routes
    assert ("GET", "/static/vendor/<path:path>") in routes
    assert not [url for _, url in routes if url.startswith("/api")]


def test_refusals_are_named_for_people():
    assert refusal_of(Forbidden("role security may not x", rule="role_not_allowed"))[:2] == (
        403, "Not allowed: your role may not do this")
    status, headline, _ = refusal_of(Conflict("key reused", field="idempotency_key", rule="reused_with_different_request"))
    assert status == 409 and "already sent" in headline
