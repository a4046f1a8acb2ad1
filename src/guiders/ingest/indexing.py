"""The bridge to the answer engine (``guiders.knowledge``): sections to chunks to vectors on
the way in, stored chunks back to an in-memory index on the way out (no re-encoding).

Encoding runs in one dedicated thread: the encoder is not safe to share between threads, and
torch releases the GIL while it computes, so the event loop keeps running.
"""

from __future__ import annotations

import asyncio
import uuid
from concurrent.futures import Executor
from typing import Any

import numpy as np

from guiders.domain.knowledge import KnowledgeDocument
from guiders.ingest.parsers import ParsedDocument
from guiders.services.knowledge_ports import StoredChunk

BATCH = 16


def engine_chunks(doc: KnowledgeDocument, parsed: ParsedDocument) -> list[Any]:
    from guiders.knowledge.chunks import Section, chunk_document

    sections = [Section(tuple(s.heading_path), s.text) for s in parsed.sections]
    chunks: list[Any] = chunk_document(str(doc.id), parsed.title, doc.url, sections)
    return chunks


def encode(chunks: list[Any]) -> np.ndarray[Any, Any]:
    from guiders.knowledge.index import encode_chunks

    return np.asarray(encode_chunks(chunks), dtype=np.float32)


def to_engine_chunk(stored: StoredChunk) -> Any:
    from guiders.knowledge.chunks import Chunk

    return Chunk(
        id=f"{stored.document_id}#{stored.ordinal}",
        document_id=str(stored.document_id),
        title=stored.title,
        url=stored.url,
        heading_path=tuple(stored.heading_path),
        text=stored.text,
        ordinal=stored.ordinal,
    )


class Indexer:
    def __init__(self, encode_executor: Executor | None) -> None:
        self._executor = encode_executor

    def index_sync(self, doc: KnowledgeDocument, parsed: ParsedDocument) -> list[StoredChunk]:
        chunks = engine_chunks(doc, parsed)
        return self._stored(doc, parsed, chunks, encode(chunks) if chunks else None)

    def _stored(
        self,
        doc: KnowledgeDocument,
        parsed: ParsedDocument,
        chunks: list[Any],
        vectors: np.ndarray[Any, Any] | None,
    ) -> list[StoredChunk]:
        if not chunks or vectors is None:
            return []
        return [
            StoredChunk(
                id=uuid.uuid4(),
                document_id=doc.id,
                source_id=doc.source_id,
                company_id=doc.company_id,
                ordinal=chunk.ordinal,
                title=str(chunk.title or parsed.title)[:500],
                url=chunk.url,
                heading_path=tuple(chunk.heading_path),
                text=chunk.text,
                vector=vectors[index].tobytes(),
            )
            for index, chunk in enumerate(chunks)
        ]

    async def index(self, doc: KnowledgeDocument, parsed: ParsedDocument) -> list[StoredChunk]:
        """Encodes ``BATCH`` chunks per turn of the shared encoder thread, so a question
        waits behind one batch of a large document, not the whole of it."""
        loop = asyncio.get_running_loop()
        chunks = await loop.run_in_executor(self._executor, engine_chunks, doc, parsed)
        if not chunks:
            return []
        parts = []
        for start in range(0, len(chunks), BATCH):
            batch = chunks[start : start + BATCH]
            parts.append(await loop.run_in_executor(self._executor, encode, batch))
        return self._stored(doc, parsed, chunks, np.vstack(parts))
