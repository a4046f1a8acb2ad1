"""The webhook delivery log as the console's Integrations page reads it."""

from __future__ import annotations

from guiders.api.responses import Reply


class Delivery(Reply):
    at: str
    webhook: str | None
    url: str | None
    eventId: str | None
    """The delivered event's id (the receiver's idempotency key)."""
    eventType: str | None
    outcome: str | None
    """``delivered``, ``failed`` (after the retries) or ``refused`` (a private address)."""
    attempts: int | None
    statusCode: int | None
    error: str | None


class DeliveryList(Reply):
    deliveries: list[Delivery]
