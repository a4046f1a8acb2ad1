"""A visitor's conversion score, the segment it puts them in, and recorded conversions.

The score is computed outside the server (the analytics worker, an integration-key client) and
recorded here as a ``visitor.analyzed`` event of the visitor; the latest one is the visitor's
current analysis. A conversion is a ``visitor.converted`` event: the outcome the model learns
from, and the value behind GA-style page values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID


class Segment(StrEnum):
    VIP = "vip"
    STANDARD = "standard"
    NURTURING = "nurturing"


@dataclass(frozen=True, slots=True)
class Analysis:
    """The latest score of a visitor; ``features`` are the model input, kept for retraining."""

    visitor_id: UUID
    company_id: UUID
    conversion_probability: float
    segment: Segment
    model_version: str
    scored_at: datetime
    session_id: UUID | None = None
    top_factors: list[dict[str, Any]] = field(default_factory=list)
    features: dict[str, Any] = field(default_factory=dict)
    profile: dict[str, Any] = field(default_factory=dict)
    context: dict[str, Any] = field(default_factory=dict)

    def repeats(self, other: Analysis) -> bool:
        """The same score of the same input again: a client's retry of a recording that went
        through (its answer lost to a timeout), or a replica redoing a score another recorded.
        ``PUT`` is idempotent, so such a repeat records nothing and runs no strategy twice."""
        return (
            other.visitor_id == self.visitor_id
            and other.model_version == self.model_version
            and other.conversion_probability == self.conversion_probability
            and other.segment == self.segment
            and other.session_id == self.session_id
            and other.features == self.features
            and other.top_factors == self.top_factors
        )

    def facts(self) -> dict[str, Any]:
        """The ``visitor.analyzed`` payload (and the cached prediction)."""
        return {
            "visitor_id": str(self.visitor_id),
            "session_id": str(self.session_id) if self.session_id else None,
            "conversion_probability": self.conversion_probability,
            "segment": self.segment.value,
            "model_version": self.model_version,
            "top_factors": self.top_factors,
            "features": self.features,
            "profile": self.profile,
            "context": self.context,
        }

    @classmethod
    def from_event(
        cls, visitor_id: UUID, company_id: UUID, payload: dict[str, Any], at: datetime
    ) -> Analysis:
        session = payload.get("session_id")
        return cls(
            visitor_id=visitor_id,
            company_id=company_id,
            conversion_probability=float(payload["conversion_probability"]),
            segment=Segment(payload["segment"]),
            model_version=str(payload["model_version"]),
            scored_at=at,
            session_id=UUID(session) if session else None,
            top_factors=list(payload.get("top_factors") or []),
            features=dict(payload.get("features") or {}),
            profile=dict(payload.get("profile") or {}),
            context=dict(payload.get("context") or {}),
        )


@dataclass(frozen=True, slots=True)
class Conversion:
    id: UUID
    visitor_id: UUID
    company_id: UUID
    session_id: UUID | None
    value: float | None
    currency: str | None
    occurred_at: datetime

    def facts(self) -> dict[str, Any]:
        return {
            "conversion_id": str(self.id),
            "visitor_id": str(self.visitor_id),
            "session_id": str(self.session_id) if self.session_id else None,
            "value": self.value,
            "currency": self.currency,
        }

    @classmethod
    def from_event(
        cls, visitor_id: UUID, company_id: UUID, payload: dict[str, Any], at: datetime
    ) -> Conversion:
        session = payload.get("session_id")
        value = payload.get("value")
        return cls(
            id=UUID(payload["conversion_id"]),
            visitor_id=visitor_id,
            company_id=company_id,
            session_id=UUID(session) if session else None,
            value=float(value) if value is not None else None,
            currency=payload.get("currency"),
            occurred_at=at,
        )
