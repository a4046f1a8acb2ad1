"""Visitors of a site, their sessions and what the tracker saw them do."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from guiders.domain.analysis import Analysis, Conversion, Segment
from guiders.domain.events import Aggregate, DomainEvent, Stream


class Lifecycle(StrEnum):
    ANON = "anon"
    ENGAGED = "engaged"
    LEAD = "lead"
    CONVERTED = "converted"


class PageCategory(StrEnum):
    ADMINISTRATIVE = "administrative"
    INFORMATIONAL = "informational"
    PRODUCT = "product"


_PROFILE_FIELDS = (
    "name",
    "email",
    "phone",
    "userAgent",
    "source",
    "campaign",
    "timeZone",
    "location",
    "currentUrl",
    "referrer",
)


@dataclass(slots=True)
class Visitor(Aggregate):
    id: UUID
    company_id: UUID
    site_id: UUID
    created_at: datetime
    last_seen_at: datetime
    fingerprint: str | None = None
    lifecycle: Lifecycle = Lifecycle.ANON
    name: str | None = None
    email: str | None = None
    phone: str | None = None
    user_agent: str | None = None
    source: str | None = None
    campaign: str | None = None
    time_zone: str | None = None
    location: str | None = None
    current_url: str | None = None
    referrer: str | None = None
    consent_version: str | None = None
    consented_at: datetime | None = None
    email_consent_at: datetime | None = None

    @classmethod
    def register(
        cls,
        *,
        id: UUID,
        company_id: UUID,
        site_id: UUID,
        fingerprint: str | None,
        profile: dict[str, Any],
        at: datetime,
    ) -> Visitor:
        visitor = cls(id=id, company_id=company_id, site_id=site_id, created_at=at, last_seen_at=at)
        visitor._emit(
            "visitor.registered",
            at,
            {
                "visitor_id": str(id),
                "site_id": str(site_id),
                "fingerprint": fingerprint,
                **_profile(profile),
            },
        )
        return visitor

    def update_profile(self, profile: dict[str, Any], at: datetime) -> None:
        changes = {k: v for k, v in _profile(profile).items() if getattr(self, k) != v}
        if changes:
            self._emit("visitor.profile_updated", at, changes)

    def record_consent(self, version: str | None, at: datetime) -> None:
        if self.consented_at is None or self.consent_version != version:
            self._emit("visitor.consented", at, {"consent_version": version})

    def advance_lifecycle(self, lifecycle: Lifecycle, at: datetime) -> None:
        order = list(Lifecycle)
        if order.index(lifecycle) > order.index(self.lifecycle):
            self._emit(
                "visitor.lifecycle_changed",
                at,
                {"lifecycle": lifecycle.value, "previous": self.lifecycle.value},
            )

    def start_session(self, session: VisitorSession) -> None:
        self._emit(
            "visitor.session_started",
            session.started_at,
            {"session_id": str(session.id), "current_url": session.current_url},
        )

    def end_session(self, session_id: UUID, at: datetime) -> None:
        self._emit("visitor.session_ended", at, {"session_id": str(session_id)})

    def track(self, events: list[TrackingEvent], at: datetime) -> None:
        """One log entry per accepted batch, so a 500-event batch is one append, not 500."""
        if events:
            self._emit("visitor.activity_tracked", at, {"events": [e.facts() for e in events]})

    def set_email_consent(self, given: bool, at: datetime) -> None:
        """Consent to e-mail follow-ups, separate from the privacy policy's."""
        if given != (self.email_consent_at is not None):
            self._emit("visitor.email_consent_changed", at, {"email_consent": given})

    def analyze(self, analysis: Analysis, previous: Segment | None, at: datetime) -> bool:
        """Records a score; True when it moved the visitor to another segment."""
        self._emit("visitor.analyzed", at, analysis.facts())
        if analysis.segment == previous:
            return False
        self._emit(
            "visitor.segment_changed",
            at,
            {
                "visitor_id": str(self.id),
                "segment": analysis.segment.value,
                "previous_segment": previous.value if previous else None,
                "conversion_probability": analysis.conversion_probability,
            },
        )
        return True

    def record_strategy(self, facts: dict[str, Any], at: datetime) -> None:
        self._emit("strategy.applied", at, {"visitor_id": str(self.id), **facts})

    def convert(self, conversion: Conversion) -> None:
        self._emit("visitor.converted", conversion.occurred_at, conversion.facts())
        self.advance_lifecycle(Lifecycle.CONVERTED, conversion.occurred_at)

    @property
    def stream(self) -> Stream:
        return Stream("visitor", self.id, self.company_id)

    def apply(self, event: DomainEvent) -> None:
        p = event.payload
        if event.type == "visitor.registered":
            self.fingerprint = p.get("fingerprint")
            self._set_profile(p)
        elif event.type == "visitor.profile_updated":
            self._set_profile(p)
        elif event.type == "visitor.consented":
            self.consent_version = p.get("consent_version")
            self.consented_at = event.occurred_at
        elif event.type == "visitor.lifecycle_changed":
            self.lifecycle = Lifecycle(p["lifecycle"])
        elif event.type == "visitor.email_consent_changed":
            self.email_consent_at = event.occurred_at if p["email_consent"] else None
        elif event.type in (
            "visitor.session_started",
            "visitor.session_ended",
            "visitor.activity_tracked",
            "visitor.analyzed",
            "visitor.segment_changed",
            "visitor.converted",
            "strategy.applied",
        ):
            pass
        else:
            raise ValueError(f"visitor cannot apply {event.type}")

    def _set_profile(self, payload: dict[str, Any]) -> None:
        for key in PROFILE_FACTS:
            if key in payload:
                setattr(self, key, payload[key])

    @classmethod
    def from_registered(cls, event: DomainEvent) -> Visitor:
        visitor = cls(
            id=event.aggregate_id,
            company_id=event.company_id,
            site_id=UUID(event.payload["site_id"]),
            created_at=event.occurred_at,
            last_seen_at=event.occurred_at,
        )
        visitor.apply(event)
        visitor.version = event.version
        return visitor


