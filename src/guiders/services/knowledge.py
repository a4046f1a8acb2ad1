"""Knowledge use cases: add, list, remove and re-crawl a company's sources, ask its documents,
and read the content-gap list. Supervisors, admins and integration keys manage sources; the
bot (a key) and staff ask. Another company's source looks exactly like a missing one.

Adding a source only stores it as ``queued`` and wakes the ingestion worker: reading and
encoding happen in the background (``guiders.ingest``), never in the request.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID

from guiders.domain.errors import NotFound, Unavailable, ValidationFailed
from guiders.domain.events import DomainEvent, Stream
from guiders.domain.knowledge import (
    CrawlLimits,
    DocumentStatus,
    KnowledgeDocument,
    KnowledgeSource,
    SourceKind,
)
from guiders.services.access import Principal, require_staff_or_key, require_supervisor_or_key
from guiders.services.knowledge_gaps import GapGroup, group_questions
from guiders.services.knowledge_ports import KnowledgeAnswers, UnansweredQuestion
from guiders.services.ports import UnitOfWorkFactory

FAQ_CONTENT_TYPE = "application/vnd.guiders.faq+json"
KEEP_QUESTIONS = 5000


@dataclass(frozen=True, slots=True)
class UploadedFile:
    name: str
    content_type: str | None
    content: bytes


class KnowledgeService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        *,
        answers: KnowledgeAnswers | None = None,
        wake: Callable[[], None] = lambda: None,
    ) -> None:
        self._uow = uow
        self.answers = answers
        self.wake = wake

    async def add_url(
        self, principal: Principal, url: str, name: str | None, limits: CrawlLimits
    ) -> KnowledgeSource:
        require_supervisor_or_key(principal)
        host = _check_url(url)
        return await self._add(principal, SourceKind.URL, name or host, url, limits, [])

    async def add_faq(
        self, principal: Principal, name: str, pairs: Sequence[tuple[str, str]]
    ) -> KnowledgeSource:
        require_supervisor_or_key(principal)
        content = json.dumps([{"question": q, "answer": a} for q, a in pairs]).encode()
        file = UploadedFile("faq.json", FAQ_CONTENT_TYPE, content)
        return await self._add(principal, SourceKind.FAQ, name, None, CrawlLimits(), [file])

    async def add_upload(
        self,
        principal: Principal,
        name: str | None,
        files: Sequence[UploadedFile],
        *,
        url: str | None = None,
    ) -> KnowledgeSource:
        """``url``: where these documents are published, if anywhere (the citation's link)."""
        require_supervisor_or_key(principal)
        if not files:
            raise ValidationFailed("send at least one file", field="files")
        if url is not None:
            _check_url(url)
        title = name or (files[0].name if len(files) == 1 else f"{len(files)} files")
        return await self._add(principal, SourceKind.UPLOAD, title, url, CrawlLimits(), files)

    async def _add(
        self,
        principal: Principal,
        kind: SourceKind,
        name: str,
        url: str | None,
        limits: CrawlLimits,
        files: Sequence[UploadedFile],
    ) -> KnowledgeSource:
        now = datetime.now(UTC)
        source = KnowledgeSource.add(
            id=uuid.uuid4(),
            company_id=principal.company_id,
            kind=kind,
            name=name[:300],
            url=url,
            limits=limits,
            at=now,
        )
        documents = [
            KnowledgeDocument(
                id=uuid.uuid4(),
                source_id=source.id,
                company_id=source.company_id,
                key=f.name[:2000],
                title=f.name[:500],
                status=DocumentStatus.QUEUED,
                updated_at=now,
                content_type=f.content_type,
                content=f.content,
                url=url if kind is SourceKind.UPLOAD else None,
            )
            for f in files
        ]
        async with self._uow() as uow:
            uow.actor = principal.actor
            await uow.knowledge.add_source(source)
            await uow.knowledge.save_documents(documents)
            uow.track(source)
            await uow.commit()
        self.wake()
        return source

    async def sources(self, principal: Principal) -> list[KnowledgeSource]:
        require_supervisor_or_key(principal)
        async with self._uow() as uow:
            return await uow.knowledge.sources_of(principal.company_id)

    async def get(self, principal: Principal, source_id: UUID) -> KnowledgeSource:
        require_supervisor_or_key(principal)
        async with self._uow() as uow:
            return _visible(principal, await uow.knowledge.get_source(source_id))

    async def pages(self, principal: Principal, source_id: UUID) -> list[KnowledgeDocument]:
        require_supervisor_or_key(principal)
        async with self._uow() as uow:
            _visible(principal, await uow.knowledge.get_source(source_id))
            return await uow.knowledge.documents_of(source_id)

    async def remove(self, principal: Principal, source_id: UUID) -> None:
        require_supervisor_or_key(principal)
        async with self._uow() as uow:
            uow.actor = principal.actor
            source = _visible(principal, await uow.knowledge.get_source(source_id))
            source.remove(datetime.now(UTC))
            uow.track(source)
            await uow.knowledge.delete_source(source_id)
            await uow.knowledge.bump_revision(source.company_id)
            await uow.commit()

    async def recrawl(self, principal: Principal, source_id: UUID) -> KnowledgeSource:
        """Queues the source again (a source being read already is left to finish)."""
        require_supervisor_or_key(principal)
        async with self._uow() as uow:
            uow.actor = principal.actor
            source = _visible(principal, await uow.knowledge.get_source(source_id))
            source.queue(datetime.now(UTC))
            uow.track(source)
            await uow.knowledge.save_source(source)
            await uow.commit()
        self.wake()
        return source

    async def answer(
        self,
        principal: Principal,
        question: str,
        history: list[dict[str, str]],
        language: str | None,
        chat_id: str | None = None,
    ) -> dict[str, Any]:
        """The grounded reply; a hand-off (the documents do not say) joins the gap list."""
        require_staff_or_key(principal)
        if self.answers is None:
            raise Unavailable("The knowledge engine is not running on this node")
        reply = await self.answers.reply(principal.company_id, question, history, language)
        async with self._uow() as uow:
            uow.actor = principal.actor
            uow.record(answered_event(principal.company_id, reply, chat_id))
            if reply.get("action") == "handoff":
                await uow.knowledge.add_question(
                    UnansweredQuestion(
                        id=uuid.uuid4(),
                        company_id=principal.company_id,
                        question=question[:2000],
                        language=reply.get("language") or language,
                        reason=str(reply.get("reason") or "handoff"),
                        chat_id=chat_id,
                        asked_at=datetime.now(UTC),
                    ),
                    keep=KEEP_QUESTIONS,
                )
            await uow.commit()
        return reply

    async def gaps(self, principal: Principal, limit: int, scan: int = 1000) -> list[GapGroup]:
        """The most recent ``scan`` unanswered questions, grouped by meaning, biggest first."""
        require_supervisor_or_key(principal)
        async with self._uow() as uow:
            questions = await uow.knowledge.questions(principal.company_id, scan)
        missing = [q for q in questions if q.vector is None]
        if missing and self.answers is not None:
            vectors = await self.answers.encode([q.question for q in missing])
            found = {q.id: v for q, v in zip(missing, vectors, strict=True)}
            async with self._uow() as uow:
                await uow.knowledge.set_question_vectors(found)
                await uow.commit()
            questions = [
                q if q.vector is not None else _with_vector(q, found[q.id]) for q in questions
            ]
        return group_questions(questions)[:limit]


def answered_event(company_id: UUID, reply: dict[str, Any], chat_id: str | None) -> DomainEvent:
    """``knowledge.answered``: what the documents said to one question, for the audit trail
    and the dashboard (answer rate, hand-offs by reason, mean grounding)."""
    return Stream("knowledge_answer", uuid.uuid4(), company_id).event(
        "knowledge.answered",
        datetime.now(UTC),
        {
            "chat_id": chat_id,
            "decision": reply.get("action"),
            "reason": reply.get("reason"),
            "citations": [
                {"document_id": c.get("documentId"), "title": c.get("title"), "url": c.get("url")}
                for c in reply.get("citations", [])
            ],
            "retrieval_scores": list(reply.get("retrievalScores", []))[:10],
            "answerability": reply.get("answerability"),
            "grounding": reply.get("grounding"),
            "language": reply.get("language"),
        },
        version=1,
    )


def _with_vector(q: UnansweredQuestion, vector: bytes) -> UnansweredQuestion:
    return UnansweredQuestion(
        id=q.id,
        company_id=q.company_id,
        question=q.question,
        language=q.language,
        reason=q.reason,
        asked_at=q.asked_at,
        chat_id=q.chat_id,
        vector=vector,
    )


def _check_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationFailed("url must be an http or https address", field="url")
    return parts.hostname


def _visible(principal: Principal, source: KnowledgeSource | None) -> KnowledgeSource:
    if source is None or source.company_id != principal.company_id:
        raise NotFound("Source not found", field="sourceId")
    return source
