"""The visitor's rights and the company's retention: erasure, export, retention, consent.

- **Erasure** (admins): every row of the visitor goes, and their data key, which shreds their
  facts in the append-only log (``store/visitor_keys.py``). A ``visitor.erased`` event without
  personal data records that it happened, and evicts the key on every node.
- **Export** (admins): everything held about the visitor, the log's facts opened, as JSON.
- **Retention** (per company, in days): visitors last seen before the limit are erased; older
  chats and tracking of visitors still around are deleted. ``dry_run`` only counts.
- **Consent** (the visitor, or staff for them): e-mail, tracking and the privacy policy, with
  the time, the text shown, its language and where it was answered, recorded by the rules of
  ``services/consents.py``. A refused tracking consent stops tracking from being stored; a
  refused e-mail consent withdraws the visitor's e-mail consent. Renewing records a fresh grant,
  and only while one is in force (a withdrawn or lapsed consent is asked for again, never renewed
  behind the visitor's back).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from guiders.domain.company import StaffRole
from guiders.domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from guiders.domain.events import Stream
from guiders.services.access import Principal
from guiders.services.consents import (
    ConsentRecord,
    consent_answer,
    in_force,
    policy_acceptance,
    record_consent,
)
from guiders.services.ports import UnitOfWork, UnitOfWorkFactory
from guiders.services.privacy_ports import Consent

MAX_RETENTION_DAYS = 3650


@dataclass(slots=True)
class RetentionReport:
    company_id: UUID
    days: int
    before: datetime
    dry_run: bool
    visitors: int = 0
    chats: int = 0
    messages: int = 0
    sessions: int = 0
    tracking: int = 0

    def counts(self) -> dict[str, int]:
        return {
            "visitors": self.visitors,
            "chats": self.chats,
            "messages": self.messages,
            "sessions": self.sessions,
            "tracking": self.tracking,
        }


@dataclass
class PrivacyService:
    uow: UnitOfWorkFactory
    erased_hooks: list[Callable[[UUID], Awaitable[None]]] = field(default_factory=list)
    """Run after an erasure commits (the score cache forgets the visitor)."""

    async def erase(self, principal: Principal, visitor_id: UUID) -> dict[str, int]:
        _require_admin(principal)
        return await self.erase_visitor(principal.company_id, visitor_id, reason="request")

    async def erase_visitor(
        self, company_id: UUID, visitor_id: UUID, *, reason: str, actor: Principal | None = None
    ) -> dict[str, int]:
        """No authorisation here: for the retention job and the CLI (the operator)."""
        async with self.uow() as uow:
            if actor is not None:
                uow.actor = actor.actor
            await _own_visitor(uow, company_id, visitor_id)
            visitor = await uow.visitors.get(visitor_id)
            version = visitor.version + 1 if visitor is not None else 1
            counts = await uow.privacy.erase(company_id, visitor_id)
            uow.record(
                Stream("visitor", visitor_id, company_id).event(
                    "visitor.erased",
                    datetime.now(UTC),
                    {"visitor_id": str(visitor_id), "reason": reason, "removed": counts},
                    version=version,
                )
            )
            await uow.commit()
        for hook in self.erased_hooks:
            await hook(visitor_id)
        return counts

    async def company_of(self, visitor_id: UUID) -> UUID:
        """The visitor's company, for the operator's CLI (no authorisation here)."""
        async with self.uow() as uow:
            company = await uow.privacy.visitor_company(visitor_id)
        if company is None:
            raise NotFound("Visitor not found", field="visitorId")
        return company

    async def export(self, principal: Principal, visitor_id: UUID) -> dict[str, Any]:
        _require_admin(principal)
        return await self.export_visitor(principal.company_id, visitor_id)

    async def export_visitor(self, company_id: UUID, visitor_id: UUID) -> dict[str, Any]:
        async with self.uow() as uow:
            await _own_visitor(uow, company_id, visitor_id)
            data = await uow.privacy.export(company_id, visitor_id)
        return {
            "visitorId": str(visitor_id),
            "exportedAt": datetime.now(UTC).isoformat(),
            **data,
        }

    async def retention_days(self, principal: Principal) -> int | None:
        _require_admin(principal)
        async with self.uow() as uow:
            return await uow.privacy.retention_days(principal.company_id)

    async def set_retention_days(self, principal: Principal, days: int | None) -> int | None:
        _require_admin(principal)
        await self.set_company_retention(principal.company_id, days)
        return days

    async def set_company_retention(self, company_id: UUID, days: int | None) -> None:
        if days is not None and not 1 <= days <= MAX_RETENTION_DAYS:
            raise ValidationFailed(
                f"retention is 1 to {MAX_RETENTION_DAYS} days, or none", field="retentionDays"
            )
        async with self.uow() as uow:
            await uow.privacy.set_retention_days(company_id, days)
            await uow.commit()

    async def preview_retention(self, principal: Principal) -> RetentionReport | None:
        """The dry run for the console: what the next pass would delete now."""
        _require_admin(principal)
        async with self.uow() as uow:
            days = await uow.privacy.retention_days(principal.company_id)
        if days is None:
            return None
        return await self.apply_retention(principal.company_id, days, dry_run=True)

    async def apply_retention(
        self, company_id: UUID, days: int, *, dry_run: bool, now: datetime | None = None
    ) -> RetentionReport:
        before = (now or datetime.now(UTC)) - timedelta(days=days)
        async with self.uow() as uow:
            expiry = await uow.privacy.expiry(company_id, before)
        report = RetentionReport(
            company_id,
            days,
            before,
            dry_run,
            visitors=len(expiry.visitors),
            chats=len(expiry.chats),
            messages=expiry.messages,
            sessions=len(expiry.sessions),
            tracking=expiry.tracking,
        )
        if dry_run:
            return report
        for visitor_id in expiry.visitors:
            try:
                await self.erase_visitor(company_id, visitor_id, reason="retention")
            except NotFound:
                continue  # erased meanwhile (by hand, or by another node's pass)
        async with self.uow() as uow:
            await uow.privacy.expire(company_id, before, expiry)
            uow.record_fact(
                Stream("privacy", company_id, company_id),
                "privacy.retention_applied",
                {
                    "before": before.isoformat(),
                    "days": days,
                    "chats": [str(c) for c in expiry.chats],
                    "sessions": [str(s) for s in expiry.sessions],
                    "counts": report.counts(),
                },
            )
            await uow.commit()
        return report

    async def apply_all(
        self, *, dry_run: bool, now: datetime | None = None
    ) -> list[RetentionReport]:
        """Every company with a retention period: the scheduled job's pass."""
        async with self.uow() as uow:
            policies = await uow.privacy.retention_policies()
        return [
            await self.apply_retention(company_id, days, dry_run=dry_run, now=now)
            for company_id, days in policies
        ]

    async def record_consent(
        self,
        principal: Principal,
        visitor_id: UUID,
        purpose: str,
        granted: bool,
        text: str,
        *,
        language: str | None = None,
        source: str = "api",
    ) -> Consent:
        """The consents API: the visitor (or staff, or a key, for them) answers for a purpose."""
        answer = (purpose, granted, text)
        [consent] = await self.record_consents(
            principal, visitor_id, [answer], language=language, source=source
        )
        return consent

    async def record_consents(
        self,
        principal: Principal,
        visitor_id: UUID,
        answers: list[tuple[str, bool, str]],
        *,
        language: str | None = None,
        source: str,
        renewal: bool = False,
    ) -> list[Consent]:
        """Several answers (purpose, granted, text) in one unit of work: all are kept or none.

        ``renewal``: each is a renewal, refused (409) unless a grant of its purpose is in force."""
        consents = [
            consent_answer(purpose, granted, text, language=language, source=source)
            for purpose, granted, text in answers
        ]
        if principal.is_visitor and principal.subject_id != visitor_id:
            raise NotFound("Visitor not found", field="visitorId")
        async with self.uow() as uow:
            uow.actor = principal.actor
            visitor = await uow.visitors.get(visitor_id)
            if visitor is None or visitor.company_id != principal.company_id:
                raise NotFound("Visitor not found", field="visitorId")
            for consent in consents:
                if renewal and not await in_force(uow, visitor, consent):
                    raise Conflict(
                        "The consent is not in force (revoked, expired or never given), so it "
                        "cannot be renewed; grant it anew"
                    )
                await record_consent(uow, visitor, consent)
            await uow.commit()
        return consents

    async def consent_record(self, principal: Principal, visitor_id: UUID) -> ConsentRecord:
        """Every answer of the visitor, and their privacy-policy acceptance at ``identify``."""
        if principal.is_visitor and principal.subject_id != visitor_id:
            raise NotFound("Visitor not found", field="visitorId")
        async with self.uow() as uow:
            visitor = await uow.visitors.get(visitor_id)
            if visitor is None or visitor.company_id != principal.company_id:
                raise NotFound("Visitor not found", field="visitorId")
            answers = await uow.privacy.consent_history(visitor_id, None)
        return ConsentRecord(answers, policy_acceptance(visitor), visitor.consent_version)

    async def consents(self, principal: Principal, visitor_id: UUID) -> list[Consent]:
        if principal.is_visitor and principal.subject_id != visitor_id:
            raise NotFound("Visitor not found", field="visitorId")
        async with self.uow() as uow:
            await _own_visitor(uow, principal.company_id, visitor_id)
            return await uow.privacy.consents(visitor_id)

    async def consent_history(
        self, principal: Principal, visitor_id: UUID, purpose: str
    ) -> list[Consent]:
        """Every answer for one purpose, oldest first (staff of the company, or the visitor)."""
        if principal.is_visitor and principal.subject_id != visitor_id:
            raise NotFound("Visitor not found", field="visitorId")
        async with self.uow() as uow:
            await _own_visitor(uow, principal.company_id, visitor_id)
            return await uow.privacy.consent_history(visitor_id, purpose)


async def _own_visitor(uow: UnitOfWork, company_id: UUID, visitor_id: UUID) -> None:
    if await uow.privacy.visitor_company(visitor_id) != company_id:
        raise NotFound("Visitor not found", field="visitorId")


def _require_admin(principal: Principal) -> None:
    if not (principal.is_staff and principal.role == StaffRole.ADMIN):
        raise Forbidden("Only an admin exports, erases or sets retention")
