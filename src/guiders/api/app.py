"""The ASGI application factory."""

from __future__ import annotations

import gc
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import socketio
from fastapi import Depends, FastAPI
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from guiders import __version__
from guiders.api import docs_ui, errors
from guiders.api.body_limit import BodyLimitMiddleware
from guiders.api.client_address import trust_forwarded
from guiders.api.cors import CredentialOriginMiddleware, SiteCorsMiddleware, SiteHosts
from guiders.api.deps import reject_nul
from guiders.api.metrics_endpoint import metrics_app
from guiders.api.ratelimit import RateLimitMiddleware, RateLimits
from guiders.api.routes import (
    agents,
    analytics,
    attachments,
    auth,
    availability,
    canned,
    chat_automation,
    chat_mail,
    chats,
    company_settings,
    consents,
    dashboard,
    events,
    handing_on,
    handoff,
    health,
    knowledge,
    mail,
    messages,
    model_health,
    pipeline_rules,
    platform,
    presence,
    privacy,
    sagas,
    sdk,
    security,
    shadow,
    team,
    visitors,
    webhooks,
)
from guiders.api.security_headers import SecurityHeadersMiddleware
from guiders.api.send_route import SendRouteMiddleware
from guiders.config import DEFAULT_BODY_LIMITS, Settings
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
        raw = b""
        for name, header in scope["headers"]:
            if name == b"x-request-id":
                raw = header
                break
        value = raw.decode("latin-1")[:80] if raw else secrets.token_hex(16)
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


def create_app(
    settings: Settings | None = None, runtime: Runtime | None = None, *, send_route: bool = True
) -> FastAPI:
    """``send_route=False`` leaves the send path to FastAPI's route alone (api/send_route.py):
    the tests compare the two."""
    settings = settings or Settings()
    runtime = runtime or Runtime.build(settings)
    collector = runtime.metrics_collector()
    if settings.metrics_enabled:
        runtime.bus.subscribe_published(record_event)

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
        docs_url=None,  # served locally with a CSP (api/docs_ui.py), not from a CDN
        redoc_url=None,
        openapi_url="/openapi.json",
        # FastAPI's own OpenTelemetry bridge: guiders exports Prometheus metrics instead, and
        # the bridge asked on every request whether a provider had been configured since
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    if settings.docs_enabled:
        docs_ui.install(app)
    app.state.runtime = runtime
    app.state.metrics_collector = collector
    errors.install(app)
    # the send path first: FastAPI tries routers in order, and matching had grown to a seventh
    # of a send's time (no other router's path overlaps these, so the order changes nothing else).
    # Each router is included in the app itself, not under one "/api" router: FastAPI 0.165
    # walks every router below an included one on each request to see whether its routes changed
    for module in (
        messages,
        health,
        auth,
        chats,
        agents,
        visitors,
        events,
        presence,
        sdk,
        analytics,
        chat_automation,
        handoff,
        sagas,
        dashboard,
        mail,
        knowledge,
        security,
        platform,
        model_health,
        shadow,
        company_settings,
        chat_mail,
        canned,
        handing_on,
        attachments,
        team,
        pipeline_rules,
        webhooks,
        privacy,
        consents,
        availability,
    ):
        app.include_router(module.router, prefix="/api", dependencies=[Depends(reject_nul)])
    app.include_router(site.router)
    metrics = metrics_app(settings)
    # ``/metrics`` itself, not a redirect to ``/metrics/`` (the mount still serves that)
    app.router.routes.append(Route("/metrics", metrics, include_in_schema=False))
    app.mount("/metrics", metrics)
    app.state.rate_limits = RateLimits.from_settings(settings)
    if send_route:
        # innermost: every middleware below applies to it as to the FastAPI route
        app.add_middleware(SendRouteMiddleware, fastapi=app, services=runtime.services)
    # inside the limiter: a credential is read only once the address may still try one
    app.add_middleware(CredentialOriginMiddleware, services=runtime.services)
    app.add_middleware(RateLimitMiddleware, limits=app.state.rate_limits)
    app.add_middleware(CorrelationIdMiddleware)
    app.add_middleware(BodyLimitMiddleware, **body_limits(settings))
    app.state.site_hosts = SiteHosts(runtime.services.tenancy.site_hosts)
    app.add_middleware(
        SiteCorsMiddleware,
        hosts=app.state.site_hosts,
        prefixes=("/api/",),
    )
    app.add_middleware(SecurityHeadersMiddleware, hsts=settings.environment == "production")
    if settings.metrics_enabled:
        app.add_middleware(HttpMetricsMiddleware)
    if settings.trusted_proxy_list:
        # outermost: every middleware and route sees the client behind a trusted proxy
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxy_list)
    return app


def body_limits(settings: Settings) -> dict[str, Any]:
    """Checked on the stream before authentication (api/body_limit.py); Socket.IO's own
    polling bodies get the socket message limit."""
    return {
        "default": settings.max_body_bytes,
        "limits": {
            **DEFAULT_BODY_LIMITS,
            **settings.body_limits,
            "/socket.io": settings.socket_max_message_bytes,
            # the multipart envelope around a file of the largest size accepted
            "/api/v2/attachments": settings.attachment_max_bytes + 64 * 1024,
        },
    }


def create_asgi(settings: Settings | None = None, runtime: Runtime | None = None) -> ASGIApp:
    """The whole server: the REST app with Socket.IO at ``/socket.io/``."""
    settings = settings or Settings()
    runtime = runtime or Runtime.build(settings)
    app = create_app(settings, runtime)
    realtime = RealtimeServer(runtime.realtime_ports(), app.state.rate_limits)
    app.state.realtime = realtime
    realtime.origin_owners = app.state.site_hosts.owners
    asgi: ASGIApp = socketio.ASGIApp(realtime.sio, other_asgi_app=app, socketio_path="socket.io")
    # the REST app checks its own bodies: this one only guards Socket.IO's polling requests
    asgi = BodyLimitMiddleware(asgi, **body_limits(settings), only=("/socket.io",))
    # Socket.IO's requests skip the REST app's middleware: trusted proxies apply here too
    # (a second pass on REST requests changes nothing: the client is no proxy by then)
    return trust_forwarded(
        SiteCorsMiddleware(asgi, hosts=app.state.site_hosts, prefixes=("/socket.io",)),
        settings.trusted_proxy_list,
    )
