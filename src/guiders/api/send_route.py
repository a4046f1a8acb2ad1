"""The send path's own ASGI route, answered before FastAPI's router.

``POST /api/v2/chats/{id}/messages`` and the SDK's ``POST /api/v2/messages`` are most of what a
busy server does, and FastAPI's routing and dependency solving around the use case had become
about a third of their time (docs/performance.md). This route does the same work directly: the
credential through ``deps.principal_of`` (the same look-up, caches and rate-limit charges, kept
in the scope), the body validated once against the route's own model, the same use case and the
same encoded-once answer (``routes/messages.sent_response``). It sits inside every middleware
(CORS, body limit, correlation id, rate limit, metrics: ``scope["route"]`` is the FastAPI route,
so metrics are labelled alike), and its errors go through the application's exception handlers.

Everything that is not the plain case is handed to the FastAPI route, which stays declared for
the OpenAPI document and as the reference: a body that is not ``application/json``, JSON that
does not parse, a body the model refuses (the 422 FastAPI writes, with the principal already in
the scope, so the credential is neither looked up nor charged twice), a query holding NUL, a chat
id not in the canonical form. The body already read is replayed to it. So every answer the two
could differ on is FastAPI's own; ``tests/integration/test_send_route.py`` checks that both give
the same status, headers and body for successes, idempotent repeats and each error.

Hand-written rather than a library: this is a fast path for one route, built from Starlette's
own pieces (``ExceptionMiddleware``, ``Request``, ``JSONResponse``).
"""

from __future__ import annotations

import json
import re
from typing import Any
from uuid import UUID

from fastapi import FastAPI
from fastapi.routing import APIRoute
from pydantic import ValidationError
from starlette.exceptions import HTTPException
from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.requests import ClientDisconnect, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from guiders.api.deps import principal_of
from guiders.api.routes import messages
from guiders.api.routes.messages import SdkMessage, draft_of, sent_response
from guiders.api.schemas import MessageBody
from guiders.services.container import Services

CHAT_SEND = "/api/v2/chats/{chat_id}/messages"
SDK_SEND = "/api/v2/messages"
_CHAT_PATH = re.compile(
    r"/api/v2/chats/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/messages"
)


class _Fallback(Exception):
    """The request is not the plain case: FastAPI's route answers it."""


class SendRouteMiddleware:
    """The innermost middleware: the two send routes, or the rest of the application."""

    def __init__(self, app: ASGIApp, *, fastapi: FastAPI, services: Services) -> None:
        self.app = app
        self.fastapi = fastapi
        self.services = services
        self._routes: dict[str, APIRoute] | None = None
        self._guarded: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if path == SDK_SEND:
            template, path_params = SDK_SEND, {}
        else:
            match = _CHAT_PATH.fullmatch(path)
            if match is None:
                await self.app(scope, receive, send)
                return
            template, path_params = CHAT_SEND, {"chat_id": match.group(1)}
        query: bytes = scope.get("query_string", b"")
        if b"\x00" in query or b"%00" in query:  # deps.reject_nul's 422, FastAPI's to write
            await self.app(scope, receive, send)
            return
        route = self._route(template)
        scope["route"] = route
        scope["endpoint"] = route.endpoint
        scope["path_params"] = path_params
        body: list[bytes] = []
        try:
            await self._exceptions_handled()(scope, _Reading(receive, body), send)
        except _Fallback:
            await self.app(scope, _replay(b"".join(body), receive), send)

    def _route(self, template: str) -> APIRoute:
        """The FastAPI route this one stands in for: the object FastAPI's router would put in
        ``scope["route"]`` (metrics read its path template)."""
        if self._routes is None:
            endpoints = {messages.send_message: CHAT_SEND, messages.send_message_sdk: SDK_SEND}
            self._routes = {
                endpoints[r.endpoint]: r
                for r in messages.router.routes
                if isinstance(r, APIRoute) and r.endpoint in endpoints
            }
        return self._routes[template]

    def _exceptions_handled(self) -> ASGIApp:
        """The handle wrapped the way FastAPI wraps its routes: the application's exception
        handlers answer what it raises; the catch-all one (500) stays outside, as for FastAPI."""
        if self._guarded is None:
            handlers = {
                key: value
                for key, value in self.fastapi.exception_handlers.items()
                if key not in (500, Exception)
            }
            self._guarded = ExceptionMiddleware(self._handle, handlers=handlers)
        return self._guarded

    async def _handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        try:
            raw = await request.body()
        except ClientDisconnect as exc:  # what FastAPI's route answers (to no one)
            raise HTTPException(400, "There was an error parsing the body") from exc
        content_type = request.headers.get("content-type", "")
        if not raw or content_type.partition(";")[0].strip().lower() != "application/json":
            raise _Fallback
        try:
            data: Any = json.loads(raw)
        except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError: FastAPI's 422 / 400
            raise _Fallback from exc
        principal = await principal_of(request, self.services)
        try:
            body: MessageBody
            path_chat: str | None = scope["path_params"].get("chat_id")
            if path_chat is None:
                sdk = SdkMessage.model_validate(data)
                chat_id, body = sdk.chat_id, sdk
            else:
                body = MessageBody.model_validate(data)
                chat_id = UUID(path_chat)
        except ValidationError as exc:
            raise _Fallback from exc
        message, created = await self.services.messages.send(principal, chat_id, draft_of(body))
        await sent_response(message, created)(scope, receive, send)


class _Reading:
    """``receive`` that keeps what it read, for the replay to FastAPI's route."""

    def __init__(self, receive: Receive, kept: list[bytes]) -> None:
        self.receive = receive
        self.kept = kept

    async def __call__(self) -> Message:
        message = await self.receive()
        if message["type"] == "http.request":
            self.kept.append(message.get("body", b""))
        return message


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay
