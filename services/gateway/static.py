"""Plain files of `static/` (the stylesheet of auth.py's fallback sign-in page), at /static/<name>.

The staff desk itself is server-rendered (`desk/`, its files at /static/desk/ and /static/vendor/).
Nothing is fetched from elsewhere: the Content-Security-Policy only allows this origin.
"""
from __future__ import annotations

from pathlib import Path

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

