"""CORS for the widget: a page may call us only from a registered site's own hosts.

Starlette's ``CORSMiddleware`` takes a fixed list or a regex; ours is data (every company's sites
and aliases, changing at run time), so this middleware reads it from the database and caches it
for a few seconds. The rules:

- an ``Origin`` is allowed when its host, lower-cased and without a leading ``www.``, is the domain
  or an alias of any registered site; the scheme (http or https) and the port are not compared,
  because a site is registered by host name and the widget sends only ``location.hostname``;
- a request whose ``Origin`` is the server's own (``Host``/``X-Forwarded-Host``) is same-origin
  and needs nothing;
- an allowed origin is echoed in ``Access-Control-Allow-Origin`` with
  ``Access-Control-Allow-Credentials: true`` (never ``*``); every answer varies on ``Origin``;
- any other ``Origin`` is refused with 403 before the request reaches a route, so a foreign page
  can neither read nor cause anything with a visitor's cookie; calls without ``Origin`` (servers,
  bots, curl) are not affected.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable, Iterable
from urllib.parse import urlsplit

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from guiders.domain.company import normalise_domain

ALLOW_METHODS = "GET, POST, PUT, PATCH, DELETE, OPTIONS"
ALLOW_HEADERS = (
    "Authorization, Content-Type, X-Guiders-Sid, x-api-key, X-Request-ID, Accept, Accept-Language"
)
EXPOSE_HEADERS = "X-Request-ID, X-RateLimit-Limit, X-RateLimit-Remaining, Retry-After"
PREFLIGHT_MAX_AGE_S = 600
RETRY_S = 2.0
log = structlog.get_logger(__name__)

HostLoader = Callable[[], Awaitable[Iterable[str]]]


class SiteHosts:
    """Every registered site host, reloaded at most every ``ttl_s`` seconds."""

    def __init__(self, load: HostLoader, ttl_s: float = 10.0) -> None:
        self._load = load
        self._ttl_s = ttl_s
        self._hosts: frozenset[str] = frozenset()
        self._expires = 0.0
        self._lock = asyncio.Lock()

    async def contains(self, host: str) -> bool:
        if time.monotonic() >= self._expires:
            async with self._lock:
                if time.monotonic() >= self._expires:
                    await self._reload()
        return normalise_domain(host) in self._hosts

    async def _reload(self) -> None:
        """A database hiccup keeps the last known list (and retries soon) rather than failing
        every browser request."""
        try:
            self._hosts = frozenset(normalise_domain(h) for h in await self._load())
            self._expires = time.monotonic() + self._ttl_s
        except Exception:
            log.warning("could not load the site hosts for CORS; keeping the last list")
            self._expires = time.monotonic() + RETRY_S

    def forget(self) -> None:
        """Drop the cache (a site was just added)."""
        self._expires = 0.0


def origin_host(origin: str) -> str | None:
    parts = urlsplit(origin)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return parts.hostname


_READ = frozenset({b"origin", b"host", b"x-forwarded-host", b"access-control-request-method"})
"""The request headers CORS decides on: a websocket's frame keeps this dict for the socket's
life, so it holds these and no others."""


class SiteCorsMiddleware:
    def __init__(self, app: ASGIApp, *, hosts: SiteHosts, prefixes: tuple[str, ...]) -> None:
        self.app = app
        self.hosts = hosts
        self.prefixes = prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or not scope["path"].startswith(
            self.prefixes
        ):
            await self.app(scope, receive, send)
            return
        headers = {
            k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"] if k in _READ
        }
        origin = headers.get("origin")
        if origin is None or _same_origin(origin, headers):
            await self.app(scope, receive, send)
            return
        host = origin_host(origin)
        allowed = host is not None and await self.hosts.contains(host)
        if scope["type"] == "websocket":
            if allowed:
                await self.app(scope, receive, send)
            else:
                await send({"type": "websocket.close", "code": 1008})
            return
        if not allowed:
            await _refuse(send)
            return
        cors = [
            (b"access-control-allow-origin", origin.encode("latin-1")),
            (b"access-control-allow-credentials", b"true"),
            (b"vary", b"Origin"),
        ]
        if scope["method"] == "OPTIONS" and "access-control-request-method" in headers:
            await send(
                {
                    "type": "http.response.start",
                    "status": 204,
                    "headers": [
                        *cors,
                        (b"access-control-allow-methods", ALLOW_METHODS.encode()),
                        (b"access-control-allow-headers", ALLOW_HEADERS.encode()),
                        (b"access-control-max-age", str(PREFLIGHT_MAX_AGE_S).encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": b""})
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                kept = [
                    (k, v)
                    for k, v in message.get("headers", [])
                    if not k.lower().startswith(b"access-control-")
                ]
                message["headers"] = [
                    *kept,
                    *cors,
                    (b"access-control-expose-headers", EXPOSE_HEADERS.encode()),
                ]
            await send(message)

        await self.app(scope, receive, send_with_cors)


def _same_origin(origin: str, headers: dict[str, str]) -> bool:
    netloc = urlsplit(origin).netloc.lower()
    served_as = {
        headers.get("host", "").lower(),
        headers.get("x-forwarded-host", "").split(",")[0].strip().lower(),
    }
    return bool(netloc) and netloc in served_as


async def _refuse(send: Send) -> None:
    body = json.dumps(
        {
            "error": "origin_not_allowed",
            "message": "This origin is not one of a registered site's domains",
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 403,
            "headers": [(b"content-type", b"application/json"), (b"vary", b"Origin")],
        }
    )
    await send({"type": "http.response.body", "body": body})
