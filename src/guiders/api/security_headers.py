"""Response headers every page and API answer carries, unless the route set its own.

- ``X-Content-Type-Options: nosniff``: a JSON answer or an uploaded file is never run as script.
- ``Referrer-Policy: strict-origin-when-cross-origin``: chat and console URLs (with ids in them)
  do not leak to other sites.
- ``Strict-Transport-Security`` in production only: a development server on plain HTTP must
  not pin browsers to HTTPS for ``localhost``.

The widget and console pages set their own CSP (``web/site.py``); ``/docs`` sets its own
(``api/docs_ui.py``). This middleware never overwrites a header a route set.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

HSTS = b"max-age=31536000; includeSubDomains"


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, *, hsts: bool) -> None:
        self.app = app
        self.headers: list[tuple[bytes, bytes]] = [
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"strict-origin-when-cross-origin"),
        ]
        if hsts:
            self.headers.append((b"strict-transport-security", HSTS))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers.extend(h for h in self.headers if h[0] not in present)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
