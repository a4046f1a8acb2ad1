"""The ASGI application factory."""

from __future__ import annotations

import gc
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import socketio
from fastapi import APIRouter, Depends, FastAPI
from prometheus_client import make_asgi_app
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from guiders import __version__
from guiders.api import errors
from guiders.api.cors import SiteCorsMiddleware, SiteHosts
from guiders.api.deps import reject_nul
from guiders.api.ratelimit import RateLimitMiddleware
from guiders.api.routes import (
    analytics,
    auth,
    chat_automation,
    chats,
    commercials,
    dashboard,
    events,
    health,
    mail,
    messages,
    presence,
    sagas,
    sdk,
    visitors,
)
from guiders.config import Settings
from guiders.observability.metrics import HttpMetricsMiddleware, record_event
from guiders.realtime.server import RealtimeServer
from guiders.runtime import Runtime
from guiders.services.ports import correlation_id_var
from guiders.web import site


class CorrelationIdMiddleware:
    """Takes ``X-Request-ID`` (or makes one), puts it on the events and echoes it back."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw = dict(scope.get("headers") or []).get(b"x-request-id", b"")
        value = raw.decode("latin-1")[:80] if raw else uuid.uuid4().hex
        token = correlation_id_var.set(value)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-request-id", value.encode("latin-1")),
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            correlation_id_var.reset(token)


def create_app(settings: Settings | None = None, runtime: Runtime | None = None) -> FastAPI:
    settings = settings or Settings()
    runtime = runtime or Runtime.build(settings)
    collector = runtime.metrics_collector()
    if settings.metrics_enabled:
        runtime.bus.subscribe(record_event)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await runtime.start()
        collector.start()
        # the start-up heap (ORM metadata, routes, models) lives as long as the process: out of
        # the collector's reach, a full collection no longer walks it and pauses delivery
        gc.freeze()
        try:
            yield
        finally:
            await collector.stop()
            await runtime.stop()

    app = FastAPI(
        title="Guiders API",
        version=__version__,
        lifespan=lifespan,
        docs_url="/docs",
        openapi_url="/openapi.json",
    )
    app.state.runtime = runtime
    app.state.metrics_collector = collector
    errors.install(app)
    api = APIRouter(prefix="/api", dependencies=[Depends(reject_nul)])
    for module in (
        health,
        auth,
        chats,
        messages,
        commercials,
        visitors,
        events,
        presence,
        sdk,
        analytics,
        chat_automation,
        sagas,
        dashboard,
        mail,
    ):
        api.include_router(module.router)
    app.include_router(api)
    app.include_router(site.router)
    app.mount("/metrics", make_asgi_app())
    app.add_middleware(
        RateLimitMiddleware,
        per_minute=settings.rate_limit_per_minute,
        public_per_minute=settings.public_rate_limit_per_minute,
    )
    app.add_middleware(CorrelationIdMiddleware)
    app.state.site_hosts = SiteHosts(runtime.services.tenancy.site_hosts)
    app.add_middleware(SiteCorsMiddleware, hosts=app.state.site_hosts, prefixes=("/api/",))
    if settings.metrics_enabled:
        app.add_middleware(HttpMetricsMiddleware)
    return app


def create_asgi(settings: Settings | None = None, runtime: Runtime | None = None) -> ASGIApp:
    """The whole server: the REST app with Socket.IO at ``/socket.io/``."""
    settings = settings or Settings()
    runtime = runtime or Runtime.build(settings)
    app = create_app(settings, runtime)
    realtime = RealtimeServer(runtime.realtime_ports())
    app.state.realtime = realtime
    asgi: ASGIApp = socketio.ASGIApp(realtime.sio, other_asgi_app=app, socketio_path="socket.io")
    return SiteCorsMiddleware(asgi, hosts=app.state.site_hosts, prefixes=("/socket.io",))
