"""Sending through an SMTP server: the company's own or the operator's (``GUIDERS_SMTP_*``).

The standard library's ``smtplib`` runs in a worker thread: one e-mail at a time is plenty for
follow-ups, and it speaks plain SMTP, STARTTLS and implicit TLS with or without login.
"""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from guiders.services.ports import MailSender, QueuedEmail, SmtpServer


class SmtpSender(MailSender):
    def message(self, email: QueuedEmail, server: SmtpServer) -> EmailMessage:
        """The row id is in the Message-ID: a retry after a crash can be recognised."""
        message = EmailMessage()
        message["From"] = server.sender
        message["To"] = email.to_address
        message["Subject"] = email.subject
        message["Date"] = formatdate(localtime=False, usegmt=True)
        message["Message-ID"] = make_msgid(idstring=email.id.hex, domain="guiders")
        message["X-Guiders-Email-Id"] = str(email.id)
        if email.reply_to:
            message["Reply-To"] = email.reply_to
        message.set_content(email.body)
        return message

    async def send(self, email: QueuedEmail, server: SmtpServer) -> None:
        await asyncio.to_thread(self._send, self.message(email, server), server)

    def _send(self, message: EmailMessage, c: SmtpServer) -> None:
        context = ssl.create_default_context()
        client: smtplib.SMTP
        if c.security == "tls":
            client = smtplib.SMTP_SSL(c.host, c.port, timeout=c.timeout_s, context=context)
        else:
            client = smtplib.SMTP(c.host, c.port, timeout=c.timeout_s)
        with client:
            if c.security == "starttls":
                client.starttls(context=context)
            if c.username:
                client.login(c.username, c.password or "")
            client.send_message(message)
