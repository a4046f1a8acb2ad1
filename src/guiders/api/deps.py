"""Request dependencies: the caller's credential, and short aliases for route signatures."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import Depends, Request

from guiders.domain.errors import Unauthenticated, ValidationFailed
from guiders.runtime import Runtime
from guiders.services.access import Principal
from guiders.services.container import Services

SID_HEADER = "x-guiders-sid"


async def reject_nul(request: Request) -> None:
    """No database text column takes a NUL character; refuse it in the path and the query."""
    if "\x00" in request.url.path:
        raise ValidationFailed("the path must not contain NUL characters", field="path")
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
    """Bearer token or API key, ``x-api-key``, or the SDK's session id (header or cookie)."""
    services = runtime_of(request).services
    authorization = request.headers.get("authorization", "")
    if authorization:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated("Authorization must be 'Bearer <token>'")
        return await services.tokens.authenticate(token.strip())
    api_key = request.headers.get("x-api-key")
    if api_key:
        return await services.tokens.authenticate_key(api_key.strip())
    sid = request.headers.get(SID_HEADER) or request.cookies.get(SID_HEADER)
    if sid:
        try:
            session_id = UUID(sid)
        except ValueError as exc:
            raise Unauthenticated("The session id is not valid") from exc
        return await services.visitors.session_principal(session_id)
    raise Unauthenticated("No credential: send Authorization: Bearer <token>")


ServicesDep = Annotated[Services, Depends(get_services)]
CurrentPrincipal = Annotated[Principal, Depends(get_principal)]
