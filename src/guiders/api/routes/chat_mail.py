"""The visitor's e-mail for the chat: the e-mail line with its consent, transcripts, the e-mailed
link back into the chat, and the company's e-mail toggles (docs/web.md)."""

from __future__ import annotations

from typing import Any, Literal
from uuid import UUID

from fastapi import APIRouter
from pydantic import Field

from guiders.api.deps import CurrentPrincipal, ServicesDep
from guiders.api.responses import Reply, WireRoute
from guiders.api.schemas import Body, iso
from guiders.services.consents import MAX_CONSENT_TEXT
from guiders.services.ports.chat_mail import ChatMailSettings
from guiders.services.privacy_ports import Consent as ConsentRecord

router = APIRouter(prefix="/v2", tags=["e-mail"], route_class=WireRoute)


class CaptureBody(Body):
    email: str | None = Field(default=None, max_length=254)
    consent: bool
    consent_text: str = Field(alias="consentText", min_length=1, max_length=MAX_CONSENT_TEXT)
    language: str | None = Field(default=None, max_length=20)
    chat_id: UUID | None = Field(default=None, alias="chatId")


class Consent(Reply):
    id: str
    visitorId: str
    chatId: str | None
    email: str | None
    consent: bool
    consentText: str
    language: str | None
    at: str | None


class EmailCaptured(Reply):
    visitorId: str
    email: str | None
    emailConsent: bool
    consent: Consent


class Consents(Reply):
    consents: list[Consent]


class TranscriptQueued(Reply):
    id: str
    status: str
    kind: Literal["transcript"]


class ResumeBody(Body):
    token: str = Field(min_length=10, max_length=200)


class ChatResumed(Reply):
    visitorId: str
    chatId: str
    accessToken: str
    refreshToken: str
    expiresIn: int


class MailSettings(Reply):
    transcriptOnClose: bool
    inboundDomain: str | None
    chatPageUrl: str | None
    defaultInboundDomain: str | None


class MailSettingsBody(Body):
    transcript_on_close: bool | None = Field(default=None, alias="transcriptOnClose")
    inbound_domain: str | None = Field(default=None, alias="inboundDomain", max_length=253)
    chat_page_url: str | None = Field(default=None, alias="chatPageUrl", max_length=500)
    clear: list[Literal["inboundDomain", "chatPageUrl"]] = Field(default_factory=list)


def consent_response(visitor_id: UUID, c: ConsentRecord) -> dict[str, Any]:
    """An e-mail consent in the e-mail line's own wire shape (``consent``, ``consentText``,
    ``at``), mapped from the one consent record."""
    return {
        "id": str(c.id),
        "visitorId": str(visitor_id),
        "chatId": str(c.chat_id) if c.chat_id else None,
        "email": c.email,
        "consent": c.granted,
        "consentText": c.text,
        "language": c.language,
        "at": iso(c.recorded_at),
    }


@router.post("/visitors/me/email", status_code=201, response_model=EmailCaptured)
async def capture_email(
    body: CaptureBody, principal: CurrentPrincipal, services: ServicesDep
) -> dict[str, Any]:
    """The visitor's answer to the widget's e-mail line: an optional address and the consent,
    recorded with the words shown and the time. ``consent: false`` records a refusal and
    withdraws an earlier consent."""
    visitor, consent = await services.chat_mail.capture(
        principal,
        email=body.email,
        given=body.consent,
        consent_text=body.consent_text,
        language=body.language,
        chat_id=body.chat_id,
    )
    return {
        "visitorId": str(visitor.id),
        "email": visitor.email,
        "emailConsent": visitor.email_consent_at is not None,
        "consent": consent_response(visitor.id, consent),
    }


@router.get("/visitors/{visitor_id}/email-consents", response_model=Consents)
async def email_consents(
    visitor_id: UUID, principal: CurrentPrincipal, services: ServicesDep
) -> dict[str, Any]:
    """Every e-mail consent the visitor gave or refused, oldest first (staff of the company, or
    the visitor): the e-mail rows of the one consent record, from the e-mail line or the
    consents API alike."""
    found = await services.privacy.consent_history(principal, visitor_id, "email")
    return {"consents": [consent_response(visitor_id, c) for c in found]}


@router.post("/chats/{chat_id}/transcript", status_code=202, response_model=TranscriptQueued)
async def send_transcript(
    chat_id: UUID, principal: CurrentPrincipal, services: ServicesDep
) -> dict[str, Any]:
    """Queues the chat's transcript to the visitor's address (their consent needed); its
    Reply-To leads back into the chat. At most one every two minutes per visitor."""
    email = await services.mailer.transcript(principal, chat_id)
    return {"id": str(email.id), "status": email.status, "kind": "transcript"}


@router.post("/chat-links/resume", response_model=ChatResumed)
async def resume_chat(body: ResumeBody, services: ServicesDep) -> dict[str, Any]:
    """The e-mailed link's token (from ``#guiders-chat=``): the visitor's tokens and the chat,
    for the widget to pick the conversation up. 401 when the link is forged or expired."""
    resumed = await services.chat_mail.resume(body.token)
    tokens = services.tokens
    return {
        "visitorId": str(resumed.principal.subject_id),
        "chatId": str(resumed.chat_id),
        "accessToken": tokens.sign(resumed.principal),
        "refreshToken": await tokens.issue_refresh(resumed.principal),
        "expiresIn": tokens.visitor_ttl_s,
    }


def settings_response(s: ChatMailSettings, default_domain: str | None) -> dict[str, Any]:
    return {
        "transcriptOnClose": s.transcript_on_close,
        "inboundDomain": s.inbound_domain,
        "chatPageUrl": s.chat_page_url,
        "defaultInboundDomain": default_domain,
    }


@router.get("/company/mail-settings", response_model=MailSettings)
async def mail_settings(principal: CurrentPrincipal, services: ServicesDep) -> dict[str, Any]:
    """The company's e-mail toggles (supervisors, admins, integration keys)."""
    found = await services.chat_mail.settings(principal)
    return settings_response(found, services.chat_mail.config.default_domain)


@router.put("/company/mail-settings", response_model=MailSettings)
async def save_mail_settings(
    body: MailSettingsBody, principal: CurrentPrincipal, services: ServicesDep
) -> dict[str, Any]:
    saved = await services.chat_mail.save_settings(
        principal,
        transcript_on_close=body.transcript_on_close,
        inbound_domain=body.inbound_domain,
        chat_page_url=body.chat_page_url,
        clear=frozenset(body.clear),
    )
    return settings_response(saved, services.chat_mail.config.default_domain)
