"""Each server node's in-memory knowledge indexes, one per company, built from the stored
chunks and vectors (never re-encoded) and answered from by the engine.

Every answer first reads the company's index revision (a primary-key lookup): an index built
from an older revision is rebuilt before answering, so every node answers from the same chunks
however late a change event reaches it. Change events only make that rebuild happen early,
in the background, instead of on the next question. Building and answering run in one thread
of their own, out of the event loop.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import numpy as np
import structlog

from guiders.domain.events import StoredEvent
from guiders.ingest.indexing import to_engine_chunk
from guiders.services.knowledge_ports import KnowledgeAnswers, StoredChunk
from guiders.services.ports import UnitOfWorkFactory

log = structlog.get_logger(__name__)
REFRESH_EVENTS = ("knowledge.source_indexed", "knowledge.source_removed")


@dataclass(slots=True)
class _Entry:
    revision: int
    answerer: Any | None
    chunks: int


def build_answerer(stored: list[StoredChunk]) -> Any | None:
    if not stored:
        return None
    from guiders.knowledge.answering import GroundedAnswerer
    from guiders.knowledge.index import KnowledgeIndex

    chunks = [to_engine_chunk(c) for c in stored]
    vectors = np.vstack([np.frombuffer(c.vector, dtype=np.float32) for c in stored])
    return GroundedAnswerer(KnowledgeIndex.build(chunks, vectors=vectors))


def reply_json(reply: Any) -> dict[str, Any]:
    """The engine's ``GroundedReply`` as the API's JSON."""
    return {
        "action": str(getattr(reply.action, "value", reply.action)),
        "text": reply.text,
        "citations": [
            {
                "documentId": c.document_id,
                "chunkId": c.chunk_id,
                "title": c.title,
                "url": c.url,
                "headingPath": list(c.heading_path or ()),
                "score": round(float(c.score), 4),
            }
            for c in reply.citations
        ],
        "retrievalScores": [round(float(s), 4) for s in (reply.retrieval_scores or ())],
        "answerability": _round(reply.answerability),
        "grounding": _round(reply.grounding),
        "reason": reply.reason,
        "language": reply.language,
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(float(value), 4)


def no_documents(language: str | None) -> dict[str, Any]:
    return {
        "action": "handoff",
        "text": "",
        "citations": [],
        "retrievalScores": [],
        "answerability": 0.0,
        "grounding": None,
        "reason": "no_documents",
        "language": language,
    }


class NodeIndexes(KnowledgeAnswers):
    def __init__(self, uow: UnitOfWorkFactory, executor: Executor, *, max_companies: int = 64):
        self._uow = uow
        self._executor = executor
        self._max = max_companies
        self._entries: OrderedDict[UUID, _Entry] = OrderedDict()
        self._locks: dict[UUID, asyncio.Lock] = {}
        self._background: set[asyncio.Task[None]] = set()

    async def reply(
        self, company_id: UUID, question: str, history: list[dict[str, str]], language: str | None
    ) -> dict[str, Any]:
        entry = await self._current(company_id)
        if entry.answerer is None:
            return no_documents(language)
        from guiders.knowledge.query import HistoryTurn

        turns = [HistoryTurn(str(t.get("speaker", "")), str(t.get("text", ""))) for t in history]
        loop = asyncio.get_running_loop()
        reply = await loop.run_in_executor(
            self._executor, entry.answerer.reply, question, turns, language
        )
        return reply_json(reply)

    async def encode(self, texts: list[str]) -> list[bytes]:
        from guiders.knowledge.chunks import Chunk
        from guiders.knowledge.index import encode_chunks

        def run() -> list[bytes]:
            chunks = [Chunk(str(i), "q", "", None, (), t, 0) for i, t in enumerate(texts)]
            matrix = np.asarray(encode_chunks(chunks), dtype=np.float32)
            return [row.tobytes() for row in matrix]

        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, run)

    def warm(self) -> None:
        """Loads the encoder in the background (about a second and 90 MB, once per process),
        so the first question of a company is not the one that waits for it."""

        def load() -> None:
            from guiders.knowledge.index import default_encoder

            default_encoder()

        self._executor.submit(load)

    async def on_event(self, event: StoredEvent) -> None:
        """A source's chunks changed somewhere: rebuild this node's copy now, not on the
        next question."""
        if event.type in REFRESH_EVENTS and event.company_id in self._entries:
            task = asyncio.create_task(self._refresh(event.company_id))
            self._background.add(task)
            task.add_done_callback(self._background.discard)

    async def _refresh(self, company_id: UUID) -> None:
        try:
            await self._current(company_id)
        except Exception as exc:  # the next question tries again
            log.warning("knowledge index refresh failed", company=str(company_id), error=repr(exc))

    async def _current(self, company_id: UUID) -> _Entry:
        async with self._uow() as uow:
            revision = await uow.knowledge.revision(company_id)
        entry = self._entries.get(company_id)
        if entry is not None and entry.revision == revision:
            self._entries.move_to_end(company_id)
            return entry
        lock = self._locks.setdefault(company_id, asyncio.Lock())
        async with lock:
            entry = self._entries.get(company_id)
            if entry is not None and entry.revision >= revision:
                return entry
            async with self._uow() as uow:
                revision = await uow.knowledge.revision(company_id)
                stored = await uow.knowledge.chunks_of_company(company_id)
            loop = asyncio.get_running_loop()
            answerer = await loop.run_in_executor(self._executor, build_answerer, stored)
            entry = _Entry(revision, answerer, len(stored))
            self._entries[company_id] = entry
            self._entries.move_to_end(company_id)
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)
            log.info("knowledge index built", company=str(company_id), chunks=len(stored))
            return entry

    async def close(self) -> None:
        for task in list(self._background):
            task.cancel()
        await asyncio.gather(*self._background, return_exceptions=True)
