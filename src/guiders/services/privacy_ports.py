"""The privacy feature's port: what erasure, export, retention and consent need of the store.

Kept beside ``ports/`` like ``knowledge_ports.py``; the unit of work exposes it as
``uow.privacy`` (``store/privacy.py`` implements it on SQL).
"""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

MAX_CONSENT_HISTORY = 1000
"""A consent history read holds at most the newest this many answers per purpose: a visitor may
answer again and again, and what a read costs and returns must not grow with it."""
PURPOSES = ("email", "tracking", "privacy_policy")
"""What a visitor consents to: follow-up e-mail, storing their browsing (tracking), and the
site's privacy policy (which ``identify`` also takes as ``hasAcceptedPrivacyPolicy``)."""

SOURCES = ("api", "email_line", "sdk", "identify")
"""Where a consent was answered: the consents API (``POST /visitors/{id}/consents``), the
widget's e-mail line (``POST /visitors/me/email``), the Guiders SDK's consent calls
(``POST /consents/grant|renew|revoke``), or ``identify`` (never a row: the visitor's own
privacy-policy acceptance, read as the ``privacy_policy`` grant it is)."""


@dataclass(frozen=True, slots=True)
class Consent:
    """One answer to a consent line, kept as given: every answer is a row of its own (the
    latest per purpose is in force), with the exact words the visitor read, in their language."""

    purpose: str
    granted: bool
    text: str
    recorded_at: datetime
    language: str | None = None
    source: str = "api"
    chat_id: UUID | None = None
    """The chat the e-mail line was answered in, if any."""
    email: str | None = None
    """The address consented to (the e-mail line, when given)."""
    id: UUID = field(default_factory=uuid4)


@dataclass(frozen=True, slots=True)
class Expiry:
    """What retention removes at a cut-off: whole visitors (erased), chats, tracking rows."""

    visitors: list[UUID]
    chats: list[UUID]
    sessions: list[UUID]
    tracking: int
    messages: int


class PrivacyStore(abc.ABC):
    @abc.abstractmethod
    async def visitor_company(self, visitor_id: UUID) -> UUID | None: ...

    @abc.abstractmethod
    async def export(self, company_id: UUID, visitor_id: UUID) -> dict[str, Any]:
        """Every row and event held about the visitor, as JSON values."""

    @abc.abstractmethod
    async def erase(self, company_id: UUID, visitor_id: UUID) -> dict[str, int]:
        """Deletes everything of the visitor and their data key; rows removed per table."""

    @abc.abstractmethod
    async def expiry(self, company_id: UUID, before: datetime) -> Expiry:
        """What is older than ``before``: visitors last seen, chats last changed, tracking."""

    @abc.abstractmethod
    async def expire(self, company_id: UUID, before: datetime, expiry: Expiry) -> None:
        """Deletes the chats, sessions and tracking of ``expiry`` (visitors are erased apart)."""

    @abc.abstractmethod
    async def add_consent(self, company_id: UUID, visitor_id: UUID, consent: Consent) -> None: ...

    @abc.abstractmethod
    async def consents(self, visitor_id: UUID) -> list[Consent]:
        """The latest consent per purpose."""

    @abc.abstractmethod
    async def consent_history(self, visitor_id: UUID, purpose: str | None) -> list[Consent]:
        """The answers the visitor gave for one purpose (``None``: for all), oldest first: of
        each purpose, the newest ``MAX_CONSENT_HISTORY``."""

    @abc.abstractmethod
    async def retention_days(self, company_id: UUID) -> int | None: ...

    @abc.abstractmethod
    async def set_retention_days(self, company_id: UUID, days: int | None) -> None: ...

    @abc.abstractmethod
    async def retention_policies(self) -> list[tuple[UUID, int]]:
        """Every company with a retention period, and its days."""
