"""The services' configuration, read from the settings (one place maps names to fields)."""

from __future__ import annotations

from datetime import timedelta

from guiders.config import Settings
from guiders.domain.strategy import NurturingContent, StrategyConfig
from guiders.secret_file import JWT_SECRET_FILE, read_or_create
from guiders.services.chat_mail import ChatMailConfig
from guiders.services.credentials import TokenService
from guiders.services.strategies import MailTemplate


def with_jwt_secret(settings: Settings) -> Settings:
    """The settings with a signing secret: the configured one, else this installation's own,
    made at first start and kept in ``data_dir/jwt-secret`` (never a built-in default)."""
    if settings.jwt_secret:
        return settings
    secret = read_or_create(settings.data_dir / JWT_SECRET_FILE)
    return settings.model_copy(update={"jwt_secret": secret})


def strategy_config(settings: Settings) -> StrategyConfig:
    return StrategyConfig(
        content=NurturingContent(
            title=settings.nurturing_content_title,
            body=settings.nurturing_content_body,
            url=settings.nurturing_content_url,
        ),
        email_cooldown=timedelta(days=settings.followup_email_cooldown_days),
    )


def mail_template(settings: Settings) -> MailTemplate:
    return MailTemplate(subject=settings.followup_email_subject, body=settings.followup_email_body)


def chat_mail_config(settings: Settings, tokens: TokenService) -> ChatMailConfig:
    return ChatMailConfig(
        secret=tokens.mail_secret,
        default_domain=settings.inbound_mail_domain,
        link_ttl=timedelta(days=settings.chat_link_ttl_days),
        chat_page_url=settings.chat_page_url,
    )
