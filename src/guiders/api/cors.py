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
  invalid credential decides nothing here (the route answers 401);
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
from http.cookies import CookieError, SimpleCookie
from urllib.parse import urlsplit
from uuid import UUID

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from guiders.domain.company import normalise_domain
from guiders.domain.errors import GuidersError
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
CredentialCompany = Callable[[dict[str, str]], Awaitable[UUID | None]]
"""The company of the credential in these request headers, or None (none, or not valid)."""


class SiteHosts:
    """Every registered site host and its companies, reloaded at most every ``ttl_s`` seconds."""

    def __init__(self, load: HostLoader, ttl_s: float = 10.0) -> None:
        self._load = load
        self._ttl_s = ttl_s
        self._hosts: dict[str, frozenset[UUID]] = {}
        self._expires = 0.0
        self._lock = asyncio.Lock()

    async def contains(self, host: str) -> bool:
        return bool(await self.owners(host))

    async def owners(self, host: str) -> frozenset[UUID]:
        """The companies with a site on this host (usually one)."""
        if time.monotonic() >= self._expires:
            async with self._lock:
                if time.monotonic() >= self._expires:
                    await self._reload()
        return self._hosts.get(normalise_domain(host), frozenset())

    async def _reload(self) -> None:
        """A database hiccup keeps the last known list (and retries soon) rather than failing
        every browser request."""
        try:
            hosts: dict[str, set[UUID]] = {}
            for host, company_id in await self._load():
                hosts.setdefault(normalise_domain(host), set()).add(company_id)
            self._hosts = {h: frozenset(c) for h, c in hosts.items()}
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


class SiteCorsMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        hosts: SiteHosts,
        prefixes: tuple[str, ...],
        credential_company: CredentialCompany | None = None,
    ) -> None:
        self.app = app
        self.hosts = hosts
        self.prefixes = prefixes
        self.credential_company = credential_company

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
        owners = await self.hosts.owners(host) if host is not None else frozenset()
        allowed = bool(owners)
        if (
            allowed
            and scope["type"] == "http"
            and self.credential_company is not None
            and any(h in headers for h in CREDENTIAL_HEADERS)
        ):
            company = await self.credential_company(headers)
            allowed = company is None or company in owners
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


def credential_resolver(services: Services) -> CredentialCompany:
    """Reads the request's credential the way ``deps.get_principal`` does, for its company."""

    async def company(headers: dict[str, str]) -> UUID | None:
        try:
            authorization = headers.get("authorization", "")
            if authorization:
                scheme, _, token = authorization.partition(" ")
                if scheme.lower() != "bearer" or not token.strip():
                    return None
                return (await services.tokens.authenticate(token.strip())).company_id
            api_key = headers.get("x-api-key")
            if api_key:
                return (await services.tokens.authenticate_key(api_key.strip())).company_id
            sid = headers.get("x-guiders-sid") or _cookie(headers.get("cookie", ""), SID)
            if sid:
                return (await services.visitors.session_principal(UUID(sid))).company_id
        except (GuidersError, ValueError):
            return None
        return None

    return company


SID = "x-guiders-sid"


def _cookie(raw: str, name: str) -> str | None:
    jar = SimpleCookie()
    try:
        jar.load(raw)
    except CookieError:
        return None
    morsel = jar.get(name)
    return morsel.value if morsel else None
