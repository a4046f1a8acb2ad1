"""One ingestion job: read a source (crawl a site, or the files and FAQ pairs stored with it),
parse, chunk and encode what changed, and swap the source's chunks in one transaction.

Parsing runs in a worker process and encoding in a thread, so the server's event loop keeps
serving chats. Nothing already indexed is lost when something fails: a page that fails keeps
its previous chunks (and shows the error), a crawl that reaches no page at all leaves every
chunk as it was and marks the source failed with the reason.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from uuid import UUID

import structlog

from guiders.domain.knowledge import (
    DocumentStatus,
    KnowledgeDocument,
    KnowledgeSource,
    SourceKind,
)
from guiders.ingest.crawler import Crawl, CrawledPage, Known
from guiders.ingest.fetcher import Fetcher, FetchError
from guiders.ingest.indexing import Indexer
from guiders.ingest.parsers import ParsedDocument, ParseError, parse
from guiders.knowledge.chunks import Section
from guiders.services.knowledge import FAQ_CONTENT_TYPE
from guiders.services.knowledge_ports import StoredChunk
from guiders.services.ports import UnitOfWorkFactory

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class JobSettings:
    allow_private: bool = False
    max_bytes: int = 10 * 1024 * 1024
    timeout_s: float = 15.0
    max_redirects: int = 5
    max_pages: int = 500
    lease_s: float = 300.0


@dataclass(slots=True)
class Outcome:
    """What one run found, written in one transaction at the end."""

    changed: list[tuple[KnowledgeDocument, list[StoredChunk]]] = field(default_factory=list)
    touched: list[KnowledgeDocument] = field(default_factory=list)
    removed: list[UUID] = field(default_factory=list)
    succeeded: int = 0
    errors: list[str] = field(default_factory=list)


def faq_document(content: bytes) -> ParsedDocument:
    pairs = json.loads(content)
    sections = [
        Section((str(p["question"]).strip(),), f"{p['question']}\n{p['answer']}".strip())
        for p in pairs
    ]
    return ParsedDocument("FAQ", "faq", sections)


class IngestionJob:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        indexer: Indexer,
        settings: JobSettings,
        *,
        parse_pool: Executor | None,
        owner: str,
        fetcher_factory: Callable[[], Fetcher] | None = None,
    ) -> None:
        self._uow = uow
        self._indexer = indexer
        self._settings = settings
        self._parse_pool = parse_pool
        self._owner = owner
        self._fetcher_factory = fetcher_factory or self._fetcher

    def _fetcher(self) -> Fetcher:
        s = self._settings
        return Fetcher(
            allow_private=s.allow_private,
            max_bytes=s.max_bytes,
            timeout_s=s.timeout_s,
            max_redirects=s.max_redirects,
        )

    async def run(self, source: KnowledgeSource) -> None:
        """``source`` was claimed (status crawling) by this node."""
        started = time.monotonic()
        try:
            if source.kind is SourceKind.URL:
                outcome = await self._crawl(source)
            else:
                outcome = await self._stored(source)
        except Exception as exc:
            log.warning("ingestion failed", source_id=str(source.id), error=repr(exc))
            await self._finish(source, None, reason=_reason(exc))
            return
        reason = None
        if outcome.succeeded == 0:
            reason = outcome.errors[0] if outcome.errors else "no document could be read"
        await self._finish(source, outcome, reason=reason)
        log.info(
            "source ingested",
            source_id=str(source.id),
            seconds=round(time.monotonic() - started, 2),
            documents=outcome.succeeded,
            errors=len(outcome.errors),
        )

    # -- reading -------------------------------------------------------------------------

    async def _parse(self, content: bytes, content_type: str | None, name: str) -> ParsedDocument:
        if content_type == FAQ_CONTENT_TYPE:
            return faq_document(content)
        if self._parse_pool is None:
            return parse(content, content_type, name)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._parse_pool, parse, content, content_type, name)

    async def _index(
        self, doc: KnowledgeDocument, parsed: ParsedDocument, outcome: Outcome
    ) -> None:
        chunks = await self._indexer.index(doc, parsed)
        doc.title = parsed.title[:500]
        doc.status = DocumentStatus.INDEXED
        doc.error = None
        doc.chunk_count = len(chunks)
        outcome.changed.append((doc, chunks))
        outcome.succeeded += 1

    async def _stored(self, source: KnowledgeSource) -> Outcome:
        async with self._uow() as uow:
            documents = await uow.knowledge.documents_of(source.id, with_content=True)
        outcome = Outcome()
        for number, doc in enumerate(documents, 1):
            now = datetime.now(UTC)
            doc.updated_at = now
            try:
                parsed = await self._parse(doc.content or b"", doc.content_type, doc.key)
                await self._index(doc, parsed, outcome)
            except ParseError as exc:
                doc.status, doc.error = DocumentStatus.FAILED, str(exc)
                outcome.errors.append(f"{doc.key}: {exc}")
                outcome.touched.append(doc)
            doc.content = None  # already stored; not rewritten
            await self._progress(source, {"pagesDone": number, "pagesQueued": 0})
        return outcome

    async def _crawl(self, source: KnowledgeSource) -> Outcome:
        async with self._uow() as uow:
            previous = {d.key: d for d in await uow.knowledge.documents_of(source.id)}
        known = {
            k: Known(d.etag, d.last_modified, tuple(d.links or ()))
            for k, d in previous.items()
            if d.status is DocumentStatus.INDEXED
        }
        fetcher = self._fetcher_factory()
        outcome = Outcome()
        seen: set[str] = set()
        try:
            crawl = Crawl(
                fetcher,
                source.url or "",
                max_pages=min(source.limits.max_pages, self._settings.max_pages),
                max_depth=source.limits.max_depth,
                known=known,
            )
            await crawl.prepare()
            async for page in crawl.pages():
                seen.add(page.url)
                await self._page(source, crawl, page, previous.get(page.url), outcome)
                await self._progress(
                    source, {"pagesDone": crawl.fetched, "pagesQueued": crawl.queued}
                )
        finally:
            await fetcher.aclose()
        if outcome.succeeded:  # pages that disappeared from the site go
            outcome.removed += [d.id for k, d in previous.items() if k not in seen]
        return outcome

    async def _page(
        self,
        source: KnowledgeSource,
        crawl: Crawl,
        page: CrawledPage,
        old: KnowledgeDocument | None,
        outcome: Outcome,
    ) -> None:
        now = datetime.now(UTC)
        doc = old or KnowledgeDocument(
            id=uuid.uuid4(),
            source_id=source.id,
            company_id=source.company_id,
            key=page.url,
            url=page.url,
            title=page.url,
            status=DocumentStatus.QUEUED,
            updated_at=now,
        )
        doc.updated_at = now
        if page.gone:
            if old is not None:
                outcome.removed.append(old.id)
            return
        if page.unchanged:
            outcome.succeeded += 1
            return
        result = page.result
        if result is None:
            doc.status, doc.error = DocumentStatus.FAILED, page.error or "not fetched"
            outcome.errors.append(f"{page.url}: {doc.error}")
            outcome.touched.append(doc)
            return
        digest = hashlib.sha256(result.content).hexdigest()
        doc.url = result.url  # after redirects: the link a citation shows
        doc.etag, doc.last_modified = result.etag, result.last_modified
        doc.content_type = result.content_type
        try:
            parsed = await self._parse(result.content, result.content_type, page.url)
        except ParseError as exc:
            doc.status, doc.error = DocumentStatus.FAILED, str(exc)
            outcome.errors.append(f"{page.url}: {exc}")
            outcome.touched.append(doc)
            return
        crawl.follow(page, parsed.links)
        doc.links = parsed.links[:1000]
        if old is not None and old.content_hash == digest and old.status is DocumentStatus.INDEXED:
            outcome.touched.append(doc)  # new validators, same text: chunks stay
            outcome.succeeded += 1
            return
        doc.content_hash = digest
        await self._index(doc, parsed, outcome)

    # -- writing -------------------------------------------------------------------------

    _last_progress: float = 0.0

    async def _progress(self, source: KnowledgeSource, progress: dict[str, int]) -> None:
        now = time.monotonic()
        if now - self._last_progress < 1.0:
            return
        self._last_progress = now
        lease = datetime.now(UTC) + timedelta(seconds=self._settings.lease_s)
        async with self._uow() as uow:
            await uow.knowledge.touch_progress(source.id, progress, lease)
            await uow.commit()

    async def _finish(
        self, claimed: KnowledgeSource, outcome: Outcome | None, *, reason: str | None
    ) -> None:
        now = datetime.now(UTC)
        async with self._uow() as uow:
            source = await uow.knowledge.get_source(claimed.id)
            if source is None:
                return  # removed while it was being read
            uow.track(source)
            hours = source.limits.recrawl_hours
            due = (
                now + timedelta(hours=hours)
                if source.kind is SourceKind.URL and hours > 0
                else None
            )
            if outcome is not None and reason is None:
                await uow.knowledge.save_documents(
                    [d for d, _ in outcome.changed] + outcome.touched
                )
                await uow.knowledge.replace_chunks(
                    [d.id for d, _ in outcome.changed],
                    [c for _, chunks in outcome.changed for c in chunks],
                )
                await uow.knowledge.delete_documents(outcome.removed)
                documents = await uow.knowledge.documents_of(source.id)
                indexed = [d for d in documents if d.status is DocumentStatus.INDEXED]
                source.indexed(
                    now,
                    pages=len(indexed),
                    chunks=sum(d.chunk_count for d in documents),
                    failed=sum(1 for d in documents if d.status is DocumentStatus.FAILED),
                    next_crawl_at=due,
                )
                await uow.knowledge.bump_revision(source.company_id)
            else:
                if outcome is not None:  # record per-page errors; chunks stay as they were
                    await uow.knowledge.save_documents(outcome.touched)
                source.failed(now, reason or "failed", next_crawl_at=due)
            await uow.knowledge.save_source(source)
            await uow.commit()


def _reason(exc: BaseException) -> str:
    if isinstance(exc, FetchError | ParseError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"[:500]
