"""One error vocabulary for the whole product.

::

    GuidersError
     ├── ValidationFailed       (422)  input is well-formed JSON but breaks a rule; names the field
     ├── BadRequest             (400)  input cannot be understood, or an action is not allowed
     │    └── ConsentRequired          the visitor has not accepted the privacy policy
     ├── Unauthenticated        (401)  no credential, or an expired, revoked or unknown one
     ├── Forbidden              (403)  a valid credential that may not do this
     ├── NotFound               (404)  no such thing (or not visible to this credential)
     ├── Conflict               (409)
     │    ├── InvalidTransition        the chat's status machine refuses the move
     │    └── TooManyOpenChats         the visitor has as many open chats as they may
     ├── RateLimited            (429)
     └── Unavailable            (503)  a dependency is down

Domain code raises these with a machine code; only ``api/errors.py`` knows the HTTP statuses.
"""

from __future__ import annotations

from typing import Any


class GuidersError(Exception):
    code = "internal_error"

    def __init__(self, message: str, *, field: str | None = None, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.details = details


class ValidationFailed(GuidersError):
    code = "validation_error"


class BadRequest(GuidersError):
    code = "bad_request"


class ConsentRequired(BadRequest):
    code = "consent_required"


class Unauthenticated(GuidersError):
    code = "unauthorized"


class Forbidden(GuidersError):
    code = "forbidden"


class NotFound(GuidersError):
    code = "not_found"


class Conflict(GuidersError):
    code = "conflict"


class InvalidTransition(Conflict):
    code = "invalid_transition"


class TooManyOpenChats(Conflict):
    """The visitor already has the most chats that are not closed they may have.

    A conflict with the visitor's state (409), not a rate limit: waiting does not help, closing
    a chat does, and clients (our SDK included) retry a 429 by themselves."""

    code = "too_many_open_chats"


class PayloadTooLarge(GuidersError):
    code = "payload_too_large"


class UnsupportedMediaType(GuidersError):
    """(415) a file whose content is not of an accepted type, whatever its name says."""

    code = "unsupported_media_type"


class RateLimited(GuidersError):
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: float, limit: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.limit = limit


class Unavailable(GuidersError):
    code = "service_unavailable"
