"""Request dependencies: the caller's credential, and short aliases for route signatures."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import Depends, Request

from guiders.api.ratelimit import QUOTA_KEY, Quota
from guiders.domain.errors import GuidersError, Unauthenticated, ValidationFailed
from guiders.runtime import Runtime
from guiders.services.access import Principal
from guiders.services.container import Services

SID_HEADER = "x-guiders-sid"
PRINCIPAL_KEY = "guiders.principal"
"""Where :func:`principal_of` keeps a request's outcome in the ASGI scope."""


async def reject_nul(request: Request) -> None:
    """No database text column takes a NUL character; refuse it in the path and the query."""
    if "\x00" in request.scope["path"]:
        raise ValidationFailed("the path must not contain NUL characters", field="path")
    query: bytes = request.scope.get("query_string", b"")
    if b"\x00" not in query and b"%00" not in query:
        return  # nothing in the query decodes to NUL: skip parsing it on every request
    for name, value in request.query_params.multi_items():
        if "\x00" in name or "\x00" in value:
            raise ValidationFailed("query parameters must not contain NUL characters", field=name)


def runtime_of(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


# Dependencies are ``async`` on purpose: FastAPI runs plain functions in a thread pool, a hop
# per request for what is an attribute lookup.
async def get_services(request: Request) -> Services:
    return runtime_of(request).services


async def get_principal(request: Request) -> Principal:
    """Bearer token or API key, ``x-api-key``, or the SDK's session id (header or cookie).

    A credential that fails counts against its address's failed-credential limit; one that
    holds counts against its principal's limit (``api/ratelimit.py``). While the address is
    over its failed-credential limit only what needs no database is checked (signed tokens,
    cached keys); the rest is refused with 429."""
    return await principal_of(request, runtime_of(request).services)


async def principal_of(request: Request, services: Services) -> Principal:
    """:func:`get_principal`, once per request: the outcome (the principal, or the error) is
    kept in the ASGI scope, so a middleware that needed it first (the per-company CORS check,
    ``api/cors.py``) and the route share one look-up, one charge and one counted failure."""
    done = request.scope.get(PRINCIPAL_KEY)
    if isinstance(done, Principal):
        return done
    if isinstance(done, GuidersError):
        raise done
    try:
        principal = await _charged_principal(request, services)
    except GuidersError as exc:
        request.scope[PRINCIPAL_KEY] = exc
        raise
    request.scope[PRINCIPAL_KEY] = principal
    return principal


async def _charged_principal(request: Request, services: Services) -> Principal:
    quota: Quota | None = request.scope.get(QUOTA_KEY)
    offline = quota is not None and quota.lookups_refused is not None
    try:
        principal = await _authenticate(request, services, offline=offline)
    except Unauthenticated:
        if quota is not None:
            await quota.record_failure()
        raise
    if principal is None:
        assert quota is not None
        raise quota.refused()
    if quota is not None:
        await quota.charge_principal(principal)
    return principal


async def _authenticate(request: Request, services: Services, *, offline: bool) -> Principal | None:
    """``None`` when ``offline`` and the credential needs a database look-up."""
    tokens = services.tokens
    authorization = request.headers.get("authorization", "")
    if authorization:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated("Authorization must be 'Bearer <token>'")
        if offline:
            return tokens.authenticate_offline(token.strip())
        return await tokens.authenticate(token.strip())
    api_key = request.headers.get("x-api-key")
    if api_key:
        if offline:
            return tokens.authenticate_offline(api_key.strip())
        return await tokens.authenticate_key(api_key.strip())
    sid = request.headers.get(SID_HEADER) or request.cookies.get(SID_HEADER)
    if sid:
        try:
            session_id = UUID(sid)
        except ValueError as exc:
            raise Unauthenticated("The session id is not valid") from exc
        if offline:
            return None
        return await services.visitors.session_principal(session_id)
    raise Unauthenticated("No credential: send Authorization: Bearer <token>")


ServicesDep = Annotated[Services, Depends(get_services)]
CurrentPrincipal = Annotated[Principal, Depends(get_principal)]
