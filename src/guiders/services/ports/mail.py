"""The e-mail outbox and the sender that empties it (``mail/`` implements the sender)."""

from __future__ import annotations

import abc
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID


@dataclass(slots=True)
class QueuedEmail:
    id: UUID
    company_id: UUID
    visitor_id: UUID
    kind: str
    to_address: str
    subject: str
    body: str
    created_at: datetime
    next_attempt_at: datetime
    status: str = "pending"  # pending | sent | failed
    attempts: int = 0
    last_error: str | None = None
    sent_at: datetime | None = None
    reply_to: str | None = None
    """A signed ``reply+...`` address: the visitor's answer comes back into the chat."""


class MailQueue(abc.ABC):
    """The e-mail outbox: rows written in the deciding transaction, sent later, retried."""

    @abc.abstractmethod
    async def add(self, email: QueuedEmail) -> None: ...
    @abc.abstractmethod
    async def last_queued_at(self, visitor_id: UUID, kind: str) -> datetime | None: ...
    @abc.abstractmethod
    async def count_queued_to(
        self, company_id: UUID, address: str, kind: str, since: datetime
    ) -> int:
        """E-mails of ``kind`` queued to ``address`` (case ignored) since then, whoever asked."""

    @abc.abstractmethod
    async def claim_due(
        self, now: datetime, lease_s: float, limit: int, companies: frozenset[UUID] | None = None
    ) -> list[QueuedEmail]:
        """Due pending rows, leased so that no other process sends them meanwhile; only those
        of ``companies`` when given (the others have no server to go out through yet)."""

    @abc.abstractmethod
    async def mark_sent(self, email_id: UUID, at: datetime) -> None: ...
    @abc.abstractmethod
    async def mark_failed(
        self, email_id: UUID, error: str, next_attempt_at: datetime, final: bool
    ) -> None: ...
    @abc.abstractmethod
    async def of_visitor(self, visitor_id: UUID) -> list[QueuedEmail]: ...
    @abc.abstractmethod
    async def get(self, email_id: UUID) -> QueuedEmail | None: ...


@dataclass(frozen=True, slots=True)
class SmtpServer:
    """Where a company's e-mail goes out: its own server (Settings → Integrations) or the
    installation's (``GUIDERS_SMTP_*``)."""

    host: str
    port: int = 25
    username: str | None = None
    password: str | None = None
    security: str = "none"  # none | starttls | tls
    sender: str = "Guiders <no-reply@localhost>"
    timeout_s: float = 10.0

    def __repr__(self) -> str:  # the password stays out of logs and tracebacks
        return f"SmtpServer(host={self.host!r}, port={self.port}, security={self.security!r})"


class MailSender(abc.ABC):
    """Hands one e-mail to the mail server; raises on failure (the caller retries)."""

    @abc.abstractmethod
    async def send(self, email: QueuedEmail, server: SmtpServer) -> None: ...
