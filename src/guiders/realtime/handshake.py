"""Who is opening a socket: the handshake's credential becomes a :class:`Principal`.

A token (staff, integration key, visitor), a visitor session id (``auth.sessionId`` or the
widget's ``x-guiders-sid`` cookie), or, only when ``GUIDERS_SDK_SECRETLESS_SOCKETS`` is on, the
SDK's bare ``{visitorId, tenantId}``. Anything else is refused before the socket exists.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from http.cookies import SimpleCookie
from typing import Any, Protocol
from urllib.parse import urlsplit
from uuid import UUID

from guiders.domain.errors import Forbidden, RateLimited, Unauthenticated
from guiders.services.access import Principal
from guiders.services.credentials import TokenService
from guiders.services.ports import UnitOfWorkFactory
from guiders.services.visitors import VisitorService, visitor_principal

SESSION_COOKIE = "x-guiders-sid"


class FailureAllowance(Protocol):
    allowed: bool
    limit: int
    retry_after_s: float


class FailureLimits(Protocol):
    """Failed credentials per client address, shared with the REST edge (``api/ratelimit.py``
    implements it; ``api/app.py`` passes the same instance to both)."""

    async def failures_allowed(self, address: str) -> FailureAllowance: ...
    async def record_failure(self, address: str) -> None: ...


def client_address(environ: dict[str, Any]) -> str:
    """The client's address as the outermost middleware left it (trusted proxies applied,
    ``api/client_address.py``)."""
    client = (environ.get("asgi.scope") or {}).get("client")
    return str(client[0]) if client else "unknown"


class Handshake:
    def __init__(
        self,
        tokens: TokenService,
        visitors: VisitorService,
        uow: UnitOfWorkFactory,
        *,
        secretless_sockets: bool,
        limits: FailureLimits | None = None,
    ) -> None:
        self._tokens = tokens
        self._visitors = visitors
        self._uow = uow
        self.secretless_sockets = secretless_sockets
        self.limits = limits
        """A failed handshake counts against its address's failed-credential limit, and past
        it only what needs no database is checked (``api/ratelimit.py``)."""

    async def authenticate(self, auth: dict[str, Any], environ: dict[str, Any]) -> Principal:
        if self.limits is None:
            found = await self._credential(auth, environ, offline=False)
            assert found is not None
            return found
        address = client_address(environ)
        allowed = await self.limits.failures_allowed(address)
        try:
            principal = await self._credential(auth, environ, offline=not allowed.allowed)
        except Unauthenticated:
            await self.limits.record_failure(address)
            raise
        if principal is None:
            raise RateLimited(
                "Too many failed credentials from this address; slow down",
                retry_after=allowed.retry_after_s,
                limit=allowed.limit,
            )
        return principal

    async def _credential(
        self, auth: dict[str, Any], environ: dict[str, Any], *, offline: bool
    ) -> Principal | None:
        """``None`` when ``offline`` and the credential needs a database look-up."""
        token = auth.get("token")
        if isinstance(token, str) and token:
            if offline:
                return self._tokens.authenticate_offline(token)
            return await self._tokens.authenticate(token)
        session = auth.get("sessionId") or _cookie(environ, SESSION_COOKIE)
        if isinstance(session, str) and session:
            try:
                session_id = UUID(session)
            except ValueError as exc:
                raise Unauthenticated("The session id is not valid") from exc
            return None if offline else await self._visitors.session_principal(session_id)
        if self.secretless_sockets:
            visitor = uuid_field(auth, "visitorId")
            tenant = uuid_field(auth, "tenantId")
            if visitor is not None and tenant is not None:
                return None if offline else await self._secretless_visitor(visitor, tenant)
        raise Unauthenticated("No credential in the handshake: send auth {token}")

    async def _secretless_visitor(self, visitor_id: UUID, tenant_id: UUID) -> Principal:
        """The SDK's ``{visitorId, tenantId}``: anyone who knows a visitor id is that visitor,
        hence off unless ``GUIDERS_SDK_SECRETLESS_SOCKETS`` is on."""
        async with self._uow() as uow:
            visitor = await uow.visitors.get(visitor_id)
        if visitor is None or visitor.company_id != tenant_id:
            raise Unauthenticated("Unknown visitor for this tenant")
        return visitor_principal(visitor)


async def check_origin(
    principal: Principal,
    environ: dict[str, Any],
    owners: Callable[[str], Awaitable[frozenset[UUID]]] | None,
) -> None:
    """A socket opened from a page of another company's site is refused, as CORS refuses
    its HTTP requests (``api/cors.py``): the credential's company must own the origin."""
    origin = environ.get("HTTP_ORIGIN")
    if not origin or owners is None:
        return
    parts = urlsplit(origin)
    served_as = {
        environ.get("HTTP_HOST", "").lower(),
        environ.get("HTTP_X_FORWARDED_HOST", "").lower(),
    }
    if parts.netloc.lower() in served_as or not parts.hostname:
        return
    if principal.company_id not in await owners(parts.hostname):
        raise Forbidden("This origin is not one of the company's sites")


def uuid_field(data: Any, key: str) -> UUID | None:
    """``data[key]`` as a UUID, or None when a client sent something else."""
    value = data.get(key) if isinstance(data, dict) else None
    if not isinstance(value, str):
        return None
    with contextlib.suppress(ValueError):
        return UUID(value)
    return None


def _cookie(environ: dict[str, Any], name: str) -> str | None:
    raw = environ.get("HTTP_COOKIE")
    if not raw:
        return None
    cookie: SimpleCookie = SimpleCookie()
    cookie.load(raw)
    morsel = cookie.get(name)
    return morsel.value if morsel else None
