"""SQL repository of knowledge sources, documents, chunks and unanswered questions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from guiders.domain.knowledge import (
    CrawlLimits,
    DocumentStatus,
    KnowledgeDocument,
    KnowledgeSource,
    SourceKind,
    SourceStatus,
)
from guiders.services.knowledge_ports import KnowledgeRepository, StoredChunk, UnansweredQuestion
from guiders.store.knowledge_tables import (
    knowledge_chunks,
    knowledge_documents,
    knowledge_questions,
    knowledge_revisions,
    knowledge_sources,
)

_DOC_COLUMNS = [c for c in knowledge_documents.c if c.name != "content"]


def _source_row(s: KnowledgeSource) -> dict[str, Any]:
    return {
        "id": s.id,
        "company_id": s.company_id,
        "kind": s.kind.value,
        "name": s.name,
        "url": s.url,
        "limits": s.limits.as_dict(),
        "status": s.status.value,
        "error": s.error,
        "page_count": s.page_count,
        "chunk_count": s.chunk_count,
        "failed_count": s.failed_count,
        "progress": s.progress,
        "last_crawl_at": s.last_crawl_at,
        "next_crawl_at": s.next_crawl_at,
        "created_at": s.created_at,
        "updated_at": s.updated_at,
        "version": s.version,
    }


def _source(r: Any) -> KnowledgeSource:
    return KnowledgeSource(
        id=r.id,
        company_id=r.company_id,
        kind=SourceKind(r.kind),
        name=r.name,
        url=r.url,
        limits=CrawlLimits.from_dict(r.limits or {}),
        status=SourceStatus(r.status),
        error=r.error,
        page_count=r.page_count,
        chunk_count=r.chunk_count,
        failed_count=r.failed_count,
        progress=dict(r.progress or {}),
        last_crawl_at=r.last_crawl_at,
        next_crawl_at=r.next_crawl_at,
        created_at=r.created_at,
        updated_at=r.updated_at,
        version=r.version,
    )


def _document_row(d: KnowledgeDocument) -> dict[str, Any]:
    return {
        "id": d.id,
        "source_id": d.source_id,
        "company_id": d.company_id,
        "key": d.key,
        "url": d.url,
        "title": d.title[:500],
        "status": d.status.value,
        "content_type": d.content_type,
        "content_hash": d.content_hash,
        "etag": d.etag,
        "last_modified": d.last_modified,
        "error": d.error,
        "chunk_count": d.chunk_count,
        "content": d.content,
        "links": d.links,
        "updated_at": d.updated_at,
    }


def _document(r: Any) -> KnowledgeDocument:
    mapping = r._mapping
    return KnowledgeDocument(
        id=r.id,
        source_id=r.source_id,
        company_id=r.company_id,
        key=r.key,
        url=r.url,
        title=r.title,
        status=DocumentStatus(r.status),
        content_type=r.content_type,
        content_hash=r.content_hash,
        etag=r.etag,
        last_modified=r.last_modified,
        error=r.error,
        chunk_count=r.chunk_count,
        content=mapping.get("content"),
        links=r.links,
        updated_at=r.updated_at,
    )


class SqlKnowledgeRepository(KnowledgeRepository):
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add_source(self, source: KnowledgeSource) -> None:
        await self._conn.execute(knowledge_sources.insert().values(**_source_row(source)))

    async def get_source(self, source_id: UUID) -> KnowledgeSource | None:
        row = (
            await self._conn.execute(
                select(knowledge_sources).where(knowledge_sources.c.id == source_id)
            )
        ).first()
        return _source(row) if row else None

    async def save_source(self, source: KnowledgeSource) -> None:
        values = _source_row(source)
        values.pop("id")
        if source.status is not SourceStatus.CRAWLING:
            values |= {"owner": None, "lease_expires_at": None}
        await self._conn.execute(
            update(knowledge_sources).where(knowledge_sources.c.id == source.id).values(**values)
        )

    async def claim_source(
        self,
        source_id: UUID,
        expected: SourceStatus,
        owner: str,
        now: datetime,
        lease_until: datetime,
    ) -> bool:
        s = knowledge_sources.c
        done = await self._conn.execute(
            update(knowledge_sources)
            .where(
                s.id == source_id,
                s.status == expected.value,
                or_(s.status != SourceStatus.CRAWLING.value, s.lease_expires_at < now),
            )
            .values(
                status=SourceStatus.CRAWLING.value,
                owner=owner,
                lease_expires_at=lease_until,
                progress={},
            )
        )
        return bool(done.rowcount)

    async def touch_progress(
        self, source_id: UUID, progress: dict[str, int], lease_until: datetime
    ) -> None:
        await self._conn.execute(
            update(knowledge_sources)
            .where(knowledge_sources.c.id == source_id)
            .values(progress=progress, lease_expires_at=lease_until)
        )

    async def delete_source(self, source_id: UUID) -> None:
        await self._conn.execute(
            delete(knowledge_chunks).where(knowledge_chunks.c.source_id == source_id)
        )
        await self._conn.execute(
            delete(knowledge_documents).where(knowledge_documents.c.source_id == source_id)
        )
        await self._conn.execute(
            delete(knowledge_sources).where(knowledge_sources.c.id == source_id)
        )

    async def sources_of(self, company_id: UUID) -> list[KnowledgeSource]:
        rows = await self._conn.execute(
            select(knowledge_sources)
            .where(knowledge_sources.c.company_id == company_id)
            .order_by(knowledge_sources.c.created_at, knowledge_sources.c.id)
        )
        return [_source(r) for r in rows]

    async def due_sources(self, now: datetime, limit: int) -> list[KnowledgeSource]:
        s = knowledge_sources.c
        rows = await self._conn.execute(
            select(knowledge_sources)
            .where(
                or_(
                    s.status == SourceStatus.QUEUED.value,
                    and_(
                        s.status.in_([SourceStatus.INDEXED.value, SourceStatus.FAILED.value]),
                        s.next_crawl_at.is_not(None),
                        s.next_crawl_at <= now,
                    ),
                    and_(s.status == SourceStatus.CRAWLING.value, s.lease_expires_at < now),
                )
            )
            .order_by(s.updated_at)
            .limit(limit)
        )
        return [_source(r) for r in rows]

    async def documents_of(
        self, source_id: UUID, *, with_content: bool = False
    ) -> list[KnowledgeDocument]:
        columns = list(knowledge_documents.c) if with_content else _DOC_COLUMNS
        rows = await self._conn.execute(
            select(*columns)
            .where(knowledge_documents.c.source_id == source_id)
            .order_by(knowledge_documents.c.key)
        )
        return [_document(r) for r in rows]

    async def save_documents(self, documents: Sequence[KnowledgeDocument]) -> None:
        if not documents:
            return
        ids = [d.id for d in documents]
        existing = set(
            (
                await self._conn.execute(
                    select(knowledge_documents.c.id).where(knowledge_documents.c.id.in_(ids))
                )
            ).scalars()
        )
        for d in documents:
            row = _document_row(d)
            if d.id in existing:
                row.pop("id")
                if d.content is None:
                    row.pop("content")
                await self._conn.execute(
                    update(knowledge_documents)
                    .where(knowledge_documents.c.id == d.id)
                    .values(**row)
                )
            else:
                await self._conn.execute(knowledge_documents.insert().values(**row))

    async def delete_documents(self, document_ids: Sequence[UUID]) -> None:
        if not document_ids:
            return
        ids = list(document_ids)
        await self._conn.execute(
            delete(knowledge_chunks).where(knowledge_chunks.c.document_id.in_(ids))
        )
        await self._conn.execute(
            delete(knowledge_documents).where(knowledge_documents.c.id.in_(ids))
        )

    async def replace_chunks(
        self, document_ids: Sequence[UUID], chunks: Sequence[StoredChunk]
    ) -> None:
        if document_ids:
            await self._conn.execute(
                delete(knowledge_chunks).where(knowledge_chunks.c.document_id.in_(document_ids))
            )
        if chunks:
            await self._conn.execute(
                knowledge_chunks.insert(),
                [
                    {
                        "id": c.id,
                        "document_id": c.document_id,
                        "source_id": c.source_id,
                        "company_id": c.company_id,
                        "ordinal": c.ordinal,
                        "title": c.title[:500],
                        "url": c.url,
                        "heading_path": list(c.heading_path),
                        "text": c.text,
                        "vector": c.vector,
                    }
                    for c in chunks
                ],
            )

    async def chunks_of_company(self, company_id: UUID) -> list[StoredChunk]:
        c = knowledge_chunks.c
        rows = await self._conn.execute(
            select(knowledge_chunks)
            .where(c.company_id == company_id)
            .order_by(c.source_id, c.document_id, c.ordinal)
        )
        return [
            StoredChunk(
                id=r.id,
                document_id=r.document_id,
                source_id=r.source_id,
                company_id=r.company_id,
                ordinal=r.ordinal,
                title=r.title,
                url=r.url,
                heading_path=tuple(r.heading_path or ()),
                text=r.text,
                vector=bytes(r.vector),
            )
            for r in rows
        ]

    async def revision(self, company_id: UUID) -> int:
        value = await self._conn.scalar(
            select(knowledge_revisions.c.revision).where(
                knowledge_revisions.c.company_id == company_id
            )
        )
        return int(value or 0)

    async def bump_revision(self, company_id: UUID) -> int:
        dialect = self._conn.dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = (
            insert(knowledge_revisions)
            .values(company_id=company_id, revision=1)
            .on_conflict_do_update(
                index_elements=[knowledge_revisions.c.company_id],
                set_={"revision": knowledge_revisions.c.revision + 1},
            )
            .returning(knowledge_revisions.c.revision)
        )
        return int((await self._conn.execute(statement)).scalar_one())

    async def add_question(self, question: UnansweredQuestion, keep: int) -> None:
        q = knowledge_questions.c
        await self._conn.execute(
            knowledge_questions.insert().values(
                id=question.id,
                company_id=question.company_id,
                question=question.question,
                language=question.language,
                reason=question.reason[:80],
                chat_id=question.chat_id,
                vector=question.vector,
                asked_at=question.asked_at,
            )
        )
        count = await self._conn.scalar(
            select(func.count())
            .select_from(knowledge_questions)
            .where(q.company_id == question.company_id)
        )
        if int(count or 0) > keep:
            oldest = (
                select(q.id)
                .where(q.company_id == question.company_id)
                .order_by(q.asked_at.desc(), q.id)
                .offset(keep)
            )
            ids = list((await self._conn.execute(oldest)).scalars())
            await self._conn.execute(delete(knowledge_questions).where(q.id.in_(ids)))

    async def questions(self, company_id: UUID, limit: int) -> list[UnansweredQuestion]:
        q = knowledge_questions.c
        rows = await self._conn.execute(
            select(knowledge_questions)
            .where(q.company_id == company_id)
            .order_by(q.asked_at.desc(), q.id)
            .limit(limit)
        )
        return [
            UnansweredQuestion(
                id=r.id,
                company_id=r.company_id,
                question=r.question,
                language=r.language,
                reason=r.reason,
                chat_id=r.chat_id,
                vector=bytes(r.vector) if r.vector is not None else None,
                asked_at=r.asked_at,
            )
            for r in rows
        ]

    async def set_question_vectors(self, vectors: dict[UUID, bytes]) -> None:
        for question_id, vector in vectors.items():
            await self._conn.execute(
                update(knowledge_questions)
                .where(knowledge_questions.c.id == question_id)
                .values(vector=vector)
            )
