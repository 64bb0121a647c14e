"""The desk's page: one HTML file, one script, one stylesheet, served from `static/`.

Nothing is fetched from elsewhere: the Content-Security-Policy only allows this origin. The page
itself (`page_response`) carries the signed-in person's CSRF token in ``<meta name="csrf-token">``,
which app.js sends as ``X-CSRF-Token`` with every command.
"""
from __future__ import annotations

from pathlib import Path
from html import escape

from werkzeug.wrappers import Response

STATIC_DIR = Path(__file__).parent / "static"
CONTENT_TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
                 ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml"}
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
                               "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


def file_response(name: str) -> Response:
    """A file of `static/` by its plain name (no directories), or 404."""
    path = STATIC_DIR / name
    if "/" in name or "\\" in name or name.startswith(".") or path.suffix not in CONTENT_TYPES or not path.is_file():
        return Response("not found", status=404, mimetype="text/plain")
    return Response(path.read_bytes(), status=200, headers=SECURITY_HEADERS,
                    content_type=CONTENT_TYPES[path.suffix])


#: What index.html holds where the CSRF token goes.
CSRF_PLACEHOLDER = "__CSRF_TOKEN__"


def page_response(name: str, csrf_token: str) -> Response:
    """An HTML page of `static/` with the CSRF token in place of `CSRF_PLACEHOLDER`; never cached."""
    text = (STATIC_DIR / name).read_text(encoding="utf-8").replace(CSRF_PLACEHOLDER, escape(csrf_token, quote=True))
    return Response(text, status=200, headers={**SECURITY_HEADERS, "Cache-Control": "no-store"},
                    content_type=CONTENT_TYPES[".html"])
