"""What the knowledge use cases need from storage: sources, their documents and chunks, the
company's index revision and the questions the documents could not answer.

Kept apart from ``ports.py`` so the knowledge feature reads as one piece; the unit of work
exposes an implementation as ``uow.knowledge``.
"""

from __future__ import annotations

import abc
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from guiders.domain.knowledge import KnowledgeDocument, KnowledgeSource, SourceStatus


@dataclass(frozen=True, slots=True)
class StoredChunk:
    """A passage as stored: its text, where it comes from and its embedding (float32 bytes)."""

    id: UUID
    document_id: UUID
    source_id: UUID
    company_id: UUID
    ordinal: int
    title: str
    url: str | None
    heading_path: tuple[str, ...]
    text: str
    vector: bytes


@dataclass(frozen=True, slots=True)
class UnansweredQuestion:
    id: UUID
    company_id: UUID
    question: str
    language: str | None
    reason: str
    asked_at: datetime
    chat_id: str | None = None
    vector: bytes | None = None


class KnowledgeRepository(abc.ABC):
    # -- sources -----------------------------------------------------------------------
    @abc.abstractmethod
    async def add_source(self, source: KnowledgeSource) -> None: ...
    @abc.abstractmethod
    async def get_source(self, source_id: UUID) -> KnowledgeSource | None: ...
    @abc.abstractmethod
    async def save_source(self, source: KnowledgeSource) -> None: ...
    @abc.abstractmethod
    async def claim_source(
        self,
        source_id: UUID,
        expected: SourceStatus,
        owner: str,
        now: datetime,
        lease_until: datetime,
    ) -> bool:
        """Marks a source being crawled by ``owner``; False when another node moved it first
        (a crawl still within its lease is never taken over)."""

    @abc.abstractmethod
    async def touch_progress(
        self, source_id: UUID, progress: dict[str, int], lease_until: datetime
    ) -> None: ...

    @abc.abstractmethod
    async def delete_source(self, source_id: UUID) -> None:
        """The source, its documents and its chunks."""

    @abc.abstractmethod
    async def sources_of(self, company_id: UUID) -> list[KnowledgeSource]: ...
    @abc.abstractmethod
    async def due_sources(self, now: datetime, limit: int) -> list[KnowledgeSource]:
        """Queued sources, URL sources whose re-crawl is due, and crawls whose lease ran out."""

    # -- documents and chunks ----------------------------------------------------------
    @abc.abstractmethod
    async def documents_of(
        self, source_id: UUID, *, with_content: bool = False
    ) -> list[KnowledgeDocument]: ...
    @abc.abstractmethod
    async def save_documents(self, documents: Sequence[KnowledgeDocument]) -> None:
        """Inserts or replaces each document (by id)."""

    @abc.abstractmethod
    async def delete_documents(self, document_ids: Sequence[UUID]) -> None:
        """The documents and their chunks."""

    @abc.abstractmethod
    async def replace_chunks(
        self, document_ids: Sequence[UUID], chunks: Sequence[StoredChunk]
    ) -> None:
        """Drops every chunk of ``document_ids`` and stores ``chunks`` instead."""

    @abc.abstractmethod
    async def chunks_of_company(self, company_id: UUID) -> list[StoredChunk]: ...
    @abc.abstractmethod
    async def revision(self, company_id: UUID) -> int:
        """Moves on whenever the company's chunks change; 0 before any."""

    @abc.abstractmethod
    async def bump_revision(self, company_id: UUID) -> int: ...

    # -- the content-gap list ----------------------------------------------------------
    @abc.abstractmethod
    async def add_question(self, question: UnansweredQuestion, keep: int) -> None:
        """Stores it, keeping only the company's ``keep`` most recent questions."""

    @abc.abstractmethod
    async def questions(self, company_id: UUID, limit: int) -> list[UnansweredQuestion]:
        """Most recent first."""

    @abc.abstractmethod
    async def set_question_vectors(self, vectors: dict[UUID, bytes]) -> None: ...


class KnowledgeAnswers(abc.ABC):
    """This node's answer engine over a company's stored chunks."""

    @abc.abstractmethod
    async def reply(
        self, company_id: UUID, question: str, history: list[dict[str, str]], language: str | None
    ) -> dict[str, Any]:
        """The grounded reply as the API's JSON (``action``, ``text``, ``citations``...)."""

    @abc.abstractmethod
    async def encode(self, texts: list[str]) -> list[bytes]:
        """Embeddings (float32 bytes) of short texts, to group unanswered questions."""

    async def close(self) -> None:
        return None
