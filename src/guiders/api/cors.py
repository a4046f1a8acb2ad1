"""CORS for the widget: a page may call us only from a registered site's own hosts, and with a
credential only from a host of the credential's own company.

Starlette's ``CORSMiddleware`` takes a fixed list or a regex; ours is data (every company's sites
and aliases, changing at run time), so this middleware reads it from the database and caches it
for a few seconds. The rules:

- an ``Origin`` is allowed when its host, lower-cased and without a leading ``www.``, is the domain
  or an alias of a registered site; the scheme (http or https) and the port are not compared,
  because a site is registered by host name and the widget sends only ``location.hostname``;
- a request carrying a credential (bearer token or key, ``x-api-key``, the ``X-Guiders-Sid``
  header or cookie) is allowed only from a host of *that credential's company*: company B's site
  is not a trusted origin for company A's visitors, so B's page can neither read A's answers nor
  act with an A visitor's cookie. Preflights carry no credential and are answered for any
  registered host; the request that follows is refused if its credential belongs elsewhere. An
  invalid credential decides nothing here (the route answers 401). The credential is read by
  :class:`CredentialOriginMiddleware`, which sits *inside* the rate limiter: an anonymous
  client's made-up session ids are throttled per address like any other failed credential
  before they cost a database look-up (issue 14), and the route reuses the principal found;
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
from dataclasses import dataclass
from http.cookies import CookieError, SimpleCookie
from urllib.parse import urlsplit
from uuid import UUID

import structlog
from cachetools import TLRUCache
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from guiders.api.deps import principal_of
from guiders.api.errors import error_body
from guiders.domain.company import normalise_domain
from guiders.domain.errors import GuidersError, RateLimited
from guiders.services.container import Services

ALLOW_METHODS = "GET, POST, PUT, PATCH, DELETE, OPTIONS"
ALLOW_HEADERS = (
    "Authorization, Content-Type, X-Guiders-Sid, x-api-key, X-Request-ID, Accept, Accept-Language"
)
EXPOSE_HEADERS = "X-Request-ID, X-RateLimit-Limit, X-RateLimit-Remaining, Retry-After"
PREFLIGHT_MAX_AGE_S = 600
RETRY_S = 2.0
log = structlog.get_logger(__name__)

HostLoader = Callable[[], Awaitable[Iterable[tuple[str, UUID]]]]
"""Every registered site host with the company owning the site."""


class SiteHosts:
    """Every registered site host and its companies, reloaded at most every ``ttl_s`` seconds
    (a one-entry cachetools ``TLRUCache``: the entry lives ``ttl_s``, or ``RETRY_S`` after a
    failed load)."""

    def __init__(self, load: HostLoader, ttl_s: float = 10.0) -> None:
        self._load = load
        self._ttl_s = ttl_s
        self._next_ttl_s = ttl_s
        self._last: dict[str, frozenset[UUID]] = {}
        self._hosts: TLRUCache[str, dict[str, frozenset[UUID]]] = TLRUCache(
            maxsize=1, ttu=lambda _key, _hosts, now: now + self._next_ttl_s, timer=time.monotonic
        )
        self._lock = asyncio.Lock()

    async def contains(self, host: str) -> bool:
        return bool(await self.owners(host))

    async def owners(self, host: str) -> frozenset[UUID]:
        """The companies with a site on this host (usually one)."""
        hosts = self._hosts.get("all")
        if hosts is None:
            async with self._lock:
                hosts = self._hosts.get("all")
                if hosts is None:
                    hosts = await self._reload()
        return hosts.get(normalise_domain(host), frozenset())

    async def _reload(self) -> dict[str, frozenset[UUID]]:
        """A database hiccup keeps the last known list (and retries soon) rather than failing
        every browser request."""
        try:
            hosts: dict[str, set[UUID]] = {}
            for host, company_id in await self._load():
                hosts.setdefault(normalise_domain(host), set()).add(company_id)
            self._last = {h: frozenset(c) for h, c in hosts.items()}
            self._next_ttl_s = self._ttl_s
        except Exception:
            log.warning("could not load the site hosts for CORS; keeping the last list")
            self._next_ttl_s = RETRY_S
        self._hosts["all"] = self._last
        return self._last

    def forget(self) -> None:
        """Drop the cache (a site was just added)."""
        self._hosts.clear()


def origin_host(origin: str) -> str | None:
    parts = urlsplit(origin)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return parts.hostname


_READ = frozenset(
    {
        b"origin",
        b"host",
        b"x-forwarded-host",
        b"access-control-request-method",
        b"authorization",
        b"x-api-key",
        b"x-guiders-sid",
        b"cookie",
    }
)
"""The request headers CORS decides on: a websocket's frame keeps this dict for the socket's
life, so it holds these and no others."""
CREDENTIAL_HEADERS = ("authorization", "x-api-key", "x-guiders-sid", "cookie")


@dataclass(slots=True)
class CredentialCheck:
    """Left in the scope by :class:`SiteCorsMiddleware` for :class:`CredentialOriginMiddleware`:
    the companies owning the request's origin, and whether the inner check refused it (then the
    refusal goes out without the CORS headers)."""

    owners: frozenset[UUID]
    refused: bool = False


CHECK_KEY = "guiders.cors_check"


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
        raw: list[tuple[bytes, bytes]] = scope["headers"]
        if not any(name == b"origin" for name, _ in raw):  # most API calls: not a browser's
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in raw if k in _READ}
        origin = headers.get("origin")
        if origin is None or _same_origin(origin, headers):
            await self.app(scope, receive, send)
            return
        host = origin_host(origin)
        owners = await self.hosts.owners(host) if host is not None else frozenset()
        allowed = bool(owners)
        check = CredentialCheck(owners)
        if allowed and scope["type"] == "http" and _has_credential(headers):
            scope[CHECK_KEY] = check
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
            if message["type"] == "http.response.start" and not check.refused:
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


class CredentialOriginMiddleware:
    """The second half of the per-company rule, placed inside ``RateLimitMiddleware``: reads the
    request's credential the way the routes do (``deps.principal_of``: the failed-credential
    limit, the principal's limit, one look-up kept for the route) and refuses it from another
    company's site. An invalid credential decides nothing (the route answers 401); a throttled
    one is answered 429 here."""

    def __init__(self, app: ASGIApp, *, services: Services) -> None:
        self.app = app
        self.services = services

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        check: CredentialCheck | None = scope.get(CHECK_KEY)
        if scope["type"] != "http" or check is None:
            await self.app(scope, receive, send)
            return
        try:
            principal = await principal_of(Request(scope), self.services)
        except RateLimited as exc:
            headers = {
                "Retry-After": str(max(1, round(exc.retry_after + 0.5))),
                "X-RateLimit-Limit": str(exc.limit),
                "X-RateLimit-Remaining": "0",
            }
            refusal = JSONResponse(error_body(exc.code, exc.message), 429, headers=headers)
            await refusal(scope, receive, send)
            return
        except GuidersError:
            principal = None
        if principal is not None and principal.company_id not in (None, *check.owners):
            check.refused = True
            await _refuse(send)
            return
        await self.app(scope, receive, send)


SID = "x-guiders-sid"


def _has_credential(headers: dict[str, str]) -> bool:
    """A credential header, or the session cookie (not just any cookie)."""
    if any(h in headers for h in CREDENTIAL_HEADERS if h != "cookie"):
        return True
    return _cookie(headers.get("cookie", ""), SID) is not None


def _cookie(raw: str, name: str) -> str | None:
    jar = SimpleCookie()
    try:
        jar.load(raw)
    except CookieError:
        return None
    morsel = jar.get(name)
    return morsel.value if morsel else None
