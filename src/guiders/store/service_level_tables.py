"""The SLA breaches table (``store/service_levels.py`` reads and writes it)."""

from __future__ import annotations

from sqlalchemy import Column, String, Table, Uuid

from guiders.store.metadata import metadata
from guiders.store.types import UTCDateTime

sla_breaches = Table(
    "sla_breaches",
    metadata,
    Column("chat_id", Uuid, primary_key=True),
    Column("kind", String(20), primary_key=True),
    Column("started_at", UTCDateTime, primary_key=True),
    Column("company_id", Uuid, nullable=False, index=True),
    Column("breached_at", UTCDateTime, nullable=False),
)
"""One row per timer that ran past its target: the key makes a breach recorded once, however
many nodes scan. No foreign key to ``chats``: erasing a chat is not held up by its breaches
(they carry no personal data)."""
