"""An async Python client of the Guiders public API (REST + Socket.IO); see docs/client.md.

The names below are imported when first used (PEP 562), not with the package: the client pulls
in httpx, pydantic and python-socketio, and every ``guiders`` command imports
``guiders.client.cli_options`` (a package's ``__init__`` runs before any of its modules), so
``guiders --help`` would pay for the whole client. An import error still surfaces, at the
first use of the name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from guiders.lazy_exports import lazy_exports

if TYPE_CHECKING:
    from guiders.client.client import GuidersClient
    from guiders.client.http import RetryPolicy
    from guiders.client.models import (
        Agent,
        Chat,
        Event,
        EventPage,
        Message,
        Page,
        Session,
        Visitor,
    )

_HOMES = {
    "Agent": "guiders.client.models",
    "Chat": "guiders.client.models",
    "Event": "guiders.client.models",
    "EventPage": "guiders.client.models",
    "GuidersClient": "guiders.client.client",
    "Message": "guiders.client.models",
    "Page": "guiders.client.models",
    "RetryPolicy": "guiders.client.http",
    "Session": "guiders.client.models",
    "Visitor": "guiders.client.models",
}

__all__ = [
    "Agent",
    "Chat",
    "Event",
    "EventPage",
    "GuidersClient",
    "Message",
    "Page",
    "RetryPolicy",
    "Session",
    "Visitor",
]


__getattr__, __dir__ = lazy_exports(__name__, _HOMES, globals())
