"""The client raises the server's own error vocabulary (``guiders.domain.errors``).

::

    GuidersError
     ├── ValidationFailed (422)   BadRequest (400)   Unauthenticated (401)   Forbidden (403)
     ├── NotFound (404)           Conflict (409)     RateLimited (429)
     └── Unavailable (503, other 5xx, or the server cannot be reached)

The JSON body's ``error`` code picks the class when it is a known one, else the HTTP status.
"""

from __future__ import annotations

from typing import Any

from guiders.domain import errors

_BY_CODE: dict[str, type[errors.GuidersError]] = {
    cls.code: cls
    for cls in (
        errors.ValidationFailed,
        errors.BadRequest,
        errors.Unauthenticated,
        errors.Forbidden,
        errors.NotFound,
        errors.Conflict,
        errors.InvalidTransition,
        errors.Unavailable,
    )
}
_BY_STATUS: dict[int, type[errors.GuidersError]] = {
    400: errors.BadRequest,
    401: errors.Unauthenticated,
    403: errors.Forbidden,
    404: errors.NotFound,
    409: errors.Conflict,
    422: errors.ValidationFailed,
}


def error_from_response(status: int, body: Any, retry_after: float | None) -> errors.GuidersError:
    """The domain error for a non-2xx answer; ``status`` is kept in ``details``."""
    code = body.get("error") if isinstance(body, dict) else None
    message = body.get("message") if isinstance(body, dict) else None
    text = str(message or f"HTTP {status}")
    field = body.get("field") if isinstance(body, dict) else None
    if status == 429:
        return errors.RateLimited(text, retry_after=retry_after or 0.0, limit=0)
    cls = _BY_CODE.get(str(code)) or _BY_STATUS.get(status)
    if cls is None:
        cls = errors.Unavailable if status >= 500 else errors.BadRequest
    return cls(text, field=field if isinstance(field, str) else None, status=status, code=code)
