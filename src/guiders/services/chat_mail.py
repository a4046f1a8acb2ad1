"""The visitor's e-mail for the chat: captured with a consent line (recorded as every consent
is, ``services/consents.py``), each company's e-mail toggles, and the signed ways back into the
chat (docs/web.md).

- ``capture``: the widget asks for an optional address when nobody is online; a refusal is
  recorded too and withdraws an earlier consent, so nothing is e-mailed to them.
- ``resume``: the e-mailed link's token gives the visitor's tokens and the chat back (it
  expires; whoever holds the link holds the chat, like the mailbox it was sent to).
- ``links``: the reply-to address and the link for one chat, for ``services/mail_replies.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit
from uuid import UUID

from guiders.domain.company import normalise_domain
from guiders.domain.errors import NotFound, ValidationFailed
from guiders.domain.mail_links import (
    ChatLink,
    link_token,
    read_link_token,
    reply_address,
    valid_email,
)
from guiders.domain.visitor import Visitor
from guiders.services.access import Principal, check_chat_access, require_supervisor_or_key
from guiders.services.consents import consent_answer, record_consent
from guiders.services.ports import UnitOfWork, UnitOfWorkFactory
from guiders.services.ports.chat_mail import ChatMailSettings
from guiders.services.privacy_ports import Consent
from guiders.services.visitors import visitor_principal

RESUME_FRAGMENT = "guiders-chat"
"""The link's fragment key: ``https://site/#guiders-chat=<token>`` (never sent to a server)."""


@dataclass(frozen=True, slots=True)
class ChatMailConfig:
    secret: bytes
    """HMAC key of the reply addresses and links (derived from the installation's secret)."""
    default_domain: str | None = None
    link_ttl: timedelta = timedelta(days=14)
    chat_page_url: str | None = None


@dataclass(frozen=True, slots=True)
class ChatLinks:
    reply_to: str | None
    resume_url: str | None


@dataclass(frozen=True, slots=True)
class Resumed:
    principal: Principal
    chat_id: UUID


class ChatMailService:
    def __init__(self, uow: UnitOfWorkFactory, config: ChatMailConfig) -> None:
        self._uow = uow
        self.config = config

    async def capture(
        self,
        principal: Principal,
        *,
        email: str | None,
        given: bool,
        consent_text: str,
        language: str | None,
        chat_id: UUID | None,
    ) -> tuple[Visitor, Consent]:
        """The visitor's own answer to the e-mail line: the address (when given) and the consent
        with the words they were shown, recorded as every consent is (``consents.record_consent``);
        staff read the answers at ``PrivacyService.consent_history``."""
        if not principal.is_visitor:
            raise ValidationFailed("Only the visitor answers the e-mail line", field="email")
        address = valid_email(email) if email is not None else None
        consent = consent_answer(
            "email",
            given,
            consent_text,
            language=language,
            source="email_line",
            chat_id=chat_id,
            email=address,
            text_field="consentText",
        )
        if given and address is None:
            raise ValidationFailed("A consent needs an e-mail address", field="email")
        async with self._uow() as uow:
            uow.actor = principal.actor
            if chat_id is not None:
                check_chat_access(principal, await uow.chats.get(chat_id))
            visitor = await uow.visitors.get(principal.subject_id)
            if visitor is None:
                raise NotFound("Visitor not found", field="visitorId")
            if address is not None and given:
                visitor.update_profile({"email": address}, consent.recorded_at)
            await record_consent(uow, visitor, consent)
            await uow.commit()
        return visitor, consent

    # -- the company's toggles --------------------------------------------------------------

    async def settings(self, principal: Principal) -> ChatMailSettings:
        require_supervisor_or_key(principal)
        async with self._uow() as uow:
            return await uow.chat_mail.settings(principal.company_id)

    async def save_settings(
        self,
        principal: Principal,
        *,
        transcript_on_close: bool | None,
        inbound_domain: str | None,
        chat_page_url: str | None,
        clear: frozenset[str] = frozenset(),
    ) -> ChatMailSettings:
        """Changes what is given; the names in ``clear`` go back to the default."""
        require_supervisor_or_key(principal)
        if inbound_domain is not None:
            inbound_domain = normalise_domain(inbound_domain)
            if "." not in inbound_domain or not valid_domain(inbound_domain):
                raise ValidationFailed("inboundDomain is not a domain", field="inboundDomain")
        if chat_page_url is not None and urlsplit(chat_page_url).scheme not in ("http", "https"):
            raise ValidationFailed("chatPageUrl must be an http(s) URL", field="chatPageUrl")
        async with self._uow() as uow:
            current = await uow.chat_mail.settings(principal.company_id)
            changed = replace(
                current,
                transcript_on_close=(
                    current.transcript_on_close
                    if transcript_on_close is None
                    else transcript_on_close
                ),
                inbound_domain=None
                if "inboundDomain" in clear
                else inbound_domain or current.inbound_domain,
                chat_page_url=None
                if "chatPageUrl" in clear
                else chat_page_url or current.chat_page_url,
            )
            await uow.chat_mail.save_settings(changed)
            await uow.commit()
        return changed

    async def inbound_domains(self) -> frozenset[str]:
        async with self._uow() as uow:
            domains = await uow.chat_mail.inbound_domains()
        default = self.config.default_domain
        return domains | {default.lower()} if default else domains

    # -- the ways back -----------------------------------------------------------------------

    async def links(self, uow: UnitOfWork, visitor: Visitor, chat_id: UUID) -> ChatLinks:
        """The chat's signed reply-to address (when an inbound domain is set) and resume link."""
        settings = await uow.chat_mail.settings(visitor.company_id)
        domain = settings.inbound_domain or self.config.default_domain
        reply_to = reply_address(self.config.secret, chat_id, domain) if domain else None
        base = settings.chat_page_url or self.config.chat_page_url
        if base is None:
            site = await uow.tenancy.get_site(visitor.site_id)
            base = f"https://{site.domain}/" if site is not None else None
        if base is None:
            return ChatLinks(reply_to, None)
        expires = datetime.now(UTC) + self.config.link_ttl
        token = link_token(
            self.config.secret, ChatLink(chat_id, visitor.id, int(expires.timestamp()))
        )
        return ChatLinks(reply_to, f"{base.split('#')[0]}#{RESUME_FRAGMENT}={token}")

    async def resume(self, token: str) -> Resumed:
        """The visitor and chat of a valid, unexpired link."""
        link = read_link_token(self.config.secret, token, datetime.now(UTC))
        async with self._uow() as uow:
            visitor = await uow.visitors.get(link.visitor_id)
            chat = await uow.chats.get(link.chat_id)
        if visitor is None or chat is None or chat.visitor_id != visitor.id:
            raise NotFound("The chat of this link no longer exists", field="token")
        return Resumed(visitor_principal(visitor), chat.id)


def valid_domain(domain: str) -> bool:
    labels = domain.split(".")
    return len(domain) <= 253 and all(
        0 < len(label) <= 63 and label.replace("-", "").isalnum() and label.isascii()
        for label in labels
    )
