"""Analytics use cases: record a score (and act on it), read it, record conversions, contact.

Recording a score, the segment change and every strategy action (chat priority, assignment,
a proactive chat, a queued e-mail) happen in one unit of work: either all of it is stored with
its events, or none.
"""

from __future__ import annotations

import math
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from guiders.domain.analysis import Analysis, Conversion, Segment
from guiders.domain.errors import Forbidden, NotFound, ValidationFailed
from guiders.domain.strategy import Plan, StrategyConfig, plan
from guiders.domain.visitor import Visitor
from guiders.services.access import Principal, check_visitor_access, require_staff_or_key
from guiders.services.bot_identity import BotIdentity
from guiders.services.liveness import Liveness
from guiders.services.ports import Cache, ChatQuery, UnitOfWork, UnitOfWorkFactory
from guiders.services.strategies import MailTemplate, carry_out

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_EMAIL = re.compile(rf"^[A-Za-z0-9.!#$%&'*+/=?^_`{{|}}~-]{{1,64}}@{_LABEL}(?:\.{_LABEL})+$")
"""One plain address: no display name, comment or list, so it cannot add recipients."""
_CURRENCY = re.compile(r"^[A-Z]{3}$")


@dataclass(frozen=True, slots=True)
class AnalysisDraft:
    """What the worker sends; the server stamps the time and owns the segment's effects."""

    conversion_probability: float
    segment: Segment
    model_version: str
    top_factors: list[dict[str, Any]]
    features: dict[str, Any]
    profile: dict[str, Any]
    context: dict[str, Any]
    session_id: UUID | None = None


@dataclass(frozen=True, slots=True)
class Recorded:
    analysis: Analysis
    previous: Segment | None
    plan: Plan


