"""Swagger UI at ``/docs``, served from this server: no CDN, and a strict CSP.

FastAPI's own page loads Swagger UI from a CDN with an inline script, which a CSP of
``script-src 'self'`` forbids. Here the assets come from the ``swagger-ui-bundle-v2`` package and
the start-up script is a file of its own, so the page runs with scripts from this origin only.
Style attributes are Swagger UI's (React) way of drawing, hence ``style-src 'unsafe-inline'``.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

DOCS_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)

_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
<link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body>
</html>
"""

_INIT = """window.ui = SwaggerUIBundle({
  url: %s,
  dom_id: "#swagger-ui",
  deepLinking: true,
  layout: "BaseLayout",
  presets: [SwaggerUIBundle.presets.apis],
});
"""


def install(app: FastAPI, *, openapi_url: str = "/openapi.json") -> None:
    page = _PAGE.format(title=f"{app.title} - Swagger UI")
    init = _INIT % f'"{openapi_url}"'

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return HTMLResponse(page, headers={"content-security-policy": DOCS_CSP})

    @app.get("/docs/init.js", include_in_schema=False)
    async def docs_init() -> Response:
        return Response(init, media_type="text/javascript")

    app.mount("/docs/assets", StaticFiles(directory=str(swagger_ui_path)), name="docs-assets")
