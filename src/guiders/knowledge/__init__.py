"""Answering from the company's own documents: chunks, hybrid retrieval, answerability,
extractive and LLM-grounded replies. Pure: no HTTP, SQL or Socket.IO (see docs/knowledge.md)."""

from guiders.knowledge.answering import (
    AnswerSettings,
    Citation,
    GroundedAnswerer,
    GroundedReply,
)
from guiders.knowledge.chunks import Chunk, Section, chunk_document, sections_from_text
from guiders.knowledge.index import KnowledgeIndex, RetrievalSettings, encode_chunks
from guiders.knowledge.query import HistoryTurn

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
