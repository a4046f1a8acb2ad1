"""Delivering the e-mail outbox: claim due rows, send, mark sent or schedule a retry.

A row is written in the transaction that decided the e-mail, so a crash before sending loses
nothing: the next pass (here or in another process) finds it still pending. A crash after the
server accepted it but before ``mark_sent`` sends it again (at least once); the Message-ID
carries the row id so the duplicate is recognisable. Claims are leases, so several server
processes can run a dispatcher each without sending a row twice while it is in flight.

Each e-mail goes out through its company's server (``MailServers``): the company's own, set in
the console, or the installation's. The dispatcher always runs; it claims only the rows of
companies that have a server, so the others wait without spending their attempts.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import structlog

from guiders.services.mail_servers import MailServers
from guiders.services.periodic import PeriodicJob
from guiders.services.ports import MailSender, UnitOfWorkFactory

log = structlog.get_logger(__name__)


class MailDispatcher:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        sender: MailSender,
        servers: MailServers,
        *,
        poll_s: float = 2.0,
        max_attempts: int = 8,
        retry_base_s: float = 30.0,
        lease_s: float = 120.0,
        batch: int = 20,
    ) -> None:
        self._uow = uow
        self._sender = sender
        self._servers = servers
        self._max_attempts = max_attempts
        self._retry_base_s = retry_base_s
        self._lease_s = lease_s
        self._batch = batch
        self._job = PeriodicJob("mail-dispatcher", self.pass_once, poll_s)
        self.sent = 0
        self.failed = 0

    def backoff(self, attempts: int) -> timedelta:
        """Exponential from ``retry_base_s``, capped at six hours."""
        return timedelta(seconds=min(self._retry_base_s * 2 ** max(attempts - 1, 0), 6 * 3600))

    async def pass_once(self) -> int:
        """Sends what is due now; returns how many were sent."""
        companies = await self._servers.sending_companies()
        if companies is not None and not companies:
            return 0
        now = datetime.now(UTC)
        async with self._uow() as uow:
            due = await uow.mail.claim_due(now, self._lease_s, self._batch, companies)
            await uow.commit()
        sent = 0
        for email in due:
            try:
                server = await self._servers.for_company(email.company_id)
                if server is None:  # its server was removed since the claim: the lease ends
                    continue
                await self._sender.send(email, server)
            except Exception as exc:
                attempts = email.attempts + 1
                final = attempts >= self._max_attempts
                log.warning(
                    "e-mail not sent", email_id=str(email.id), attempts=attempts, error=str(exc)
                )
                async with self._uow() as uow:
                    await uow.mail.mark_failed(
                        email.id,
                        f"{type(exc).__name__}: {exc}",
                        datetime.now(UTC) + self.backoff(attempts),
                        final,
                    )
                    await uow.commit()
                self.failed += 1
                continue
            async with self._uow() as uow:
                await uow.mail.mark_sent(email.id, datetime.now(UTC))
                await uow.commit()
            sent += 1
        self.sent += sent
        return sent

    async def start(self) -> None:
        self._job.start()

    async def stop(self) -> None:
        await self._job.stop()
