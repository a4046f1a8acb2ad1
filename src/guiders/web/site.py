"""Serves the built front end: the demo shop with the widget, ``/widget.js``, console, dashboard.

The assets are built from ``web/`` into ``static/`` (``make run`` does it; never committed). When
they are missing the pages say how to build them, instead of failing.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, Response

from guiders.demo import CREDENTIALS_FILE
from guiders.domain.errors import NotFound

STATIC = Path(__file__).parent / "static"
SITE_KEY_PLACEHOLDER = "__GUIDERS_SITE_KEY__"
_MISSING = """<!doctype html><meta charset="utf-8"><title>Guiders: front end not built</title>
<body style="font-family:system-ui;max-width:640px;margin:60px auto">
<h1>The front end is not built yet</h1>
<p>The widget, console and dashboard are built from <code>web/</code>. Run <code>make run</code>
(it builds them), or build by hand:</p>
<pre>cd web &amp;&amp; npm ci &amp;&amp; npm run build</pre>
<p>The API works meanwhile: <a href="/docs">/docs</a>.</p></body>"""

# Defence in depth for pages that show what people write: no inline or foreign script runs.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; "
    "form-action 'self'; object-src 'none'"
)
PAGE_HEADERS = {"cache-control": "no-cache", "content-security-policy": CSP}

router = APIRouter(include_in_schema=False)


def _page(relative: str) -> Response:
    path = STATIC / relative
    if not path.is_file():
        return HTMLResponse(_MISSING, status_code=503)
    return FileResponse(path, media_type="text/html", headers=PAGE_HEADERS)


def demo_site_key(data_dir: Path) -> str | None:
    try:
        loaded = json.loads((data_dir / CREDENTIALS_FILE).read_text())
    except (OSError, ValueError):
        return None
    key = loaded.get("siteKey") if isinstance(loaded, dict) else None
    return key if isinstance(key, str) else None


@router.get("/")
async def shop(request: Request) -> Response:
    """The demo shop page, with the widget's script tag carrying the demo site's key."""
    return _demo_page(request, "index.html")


@router.get("/buying-guide")
async def buying_guide(request: Request) -> Response:
    """The demo shop's buying guide: where the nurturing card's "Read more" leads in the demo
    (``guiders up`` sets GUIDERS_NURTURING_CONTENT_URL to it), with the widget as on the shop."""
    return _demo_page(request, "buying-guide.html")


def _demo_page(request: Request, relative: str) -> Response:
    """A page of the demo shop: only where ``guiders up`` seeded the demo site, whose key the
    widget's script tag needs."""
    path = STATIC / relative
    if not path.is_file():
        return HTMLResponse(_MISSING, status_code=503)
    key = demo_site_key(request.app.state.runtime.settings.data_dir)
    if key is None:
        return HTMLResponse(
            "<!doctype html><meta charset='utf-8'><p>No demo site: start with "
            "<code>guiders up</code> to seed one, or embed <code>/widget.js</code> in your own "
            "page with your site key (docs/web.md).</p>",
            status_code=404,
        )
    page = path.read_text().replace(SITE_KEY_PLACEHOLDER, html.escape(key, quote=True))
    return HTMLResponse(page, headers=PAGE_HEADERS)


@router.get("/widget.js")
async def widget() -> Response:
    path = STATIC / "widget.js"
    if not path.is_file():
        return Response(
            "console.error('guiders: widget.js is not built: cd web && npm ci && npm run build');",
            media_type="text/javascript",
            status_code=503,
        )
    return FileResponse(path, media_type="text/javascript", headers={"cache-control": "no-cache"})


@router.get("/console")
@router.get("/console/")
async def console() -> Response:
    return _page("console/index.html")


@router.get("/dashboard")
@router.get("/dashboard/")
async def dashboard() -> Response:
    return _page("dashboard/index.html")


@router.get("/assets/{name:path}")
async def asset(name: str) -> Response:
    """Hashed build outputs: safe to cache for a year."""
    root = (STATIC / "assets").resolve()
    path = (root / name).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise NotFound("No such asset")
    return FileResponse(path, headers={"cache-control": "public, max-age=31536000, immutable"})
