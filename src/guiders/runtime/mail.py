"""E-mail in and out: the outbox's dispatcher over SMTP, and the inbound endpoint for
visitors' replies. Each is off until its setting is given."""

from __future__ import annotations

from collections.abc import Callable

from guiders.config import Settings
from guiders.mail.inbound import InboundConfig, InboundSmtp
from guiders.mail.smtp import SmtpConfig, SmtpSender
from guiders.services.container import Services
from guiders.services.mail import MailDispatcher
from guiders.services.ports import UnitOfWork


def mail_dispatcher(settings: Settings, uow: Callable[[], UnitOfWork]) -> MailDispatcher | None:
    """None without ``smtp_host``: e-mails then wait in the outbox until one is configured."""
    if not settings.smtp_host:
        return None
    sender = SmtpSender(
        SmtpConfig(
            host=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_username,
            password=settings.smtp_password,
            security=settings.smtp_security,
            sender=settings.smtp_from,
            timeout_s=settings.smtp_timeout_s,
        )
    )
    return MailDispatcher(
        uow,
        sender,
        poll_s=settings.mail_poll_s,
        max_attempts=settings.mail_max_attempts,
        retry_base_s=settings.mail_retry_base_s,
    )


def inbound_smtp(settings: Settings, services: Services) -> InboundSmtp | None:
    """The endpoint for visitors' e-mail replies, when ``inbound_smtp_port`` is set."""
    if settings.inbound_smtp_port is None:
        return None
    return InboundSmtp(
        services.mailer,
        InboundConfig(
            host=settings.inbound_smtp_host,
            port=settings.inbound_smtp_port,
            max_bytes=settings.inbound_max_bytes,
        ),
    )
