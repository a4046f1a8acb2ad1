"""The rules of a consent, apart from who may ask: its shape, its validity, how it is recorded.

``record_consent`` is the one way a consent is written (the consents API, the SDK's consent
calls and the widget's e-mail line all come here, through ``PrivacyService`` or
``services/chat_mail.py``), into the one ``visitor_consents`` table, inside the caller's unit
of work. A grant is in force for ``CONSENT_VALIDITY``; ``identify``'s acceptance of the privacy
policy counts as the ``privacy_policy`` grant until the visitor answers otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid5

from guiders.domain.errors import ValidationFailed
from guiders.domain.events import Stream
from guiders.domain.visitor import Visitor
from guiders.services.ports import UnitOfWork
from guiders.services.privacy_ports import PURPOSES, SOURCES, Consent

MAX_CONSENT_TEXT = 2000
"""The consent line as shown, on every way in (the consents API, the SDK, the e-mail line)."""
MAX_LANGUAGE = 20
CONSENT_VALIDITY = timedelta(days=395)
"""How long a granted consent is in force: 13 months (395 days), the CNIL's guidance for consent
to cookies and trackers. Past it the SDK surface reports the consent ``expired`` and it can no
longer be renewed, only granted anew."""


@dataclass(frozen=True, slots=True)
class ConsentRecord:
    """Everything a visitor answered, for the SDK's history and audit log in one read."""

    answers: list[Consent]
    """Every row, all purposes, oldest first."""
    policy_acceptance: Consent | None
    """``identify``'s acceptance of the privacy policy (``hasAcceptedPrivacyPolicy``), if any."""
    policy_version: str | None
    """The privacy policy's version accepted at ``identify``."""


def policy_acceptance(visitor: Visitor) -> Consent | None:
    """``identify`` takes the visitor's acceptance of the privacy policy (it stores nothing
    without it): that is their ``privacy_policy`` grant, at the time they accepted this version,
    until they answer otherwise. Read from the visitor, never stored as a row."""
    if visitor.consented_at is None:
        return None
    version = visitor.consent_version or "unversioned"
    return Consent(
        "privacy_policy",
        True,
        f"Accepted the privacy policy (version {version}) when identified",
        visitor.consented_at,
        source="identify",
        id=uuid5(visitor.id, f"identify:{version}"),
    )


async def in_force(uow: UnitOfWork, visitor: Visitor, renewal: Consent) -> bool:
    """Whether the latest answer for the renewal's purpose is a grant still within
    ``CONSENT_VALIDITY`` (for the privacy policy, ``identify``'s acceptance counts)."""
    answers = [c for c in await uow.privacy.consents(visitor.id) if c.purpose == renewal.purpose]
    if renewal.purpose == "privacy_policy" and (accepted := policy_acceptance(visitor)):
        answers.append(accepted)
    if not answers:
        return False
    latest = max(answers, key=lambda c: c.recorded_at)
    return latest.granted and renewal.recorded_at < latest.recorded_at + CONSENT_VALIDITY


def consent_answer(
    purpose: str,
    granted: bool,
    text: str,
    *,
    language: str | None,
    source: str,
    chat_id: UUID | None = None,
    email: str | None = None,
    text_field: str = "text",
) -> Consent:
    """A checked consent, stamped now: the one shape both ways in (the consents API and the
    widget's e-mail line) give to ``record_consent``."""
    if purpose not in PURPOSES:
        raise ValidationFailed("purpose is email, tracking or privacy_policy", field="purpose")
    if source not in SOURCES:
        raise ValueError(f"unknown consent source {source!r}")
    words = text.strip()
    if not words or len(text) > MAX_CONSENT_TEXT:
        raise ValidationFailed(
            f"{text_field} is the consent line shown, 1 to {MAX_CONSENT_TEXT} characters",
            field=text_field,
        )
    return Consent(
        purpose,
        granted,
        words,
        datetime.now(UTC),
        language=(language or None) and language[:MAX_LANGUAGE],
        source=source,
        chat_id=chat_id,
        email=email if granted else None,
    )


async def record_consent(uow: UnitOfWork, visitor: Visitor, consent: Consent) -> None:
    """The one way a consent is recorded, inside the caller's unit of work: its row (the one
    consents table), the visitor's e-mail consent when it is about e-mail (given needs an
    address; refused always withdraws), and the ``visitor.consent_recorded`` fact."""
    await uow.privacy.add_consent(visitor.company_id, visitor.id, consent)
    if consent.purpose == "email":
        if visitor.email or not consent.granted:
            visitor.set_email_consent(consent.granted, consent.recorded_at)
        uow.track(visitor)
        await uow.visitors.save(visitor)
    uow.record(
        Stream("visitor_consent", visitor.id, visitor.company_id).event(
            "visitor.consent_recorded",
            consent.recorded_at,
            {
                "visitor_id": str(visitor.id),
                "purpose": consent.purpose,
                "granted": consent.granted,
                "text": consent.text,
                "language": consent.language,
                "source": consent.source,
            },
            version=1,
        )
    )


async def tracking_refused(uow: UnitOfWork, visitor_id: UUID) -> bool:
    """Whether the visitor's latest tracking consent is a refusal (no answer: not refused)."""
    return any(
        c.purpose == "tracking" and not c.granted for c in await uow.privacy.consents(visitor_id)
    )
