"""Knowledge sources: what a company gave the bot to read, and where reading it got to.

A source is a website (crawled from a start page or its sitemap), a set of uploaded files, or
question/answer pairs. Its status moves ``queued -> crawling -> indexed | failed`` and back to
``queued`` for a re-crawl; the transition table below refuses anything else, so two nodes
cannot both believe they are crawling it. Each change records an event, which is how every
node learns that it must refresh its in-memory index.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from guiders.domain.errors import InvalidTransition
from guiders.domain.events import Aggregate, DomainEvent, Stream

AGGREGATE = "knowledge_source"


class SourceKind(StrEnum):
    URL = "url"
    UPLOAD = "upload"
    FAQ = "faq"


class SourceStatus(StrEnum):
    QUEUED = "queued"
    CRAWLING = "crawling"
    INDEXED = "indexed"
    FAILED = "failed"


class DocumentStatus(StrEnum):
    QUEUED = "queued"
    INDEXED = "indexed"
    FAILED = "failed"


_MOVES: dict[SourceStatus, frozenset[SourceStatus]] = {
    SourceStatus.QUEUED: frozenset({SourceStatus.CRAWLING, SourceStatus.FAILED}),
    SourceStatus.CRAWLING: frozenset(
        {SourceStatus.INDEXED, SourceStatus.FAILED, SourceStatus.QUEUED}
    ),
    SourceStatus.INDEXED: frozenset({SourceStatus.QUEUED}),
    SourceStatus.FAILED: frozenset({SourceStatus.QUEUED}),
}


@dataclass(frozen=True, slots=True)
class CrawlLimits:
    """How far one crawl of a URL source may go."""

    max_pages: int = 50
    max_depth: int = 3
    recrawl_hours: float = 24.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "maxPages": self.max_pages,
            "maxDepth": self.max_depth,
            "recrawlHours": self.recrawl_hours,
        }

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> CrawlLimits:
        return cls(
            max_pages=int(raw.get("maxPages", 50)),
            max_depth=int(raw.get("maxDepth", 3)),
            recrawl_hours=float(raw.get("recrawlHours", 24.0)),
        )


@dataclass(slots=True)
class KnowledgeSource(Aggregate):
    id: UUID
    company_id: UUID
    kind: SourceKind
    name: str
    url: str | None
    limits: CrawlLimits
    status: SourceStatus
    created_at: datetime
    updated_at: datetime
    error: str | None = None
    page_count: int = 0
    chunk_count: int = 0
    failed_count: int = 0
    last_crawl_at: datetime | None = None
    next_crawl_at: datetime | None = None
    progress: dict[str, int] = field(default_factory=dict)
    removed: bool = False

    @classmethod
    def add(
        cls,
        *,
        id: UUID,
        company_id: UUID,
        kind: SourceKind,
        name: str,
        url: str | None,
        limits: CrawlLimits,
        at: datetime,
    ) -> KnowledgeSource:
        source = cls(
            id=id,
            company_id=company_id,
            kind=kind,
            name=name,
            url=url,
            limits=limits,
            status=SourceStatus.QUEUED,
            created_at=at,
            updated_at=at,
        )
        source._emit("knowledge.source_added", at, {"kind": kind.value, "name": name, "url": url})
        return source

    def _move(self, to: SourceStatus) -> None:
        if to not in _MOVES[self.status]:
            raise InvalidTransition(
                f"A {self.status.value} source cannot become {to.value}", field="status"
            )
        self.status = to

    def queue(self, at: datetime) -> None:
        """A re-crawl asked for (or due): a source being crawled is left alone."""
        if self.status is SourceStatus.CRAWLING or self.status is SourceStatus.QUEUED:
            return
        self._move(SourceStatus.QUEUED)
        self.updated_at = at
        self._emit("knowledge.source_queued", at, {})

    def start(self, at: datetime) -> None:
        self._move(SourceStatus.CRAWLING)
        self.progress = {}
        self.updated_at = at

    def indexed(
        self, at: datetime, *, pages: int, chunks: int, failed: int, next_crawl_at: datetime | None
    ) -> None:
        self._move(SourceStatus.INDEXED)
        self.page_count, self.chunk_count, self.failed_count = pages, chunks, failed
        self.error = None
        self.last_crawl_at = self.updated_at = at
        self.next_crawl_at = next_crawl_at
        self._emit(
            "knowledge.source_indexed", at, {"pages": pages, "chunks": chunks, "failed": failed}
        )

    def failed(self, at: datetime, reason: str, *, next_crawl_at: datetime | None) -> None:
        """What was indexed before stays indexed: only the status and the reason change."""
        self._move(SourceStatus.FAILED)
        self.error = reason[:1000]
        self.last_crawl_at = self.updated_at = at
        self.next_crawl_at = next_crawl_at
        self._emit("knowledge.source_failed", at, {"reason": self.error})

    def remove(self, at: datetime) -> None:
        self.removed = True
        self.updated_at = at
        self._emit("knowledge.source_removed", at, {})

    def apply(self, event: DomainEvent) -> None:
        """State changes happen in the commands; the events carry them for the log."""

    @property
    def stream(self) -> Stream:
        return Stream(AGGREGATE, self.id, self.company_id)

    def _event(self, type: str, at: datetime, payload: dict[str, Any]) -> DomainEvent:
        """Every source fact names the source and its status."""
        facts = {"source_id": str(self.id), "status": self.status.value, **payload}
        return self.stream.event(type, at, facts)


@dataclass(slots=True)
class KnowledgeDocument:
    """One page, file or FAQ set of a source; ``key`` is its URL or file name."""

    id: UUID
    source_id: UUID
    company_id: UUID
    key: str
    title: str
    status: DocumentStatus
    updated_at: datetime
    url: str | None = None
    content_type: str | None = None
    content_hash: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    error: str | None = None
    chunk_count: int = 0
    content: bytes | None = None
    links: list[str] | None = None
    """A crawled HTML page's links, followed again when the page comes back unchanged."""
