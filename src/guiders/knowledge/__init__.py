"""Answering from the company's own documents: chunks, hybrid retrieval, answerability,
extractive and LLM-grounded replies. Pure: no HTTP, SQL or Socket.IO (see docs/knowledge.md).

The names below are imported when first used (PEP 562), not with the package: they pull in
NumPy and the retrieval models, and ``guiders --help`` imports ``guiders.knowledge.cli``. An
import error still surfaces, at the first use of the name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from guiders.lazy_exports import lazy_exports

if TYPE_CHECKING:
    from guiders.knowledge.answering import (
        AnswerSettings,
        Citation,
        GroundedAnswerer,
        GroundedReply,
    )
    from guiders.knowledge.chunks import Chunk, Section, chunk_document, sections_from_text
    from guiders.knowledge.index import KnowledgeIndex, RetrievalSettings, encode_chunks
    from guiders.knowledge.query import HistoryTurn

_HOMES = {
    "AnswerSettings": "guiders.knowledge.answering",
    "Chunk": "guiders.knowledge.chunks",
    "Citation": "guiders.knowledge.answering",
    "GroundedAnswerer": "guiders.knowledge.answering",
    "GroundedReply": "guiders.knowledge.answering",
    "HistoryTurn": "guiders.knowledge.query",
    "KnowledgeIndex": "guiders.knowledge.index",
    "RetrievalSettings": "guiders.knowledge.index",
    "Section": "guiders.knowledge.chunks",
    "chunk_document": "guiders.knowledge.chunks",
    "encode_chunks": "guiders.knowledge.index",
    "sections_from_text": "guiders.knowledge.chunks",
}

__all__ = [
    "AnswerSettings",
    "Chunk",
    "Citation",
    "GroundedAnswerer",
    "GroundedReply",
    "HistoryTurn",
    "KnowledgeIndex",
    "RetrievalSettings",
    "Section",
    "chunk_document",
    "encode_chunks",
    "sections_from_text",
]


__getattr__, __dir__ = lazy_exports(__name__, _HOMES, globals())
