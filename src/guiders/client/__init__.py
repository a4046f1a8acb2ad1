"""An async Python client of the Guiders public API (REST + Socket.IO); see docs/client.md."""

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
