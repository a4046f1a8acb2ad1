"""Which SMTP server a company's e-mail goes out through.

A company that set a server in Settings → Integrations (``smtp_*``, the password the company
secret ``smtp_password``) sends through it; any other company through the installation's
(``GUIDERS_SMTP_*``), when there is one. Read per e-mail through the settings' short cache, so
a change in the console applies to the next e-mail on every node, without a restart.
"""

from __future__ import annotations

import time
from uuid import UUID

from guiders.domain import settings as catalogue
from guiders.domain.events import StoredEvent
from guiders.domain.settings import Integrations
from guiders.services.company_secrets import CompanySecretService
from guiders.services.ports import SmtpServer, UnitOfWorkFactory
from guiders.services.settings import SettingsService

SECTION = "integrations"
SENDER_EVENTS = frozenset({"settings.changed"})
"""What makes every node read the list of companies with a server again."""


class MailServers:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        settings: SettingsService,
        secrets: CompanySecretService,
        installation: SmtpServer | None,
        *,
        timeout_s: float = 10.0,
        senders_ttl_s: float = 30.0,
    ) -> None:
        self._uow = uow
        self._settings = settings
        self._secrets = secrets
        self._installation = installation
        self._timeout_s = timeout_s
        self._senders_ttl_s = senders_ttl_s
        self._senders: tuple[float, frozenset[UUID]] | None = None
        """When read, and which companies have a server: an installation where none has one
        costs a query every ``senders_ttl_s``, not one per pass of the dispatcher."""

    async def for_company(self, company_id: UUID) -> SmtpServer | None:
        """The company's own server, else the installation's; None: nowhere to send yet."""
        values = await self._settings.effective(company_id, SECTION)
        assert isinstance(values, Integrations)
        if not values.smtp_host:
            return self._installation
        password = (
            await self._secrets.value(company_id, "smtp_password") if values.smtp_username else None
        )
        return SmtpServer(
            host=values.smtp_host,
            port=values.smtp_port,
            username=values.smtp_username or None,
            password=password,
            security=values.smtp_security,
            sender=values.smtp_from,
            timeout_s=self._timeout_s,
        )

    async def sending_companies(self) -> frozenset[UUID] | None:
        """The companies whose e-mail can go out now; None: all of them (the installation has
        a server). The others' e-mails wait in the outbox, their attempts untouched."""
        if self._installation is not None:
            return None
        now = time.monotonic()
        if self._senders is not None and now - self._senders[0] < self._senders_ttl_s:
            return self._senders[1]
        async with self._uow() as uow:
            stored = await uow.settings.of_every_company(SECTION)
        senders = frozenset(
            s.company_id
            for s in stored
            if isinstance(i := catalogue.stored(SECTION, s.document), Integrations) and i.smtp_host
        )
        self._senders = (now, senders)
        return senders

    async def on_event(self, event: StoredEvent) -> None:
        """A company saved its integrations (on any node): read the list again next pass."""
        if event.type in SENDER_EVENTS and event.payload.get("section") == SECTION:
            self._senders = None