def _attr(key: str) -> str:
    return {"userAgent": "user_agent", "timeZone": "time_zone", "currentUrl": "current_url"}.get(
        key, key
    )


PROFILE_FACTS = tuple(_attr(k) for k in _PROFILE_FIELDS)
"""The profile's names in the log (and on the aggregate): ``user_agent``, ``time_zone``, ..."""


def _profile(profile: dict[str, Any]) -> dict[str, Any]:
    """The profile a client sent (the API's names), as facts in the domain's names."""
    return {_attr(k): v for k, v in profile.items() if k in _PROFILE_FIELDS and v is not None}


@dataclass(slots=True)
class VisitorSession:
    id: UUID
    visitor_id: UUID
    company_id: UUID
    started_at: datetime
    last_heartbeat_at: datetime
    ended_at: datetime | None = None
    current_url: str | None = None

    @property
    def is_active(self) -> bool:
        return self.ended_at is None


@dataclass(frozen=True, slots=True)
class TrackingEvent:
    id: UUID
    visitor_id: UUID
    company_id: UUID
    session_id: UUID | None
    type: str
    occurred_at: datetime
    url: str | None = None
    page_category: PageCategory | None = None
    duration_ms: int | None = None
    metadata: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "visitorId": str(self.visitor_id),
            "sessionId": str(self.session_id) if self.session_id else None,
            "type": self.type,
            "url": self.url,
            "pageCategory": self.page_category.value if self.page_category else None,
            "durationMs": self.duration_ms,
            "metadata": self.metadata or {},
            "occurredAt": self.occurred_at.isoformat(),
        }

    def facts(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "visitor_id": str(self.visitor_id),
            "session_id": str(self.session_id) if self.session_id else None,
            "type": self.type,
            "url": self.url,
            "page_category": self.page_category.value if self.page_category else None,
            "duration_ms": self.duration_ms,
            "metadata": self.metadata or {},
            "occurred_at": self.occurred_at.isoformat(),
        }
