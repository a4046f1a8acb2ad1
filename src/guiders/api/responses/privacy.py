"""Privacy answers: a visitor's export and erasure, retention, consents."""

from __future__ import annotations

from typing import Any

from guiders.api.responses import Reply


class VisitorExport(Reply):
    """Everything held about one visitor; rows as stored, the log's facts opened."""

    visitorId: str
    exportedAt: str
    visitor: list[dict[str, Any]]
    chats: list[dict[str, Any]]
    messages: list[dict[str, Any]]
    unansweredQuestions: list[dict[str, Any]]
    trackingEvents: list[dict[str, Any]]
    sessions: list[dict[str, Any]]
    analyses: list[dict[str, Any]]
    conversions: list[dict[str, Any]]
    emails: list[dict[str, Any]]
    consents: list[dict[str, Any]]
    emailConsents: list[dict[str, Any]]
    """The e-mail rows of ``consents`` (kept for clients of the e-mail line's own table)."""
    events: list[dict[str, Any]]


class Erasure(Reply):
    visitorId: str
    erased: bool
    removed: dict[str, int]


class Retention(Reply):
    retentionDays: int | None


class RetentionPreview(Reply):
    retentionDays: int | None
    before: str | None = None
    dryRun: bool
    counts: dict[str, int]


class ConsentReply(Reply):
    purpose: str
    granted: bool
    text: str
    recordedAt: str
    language: str | None = None
    source: str


class Consents(Reply):
    consents: list[ConsentReply]