class AnalyticsService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        config: StrategyConfig,
        template: MailTemplate,
        cache: Cache | None = None,
        prediction_ttl_s: float = 0.0,
        liveness: Liveness | None = None,
        identity: BotIdentity | None = None,
    ) -> None:
        """``identity``: signs the proactive chat's messages with the company's bot name."""
        self._uow = uow
        self._identity = identity
        self._liveness = liveness or Liveness()
        self._config = config
        self._template = template
        self._cache = cache
        self._prediction_ttl_s = prediction_ttl_s

    async def prediction(self, principal: Principal, visitor_id: UUID) -> Analysis:
        """Read by every console view of a visitor: cached for ``prediction_ttl_s`` (the
        profiles TTL), deleted by ``record``; the access check runs on a hit too."""
        require_staff_or_key(principal)
        cached = await self._cache.get(prediction_key(visitor_id)) if self._cache else None
        if isinstance(cached, dict):
            company = UUID(cached["companyId"])
            check_visitor_access(principal, visitor_id, company)
            return Analysis.from_event(
                visitor_id, company, cached["analysis"], datetime.fromisoformat(cached["at"])
            )
        async with self._uow() as uow:
            await _visitor(uow, principal, visitor_id)
            analysis = await uow.analyses.get(visitor_id)
        if analysis is None:
            raise NotFound(
                "The visitor has not been scored yet", field="visitorId", reason="not_scored"
            )
        if self._cache is not None:
            entry = {
                "companyId": str(analysis.company_id),
                "at": analysis.scored_at.isoformat(),
                "analysis": analysis.facts(),
            }
            await self._cache.set(prediction_key(visitor_id), entry, self._prediction_ttl_s)
        return analysis

    async def forget_prediction(self, visitor_id: UUID) -> None:
        if self._cache is not None:
            await self._cache.delete(prediction_key(visitor_id))

    async def record(
        self, principal: Principal, visitor_id: UUID, draft: AnalysisDraft
    ) -> Recorded:
        if not principal.is_integration:
            raise Forbidden("Only an integration key (the analytics worker) records scores")
        if not (
            math.isfinite(draft.conversion_probability)
            and 0.0 <= draft.conversion_probability <= 1.0
        ):
            raise ValidationFailed(
                "conversionProbability must be within [0, 1]", field="conversionProbability"
            )
        if self._identity is not None:  # the proactive chat's author, before the transaction
            principal = await self._identity.sign(principal)
        now = datetime.now(UTC)
        async with self._uow() as uow:
            uow.actor = principal.actor
            visitor = await _visitor(uow, principal, visitor_id)
            current = await uow.analyses.get(visitor_id)
            previous = current.segment if current else None
            analysis = Analysis(
                visitor_id=visitor.id,
                company_id=visitor.company_id,
                conversion_probability=draft.conversion_probability,
                segment=draft.segment,
                model_version=draft.model_version,
                scored_at=now,
                session_id=draft.session_id,
                top_factors=draft.top_factors,
                features=draft.features,
                profile=draft.profile,
                context=draft.context,
            )
            if current is not None and analysis.repeats(current):
                return Recorded(
                    analysis=current, previous=previous, plan=Plan(segment=current.segment)
                )
            visitor.analyze(analysis, previous, now)
            await uow.analyses.save(analysis)
            page = await uow.chats.find(
                ChatQuery(company_id=visitor.company_id, visitor_id=visitor.id, limit=50)
            )
            open_chats = [c for c in page.items if c.is_open]
            workloads = await uow.chats.workloads(visitor.company_id)
            candidates = await self._liveness.candidates(
                await uow.agents.of_company(visitor.company_id), workloads
            )
            decided = plan(
                analysis,
                previous,
                open_chats=open_chats,
                candidates=candidates,
                has_email_consent=bool(visitor.email and visitor.email_consent_at),
                last_email_at=await uow.mail.last_queued_at(visitor.id, "nurturing_followup"),
                config=self._config,
            )
            await carry_out(
                uow, principal, visitor, analysis, decided, open_chats, self._config, self._template
            )
            uow.track(visitor)
            await uow.visitors.save(visitor)
            await uow.commit()
        await self.forget_prediction(visitor_id)
        return Recorded(analysis=analysis, previous=previous, plan=decided)

    async def convert(
        self,
        principal: Principal,
        visitor_id: UUID,
        *,
        value: float | None,
        currency: str | None,
        session_id: UUID | None,
    ) -> Conversion:
        require_staff_or_key(principal)
        if value is not None and not (math.isfinite(value) and 0 <= value <= 1e12):
            raise ValidationFailed("value must be a non-negative number", field="value")
        if currency is not None and not _CURRENCY.match(currency):
            raise ValidationFailed(
                "currency must be an ISO 4217 code such as EUR", field="currency"
            )
        now = datetime.now(UTC)
        async with self._uow() as uow:
            uow.actor = principal.actor
            visitor = await _visitor(uow, principal, visitor_id)
            if session_id is None:
                sessions = await uow.visitors.sessions(visitor.id, 1)
                session_id = sessions[0].id if sessions else None
            else:
                session = await uow.visitors.get_session(session_id)
                if session is None or session.visitor_id != visitor.id:
                    raise NotFound("Session not found", field="sessionId")
            conversion = Conversion(
                id=uuid.uuid4(),
                visitor_id=visitor.id,
                company_id=visitor.company_id,
                session_id=session_id,
                value=value,
                currency=currency,
                occurred_at=now,
            )
            visitor.convert(conversion)
            uow.track(visitor)
            await uow.analyses.add_conversion(conversion)
            await uow.visitors.save(visitor)
            await uow.commit()
        return conversion

    async def update_contact(
        self,
        principal: Principal,
        visitor_id: UUID,
        *,
        profile: dict[str, Any],
        email_consent: bool | None,
    ) -> Visitor:
        """The visitor (or staff for them) leaves a name, address, phone and e-mail consent."""
        email = profile.get("email")
        if email is not None and not _EMAIL.match(email):
            raise ValidationFailed("email is not a valid address", field="email")
        now = datetime.now(UTC)
        async with self._uow() as uow:
            uow.actor = principal.actor
            visitor = await _visitor(uow, principal, visitor_id)
            visitor.update_profile(profile, now)
            if email_consent is not None:
                if email_consent and not visitor.email:
                    raise ValidationFailed(
                        "emailConsent needs an e-mail address", field="emailConsent"
                    )
                visitor.set_email_consent(email_consent, now)
            uow.track(visitor)
            await uow.visitors.save(visitor)
            await uow.commit()
        return visitor


def prediction_key(visitor_id: UUID) -> str:
    """``v2``: entries hold the analysis as domain facts (the first ones held camelCase)."""
    return f"prediction:v2:{visitor_id}"


async def _visitor(uow: UnitOfWork, principal: Principal, visitor_id: UUID) -> Visitor:
    visitor = await uow.visitors.get(visitor_id)
    check_visitor_access(principal, visitor_id, visitor.company_id if visitor else None)
    assert visitor is not None
    return visitor
