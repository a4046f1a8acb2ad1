"""The table of files sent in chats: their metadata (the bytes are in a ``FileStore``).

Registered on the one ``metadata`` (``tables.py`` imports this module at its end).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, ForeignKey, String, Table, Uuid

from guiders.store.metadata import metadata
from guiders.store.types import UTCDateTime

attachments = Table(
    "attachments",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("company_id", Uuid, ForeignKey("companies.id"), nullable=False, index=True),
    Column("chat_id", Uuid, nullable=False, index=True),
    Column("visitor_id", Uuid, nullable=False, index=True),
    Column("message_id", Uuid, nullable=False),
    Column("uploader_id", Uuid, nullable=False),
    Column("uploader_role", String(20), nullable=False),
    Column("name", String(200), nullable=False),
    Column("content_type", String(100), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("storage_key", String(300), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)
