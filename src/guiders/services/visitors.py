"""Visitor use cases: register (guide), identify (SDK), sessions, tracking, profile."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from guiders.domain.company import Site
from guiders.domain.errors import Forbidden, NotFound, Unauthenticated, ValidationFailed
from guiders.domain.visitor import PageCategory, TrackingEvent, Visitor, VisitorSession
from guiders.services.access import Principal, PrincipalKind, check_visitor_access
from guiders.services.consents import tracking_refused
from guiders.services.ports import Actor, UnitOfWork, UnitOfWorkFactory

MAX_TRACKING_BATCH = 500
MAX_SESSIONS_PER_BATCH = 10
"""The SDK's batch is one page's events, one session: an anonymous batch naming 500 made-up
session ids was 500 database look-ups inside one transaction. Past this many distinct sessions
an event is refused without a look-up."""
SESSION_TRACKING_GRACE = timedelta(minutes=5)
SESSION_CREDENTIAL_IDLE = timedelta(hours=24)
"""A session id (``X-Guiders-Sid``, the cookie) is a credential until this long after its last
heartbeat (or its start): the cookie lives 24 h, but the id itself worked for ever, so one
leaked (a log, a shared HAR) was the visitor for good unless the session was ended."""


@dataclass(frozen=True, slots=True)
class Identified:
    visitor: Visitor
    session: VisitorSession
    is_new: bool


@dataclass(frozen=True, slots=True)
class TrackingResult:
    received: int
    processed: int
    discarded: int
    errors: list[dict[str, Any]]


class VisitorService:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def site_for(self, site_key: str, domain: str | None) -> Site:
        """The site a public key belongs to, checked against the page's domain."""
        async with self._uow() as uow:
            site = await uow.tenancy.site_by_key(site_key)
        if site is None:
            raise Unauthenticated("Unknown site API key", field="apiKey")
        if domain is not None and not site.serves(domain):
            raise Forbidden("The domain does not match the site API key", field="domain")
        return site

    async def site_by_ref(self, ref: str) -> Site:
        """The SDK names its site by id (from the pixel metadata) or, degraded, by its key."""
        async with self._uow() as uow:
            try:
                site = await uow.tenancy.get_site(UUID(ref))
            except ValueError:
                site = await uow.tenancy.site_by_key(ref)
        if site is None:
            raise NotFound("Unknown site", field="siteId")
        return site

    async def identify(
        self,
        site: Site,
        *,
        fingerprint: str | None,
        profile: dict[str, Any],
        consent_version: str | None,
    ) -> Identified:
        """Finds the visitor by fingerprint (or registers one) and opens a session."""
        now = datetime.now(UTC)
        async with self._uow() as uow:
            uow.actor = _visitor_actor(None)
            visitor = (
                await uow.visitors.by_fingerprint(site.id, fingerprint) if fingerprint else None
            )
            is_new = visitor is None
            if visitor is None:
                visitor = Visitor.register(
                    id=uuid.uuid4(),
                    company_id=site.company_id,
                    site_id=site.id,
                    fingerprint=fingerprint,
                    profile=profile,
                    at=now,
                )
                await uow.visitors.add(visitor)
            else:
                visitor.update_profile(profile, now)
                visitor.last_seen_at = now
            uow.actor = _visitor_actor(visitor.id)
            if consent_version is not None:
                visitor.record_consent(consent_version, now)
            session = VisitorSession(
                id=uuid.uuid4(),
                visitor_id=visitor.id,
                company_id=site.company_id,
                started_at=now,
                last_heartbeat_at=now,
                current_url=profile.get("currentUrl"),
            )
            visitor.start_session(session)
            uow.track(visitor)
            await uow.visitors.add_session(session)
            await uow.visitors.save(visitor)
            await uow.commit()
        return Identified(visitor=visitor, session=session, is_new=is_new)

    async def session_principal(self, session_id: UUID) -> Principal:
        """The ``X-Guiders-Sid`` credential: an open session of a known visitor."""
        async with self._uow() as uow:
            session = await uow.visitors.get_session(session_id)
            visitor = await uow.visitors.get(session.visitor_id) if session else None
        if session is None or visitor is None or not session.is_active:
            raise Unauthenticated("The session is unknown or has ended")
        idle = datetime.now(UTC) - max(session.started_at, session.last_heartbeat_at)
        if idle > SESSION_CREDENTIAL_IDLE:
            raise Unauthenticated("The session has expired; identify again")
        return visitor_principal(visitor)

    async def heartbeat(
        self, principal: Principal, session_id: UUID | None, current_url: str | None
    ) -> VisitorSession:
        now = datetime.now(UTC)
        async with self._uow() as uow:
            session = await self._own_session(uow, principal, session_id)
            session.last_heartbeat_at = now
            if current_url:
                session.current_url = current_url
            await uow.visitors.save_session(session)
            await uow.visitors.touch(principal.subject_id, now)
            await uow.commit()
        return session

    async def end_session(self, principal: Principal, session_id: UUID | None) -> None:
        now = datetime.now(UTC)
        async with self._uow() as uow:
            uow.actor = principal.actor
            session = await self._own_session(uow, principal, session_id)
            if session.ended_at is None:
                session.ended_at = now
                visitor = await uow.visitors.get(principal.subject_id)
                assert visitor is not None
                visitor.end_session(session.id, now)
                uow.track(visitor)
                await uow.visitors.save_session(session)
                await uow.visitors.save(visitor)
                await uow.commit()

    async def _own_session(
        self, uow: UnitOfWork, principal: Principal, session_id: UUID | None
    ) -> VisitorSession:
        if not principal.is_visitor:
            raise Forbidden("Only a visitor has sessions")
        if session_id is None:
            sessions = await uow.visitors.sessions(principal.subject_id, 1)
            session = sessions[0] if sessions else None
        else:
            session = await uow.visitors.get_session(session_id)
        if session is None or session.visitor_id != principal.subject_id:
            raise NotFound("Session not found", field="sessionId")
        return session

    async def track(self, principal: Principal, raw_events: list[dict[str, Any]]) -> TrackingResult:
        """Accepts what is valid and reports the rest: one bad event never sinks a batch."""
        _check_batch(raw_events)
        now = datetime.now(UTC)
        accepted: dict[UUID, list[TrackingEvent]] = {}
        errors: list[dict[str, Any]] = []
        async with self._uow() as uow:
            uow.actor = principal.actor
            visitors: dict[UUID, Visitor | None] = {}
            for index, raw in enumerate(raw_events):
                try:
                    event = _tracking_event(raw, principal.company_id, now)
                except (ValueError, TypeError, KeyError, OverflowError, OSError) as exc:
                    errors.append({"index": index, "error": str(exc)})
                    continue
                if event.visitor_id not in visitors:
                    visitors[event.visitor_id] = await uow.visitors.get(event.visitor_id)
                visitor = visitors[event.visitor_id]
                if (
                    visitor is None
                    or visitor.company_id != principal.company_id
                    or (principal.is_visitor and visitor.id != principal.subject_id)
                ):
                    errors.append({"index": index, "error": "unknown visitorId"})
                    continue
                accepted.setdefault(visitor.id, []).append(event)
            await _persist(uow, visitors, accepted, now, errors)
        return _result(len(raw_events), accepted, errors)

    async def track_sessions(self, site: Site, raw_events: list[Any]) -> TrackingResult:
        """The SDK's batches: each event carries its visitor's session id, which is the credential.

        An event counts only if its session is one of this site's company, belongs to the event's
        visitor and is open (or ended moments ago: the unload beacon may race the session end).
        """
        _check_batch(raw_events)
        now = datetime.now(UTC)
        accepted: dict[UUID, list[TrackingEvent]] = {}
        errors: list[dict[str, Any]] = []
        async with self._uow() as uow:
            uow.actor = _visitor_actor(None)
            visitors: dict[UUID, Visitor | None] = {}
            sessions: dict[UUID, VisitorSession | None] = {}
            for index, raw in enumerate(raw_events):
                try:
                    event = _tracking_event(_from_sdk(raw), site.company_id, now)
                except (ValueError, TypeError, KeyError, OverflowError, OSError) as exc:
                    errors.append({"index": index, "error": str(exc)})
                    continue
                session_id = event.session_id
                assert session_id is not None
                if session_id not in sessions:
                    if len(sessions) >= MAX_SESSIONS_PER_BATCH:
                        errors.append({"index": index, "error": "too many sessions in one batch"})
                        continue
                    sessions[session_id] = await uow.visitors.get_session(session_id)
                session = sessions[session_id]
                if (
                    session is None
                    or session.company_id != site.company_id
                    or session.visitor_id != event.visitor_id
                    or (
                        session.ended_at is not None
                        and now - session.ended_at > SESSION_TRACKING_GRACE
                    )
                ):
                    errors.append({"index": index, "error": "unknown or ended sessionId"})
                    continue
                if event.visitor_id not in visitors:
                    visitors[event.visitor_id] = await uow.visitors.get(event.visitor_id)
                if visitors[event.visitor_id] is None:
                    errors.append({"index": index, "error": "unknown visitorId"})
                    continue
                accepted.setdefault(event.visitor_id, []).append(event)
            await _persist(uow, visitors, accepted, now, errors)
        return _result(len(raw_events), accepted, errors)

    async def profile(self, principal: Principal, visitor_id: UUID) -> Visitor:
        async with self._uow() as uow:
            visitor = await uow.visitors.get(visitor_id)
        check_visitor_access(principal, visitor_id, visitor.company_id if visitor else None)
        assert visitor is not None
        return visitor

    async def sessions(
        self, principal: Principal, visitor_id: UUID, limit: int
    ) -> list[VisitorSession]:
        await self.profile(principal, visitor_id)
        async with self._uow() as uow:
            return await uow.visitors.sessions(visitor_id, limit)

    async def tracking(
        self, principal: Principal, visitor_id: UUID, limit: int
    ) -> list[TrackingEvent]:
        await self.profile(principal, visitor_id)
        async with self._uow() as uow:
            return await uow.visitors.tracking(visitor_id, limit)


