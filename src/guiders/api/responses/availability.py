"""What the widget reads about people's availability, the visitor's wait and the disclosure."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from guiders.api.responses import Reply


class AvailabilityReply(Reply):
    state: Literal["online", "busy", "nobody_online", "closed"]
    openNow: bool = Field(description="within the company's business hours")
    agentsOnline: int
    agentsAvailable: int
    nextOpening: str | None = Field(description="when business hours start again (ISO 8601)")
    timeZone: str
    typicalWaitSeconds: float | None = Field(
        description="median wait of the latest assignments; null: not enough data, or nobody in"
    )
    outsideHours: Literal["offer_email", "bot_only"]


class WaitReply(Reply):
    position: int | None = Field(description="1 = next; null when not waiting in the queue")
    queueLength: int
    estimateSeconds: float | None = Field(description="null: no honest estimate")
    samples: int = Field(description="assignments the estimate is based on")


class DisclosureReply(Reply):
    recorded: bool = Field(description="false when this text was recorded for the chat before")
