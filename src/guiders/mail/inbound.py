"""The inbound SMTP endpoint: visitors' e-mail replies come back into their chats.

An ``aiosmtpd`` server in the server's own event loop (``loop.create_server``, so the handler
uses the database like any request), started by ``guiders up``/``serve`` when
``GUIDERS_INBOUND_SMTP_PORT`` is set. What it takes:

- recipients: only signed ``reply+<chat>.<signature>@<inbound domain>`` addresses, checked at
  ``RCPT TO`` (550 for anything else: no open relay, no guessing chats), at most
  ``MAX_RECIPIENTS`` per message;
- size: ``SIZE`` is announced and enforced (``inbound_max_bytes``, 552 beyond);
- content: the text part (else the HTML one without its tags), the quoted message and the
  signature cut off (``domain.mail_links.reply_text``); the From must be the visitor's address.

Put it behind the MX that receives the inbound domain's mail (or have that MX forward to it).
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import html
import re
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

import structlog
from aiosmtpd.smtp import SMTP, Envelope, Session

from guiders.domain.errors import GuidersError, NotFound, Unauthenticated, ValidationFailed
from guiders.services.ports.chat_mail import InboundReply, ReplyInbox

log = structlog.get_logger(__name__)
MAX_RECIPIENTS = 5
MAX_CONNECTIONS = 50
"""Open connections at once; one more is told 421 and closed (anonymous clients are bounded)."""
_TAGS = re.compile(r"<[^>]{0,2000}>")


@dataclass(frozen=True, slots=True)
class InboundConfig:
    host: str = "127.0.0.1"
    port: int = 2525
    max_bytes: int = 256 * 1024
    timeout_s: float = 60.0
    hostname: str = "guiders"
    max_connections: int = MAX_CONNECTIONS


class _BoundedSmtp(SMTP):
    """aiosmtpd's protocol, counted: past the limit a connection gets 421 and is closed."""

    def __init__(self, endpoint: InboundSmtp, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._endpoint = endpoint
        self._counted = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        if self._endpoint.open_connections >= self._endpoint.config.max_connections:
            assert isinstance(transport, asyncio.WriteTransport)
            transport.write(b"421 4.7.0 Too many connections, try again later\r\n")
            transport.close()
            return
        self._endpoint.open_connections += 1
        self._counted = True
        super().connection_made(transport)

    def connection_lost(self, error: Exception | None) -> None:
        if not self._counted:
            return
        self._endpoint.open_connections -= 1
        self._counted = False
        super().connection_lost(error)


class ReplyHandler:
    """aiosmtpd's handler hooks (``handle_RCPT``, ``handle_DATA``)."""

    def __init__(self, inbox: ReplyInbox) -> None:
        self._inbox = inbox
        self.accepted = 0
        self.refused = 0

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        if len(envelope.rcpt_tos) >= MAX_RECIPIENTS:
            return "452 4.5.3 Too many recipients"
        try:
            await self._inbox.accepts(address)
        except Unauthenticated:
            self.refused += 1
            return "550 5.1.1 No such recipient here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content
        if not isinstance(raw, bytes):
            return "554 5.6.0 Unreadable message"
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        body = _text_of(message)
        sender = str(message.get("From", "") or envelope.mail_from or "")
        message_id = str(message.get("Message-ID", "") or "").strip("<> ") or None
        outcome = "250 OK"
        for recipient in envelope.rcpt_tos:
            reply = InboundReply(recipient, sender, body, message_id)
            try:
                await self._inbox.receive(reply)
                self.accepted += 1
            except (Unauthenticated, NotFound) as exc:
                self.refused += 1
                outcome = f"550 5.7.1 {exc.message}"
            except ValidationFailed as exc:
                self.refused += 1
                outcome = f"550 5.6.0 {exc.message}"
            except GuidersError as exc:
                outcome = f"451 4.3.0 {exc.message}"
            except Exception:
                log.exception("inbound e-mail: could not write the reply")
                outcome = "451 4.3.0 Try again later"
        return outcome


def _text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (LookupError, ValueError):
        return ""
    if not isinstance(content, str):
        return ""
    if part.get_content_subtype() == "html":
        content = html.unescape(_TAGS.sub("\n", content))
    return content


class InboundSmtp:
    """Listens while the runtime runs."""

    def __init__(self, inbox: ReplyInbox, config: InboundConfig) -> None:
        self.config = config
        self.handler = ReplyHandler(inbox)
        self.open_connections = 0
        self._server: asyncio.Server | None = None

    def _protocol(self) -> SMTP:
        c = self.config
        return _BoundedSmtp(
            self,
            self.handler,
            data_size_limit=c.max_bytes,
            hostname=c.hostname,
            timeout=c.timeout_s,
            enable_SMTPUTF8=True,
        )

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            self._protocol, host=self.config.host, port=self.config.port
        )
        log.info("inbound SMTP listening", host=self.config.host, port=self.config.port)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