def _check_batch(raw_events: list[Any]) -> None:
    if not 1 <= len(raw_events) <= MAX_TRACKING_BATCH:
        raise ValidationFailed(f"events must hold 1 to {MAX_TRACKING_BATCH} items", field="events")


async def _persist(
    uow: UnitOfWork,
    visitors: dict[UUID, Visitor | None],
    accepted: dict[UUID, list[TrackingEvent]],
    now: datetime,
    errors: list[dict[str, Any]],
) -> None:
    for visitor_id, batch in list(accepted.items()):
        if await tracking_refused(uow, visitor_id):  # the visitor said no: nothing is stored
            del accepted[visitor_id]
            errors.append({"visitorId": str(visitor_id), "error": "tracking consent refused"})
            continue
        visitor = visitors[visitor_id]
        assert visitor is not None
        visitor.track(batch, now)
        visitor.last_seen_at = now
        uow.track(visitor)
        await uow.visitors.add_tracking(batch)
        await uow.visitors.save(visitor)
    await uow.commit()


def _result(
    received: int, accepted: dict[UUID, list[TrackingEvent]], errors: list[dict[str, Any]]
) -> TrackingResult:
    processed = sum(len(b) for b in accepted.values())
    return TrackingResult(
        received=received,
        processed=processed,
        discarded=received - processed,
        errors=errors[:20],
    )


