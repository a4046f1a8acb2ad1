"""The client's address, the one every per-address decision uses (login throttling, rate
limits, logs).

``X-Forwarded-For`` is believed only when the connection comes from a configured proxy
(``GUIDERS_TRUSTED_PROXIES``: addresses or CIDR networks; default none). Otherwise anyone could
rotate the header and appear as a new client on every request. Uvicorn's own proxy handling
trusts loopback by default, so ``guiders serve`` turns it off and this module does the job with
uvicorn's ``ProxyHeadersMiddleware`` (the right-most untrusted hop is the client), outermost, so
REST, Socket.IO and every middleware see the same ``scope["client"]``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from starlette.types import ASGIApp, Scope
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

UNKNOWN = "unknown"


def client_address(scope: Scope) -> str:
    """The address of the client, after trusted proxies' headers were applied."""
    client = scope.get("client")
    if not client:
        return UNKNOWN
    return str(client[0])


def trust_forwarded(app: ASGIApp, trusted_proxies: Sequence[str]) -> ASGIApp:
    """``app`` reading forwarded headers from ``trusted_proxies`` only (none: ``app``)."""
    if not trusted_proxies:
        return app
    wrapped: Any = ProxyHeadersMiddleware(cast(Any, app), trusted_hosts=list(trusted_proxies))
    return cast(ASGIApp, wrapped)
