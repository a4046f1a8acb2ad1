"""Tables of the privacy feature: visitors' data keys (crypto-shredding of the event log),
their consents, and each company's retention period.

Registered on the one ``metadata`` (``tables.py`` imports this module at its end), so
``create_schema`` and Alembic see them with everything else.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Index, String, Table, Text, Uuid

from guiders.store.metadata import metadata
from guiders.store.types import UTCDateTime

visitor_keys = Table(
    "visitor_keys",
    metadata,
    Column("visitor_id", Uuid, primary_key=True),
    Column("company_id", Uuid, nullable=False, index=True),
    Column("wrapped_key", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)
"""One AES-256 key per visitor, encrypted with the deployment's secrets key (``SecretBox``);
it seals the personal fields of the visitor's events. Deleting the row erases them from the log."""

visitor_consents = Table(
    "visitor_consents",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("company_id", Uuid, nullable=False),
    Column("visitor_id", Uuid, nullable=False),
    Column("purpose", String(20), nullable=False),
    Column("granted", Boolean, nullable=False),
    Column("text", Text, nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("language", String(20)),
    Column("source", String(20), nullable=False),
    Column("chat_id", Uuid),
    Column("email", String(254)),
    Index("ix_visitor_consents_visitor", "visitor_id", "purpose", "recorded_at"),
)
"""Every consent given or refused (``email``, ``tracking``), append-only, with the text shown,
its language and where it was answered (``source``: the consents API or the widget's e-mail
line, which also keeps the chat and the address); the latest row per purpose is in force. The
one consents table: ``email_consents`` was folded in by migration ``0020_consents``."""