def _from_sdk(raw: Any) -> dict[str, Any]:
    """The SDK's event ``{visitorId, sessionId, eventType, metadata, occurredAt}`` in our terms."""
    if not isinstance(raw, dict):
        raise TypeError("each event must be an object")
    if not raw.get("sessionId"):
        raise ValueError("sessionId is required")
    metadata = raw.get("metadata")
    url = metadata.get("url") if isinstance(metadata, dict) else None
    return {
        "visitorId": raw.get("visitorId"),
        "sessionId": raw["sessionId"],
        "type": raw.get("eventType") or raw.get("type"),
        "occurredAt": raw.get("occurredAt"),
        "metadata": metadata,
        "url": url if isinstance(url, str) else raw.get("url"),
    }


def visitor_principal(visitor: Visitor) -> Principal:
    return Principal(
        kind=PrincipalKind.VISITOR,
        company_id=visitor.company_id,
        subject_id=visitor.id,
        name=visitor.name,
        site_id=visitor.site_id,
    )


def _visitor_actor(visitor_id: UUID | None) -> Actor:
    return Actor(id=str(visitor_id) if visitor_id else None, type="visitor")


def _tracking_event(raw: dict[str, Any], company_id: UUID, now: datetime) -> TrackingEvent:
    if not isinstance(raw, dict):
        raise TypeError("each event must be an object")
    event_type = raw.get("type") or raw.get("eventType")
    if not isinstance(event_type, str) or not event_type or len(event_type) > 100:
        raise ValueError("type is required (a string of at most 100 characters)")
    occurred = raw.get("occurredAt") or raw.get("timestamp")
    if isinstance(occurred, int | float):
        at = datetime.fromtimestamp(occurred / 1000, UTC)
    elif isinstance(occurred, str):
        at = datetime.fromisoformat(occurred.replace("Z", "+00:00"))
        at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    else:
        at = now
    category = raw.get("pageCategory")
    duration = raw.get("durationMs")
    if duration is not None and (
        not isinstance(duration, int) or isinstance(duration, bool) or not 0 <= duration < 2**63
    ):
        raise ValueError("durationMs must be a non-negative 64-bit integer")
    session = raw.get("sessionId")
    metadata = raw.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        raise ValueError("metadata must be an object")
    url = raw.get("url")
    if url is not None and (not isinstance(url, str) or len(url) > 2000):
        raise ValueError("url must be a string of at most 2000 characters")
    return TrackingEvent(
        id=uuid.uuid4(),
        visitor_id=UUID(str(raw["visitorId"])),
        company_id=company_id,
        session_id=UUID(str(session)) if session else None,
        type=event_type,
        occurred_at=at,
        url=url,
        page_category=PageCategory(category) if category else None,
        duration_ms=duration,
        metadata=metadata,
    )
