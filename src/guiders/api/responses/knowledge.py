"""The knowledge API's answers: sources, their pages, grounded replies and the gap list."""

from __future__ import annotations

from typing import Literal

from guiders.api.responses import Reply


class CrawlLimits(Reply):
    maxPages: int
    maxDepth: int
    recrawlHours: float


class Source(Reply):
    id: str
    kind: str
    name: str
    url: str | None
    status: str
    error: str | None
    pageCount: int
    chunkCount: int
    failedCount: int
    progress: dict[str, int]
    limits: CrawlLimits
    lastCrawlAt: str | None
    nextCrawlAt: str | None
    createdAt: str | None
    updatedAt: str | None


class SourceList(Reply):
    sources: list[Source]
    total: int


class Page(Reply):
    id: str
    key: str
    url: str | None
    title: str | None
    status: str
    error: str | None
    chunkCount: int
    contentType: str | None
    updatedAt: str | None


class PageList(Reply):
    pages: list[Page]
    total: int


class Citation(Reply):
    documentId: str
    chunkId: str
    title: str
    url: str | None
    headingPath: list[str]
    score: float


class GroundedReply(Reply):
    action: Literal["answer", "handoff", "clarify"]
    text: str
    citations: list[Citation]
    retrievalScores: list[float]
    answerability: float | None
    grounding: float | None
    reason: str
    language: str | None


class Gap(Reply):
    question: str
    count: int
    lastAskedAt: str | None
    examples: list[str]
    reasons: dict[str, int]


class GapList(Reply):
    gaps: list[Gap]
    total: int
