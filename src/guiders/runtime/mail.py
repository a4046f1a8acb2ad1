"""E-mail in and out: the outbox's dispatcher over SMTP, and the inbound endpoint for
visitors' replies. The dispatcher always runs (a company may set its own server at any
time); the inbound endpoint is off until its port is given."""

from __future__ import annotations

from collections.abc import Callable

from guiders.config import Settings
from guiders.mail.inbound import InboundConfig, InboundSmtp
from guiders.mail.smtp import SmtpSender
from guiders.services.container import Services
from guiders.services.mail import MailDispatcher
from guiders.services.mail_servers import SENDER_EVENTS, MailServers
from guiders.services.ports import EventBus, SmtpServer, UnitOfWork


def mail_dispatcher(
    settings: Settings, uow: Callable[[], UnitOfWork], services: Services, bus: EventBus
) -> MailDispatcher:
    """Always running: a company may set its own SMTP server in the console at any time;
    without one (theirs or ``smtp_host``) a company's e-mails wait in the outbox."""
    installation = (
        SmtpServer(
            host=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_username,
            password=settings.smtp_password,
            security=settings.smtp_security,
            sender=settings.smtp_from,
            timeout_s=settings.smtp_timeout_s,
        )
        if settings.smtp_host
        else None
    )
    servers = MailServers(
        uow, services.settings, services.secrets, installation, timeout_s=settings.smtp_timeout_s
    )
    bus.subscribe_node(servers.on_event, SENDER_EVENTS)
    return MailDispatcher(
        uow,
        SmtpSender(),
        servers,
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
