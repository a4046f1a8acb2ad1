"""Sign-in, visitors (profile, sessions, tracking, scores) and agents, as the API answers them."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from guiders.api.responses import Reply
from guiders.domain.analysis import Segment

CommercialStatus = Literal["online", "busy", "away", "offline"]
Lifecycle = Literal["anon", "engaged", "lead", "converted"]

# -- sign-in ----------------------------------------------------------------------------------


class StaffUser(Reply):
    id: str
    name: str | None
    role: str | None
    companyId: str


class StaffTokens(Reply):
    """Both spellings: the console reads camelCase, older integrations snake_case."""

    access_token: str
    refresh_token: str
    accessToken: str
    refreshToken: str
    expiresIn: int


class StaffSignedIn(StaffTokens):
    token_type: str
    totpRequired: Literal[False]
    user: StaffUser
    recoveryCodes: list[str] | None = None
    """Only on the sign-in that turned two-factor sign-in on: shown this once."""


class VisitorTokens(Reply):
    accessToken: str
    refreshToken: str
    expiresIn: int


class VisitorRegistered(VisitorTokens):
    visitorId: str
    sessionId: str


# -- visitors ---------------------------------------------------------------------------------


class Device(Reply):
    type: str
    os: str | None
    browser: str | None
    osVersion: str | None = None
    browserVersion: str | None = None


class Visitor(Reply):
    id: str
    visitorId: str
    siteId: str
    name: str | None
    email: str | None
    phone: str | None
    lifecycle: Lifecycle
    location: str | None
    timeZone: str | None
    source: str | None
    campaign: str | None
    userAgent: str | None
    device: Device
    currentUrl: str | None
    referrer: str | None
    consentVersion: str | None
    emailConsent: bool
    createdAt: str | None
    lastSeenAt: str | None


class VisitorContact(Visitor):
    emailConsentAt: str | None


class Session(Reply):
    id: str
    sessionId: str
    visitorId: str
    startedAt: str | None
    lastHeartbeatAt: str | None
    endedAt: str | None
    currentUrl: str | None
    active: bool


class SessionList(Reply):
    sessions: list[Session]
    total: int


class TrackingEvent(Reply):
    id: str
    visitorId: str
    sessionId: str | None
    type: str
    url: str | None
    pageCategory: str | None
    durationMs: int | None
    metadata: dict[str, Any]
    occurredAt: str


class TrackingEvents(Reply):
    events: list[TrackingEvent]
    total: int


class Tracked(Reply):
    success: bool
    received: int
    processed: int
    discarded: int
    errors: list[dict[str, Any]]


# -- the widget SDK ---------------------------------------------------------------------------


class PixelMetadata(Reply):
    tenantId: str
    siteId: str
    domain: str
    aliases: list[str]


class Identified(Reply):
    visitorId: str
    tenantId: str
    siteId: str
    sessionId: str
    lifecycle: Lifecycle
    isNewVisitor: bool
    consentStatus: Literal["granted"]
    allowedActions: list[str]


class Heartbeat(Reply):
    success: bool
    message: str
    sessionId: str
    lastHeartbeatAt: str | None


class Availability(Reply):
    available: bool
    onlineCount: int
    timestamp: str
    siteId: str
    tenantId: str
    domain: str


# -- scores and conversions -------------------------------------------------------------------


class Prediction(Reply):
    visitorId: str
    conversionProbability: float
    segment: Segment
    modelVersion: str
    topFactors: list[dict[str, Any]]
    scoredAt: str | None
    sessionId: str | None
    profile: dict[str, Any]
    context: dict[str, Any]
    persona: dict[str, Any] = Field(description="what the bot should sound like and know")


class PredictionRecorded(Prediction):
    previousSegment: Segment | None
    segmentChanged: bool


class Conversion(Reply):
    conversionId: str
    visitorId: str
    sessionId: str | None
    value: float | None
    currency: str | None
    occurredAt: str | None


# -- agents (commercials on the wire) --------------------------------------------------------------


class Commercial(Reply):
    id: str
    name: str | None
    status: CommercialStatus
    workload: int
    maxChats: int
    skills: list[str]
    seniority: int
    lastActivity: str | None
    avatarUrl: str | None
    available: bool


class CommercialList(Reply):
    data: list[Commercial]
    total: int


class AvailableCommercial(Reply):
    """A visitor sees only who can help: ``id``, ``name``, ``avatarUrl``, ``status`` and
    ``available``; staff and keys see the rest too."""

    id: str
    name: str | None
    avatarUrl: str | None
    status: CommercialStatus
    available: bool
    workload: int | None = None
    maxChats: int | None = None
    skills: list[str] | None = None
    seniority: int | None = None
    lastActivity: str | None = None


class AvailableCommercials(Reply):
    commercials: list[AvailableCommercial]
    count: int
    timestamp: str


class CommercialStatusChanged(Reply):
    id: str
    status: CommercialStatus
    previousStatus: CommercialStatus | None


# -- presence ---------------------------------------------------------------------------------


class Typing(Reply):
    success: bool
    chatId: str
    userId: str
    userType: str
    isTyping: bool
    timestamp: str


class Participant(Reply):
    userId: str
    userType: str
    online: bool
    status: CommercialStatus | None = None


class TypingNow(Reply):
    userId: str
    userType: str
    since: str


class ChatPresence(Reply):
    chatId: str
    participants: list[Participant]
    typing: list[TypingNow]
    timestamp: str
