"""The desk's static files: its own (``static/``, at /static/desk/<name>) and the pinned npm
packages (``node_modules/``, at /static/vendor/<package>/<file>), nothing from a CDN.

The npm packages are `package.json`/`package-lock.json` beside this file, installed by
``scripts/ensure-frontend.sh`` (`npm ci`; `make venv`, `make run` and `make test` run it).
Only the files named in `VENDOR` are served: a package's other files (sources, maps, its
package.json) are not the desk's business. Vendor URLs carry the package version from the lock
file, so a browser may cache them for a long time.

Why htmx 2.0.x and not 4.x (npm's ``latest``): the desk relies on attribute inheritance
(``hx-headers`` with the CSRF token set once on <body>) that 4.x makes explicit, and 2.x is what
nearly all documentation and answers describe. The one 2.x default the desk changes is that 4xx
answers are swapped in (a form with its errors comes back as 400/403/409): ``responseHandling`` in
the ``htmx-config`` meta tag of base.html.
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from werkzeug.wrappers import Response

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"
NODE_MODULES = HERE / "node_modules"

#: The files of npm packages the desk serves: URL path under /static/vendor/ -> path in node_modules.
VENDOR = {
    "htmx.org/htmx.min.js": "htmx.org/dist/htmx.min.js",
    "echarts/echarts.min.js": "echarts/dist/echarts.min.js",
}
CONTENT_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
                 ".svg": "image/svg+xml", ".png": "image/png", ".ico": "image/x-icon"}
HEADERS = {"X-Content-Type-Options": "nosniff"}


@lru_cache(maxsize=None)
def locked_versions() -> dict[str, str]:
    """package -> version, from package-lock.json (what `npm ci` installs)."""
    lock = json.loads((HERE / "package-lock.json").read_text())
    return {path.removeprefix("node_modules/"): meta["version"]
            for path, meta in lock.get("packages", {}).items() if path.startswith("node_modules/")}


def vendor_url(path: str) -> str:
    package = path.split("/", 1)[0]
    return f"/static/vendor/{path}?v={locked_versions().get(package, '0')}"


def asset_url(name: str) -> str:
    path = STATIC_DIR / name
    stamp = int(path.stat().st_mtime) if path.is_file() else 0
    return f"/static/desk/{name}?v={stamp}"


def _not_found(what: str) -> Response:
    return Response(f"not found: {what}", status=404, mimetype="text/plain", headers=HEADERS)


def vendor_response(path: str) -> Response:
    """A vendored file by its URL path, or 404 (also when `make frontend` has not run: the
    message says so)."""
    rel = VENDOR.get(path)
    if rel is None:
        return _not_found(path)
    file = NODE_MODULES / rel
    if not file.is_file():
        return _not_found(f"{path} (run: make frontend)")
    return Response(file.read_bytes(), status=200, content_type=CONTENT_TYPES[file.suffix],
                    headers={**HEADERS, "Cache-Control": "public, max-age=604800"})


def desk_response(name: str) -> Response:
    """A file of the desk's own ``static/`` by its plain name (no directories), or 404."""
    path = STATIC_DIR / name
    if "/" in name or "\\" in name or name.startswith(".") or path.suffix not in CONTENT_TYPES or not path.is_file():
        return _not_found(name)
    return Response(path.read_bytes(), status=200, content_type=CONTENT_TYPES[path.suffix],
                    headers={**HEADERS, "Cache-Control": "no-cache"})
