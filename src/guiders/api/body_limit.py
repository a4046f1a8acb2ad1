"""A cap on request bodies, enforced on the stream before anything reads or authenticates it.

Reading a body whole and then refusing it costs its full size in memory: eight 50 MB login
bodies raised the server by 523 MB before each got its 401. This middleware sits outside the
routes: a ``Content-Length`` above the route's limit is answered 413 before a byte of the body
is read, and a body without one (chunked) is counted as it streams and cut off at the limit.

Starlette has no such limit and uvicorn has none either, hence this small ASGI middleware.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` once the stream passes the limit; FastAPI lets an
    ``HTTPException`` through its body parsing, so the API's error handler answers 413."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"The request body exceeds {limit} bytes")


class BodyLimitMiddleware:
    """``limits`` maps a path prefix to its own limit (the longest matching prefix wins), e.g.
    a larger one for uploads; every other path gets ``default``."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        default: int,
        limits: Mapping[str, int],
        only: tuple[str, ...] | None = None,
    ) -> None:
        """``only``: check just the paths under these prefixes (the rest pass untouched)."""
        self.app = app
        self.only = only
        self.default = default
        self.limits = sorted(limits.items(), key=lambda item: len(item[0]), reverse=True)

    def limit_for(self, path: str) -> int:
        for prefix, limit in self.limits:
            if path.startswith(prefix):
                return limit
        return self.default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or (
            self.only is not None and not scope["path"].startswith(self.only)
        ):
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        for name, value in scope.get("headers") or ():
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = limit + 1
                if declared > limit:
                    await _refuse(send, limit)
                    return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if started:
                raise
            await _refuse(send, limit)


async def _refuse(send: Send, limit: int) -> None:
    body = json.dumps(
        {"error": "payload_too_large", "message": f"The request body exceeds {limit} bytes"}
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
