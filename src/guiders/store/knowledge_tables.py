"""Tables of the knowledge feature: sources, documents, chunks with their embeddings, the
per-company index revision and the unanswered questions (the content-gap list).

Registered on the one ``metadata`` (``metadata.py``; ``tables.py`` imports this module at its
end), so ``create_schema`` and Alembic see them with everything else.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    Uuid,
)

from guiders.store.metadata import metadata
from guiders.store.types import JSONType, UTCDateTime

knowledge_sources = Table(
    "knowledge_sources",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("company_id", Uuid, ForeignKey("companies.id"), nullable=False, index=True),
    Column("kind", String(20), nullable=False),
    Column("name", String(300), nullable=False),
    Column("url", String(2000)),
    Column("limits", JSONType, nullable=False),
    Column("status", String(20), nullable=False),
    Column("error", Text),
    Column("page_count", Integer, nullable=False),
    Column("chunk_count", Integer, nullable=False),
    Column("failed_count", Integer, nullable=False),
    Column("progress", JSONType, nullable=False),
    Column("last_crawl_at", UTCDateTime),
    Column("next_crawl_at", UTCDateTime),
    Column("owner", String(120)),
    Column("lease_expires_at", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("version", Integer, nullable=False),
    Index("ix_knowledge_sources_status_next", "status", "next_crawl_at"),
)

knowledge_documents = Table(
    "knowledge_documents",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column(
        "source_id", Uuid, ForeignKey("knowledge_sources.id", ondelete="CASCADE"), nullable=False
    ),
    Column("company_id", Uuid, nullable=False),
    Column("key", String(2000), nullable=False),
    Column("url", String(2000)),
    Column("title", String(500), nullable=False),
    Column("status", String(20), nullable=False),
    Column("content_type", String(200)),
    Column("content_hash", String(64)),
    Column("etag", String(500)),
    Column("last_modified", String(100)),
    Column("error", Text),
    Column("chunk_count", Integer, nullable=False),
    Column("content", LargeBinary),
    Column("links", JSONType),
    Column("updated_at", UTCDateTime, nullable=False),
    Index("ix_knowledge_documents_source", "source_id"),
)
"""``content`` is kept for uploads and FAQ sets only (there is nothing to fetch again)."""

knowledge_chunks = Table(
    "knowledge_chunks",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column(
        "document_id",
        Uuid,
        ForeignKey("knowledge_documents.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("source_id", Uuid, nullable=False),
    Column("company_id", Uuid, nullable=False),
    Column("ordinal", Integer, nullable=False),
    Column("title", String(500), nullable=False),
    Column("url", String(2000)),
    Column("heading_path", JSONType, nullable=False),
    Column("text", Text, nullable=False),
    Column("vector", LargeBinary, nullable=False),
    Index("ix_knowledge_chunks_document", "document_id"),
    Index("ix_knowledge_chunks_company", "company_id"),
)

knowledge_revisions = Table(
    "knowledge_revisions",
    metadata,
    Column("company_id", Uuid, primary_key=True),
    Column("revision", BigInteger, nullable=False),
)
"""Bumped in the transaction that changes a company's chunks: a node compares it with the
revision its in-memory index was built from, so every node answers from the same chunks."""

knowledge_questions = Table(
    "knowledge_questions",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("company_id", Uuid, nullable=False),
    Column("question", Text, nullable=False),
    Column("language", String(10)),
    Column("reason", String(80), nullable=False),
    Column("chat_id", String(80)),
    Column("vector", LargeBinary),
    Column("asked_at", UTCDateTime, nullable=False),
    Index("ix_knowledge_questions_company_asked", "company_id", "asked_at"),
)
