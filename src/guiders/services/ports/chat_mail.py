"""Each company's e-mail toggles (``store/chat_mail.py`` implements them), and the inbound
replies' port. E-mail consents are consents like any other (``services/privacy_ports.py``).

The toggles (transcript on close, the inbound mail domain, where the resume link points) live
behind this port of their own until the shared company settings store takes them over.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass
from uuid import UUID


@dataclass(frozen=True, slots=True)
class ChatMailSettings:
    company_id: UUID
    transcript_on_close: bool = False
    inbound_domain: str | None = None
    """Reply-to addresses ``reply+...@`` this domain (else the installation's default)."""
    chat_page_url: str | None = None
    """Where the resume link opens the widget (else the site's own domain)."""


class ChatMailRecords(abc.ABC):
    @abc.abstractmethod
    async def settings(self, company_id: UUID) -> ChatMailSettings:
        """The company's toggles (the defaults when it never saved any)."""

    @abc.abstractmethod
    async def save_settings(self, settings: ChatMailSettings) -> None: ...
    @abc.abstractmethod
    async def inbound_domains(self) -> frozenset[str]:
        """Every company's inbound domain, for the SMTP endpoint's recipient check."""


@dataclass(frozen=True, slots=True)
class InboundReply:
    """A visitor's e-mail to a reply address, as the inbound SMTP endpoint read it."""

    recipient: str
    sender: str
    body: str
    message_id: str | None = None


class ReplyInbox(abc.ABC):
    """Where the inbound SMTP endpoint (``mail/inbound.py``) hands visitors' replies."""

    @abc.abstractmethod
    async def accepts(self, recipient: str) -> UUID:
        """The chat of a reply address; raises ``Unauthenticated`` for any other address."""

    @abc.abstractmethod
    async def receive(self, reply: InboundReply) -> object:
        """Writes the reply into its chat; raises a ``GuidersError`` when refused."""
